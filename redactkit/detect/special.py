"""Special categories that need their own, specific consent: HIV-related information
(Conn. Gen. Stat. §19a-583), psychiatric / mental-health treatment (§52-146e), substance-use
disorder treatment (42 CFR Part 2). And clues to the reporter's identity (§17a-101k).

A passage (the sentence) is reported when it holds a subject term AND a treatment or testing
context word: "tested for HIV", "attends methadone treatment", "psychiatric evaluation". A bare
mention ("HIV prevention leaflet") is not enough on its own.
"""
from __future__ import annotations

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult

# Per category: terms specific enough to mark a passage on their own, and terms that need a
# treatment or testing word in the same sentence ("HIV" alone may be an awareness week).
_STRONG = {
    "SPECIAL_HIV": r"viral load|\bCD4\b|antiretroviral|\bARVs?\b|biktarvy|truvada|descovy|genvoya|triumeq|"
                   r"seropositive|serostatus|HIV[- ](?:positive|negative|test\w*|status|infection|infected|care)|"
                   r"(?:living|diagnosed) with (?:HIV|AIDS)",
    "SPECIAL_MENTAL_HEALTH": r"psychiatr\w*|psychotherap\w*|psychological (?:evaluation|assessment|testing)|"
                             r"mental[ -]health (?:treatment|services|clinic|evaluation|assessment|diagnosis|provider)|"
                             r"antidepressant|antipsychotic|\bSSRI\b|zoloft|prozac|lexapro|abilify|seroquel|risperdal|"
                             r"adderall|ritalin|concerta|vyvanse|intuniv|suicidal (?:ideation|thoughts|attempt)|"
                             r"suicide attempt|self[- ]harm\w*|(?:emergency|72[- ]hour|psychiatric) hold|"
                             r"inpatient (?:psychiatric|unit)|crisis (?:unit|team|stabili[sz]ation)|\bIICAPS\b|\bEMPS\b",
    "SPECIAL_SUD": r"methadone|suboxone|buprenorphine|naltrexone|vivitrol|detox\w*|\brehab\w*|"
                   r"\b(?:AA|NA)\b meetings?|alcoholics anonymous|narcotics anonymous|intensive outpatient|"
                   r"(?:substance|alcohol|opioid|cannabis|stimulant|drug) use disorder|substance[- ]exposed|"
                   r"neonatal abstinence|\bNAS\b|medication[- ]assisted treatment|toxicology|tox screen|"
                   r"urine (?:screen|drug screen|toxicology)|sobriety|substance (?:abuse|use) (?:treatment|program|"
                   r"evaluation|assessment|counsel\w*|services)",
}
_WEAK = {
    "SPECIAL_HIV": r"\bHIV\b|\bAIDS\b|human immunodeficiency|\bPrEP\b",
    "SPECIAL_MENTAL_HEALTH": r"psycholog\w*|mental[ -]health|behavio(?:u)?ral health|therap(?:y|ist|eutic)|"
                             r"counsel(?:l)?ing|counsel(?:l)?or|depress\w*|anxiety|\bPTSD\b|trauma|bipolar|"
                             r"schizo\w*|psychos[ie]s|psychotic|suicid\w*|\bADHD\b|\bODD\b|lithium|eating disorder",
    "SPECIAL_SUD": r"substance[ -](?:use|abuse)|alcohol\w*|opioid\w*|opiate\w*|heroin|fentanyl|cocaine|crack|"
                   r"methamphetamine|marijuana|cannabis|\bTHC\b|narcan|sober|\bMAT\b|\bIOP\b|withdrawal|"
                   r"drug (?:screen|test|use|abuse|treatment)|relapse\w*|overdose\w*",
}
_CONTEXT = (r"treat\w*|therap\w*|counsel\w*|test\w*|screen\w*|result\w*|diagnos\w*|positive|negative|"
            r"prescri\w*|medicat\w*|dose\w*|clinic\w*|program\w*|admit\w*|admission|discharg\w*|enrol\w*|"
            r"attend\w*|session\w*|evaluat\w*|assess\w*|hospitali[sz]\w*|referr\w*|refer\w*|status|"
            r"provider|services|regimen|maintenance|relapse\w*|recover\w*|meeting\w*|seen by|sees|takes|taking|"
            r"psychiatrist|clinician|intake|appointment\w*|care|condition|infection|infected|symptom\w*|"
            r"disorder|history of|undetectable|detectable|level|count|hold|ideation|thoughts|attempt\w*|"
            r"monitor\w*|exposed|withdrawal|dependen\w*|addict\w*|abuse|rehab\w*|detox\w*")
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
# a job title is who someone is, not treatment: "the school counselor called" is no mental-health passage
_JOB_TITLE = re.compile(r"(?i)\b(?:school|guidance|career|college|academic|admissions?|camp|financial|legal|housing|"
                        r"employment|job|peer|youth)\s+(?:counsel(?:l)?ors?|psychologists?|therapists?)\b")


class SpecialCategoryRecognizer(EntityRecognizer):
    """Sentences about HIV, mental-health treatment or substance-use treatment."""

    def __init__(self):
        self._strong = {e: re.compile(rx, re.IGNORECASE) for e, rx in _STRONG.items()}
        self._weak = {e: re.compile(rx, re.IGNORECASE) for e, rx in _WEAK.items()}
        self._context = re.compile(rf"\b(?:{_CONTEXT})", re.IGNORECASE)
        super().__init__(supported_entities=list(_STRONG), name="SpecialCategoryRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        for sent in _SENTENCE.finditer(text):
            s = sent.group(0)
            lead = len(s) - len(s.lstrip())
            s = _JOB_TITLE.sub(lambda m: "x" * len(m.group(0)), s)
            context = None
            for entity in self._strong:
                if entities and entity not in entities:
                    continue
                hit = self._strong[entity].search(s)
                if not hit and self._weak[entity].search(s):
                    if context is None:
                        context = bool(self._context.search(s))
                    hit = context
                if hit:
                    out.append(RecognizerResult(entity, sent.start() + lead, sent.end(), 0.8,
                                                analysis_explanation=None,
                                                recognition_metadata={"recognizer_name": self.name}))
        return out


_REPORTER = r"(?:reporter|reporting (?:party|person)|caller|referent|referral source|complainant|the person who (?:called|reported))"
_CLUE_RX = re.compile(
    rf"(?i:\b(?:the\s+)?{_REPORTER})\b[^.!?\n]{{0,160}}[.!?]?"
    r"|(?i:\bthe\s+(?:school\s+)?(?:nurse|teacher|principal|counsell?or|social worker|coach|neighbou?r|doctor|"
    r"pediatrician|therapist|landlord|babysitter|bus driver|guidance counsell?or|daycare provider)\b"
    r"[^.!?\n]{0,60}\b(?:called|reported|contacted|phoned|made (?:the|a) report|filed)\b[^.!?\n]{0,120}[.!?]?)")


_DESCRIBES = re.compile(r"(?i)(?:,|\u2014|\s-)\s*(?:a|an|the|who|whose|from|at|her|his|their|[A-Z][a-z]+)\b|"
                        r"\b(?:is|was|identified as|works?|worked|lives|lived|employed|described as)\s+"
                        r"(?:a|an|the|at|in|as|for|on|with|next|across)\b|\bwho\b|\bfrom\b|\bat\b")


class ReporterClueRecognizer(EntityRecognizer):
    """Words that identify who reported: "the reporter, a teacher at Lincoln Elementary, ...",
    "the school nurse called the Careline". The whole clause is the clue."""

    def __init__(self):
        super().__init__(supported_entities=["REPORTER_CLUE"], name="ReporterClueRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        for m in _CLUE_RX.finditer(text):
            clause = m.group(0)
            # "the reporter was informed" says nothing about who they are: no clue
            if re.match(rf"(?i)\s*(?:the\s+)?{_REPORTER}", clause) and not _DESCRIBES.search(clause):
                continue
            out.append(RecognizerResult("REPORTER_CLUE", m.start(), m.end(), 0.7, analysis_explanation=None,
                                        recognition_metadata={"recognizer_name": self.name}))
        return out

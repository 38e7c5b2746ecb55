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

from .clues import _REPORT_VERB, _REPORTER, _ROLE_NOUN

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
# Lower-case words of which every match of a category's strong or weak pattern holds one: a
# sentence in plain ASCII that holds none of them cannot match (a cheap test before the patterns,
# which Python must try at every position of every sentence). Outside ASCII the patterns run.
_ANCHORS = {
    "SPECIAL_HIV": ("viral load", "cd4", "antiretroviral", "arv", "biktarvy", "truvada", "descovy", "genvoya",
                    "triumeq", "seropositive", "serostatus", "hiv", "aids", "human immunodeficiency", "prep"),
    "SPECIAL_MENTAL_HEALTH": ("psych", "mental", "antidepressant", "ssri", "zoloft", "prozac", "lexapro", "abilify",
                              "seroquel", "risperdal", "adderall", "ritalin", "concerta", "vyvanse", "intuniv",
                              "suicid", "harm", "hold", "inpatient", "crisis", "iicaps", "emps", "behavio", "therap",
                              "counsel", "depress", "anxiety", "ptsd", "trauma", "bipolar", "schizo", "adhd", "odd",
                              "lithium", "eating disorder"),
    "SPECIAL_SUD": ("methadone", "suboxone", "buprenorphine", "naltrexone", "vivitrol", "detox", "rehab", "meeting",
                    "anonymous", "intensive outpatient", "use disorder", "exposed", "neonatal abstinence", "nas",
                    "assisted treatment", "tox", "urine", "sobriety", "substance", "alcohol", "opioid", "opiate",
                    "heroin", "fentanyl", "cocaine", "crack", "methamphetamine", "marijuana", "cannabis", "thc",
                    "narcan", "sober", "mat", "iop", "withdrawal", "drug", "relapse", "overdose"),
}
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
            low = s.lower() if s.isascii() else None
            context = None
            for entity in self._strong:
                if entities and entity not in entities:
                    continue
                if low is not None and not any(a in low for a in _ANCHORS[entity]):
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


_CLUE_RX = re.compile(
    rf"(?i:\b(?:the\s+)?{_REPORTER})\b[^.!?\n]{{0,160}}[.!?]?"
    rf"|(?i:\bthe\s+{_ROLE_NOUN}\b[^.!?\n]{{0,60}}\b{_REPORT_VERB}\b[^.!?\n]{{0,120}}[.!?]?)")
# a labelled field about the reporter: "Reporter workplace  Lincoln Elementary, Hartford 06106"
# (a table row read as one line), "Reporter's employer: ...", "Caller relationship: teacher"
_FIELD_RX = re.compile(
    rf"(?im)^[ \t]*(?:the\s+)?{_REPORTER}(?:'s|’s|s')?[ \t]*(?:work[ \t]?place|employer|employment|place of work|"
    r"school|agency|organi[sz]ation|facility|business|company|office|program|address|street|town|city|"
    r"state|zip(?:[ \t]?code)?|postal code|location|phone|telephone|tel|cell|mobile|fax|e-?mail|"
    r"relationship(?:[ \t]+to[ \t]+\w+)?|occupation|profession|role|type|title|position|job|affiliation|"
    r"contact(?:[ \t]+\w+)?|name|info(?:rmation)?|details?)\b[ \t]*(?:[:#\-–—|][ \t]*)?(?P<value>\S[^\n]*)?$")
# a row's value reads as a form's value, not as the rest of a sentence
_PROSE = re.compile(r"(?i)(?:is|was|were|are|has|had|have|did|does|said|stated|called|reported|told|asked|"
                    r"would|will|could|can|may|might|should|and|or|but|who|which|that|to|of)\b"
                    r"|.*[.!?][ \t]+[A-Z]")
# a heading over the reporter's own rows ("Reporter information" / "Source of report"), and the
# headings that end them. A label alone on its line may have one trailing space (word processors
# leave one); more is a value the verifier masked ("Reporter:   " was "Reporter: RI"), not a heading
_HEADING_RX = re.compile(rf"(?im)^[ \t]*(?:(?:{_REPORTER}|source of (?:the )?report|reporting source)"
                         r"(?:[ \t]+(?:information|info|details|data|contact(?: information)?)[ \t]*:?|[ \t]*:)"
                         r"|(?:information|details) (?:on|about) the reporter[ \t]*:?)[ \t]?$")
_NEXT_SECTION = re.compile(r"(?i)^\s*(?:child|children|subject|victim|alleged|family|household|parent|mother|"
                           r"father|caregiver|case|allegation|narrative|summary|report details|assignment|"
                           r"worker|investigation|assessment|screening|disposition|response)\b")


_DESCRIBES = re.compile(r"(?i)(?:,|\u2014|\s-)\s*(?:a|an|the|who|whose|from|at|her|his|their|[A-Z][a-z]+)\b|"
                        r"\b(?:is|was|identified as|works?|worked|lives|lived|employed|described as)\s+"
                        r"(?:a|an|the|at|in|as|for|on|with|next|across)\b|\bwho\b|\bfrom\b|\bat\b")


class ReporterClueRecognizer(EntityRecognizer):
    """Words that identify who reported: "the reporter, a teacher at Lincoln Elementary, ...",
    "the school nurse called the Careline", and the reporter's rows of a form or table (a
    "Reporter workplace" row with the school, town and ZIP; the rows under a "Reporter
    information" heading). The whole clause, or the row's value, is the clue."""

    def __init__(self):
        super().__init__(supported_entities=["REPORTER_CLUE"], name="ReporterClueRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        spans, rows = [], set()
        for m in _FIELD_RX.finditer(text):
            if len(m.group(0)) > 120 or (m.group("value") and _PROSE.match(m.group("value"))):
                continue          # a sentence that wrapped to begin with "the caller's e-mail is ...": no row
            if m.group("value") is None and re.search(r"[ \t]{2,}$", m.group(0)):
                continue          # a label whose value was redacted (the verifier's masked codes): no row
            rows.add(m.start())
            if m.group("value") is not None:
                spans.append((m.start("value"), m.end("value")))
            else:        # the label alone on its line (a wrapped table cell, a form): the value is below
                spans += _rows_below(text, m.end(), most=1)
        rows = {text.rfind("\n", 0, s + 1) + 1 for s in rows}   # where those rows begin
        for m in _CLUE_RX.finditer(text):
            if text.rfind("\n", 0, m.start()) + 1 in rows and not text[text.rfind("\n", 0, m.start()) + 1:
                                                                           m.start()].strip():
                continue                  # a field row: its value is the clue, its label stays
            clause = m.group(0)
            # "the reporter was informed" says nothing about who they are: no clue
            if re.match(rf"(?i)\s*(?:the\s+)?{_REPORTER}", clause) and not _DESCRIBES.search(clause):
                continue
            spans.append((m.start(), m.end()))
        for m in _HEADING_RX.finditer(text):
            spans += _rows_below(text, m.end())
        return [RecognizerResult("REPORTER_CLUE", s, e, 0.7, analysis_explanation=None,
                                 recognition_metadata={"recognizer_name": self.name})
                for s, e in sorted(set(spans)) if text[s:e].strip()]


def _rows_below(text: str, pos: int, most: int = 8) -> list[tuple[int, int]]:
    """The short rows under a reporter heading, up to the next section, a blank line or prose."""
    out = []
    for m in re.finditer(r"(?m)^[^\n]*$", text[pos:]):
        line = m.group(0)
        if m.start() == 0:
            continue                      # the rest of the heading's own line
        if not line.strip() or len(line) > 100 or _NEXT_SECTION.match(line) or line.rstrip().endswith("."):
            break
        lead = len(line) - len(line.lstrip())
        out.append((pos + m.start() + lead, pos + m.start() + len(line.rstrip())))
        if len(out) >= most:
            break
    return out

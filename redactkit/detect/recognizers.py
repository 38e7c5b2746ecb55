"""The project's own recognizers: what Presidio's defaults miss in case records.

Each is a small Presidio recognizer: patterns, context words, entity. Which run is decided in
engine.py. Scores: >= 0.5 stands alone; lower needs a context word near it (the context
enhancer lifts it to at least MIN_SCORE_WITH_CONTEXT).
"""
from __future__ import annotations

import re

from faker.providers.address.en_US import Provider as _Address
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult

from .places import US_STATE_ABBR

_STREET_SUFFIXES = sorted(set(_Address.street_suffixes) | {
    "St", "Ave", "Rd", "Dr", "Ln", "Blvd", "Ct", "Pl", "Ter", "Cir", "Hwy", "Pkwy", "Sq", "Trl",
    "Way", "Tpke", "Turnpike", "Row", "Walk", "Xing", "Hts", "Ext"}, key=len, reverse=True)
_SUFFIX = "(?:" + "|".join(re.escape(s) for s in _STREET_SUFFIXES) + r")\.?"
_WORD = r"[A-Z][A-Za-z'’.-]*"
_S = r"[^\S\n]+"   # whitespace within a block (a line break inside a paragraph is a space by then)
_UNIT = r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor|Rm|Room|Bldg|#)\.?\s*#?\s*[A-Za-z0-9-]{1,6})"
_STATE = "(?:" + "|".join(US_STATE_ABBR) + "|" + "|".join(re.escape(s) for s in sorted(_Address.states)) + ")"
_ZIP = r"\d{5}(?:-\d{4})?"
_DIR = r"(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?[^\S\n]+)?"

from .names import ORG_WORDS, NOT_NAME_WORDS, first_names, fold, last_names  # noqa: E402
from .contact import (IntlAddressRecognizer, IntlPhoneRecognizer, PagerRecognizer, PostcodeRecognizer,  # noqa: E402
                      TownRecognizer)
from .people import PopulationNameRecognizer  # noqa: E402
from .special import ReporterClueRecognizer, SpecialCategoryRecognizer  # noqa: E402


def _rec(entity: str, name: str, patterns: list[tuple[str, str, float]], context: list[str] | None = None,
         flags: int = 0) -> PatternRecognizer:
    rec = PatternRecognizer(supported_entity=entity, name=name, context=context or [],
                            patterns=[Pattern(n, rx, s) for n, rx, s in patterns])
    rec.global_regex_flags = flags or re.MULTILINE
    return rec


def address_recognizer() -> PatternRecognizer:
    return _rec("ADDRESS", "StreetAddressRecognizer", [
        ("street", rf"(?<![\w/.,-])\d{{1,6}}[A-Za-z]?{_S}{_DIR}(?:{_WORD}{_S}){{0,4}}{_SUFFIX}(?!\w){_UNIT}?", 0.7),
        ("numbered street", rf"(?<![\w/.,-])\d{{1,6}}{_S}{_DIR}\d{{1,3}}(?:st|nd|rd|th){_S}{_SUFFIX}(?!\w){_UNIT}?", 0.7),
        ("po box", r"\b(?:P\.?\s?O\.?\s*Box|Post\s+Office\s+Box)\s+\d{1,6}\b", 0.7),
        ("city state zip", rf"\b(?:{_WORD}{_S}){{0,3}}{_WORD},?{_S}{_STATE}\.?{_S}{_ZIP}\b", 0.7),
        ("military", r"\b(?:(?:USNS|USS|USCGC|USNV)\s+[A-Z][a-z]+|(?:PSC|Unit|CMR)\s+\d{3,5},?\s+Box\s+\d{3,5})\b", 0.6),
        ("military city", rf"\b(?:APO|FPO|DPO)\s+(?:AA|AE|AP)\s+{_ZIP}\b", 0.7),
        ("unit", r"(?<![\w])(?:Apt|Apartment|Suite|Ste|Unit)\.?\s*#?\s*\d{1,5}[A-Z]?\b", 0.4),
    ], context=["address", "lives", "resides", "residence", "home", "street", "apartment", "moved"])


def zip_recognizer() -> PatternRecognizer:
    return _rec("ZIP", "ZipRecognizer", [("zip", rf"\b{_ZIP}\b", 0.05)],
                context=["zip", "zipcode", "postal", "code"])


def phone_recognizer() -> PatternRecognizer:
    sep = r"[\s.\-]?"
    return _rec("PHONE_NUMBER", "UsPhoneRecognizer", [
        ("formatted", rf"(?<![\w+])(?:(?:\+?1|001)[\s.\-]?)?(?:\(\d{{3}}\)\s?|\d{{3}}{sep})\d{{3}}[\s.\-]\d{{4}}"
                      r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?\b", 0.7),
        ("intl", r"(?<![\w])\+\d{1,3}[\s.\-]\(?\d{1,4}\)?(?:[\s.\-]\d{2,4}){2,4}\b", 0.5),
        ("bare ten digits", r"\b\d{10}\b", 0.2),
        ("seven digits", r"\b\d{3}-\d{4}\b", 0.2),
    ], context=["phone", "telephone", "tel", "cell", "mobile", "fax", "call", "called", "contact",
                "number", "reached", "text", "voicemail", "hotline"])


def ssn_recognizer() -> PatternRecognizer:
    return _rec("US_SSN", "LooseSsnRecognizer", [
        ("dashed", r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])", 0.6),
        ("spaced", r"\b\d{3}\s\d{2}\s\d{4}\b", 0.3),
        ("bare", r"\b\d{9}\b", 0.1),
    ], context=["ssn", "social", "security", "ss#", "ss"])


def email_recognizer() -> PatternRecognizer:
    # Presidio's EmailRecognizer validates the domain; this one does not, so odd domains still go.
    return _rec("EMAIL_ADDRESS", "LooseEmailRecognizer", [
        ("email", r"\b[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b", 0.7),
    ])


_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")


def date_recognizer() -> PatternRecognizer:
    return _rec("DATE_TIME", "CaseDateRecognizer", [
        ("month d, yyyy", rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b", 0.7),
        ("d month yyyy", rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?,?\s+\d{{4}}\b", 0.7),
        ("month d", rf"\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b", 0.5),
        ("month yyyy", rf"\b{_MONTH}\.?,?\s+\d{{4}}\b", 0.5),
        ("m/d/y", r"\b(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-](?:\d{4}|\d{2})\b", 0.7),
        ("iso", r"\b\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])\b", 0.7),
        ("m/d", r"(?<![\d/])(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])(?![\d/])", 0.4),
        ("m-d", r"(?<![\w/.-])(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01])(?![\w/-]|\.\d|\s*(?:mg|mcg|ml|cc|l|hrs?|h|min|"
                r"times|x|%|mm|cm|kg|g|units?|u|days?|weeks?|months?|years?|beats|breaths|bpm)\b)", 0.4),
        ("the nth", r"(?i:\b(?:on|the|since|from|until|till|by|before|after)\s+(?:the\s+)?)(?:[12]?\d|3[01])(?:st|nd|rd|th)\b", 0.5),
        ("d-mon", rf"\b\d{{1,2}}[- ]{_MONTH}\b(?:[- ]\d{{2,4}})?", 0.6),
    ], context=["dob", "born", "birth", "date", "admitted", "discharged", "died", "on"])


def age_recognizer() -> PatternRecognizer:
    return _rec("AGE_OVER_89", "AgeOver89Recognizer", [
        ("n-year-old", r"\b(?:9\d|1[0-2]\d)[\s-](?:years?|yrs?|y/?o)(?:[\s-]old)?\b", 0.7),
        ("age n", r"\b(?:age|aged)\s+(?:9\d|1[0-2]\d)\b", 0.7),
        ("nyo", r"(?<![\d.°])\b(?:9\d|1[0-2]\d)\s?(?:yo|y/o|y\.o\.|yrs?|yr-old)(?![\w/])", 0.7),
        ("n F/M", r"(?<![\d.°])(?<!temp )(?<!Temp )(?<!T )(?<!t )(?<!Tmax )(?<!tmax )\b(?:9\d|1[0-2]\d)\s?[FM]\b"
                  r"(?!\s*(?:°|degrees))", 0.6),
    ])


def case_number_recognizer() -> PatternRecognizer:
    return _rec("CASE_NUMBER", "DcfCaseNumberRecognizer", [
        ("dcf case", r"\bDCF[-\s#]?\d{2,4}-\d{3,8}\b", 0.8),
        ("docket", r"\b[A-Z]\d{2}[A-Z]?-[A-Z]{2}\d{2}-\d{4,9}(?:-[A-Z])?\b", 0.6),
    ])


# Labelled identifiers: a label, then the value. The value's span alone is reported.
_VALUE = r"(?P<value>(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{2,}[A-Z0-9])"
_LABELS: list[tuple[str, str]] = [
    ("MEDICAL_RECORD_NUMBER", r"MRN|MR\s?#|medical\s+record\s*(?:number|no\.?|#)?|patient\s+(?:id|number|no\.?|#)|chart\s*(?:number|no\.?|#)"),
    ("HEALTH_PLAN_ID", r"medicaid(?:\s+(?:id|number|no\.?|#))?|husky(?:\s+(?:a|b|c|d))?(?:\s+(?:member\s+)?(?:id|number|no\.?|#))?|member\s+(?:id|number|no\.?|#)|subscriber\s+(?:id|number|no\.?|#)|policy\s+(?:number|no\.?|#)|health\s+plan\s+(?:id|number|no\.?|#)|insurance\s+(?:id|number|no\.?|#)|group\s+(?:number|no\.?|#)|beneficiary\s+(?:id|number|no\.?|#)"),
    ("CASE_NUMBER", r"case\s*(?:number|no\.?|#|id)|link\s*(?:id|number|no\.?|#)?|docket\s*(?:number|no\.?|#)?|registry\s*(?:number|no\.?|#|id)|referral\s*(?:number|no\.?|#|id)|report\s*(?:number|no\.?|#)|intake\s*(?:number|no\.?|#|id)"),
    ("STUDENT_ID", r"student\s*(?:id|number|no\.?|#)|sasid|school\s+id"),
    ("ACCOUNT_NUMBER", r"account\s*(?:number|no\.?|#)?|acct\.?\s*(?:number|no\.?|#)?|routing\s*(?:number|no\.?|#)?|card\s*(?:number|no\.?|#)"),
    ("LICENSE_NUMBER", r"driver'?s?\s+licen[cs]e\s*(?:number|no\.?|#)?|licen[cs]e\s*(?:number|no\.?|#)?|certificate\s*(?:number|no\.?|#)|DL\s*#?|permit\s*(?:number|no\.?|#)|NPI|DEA\s*(?:number|no\.?|#)?"),
    ("LICENSE_PLATE", r"(?:licen[cs]e\s+)?plate\s*(?:number|no\.?|#)?|registration\s*(?:number|no\.?|#)?|tag\s*(?:number|no\.?|#)"),
    ("DEVICE_ID", r"serial\s*(?:number|no\.?|#)?|s/n|device\s*(?:id|number|no\.?|#)|IMEI|VIN|MAC\s+address|UDI"),
    ("UNIQUE_ID", r"\bID|identification\s*(?:number|no\.?|#)?|(?<=\w\s)(?:number|no\.|#)"),
]


class LabelledIdRecognizer(EntityRecognizer):
    """An identifier announced by its label: "MRN: 88123", "Medicaid ID 0123456789"."""

    def __init__(self):
        self._rx = [(entity, re.compile(rf"(?i)(?<![A-Za-z])(?:{label})\s*[:#.]?\s*(?:is\s+)?#?\s*" + rf"(?-i:{_VALUE})"))
                    for entity, label in _LABELS]
        super().__init__(supported_entities=sorted({e for e, _ in _LABELS}), name="LabelledIdRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        for entity, rx in self._rx:
            if entities and entity not in entities:
                continue
            for m in rx.finditer(text):
                out.append(RecognizerResult(entity, m.start("value"), m.end("value"), 0.75,
                                            analysis_explanation=None,
                                            recognition_metadata={"recognizer_name": self.name}))
        return out


def plate_recognizer() -> PatternRecognizer:
    """Licence plates after their label: "plate APR 843", "tag 5N 98061"."""
    return _rec("LICENSE_PLATE", "LicensePlateRecognizer", [
        ("plate", r"(?i:\b(?:licen[cs]e\s+)?(?:plate|tag|registration)\s*(?:number|no\.?|#)?\s*:?\s*)"
                  r"(?=[A-Z0-9 -]{0,8}\d)[A-Z0-9]{1,4}[ -]?[A-Z0-9]{2,5}\b", 0.7),
    ])


def number_recognizer() -> PatternRecognizer:
    """Catch-all for Safe Harbor's 'any other unique identifying number': 5+ digits in one token."""
    return _rec("OTHER_NUMBER", "LongNumberRecognizer", [
        ("digits", r"(?<![\w.,/-])(?!\d{1,3}-\d{1,3}(?![\w-]))(?=(?:[A-Za-z-]*\d){5})[A-Za-z0-9]*\d[A-Za-z0-9-]*\d"
                   r"(?![\w/]|[.,]\d)", 0.45),
    ])


# --- names beyond NER ---------------------------------------------------------------------------

_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Rev|Atty|Det|Officer|Sgt|Judge|Nurse|Coach)"
_CAP = r"[A-Z][a-zA-Z'’-]+"


_CALENDAR = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
             "march", "april", "july", "august", "september", "october", "november", "december", "mon", "tue",
             "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "jan", "feb", "mar", "apr", "jun", "jul",
             "aug", "sep", "sept", "oct", "nov", "dec", "today", "tomorrow", "yesterday"}


_PARTICLES = r"(?:\s+(?:da|de|del|della|di|do|dos|das|van|von|der|den|la|le|du|ten|ter|bin|al|el))*"


def _plain_word(word: str) -> bool:
    """A capitalised word that could be a surname: not a heading, organisation or calendar word."""
    w = word.lower().strip(".,")
    return len(w) >= 2 and w not in NOT_NAME_WORDS and w not in ORG_WORDS and w not in _CALENDAR \
        and not w.isdigit()


def _at_every_word(rx: re.Pattern, text: str):
    """Matches starting at every capitalised word, overlapping: in "Contact Arin Sarkar" the
    pair "Arin Sarkar" is tried too, not only "Contact Arin Sarkar"."""
    for w in re.finditer(r"\b[A-Z]", text):
        m = rx.match(text, w.start())
        if m:
            yield m


class GazetteerNameRecognizer(EntityRecognizer):
    """Person names from title + name, and first + last name pairs from the population name table
    (names.py: names-dataset)."""

    _title = re.compile(rf"\b{_TITLES}\.?\s+(?:[A-Z]\.\s*)?(?P<name>{_CAP}(?:\s+{_CAP})?)")
    _pair = re.compile(rf"\b(?P<first>{_CAP})(?:\s+[A-Z]\.?)?(?:\s+{_CAP})?{_PARTICLES}\s+(?P<last>{_CAP})\b")
    _reversed = re.compile(rf"\b(?P<last>{_CAP}(?:[ -]{_CAP})?),\s+(?P<first>{_CAP})\b")
    _caps = re.compile(r"\b(?P<first>[A-Z]{2,})(?:\s+[A-Z]\.?)?\s+(?P<last>[A-Z]{2,}(?:-[A-Z]{2,})?)\b")

    def __init__(self):
        super().__init__(supported_entities=["PERSON"], name="GazetteerNameRecognizer")

    def load(self) -> None:
        pass

    def _hit(self, start, end, score):
        return RecognizerResult("PERSON", start, end, score, analysis_explanation=None,
                                recognition_metadata={"recognizer_name": self.name})

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        text = fold(text)  # same length: "Jonás Narváez" is matched as "Jonas Narvaez"
        first, last = first_names(), last_names()
        for m in self._title.finditer(text):
            out.append(self._hit(m.start("name"), m.end("name"), 0.6))
        for m in _at_every_word(self._pair, text):
            f, l_ = m.group("first"), m.group("last").title()
            if f in first and (l_ in last or l_.split("-")[0] in last):
                out.append(self._hit(m.start(), m.end(), 0.7))
            elif f in first and f.lower() not in NOT_NAME_WORDS and _plain_word(l_):
                out.append(self._hit(m.start(), m.end(), 0.55))   # a known first name and a surname-like word
        for m in _at_every_word(self._reversed, text):
            f, l_ = m.group("first").title(), m.group("last").title()
            if f in first and (l_ in last or (_plain_word(l_) and m.group("last").isupper())):
                out.append(self._hit(m.start(), m.end(), 0.7))
        for m in _at_every_word(self._caps, text):
            if m.group("first").title() in first and m.group("last").split("-")[0].title() in last:
                out.append(self._hit(m.start(), m.end(), 0.7))
        return out


_CUES = ("friend|neighbou?r|teacher|aunt|uncle|grand(?:mother|father|ma|pa|parent)|cousin|boyfriend|girlfriend|"
         "partner|paramour|roommate|landlord|landlady|babysitter|caregiver|coach|pastor|priest|counsell?or|"
         "therapist|clinician|nurse|doctor|physician|pediatrician|dentist|officer|detective|trooper|sergeant|"
         "witness|caller|reporter|principal|step-?(?:father|mother|son|daughter)|sibling|brother|sister|son|"
         "daughter|husband|wife|fianc[ée]e?|employer|co-?worker|supervisor|attorney|lawyer|advocate|mentor|tutor|"
         "named|called|contacted|interviewed|spoke\\s+(?:with|to)|met\\s+(?:with)?|visited|informed|told|"
         "signed|by|cc|dear|sincerely|regards|respectfully|name\\s+is|names\\s+are|known\\s+as|a\\.k\\.a\\.?|aka")




class RoleCueNameRecognizer(EntityRecognizer):
    """A capitalised name right after a relation or role word: "family friend Jonás Narváez",
    "neighbour Kabus", "spoke with Ehrenfried Kabus". Phrases naming an organisation are skipped."""

    _rx = re.compile(rf"(?i:\b(?:{_CUES}))[ \t]*,?[ \t]+(?:(?:Mr|Mrs|Ms|Miss|Dr|Mx)\.?[ \t]+)?"
                     r"(?P<name>[^\W\d_][\w'’-]*(?:[ \t]+(?:[A-Z]\.|[^\W\d_][\w'’-]*)){0,3})")

    def __init__(self):
        super().__init__(supported_entities=["PERSON"], name="RoleCueNameRecognizer")

    def load(self) -> None:
        pass

    _signoff = re.compile(r"(?i:\b(?:sincerely|regards|respectfully|thank\s+you|best|cordially|signed),?)"
                          r"[ \t]*\n[ \t]*(?P<name>[^\W\d_][\w'’-]*(?:[ \t]+(?:[A-Z]\.|[^\W\d_][\w'’-]*)){0,3})")

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        for m in (*self._rx.finditer(text), *self._signoff.finditer(text)):
            words, spans, stop = [], [], ""
            for w in re.finditer(r"\S+", m.group("name")):
                token = w.group(0).rstrip(".,;:")
                if not token or not token[0].isupper() or token.lower() in NOT_NAME_WORDS \
                        or token.lower() in _CALENDAR:
                    stop = token.lower()
                    break
                words.append(token)
                spans.append((m.start("name") + w.start(), m.start("name") + w.start() + len(token)))
                if w.group(0)[-1] in ".,;:" and not re.fullmatch(r"[A-Z]\.", w.group(0)):
                    break
            if not words or stop in ORG_WORDS or any(w.lower() in ORG_WORDS for w in words):
                continue
            if len(words) == 1 and (len(words[0]) < 3 or words[0].isupper()):
                continue
            out.append(RecognizerResult("PERSON", spans[0][0], spans[-1][1], 0.6, analysis_explanation=None,
                                        recognition_metadata={"recognizer_name": self.name}))
        return out


def url_recognizer() -> PatternRecognizer:
    """Web addresses with a scheme, "www.", or a common domain ending: never "pt.cont" or "q.am"."""
    tld = r"(?:com|org|net|edu|gov|mil|info|biz|io|us|uk|ca|de|fr|nl|eu|au|co\.uk|ac\.uk|org\.uk)"
    return _rec("URL", "StrictUrlRecognizer", [
        ("scheme", r"\b(?:https?|ftp)://[^\s<>\"')\]]+", 0.7),
        ("www", r"\bwww\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[^\s<>\"')\]]*)?", 0.7),
        ("domain", rf"(?<![@\w.-])(?:[A-Za-z0-9-]+\.)+{tld}(?:/[^\s<>\"')\]]*)?(?![\w@-])", 0.6),
    ])


_NOT_FACILITY = (r"(?:Attorney|Surgeon|Secretary|Inspector|Solicitor|Consul|Governor|Adjutant|Postmaster|Advocate|"
                 r"Auditor|Comptroller|Director|Vicar|Major|Brigadier|Lieutenant|Connecticut|State|Assistant)")
_NOT_AFTER = r"(?:Statutes|Assembly|Counsel|Fund|Store|Electric|Motors|Mills|Law|Public|Order|Rules|Provisions)"


def place_recognizer() -> PatternRecognizer:
    """Hospitals, clinics and named wards: "St. Agnes Hospital", "Norwood General", "Farrow 6"."""
    inst = (r"(?:Hospital|Medical\s+Center|Medical\s+Centre|Health\s+Center|Clinic|Memorial|General|Infirmary|"
            r"Children's|Childrens|Rehab(?:ilitation)?(?:\s+(?:Center|Hospital))?|Nursing\s+Home|Hospice|"
            r"Regional|Community\s+Hospital|Medical\s+Group|Health\s+System|Healthcare|Pediatrics)")
    return _rec("LOCATION", "CareFacilityRecognizer", [
        ("facility", rf"\b(?:(?:St|Saint|Mount|Mt)\.?\s+)?(?:[A-Z][\w'’.-]+\s+){{0,3}}?(?!{_NOT_FACILITY}\b)[A-Z][\w'’-]+"
                     rf"(?:'s)?\s+{inst}(?:\s+(?:Hospital|Medical\s+Center|Center))?\b(?!\s+{_NOT_AFTER}\b)", 0.6),
        ("saint hospital", r"\b(?:St|Saint|Mount|Mt)\.?\s+[A-Z][\w'’-]+(?:'s)?(?:\s+(?:Hospital|Medical Center))?", 0.5),
    ])


def card_recognizer() -> EntityRecognizer:
    """Payment card numbers of any issuer prefix (Presidio's pattern knows the leading digits of
    2015: Mastercard's 2221-2720 range and newer issuers pass it by), kept only when the Luhn check
    digit holds."""
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer
    rec = CreditCardRecognizer(patterns=[
        Pattern("grouped", r"(?<![\d-])\d{4}([- ])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?(?![\d-])", 0.3),
        Pattern("amex grouped", r"(?<![\d-])3[47]\d{2}([- ])\d{6}\1\d{5}(?![\d-])", 0.3),
        Pattern("plain", r"(?<![\d-])\d{15,19}(?![\d-])", 0.1)],
        context=["card", "credit", "debit", "visa", "mastercard", "amex", "payment", "paid", "cc"])
    rec.name = "AnyCardRecognizer"
    return rec


def project_recognizers() -> list[EntityRecognizer]:
    """Every recognizer of the project's own, enabled or not (engine.py picks by configuration)."""
    return [address_recognizer(), IntlAddressRecognizer(), card_recognizer(), zip_recognizer(), phone_recognizer(), IntlPhoneRecognizer(),
            PagerRecognizer(), ssn_recognizer(), email_recognizer(), url_recognizer(), date_recognizer(),
            age_recognizer(), case_number_recognizer(), LabelledIdRecognizer(), plate_recognizer(), number_recognizer(),
            place_recognizer(), PostcodeRecognizer(), TownRecognizer(), PopulationNameRecognizer(), RoleCueNameRecognizer(), SpecialCategoryRecognizer(),
            ReporterClueRecognizer()]

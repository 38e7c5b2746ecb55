"""International contact data: phone numbers of every region (Google's libphonenumber, through the
`phonenumbers` package that Presidio's PhoneRecognizer also wraps), pagers, and street addresses
in US and continental layouts with their postcode and town.

A DCF case number ("2019-669512"), an ISO date or a vital-sign range is never a phone.
"""
from __future__ import annotations

import re

import phonenumbers
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

from .places import _typed

# regions tried for numbers written without a country code, most likely first
REGIONS = ("US", "GB", "CA", "AU", "IE", "DE", "FR", "IT", "ES", "PT", "NL", "BE", "CH", "AT", "DK", "NO", "SE",
           "FI", "IS", "EE", "HU", "PL", "CZ", "SK", "HR", "RS", "SI", "RO", "TR", "GR", "BR", "MX", "IN", "IL",
           "JP", "NZ", "ZA")
_CANDIDATE = re.compile(r"(?<![\w+./-])(?:\+|00)?\(?\d[\d\s().-]{5,20}\d(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?(?![\w/]|[.-]\d)")
# a case number ("2019-669512", "2019 669512"), an ISO date, a range, a US date, an SSN's shape
_NOT_PHONE = re.compile(r"(?:19|20)\d\d[-\s]\d{3,8}|\d{4}-\d\d-\d\d|\d{1,3}-\d{1,3}|\d{1,2}[.-]\d{1,2}[.-]\d{2,4}|"
                        r"\d{3}-\d{2}-\d{4}")
_CASE_LABEL = re.compile(r"(?i)(?:dcf|case|docket|link|file|ref|report|intake|#)\s*(?:no\.?|number)?\s*[-#:]?\s*$")


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


class IntlPhoneRecognizer(EntityRecognizer):
    """Phone numbers in any national or international format, with extensions."""

    def __init__(self):
        super().__init__(supported_entities=["PHONE_NUMBER"], name="IntlPhoneRecognizer",
                         context=["phone", "tel", "telephone", "cell", "mobile", "fax", "call", "reach", "number",
                                  "contact", "pager", "text", "whatsapp", "ring"])

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        for m in _CANDIDATE.finditer(text):
            value = m.group(0).rstrip(" .-)(")
            if value.count("(") != value.count(")"):
                value = value.lstrip("(") if value.count("(") > value.count(")") else value
            core = re.split(r"\s*(?:x|ext\.?|extension)\s*\d", value)[0]
            digits = _digits(core)
            if not 7 <= len(digits) <= 15 or _NOT_PHONE.fullmatch(core.strip()):
                continue
            start = m.start() + m.group(0).index(value[0])
            if _CASE_LABEL.search(text[max(0, start - 16):start]):
                continue                            # "DCF 2019 669512", "case # 4471 2290": a case number
            score = self._score(core, digits)
            if score:
                out.append(RecognizerResult("PHONE_NUMBER", start, start + len(value), score,
                                            analysis_explanation=AnalysisExplanation(self.name, score),
                                            recognition_metadata={"recognizer_name": self.name}))
        return out

    @staticmethod
    def _score(core: str, digits: str) -> float:
        groups = len(re.findall(r"\d+", core))
        if core.startswith(("+", "00")):
            try:
                num = phonenumbers.parse("+" + digits[2:] if core.startswith("00") else core, None)
            except phonenumbers.NumberParseException:
                return 0.0
            if phonenumbers.is_valid_number(num):
                return 0.75
            # a leading + and grouped digits read as a phone even where the plan does not know the range
            return 0.5 if groups >= 2 and 8 <= len(digits) <= 15 else 0.0
        if groups < 2 and "(" not in core:
            return 0.0          # a bare digit run: the US patterns (with context) decide
        for region in REGIONS:
            try:
                num = phonenumbers.parse(core, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(num):
                return 0.6 if len(digits) >= 8 and (groups >= 3 or "(" in core or len(digits) >= 9) else 0.35
        return 0.35 if groups >= 3 and 9 <= len(digits) <= 12 else 0.0   # phone-shaped: needs a context word


class PagerRecognizer(EntityRecognizer):
    """A pager or extension number after its cue: "paged at 48213", "pgr #5521", "beeper 2231"."""

    _rx = re.compile(r"(?i:\b(?:pager|pgr|beeper|beeped|paged|page|pg|ext|extension)\b\.?\s*(?:at\s+|to\s+)?"
                     r"(?:#|no\.?|number)?\s*:?\s*)(?P<value>#?\d{4,5}|\d{3}-\d{4})(?![\w/.-]|\.\d)"
                     r"|(?i:\b(?:at|@)\s+)(?P<hash>#\d{3,5})\b")

    def __init__(self):
        super().__init__(supported_entities=["PHONE_NUMBER"], name="PagerRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        for m in self._rx.finditer(text):
            g = "value" if m.group("value") else "hash"
            out.append(RecognizerResult("PHONE_NUMBER", m.start(g), m.end(g), 0.6, analysis_explanation=None,
                                        recognition_metadata={"recognizer_name": self.name}))
        return out


_CAPW = r"[^\W\d_][\w'’.-]*"
_NUM = r"\d{1,5}[A-Za-z]?(?:\s?[/-]\s?\d{1,4}[A-Za-z]?)?"
_SP = r"[^\S\n]+"
_POSTCODE = (r"(?:[A-Z]{1,2}-\s?\d{4,5}|\d{5}-\d{3}|\d{4}-\d{3}|\d{2}-\d{3}|\d{3}\s\d{2}|\d{4}\s?[A-Z]{2}(?![a-z])|"
             r"[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d|\d{3,6})")
_CITY = r"[^\W\d_][\w'’.-]*(?:[ -](?:[^\W\d_][\w'’.-]*)){0,3}"
_NUMBER_FIRST = re.compile(rf"(?<![\w/.,-]){_NUM}{_SP}(?P<words>{_CAPW}(?:{_SP}{_CAPW}){{0,3}})")
_NUMBER_AFTER = re.compile(rf"(?P<words>(?:{_CAPW}{_SP}){{0,3}}{_CAPW}),?{_SP}{_NUM}(?![\w/-]|\.\d|\s?(?:am|pm|%|mg|kg|h|min|years?))")
_TAIL = re.compile(rf",?{_SP}(?:{_POSTCODE}{_SP}{_CITY}|{_CITY}{_SP}{_POSTCODE}|{_CITY}|{_POSTCODE})"
                   rf"(?:,{_SP}{_CAPW}(?:{_SP}{_CAPW})?)?")
_STRONG_CUE = re.compile(r"(?i)\b(?:at|to|on|live[sd]?\s+(?:at|on|in)|address(?:\s+is)?|moved\s+to|ships?\s+to)\W*$")
_CUE = re.compile(r"(?i)\b(?:live[sd]?|living|reside[sd]?|residing|address(?:ed)?|addr|located|ships?|shipped|send|sent|"
                  r"deliver(?:ed|y)?|moved|staying|stays|write|mail|post|forward|visit(?:ed)?|office|home|house|at|to|"
                  r"on|in|from)\W*$")


_PARTICLE = {"de", "la", "del", "da", "do", "dos", "das", "di", "von", "van", "der", "den", "du", "le", "y", "i"}


def _streetish(w: str) -> bool:
    return w[:1].isupper() or _typed(w) or w.lower() in _PARTICLE


class IntlAddressRecognizer(EntityRecognizer):
    """Street addresses with or without a street type, house number first or last ("Tamme 12",
    "Søndergade 7", "Petőfi u. 3.", "276 Silikaadi tänav"), with the postcode and town after them.
    Without a street-type word, an address needs a cue before it ("live at", "send to") and a
    postcode or town after it."""

    def __init__(self):
        super().__init__(supported_entities=["ADDRESS"], name="IntlAddressRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        for rx in (_NUMBER_FIRST, _NUMBER_AFTER):
            for m in rx.finditer(text):
                parts = list(re.finditer(r"\S+", m.group("words")))
                base = m.start("words")
                if rx is _NUMBER_FIRST:
                    run = []
                    for p in parts:             # the street's words, from the number on
                        if not _streetish(p.group(0)):
                            break
                        run.append(p)
                    if not run or not run[0].group(0)[:1].isupper():
                        continue
                    typed = [i for i, p in enumerate(run) if _typed(p.group(0))]
                    start = m.start()
                    if typed:
                        end = base + run[typed[-1]].end()
                    else:
                        end = base + run[0].end()
                        if re.match(r"(?:19|20)\d\d\b", m.group(0)) or _plain_words(run[:1]) or \
                                not (_cued(text, start, end) or _town_tail(text, end)):
                            continue
                else:
                    run = []
                    for p in reversed(parts):       # the street's words, back from the number
                        if not _streetish(p.group(0)):
                            break
                        run.insert(0, p)
                    while run and run[0].group(0).lower() in _PARTICLE:
                        run.pop(0)
                    if not run:
                        continue
                    typed = any(_typed(p.group(0)) for p in run)
                    start, end = base + run[0].start(), m.end()
                    if not typed and not (_cued(text, start, end) and not _plain_words(run) or
                                          _town_tail(text, end) and _some_name(run)):
                        continue
                end = _tail_end(text, end)
                out.append(RecognizerResult("ADDRESS", start, end, 0.6, analysis_explanation=None,
                                            recognition_metadata={"recognizer_name": self.name}))
        return out


_POSTCODE_RX = re.compile(rf"{_POSTCODE}$")


def _plain_words(run) -> bool:
    """Street words without a street type must be a name, not English or calendar words ("13 April",
    "Gate 12", "Chapter 3")."""
    from .names import is_word
    from .people import STOP
    return any(is_word(p.group(0).strip(".,")) or p.group(0).strip(".,").lower() in STOP for p in run)


def _tail_end(text: str, end: int) -> int:
    """Extend an address over the postcode, town and country after it: ", 2446 Fafe", ", Tallinn 10115"."""
    m = re.match(r",?[^\S\n]+", text[end:])
    if not m:
        return end
    pos, last, taken = end + m.end(), end, 0
    for w in re.finditer(r"[A-Z]\d[A-Z][^\S\n]\d[A-Z]\d(?!\w)|[A-Z]{1,2}\d[A-Z\d]?[^\S\n]\d[A-Z]{2}(?!\w)|"
                         r"[^\s,]+(?:[^\S\n]+(?:\d?[A-Z]{2}|\d{2})(?![\w-]))?|,[^\S\n]*", text[pos:pos + 80]):
        tok = w.group(0).rstrip(".")
        if tok.startswith(","):
            if taken == 0:
                break
            continue
        if w.start() and not text[pos + w.start() - 1] in " \t," or "\n" in text[pos:pos + w.start()]:
            break                                   # a town is on the address's line, before any full stop
        if not (tok[:1].isupper() or _POSTCODE_RX.match(tok) or tok.lower() in _PARTICLE) or taken >= 5:
            break
        taken += 1
        last = pos + w.start() + len(tok)
        if w.group(0).endswith("."):
            break                                   # the sentence ends with it
    return last


def _some_name(run) -> bool:
    """At least one street word is capitalised and no English or calendar word ("Am Krotzen",
    "Villa Capri"; not "Chapter 3", "Room 12")."""
    from .names import is_word
    from .people import STOP
    return any(p.group(0)[:1].isupper() and not is_word(p.group(0).strip(".,'’")) and
               p.group(0).strip(".,").lower() not in STOP for p in run)


def _town_tail(text: str, end: int) -> bool:
    """After the house number, a comma and a town with its postcode ("Am Krotzen 1287, Wolfsberg
    0330", "Villa Capri 1139, 00550 Vilanova"): an address line without a cue before it. The town
    is no English word."""
    from .names import is_word
    m = re.match(rf",{_SP}(?:(?P<a>[A-Z][\w'’-]+){_SP}{_POSTCODE}(?![\w-])|{_POSTCODE}{_SP}(?P<b>[A-Z][\w'’-]+))",
                 text[end:end + 60])
    return bool(m) and not is_word(m.group("a") or m.group("b"))


def _cued(text: str, start: int, end: int) -> bool:
    """An address without a street type: a cue before it ("live at") and a town or postcode after
    it, or a strong cue ("at", "to", "moved to") alone."""
    before = text[max(0, start - 30):start]
    return bool(_STRONG_CUE.search(before)) or bool(_CUE.search(before) and _tail_follows(text, end))


def _tail_follows(text: str, end: int) -> bool:
    """A postcode or a capitalised town follows the house number: the shape of an address line."""
    return bool(re.match(rf",?{_SP}(?:{_POSTCODE}\b|[A-Z][\w'’-]+(?:{_SP}{_POSTCODE}\b|[,.]|$))", text[end:end + 40]))


class PostcodeRecognizer(EntityRecognizer):
    """A postcode after its label, in any country's format: "postcode 779", "PLZ 10115", "postal
    code DK-2216", "zip: 06106"."""

    _rx = re.compile(rf"(?i:\b(?:post(?:al)?\s*code|postcode|zip(?:\s*code)?|plz|code\s+postal|cep|cap)\b"
                     rf"(?:\s+(?:for|of)\s+[^\n\d]{{0,30}}?)?\s*(?:is|:|#|no\.?)?\s*)(?P<value>{_POSTCODE})(?![\w-])")

    def __init__(self):
        super().__init__(supported_entities=["ZIP"], name="PostcodeRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        return [RecognizerResult("ZIP", m.start("value"), m.end("value"), 0.6, analysis_explanation=None,
                                 recognition_metadata={"recognizer_name": self.name}) for m in self._rx.finditer(text)]


class TownRecognizer(EntityRecognizer):
    """A place name after "in", "from", "to", "near", "visit": a capitalised word that is no English
    word, no calendar word and no common first name ("born in Calne", "will visit Sandnes")."""

    _rx = re.compile(r"\b(?:in|from|to|near|visit|visited|visiting|outside|of)[^\S\n]+"
                     r"(?P<town>[A-Z][\w'’-]+(?:(?:[^\S\n]+(?:de|de'|del|della|di|da|do|dos|la|las|los|le|les|i|y|sur|"
                     r"en|am|an|der|im|bei|nad|pod|upon|on)){1,3}[^\S\n]+[A-Z][\w'’-]+|/[A-Z][\w'’-]+)?)"
                     r"(?P<country>,?[^\S\n]+(?i:spain|france|italy|germany|portugal|poland|mexico|canada|brazil|"
                     r"austria|belgium|netherlands|denmark|sweden|norway|finland|iceland|hungary|czechia|"
                     r"slovakia|croatia|serbia|romania|greece|turkey|ireland|estonia|latvia|lithuania)\b)?")

    def __init__(self):
        super().__init__(supported_entities=["LOCATION"], name="TownRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        from .names import FIRST_COMMON, is_word, name_bits
        from .people import STOP, TITLES
        out = []
        for m in self._rx.finditer(text):
            town = m.group("town")
            first = town.split()[0]
            low = first.lower()
            if len(first) < 3 or first.isupper() or is_word(first) or low in STOP or low in TITLES or \
                    name_bits(first) & FIRST_COMMON:
                continue
            end = m.end("country") if m.group("country") else m.end("town")
            out.append(RecognizerResult("LOCATION", m.start("town"), end, 0.45, analysis_explanation=None,
                                        recognition_metadata={"recognizer_name": self.name}))
        return out

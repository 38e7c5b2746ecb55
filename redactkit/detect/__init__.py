"""Stage 3: detect identifiers in page text and attribute them to parties.

Detection returns plain findings (entity, span, score, detector, party); deciding what to do
with them is the plan's job.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from ..text import value_pattern
from ..types import Finding, Party

# nothing here imports Presidio or spaCy: a long request's main process, whose pages are detected
# in the worker processes, never loads them (the recognizers load where detection runs)
from .clues import clue_stands
from .engine import BESIDE, SCORE_THRESHOLD, analyzer

# imported as "configured": the package attribute "recognizers" is the submodule of that name once it is loaded
from .engine import recognizers as configured
from .names import NOT_NAME_WORDS as _NOT_NAME_WORDS
from .names import STOP as _STOP
from .places import US_STATES
from .roster import IDENTIFIER_ENTITY, ROSTER_ENTITY, attribute

_TITLE_WORDS = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "atty", "det", "officer", "sgt",
                "judge", "nurse", "coach", "and", "or", "the", "of", "to", "with", "for"}



_DATE_ELEMENT = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|christmas|thanksgiving|easter|"
    r"halloween|new year|independence|memorial|labou?r day|veterans|valentine|birthday|passover|hanukkah|"
    r"ramadan|eid\b|kwanzaa|juneteenth|martin luther king|presidents", re.IGNORECASE)


class Detector:
    """Finds identifiers for one request: the shared engine plus this request's roster."""

    def __init__(self, parties: list[Party], with_ner: bool = True):
        self.parties, self.with_ner = parties, with_ner
        self._roster = None

    @property
    def roster(self):
        """The roster's recognizer, made on first use (where detection runs)."""
        if self._roster is None:
            from .roster_recognizer import RosterRecognizer
            self._roster = RosterRecognizer(self.parties)
        return self._roster

    @property
    def beside(self) -> list:
        return _beside()

    @property
    def engine(self):
        """The analyzer (spaCy and Presidio), loaded on first use: a process whose pages all go
        to the detection workers, and that only takes the second look, never loads the model."""
        return analyzer(with_ner=self.with_ner)

    def warm(self) -> None:
        """Load the analyzer now (in a worker, before the first pages arrive)."""
        self.engine

    def detect(self, text: str, page: int = 0) -> list[Finding]:
        """Everything: NER, Presidio's and the project's recognizers, the roster, with context."""
        return self.detect_batch([(text, page)])[0]

    def detect_many(self, items: list[tuple[str, int]], prefer_workers: bool = False) -> list[list[Finding]]:
        """detect() for many (text, page) items, in order: split over the worker processes when
        there are enough of them (or, with `prefer_workers`, whenever the workers are running:
        they have the model loaded already), else batched through spaCy's nlp.pipe here."""
        return self.start_many(items, prefer_workers)()

    def start_many(self, items: list[tuple[str, int]], prefer_workers: bool = False
                   ) -> Callable[[], list[list[Finding]]]:
        """Start detect_many and return at once; calling the result waits for the findings. With
        worker processes the detection runs while the caller does other work (reads the next
        pages); in-process it runs when the result is called."""
        from . import pool

        if items and pool.workers() > 1 and (len(items) >= pool.PARALLEL_MIN_PAGES
                                             or (prefer_workers and pool.running())):
            futures = pool.submit(self.parties, self.with_ner, items)
            if futures is not None:
                return lambda: pool.gather(futures) or self.detect_batch(items)
        return lambda: self.detect_batch(items)

    def detect_batch(self, items: list[tuple[str, int]]) -> list[list[Finding]]:
        """detect() for many items in this process, the texts batched through nlp.pipe."""
        out: list[list[Finding]] = [[] for _ in items]
        todo = [(i, text) for i, (text, _) in enumerate(items) if text.strip()]
        artifacts = self.engine.nlp_engine.process_batch([t for _, t in todo], language="en", batch_size=16)
        for (i, text), (_, art) in zip(todo, artifacts):
            results = self.engine.analyze(text=text, language="en", nlp_artifacts=art,
                                          ad_hoc_recognizers=[self.roster])
            results += [r for rec in self.beside for r in rec.analyze(text, rec.supported_entities, art)
                        if r.score >= SCORE_THRESHOLD]
            out[i] = _everywhere(text, self._findings(text, items[i][1], results + _wrapped(text)))
        return out

    def start_quick(self, items: list[tuple[str, int]]) -> Callable[[], list[list[Finding]]]:
        """quick() for many (text, page) items, in order: in the worker processes when they are
        running (a long record's second look), else here when called."""
        from . import pool

        if items and pool.workers() > 1 and pool.running():
            futures = pool.submit_quick(self.parties, self.with_ner, items)
            if futures is not None:
                return lambda: pool.gather(futures) or [self.quick(text, page) for text, page in items]
        return lambda: [self.quick(text, page) for text, page in items]

    def quick(self, text: str, page: int = 0, min_score: float = 0.5) -> list[Finding]:
        """The verifier's second look: the roster and the "verify" profile of recognizers.yaml (no
        NER, no context words); results scoring below `min_score` do not count."""
        results = self.roster.analyze(text, None)
        for rec in _quick_recognizers():
            results.extend(r for r in rec.analyze(text, rec.supported_entities, None) if r.score >= min_score)
        return self._findings(text, page, results)

    def find_values(self, text: str, page: int, known: list[Finding]) -> list[Finding]:
        """Every occurrence in `text` of values found elsewhere (an e-mail's own text), as findings
        of the same entity and party (see redactkit.text.value_pattern for what counts as one)."""
        out = []
        for f in {(f.text.strip(), f.entity, f.party, f.role): f for f in known}.values():
            if not any(c.isalnum() for c in f.text):
                continue
            for m in value_pattern(f.text).finditer(text):
                out.append(Finding(page, m.start(), m.end(), m.group(0), f.entity, f.score, "MessageText",
                                   f.party, f.role))
        return out

    def _findings(self, text: str, page: int, results) -> list[Finding]:
        """Recognizer results as findings: roster hits name their parties; other person spans
        keep only what no roster hit covers (an unknown person); dates and places are refined."""
        findings: list[Finding] = []
        roster_spans = [(r.start, r.end) for r in results if r.entity_type == ROSTER_ENTITY]
        for r in results:
            name = (r.recognition_metadata or {}).get("recognizer_name", "?")
            value = text[r.start:r.end]
            if r.entity_type in (ROSTER_ENTITY, IDENTIFIER_ENTITY):   # a party's name, or a listed identifier
                idx = r.recognition_metadata["parties"]
                entity = "PERSON" if r.entity_type == ROSTER_ENTITY else IDENTIFIER_ENTITY
                findings.append(Finding(page, r.start, r.end, value, entity, r.score, name,
                                        "|".join(self.parties[i].name for i in idx),
                                        "|".join(self._role(self.parties[i]) for i in idx)))
            elif r.entity_type == "PERSON":
                for s, e in _person_parts(text, r.start, r.end, roster_spans, trim=name == "SpacyRecognizer"):
                    # a lone lower-case word the roster recognizer passes over ("naomi" for Naomi
                    # Fairweather), which another recognizer calls a person, is that party
                    part = text[s:e]
                    idx = self.roster.candidates(part) if self.parties and part.islower() and " " not in part else []
                    if idx:
                        findings.append(Finding(page, s, e, text[s:e], "PERSON", r.score, name,
                                                "|".join(self.parties[i].name for i in idx),
                                                "|".join(self._role(self.parties[i]) for i in idx)))
                    else:
                        findings.append(Finding(page, s, e, text[s:e], "PERSON", r.score, name, None, "unknown"))
            elif r.entity_type == "REPORTER_CLUE" and not clue_stands(text, r.start, r.end, [
                    (x.start, x.end, {self.parties[i].role for i in x.recognition_metadata["parties"]})
                    for x in results if x.entity_type == ROSTER_ENTITY]):
                continue     # "the neighbour, <a collateral on the roster>, reported ...": theirs, not the reporter's
            elif r.entity_type.startswith("SPECIAL_"):
                findings.append(Finding(page, r.start, r.end, value, r.entity_type, r.score, name,
                                        None, self._passage_role(findings, results, r)))
            else:
                if name == "SpacyRecognizer" and r.entity_type in ("LOCATION", "NRP") and _shorthand(value):
                    continue
                entity = _refine(r.entity_type, value)
                if entity == "DATE_TIME" and _scale(text, r.start, value):
                    continue
                findings.append(Finding(page, r.start, r.end, value, entity, r.score, name))
        findings.sort(key=lambda f: (f.start, -f.end))
        return attribute(findings)

    def _passage_role(self, findings, results, passage) -> str:
        """Whose a special-category passage is: "self" when every party it names is the requester
        or a child of the case, "others" when it names anyone else, "unknown" when it names nobody."""
        roles: set[str] = set()
        for r in results:
            if r.entity_type == ROSTER_ENTITY and passage.start <= r.start and r.end <= passage.end:
                roles.update(self._role(self.parties[i]) for i in r.recognition_metadata["parties"])
        if not roles:
            return "unknown"
        return "self" if roles <= {"self", "child"} else "others"

    @staticmethod
    def _role(party: Party) -> str:
        return "self" if party.is_requester else party.role


def _person_parts(text: str, start: int, end: int, spans: list[tuple[int, int]],
                  trim: bool = True) -> list[tuple[int, int]]:
    """Parts of a person span not covered by roster spans, split at block breaks, trimmed to
    name-like words (`trim`: for the NER's spans; the name recognizers weigh their own words)."""
    covered = [text[i] == "\n" for i in range(start, end)]
    for s, e in spans:
        for i in range(max(s, start), min(e, end)):
            covered[i - start] = True
    parts, i = [], start
    while i < end:
        if covered[i - start]:
            i += 1
            continue
        j = i
        while j < end and not covered[j - start]:
            j += 1
        parts.append((i, j))
        i = j
    out = []
    if not trim:
        return [(s, e) for s, e in parts if text[s:e].strip()]
    for s, e in parts:
        words = list(re.finditer(r"[^\W\d_][\w'’.-]*", text[s:e]))
        keep = [w for w in words if w.group(0)[0].isupper() and w.group(0).lower().strip(".") not in _TITLE_WORDS
                and len(w.group(0).strip(".'’")) >= 2 and not w.group(0).lower().startswith(("'s", "’s"))
                and w.group(0).lower().strip(".:") not in _STOP and not (w.group(0).isupper() and len(w.group(0)) <= 3)
                and not any(ch.isdigit() for ch in w.group(0))]
        if keep and all(w.group(0).lower().strip(".:-") in _NOT_NAME_WORDS for w in keep):
            continue
        if keep:
            out.append((s + keep[0].start(), s + keep[-1].end()))
    return out


def _everywhere(text: str, findings: list[Finding]) -> list[Finding]:
    """A person found once on a page is found wherever else the page names them ("Ask Aarão ...;
    Aarão keeps ..."): the other mentions of an unknown person's name, in any case when the name is
    no English word, in the same case when it is one ("Grace" but not "grace")."""
    from .names import is_word

    persons = [f for f in findings if f.entity == "PERSON"]
    if not persons:
        return findings
    taken = [(f.start, f.end) for f in persons]
    extra = []
    for value, f in {f.text: f for f in persons if f.role == "unknown" and len(f.text) >= 3}.items():
        word = any(is_word(w) for w in value.split())
        for m in value_pattern(value).finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken) or (word and m.group(0) != value):
                continue
            extra.append(Finding(f.page, m.start(), m.end(), m.group(0), "PERSON", f.score, f.detector, None, "unknown"))
            taken.append((m.start(), m.end()))
    return sorted(findings + extra, key=lambda f: (f.start, -f.end)) if extra else findings


_WRAP = re.compile(r"(?<![\w-])\(?\d[\d().-]*\d-[^\S\n]?\n?[^\S\n]?\d[\d-]*\d(?![\w-])")


def _wrapped(text: str) -> list:
    """Numbers a word processor wrapped after a dash ("237-" / "90-4415", "860-555-" / "0177"):
    found on the joined value and reported over both parts."""
    out = []
    for m in _WRAP.finditer(text):
        raw = m.group(0)
        if not re.search(r"-\s", raw):
            continue
        keep = [i for i, c in enumerate(raw) if not (c.isspace() and i and raw[i - 1] == "-")]
        joined = "".join(raw[i] for i in keep)
        for rec in _wrap_recognizers():
            for r in rec.analyze(joined, rec.supported_entities, None):
                if r.score >= 0.5 and r.end - r.start >= len(joined) - 1:
                    r.start, r.end = m.start() + keep[r.start], m.start() + keep[r.end - 1] + 1
                    out.append(r)
    return out


@lru_cache(maxsize=1)
def _wrap_recognizers():
    from .recognizers import IntlPhoneRecognizer, phone_recognizer, ssn_recognizer
    return [phone_recognizer(), IntlPhoneRecognizer(), ssn_recognizer()]


def _shorthand(value: str) -> bool:
    """A span the NER called a place or person that is clinical shorthand: "NC", "LE", "ngt drainage"."""
    words = re.findall(r"[^\W\d_]+", value)
    return bool(words) and all(len(w) <= 2 or w.lower() in _STOP or (w.isupper() and len(w) <= 4) or w.islower()
                               for w in words)


_SCALE = re.compile(r"(?i)\b(?:pain|score|scale|strength|rated|rates|gcs|motor|level|out of|grade|pulses?)\b[^.;\n]{0,12}$")


def _scale(text: str, start: int, value: str) -> bool:
    """"pain 3/10", "strength 4/5": a score, not a date."""
    return bool(re.fullmatch(r"\d{1,2}/\d{1,2}", value.strip())) and bool(_SCALE.search(text[max(0, start - 30):start]))


_DATE_SHAPE = re.compile(r"(?<!\d)(?:0?[1-9]|1[0-2])\s*[/.-]\s*(?:0?[1-9]|[12]\d|3[01])(?![\d.]|\s*[a-z])|\b\d{4}\b|"
                         r"\d(?:st|nd|rd|th)\b", re.IGNORECASE)


def _refine(entity: str, value: str) -> str:
    """States may stay under Safe Harbor, and so may a year alone or a phrase with no date element."""
    if entity == "LOCATION" and value.strip(" .") in US_STATES:
        return "US_STATE"
    if entity == "DATE_TIME" and re.fullmatch(r"(?:in\s+)?\d{4}s?", value.strip()):
        return "YEAR"
    if entity == "DATE_TIME" and not _DATE_ELEMENT.search(value):
        return "DATE_RELATIVE"   # "every two weeks", "the next day"
    if entity == "DATE_TIME" and not re.search(r"[^\W\d_]{3}", value) and not _DATE_SHAPE.search(value):
        return "DATE_RELATIVE"   # "70s", "24h", "2+", "40-60cc": numbers the NER took for dates
    return entity


@lru_cache(maxsize=1)
def _beside():
    return [r for r in configured("detect") if r.name in BESIDE]


@lru_cache(maxsize=1)
def _quick_recognizers():
    return configured("verify")


_NAME_DROP = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "atty", "det", "sgt", "judge", "nurse", "officer",
              "jr", "sr", "ii", "iii", "iv", "md", "rn", "np", "pa", "phd", "esq", "lcsw", "msw", "lpn", "aprn"}
_ADDRESS_WORDS = {"suite", "apt", "apartment", "unit", "floor", "room", "box", "trace", "po"}
_SURNAME_PARTICLES = {"da", "de", "del", "della", "di", "do", "dos", "das", "van", "von", "der", "den", "la", "le",
                      "du", "ten", "ter", "bin", "al", "el", "st", "mac", "y"}


def name_forms(findings: list[Finding]) -> list[Finding]:
    """Other forms by which the people named in these PERSON findings can be identified elsewhere,
    as template findings (same entity, score, party and role; page -1, start 0, end len(text)),
    for `Detector.find_values` on every page of the request ("one value, redacted everywhere").

    From "Irina K. Volkova" (or "VOLKOVA, Irina"): "Irina Volkova", "Volkova, Irina", "Volkova",
    "I. Volkova", "I Volkova", and "Irina" when it is no English word. find_values matches without
    regard to case, so a form that is also an ordinary word ("Rock", "Grace") is returned only
    after a title ("Mr. Rock", "Ms Rock", "Dr. Rock"...): never the bare word. ALL-CAPS forms need
    nothing of their own. Single-word findings give nothing new (find_values finds them as they
    are); forms shorter than three letters are never returned."""
    from .names import ORG_WORDS, STOP, is_first, is_word
    from .places import _typed

    def plain(w: str) -> bool:
        return len(w.replace(".", "")) >= 3 and not is_word(w) and w.lower() not in STOP \
            and w.lower() not in _NOT_NAME_WORDS

    out: dict[tuple, Finding] = {}
    for f in findings:
        if f.entity != "PERSON":
            continue
        text = " ".join(f.text.split())
        if "," in text:                      # "VOLKOVA, Irina K." -> "Irina K. VOLKOVA"
            last_part, _, first_part = text.partition(",")
            text = f"{first_part.strip()} {last_part.strip()}"
        if any(c.isdigit() for c in text):
            continue                        # "Case DCF-2019-669512": no name
        words = [w for w in re.findall(r"[^\W\d_][\w'’.-]*", text) if w.lower().strip(".") not in _NAME_DROP]
        words = [w.rstrip(".") if len(w.rstrip(".")) > 1 else w for w in words]
        if len(words) < 2 or any(w.lower() in _NOT_NAME_WORDS or w.lower() in STOP or w.lower() in ORG_WORDS
                                 or w.lower() in _ADDRESS_WORDS or _typed(w) for w in words):
            continue                        # a heading or an organisation the NER took for a person
        first = words[0]
        rest = [w for w in words[1:] if not re.fullmatch(r"[^\W\d_]\.?", w)]      # middle initials out
        if not rest or (is_word(first) and is_word(rest[-1]) and not is_first(first)):
            continue                        # "Patricia Trace" yes; "Trace Suite" is no name
        # the surname: the last word, with its particles ("de la Fuente") and a second family name
        k = len(rest) - 1
        while k > 0 and rest[k - 1].lower() in _SURNAME_PARTICLES:
            k -= 1
        surname = " ".join(rest[k:])
        last = rest[-1]
        forms = {f"{first} {surname}", f"{surname}, {first}", f"{first[0]}. {surname}", f"{first[0]} {surname}"}
        if len(rest) > 1 and rest[0].lower() not in _SURNAME_PARTICLES:
            forms |= {" ".join(rest), f"{first} {last}"}        # "García Márquez", "Juan Márquez"
        singles = {last, surname} | ({p for p in last.split("-") if len(p) > 2} if "-" in last else set())
        for s in singles:
            if plain(s.split()[-1]) or " " in s:
                forms.add(s)
            else:
                forms |= {f"{t} {s}" for t in ("Mr.", "Mr", "Mrs.", "Mrs", "Ms.", "Ms", "Miss", "Dr.", "Dr")}
        if plain(first) and not re.fullmatch(r"[^\W\d_]\.?", first):
            forms.add(first)
        for form in forms:
            if form.strip() and form.lower() != " ".join(f.text.split()).lower():
                out.setdefault((form.lower(), f.party, f.role), Finding(-1, 0, len(form), form, f.entity, f.score,
                                                                       "NameForms", f.party, f.role))
    return list(out.values())

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
from .engine import analyzer
from .names import NOT_NAME_WORDS as _NOT_NAME_WORDS
from .recognizers import US_STATES
from .special import clue_stands
from .roster import IDENTIFIER_ENTITY, ROSTER_ENTITY, RosterRecognizer, attribute

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
        self.engine = analyzer(with_ner=with_ner)
        self.roster = RosterRecognizer(parties)

    def detect(self, text: str, page: int = 0) -> list[Finding]:
        """Everything: NER, Presidio's and the project's recognizers, the roster, with context."""
        return self.detect_batch([(text, page)])[0]

    def detect_many(self, items: list[tuple[str, int]]) -> list[list[Finding]]:
        """detect() for many (text, page) items, in order: split over the worker processes when
        there are enough of them, else batched through spaCy's nlp.pipe here."""
        return self.start_many(items)()

    def start_many(self, items: list[tuple[str, int]]) -> Callable[[], list[list[Finding]]]:
        """Start detect_many and return at once; calling the result waits for the findings. With
        worker processes the detection runs while the caller does other work (redacts the pages
        before these); in-process it runs when the result is called."""
        from . import pool

        if len(items) >= pool.PARALLEL_MIN_PAGES and pool.workers() > 1:
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
            out[i] = self._findings(text, items[i][1], self.engine.analyze(
                text=text, language="en", nlp_artifacts=art, ad_hoc_recognizers=[self.roster]))
        return out

    def quick(self, text: str, page: int = 0, min_score: float = 0.5) -> list[Finding]:
        """Roster and pattern recognizers only (no NER, no context): the verifier's second look."""
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
                for s, e in _person_parts(text, r.start, r.end, roster_spans):
                    findings.append(Finding(page, s, e, text[s:e], "PERSON", r.score, name, None, "unknown"))
            elif r.entity_type == "REPORTER_CLUE" and not clue_stands(text, r.start, r.end, [
                    (x.start, x.end, {self.parties[i].role for i in x.recognition_metadata["parties"]})
                    for x in results if x.entity_type == ROSTER_ENTITY]):
                continue     # "the neighbour, <a collateral on the roster>, reported ...": theirs, not the reporter's
            elif r.entity_type.startswith("SPECIAL_"):
                findings.append(Finding(page, r.start, r.end, value, r.entity_type, r.score, name,
                                        None, self._passage_role(findings, results, r)))
            else:
                findings.append(Finding(page, r.start, r.end, value, _refine(r.entity_type, value), r.score, name))
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


def _person_parts(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Parts of a person span not covered by roster spans, split at block breaks, trimmed to
    name-like words."""
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
    for s, e in parts:
        words = list(re.finditer(r"[^\W\d_][\w'’.-]*", text[s:e]))
        keep = [w for w in words if w.group(0)[0].isupper() and w.group(0).lower().strip(".") not in _TITLE_WORDS
                and len(w.group(0).strip(".'’")) >= 2 and not w.group(0).lower().startswith(("'s", "’s"))]
        if keep and all(w.group(0).lower().strip(".:-") in _NOT_NAME_WORDS for w in keep):
            continue
        if keep:
            out.append((s + keep[0].start(), s + keep[-1].end()))
    return out


def _refine(entity: str, value: str) -> str:
    """States may stay under Safe Harbor, and so may a year alone or a phrase with no date element."""
    if entity == "LOCATION" and value.strip(" .") in US_STATES:
        return "US_STATE"
    if entity == "DATE_TIME" and re.fullmatch(r"(?:in\s+)?\d{4}s?", value.strip()):
        return "YEAR"
    if entity == "DATE_TIME" and not _DATE_ELEMENT.search(value):
        return "DATE_RELATIVE"   # "every two weeks", "the next day"
    return entity


@lru_cache(maxsize=1)
def _quick_recognizers():
    from .recognizers import project_recognizers
    return project_recognizers()

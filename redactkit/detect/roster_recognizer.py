"""The case roster as a Presidio recognizer (redactkit.detect.roster: the forms it finds)."""
from __future__ import annotations

import re
from collections import defaultdict

from presidio_analyzer import EntityRecognizer, RecognizerResult

from ..types import Party
from .roster import (
    IDENTIFIER_ENTITY,
    ROSTER_ENTITY,
    _forms,
    _identifier_pattern,
    _pattern,
    normalise,
)


class RosterRecognizer(EntityRecognizer):
    """Finds the parties of one request. Single-word forms must be capitalised or upper case."""

    def __init__(self, parties: list[Party]):
        self.parties = parties
        by_form: dict[str, set[int]] = defaultdict(set)
        multi: dict[str, bool] = {}
        for i, party in enumerate(parties):
            for form, is_multi in _forms(party):
                key = normalise(form.replace(",", " , "))
                by_form[key].add(i)
                multi[key] = is_multi
        self._by_form = by_form
        # longest forms first so that "Dana Whitfield" wins over "Dana"
        forms = sorted(by_form, key=len, reverse=True)
        pats = [_pattern(key, multi[key]) for key in forms]
        self._rx = re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(pats) + r")(?![A-Za-z0-9])",
                              re.IGNORECASE) if pats else None
        owners: dict[str, set[int]] = defaultdict(set)
        for i, party in enumerate(parties):
            for value in party.identifiers:
                if sum(c.isalnum() for c in value) >= 4:
                    owners[_identifier_pattern(value)].add(i)
        self._ids = [(re.compile(rx, re.IGNORECASE), sorted(idx)) for rx, idx in owners.items()]
        super().__init__(supported_entities=[ROSTER_ENTITY, IDENTIFIER_ENTITY], name="RosterRecognizer")

    def load(self) -> None:
        pass

    def candidates(self, matched: str) -> list[int]:
        key = normalise(matched.replace(",", " , "))
        if key in self._by_form:
            return sorted(self._by_form[key])
        # a middle name/initial was skipped: match on first and last token
        toks = key.replace(" ,", ",").split()
        for k in (" ".join([toks[0], toks[-1]]), " ".join(toks[:2]) if "," in key else None):
            if k and normalise(k.replace(",", " , ")) in self._by_form:
                return sorted(self._by_form[normalise(k.replace(",", " , "))])
        return []

    def analyze(self, text, entities, nlp_artifacts=None):
        out = []
        for rx, idx in self._ids:
            for m in rx.finditer(text):
                out.append(RecognizerResult(IDENTIFIER_ENTITY, m.start(), m.end(), 1.0, analysis_explanation=None,
                                            recognition_metadata={"recognizer_name": self.name, "parties": idx}))
        if self._rx is None:
            return out
        from .names import fold
        for m in self._rx.finditer(fold(text)):  # same length: offsets are the original's
            s = m.group(0)
            single = not re.search(r"\s|,", s)
            # a lone word must look like a name: "Will" or "WILL", not the verb "will"
            if single and not (s[0].isupper()):
                continue
            idx = self.candidates(s)
            if not idx:
                continue
            out.append(RecognizerResult(ROSTER_ENTITY, m.start(), m.end(), 1.0, analysis_explanation=None,
                                        recognition_metadata={"recognizer_name": self.name,
                                                              "parties": idx}))
        return out

"""Detection quality, measured: recall, precision and F2 per identifier type on a labelled corpus.

Each sentence is detected and planned exactly as a release would (the recipe's redact decisions,
no roster: general text names nobody in advance). A labelled identifier counts as found when at
least 90% of its letters and digits fall inside redacted spans; a redacted span counts as correct
when it overlaps a labelled identifier.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .detect import Detector
from .plan import load_recipe

FOUND = 0.9
# detector entity -> corpus type, for per-type precision
TYPE_OF = {"PERSON": "NAME", "ADDRESS": "STREET_ADDRESS", "ZIP": "ZIP", "PHONE_NUMBER": "PHONE",
           "EMAIL_ADDRESS": "EMAIL", "US_SSN": "SSN", "DATE_TIME": "DATE", "AGE_OVER_89": "AGE_OVER_89",
           "MEDICAL_RECORD_NUMBER": "MRN", "HEALTH_PLAN_ID": "HEALTH_PLAN_ID", "CASE_NUMBER": "CASE_NUMBER",
           "LICENSE_PLATE": "LICENSE_PLATE", "LICENSE_NUMBER": "DRIVER_LICENSE", "ACCOUNT_NUMBER": "ACCOUNT_NUMBER",
           "US_BANK_NUMBER": "ACCOUNT_NUMBER", "DEVICE_ID": "DEVICE_SERIAL", "CREDIT_CARD": "CREDIT_CARD",
           "IP_ADDRESS": "IP", "URL": "URL", "IBAN_CODE": "IBAN"}
DIRECT = {"NAME", "STREET_ADDRESS", "CITY_STATE_ZIP", "PHONE", "EMAIL", "SSN", "DATE", "MRN", "HEALTH_PLAN_ID",
          "CASE_NUMBER"}


@dataclass
class Score:
    labelled: int = 0
    found: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.labelled if self.labelled else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def f2(self) -> float:
        p, r = self.precision, self.recall
        return 5 * p * r / (4 * p + r) if p + r else 0.0


@dataclass
class Report:
    sentences: int = 0
    by_type: dict[str, Score] = field(default_factory=dict)
    overall: Score = field(default_factory=Score)
    direct: Score = field(default_factory=Score)
    missed: list[tuple[str, str]] = field(default_factory=list)   # (type, value): internal use only

    def as_dict(self) -> dict:
        row = lambda s: {"labelled": s.labelled, "found": s.found, "recall": round(s.recall, 4),  # noqa: E731
                         "precision": round(s.precision, 4), "f2": round(s.f2, 4)}
        return {"sentences": self.sentences, "overall": row(self.overall), "direct_identifiers": row(self.direct),
                "by_type": {t: row(s) for t, s in sorted(self.by_type.items())}}


def evaluate(corpus: Path, recipe_name: str = "medical_research") -> Report:
    recipe = load_recipe(recipe_name)
    detector = Detector([])
    report = Report()
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        text, labels = item["text"], item["spans"]
        report.sentences += 1
        reds = [r for r in (recipe.decide(f) for f in detector.detect(text)) if r.decision == "redact"]
        covered = [False] * len(text)
        for r in reds:
            for i in range(r.finding.start, r.finding.end):
                covered[i] = True
        for lab in labels:
            idx = [i for i in range(lab["start"], lab["end"]) if text[i].isalnum()]
            ok = bool(idx) and sum(covered[i] for i in idx) / len(idx) >= FOUND
            for score in (report.by_type.setdefault(lab["type"], Score()), report.overall,
                          *( [report.direct] if lab["type"] in DIRECT else [])):
                score.labelled += 1
                score.found += ok
            if not ok:
                report.missed.append((lab["type"], text[lab["start"]:lab["end"]]))
        for r in reds:
            hit = any(r.finding.start < lab["end"] and lab["start"] < r.finding.end for lab in labels)
            kind = TYPE_OF.get(r.finding.entity)
            for score in (report.overall, *([report.by_type.setdefault(kind, Score())] if kind else [])):
                score.predicted += 1
                score.correct += hit
            if kind in DIRECT:
                report.direct.predicted += 1
                report.direct.correct += hit
    return report

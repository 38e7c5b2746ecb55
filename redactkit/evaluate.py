"""Detection quality, measured: recall, precision and identifier-free sentences kept, per corpus.

Each sentence is detected and planned exactly as a release would (the recipe's redact decisions,
no roster: general text names nobody in advance). A labelled identifier counts as found when at
least 90% of its letters and digits fall inside redacted spans; a redacted span counts as correct
when it overlaps a labelled identifier. A sentence with no labelled identifier is "kept" when
nothing in it is redacted.

The corpora ship with the package (redactkit/evaldata/), so `redactkit eval` works after a plain
`pip install`; `benchmarks/eval/` holds the scripts that made them. The values of `general` and
`clinical` come from sources that share no list with the detector; those of `case_records` come
from Faker, whose US states and street suffixes the detector uses (see CORPORA).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

FOUND = 0.9
DATA = Path(__file__).parent / "evaldata"
# name -> (file, where its values and text come from)
CORPORA: dict[str, tuple[str, str]] = {
    "general": ("general.jsonl", "general PII sentences, 27 Latin-script locales: names, streets, postcodes and "
                "phones from the mimesis package plus hand-written names of other origins; own templates"),
    "clinical": ("clinical.jsonl", "ICU nursing-note lines with surrogate PHI (mimesis names and towns, "
                 "hand-written hospitals, wards, dates, pagers); own templates and clean lines"),
    "case_records": ("case_records.jsonl", "case-record and general sentences, values from Faker (10 locales); "
                     "own templates. Not independent: the detector's US states and street suffixes are Faker's"),
}
# detector entity -> corpus type, for per-type precision
TYPE_OF = {"PERSON": "NAME", "ADDRESS": "STREET_ADDRESS", "ZIP": "ZIP", "PHONE_NUMBER": "PHONE",
           "EMAIL_ADDRESS": "EMAIL", "US_SSN": "SSN", "DATE_TIME": "DATE", "AGE_OVER_89": "AGE_OVER_89",
           "MEDICAL_RECORD_NUMBER": "MRN", "HEALTH_PLAN_ID": "HEALTH_PLAN_ID", "CASE_NUMBER": "CASE_NUMBER",
           "LICENSE_PLATE": "LICENSE_PLATE", "LICENSE_NUMBER": "DRIVER_LICENSE", "ACCOUNT_NUMBER": "ACCOUNT_NUMBER",
           "US_BANK_NUMBER": "ACCOUNT_NUMBER", "DEVICE_ID": "DEVICE_SERIAL", "CREDIT_CARD": "CREDIT_CARD",
           "IP_ADDRESS": "IP", "URL": "URL", "IBAN_CODE": "IBAN", "LOCATION": "LOCATION", "POSTCODE": "POSTCODE"}
DIRECT = {"NAME", "STREET_ADDRESS", "CITY_STATE_ZIP", "PHONE", "EMAIL", "SSN", "DATE", "MRN", "HEALTH_PLAN_ID",
          "CASE_NUMBER", "POSTCODE", "LOCATION", "CREDIT_CARD", "IBAN", "IP", "ID", "AGE_OVER_89"}


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
    corpus: str = ""
    source: str = ""
    sentences: int = 0
    clean: int = 0          # sentences without any labelled identifier
    clean_kept: int = 0     # ... of which nothing was redacted
    by_type: dict[str, Score] = field(default_factory=dict)
    overall: Score = field(default_factory=Score)
    direct: Score = field(default_factory=Score)
    missed: list[tuple[str, str]] = field(default_factory=list)   # (type, value): internal use only
    lost: list[str] = field(default_factory=list)                 # clean sentences with a box: internal use only

    @property
    def clean_kept_ratio(self) -> float:
        return self.clean_kept / self.clean if self.clean else 1.0

    def as_dict(self) -> dict:
        row = lambda s: {"labelled": s.labelled, "found": s.found, "recall": round(s.recall, 4),  # noqa: E731
                         "precision": round(s.precision, 4), "f2": round(s.f2, 4)}
        return {"corpus": self.corpus, "source": self.source, "sentences": self.sentences,
                "identifier_free": {"sentences": self.clean, "kept": self.clean_kept,
                                    "kept_ratio": round(self.clean_kept_ratio, 4)},
                "overall": row(self.overall), "direct_identifiers": row(self.direct),
                "by_type": {t: row(s) for t, s in sorted(self.by_type.items())}}


def score(rows: list[dict], spans_of) -> Report:
    """Score `spans_of(text) -> [(start, end, entity)]` (the redacted spans) on labelled rows."""
    report = Report()
    for item in rows:
        text, labels = item["text"], item["spans"]
        report.sentences += 1
        reds = spans_of(text)
        covered = [False] * len(text)
        for s, e, _ in reds:
            for i in range(max(0, s), min(e, len(text))):
                covered[i] = True
        if not labels:
            report.clean += 1
            report.clean_kept += not reds
            if reds:
                report.lost.append(text)
        for lab in labels:
            idx = [i for i in range(lab["start"], lab["end"]) if text[i].isalnum()]
            ok = bool(idx) and sum(covered[i] for i in idx) / len(idx) >= FOUND
            for sc in (report.by_type.setdefault(lab["type"], Score()), report.overall,
                       *([report.direct] if lab["type"] in DIRECT else [])):
                sc.labelled += 1
                sc.found += ok
            if not ok:
                report.missed.append((lab["type"], text[lab["start"]:lab["end"]]))
        for s, e, entity in reds:
            hit = any(s < lab["end"] and lab["start"] < e for lab in labels)
            kind = TYPE_OF.get(entity, entity)
            for sc in (report.overall, report.by_type.setdefault(kind, Score()),
                       *([report.direct] if kind in DIRECT else [])):
                sc.predicted += 1
                sc.correct += hit
    return report


def load_rows(corpus: Path) -> list[dict]:
    return [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate(corpus: Path | str, recipe_name: str = "medical_research") -> Report:
    """Score detection + the recipe on one corpus: a path, or the name of a shipped corpus."""
    from .detect import Detector
    from .plan import load_recipe

    name, source = str(corpus), "given file"
    if str(corpus) in CORPORA:
        name, (file, source) = str(corpus), CORPORA[str(corpus)]
        corpus = DATA / file
    recipe = load_recipe(recipe_name)
    detector = Detector([])

    def spans_of(text: str):
        return [(r.finding.start, r.finding.end, r.finding.entity)
                for r in (recipe.decide(f) for f in detector.detect(text)) if r.decision == "redact"]

    report = score(load_rows(Path(corpus)), spans_of)
    report.corpus, report.source = name if name in CORPORA else Path(corpus).name, source
    return report

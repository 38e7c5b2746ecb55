"""Detection quality on the shipped labelled corpus must not fall below the figures reached.

Measured when this test was written (benchmarks/eval/corpus.jsonl, 600 sentences, 1,220 labelled
identifiers, medical_research): overall recall 0.999, direct identifiers 0.999, precision 0.990.
"""
import json

from conftest import ROOT

from redactkit.evaluate import evaluate

CORPUS = ROOT / "benchmarks" / "eval" / "corpus.jsonl"


def test_recall_does_not_drop():
    report = evaluate(CORPUS).as_dict()
    assert report["overall"]["recall"] >= 0.995, json.dumps(report["by_type"], indent=1)
    assert report["direct_identifiers"]["recall"] >= 0.99
    assert report["overall"]["precision"] >= 0.95
    for kind in ("PHONE", "EMAIL", "SSN", "STREET_ADDRESS", "CITY_STATE_ZIP", "MRN", "HEALTH_PLAN_ID", "IP",
                 "IBAN", "CREDIT_CARD", "ZIP"):
        assert report["by_type"][kind]["recall"] == 1.0, kind


def test_eval_command_prints_the_table(cli):
    code, output = cli("eval", "--json")
    data = json.loads(output)
    assert code == 0 and data["sentences"] == 600 and "NAME" in data["by_type"]

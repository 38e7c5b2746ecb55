"""Detection quality on the shipped labelled corpora must not fall below the figures reached.

The general and clinical corpora take their people, places and phones from the mimesis package
and hand-written lists, none of which the detector uses (its names come from names-dataset); so a
floor here measures detection, not the generator. Figures when this test was written are in the
README ("Detection quality"); the floors sit a little below them.
"""
import json

from redactkit.evaluate import evaluate


def test_recall_on_text_the_detector_has_no_list_for():
    for corpus, floor, names in (("general", 0.975, 0.975), ("clinical", 0.99, 0.99)):
        report = evaluate(corpus).as_dict()
        assert report["overall"]["recall"] >= floor, (corpus, json.dumps(report["by_type"], indent=1))
        assert report["by_type"]["NAME"]["recall"] >= names, corpus
        assert report["identifier_free"]["kept_ratio"] >= 0.95, corpus


def test_case_record_identifiers_stay_found():
    report = evaluate("case_records").as_dict()
    assert report["overall"]["recall"] >= 0.995, json.dumps(report["by_type"], indent=1)
    assert report["overall"]["precision"] >= 0.95
    for kind in ("PHONE", "EMAIL", "SSN", "STREET_ADDRESS", "CITY_STATE_ZIP", "MRN", "HEALTH_PLAN_ID", "IP",
                 "IBAN", "CREDIT_CARD", "ZIP"):
        assert report["by_type"][kind]["recall"] == 1.0, kind


def test_eval_command_reports_each_corpus_with_its_source(cli):
    code, output = cli("eval", "--json", "--corpus", "clinical", "--corpus", "case_records")
    data = json.loads(output)
    assert code == 0 and [c["corpus"] for c in data["corpora"]] == ["clinical", "case_records"]
    assert all(c["source"] and "NAME" in c["by_type"] and c["identifier_free"] for c in data["corpora"])
    assert data["corpora"][1]["sentences"] == 600


def test_eval_corpora_are_package_data():
    """`redactkit eval` after a plain pip install: the corpora live inside the package."""
    import redactkit
    from pathlib import Path
    from redactkit.evaluate import CORPORA, DATA
    assert DATA.parent == Path(redactkit.__file__).parent
    assert all((DATA / f).is_file() for f, _ in CORPORA.values())

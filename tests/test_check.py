"""redactkit check: the shipped sample requests meet their expectations (the project's own CI
gate); a recipe that keeps the reporter for parents and a recognizer that loses a kept name both
fail it, naming request, record and reason code; --update then writes exactly that change; the
JUnit report validates against the schema Jenkins uses and follows what GitLab reads."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import AS_OF, PRODUCTION_SAMPLE, REQUESTS, SAMPLES

PARENT = "2026-1873-parent-guardian"
XSD = Path(__file__).parent / "data" / "junit-10.xsd"


def _junit_ok(path: Path) -> list:
    """Valid against junit-10.xsd, and as GitLab reads it: testcases named by classname + name,
    unique (GitLab keeps only the first of duplicates), counts that add up, times in seconds."""
    from lxml import etree

    doc = etree.parse(str(path))
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(doc), schema.error_log
    root = doc.getroot()
    assert root.tag == "testsuites"
    cases = root.findall("testsuite/testcase")
    keys = [(c.get("classname"), c.get("name")) for c in cases]
    assert all(k[0] and k[1] for k in keys) and len(set(keys)) == len(keys)
    failures = [c for c in cases if c.find("failure") is not None]
    assert int(root.get("tests")) == len(cases) and int(root.get("failures")) == len(failures)
    for suite in root.findall("testsuite"):
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len([c for c in suite.findall("testcase") if c.find("failure") is not None])
        dt.datetime.fromisoformat(suite.get("timestamp"))
    assert all(float(c.get("time")) >= 0 for c in cases)
    for c in failures:
        f = c.find("failure")
        assert f.get("message") and f.get("type") and f.text
    return failures


@pytest.fixture(scope="module")
def samples(sample_check):
    """`redactkit check sample_records/requests` as CI runs it: run once per session in conftest.py,
    whose copies of its trial releases other modules read back."""
    return sample_check


def test_sample_requests_meet_their_expectations(samples):
    assert samples["code"] == 0, samples["output"]
    names = sorted(p.name for p in REQUESTS.iterdir())
    assert [o.name for o in samples["observed"]] == names
    for name in names:
        assert re.search(rf"{name}\s.*\bok\b", samples["output"]), name
    # every reader an agency's CI would have here was used
    assert set(samples["observed"][0].readers) >= {"pdfium", "pdfminer", "pdftotext", "ocr"}


def test_check_records_no_disclosure_and_leaves_no_release_behind(samples):
    assert samples["ledger_after"] == samples["ledger_before"]
    assert samples["temps"] == set()


def test_committed_expectations_are_what_update_writes(samples):
    """Nothing to review on today's samples: --update would rewrite every expectation unchanged,
    and each lists every planted identifier of its category."""
    import redactkit.check as chk
    from generate import PLANTED, make_case, planted

    for obs in samples["observed"]:
        path = SAMPLES / "expected" / f"{obs.name}.json"
        old = chk.load(path)
        assert chk.dumps(chk.updated(old, obs)) == path.read_text(encoding="utf-8"), \
            (f"{obs.name}: the expectation is not what --update writes today: review, then run "
             "redactkit check sample_records/requests --as-of 2026-11-20 --update", chk.changes(old, chk.updated(old, obs)))
        assert chk.changes(old, chk.updated(old, obs)) == []
        if obs.name == PRODUCTION_SAMPLE:     # other kinds of records (Office, a photo, a TIFF, a thread),
            continue                          # with their own planted values: see test_production.py
        category = obs.name.split("-", 2)[2].replace("-", "_")
        case = make_case(int(obs.name.split("-")[1]))
        values = planted(case)
        gone, stay = PLANTED[category]
        dates = {"dob", "visit date", "intake date"}    # Faker's dates depend on the day the samples were made
        assert {values[k] for k in gone if k not in dates} <= set(old["must_redact"]), obs.name
        assert {values[k] for k in stay if k not in dates} <= set(old["must_keep"]), obs.name
        assert old["records"] and old["outcome"] == {"exit_code": 0, "status": "ok"}


def test_junit_report_of_the_samples_is_valid(samples):
    assert _junit_ok(samples["junit"]) == []


def _record_runs(monkeypatch) -> list:
    """Keep what the next `check` run observes, so that `--update` can be run on that same release
    (a second release of the request would only take time: releases are deterministic)."""
    import redactkit.check as chk

    seen: list = []
    run = chk.run
    monkeypatch.setattr(chk, "run", lambda *a, **k: seen.extend(run(*a, **k)) or list(seen))
    return seen


def _update_from(cli, monkeypatch, seen: list, *args):
    import redactkit.check as chk

    monkeypatch.setattr(chk, "run", lambda *a, **k: list(seen))
    return cli("check", *args, "--update")


def _copy_expectation(tmp_path: Path) -> tuple[Path, dict]:
    exp = tmp_path / "expected"
    exp.mkdir()
    shutil.copy(SAMPLES / "expected" / f"{PARENT}.json", exp)
    return exp, json.loads((exp / f"{PARENT}.json").read_text())


def _diff(old: dict, new: dict) -> tuple[set, set, set]:
    """(values whose list or detail changed, (record, code) whose count changed, other changed keys)."""
    values = {v for v in old["must_redact"] + old["must_keep"]
              if (v in old["must_redact"]) != (v in new["must_redact"])
              or old["values"].get(v) != new["values"].get(v)}
    codes, other = set(), {k for k in set(old) | set(new) if k not in ("must_redact", "must_keep", "values", "records")
                           and old.get(k) != new.get(k)}
    for rec in set(old["records"]) | set(new["records"]):
        a, b = old["records"].get(rec, {}), new["records"].get(rec, {})
        other |= {(rec, k) for k in set(a) | set(b) if k != "redactions" and a.get(k) != b.get(k)}
        ra, rb = a.get("redactions", {}), b.get("redactions", {})
        codes |= {(rec, c) for c in set(ra) | set(rb) if ra.get(c, 0) != rb.get(c, 0)}
    return values, codes, other


def test_recipe_keeping_the_reporter_for_parents_fails_then_update_writes_that_change(cli, tmp_path, monkeypatch):
    """Done when: the reporter's identity kept for parents makes check exit non-zero naming the
    request, record and code; --update writes an expectation whose diff is exactly that."""
    from redactkit.plan import recipes_dir

    recipes = tmp_path / "recipes"
    shutil.copytree(recipes_dir(), recipes)
    recipe = recipes / "parent_guardian.yaml"
    data = yaml.safe_load(recipe.read_text(encoding="utf-8"))
    (rule,) = [r for r in data["rules"] if r["entities"] == ["PERSON"] and r.get("roles") == ["reporter"]]
    rule.update(action="keep", reason=None)
    recipe.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("REDACTKIT_RECIPES", str(recipes))
    exp, old = _copy_expectation(tmp_path)
    seen = _record_runs(monkeypatch)
    code, output = cli("check", REQUESTS / PARENT, "--expected", exp, "--as-of", AS_OF, "--junit", tmp_path / "j.xml")
    assert code == 11, output
    leaks = [line for line in output.splitlines() if "is READABLE" in line]
    assert leaks and all(line.startswith(f"{PARENT}: records/") for line in leaks)
    assert any("records/investigation/intake_report.pdf p.1: must_redact[0] (PERSON reporter) is READABLE "
               "(redacted before as RI)" in line for line in leaks), leaks
    changed = set(re.findall(rf"^{PARENT}: (records/.+?): (\w+) \d+ -> \d+ redactions$", output, re.M))
    assert changed and {c for _, c in changed} == {"RI"}
    for value in old["must_redact"]:                 # names things, never the values
        assert not re.search(rf"(?<![\w.-]){re.escape(value)}(?![\w.-])", output), value
    failures = _junit_ok(tmp_path / "j.xml")
    assert {f.get("name") for f in failures} == {"must_redact values unreadable in the release",
                                                 "redaction counts per reason code and page counts"}
    assert all(f.get("classname") == PARENT for f in failures)

    leaked = [old["must_redact"][int(i)] for i in dict.fromkeys(re.findall(r"must_redact\[(\d+)\][^\n]*is READABLE", output))]
    from generate import make_case
    reporter = make_case(1873)["reporter"]
    assert {reporter["name"], reporter["last"], reporter["first"]} <= set(leaked)

    code, output = _update_from(cli, monkeypatch, seen, REQUESTS / PARENT, "--expected", exp)
    assert code == 0, output
    assert "now READABLE, moved to must_keep" in output and reporter["name"] not in output
    new = json.loads((exp / f"{PARENT}.json").read_text())
    assert new["must_redact"] == [v for v in old["must_redact"] if v not in leaked]
    assert new["must_keep"] == old["must_keep"] + leaked
    values, codes, other = _diff(old, new)
    assert values == set(leaked) and codes == changed and other == set()


def test_recognizer_score_that_loses_a_kept_name_fails_then_update_writes_that_change(cli, tmp_path, monkeypatch):
    """Done when: a recognizer's score changed so that a kept name is redacted. The roster
    recognizer's hits on the child fall below the analyzer's threshold: the child's name is then
    found only as an unknown person, which the parents' recipe redacts (TP)."""
    from redactkit.detect import roster
    from redactkit.detect.engine import SCORE_THRESHOLD

    analyze = roster.RosterRecognizer.analyze

    def lower(self, text, entities, nlp_artifacts=None):
        hits = analyze(self, text, entities, nlp_artifacts)
        for h in hits:
            if any(self.parties[i].role == "child" for i in h.recognition_metadata["parties"]):
                h.score = SCORE_THRESHOLD - 0.1
        return hits

    monkeypatch.setattr(roster.RosterRecognizer, "analyze", lower)
    monkeypatch.setenv("REDACTKIT_WORKERS", "1")     # detection in this process, which has the change
    exp, old = _copy_expectation(tmp_path)
    seen = _record_runs(monkeypatch)
    code, output = cli("check", REQUESTS / PARENT, "--expected", exp, "--as-of", AS_OF, "--json")
    assert code == 11, output
    report = json.loads(output)["requests"][0]
    assert report["verdict"] == "failed" and report["leaks"] == 0 and report["lost"] > 0
    lost = [f for f in report["findings"] if f["check"] == "lost"]
    assert any(f["record"] == "records/investigation/intake_report.pdf" and f["page"] == 1 and f["code"] == "TP"
               and f["kind"] == "PERSON child" and f["message"].startswith(f"{PARENT}: records/investigation/intake_report.pdf p.1: must_keep[0]")
               for f in lost), lost
    assert all("value" not in f for f in report["findings"])
    changed = {(f["record"], f["code"]) for f in report["findings"] if f["check"] == "codes"}
    assert ("records/investigation/intake_report.pdf", "TP") in changed
    lost_values = {old["must_keep"][f["index"]] for f in lost}

    code, output = _update_from(cli, monkeypatch, seen, REQUESTS / PARENT, "--expected", exp)
    assert code == 0, output
    assert "now redacted, moved to must_redact as SC" in output
    new = json.loads((exp / f"{PARENT}.json").read_text())
    values, codes, other = _diff(old, new)
    assert values == lost_values and codes == changed and other == set()
    gone = [v for v in old["must_keep"] if v in new["must_redact"]]       # unreadable everywhere now
    assert new["must_keep"] == [v for v in old["must_keep"] if v not in gone]
    assert new["must_redact"] == old["must_redact"] + gone


# --- the comparison itself, on made-up observations (no release) ---------------------------------

def _observed(**kw):
    from redactkit.check import Observed, Place
    from redactkit.errors import ExitCode

    obs = Observed("R1", kw.pop("exit_code", ExitCode.ok), "released", readers=["pdfium"])
    obs.records = {"records/a.pdf": {"status": "released", "pages": 1, "redactions": {"TP": 2}}}
    obs.places = [Place("records/a.pdf", 1, {"pdfium": kw.pop("text", "Report by TP TP. Dana Whitfield visited.")})]
    for k, v in kw.items():
        setattr(obs, k, v)
    return obs


EXPECT = {"expectation_version": 1, "request": "R1", "outcome": {"exit_code": 0, "status": "ok"},
          "must_redact": ["Gustavo Lindqvist"], "must_keep": ["Dana Whitfield"],
          "values": {"Gustavo Lindqvist": {"kind": "PERSON collateral", "codes": ["TP"]},
                     "Dana Whitfield": {"kind": "PERSON self", "readable_in": {"records/a.pdf": [1]}}},
          "records": {"records/a.pdf": {"status": "released", "pages": 1, "redactions": {"TP": 2}}}}


def test_compare_verdicts_and_exit_codes(tmp_path):
    import redactkit.check as chk
    from redactkit.errors import ExitCode

    ok = chk.compare("R1", EXPECT, _observed())
    assert ok.verdict == "ok" and chk.exit_code([ok]) == ExitCode.ok

    leak = chk.compare("R1", EXPECT, _observed(text="Report by Gustavo\nLindqvist. Dana Whitfield visited."))
    (f,) = leak.findings
    assert f.check == "leak" and f.record == "records/a.pdf" and f.page == 1 and f.code == "TP"
    assert "Lindqvist" not in f.text and "must_redact[0] (PERSON collateral)" in f.text
    assert chk.exit_code([ok, leak]) == ExitCode.check_failed

    lost = chk.compare("R1", EXPECT, _observed(text="Report by TP TP. TP TP visited."))
    assert [f.check for f in lost.findings] == ["lost"] and "Whitfield" not in lost.findings[0].text

    drift = _observed()
    drift.records = {"records/a.pdf": {"status": "released", "pages": 1, "redactions": {"TP": 3}}}
    rep = chk.compare("R1", EXPECT, drift)
    assert rep.verdict == "drift" and chk.exit_code([ok, rep]) == ExitCode.check_drift
    assert rep.findings[0].text == "R1: records/a.pdf: TP 2 -> 3 redactions"

    refused = _observed(exit_code=ExitCode.refused)
    assert chk.compare("R1", {**EXPECT, "outcome": {"exit_code": 4, "status": "refused"}}, refused).verdict == "ok"
    assert chk.compare("R1", EXPECT, refused).findings[0].check == "outcome"
    assert chk.compare("R1", None, _observed()).verdict == "failed"

    withheld = _observed()
    withheld.records = {"records/a.pdf": {"status": "released", "pages": 3, "redactions": {"TP": 2},
                                          "withheld_pages": [2]}}
    assert [f.check for f in chk.compare("R1", EXPECT, withheld).findings] == ["record", "codes"]

    # values only on request; JUnit of failures valid; expectation text round-trips
    data = chk.as_json([leak, lost, rep])
    assert "Lindqvist" not in json.dumps(data) and data["exit_code"] == 11
    assert "Lindqvist" in json.dumps(chk.as_json([leak], show_values=True))
    for r, name in zip((ok, leak, lost, rep), ("R1", "R2", "R3", "R4")):
        r.request = name
    path = tmp_path / "j.xml"
    path.write_bytes(chk.junit([ok, leak, lost, rep, chk.compare("R5", None, _observed())]))
    assert len(_junit_ok(path)) == 4
    # one line per value and per record: a reviewed diff shows each change on its own line
    assert json.loads(chk.dumps(EXPECT)) == EXPECT and chk.dumps(EXPECT).count("\n") == 18


def test_update_moves_values_and_lists_the_change_without_values():
    import redactkit.check as chk

    obs = _observed(text="Report by Gustavo Lindqvist. TP TP visited.")
    new = chk.updated(EXPECT, obs)
    assert new["must_redact"] == ["Dana Whitfield"] and new["must_keep"] == ["Gustavo Lindqvist"]
    lines = chk.changes(EXPECT, new)
    assert any("must_redact[0] (PERSON collateral): now READABLE, moved to must_keep" in line for line in lines)
    assert any("must_keep[0] (PERSON self): now redacted, moved to must_redact" in line for line in lines)
    assert not any("Lindqvist" in line or "Whitfield" in line for line in lines)
    assert any("'Gustavo Lindqvist'" in line for line in chk.changes(EXPECT, new, show_values=True))


def test_a_request_folder_that_does_not_exist_is_one_line(cli, tmp_path):
    code, output = cli("check", tmp_path / "no_such_folder")
    assert code == 2 and "no such folder" in output and "Traceback" not in output


def test_the_check_reads_a_huge_page_in_bounded_pixels():
    """`redactkit check` reads released scans by OCR at 300 dpi, but never renders a page to more
    pixels than the pipeline's OCR does: a 120-inch-wide page at 300 dpi would be 86 million pixels."""
    from redactkit.check import ocr_dpi
    from redactkit.ingest.scan import MAX_OCR_PIXELS

    assert ocr_dpi(612, 792) == 300
    dpi = ocr_dpi(120 * 72, 11 * 72)
    assert dpi < 300 and (120 * dpi) * (11 * dpi) <= MAX_OCR_PIXELS * 1.001

"""Review before release: `redactkit review` proposes, staff decide with `redactkit plan` (or an
editor), `redactkit release --plan` applies exactly what they decided, and refuses a stale plan."""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pymupdf
import pytest

from conftest import SAMPLES, check_release, norm, readable, release_texts

PARENT = SAMPLES / "requests" / "2026-1873-parent-guardian"


def _ledger_lines() -> int:
    path = Path(os.environ["REDACTKIT_LEDGER"])
    return len(path.read_text().splitlines()) if path.exists() else 0


def _plan(out: Path) -> dict:
    return json.loads((out / "internal" / "plan.json").read_text())


@pytest.fixture(scope="module")
def foreign(tmp_path_factory):
    """A request from the second generator (other templates, Spanish names), reviewed once."""
    from foreign_requests import run as make

    root = tmp_path_factory.mktemp("foreign")
    make(root, 4711, "parent_guardian", "es_ES")
    return root / "R4711", json.loads((root / "R4711.json").read_text())


@pytest.fixture(scope="module")
def foreign_review(foreign, cli, tmp_path_factory):
    req, _ = foreign
    out = tmp_path_factory.mktemp("foreign-review")
    before = _ledger_lines()
    code, output = cli("review", req, "--out", out, "-q")
    return out, code, output, _ledger_lines() - before


@pytest.fixture()
def reviewed(foreign, foreign_review, tmp_path):
    """The foreign request's review (made once for the module), copied into this test's folder."""
    req, expected = foreign
    out, code, output, disclosed = foreign_review
    assert code == 0, output
    assert disclosed == 0, "a review is not a disclosure"
    shutil.copytree(out, tmp_path, dirs_exist_ok=True)
    return req, expected, tmp_path, output


@pytest.fixture(scope="module")
def parent_review(cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("parent-review")
    code, output = cli("review", PARENT, "--out", out, "-q")
    return out, code, output


def _parent_reviewed(parent_review, out: Path) -> Path:
    """`redactkit review PARENT --out OUT`: the module's review of PARENT, copied to OUT."""
    src, code, output = parent_review
    assert code == 0, output
    shutil.copytree(src, out, dirs_exist_ok=True)
    return out


@pytest.mark.xdist_group("review-foreign")
def test_review_proposes_without_releasing(reviewed):
    req, expected, out, output = reviewed
    assert not (out / "release").exists()
    plan = _plan(out)
    entries = plan["redactions"]
    for e in entries:
        assert {"id", "document", "page", "text", "entity", "party", "role", "reason", "decision"} <= e.keys()
        assert e["decision"] == e["proposed"]
    redacted = {norm(e["text"]) for e in entries if e["decision"] == "redact"}
    kept = {norm(e["text"]) for e in entries if e["decision"] == "keep"}
    full_names = [v for v in expected["must_redact"][:6] if " " in v and "@" not in v and not v[0].isdigit()]
    assert full_names and all(norm(v) in redacted for v in full_names)
    assert norm(expected["must_keep"][0]) in kept        # the requester, kept and shown as kept
    assert set(plan["sources"]) == {p.relative_to(req).as_posix() for p in (req / "records").rglob("*.pdf")}
    # the review PDF: a summary page, then every record's pages with the proposals drawn, not applied
    doc = pymupdf.open(out / "internal" / "review.pdf")
    assert "Review of request R4711" in doc[0].get_text()
    assert doc.page_count == 1 + sum(len(v) for v in plan["pages"].values())
    assert all(doc[i].get_drawings() for i in range(1, doc.page_count))
    text = " ".join(p.get_text() for p in doc)
    assert all(readable(v, text) for v in full_names)
    assert re.search(r"\b[A-Z]{2} r0001\b", text) and "keep k0001" in text   # reason code and id beside boxes
    # the console names records and counts, never a found value
    assert not [v for v in expected["must_redact"] if readable(v, output)]


@pytest.mark.xdist_group("review-foreign")
def test_keeping_one_name_makes_exactly_that_name_readable(reviewed, cli, xray):
    req, expected, out, _ = reviewed
    name, surname = expected["must_redact"][5], expected["must_redact"][6]   # the foster parent
    assert surname in name
    plan = out / "internal" / "plan.json"
    code, output = cli("plan", "keep", plan, "--text", name)
    assert code == 0, output
    flipped = int(re.search(r"(\d+) entr", output).group(1))
    assert flipped == sum(norm(e["text"] or "") == norm(name) for e in _plan(out)["redactions"]) >= 1
    code, output = cli("release", req, "--plan", plan, "--reviewer", "Avery Reviewer", "--out", out, "-q")
    assert code == 0, output
    got = check_release(out, expected, xray)
    assert got["leaked"] == [name, surname]             # the name, and its surname inside it
    assert got["missing"] == [] and got["xray"] == {}
    # exactly that name: the surname alone ("the ... family") stays redacted
    pdfium = " ".join(t for k, t in got["texts"].items() if k.endswith("(pdfium)"))
    n_name = len(re.findall(re.escape(norm(name)), norm(pdfium)))
    assert n_name == flipped
    assert len(re.findall(r"\b" + re.escape(norm(surname)) + r"\b", norm(pdfium))) == n_name
    review = got["manifest"]["review"]
    assert review["reviewed"] and review["reviewer"] == "Avery Reviewer"
    assert review["overridden"]["to_keep"] == flipped and review["overridden"]["to_redact"] == 0
    assert (out / "internal" / "applied_plan.json").read_bytes() == plan.read_bytes()
    assert (out / "internal" / "review.pdf").exists(), "the review material stays beside the release"
    entry = json.loads(Path(os.environ["REDACTKIT_LEDGER"]).read_text().splitlines()[-1])
    assert entry["review"]["reviewer"] == "Avery Reviewer"


def test_unedited_plan_releases_like_the_tool(cli, xray, tmp_path):
    """Scans and e-mails too: the plan carries every proposal, the release applies them all."""
    rid = "2026-1879-medical-research"
    req = SAMPLES / "requests" / rid
    assert cli("review", req, "--out", tmp_path, "-q")[0] == 0
    code, output = cli("release", req, "--plan", tmp_path / "internal" / "plan.json", "--reviewer", "R. Q.",
                       "--out", tmp_path, "-q")
    assert code == 0, output
    got = check_release(tmp_path, json.loads((SAMPLES / "expected" / f"{rid}.json").read_text()), xray)
    assert got["leaked"] == [] and got["missing"] == [] and got["xray"] == {}
    assert got["manifest"]["review"]["overridden"]["to_keep"] == 0
    assert got["manifest"]["totals"]["released"] == 10


@pytest.mark.xdist_group("review-parent")
def test_staff_add_a_text_and_a_region_and_delete_a_proposal(cli, parent_review, tmp_path):
    out = _parent_reviewed(parent_review, tmp_path / "out")
    plan = out / "internal" / "plan.json"
    letter = "records/correspondence/placement_letter.pdf"
    # a kept name to redact wherever it stands; a region over a heading line
    code, output = cli("plan", "redact", plan, "--text", "Tina Rivera", "--reason", "TP")
    assert code == 0, output
    flipped = int(re.search(r"(\d+) entr", output).group(1))
    assert flipped >= 2 and "added s001" in output     # the kept entries of her name, and the text itself
    src = pymupdf.open(PARENT / letter)
    heading = src[0].search_for("Department of Children and Families")[0]
    rect = f"{heading.x0 - 1},{heading.y0},{heading.x1 + 1},{heading.y1}"
    code, output = cli("plan", "redact", plan, "--document", letter, "--page", "1", "--rect", rect)
    assert code == 0, output
    # staff delete a proposal in an editor: the phone number on the letter
    raw = json.loads(plan.read_text())
    phone = next(e for e in raw["redactions"] if e["document"] == letter and e["entity"] == "PHONE_NUMBER")
    raw["redactions"].remove(phone)
    plan.write_text(json.dumps(raw))
    code, output = cli("release", PARENT, "--plan", plan, "--reviewer", "Sam Ortiz", "--out", out, "-q")
    assert code == 0, output
    m = json.loads((out / "release" / "manifest.json").read_text())
    texts = release_texts(out / "release")
    everything = "\n".join(texts.values())
    assert not readable("Tina Rivera", everything)
    out_letter = next(r["output"] for r in m["records"] if r["source"] == letter)
    letter_text = "\n".join(t for k, t in texts.items() if k.startswith(out_letter))
    assert not readable("Department of Children and Families", letter_text)
    assert readable(phone["text"], letter_text), "a deleted proposal is not redacted"
    o = m["review"]["overridden"]
    assert (o["to_keep"], o["to_redact"]) == (1, flipped + 2)
    assert o["detail"]["redact_deleted"] == 1 and o["detail"]["texts_added"] == 1 and o["detail"]["regions_added"] == 1
    assert "reviewed by sam ortiz" in norm(pymupdf.open(out / "release" / "manifest.pdf")[0].get_text())


@pytest.mark.xdist_group("review-parent")
def test_a_plan_that_no_longer_fits_is_refused(cli, parent_review, tmp_path, monkeypatch):
    """A plan made for PARENT, on a copy of PARENT that then changes (the plan names no folder)."""
    req = tmp_path / "req"
    shutil.copytree(PARENT, req)
    out = _parent_reviewed(parent_review, tmp_path / "out")
    plan = out / "internal" / "plan.json"

    def refused(expect: str):
        before = _ledger_lines()
        code, output = cli("release", req, "--plan", plan, "--reviewer", "R", "--out", out, "-q")
        assert code == 10, output
        assert len(output.strip().splitlines()) == 1 and expect in output
        assert not (out / "release").exists() and _ledger_lines() == before

    record = req / "records" / "medical" / "discharge_summary.pdf"
    original = record.read_bytes()
    record.write_bytes(original + b"\n% appended\n")
    refused("records/medical/discharge_summary.pdf changed since the review")
    record.write_bytes(original)
    (req / "records" / "medical" / "late.pdf").write_bytes(original)
    refused("was added since the review")
    (req / "records" / "medical" / "late.pdf").unlink()
    yaml_path = req / "request.yaml"
    text = yaml_path.read_text()
    yaml_path.write_text(text + "\n# note\n")
    refused("request.yaml changed since the review")
    yaml_path.write_text(text)
    recipes = tmp_path / "recipes"
    shutil.copytree(Path(__file__).resolve().parent.parent / "recipes", recipes)
    rp = recipes / "parent_guardian.yaml"
    rp.write_text(rp.read_text().replace("Third-party identity", "Third-party identity (amended)"))
    monkeypatch.setenv("REDACTKIT_RECIPES", str(recipes))
    refused("the recipe (parent_guardian.yaml) changed since the review")
    monkeypatch.delenv("REDACTKIT_RECIPES")
    # an entry that no longer matches its place, and a text found nowhere, are refused too
    raw = json.loads(plan.read_text())
    pristine = json.dumps(raw)
    raw["redactions"][0]["text"] = "Somebody Else"
    plan.write_text(json.dumps(raw))
    refused("no longer matches the text at its place")
    plan.write_text(pristine)
    assert cli("plan", "redact", plan, "--text", "Zyxwv Qqqjk")[0] == 0
    refused("is a text found in no record")
    plan.write_text(pristine)
    code, output = cli("release", req, "--plan", plan, "--reviewer", "R", "--out", out, "-q")
    assert code == 0, output


@pytest.mark.xdist_group("review-parent")
def test_review_and_plan_command_errors(cli, parent_review, tmp_path):
    # a request that policy refuses is refused at review too, with no plan written
    code, output = cli("review", SAMPLES / "requests" / "2026-1880-third-party-release", "--out", tmp_path,
                       "--as-of", "2099-01-01", "-q")
    assert code == 4 and "expired" in output and not (tmp_path / "internal").exists()
    out = _parent_reviewed(parent_review, tmp_path / "out")
    code, output = cli("review", PARENT, "--out", out, "-q")
    assert code == 6 and "--force" in output
    plan = out / "internal" / "plan.json"
    assert cli("plan", "keep", plan, "--id", "r9999")[0] == 2
    assert cli("plan", "keep", plan, "--text", "nobody at all")[0] == 2
    assert cli("plan", "redact", plan, "--rect", "1,2,3,4")[0] == 2
    assert cli("plan", "redact", plan, "--text", "Tina Rivera", "--reason", "NOPE")[0] == 2
    assert cli("release", PARENT, SAMPLES / "requests" / "2026-1874-client", "--plan", plan, "--reviewer", "R",
               "--out", tmp_path / "x")[0] == 2
    code, output = cli("plan", "show", plan, "--json", "--decision", "keep")
    assert code == 0 and json.loads(output) and all(e["decision"] == "keep" for e in json.loads(output))
    assert json.loads(plan.read_text())["redactions"] == _plan(out)["redactions"]   # nothing changed by errors
    plan.write_text('{"plan_version": 1, "redactions": [')
    code, output = cli("plan", "show", plan)
    assert code == 10 and "not a readable JSON plan" in output and "Traceback" not in output
    code, output = cli("release", PARENT, "--plan", plan, "--reviewer", "R", "--out", out, "-q")
    assert code == 10 and len(output.strip().splitlines()) == 1


@pytest.mark.xdist_group("review-parent")
def test_a_reviewer_named_in_the_records_stays_out_of_the_manifest(cli, parent_review, tmp_path):
    """Staff can be a third party in a case: a reviewer's name that the records redact is kept
    internally, not printed in what the requester receives."""
    _parent_reviewed(parent_review, tmp_path)
    code, output = cli("release", PARENT, "--plan", tmp_path / "internal" / "plan.json", "--reviewer",
                       "Martin Turner", "--out", tmp_path, "-q")
    assert code == 0, output
    assert not readable("Martin Turner", "\n".join(release_texts(tmp_path / "release").values()))
    m = json.loads((tmp_path / "release" / "manifest.json").read_text())
    assert m["review"]["reviewed"] and "recorded internally" in m["review"]["reviewer"]
    internal = json.loads((tmp_path / "internal" / "sources.json").read_text())
    assert internal["review"]["reviewer"] == "Martin Turner"

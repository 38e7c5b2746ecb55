"""Malformed requests and refusals: one clear line, a distinct exit code, no release/ written."""
from __future__ import annotations

import shutil

import pytest
import yaml

from conftest import SAMPLES

PARENT = SAMPLES / "requests" / "2026-1873-parent-guardian"


@pytest.fixture
def request_copy(tmp_path):
    dest = tmp_path / "req"
    shutil.copytree(PARENT, dest)
    return dest


def _edit(req, fn):
    data = yaml.safe_load((req / "request.yaml").read_text())
    fn(data)
    (req / "request.yaml").write_text(yaml.safe_dump(data))


def _one_line(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    assert "Traceback" not in output
    return " ".join(lines)


@pytest.mark.parametrize("edit, field", [
    (lambda d: d.pop("received"), "received"),
    (lambda d: d["requester"].update(category="parnet_guardian"), "requester.category"),
    (lambda d: d.update(received="20/11/2026"), "received"),
    (lambda d: d["parties"][0].update(aliasses=["Jan"]), "aliasses"),
    (lambda d: d["parties"][0].update(role="aunt"), "parties[1].role"),   # counted from 1, as a reader does
    (lambda d: d["requester"].update(category="attorney_representative"), "represents"),
])
def test_malformed_request_names_the_field(request_copy, tmp_path, cli, edit, field):
    _edit(request_copy, edit)
    code, output = cli("release", request_copy, "--out", tmp_path / "out")
    assert code == 3
    line = _one_line(output)
    assert "request.yaml" in line and field in line
    assert not (tmp_path / "out" / "release").exists()


def test_not_yaml(request_copy, tmp_path, cli):
    (request_copy / "request.yaml").write_text("request_id: [unclosed\n")
    code, output = cli("release", request_copy, "--out", tmp_path / "out")
    assert code == 3 and "not valid YAML" in _one_line(output)
    assert not (tmp_path / "out" / "release").exists()


def test_missing_request_yaml(tmp_path, cli):
    (tmp_path / "empty" / "records").mkdir(parents=True)
    code, output = cli("release", tmp_path / "empty", "--out", tmp_path / "out")
    assert code == 3 and "request.yaml" in output


@pytest.mark.parametrize("edit, words", [
    (lambda d: d["case"].update(status="closed"), "open case"),
    (lambda d: d["requester"].update(name="Somebody Else"), "not on the case roster"),
    (lambda d: d["requester"].update(category="third_party_release"), "no consent"),
    (lambda d: d["requester"].update(category="other"), "needs legal review"),
    (lambda d: d["requester"].update(name=d["parties"][3]["name"]), "not as a parent or guardian"),
])
def test_refused_requests_write_nothing(request_copy, tmp_path, cli, edit, words):
    _edit(request_copy, edit)
    code, output = cli("release", request_copy, "--out", tmp_path / "out")
    assert code == 4
    assert words in _one_line(output)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_one_bad_request_does_not_stop_the_batch(request_copy, tmp_path, cli):
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copytree(request_copy, batch / "a-good")
    shutil.copytree(request_copy, batch / "b-refused")
    _edit(batch / "b-refused", lambda d: d["case"].update(status="closed"))
    code, output = cli("release", batch, "--out", tmp_path / "out", "--json")
    import json
    summary = json.loads(output)
    assert code == 4 == summary["exit_code"]
    by_name = {r["request"].rsplit("/", 1)[-1]: r for r in summary["requests"]}
    assert by_name["a-good"]["exit_code"] == 0 and by_name["a-good"]["released"] == 10
    assert by_name["b-refused"]["exit_code"] == 4
    assert (tmp_path / "out" / "a-good" / "release" / "manifest.json").exists()
    assert not (tmp_path / "out" / "b-refused" / "release").exists()


# --- issue 15: strict request files ----------------------------------------------------------

def _raw_edit(req, old, new):
    """Edit request.yaml as text, as a person does in an editor (unquoted dates stay unquoted)."""
    text = (req / "request.yaml").read_text()
    assert old in text
    (req / "request.yaml").write_text(text.replace(old, new, 1))


def _nothing_written(out, ledger_before):
    import os
    assert not out.exists() or not any(out.iterdir()), "something was written"
    ledger = os.environ["REDACTKIT_LEDGER"]
    assert (open(ledger).read() if os.path.exists(ledger) else "") == ledger_before, "the ledger changed"


def _ledger_now():
    import os
    ledger = os.environ["REDACTKIT_LEDGER"]
    return open(ledger).read() if os.path.exists(ledger) else ""


@pytest.mark.parametrize("old, new, words", [
    ("  status: open", "  state: closed", ["case.state", "did you mean 'status'"]),     # a closed case, released before
    ("case:", "cases:", ["cases", "did you mean 'case'"]),
    ("parties:", "partys:", ["partys", "did you mean 'parties'"]),
    ("  category: parent_guardian", "  category: parent_guardian\n  catgory: court", ["requester.catgory", "did you mean 'category'"]),
    ("  role: reporter", "  role: reporter\n  alias: [Bri]", ["parties[4].alias", "did you mean 'aliases'"]),
    ("request_id:", "notes: fine\nrequest_ids: x\nrequest_id:", ["request_ids", "did you mean 'request_id'"]),
])
def test_misspelt_keys_are_errors_at_every_level(request_copy, tmp_path, cli, old, new, words):
    before = _ledger_now()
    _raw_edit(request_copy, old, new)
    code, output = cli("release", request_copy, "--out", tmp_path / "out")
    line = _one_line(output)
    assert code == 3, line
    assert "request.yaml" in line and all(w in line for w in words) and "docs/request-folder.md" in line
    _nothing_written(tmp_path / "out", before)


@pytest.mark.parametrize("old, new, words", [
    ("received: '2026-11-20'", "received: 2025-13-45", ["received", "2025-13-45", "not a date"]),   # unquoted: was exit 9
    ("received: '2026-11-20'", "received: 2026-02-30", ["received", "not a date"]),
    ("received: '2026-11-20'", "received: 20261120", ["received"]),
    ("  name: Linda Bowers\n  category", "  name:\n  category", ["requester.name", "empty"]),
    ("  name: Linda Bowers\n  category", "  name: [Linda, Bowers]\n  category", ["requester.name", "text"]),
    ("  status: open", "  status: opened", ["case.status", "'opened'", "open, closed"]),
    ("  status: open", "  status: open\n  status: closed", ["'status' is given twice"]),
    ("  status: open", "", ["case.status", "required"]),
    ("- name: Brian Ford\n  role: reporter", "- name: Brian Ford\n  role: reporter\n  acp: perhaps",
     ["parties[4].acp", "true or false"]),
    ("- name: Brian Ford", "- name: linda bowers\n  role: other\n- name: Brian Ford", ["parties[4].name", "parties[2]"]),
    ("- name: Brian Ford\n  role: reporter", "- name: Brian Ford\n  role: reporter\n  aliases: [Linda Bowers]",
     ["parties[4].aliases", "parties[2]"]),
    ("- name: Brian Ford", "- role: reporter\n- name: Brian Ford", ["parties[4].name", "missing"]),
    ("parties:", "parties: Janice Bowers\nunused:", ["parties", "list"]),
    ("requester:", "requester: Linda Bowers\nunused:", ["requester", "mapping"]),
])
def test_every_bad_value_is_one_line_exit_3(request_copy, tmp_path, cli, old, new, words):
    """Wrong type, impossible value, empty, duplicate: exit 3 and one line naming file, field
    (parties counted from 1) and problem; never an internal error."""
    before = _ledger_now()
    _raw_edit(request_copy, old, new)
    code, output = cli("release", request_copy, "--out", tmp_path / "out")
    line = _one_line(output)
    assert code == 3, line
    assert "request.yaml" in line and all(w in line for w in words), line
    assert "internal error" not in line
    _nothing_written(tmp_path / "out", before)


def test_an_empty_records_folder_is_refused(request_copy, tmp_path, cli):
    before = _ledger_now()
    shutil.rmtree(request_copy / "records")
    (request_copy / "records" / "medical").mkdir(parents=True)
    (request_copy / "records" / ".DS_Store").write_bytes(b"junk")
    code, output = cli("release", request_copy, "--out", tmp_path / "out")
    assert code == 3 and "records" in output and "empty" in output
    _nothing_written(tmp_path / "out", before)
    code, output = cli("review", request_copy, "--out", tmp_path / "out")
    assert code == 3 and not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["inside", "itself", "records"])
def test_out_inside_the_request_folder_is_refused(request_copy, tmp_path, cli, where):
    before = sorted(p.relative_to(request_copy) for p in request_copy.rglob("*"))
    out = {"inside": request_copy / "out", "itself": request_copy, "records": request_copy / "records" / "x"}[where]
    for command in ("release", "review"):
        code, output = cli(command, request_copy, "--out", out)
        assert code == 2 and "inside the request folder" in _one_line(output)
    assert sorted(p.relative_to(request_copy) for p in request_copy.rglob("*")) == before
    # a folder of requests released into itself: each OUT/<name> would be a request folder
    shutil.copytree(request_copy, tmp_path / "req2")
    code, output = cli("release", tmp_path, "--out", tmp_path)
    assert code == 2 and "inside the request folder" in _one_line(output)

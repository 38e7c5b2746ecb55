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
    (lambda d: d["parties"][0].update(role="aunt"), "parties.0.role"),
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

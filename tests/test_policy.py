"""Who may receive what: consent, scope, legal review, reporter identity, special categories,
Address Confidentiality Program, and the accounting of disclosures."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml

from conftest import SAMPLES, readable, release_texts

TPR = SAMPLES / "requests" / "2026-1880-third-party-release"
PARENT = SAMPLES / "requests" / "2026-1873-parent-guardian"
CLIENT = SAMPLES / "requests" / "2026-1874-client"
LAW = SAMPLES / "requests" / "2026-1881-law-enforcement"
OTHER = SAMPLES / "requests" / "2026-1883-other"


def _copy(src, tmp_path, edit=None):
    dest = tmp_path / src.name
    shutil.copytree(src, dest)
    if edit:
        data = yaml.safe_load((dest / "request.yaml").read_text())
        edit(data)
        (dest / "request.yaml").write_text(yaml.safe_dump(data))
    return dest


def _expected(src):
    return json.loads((SAMPLES / "expected" / f"{src.name}.json").read_text())


@pytest.mark.parametrize("edit, words", [
    (lambda d: d["consent"].update(expires="2026-01-31"), "expired on 2026-01-31"),
    (lambda d: d["consent"].update(recipient="Dr. Somebody Else"), "another recipient"),
    (lambda d: d["consent"].update(signed_by="Unknown Person"), "not a party"),
    (lambda d: d["consent"].update(signed_on="2026-11-21"), "after the request was received"),
    (lambda d: d["consent"].update(purpose=""), "no purpose"),
    (lambda d: d["consent"].update(revoked=True), "revoked"),
    (lambda d: d["consent"].update(form="DCF-2131T"), "not a DCF-2131F"),
    (lambda d: d.pop("consent"), "no consent"),
])
def test_invalid_consent_is_refused(cli, tmp_path, edit, words):
    req = _copy(TPR, tmp_path, edit)
    code, output = cli("release", req, "--out", tmp_path / "out")
    assert code == 4
    assert words in " ".join(output.split()) and "Traceback" not in output
    assert not (tmp_path / "out" / "release").exists()


def test_as_of_judges_expiry_on_the_given_date(cli, tmp_path):
    req = _copy(TPR, tmp_path, lambda d: d["consent"].update(expires="2026-11-22"))
    assert cli("release", req, "--out", tmp_path / "a", "-q")[0] == 4                       # today: expired
    assert cli("release", req, "--out", tmp_path / "b", "-q", "--as-of", "2026-11-21")[0] == 0


def test_recipient_names_are_normalised(cli, tmp_path):
    def edit(d):
        d["consent"]["recipient"] = d["requester"]["name"].upper().replace("DR. ", "") + ", MD"
    assert cli("release", _copy(TPR, tmp_path, edit), "--out", tmp_path / "out", "-q")[0] == 0


def test_other_needs_legal_review_then_is_most_protective(cli, checked_sample, tmp_path):
    req = _copy(OTHER, tmp_path, lambda d: d.pop("legal_review"))
    code, output = cli("release", req, "--out", tmp_path / "refused")
    assert code == 4 and "legal review" in output
    assert not (tmp_path / "refused" / "release").exists()
    (_, code, _), got = checked_sample(OTHER.name)        # the sample as shipped, with its legal review
    assert code == 0 and got["leaked"] == [] and got["missing"] == []
    assert got["manifest"]["legal_review"]["reference"].startswith("OLA-")


def test_medical_release_releases_only_medical_records_and_withholds_unnamed_hiv(checked_sample):
    (_, code, _), got = checked_sample(TPR.name)
    assert code == 0 and got["leaked"] == [] and got["missing"] == [] and got["xray"] == {}
    m = got["manifest"]
    assert {r["information_category"] for r in m["records"] if r["status"] == "released"} == {"medical"}
    assert m["consent"]["information"] == ["medical"] and m["special_category_notices"] == {}


def test_a_release_that_names_hiv_releases_it_with_the_notice(cli, tmp_path):
    req = _copy(TPR, tmp_path, lambda d: d["consent"].update(information=["medical", "HIV"]))
    code, _ = cli("release", req, "--out", tmp_path / "out", "-q")
    assert code == 0
    text = "\n".join(release_texts(tmp_path / "out" / "release").values())
    hiv_sentence = next(v for v in _expected(TPR)["must_redact"] if "HIV" in v)
    assert readable(hiv_sentence, text)
    m = json.loads((tmp_path / "out" / "release" / "manifest.json").read_text())
    assert list(m["special_category_notices"]) == ["SPECIAL_HIV"] and "19a-585" in text


def test_special_passages_about_others_are_withheld_from_the_client(checked_sample):
    """The child (client) gets their own HIV test result, not the mother's methadone treatment or
    the father's psychiatric care; the parent gets her own and the child's, not the father's."""
    for src in (CLIENT, PARENT):
        (_, code, _), got = checked_sample(src.name)
        assert code == 0 and got["leaked"] == [] and got["missing"] == []


def test_reporter_identity_and_clues_by_requester(checked_sample):
    clue = "asked to remain anonymous"
    for src, allowed in ((PARENT, False), (LAW, True)):
        (_, code, _), got = checked_sample(src.name)
        assert code == 0
        text = "\n".join(got["texts"].values())       # release_texts of its release/
        reporter = yaml.safe_load((src / "request.yaml").read_text())["parties"][3]["name"]
        assert readable(reporter, text) is allowed
        assert readable(clue, text) is allowed


def test_acp_party_address_is_redacted_even_for_law_enforcement(checked_sample):
    (out, code, _), got = checked_sample(LAW.name)
    assert code == 0 and got["leaked"] == [] and got["missing"] == []
    log = [json.loads(line) for line in (out / "internal" / "redaction_log.jsonl").open()]
    assert any(e["reason"] == "AC" for e in log)


def test_ledger_lists_every_release_and_verify_catches_an_edit(cli, tmp_path):
    ledger = tmp_path / "ledger.jsonl"
    for src in (PARENT, TPR):
        assert cli("release", src, "--out", tmp_path / "out" / src.name, "-q", "--ledger", ledger)[0] in (0, 5)
    refused = _copy(TPR, tmp_path, lambda d: d["consent"].update(expires="2020-01-01"))
    assert cli("release", refused, "--out", tmp_path / "refused", "-q", "--ledger", ledger)[0] == 4
    entries = [json.loads(line) for line in ledger.open()]
    assert [e["request_id"] for e in entries] == ["2026-1873-parent-guardian", "2026-1880-third-party-release"]
    assert entries[1]["consent"]["reference"] == "ROI-1880" and entries[1]["purpose"] == "continuity of care"
    mother = yaml.safe_load((PARENT / "request.yaml").read_text())["parties"][1]["name"]
    code, output = cli("accounting", "--party", mother, "--json", "--ledger", ledger)
    listed = json.loads(output)["disclosures"]
    assert code == 0 and [d["request_id"] for d in listed] == ["2026-1873-parent-guardian"]
    assert listed[0]["records"] == 10 and all(len(d["output_sha256"]) == 64 for d in listed[0]["disclosed"])
    assert cli("accounting", "--verify", "--ledger", ledger)[0] == 0

    lines = ledger.read_text().splitlines()
    edited = json.loads(lines[0])
    edited["recipient"]["name"] = "Somebody Else"
    ledger.write_text("\n".join([json.dumps(edited, sort_keys=True), lines[1]]) + "\n")
    code, output = cli("accounting", "--verify", "--ledger", ledger)
    assert code == 8 and "entry 1" in output and "edited" in output
    # a release refuses to add to a broken ledger
    code, output = cli("release", PARENT, "--out", tmp_path / "again", "-q", "--ledger", ledger)
    assert code == 8 and not (tmp_path / "again" / "release").exists()

    ledger.write_text(lines[1] + "\n")   # first entry deleted
    code, output = cli("accounting", "--verify", "--ledger", ledger)
    assert code == 8 and "removed" in output

"""End to end: the CLI releases request folders, and the release reads back clean."""
from __future__ import annotations

import json

import pytest

from conftest import PRODUCTION_SAMPLE, SAMPLES, check_release

SAMPLE_IDS = sorted(p.name for p in (SAMPLES / "requests").iterdir())


def test_every_category_has_a_sample():
    cats = {json.loads((SAMPLES / "expected" / f"{i}.json").read_text()) and i.split("-", 2)[2] for i in SAMPLE_IDS}
    assert cats == {"parent-guardian", "client", "attorney-representative", "dcf-staff",
                    "assistant-attorney-general", "court", "medical-research", "third-party-release",
                    "law-enforcement", "public-health", "other"}


@pytest.mark.parametrize("rid", SAMPLE_IDS)
def test_sample_request_releases_clean(rid, cli, xray, tmp_path, request):
    if rid == PRODUCTION_SAMPLE:     # released once for the session (test_production.py reads it further)
        code, output, tmp_path = request.getfixturevalue("production_release")
    else:
        code, output = cli("release", SAMPLES / "requests" / rid, "--out", tmp_path, "-q")
    got = check_release(tmp_path, json.loads((SAMPLES / "expected" / f"{rid}.json").read_text()), xray)
    assert got["leaked"] == []
    assert got["missing"] == []
    assert got["xray"] == {}
    m = got["manifest"]
    withheld = [r for r in m["records"] if r["status"] == "withheld"]
    released = [r for r in m["records"] if r["status"] == "released"]
    assert all(r["pages"] >= 1 for r in released)
    assert m["recipe"]["sha256"] and m["legal_basis"] and m["redisclosure_notice"]
    if rid.endswith("third-party-release"):
        # the release names medical records only: the rest is withheld by policy, not for attention
        assert code == 0, output
        assert [r["information_category"] for r in released] == ["medical"]
        assert all("outside the consent" in r["reason"] and "needs_attention" not in r for r in withheld)
        assert m["status"] == "complete"
        return
    if rid == PRODUCTION_SAMPLE:
        # a .docx, a .jpg, a three-page .tif, an intake report and an e-mail thread whose Word
        # attachment appears twice: released once, the other place listed as its duplicate
        assert code == 0, output
        assert m["status"] == "complete" and withheld == []
        assert len(released) == 7 and [r["source"].rsplit(" > ", 1)[-1] for r in m["records"]
                                       if r["status"] == "duplicate"] == ["1. meeting_notes.docx"]
        assert all(r["bates"]["first"].startswith("DCF1884-") for r in released)
        return
    # every record is released, the e-mail as its message, attachment, forwarded message and that
    # message's own attachment, each linked to its parent
    assert code == 0, output
    assert m["status"] == "complete" and withheld == []
    assert len(released) == 10
    mail = [r for r in released if r["source"].startswith("records/correspondence/teacher_email.eml")]
    assert len(mail) == 4 and sum(1 for r in mail if "attached_to" in r) == 3


@pytest.fixture(scope="module")
def unseen(tmp_path_factory):
    """Case files with other people than the committed samples (another seed)."""
    from generate import generate

    root = tmp_path_factory.mktemp("unseen")
    ids = generate(root, seed=90210, extra_pages=25,
                   categories=["parent_guardian", "client", "medical_research", "third_party_release"])
    return root, ids


def test_unseen_people_release_clean(unseen, cli, xray, tmp_path):
    root, ids = unseen
    code, output = cli("release", root / "requests", "--out", tmp_path, "-q")
    assert code == 0, output
    for rid in ids:
        got = check_release(tmp_path / rid, json.loads((root / "expected" / f"{rid}.json").read_text()), xray)
        assert got["leaked"] == [], rid
        assert got["kept_ratio"] >= 0.98, (rid, got["missing"])
        assert got["xray"] == {}, rid


def test_research_release_keeps_no_identifier_of_anyone(unseen, cli, tmp_path):
    """Safe Harbor: every name is gone, staff included; dates lose everything but the year."""
    root, ids = unseen
    rid = next(i for i in ids if i.endswith("medical-research"))
    request = root / "requests" / rid
    code, _ = cli("release", request, "--out", tmp_path, "-q")
    assert code == 0
    import yaml
    from conftest import readable, release_texts
    parties = yaml.safe_load((request / "request.yaml").read_text())["parties"]
    text = "\n".join(release_texts(tmp_path / "release").values())
    for p in parties:
        for part in p["name"].split():
            assert not readable(part, text.replace("Pediatric Outcomes Study", "")), p["role"]


def test_foreign_names_and_layouts(cli, xray, tmp_path):
    """Names from other locales ("Lelièvre", "Jonás Narváez") in layouts the sample generator does
    not make: nothing of a third party readable, the family's names and the narrative kept."""
    from foreign_requests import run as make

    src = tmp_path / "src"
    cases = [(811, "parent_guardian", "fr_FR"), (812, "client", "es_MX"), (813, "medical_research", "de_DE"),
             (814, "parent_guardian", "en_IN"), (815, "client", "pl_PL"), (816, "medical_research", "pt_BR")]
    for seed, category, locale in cases:
        make(src, seed, category, locale)
    code, output = cli("release", src, "--out", tmp_path / "out", "-q")
    assert code == 0, output
    for seed, category, _ in cases:
        got = check_release(tmp_path / "out" / f"R{seed}", json.loads((src / f"R{seed}.json").read_text()), xray)
        assert got["leaked"] == [], (seed, category)
        assert got["missing"] == [], (seed, category)
        assert got["xray"] == {}

"""End to end: the CLI releases request folders, and the release reads back clean."""
from __future__ import annotations

import json
import re

import pytest

from conftest import PRODUCTION_SAMPLE, SAMPLES, check_release

SAMPLE_IDS = sorted(p.name for p in (SAMPLES / "requests").iterdir())


def test_every_category_has_a_sample():
    cats = {json.loads((SAMPLES / "expected" / f"{i}.json").read_text()) and i.split("-", 2)[2] for i in SAMPLE_IDS}
    assert cats == {"parent-guardian", "client", "attorney-representative", "dcf-staff",
                    "assistant-attorney-general", "court", "medical-research", "third-party-release",
                    "law-enforcement", "public-health", "other"}


@pytest.mark.parametrize("rid", SAMPLE_IDS)
def test_sample_request_releases_clean(rid, checked_sample):
    """The session's release of each sample (conftest.py: released once, by `redactkit check`),
    read back here with the tests' own extractors and x-ray."""
    (_, code, output), got = checked_sample(rid)
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
def unseen(tmp_path_factory, cli):
    """Case files with other people than the committed samples (another seed), released once as a
    batch for the tests below (which share an xdist worker for it)."""
    from generate import generate

    root = tmp_path_factory.mktemp("unseen")
    ids = generate(root, seed=90210, extra_pages=25,
                   categories=["parent_guardian", "client", "medical_research", "third_party_release"])
    out = tmp_path_factory.mktemp("unseen-out")
    code, output = cli("release", root / "requests", "--out", out, "-q")
    return root, ids, out, code, output


@pytest.mark.xdist_group("unseen")
def test_unseen_people_release_clean(unseen, xray):
    root, ids, out, code, output = unseen
    assert code == 0, output
    for rid in ids:
        got = check_release(out / rid, json.loads((root / "expected" / f"{rid}.json").read_text()), xray)
        assert got["leaked"] == [], rid
        assert got["kept_ratio"] >= 0.98, (rid, got["missing"])
        assert got["xray"] == {}, rid


@pytest.mark.xdist_group("unseen")
def test_research_release_keeps_no_identifier_of_anyone(unseen):
    """Safe Harbor: every name is gone, staff included; dates lose everything but the year."""
    root, ids, out, code, _ = unseen
    rid = next(i for i in ids if i.endswith("medical-research"))
    request = root / "requests" / rid
    assert code == 0
    import yaml
    from conftest import readable, release_texts
    parties = yaml.safe_load((request / "request.yaml").read_text())["parties"]
    text = "\n".join(release_texts(out / rid / "release").values())
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


def test_long_record_redacted_in_the_workers(tmp_path, xray):
    """A record long enough to have its pages redacted in the worker processes (plain text pages
    come back as their new contents; a page with a picture, a rotated page and a page with
    nothing to redact among them): nothing of a third party is readable to any extractor, the
    family's names and the narrative are kept, the page count and rotation stay, no page needed
    healing, and no copy of the unredacted record is left in internal/."""
    import pymupdf
    from conftest import kept, readable, release_texts
    from test_other_layouts import _request

    req = _request(tmp_path / "req")
    doc = pymupdf.open()
    for i in range(30):
        page = doc.new_page(width=612, height=792)
        if i == 9:
            page.insert_text((72, 100), "Page 10. The visit went well and nothing else happened.", fontsize=11)
            continue
        text = (f"Page {i + 1}. On March {i % 28 + 1}, 2025 the reporter Harold Vanderbilt-Oakes called about "
                f"Mateo. The neighbour Gustavo Lindqvist (phone 203-555-01{i:02d}) said the visit went well. ")
        page.insert_textbox(pymupdf.Rect(54, 54, 558, 400), text * 3, fontsize=10, fontname="tiro")
        if i == 4:
            pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 40, 40), False)
            pix.clear_with(200)
            page.insert_image(pymupdf.Rect(54, 500, 254, 700), pixmap=pix)
        if i == 6:
            page.set_rotation(90)
    doc.save(req / "records" / "investigation" / "long_notes.pdf")
    manifest = _released_with_workers(req, tmp_path / "out")
    [record] = manifest["records"]
    assert record["status"] == "released" and record["pages"] == 30
    assert manifest["totals"]["pages_healed"] == 0, "every page passed verification as first redacted"
    out = pymupdf.open(tmp_path / "out" / "release" / record["output"])
    assert [p.rotation for p in out] == [90 if i == 6 else 0 for i in range(30)]
    assert out[4].get_images(), "the picture on page 5 is kept"
    # each page carries its own Bates number, once (the pages are stamped while the workers detect,
    # and no later stage stamps them again), as PDFium reads it
    import pypdfium2

    prod = manifest["production"]
    pdf = pypdfium2.PdfDocument(str(tmp_path / "out" / "release" / record["output"]))
    for i in range(30):
        page_text = pdf[i].get_textpage().get_text_range()
        numbers = re.findall(re.escape(prod["prefix"]) + r"\d{%d}" % prod["digits"], page_text)
        assert numbers == [f"{prod['prefix']}{prod['start'] + i:0{prod['digits']}d}"], (i, numbers)
    pdf.close()
    texts = release_texts(tmp_path / "out" / "release")
    text = "\n".join(t for name, t in texts.items() if name.endswith(".pdf") or "(" in name)
    for value in ("Vanderbilt-Oakes", "Lindqvist", "203-555-0100", "203-555-0129", "203-555-0106"):
        assert not readable(value, text), value
    for value in ("Mateo", "The visit went well", "Page 10", "Page 30"):
        assert kept(value, text), value
    assert xray([tmp_path / "out" / "release" / record["output"]]) == {}
    assert not list((tmp_path / "out").rglob(".unredacted-*"))


def test_a_long_first_record_stamped_while_detected_and_the_next_numbered_after_it(tmp_path):
    """The first record of a request, long enough for the workers, is stamped while they detect;
    the record after it is stamped in its stamp stage: every page carries one Bates number, the
    second record's numbers follow the first's without a gap, and the manifest says so."""
    import pymupdf
    import pypdfium2
    from test_other_layouts import _request

    req = _request(tmp_path / "req")
    for name, pages in (("a_long_notes.pdf", 26), ("b_short_note.pdf", 2)):
        doc = pymupdf.open()
        for i in range(pages):
            doc.new_page().insert_textbox(pymupdf.Rect(54, 54, 558, 300), f"{name} page {i + 1}. The neighbour "
                                          f"Gustavo Lindqvist (phone 203-555-01{i:02d}) called about Mateo.", fontsize=10)
        doc.save(req / "records" / "investigation" / name)
    manifest = _released_with_workers(req, tmp_path / "out")
    prod = manifest["production"]
    number = lambda k: f"{prod['prefix']}{prod['start'] + k:0{prod['digits']}d}"     # noqa: E731
    seen = []
    for record in manifest["records"]:
        pdf = pypdfium2.PdfDocument(str(tmp_path / "out" / "release" / record["output"]))
        for page in pdf:
            seen.append(re.findall(re.escape(prod["prefix"]) + r"\d{%d}" % prod["digits"],
                                   page.get_textpage().get_text_range()))
        pdf.close()
    assert seen == [[number(k)] for k in range(28)]
    assert [r["bates"] for r in manifest["records"]] == [{"first": number(0), "last": number(25)},
                                                        {"first": number(26), "last": number(27)}]
    log = [json.loads(line) for line in (tmp_path / "out" / "internal" / "redaction_log.jsonl").open()]
    assert {(e["record"].rsplit("/", 1)[1], e["page"], e["bates"]) for e in log} == \
        {("a_long_notes.pdf", p, number(p - 1)) for p in range(1, 27)} | \
        {("b_short_note.pdf", p, number(25 + p)) for p in (1, 2)}


def _released_with_workers(req, out):
    """`redactkit release REQ --out OUT` in a process of its own with two detection workers (and
    their fork server); the manifest it wrote."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    env = {**os.environ, "REDACTKIT_WORKERS": "2", "REDACTKIT_LOG_KEY_FILE": str(out.parent / "k"),
           "REDACTKIT_LEDGER": str(out.parent / "ledger.jsonl"), "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-m", "redactkit", "release", str(req), "--out", str(out), "-q"],
                         capture_output=True, text=True, env=env, timeout=600, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
    return json.loads((out / "release" / "manifest.json").read_text())

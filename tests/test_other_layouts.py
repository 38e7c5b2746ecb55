"""Layouts the generator does not make: forms drawn with insert_text, ALL-CAPS and "SURNAME, First"
forms, titles, names split over lines, a two-column page, hidden text and document furniture."""
from __future__ import annotations

import json

import pymupdf
import yaml

from conftest import check_release


def _request(root, category="parent_guardian", parties=None, **extra):
    root.mkdir(parents=True, exist_ok=True)
    req = {"request_id": "T-1", "received": "2026-11-20",
           "requester": {"name": "Rosa Quintero", "category": category},
           "case": {"id": "DCF-2025-000417", "status": "open"},
           "parties": parties or [
               {"name": "Mateo Quintero", "role": "child", "aliases": ["Teo"]},
               {"name": "Rosa Quintero", "role": "parent"},
               {"name": "Harold Vanderbilt-Oakes", "role": "reporter"},
               {"name": "Priya Ramanathan", "role": "foster_parent"},
               {"name": "Gustavo Lindqvist", "role": "collateral"},
               {"name": "Naomi Fairweather", "role": "dcf_staff"}]}
    req.update(extra)
    (root / "request.yaml").write_text(yaml.safe_dump(req))
    (root / "records" / "investigation").mkdir(parents=True, exist_ok=True)
    return root


def _two_column_record(path):
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    left = ("REPORT OF HAROLD VANDERBILT-OAKES. VANDERBILT-OAKES, Harold called about Teo. Mr. Vanderbilt-Oakes "
            "asked to stay anonymous. Reach him at 203-555-0187 or hvo@mailbox.org.")
    right = ("Foster mother Priya Ramanathan, 48 Quarry Hill Road, Apt 2B, Meriden, CT 06450, phone "
             "(203) 555-0111. Ms. Ramanathan keeps Mateo's school records. Worker Naomi Fairweather visited "
             "Rosa Quintero. Neighbor Gustavo Lindqvist saw the incident. Mateo is doing well in school.")
    page.insert_textbox(pymupdf.Rect(50, 60, 290, 400), left, fontsize=10, fontname="cour")
    page.insert_textbox(pymupdf.Rect(320, 60, 560, 400), right, fontsize=10, fontname="helv")
    # invisible text (render mode 3) still counts as text
    page.insert_text((50, 500), "Hidden note: Gustavo Lindqvist", fontsize=9, render_mode=3)
    # document furniture that can carry names
    page.add_text_annot((500, 500), "Sticky note: call Harold Vanderbilt-Oakes")
    page.insert_link({"kind": pymupdf.LINK_URI, "from": pymupdf.Rect(50, 600, 200, 620),
                      "uri": "mailto:hvo@mailbox.org"})
    doc.embfile_add("notes.txt", b"Harold Vanderbilt-Oakes 203-555-0187")
    doc.set_metadata({"author": "Harold Vanderbilt-Oakes", "title": "Report by Priya Ramanathan"})
    doc.set_toc([[1, "Gustavo Lindqvist statement", 1]])
    doc.save(path)


MUST_REDACT = ["Vanderbilt-Oakes", "HAROLD VANDERBILT-OAKES", "203-555-0187", "hvo@mailbox.org",
               "Priya Ramanathan", "Ramanathan", "48 Quarry Hill Road", "Meriden, CT 06450", "(203) 555-0111",
               "Gustavo Lindqvist", "Lindqvist", "Harold"]
MUST_KEEP = ["Naomi Fairweather", "Rosa Quintero", "Mateo", "Teo", "keeps", "school records",
             "saw the incident", "is doing well in school"]


def test_two_column_form_with_furniture(cli, xray, tmp_path):
    req = _request(tmp_path / "req")
    _two_column_record(req / "records" / "investigation" / "report.pdf")
    code, output = cli("release", req, "--out", tmp_path / "out", "-q")
    assert code == 0, output
    got = check_release(tmp_path / "out", {"must_redact": MUST_REDACT, "must_keep": MUST_KEEP}, xray)
    assert got["leaked"] == []
    assert got["missing"] == []
    assert got["xray"] == {}
    out = pymupdf.open(tmp_path / "out" / "release" / "T-1-001.pdf")
    assert not any(out.metadata.get(k) for k in ("author", "title", "subject", "keywords"))
    assert out.embfile_count() == 0 and out.get_toc() == []
    assert all(p.first_annot is None and not p.get_links() for p in out)
    # nothing of it in the raw bytes of any object either (decompressed)
    raw = b"".join((out.xref_stream(x) or b"") + out.xref_object(x).encode() for x in range(1, out.xref_length()))
    for v in ("Vanderbilt", "Lindqvist", "Ramanathan", "mailbox.org"):
        assert v.encode() not in raw


def test_source_records_are_not_modified(cli, tmp_path):
    import hashlib
    req = _request(tmp_path / "req")
    src = req / "records" / "investigation" / "report.pdf"
    _two_column_record(src)
    before = hashlib.sha256(src.read_bytes()).hexdigest(), src.stat().st_mtime_ns
    cli("release", req, "--out", tmp_path / "out", "-q")
    assert (hashlib.sha256(src.read_bytes()).hexdigest(), src.stat().st_mtime_ns) == before


def test_file_names_that_name_people_are_sanitised_in_the_manifest(cli, tmp_path):
    req = _request(tmp_path / "req")
    _two_column_record(req / "records" / "investigation" / "Harold_Vanderbilt-Oakes_call.pdf")
    code, _ = cli("release", req, "--out", tmp_path / "out", "-q")
    assert code == 0
    manifest = (tmp_path / "out" / "release" / "manifest.json").read_text()
    assert "Vanderbilt" not in manifest and "Harold" not in manifest
    assert "[RI]" in json.loads(manifest)["records"][0]["source"]


def test_a_file_extension_is_never_redacted_in_the_manifest(cli, tmp_path):
    """A redacted value that is also a file's extension (a collateral called Tiff, a TIFF photo) is
    redacted from the file's name, not from its extension: the manifest still says what format
    each record is (a real case: "unicode.msg" became "unicode.[SH]")."""
    parties = [{"name": "Mateo Quintero", "role": "child"}, {"name": "Rosa Quintero", "role": "parent"},
               {"name": "Tiff Marlowe", "role": "collateral"}]
    req = _request(tmp_path / "req", parties=parties)
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=400)
    page.insert_textbox(pymupdf.Rect(40, 40, 572, 360), "Tiff called about Mateo on Monday. Tiff Marlowe said "
                        "Rosa Quintero was at home with Mateo all evening.", fontsize=16, fontname="tiro")
    page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY).pil_save(req / "records" / "investigation" / "tiff_visit.tiff")
    code, output = cli("release", req, "--out", tmp_path / "out", "-q")
    assert code == 0, output
    source = json.loads((tmp_path / "out" / "release" / "manifest.json").read_text())["records"][0]["source"]
    assert source.endswith("_visit.tiff") and "[TP]" in source, source

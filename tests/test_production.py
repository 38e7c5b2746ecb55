"""A production a records office can send (issue 16): the production sample released once and read
back with other tools than the one that wrote it: Bates numbers on every page (pdftotext), an
exemption log whose rows match the black boxes on the pages one to one (PyMuPDF's drawings of the
released files), a searchable text layer on every scanned page without any redacted value
(pdftotext), the duplicate attachment released once; and the parts on their own (stamps never
cover content, duplicates by text, the verifier reads a scan's text layer)."""
from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import unicodedata

import pymupdf
import pytest

from conftest import PRODUCTION_SAMPLE as RID
from conftest import SAMPLES, readable

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is needed")


@pytest.fixture(scope="module")
def released(production_release):
    code, output, out = production_release
    assert code == 0, output
    return out, json.loads((out / "release" / "manifest.json").read_text())


def _pdftotext(path, page: int | None = None) -> str:
    """poppler's text of the file (or one page), ligatures unfolded."""
    args = ["pdftotext"] + (["-f", str(page), "-l", str(page)] if page else []) + [str(path), "-"]
    return unicodedata.normalize("NFKC", subprocess.run(args, capture_output=True, text=True, check=True).stdout)


def _released(m: dict) -> list[dict]:
    return [r for r in m["records"] if r["status"] == "released"]


def test_every_page_carries_its_bates_number_in_order(released):
    out, m = released
    expected = 1
    legend = "CONFIDENTIAL - Conn. Gen. Stat. 17a-28 - no redisclosure"
    for r in _released(m):
        assert r["bates"]["first"] == f"DCF1884-{expected:06d}"
        for n in range(1, r["pages"] + 1):
            text = " ".join(_pdftotext(out / "release" / r["output"], n).split())
            assert f"DCF1884-{expected:06d}" in text, (r["source"], n)
            assert f"Page {n} of {r['pages']}" in text and legend in text
            expected += 1
        assert r["bates"]["last"] == f"DCF1884-{expected - 1:06d}"
    assert m["production"]["first"] == "DCF1884-000001" and m["production"]["last"] == f"DCF1884-{expected - 1:06d}"
    cover = " ".join(_pdftotext(out / "release" / "manifest.pdf").split())
    assert f"DCF1884-000001 - DCF1884-{expected - 1:06d}" in cover
    log = [json.loads(line) for line in (out / "internal" / "redaction_log.jsonl").open()]
    assert log and all(re.fullmatch(r"DCF1884-\d{6}", e["bates"]) for e in log if e["decision"] == "redact")


def _black_boxes(page: pymupdf.Page) -> int:
    return sum(1 for d in page.get_drawings() if d.get("fill") == (0.0, 0.0, 0.0)
               and d["rect"].width > 2 and d["rect"].height > 2)


def test_exemption_log_rows_match_the_boxes_one_to_one(released):
    out, m = released
    with (out / "release" / "exemption_log.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    per_page: dict[str, int] = {}
    for row in rows:
        if not row["withheld_in_full"]:
            per_page[row["bates"]] = per_page.get(row["bates"], 0) + 1
            assert row["reason_code"] in m["reason_codes"] and row["legal_basis"] and row["kind"]
    boxes: dict[str, int] = {}
    for r in _released(m):
        doc = pymupdf.open(out / "release" / r["output"])
        first = int(r["bates"]["first"].rsplit("-", 1)[1])
        for n, page in enumerate(doc):
            count = _black_boxes(page)
            if count:
                boxes[f"DCF1884-{first + n:06d}"] = count
    assert boxes == per_page
    assert sum(boxes.values()) == m["exemption_log"]["redactions"] > 20
    kinds = {row["kind"] for row in rows}
    assert {"name", "phone number"} <= {k for ks in kinds for k in ks.split(", ")}
    # the log says what kind of information, never the information
    expected = json.loads((SAMPLES / "expected" / f"{RID}.json").read_text())
    for name in ("exemption_log.csv", "exemption_log.pdf"):
        text = _pdftotext(out / "release" / name) if name.endswith(".pdf") else \
            (out / "release" / name).read_text(encoding="utf-8")
        assert not [v for v in expected["must_redact"] if readable(v, text)], name
    pdf = " ".join(_pdftotext(out / "release" / "exemption_log.pdf").split())
    assert all(b in pdf for b in per_page)


def test_a_long_exemption_log_laid_out_in_parts_elsewhere_reads_as_one(tmp_path):
    """A log longer than one layout part, laid out part by part in other processes (here: called
    one after the other) and joined: every row's Bates number in order, on as many pages as one
    layout in this process gives."""
    from types import SimpleNamespace

    from redactkit import exemptions

    reasons = {"TP": SimpleNamespace(label="Third-party identifying information", basis="C.G.S. 17a-28(b)")}
    total = exemptions.PART_ROWS * 2 + 500
    rows = [exemptions.Row(f"T-{n // 20 + 1:06d}", "T-001.pdf", n // 20 + 1, "TP", "Third-party", "name",
                           "C.G.S. 17a-28(b)", record_range="T-000001 - T-000126") for n in range(total)]
    called = []

    def spread(fn, tasks):
        called.append(len(tasks))
        return lambda: [fn(*t) for t in tasks]

    (tmp_path / "here").mkdir()
    (tmp_path / "apart").mkdir()
    exemptions.write(tmp_path / "here", "T", rows, reasons)
    exemptions.write(tmp_path / "apart", "T", rows, reasons, spread=spread)
    assert called == [3]
    here, apart = (_pdftotext(tmp_path / d / exemptions.PDF_NAME) for d in ("here", "apart"))
    assert re.findall(r"T-\d{6}", apart) == re.findall(r"T-\d{6}", here)
    assert len(re.findall(r"T-\d{6}", apart)) >= total
    assert apart.count("\f") == here.count("\f")


def test_scanned_pages_are_searchable_without_the_redacted_words(released):
    out, m = released
    expected = json.loads((SAMPLES / "expected" / f"{RID}.json").read_text())
    scans = [r for r in _released(m) if r["source"].endswith((".jpg", ".tif"))]
    assert [r["pages"] for r in scans] == [1, 3]
    for r in scans:
        for n in range(1, r["pages"] + 1):
            layer = _pdftotext(out / "release" / r["output"], n)
            words = [w for w in re.findall(r"[A-Za-z]{4,}", layer) if w not in ("Page", "CONFIDENTIAL", "Conn", "Stat",
                                                                                   "redisclosure")]
            assert len(words) >= 8, (r["source"], n)        # the text a reader can search and copy
            assert not [v for v in expected["must_redact"] if readable(v, layer)], (r["source"], n)
        # boxes on a scan blank whole glyphs: each (one found by verification and healed too) is
        # about as tall as the words of its page's text layer (OCR's boxes with their margins, not
        # shrunk as on a text PDF)
        for page in pymupdf.open(out / "release" / r["output"]):
            heights = sorted(d["rect"].height for d in page.get_drawings() if d.get("fill") == (0.0, 0.0, 0.0)
                             and d["rect"].width > 2 and d["rect"].height > 2)
            words = sorted(w[3] - w[1] for w in page.get_text("words") if w[4].isalpha() and len(w[4]) >= 4)
            assert heights and words and heights[0] >= 0.75 * words[len(words) // 2], \
                (r["source"], page.number, heights, words[len(words) // 2])
    letter = " ".join(_pdftotext(out / "release" / scans[0]["output"]).split())
    assert "The worker observed that the home had adequate food and working utilities." in letter


def test_the_attachment_forwarded_twice_is_released_once(released):
    out, m = released          # nothing leaked, nothing lost: test_release.py reads this release back
    notes = [r for r in m["records"] if r["source"].endswith("meeting_notes.docx")]
    assert [r["status"] for r in notes] == ["released", "duplicate"]
    dup = notes[1]["duplicate_of"]
    assert dup["source"] == notes[0]["source"] and dup["bates"] == notes[0]["bates"]
    assert "identical" in dup["found_by"] and notes[1]["output"] is None
    assert m["totals"]["duplicates"] == 1 and m["totals"]["withheld"] == 0
    texts = [" ".join(_pdftotext(out / "release" / r["output"]).split()) for r in _released(m)]
    assert sum("School meeting notes" in t for t in texts) == 1


def test_released_files_are_numbered_one_after_another(released):
    """The production sample has a duplicate among its records: the released files are still
    numbered 001, 002, ... without a gap (the duplicate takes no number), in the manifest's order."""
    out, m = released
    names = [r["output"] for r in _released(m)]
    assert names == [f"{RID}-{i:03d}.pdf" for i in range(1, len(names) + 1)]
    assert sorted(p.name for p in (out / "release").glob(f"{RID}-*.pdf")) == names


def test_an_exemption_log_that_would_carry_a_redacted_value_stops_the_release(cli, tmp_path, monkeypatch):
    """The log's PDF is read back (in a worker, while the manifest is written) and checked before
    anything goes out: a log whose text would carry a redacted value leaves no release, and the
    check sees the log's own text, read back from the file."""
    from redactkit import exemptions
    from test_other_layouts import _request

    req = _request(tmp_path / "req")
    doc = pymupdf.open()
    doc.new_page().insert_textbox(pymupdf.Rect(72, 72, 540, 300), "The neighbour Gustavo Lindqvist called "
                                  "about Mateo on Tuesday.", fontsize=11)
    doc.save(req / "records" / "investigation" / "a_letter.pdf")
    read = []
    real = exemptions.pdf_text

    def leaky(path):     # the log as read back, with a redacted name in it
        text = real(path)
        read.append(text)
        return text + "\nGustavo Lindqvist"

    monkeypatch.setattr(exemptions, "pdf_text", leaky)
    code, output = cli("release", req, "--out", tmp_path / "out", "-q")
    assert code != 0 and "exemption log (PDF) would carry a redacted value" in output, output
    assert len(read) == 1 and re.search(r"T-1-\d{6}", read[0]), "the log's own text, its Bates numbers in it"
    assert not (tmp_path / "out" / "release").exists()


def test_a_duplicate_or_a_withheld_record_takes_no_file_number(cli, tmp_path):
    from test_other_layouts import _request

    req = _request(tmp_path / "req")
    rec = req / "records" / "investigation"
    for name, text in (("a_letter.pdf", "The neighbour Gustavo Lindqvist called about Mateo on Tuesday."),
                       ("d_note.pdf", "Worker Naomi Fairweather visited Rosa Quintero at home.")):
        doc = pymupdf.open()
        doc.new_page().insert_textbox(pymupdf.Rect(72, 72, 540, 300), text, fontsize=11)
        doc.save(rec / name)
    shutil.copy(rec / "a_letter.pdf", rec / "b_copy.pdf")          # the same bytes: a duplicate
    (rec / "c_broken.pdf").write_bytes(b"%PDF-1.7\nnot a PDF after all")   # cannot be read: withheld
    code, output = cli("release", req, "--out", tmp_path / "out", "-q")
    assert code == 5, output
    m = json.loads((tmp_path / "out" / "release" / "manifest.json").read_text())
    rows = [(r["source"].rsplit("/", 1)[1], r["status"], r["output"], (r.get("bates") or {}).get("first"))
            for r in m["records"]]
    assert rows == [("a_letter.pdf", "released", "T-1-001.pdf", "T-1-000001"),
                    ("b_copy.pdf", "duplicate", None, None),
                    ("c_broken.pdf", "withheld", None, None),
                    ("d_note.pdf", "released", "T-1-002.pdf", "T-1-000002")]
    assert m["records"][1]["duplicate_of"]["bates"]["first"] == "T-1-000001"
    assert sorted(p.name for p in (tmp_path / "out" / "release").glob("T-1-*.pdf")) == ["T-1-001.pdf", "T-1-002.pdf"]


def test_a_record_withheld_after_it_was_numbered_gives_its_file_number_back():
    """Verification can withhold a record after its file was saved under its number: the next
    record released takes that number (as it takes the Bates numbers)."""
    from types import SimpleNamespace

    from redactkit.api import Job

    job = SimpleNamespace(files=[])
    a, b, c = (SimpleNamespace(outcome=None) for _ in range(3))
    assert Job.file_number(job, a) == 1
    a.outcome = SimpleNamespace(status="released")
    assert Job.file_number(job, b) == 2
    b.outcome = SimpleNamespace(status="withheld")       # failed verification: its file was removed
    assert Job.file_number(job, c) == 2


def test_word_tracked_changes_and_comments_are_released_redacted(released):
    out, m = released
    plan = next(r for r in _released(m) if r["source"].endswith("case_plan.docx"))
    text = " ".join(_pdftotext(out / "release" / plan["output"]).split())
    assert "at the agency office" in text                   # a tracked insertion
    assert "can be reached at" in text                      # a tracked deletion, shown, its name and phone redacted
    assert "about the evening visits" in text               # a comment
    assert "Participant Role Contact" in text               # the table


# --- the parts on their own ---------------------------------------------------------------------

def test_a_stamp_never_covers_content():
    from redactkit.bates import Settings, content_box, stamp_page

    s = Settings("P-", page_labels=True, legend="CONFIDENTIAL under a protective order of the court, case 42")
    doc = pymupdf.open()
    text = doc.new_page()                                      # text to the foot, a free head
    for y in range(210, 840, 12):
        text.insert_text((36, y), "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 2, fontsize=9)
    full = doc.new_page(width=400, height=600)                 # a scan: the picture is the whole page
    pix = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 400, 600), 0)
    pix.clear_with(180)
    full.insert_image(full.rect, pixmap=pix)
    turned = doc.new_page(width=400, height=600)
    turned.insert_image(turned.rect, pixmap=pix)
    turned.set_rotation(90)
    margin = doc.new_page()
    margin.insert_text((72, 100), "A short letter.", fontsize=11)
    for i, page in enumerate(doc):
        before = content_box(page)
        size = (page.rect.width, page.rect.height)
        st = stamp_page(page, s, i + 1, 1, 1)
        assert st.bates == f"P-{i + 1:06d}"
        area = before * page.derotation_matrix if page.rotation else before
        for rect in st.rects:
            assert not pymupdf.Rect(rect).intersects(area), i
        words = " ".join(w[4] for w in page.get_text("words"))
        assert st.bates in words and "Page 1 of 1" in words
        grew = (page.rect.width, page.rect.height) != size
        assert grew == (i in (1, 2)), i                       # only the scans had no margin to spare
        if i == 0:
            assert min(r[1] for r in st.rects) < 200           # the head, not the foot


def test_a_scan_box_takes_the_punctuation_of_its_word():
    """OCR gives a word's characters equal widths: in "8186." the period's share is too wide and
    the 6's right edge stands outside its share; the box covers the period as well."""
    from redactkit.apply import boxes_for
    from redactkit.types import Finding, PageText, Redaction

    text = "call 703-8186. Now"
    boxes = [(10.0 + 8 * i, 100.0, 18.0 + 8 * i, 112.0) for i in range(len(text))]
    pt = PageText(0, text, boxes, [0] * len(text), [110.0] * len(text), [12.0] * len(text), 612, 792, ocr=True)
    red = Redaction(Finding(0, 5, 13, "703-8186", "PHONE_NUMBER", 1.0, "test"), "redact", "PI")
    (box,) = boxes_for(pt, [red])
    assert box.rect[2] >= boxes[13][2] and box.rect[0] <= boxes[5][0]
    assert box.rect[2] < boxes[15][0]                        # "Now" stays readable


def test_same_text_is_a_duplicate_unless_the_pictures_differ(cli, tmp_path):
    from test_other_layouts import _request

    req = _request(tmp_path / "req")
    rec = req / "records" / "investigation"
    letter = "The neighbour Gustavo Lindqvist called about Mateo on Tuesday evening. Mateo is doing well."
    for name, meta, picture in (("letter.pdf", "a", False), ("copy_of_letter.pdf", "b", False),
                                ("signed_letter.pdf", "c", True)):
        doc = pymupdf.open()
        page = doc.new_page()
        page.insert_textbox(pymupdf.Rect(72, 72, 540, 300), letter, fontsize=11)
        if picture:
            pix = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 60, 20), 0)
            pix.clear_with(90)
            page.insert_image(pymupdf.Rect(72, 320, 252, 380), pixmap=pix)
        doc.set_metadata({"title": meta})
        doc.save(rec / name)
    code, output = cli("release", req, "--out", tmp_path / "out", "-q")
    assert code == 0, output
    m = json.loads((tmp_path / "out" / "release" / "manifest.json").read_text())
    status = {r["source"].rsplit("/", 1)[1]: r for r in m["records"]}
    assert status["copy_of_letter.pdf"]["status"] == "released"       # first in release order
    assert status["letter.pdf"]["status"] == "duplicate"
    assert status["letter.pdf"]["duplicate_of"]["found_by"] == "the same text on every page"
    assert status["signed_letter.pdf"]["status"] == "released"        # the signature makes it another document
    assert [r["bates"]["first"] for r in m["records"] if r["status"] == "released"] == ["T-1-000001", "T-1-000002"]


def test_the_verifier_reads_a_scan_text_layer(tmp_path):
    from redactkit.types import Finding, Redaction
    from redactkit.verify import Expected, verify

    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    pix = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 612, 792), 0)
    pix.clear_with(255)
    page.insert_image(page.rect, pixmap=pix)
    # a layer that kept a redacted name: invisible text over the picture
    page.insert_text((72, 100), "Mateo met Gustavo Lindqvist", fontsize=11, render_mode=3)
    path = tmp_path / "scan.pdf"
    doc.save(path)
    source = "Mateo met Gustavo Lindqvist"
    red = Redaction(Finding(0, 10, 27, "Gustavo Lindqvist", "PERSON", 1.0, "test"), "redact", "TP")
    expected = Expected(page_count=1, pages={0: source}, redactions={0: [red]}, boxes=[], ocr_pages={0})
    problems = verify(path, expected)
    assert any(p.kind == "value_readable" and p.engine in ("pdfium", "mupdf") for p in problems)


def test_a_redacted_surname_in_the_stamp_wording_is_not_taken_for_a_leak(cli, tmp_path):
    """A reporter named Page, in a release with page labels ("Page 1 of 1") and a legend naming
    Bates: the stamp is not a leak, and nothing in it is redacted."""
    from test_other_layouts import _request

    req = _request(tmp_path / "req", parties=[{"name": "Mateo Quintero", "role": "child"},
                                              {"name": "Rosa Quintero", "role": "parent"},
                                              {"name": "Nora Page", "role": "reporter"},
                                              {"name": "Ivo Bates", "role": "collateral"}])
    doc = pymupdf.open()
    doc.new_page().insert_textbox(pymupdf.Rect(72, 72, 540, 400), "Nora Page called the Careline about Mateo. "
                                  "Ms. Page said that Ivo Bates saw him alone. Mateo is doing well at school.",
                                  fontsize=11)
    doc.save(req / "records" / "investigation" / "intake.pdf")
    code, output = cli("release", req, "--out", tmp_path / "out", "-q", "--page-labels", "--legend",
                       "Bates-numbered production; Page labels per record")
    assert code == 0, output
    m = json.loads((tmp_path / "out" / "release" / "manifest.json").read_text())
    assert m["totals"]["pages_withheld"] == 0 and m["totals"]["pages_healed"] == 0
    out = tmp_path / "out" / "release" / "T-1-001.pdf"
    text = " ".join(_pdftotext(out).split())
    assert "Page 1 of 1" in text and "T-1-000001" in text and "Bates-numbered production" in text
    assert "doing well at school" in text and "called the Careline about Mateo" in text
    assert not readable("Nora Page", text) and not readable("Ivo Bates", text) and "Ms. Page" not in text
    rows = list(csv.DictReader((tmp_path / "out" / "release" / "exemption_log.csv").open(encoding="utf-8")))
    assert len(rows) == _black_boxes(pymupdf.open(out)[0])
    # a legend that names the reporter is refused: it would be printed on every page
    code, output = cli("release", req, "--out", tmp_path / "out2", "-q", "--legend", "Re: report by Nora Page")
    assert code != 0 and "legend" in output and not (tmp_path / "out2" / "release").exists()

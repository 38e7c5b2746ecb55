"""The verifier must fail a document whose redaction only covers, or that still carries a value:
each check answers with typed problems (kind, page, engine, reason codes), never with a value."""
from __future__ import annotations

import pymupdf

from redactkit.apply import boxes_for, redact_page, sanitise, save
from redactkit.ingest.pdf import page_text
from redactkit.types import Finding, Redaction
from redactkit.verify import Expected, verify


def verify_pdf(path, pages, redactions, boxes, redetect=None, ocr_pages=frozenset()):
    """The verifier's problems, as one line each (what a manifest would say)."""
    problems = verify(path, Expected(len(pages), pages, redactions, boxes, set(ocr_pages)), redetect)
    return problems, "; ".join(str(p) for p in problems)

LINE = "The reporter Harold Vanderbilt called on Monday about the children."


def _source(tmp_path):
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 100), LINE, fontsize=11, fontname="tiro")
    path = tmp_path / "src.pdf"
    doc.save(path)
    return pymupdf.open(path)


def _plan(doc):
    pt = page_text(doc[0])
    start = pt.text.index("Harold Vanderbilt")
    red = Redaction(Finding(0, start, start + len("Harold Vanderbilt"), "Harold Vanderbilt", "PERSON", 1.0, "t",
                            "Harold Vanderbilt", "reporter"), "redact", "RI")
    return pt, [red], boxes_for(pt, [red])


def test_true_redaction_passes(tmp_path):
    doc = _source(tmp_path)
    pt, reds, boxes = _plan(doc)
    redact_page(doc[0], boxes)
    sanitise(doc)
    save(doc, tmp_path / "out.pdf")
    assert verify_pdf(tmp_path / "out.pdf", {0: pt.text}, {0: reds}, boxes)[0] == []
    text = pymupdf.open(tmp_path / "out.pdf")[0].get_text()
    assert "Vanderbilt" not in text and "called on Monday" in text


def test_black_box_over_text_is_caught(tmp_path):
    doc = _source(tmp_path)
    pt, reds, boxes = _plan(doc)
    doc[0].draw_rect(pymupdf.Rect(boxes[0].rect), color=(0, 0, 0), fill=(0, 0, 0))  # covered, not removed
    save(doc, tmp_path / "out.pdf")
    problems, said = verify_pdf(tmp_path / "out.pdf", {0: pt.text}, {0: reds}, boxes)
    assert "text under 1 box" in said
    assert {(p.kind, p.page, p.codes) for p in problems} >= {("text_under_box", 0, ("RI",))}


def test_both_readers_place_characters_alike_on_any_page_box(tmp_path):
    """PDFium's characters are placed where MuPDF's are on a page whose media box does not start at
    0 0 (pdf.js's 160F form: read a line off, its labels' neighbours looked like text under the
    boxes) and on a rotated page (read off the page, text under a box went unseen)."""
    import pypdfium2 as pdfium

    from redactkit.verify import _mupdf_chars, _pdfium_chars

    for media, rotation in (("[-12 12 583 853]", 0), ("[100 50 700 900]", 90), ("[0 0 612 792]", 270)):
        doc = pymupdf.open()
        page = doc.new_page()
        page.insert_text((100, 200), "Xq", fontsize=20)
        doc.xref_set_key(page.xref, "MediaBox", media)
        doc.xref_set_key(page.xref, "CropBox", media)
        page.set_rotation(rotation)
        data = doc.tobytes()
        m = next(c for c in _mupdf_chars(pymupdf.open("pdf", data)[0]) if c[0] == "X")
        p = next(c for c in _pdfium_chars(pdfium.PdfDocument(data)[0]) if c[0] == "X")
        assert abs(m[1] - p[1]) < 1 and abs(m[3] - p[3]) < 1 and m[2] - 1 < p[2] < p[4] < m[4] + 1, (media, m, p)


def test_value_left_elsewhere_on_the_page_is_caught(tmp_path):
    doc = _source(tmp_path)
    pt, reds, boxes = _plan(doc)
    redact_page(doc[0], boxes)
    doc[0].insert_text((72, 300), "footer: Harold Vanderbilt", fontsize=3, color=(1, 1, 1))  # tiny white text
    save(doc, tmp_path / "out.pdf")
    problems, said = verify_pdf(tmp_path / "out.pdf", {0: pt.text}, {0: reds}, boxes)
    assert "still readable" in said
    assert {p.kind for p in problems} == {"value_readable"} and {p.page for p in problems} == {0}


def test_metadata_and_redetection_are_checked(tmp_path):
    doc = _source(tmp_path)
    pt, reds, boxes = _plan(doc)
    redact_page(doc[0], boxes)
    doc.set_metadata({"author": "Harold Vanderbilt"})
    doc[0].insert_text((72, 400), "Call 860-555-0199", fontsize=9)
    # written as it stands: apply.save rebuilds a release from its pages alone (no metadata left)
    doc.save(tmp_path / "out.pdf", garbage=4, deflate=True)
    leak = Redaction(Finding(0, 0, 1, "x", "PHONE_NUMBER", 1.0, "t"), "redact", "PI")
    problems, said = verify_pdf(tmp_path / "out.pdf", {0: pt.text}, {0: reds}, boxes,
                                redetect=lambda text, page: [leak] if "860-555-0199" in text else [])
    assert "metadata remains" in said and "re-detection found 1" in said
    assert "Vanderbilt" not in said and "860" not in said
    assert {p.kind for p in problems} >= {"metadata", "redetected"}


def test_boxes_stay_on_their_line(tmp_path):
    """A name wrapped over two lines gets one box per line; the lines above and below survive."""
    doc = pymupdf.open()
    page = doc.new_page(width=200, height=300)
    page.insert_textbox(pymupdf.Rect(20, 20, 180, 200), "Above line text here. The reporter was Harold "
                        "Vanderbilt who lives nearby and called. Below line text stays.", fontsize=11)
    pt = page_text(page)
    start = pt.text.index("Harold")
    end = pt.text.index("Vanderbilt") + len("Vanderbilt")
    red = Redaction(Finding(0, start, end, pt.text[start:end], "PERSON", 1, "t", "H", "reporter"), "redact", "RI")
    boxes = boxes_for(pt, [red])
    assert len(boxes) == len({pt.lines[i] for i in range(start, end) if pt.boxes[i]})
    before = page.get_text()
    redact_page(page, boxes)
    after = page.get_text()
    assert "Harold" not in after and "Vanderbilt" not in after
    removed = set(before.split()) - set(after.split())
    assert removed <= {"Harold", "Vanderbilt", "Harold Vanderbilt"}


def test_scan_covered_but_not_blanked_is_caught(tmp_path):
    """On a scan, a black rectangle over the pixels is not a redaction: the image still holds them."""
    from redactkit.ingest.pdf import read_pages
    from test_scans import LETTER, _scan_pdf

    _scan_pdf(tmp_path / "scan.pdf", LETTER)
    doc = pymupdf.open(tmp_path / "scan.pdf")
    (pt,) = read_pages(doc)
    assert pt.ocr
    start = pt.text.index("Gustavo")
    red = Redaction(Finding(0, start, start + len("Gustavo Lindqvist"), "Gustavo Lindqvist", "PERSON", 1, "t",
                            "G", "collateral"), "redact", "TP")
    boxes = boxes_for(pt, [red])
    for b in boxes:   # covered only
        doc[0].draw_rect(pymupdf.Rect(b.rect), color=(0, 0, 0), fill=(0, 0, 0))
    save(doc, tmp_path / "covered.pdf")
    problems, said = verify_pdf(tmp_path / "covered.pdf", {0: pt.text}, {0: [red]}, boxes, ocr_pages={0})
    assert "scan pixels remain under a box" in said


def _redacted_scan(tmp_path, shrink_right: float = 0.0):
    """A scanned letter with "Gustavo Lindqvist" redacted in its pixels (the box cut short on the
    right by `shrink_right` of its width); returns the verifier's view of it."""
    from redactkit.ingest.pdf import read_pages
    from test_scans import LETTER, _scan_pdf

    _scan_pdf(tmp_path / "scan.pdf", LETTER)
    doc = pymupdf.open(tmp_path / "scan.pdf")
    (pt,) = read_pages(doc)
    start = pt.text.index("Gustavo")
    red = Redaction(Finding(0, start, start + len("Gustavo Lindqvist"), "Gustavo Lindqvist", "PERSON", 1, "t",
                            "G", "collateral"), "redact", "TP")
    boxes = boxes_for(pt, [red])
    for b in boxes:
        x0, y0, x1, y1 = b.rect
        b.rect = (x0, y0, x1 - shrink_right * (x1 - x0), y1)
    source = doc.tobytes()
    redact_page(doc[0], boxes)
    sanitise(doc)
    return doc, pt, red, boxes, source


def test_a_scan_is_verified_where_it_changed(tmp_path, monkeypatch):
    """Where the released scan's pixels outside the boxes are the source's, only the lines holding
    boxes are read again by OCR: a name half outside its box is found there. Where they differ (a
    JPEG decoded by MuPDF, a mask in an ICC colour space), the whole page is read again."""
    from redactkit.ingest import scan

    read = []
    for name in ("bands", "whole"):
        real = getattr(scan.Reader, name)
        monkeypatch.setattr(scan.Reader, name,
                            lambda self, n, rects, real=real, name=name: read.append(name) or real(self, n, rects))
    doc, pt, red, boxes, source = _redacted_scan(tmp_path)
    save(doc, tmp_path / "ok.pdf")
    expected = Expected(1, {0: pt.text}, {0: [red]}, boxes, {0}, scan_source=source)
    assert verify(tmp_path / "ok.pdf", expected) == [] and read == ["bands"]
    # changed elsewhere: the name written again as pixels (in the letter's typeface), far from any box
    words = pymupdf.open()
    words.new_page(width=300, height=40).insert_text((10, 28), "Gustavo Lindqvist", fontsize=20, fontname="tiro")
    doc[0].insert_image(pymupdf.Rect(300, 650, 500, 677), pixmap=words[0].get_pixmap(dpi=200))
    save(doc, tmp_path / "changed.pdf")
    read.clear()
    problems = verify(tmp_path / "changed.pdf", expected)
    assert read == ["whole"] and ("value_readable", "ocr") in {(p.kind, p.engine) for p in problems}
    doc, pt, red, boxes, source = _redacted_scan(tmp_path, shrink_right=0.6)
    save(doc, tmp_path / "short.pdf")
    surname = Redaction(Finding(0, 0, 9, "Lindqvist", "PERSON", 1, "roster"), "redact", "TP")
    problems = verify(tmp_path / "short.pdf", Expected(1, {0: pt.text}, {0: [red]}, boxes, {0}, scan_source=source),
                      redetect=lambda text, page: [surname] if "Lindqvist" in text else [])
    assert ("redetected", "ocr") in {(p.kind, p.engine) for p in problems}


def test_a_verification_after_healing_reads_again_only_the_scans_that_changed(tmp_path, monkeypatch):
    """What OCR read on a scanned page at the last verification is carried to the next one for
    the pages healing did not change; a page it changed is read again."""
    from redactkit.ingest import scan

    read = []
    real = scan.Reader.bands
    monkeypatch.setattr(scan.Reader, "bands", lambda self, n, rects: read.append([n]) or real(self, n, rects))
    doc, pt, red, boxes, source = _redacted_scan(tmp_path)
    save(doc, tmp_path / "ok.pdf")
    reads: dict[int, str] = {}
    assert verify(tmp_path / "ok.pdf", Expected(1, {0: pt.text}, {0: [red]}, boxes, {0}, scan_source=source),
                  reads_out=reads) == []
    assert read == [[0]] and "Lindqvist" not in reads[0] and reads[0].strip()
    read.clear()
    known = {0: reads[0] + "\nGustavo Lindqvist" * 2}     # as if it had read the name twice more
    again = Expected(1, {0: pt.text}, {0: [red]}, boxes, {0}, scan_source=source, ocr_known=known)
    problems = verify(tmp_path / "ok.pdf", again)
    assert read == [] and ("value_readable", "ocr") in {(p.kind, p.engine) for p in problems}

"""Scanned pages and images: read by OCR, redacted in their pixels, never released unread."""
from __future__ import annotations

import json

import pymupdf
import pytest

from conftest import check_release, ocr_text, readable
from test_other_layouts import _request

LETTER = ("Dear worker,\n\nMy name is Gustavo Lindqvist and I live next door at 48 Quarry Hill Road. "
          "Call me at 203-555-0111.\n\nMateo was alone on the porch again last night. "
          "The porch light was off and he was crying.\n\nSincerely,\nGustavo Lindqvist")
MUST_REDACT = ["Gustavo Lindqvist", "Lindqvist", "48 Quarry Hill Road", "203-555-0111"]
MUST_KEEP = ["Mateo was alone on the porch again last night", "The porch light was off and he was crying"]


def _pixels(text: str, dpi: int = 200) -> pymupdf.Pixmap:
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_textbox(pymupdf.Rect(72, 90, 540, 700), text, fontsize=12, fontname="tiro")
    return page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)


def _scan_pdf(path, text, hidden_layer: str | None = None):
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_image(page.rect, pixmap=_pixels(text))
    if hidden_layer is not None:   # an earlier, wrong OCR layer: invisible text over the image
        page.insert_textbox(pymupdf.Rect(72, 90, 540, 700), hidden_layer, fontsize=12, render_mode=3)
    doc.save(path)


def test_scanned_letter_is_read_and_redacted_in_its_pixels(cli, xray, tmp_path):
    req = _request(tmp_path / "req")
    _scan_pdf(req / "records" / "investigation" / "letter.pdf", LETTER)
    code, output = cli("release", req, "--out", tmp_path / "out", "-q")
    assert code == 0, output
    got = check_release(tmp_path / "out", {"must_redact": MUST_REDACT, "must_keep": MUST_KEEP}, xray)
    assert any(name.endswith("(ocr)") for name in got["texts"])
    assert got["leaked"] == [] and got["missing"] == [] and got["xray"] == {}
    # searchable: an invisible text layer from the OCR, without the redacted words
    layer = pymupdf.open(tmp_path / "out" / "release" / "T-1-001.pdf")[0].get_text()
    assert "porch light was off" in " ".join(layer.split())
    assert not any(readable(v, layer) for v in MUST_REDACT)


def test_an_existing_ocr_layer_is_not_trusted(cli, tmp_path):
    req = _request(tmp_path / "req")
    _scan_pdf(req / "records" / "investigation" / "letter.pdf", LETTER, hidden_layer="nothing to see here " * 20)
    assert cli("release", req, "--out", tmp_path / "out", "-q")[0] == 0
    out = tmp_path / "out" / "release" / "T-1-001.pdf"
    text = pymupdf.open(out)[0].get_text()
    assert "nothing to see" not in text
    seen = ocr_text(out)
    assert not readable("Gustavo Lindqvist", seen) and "porch light was off" in " ".join(seen.split())


@pytest.mark.parametrize("fmt", ["png", "jpg"])
def test_standalone_image_becomes_a_redacted_pdf(cli, tmp_path, fmt):
    req = _request(tmp_path / "req")
    (req / "records" / "investigation" / f"photo_of_letter.{fmt}").write_bytes(_pixels(LETTER).tobytes(fmt))
    code, output = cli("release", req, "--out", tmp_path / "out", "-q")
    assert code == 0, output
    seen = ocr_text(tmp_path / "out" / "release" / "T-1-001.pdf")
    assert not any(readable(v, seen) for v in MUST_REDACT)
    assert "porch light was off" in " ".join(seen.split())


def test_unreadable_scans_are_withheld(cli, tmp_path, monkeypatch):
    req = _request(tmp_path / "req")
    rec = req / "records" / "investigation"
    noise = pymupdf.open()
    page = noise.new_page()
    import random
    rnd = random.Random(7)
    pix = pymupdf.Pixmap(pymupdf.csGRAY, pymupdf.IRect(0, 0, 850, 1100), 0)
    pix.set_rect(pix.irect, (255,))
    for _ in range(60000):
        pix.set_pixel(rnd.randrange(850), rnd.randrange(1100), (0,))
    page.insert_image(page.rect, pixmap=pix)
    noise.save(rec / "noise.pdf")
    code, _ = cli("release", req, "--out", tmp_path / "a", "-q")
    m = json.loads((tmp_path / "a" / "release" / "manifest.json").read_text())
    assert code == 5 and m["records"][0]["status"] == "withheld" and "OCR" in m["records"][0]["reason"]

    _scan_pdf(rec / "letter.pdf", LETTER)
    monkeypatch.setenv("REDACTKIT_OCR", "off")
    code, _ = cli("release", req, "--out", tmp_path / "b", "-q")
    m = json.loads((tmp_path / "b" / "release" / "manifest.json").read_text())
    assert code == 5 and {r["status"] for r in m["records"]} == {"withheld"}
    assert all("OCR" in r["reason"] for r in m["records"])
    assert [p.name for p in (tmp_path / "b" / "release").iterdir() if p.name.startswith("T-1")] == []


def _drawn_face(size: int = 200):
    """A synthetic face (no real person) that OpenCV's frontal-face cascade detects."""
    import cv2
    import numpy as np
    img = np.full((size * 2, size * 2), 230, np.uint8)
    c = (size, size)
    cv2.ellipse(img, c, (int(size * 0.42), int(size * 0.55)), 0, 0, 360, 170, -1)
    for dx in (-1, 1):
        cv2.ellipse(img, (c[0] + dx * int(size * 0.17), c[1] - int(size * 0.12)),
                    (int(size * 0.09), int(size * 0.045)), 0, 0, 360, 40, -1)
        cv2.line(img, (c[0] + dx * int(size * 0.08), c[1] - int(size * 0.24)),
                 (c[0] + dx * int(size * 0.27), c[1] - int(size * 0.26)), 60, int(size * 0.03))
    cv2.line(img, (c[0], c[1] - int(size * 0.05)), (c[0] - int(size * 0.04), c[1] + int(size * 0.12)), 110,
             int(size * 0.02))
    cv2.ellipse(img, (c[0], c[1] + int(size * 0.27)), (int(size * 0.16), int(size * 0.05)), 0, 0, 360, 70, -1)
    return cv2.imencode(".png", cv2.GaussianBlur(img, (9, 9), 3))[1].tobytes()


def test_faces_in_a_scan_are_blanked_for_research(cli, tmp_path):
    from redactkit.detect.faces import find_faces

    src = pymupdf.open()
    page = src.new_page(width=612, height=792)
    page.insert_textbox(pymupdf.Rect(72, 72, 540, 300), LETTER, fontsize=12, fontname="tiro")
    page.insert_image(pymupdf.Rect(200, 420, 412, 632), stream=_drawn_face())
    pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
    scan = pymupdf.open()
    scan.new_page(width=612, height=792).insert_image(pymupdf.Rect(0, 0, 612, 792), pixmap=pix)
    req = _request(tmp_path / "req", category="medical_research")
    scan.save(req / "records" / "investigation" / "report_with_photo.pdf")
    assert find_faces(scan[0]), "the synthetic face must be detectable before redaction"

    code, output = cli("release", req, "--out", tmp_path / "out", "-q")
    assert code == 0, output
    out = pymupdf.open(tmp_path / "out" / "release" / "T-1-001.pdf")
    assert find_faces(out[0]) == []
    seen = ocr_text(tmp_path / "out" / "release" / "T-1-001.pdf")
    assert not any(readable(v, seen) for v in MUST_REDACT)
    log = [json.loads(line) for line in (tmp_path / "out" / "internal" / "redaction_log.jsonl").open()]
    assert [e["entity"] for e in log if e["entity"] == "FACE"] == ["FACE"]


def test_the_verifier_reads_whole_lines_around_boxes():
    """The read-back of a released scan takes the lines that hold boxes, widened to the gaps
    between lines: a band cut through a neighbouring line reads half-glyphs as words ("Alavir
    thames matin"), which the verifier's name rules then take for people on every page."""
    import numpy as np

    from redactkit.ingest import scan

    text = "\n".join(f"Line {i} of a letter from the neighbour, Mrs Alvarez, about the child." for i in range(30))
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    page.insert_textbox(pymupdf.Rect(72, 72, 540, 720), text, fontsize=11, fontname="tiro")
    scanned = pymupdf.open()
    scanned.new_page(width=612, height=792).insert_image(pymupdf.Rect(0, 0, 612, 792),
                                                          pixmap=page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY))
    words = [w for w in page.get_text("words") if w[4] == "Alvarez,"]
    rects = [(w[0], w[1] - 1, w[2], w[3] + 1) for w in words[3:6]]
    zoom = scan.ocr_dpi(scanned[0]) / 72          # as _blanked renders the page
    pix = scan._blanked(scanned[0], rects)
    blank = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n).min(axis=(1, 2)) >= scan.INK
    bands = scan._band_rows(blank, rects, zoom)
    assert bands and all(blank[y0] and blank[y1] for y0, y1 in bands)        # no line is cut
    for r in rects:        # and each still holds at least half a line above and below its box
        h = r[3] - r[1]
        assert any(y0 <= int((r[1] - 0.6 * h) * zoom) and int((r[3] + 0.6 * h) * zoom) + 1 <= y1 for y0, y1 in bands)
    assert pymupdf.Pixmap(scan._bands_png(scanned[0], rects)).height > sum(y1 - y0 for y0, y1 in bands)


def test_ocr_words_joined_to_the_pronoun_are_parted_and_stay_parted_in_the_text_layer():
    """Tesseract reads "I am" and "and I" set close together as "Iam" and "andI", which read as
    names ("Iam" is one in the name lists); the space is put back (names that start so stay),
    and the text layer writes a space after each word, so that PDFium does not join them again."""
    import pypdfium2 as pdfium

    from redactkit.ingest import scan
    from redactkit.textlayer import write_layer
    from redactkit.types import PageText

    assert scan.unjoined("Iam writing andI live; thatI saw. Ido Cohen, Ian, Irene and IMAGE.") == \
        "I am writing and I live; that I saw. Ido Cohen, Ian, Irene and IMAGE."
    text, boxes, x = "", [], 72.0
    for word in ("and", "I", "live", "near"):         # words 0.3 pt apart: read as one by gaps alone
        for ch in word:
            boxes.append((x, 100.0, x + 6, 112.0)); text += ch; x += 6
        boxes.append(None); text += " "; x += 0.3
    pt = PageText(0, text, boxes, [0 if b else -1 for b in boxes], [110.0 if b else 0.0 for b in boxes],
                  [12.0 if b else 0.0 for b in boxes], 612, 792, ocr=True)
    doc = pymupdf.open()
    doc.new_page(width=612, height=792)
    assert write_layer(doc[0], pt, [], []) == 4
    read = pdfium.PdfDocument(doc.tobytes())[0].get_textpage().get_text_range()
    assert read.split() == ["and", "I", "live", "near"]


def test_tesseract_messages_stay_off_the_console(tmp_path):
    """Tesseract writes its own messages on a page it reads poorly ("Line cannot be recognized!!",
    "Image too small to scale!!", "Warning: Invalid resolution 33 dpi") straight to file descriptor
    2. `release` and `check`, in a process of their own as a user runs them, show none of them:
    every OCR call (reading a scan, in this process and in the OCR workers, the verifier's,
    healing's, check's) is made with descriptor 2 pointed elsewhere. A hook in every process makes
    each OCR call write such a message there as Tesseract does (which messages Tesseract writes
    depends on the page: a scanned page 120 inches wide, read at 33 dpi, makes it warn of the
    resolution, but `check` would render that page at 300 dpi, 11 GB)."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    req = _request(tmp_path / "req")
    rec = req / "records" / "investigation"
    scans = pymupdf.open()          # two pages: read (and verified) by the OCR worker processes
    for _ in range(2):
        page = scans.new_page(width=612, height=792)
        page.insert_image(page.rect, pixmap=_pixels(LETTER))
    scans.save(rec / "letters.pdf")
    _scan_pdf(rec / "letter.pdf", LETTER)       # one page: read in this process

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os\n"
        "import pymupdf\n"
        "def _noisy(fn):\n"
        "    def call(*a, **k):\n"
        "        os.write(2, b'Line cannot be recognized!!\\n')\n"
        "        return fn(*a, **k)\n"
        "    return call\n"
        "pymupdf.Page.get_textpage_ocr = _noisy(pymupdf.Page.get_textpage_ocr)\n"
        "pymupdf.Pixmap.pdfocr_save = _noisy(pymupdf.Pixmap.pdfocr_save)\n"
        "pymupdf.Pixmap.pdfocr_tobytes = _noisy(pymupdf.Pixmap.pdfocr_tobytes)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)]),
           "REDACTKIT_LOG_KEY_FILE": str(tmp_path / "k"), "REDACTKIT_LEDGER": str(tmp_path / "ledger.jsonl"),
           "REDACTKIT_OCR_WORKERS": "2"}
    runs = {"release": ["release", str(req), "--out", str(tmp_path / "out"), "-q"],
            "check": ["check", str(req), "--expected", str(tmp_path / "expected"), "--update", "-q"]}
    for name, args in runs.items():
        res = subprocess.run([sys.executable, "-m", "redactkit", *args], capture_output=True, text=True, env=env,
                             timeout=600, check=False)
        assert res.returncode in (0, 5), (name, res.stdout + res.stderr)
        for message in ("Line cannot be recognized", "Invalid resolution", "Image too small", "Traceback"):
            assert message not in res.stderr, (name, res.stderr)
    m = json.loads((tmp_path / "out" / "release" / "manifest.json").read_text())
    status = {r["source"].rsplit("/", 1)[-1]: r["status"] for r in m["records"]}
    assert status == {"letters.pdf": "released", "letter.pdf": "released"}    # read by OCR, and verified
    assert (tmp_path / "expected" / "req.json").exists()                 # check read the release back

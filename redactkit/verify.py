"""Stage 6: verify, fail closed. Re-open every output and prove the redacted text is gone.

Independent reads: PDFium (pypdfium2, Google's PDF engine, shares no code with MuPDF), qpdf
(pikepdf: every object of the file) and a fresh PyMuPDF open of the saved file. Each check is a
small function returning typed `Problem`s (kind, page, engine, reason codes); `verify` runs them
all and returns the list, and the caller decides (the pipeline heals, or withholds the page or
the record). The checks:
- `check_structure`: the output opens in every engine, with the source's page count;
- `check_metadata`: no document information, no XMP;
- `check_objects`: no annotation, form, link, file, script or outline left in any object, and no
  string a reader or program can find (Info, XMP, bookmarks, /ActualText, /Alt, /TU, /T,
  /Contents, file names, page labels, optional-content names, ...) carries a redacted value,
  compared word-bounded as in page text; PDF names, operators, numbers and raw content-stream
  bytes are syntax, not text, and are never compared;
- `check_under_boxes`: no character under a redaction box, in either engine (redactkit's own
  reason labels are recognised by where they were drawn, not by their letters);
- `check_values`: a redacted value is not readable more often than the source showed it in
  places that were kept, in either engine (OCR of the pixels on a scan);
- `check_redetect`: the verifier's own second detection (roster and patterns) finds nothing on
  the released text that the recipe would redact;
- `check_scan`: on a scanned page, blank pixels under every box; its invisible text layer (the
  OCR with the redacted words removed, see redactkit.textlayer) is read like any text by
  `check_values` and `check_redetect`, and the pixels are read again by OCR;
- `check_slip`: a page replaced by a slip sheet says what the slip sheet says (and its Bates
  stamp), nothing more.
Each page's Bates stamp (redactkit.bates) is known: re-detection masks it, OCR reads the page
with it blanked.
Problems name pages, kinds and reason codes, never values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Literal

import pikepdf
import pymupdf
import pypdfium2 as pdfium

from .apply import RedactionBox
from .text import ValueIndex, norm, reading, value_pattern
from .types import Redaction

Kind = Literal["unreadable", "page_count", "metadata", "active_content", "object_value", "text_under_box",
               "value_readable", "redetected", "scan_text_layer", "scan_pixels", "scan_ocr", "slip_sheet"]
DOCUMENT_KINDS = {"unreadable", "page_count", "metadata", "active_content", "object_value"}
COVERED = 0.5   # a character this much under a box counts as "under" it (x-ray uses 0.8)
BAND = 8.0      # points: characters indexed by vertical band
Char = tuple[str, float, float, float, float]   # c, x0, y0, x1, y1 (top-left origin)

# keys (or name values) that make a PDF do or carry something besides its page content
_FORBIDDEN = {"/JavaScript", "/JS", "/EmbeddedFile", "/EmbeddedFiles", "/Annots", "/AcroForm", "/URI", "/Launch",
              "/OpenAction", "/RichMedia", "/XFA", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/Outlines",
              "/AA", "/FileAttachment"}


@dataclass(frozen=True)
class Problem:
    """One thing verification found wrong. `values` and `findings` are for healing only and are
    never shown; `str()` is what a manifest or console may say."""

    kind: Kind
    page: int | None = None          # 0-based; None: the whole document
    engine: str = ""                 # the reader that saw it: mupdf, pdfium, ocr, qpdf
    codes: tuple[str, ...] = ()      # reason codes of the redactions involved
    detail: str = ""
    values: tuple[str, ...] = field(default=(), repr=False, compare=False)
    findings: tuple[Redaction, ...] = field(default=(), repr=False, compare=False)
    where: tuple = field(default=(), repr=False, compare=False)   # object_value: ((objnum, gen), key path)

    def __str__(self) -> str:
        return (f"page {self.page + 1}: " if self.page is not None else "") + self.detail


@dataclass
class Expected:
    """What the verifier compares the output with."""

    page_count: int
    pages: dict[int, str]                          # each page's text as read from the source
    redactions: dict[int, list[Redaction]]         # per page: what was decided (redact or keep)
    boxes: list[RedactionBox]
    ocr_pages: set[int] = field(default_factory=set)
    slips: dict[int, str] = field(default_factory=dict)   # pages replaced by a slip sheet: its text
    stamps: dict = field(default_factory=dict)            # page -> bates.Stamp (its texts and rects)
    scan_source: bytes | None = field(default=None, repr=False)   # the scanned pages before redaction (a PDF)
    # what OCR read on scanned pages at an earlier verification of this file, for the pages that
    # have not changed since (healing changes a few pages): not read again
    ocr_known: dict[int, str] = field(default_factory=dict, repr=False)

    def values(self, page: int) -> set[str]:
        return {r.finding.text for r in self.redactions.get(page, ())
                if r.decision == "redact" and any(c.isalnum() for c in r.finding.text)}

    def all_values(self) -> set[str]:
        return {v for p in self.redactions for v in self.values(p)}


Redetect = Callable[[str, int], list[Redaction]]
# Runs fn(*task) for each task, perhaps in other processes; returns a callable that waits for the
# results in order (redactkit.detect.pool.spread). The verifier's own code runs there, on its own
# read of the saved file: only where it runs changes.
Spread = Callable[[Callable, list[tuple]], Callable[[], list]]
SPREAD_MIN = 24      # pages: a record this long has its pages checked in parts, spread
SPREAD_PARTS = 6


def verify(path: Path, expected: Expected, redetect: Redetect | None = None,
           spread: Spread | None = None, reads_out: dict[int, str] | None = None) -> list[Problem]:
    """Every problem of the saved PDF at `path`; an empty list means it may be released. With
    `spread`, a long record's pages are checked in parts at once (the document-level checks run
    here meanwhile); the problems are the same, in the same order. `reads_out` receives what OCR
    read on each scanned page (see Expected.ocr_known)."""
    try:
        doc = pymupdf.open(path)
        pdf = pdfium.PdfDocument(str(path))
        pike = pikepdf.open(path)
    except Exception:
        return [Problem("unreadable", detail="the output cannot be re-opened")]
    try:
        problems = check_structure(doc, pdf, pike, expected)
        if problems:
            return problems
        problems += check_metadata(doc, pike)
        read_problems: list[Problem] = []
        ocr_reads = _ocr_reads(doc, pdf, expected, read_problems)
        if reads_out is not None:
            reads_out.update(ocr_reads)
        pages = list(range(doc.page_count))
        pending = None
        if spread is not None and len(pages) >= SPREAD_MIN:
            size = -(-len(pages) // SPREAD_PARTS)
            parts = [pages[i:i + size] for i in range(0, len(pages), size)]
            pending = spread(_check_pages_of, [(str(path), _part(expected, part),
                                                {n: ocr_reads[n] for n in part if n in ocr_reads}, redetect, part)
                                               for part in parts])
        problems += check_objects(pike, expected.all_values())
        problems += read_problems
        if pending is not None:
            for found in pending():
                problems += found
        else:
            problems += _check_pages(doc, pdf, pages, expected, ocr_reads, redetect)
        return problems
    finally:
        doc.close()
        pdf.close()
        pike.close()


def _check_pages(doc, pdf, pages: list[int], expected: Expected, ocr_reads: dict[int, str],
                 redetect: Redetect | None) -> list[Problem]:
    """The checks of each page: slip sheets; text under boxes; scans (their text layer, then what
    OCR reads); values; the second detection. A page's Bates stamp is no text of the record."""
    problems: list[Problem] = []
    for n in pages:
        stamp = expected.stamps.get(n)
        parts = stamp.texts if stamp else ()
        if n in expected.slips:
            problems += check_slip(n, doc, pdf, expected.slips[n], parts)
            continue
        page, pdf_page = doc[n], pdf[n]           # each engine's page read once, for all the checks
        text_page = pdf_page.get_textpage()
        try:
            texts = {"pdfium": _unstamped(text_page.get_text_range(), parts),
                     "mupdf": _unstamped(page.get_text(), parts)}
            boxes = [b for b in expected.boxes if b.page == n]
            problems += check_under_boxes(n, page, pdf_page, boxes, text_page)
        finally:
            text_page.close()
        if n in expected.ocr_pages:
            problems += check_scan(n, page, texts["pdfium"], boxes)
            problems += check_values(n, texts, expected)            # the text layer
            if redetect is not None:
                problems += check_redetect(n, texts["pdfium"], redetect)
            if n not in ocr_reads:
                continue
            texts = {"ocr": ocr_reads[n]}
        problems += check_values(n, texts, expected)
        if redetect is not None:
            engine = "pdfium" if "pdfium" in texts else "ocr"
            problems += check_redetect(n, texts[engine], redetect, engine)
    return problems


def _check_pages_of(path: str, expected: Expected, ocr_reads: dict[int, str], redetect: Redetect | None,
                    pages: list[int]) -> list[Problem]:
    """_check_pages on a fresh read of the saved file (in a worker process)."""
    doc = pymupdf.open(path)
    try:
        pdf = pdfium.PdfDocument(path)
        try:
            return _check_pages(doc, pdf, pages, expected, ocr_reads, redetect)
        finally:
            pdf.close()
    finally:
        doc.close()


def _part(expected: Expected, pages: list[int]) -> Expected:
    """What the checks of these pages compare with (and nothing more, to send it elsewhere)."""
    keep = set(pages)
    return Expected(page_count=expected.page_count,
                    pages={n: t for n, t in expected.pages.items() if n in keep},
                    redactions={n: r for n, r in expected.redactions.items() if n in keep},
                    boxes=[b for b in expected.boxes if b.page in keep],
                    ocr_pages={n for n in expected.ocr_pages if n in keep},
                    slips={n: t for n, t in expected.slips.items() if n in keep},
                    stamps={n: t for n, t in expected.stamps.items() if n in keep})


# --- the checks ------------------------------------------------------------------------------

def check_structure(doc, pdf, pike, expected: Expected) -> list[Problem]:
    counts = {doc.page_count, len(pdf), len(pike.pages)}
    if len(counts) != 1 or doc.page_count != expected.page_count:
        return [Problem("page_count", engine="mupdf/pdfium/qpdf",
                        detail="page count differs between engines or from the source")]
    return []


def check_metadata(doc: pymupdf.Document, pike: pikepdf.Pdf) -> list[Problem]:
    info = {k: v for k, v in (doc.metadata or {}).items() if k not in ("format", "encryption") and v}
    if info or doc.get_xml_metadata() or "/Metadata" in pike.Root or len(pike.docinfo):
        return [Problem("metadata", engine="mupdf/qpdf", detail="document information or XMP metadata remains")]
    return []


def check_objects(pike: pikepdf.Pdf, values: set[str]) -> list[Problem]:
    """Active content anywhere, and redacted values in any string a reader or program can find:
    every string of every object (decoded), the marked-content properties of page content
    (/ActualText, /Alt, /E), and XML streams (XMP)."""
    index = ValueIndex(v for v in values if sum(c.isalnum() for c in v) >= 3)
    problems: list[Problem] = []
    active = set()

    def strings(obj, path: tuple, depth: int = 0):
        if depth > 40:
            return
        if isinstance(obj, pikepdf.Dictionary) or isinstance(obj, pikepdf.Stream):
            try:
                keys = list(obj.keys())
            except UnicodeDecodeError:   # a key that is not UTF-8: syntax, not text
                keys = []
            for key in keys:
                value = obj.get(key)
                if key in _FORBIDDEN and not _is_null(value):
                    active.add(key)
                if isinstance(value, pikepdf.Name) and _name(value) in _FORBIDDEN:
                    active.add(_name(value))
                if isinstance(value, pikepdf.Object) and not value.is_indirect:
                    yield from strings(value, path + (key,), depth + 1)
        elif isinstance(obj, pikepdf.Array):
            for i, item in enumerate(obj):
                if isinstance(item, pikepdf.Object) and not item.is_indirect:
                    yield from strings(item, path + (i,), depth + 1)
        elif isinstance(obj, pikepdf.String):
            yield path, str(obj)

    for obj in pike.objects:
        if not isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream, pikepdf.Array, pikepdf.String)):
            continue
        own = obj.objgen
        for path, text in strings(obj, ()):
            found = _carried(text, index)
            if found:
                problems.append(Problem("object_value", engine="qpdf", detail="a PDF string object carries a "
                                        "redacted value", values=found, where=(own, path)))
        if isinstance(obj, pikepdf.Stream) and index:
            problems += _stream_strings(obj, index)
    if active:
        problems.insert(0, Problem("active_content", engine="qpdf", detail="annotations, form fields, links, "
                                   "attachments, scripts or outlines remain (" + ", ".join(sorted(active)) + ")"))
    return problems


def _stream_strings(stream: pikepdf.Stream, index) -> list[Problem]:
    """XML (XMP) streams, and the marked-content properties of content streams."""
    kind = stream.get("/Type"), stream.get("/Subtype")
    try:
        if kind[0] == "/Metadata" or kind[1] == "/XML":
            found = _carried(stream.read_bytes().decode("utf-8", "replace"), index)
            return [Problem("object_value", engine="qpdf", detail="an XML stream carries a redacted value",
                            values=found, where=(stream.objgen, ("stream",)))] if found else []
        data = None
        if "/Length" in stream and (kind[1] == "/Form" or "/Subtype" not in stream):
            data = stream.read_bytes()
        if not data or not any(k in data for k in (b"/ActualText", b"/Alt", b"/E ", b"/E(", b"/E<")):
            return []
        found = []
        for operands, op in pikepdf.parse_content_stream(stream):
            if str(op) not in ("BDC", "DP"):
                continue
            for operand in operands:
                if isinstance(operand, pikepdf.Dictionary):
                    for key in ("/ActualText", "/Alt", "/E"):
                        values = _carried(str(operand.get(key, "")), index) if key in operand else ()
                        if values:
                            found.append(Problem("object_value", engine="qpdf", detail="marked content "
                                                 f"({key}) carries a redacted value", values=values,
                                                 where=(stream.objgen, ("content", key))))
        return found
    except Exception:
        return []


def _carried(text: str, index: ValueIndex) -> tuple[str, ...]:
    """The redacted values readable in a string, word-bounded."""
    return tuple(dict.fromkeys(v for _, _, v in index.finditer(reading(text)))) if index and text else ()


def _name(value: pikepdf.Name) -> str:
    try:
        return str(value)
    except UnicodeDecodeError:
        return ""


def _is_null(value) -> bool:
    """Null (pikepdf reads a key whose value is null as absent) or an empty array or dictionary."""
    return value is None or (isinstance(value, (pikepdf.Array, pikepdf.Dictionary)) and len(value) == 0)


def check_under_boxes(n: int, page: pymupdf.Page, pdf_page, boxes: list[RedactionBox],
                      text_page=None) -> list[Problem]:
    """Characters under a box, in either engine. A box's own reason label (and a neighbour's that
    reaches over it) is known by where it was drawn and what it says. `text_page`: PDFium's text
    of the page when it was read already."""
    if not boxes:
        return []
    labels = [(b.label_rect, b.label) for b in boxes if b.label_rect and b.label]
    problems = []
    for engine, chars in (("mupdf", _mupdf_chars(page)), ("pdfium", _pdfium_chars(pdf_page, text_page))):
        hidden = _hiding(chars, boxes, labels)
        if hidden:
            problems.append(Problem("text_under_box", n, engine, tuple(sorted({b.reason for b in hidden})),
                                    f"text under {len(hidden)} box(es) ({engine})"))
    return problems


def _hiding(chars: list[Char], boxes: list[RedactionBox], labels) -> list[RedactionBox]:
    """The boxes with a readable character under them that is no label: what `_under` and
    `_is_label` say of each box, for all characters at once (the same arithmetic on each
    character's box, in arrays)."""
    import numpy as np

    keep = [ch for ch in chars if not ch[0].isspace() and ch[3] > ch[1] and ch[4] > ch[2]]
    if not keep:
        return []
    a = np.array([ch[1:] for ch in keep], dtype=np.float64)
    cx0, cy0, cx1, cy1 = a[:, 0], a[:, 1], a[:, 2], a[:, 3]
    area = COVERED * (cx1 - cx0) * (cy1 - cy0)
    # a label's character: its centre inside where a label was drawn, and one of that label's letters
    label = np.zeros(len(keep), dtype=bool)
    if labels:
        cx, cy = (cx0 + cx1) / 2, (cy0 + cy1) / 2
        r = np.array([rect for rect, _ in labels], dtype=np.float64)[:, :, None]
        inside = (r[:, 0] - 0.5 <= cx) & (cx <= r[:, 2] + 0.5) & (r[:, 1] - 0.5 <= cy) & (cy <= r[:, 3] + 0.5)
        for i, j in zip(*np.nonzero(inside)):
            if not label[j] and keep[j][0] in labels[i][1]:
                label[j] = True
    b = np.array([box.rect for box in boxes], dtype=np.float64)[:, :, None]
    w = np.minimum(b[:, 2], cx1) - np.maximum(b[:, 0], cx0)
    h = np.minimum(b[:, 3], cy1) - np.maximum(b[:, 1], cy0)
    hidden = ((w > 0) & (h > 0) & (w * h >= area) & ~label).any(axis=1)
    return [box for box, x in zip(boxes, hidden) if x]


def check_values(n: int, texts: dict[str, str], expected: Expected) -> list[Problem]:
    """A redacted value may be readable only as often as the source showed it outside every
    redacted span (a name kept in one place and redacted in another)."""
    values = expected.values(n)
    if not values:
        return []
    spans = [(r.finding.start, r.finding.end) for r in expected.redactions.get(n, ())
             if r.decision == "redact" and r.finding.start >= 0]
    outside = _blanked(expected.pages.get(n, ""), spans)
    codes = {r.finding.text: r.reason for r in expected.redactions.get(n, ()) if r.decision == "redact"}
    problems = []
    for engine, text in texts.items():
        read = reading(text)
        low = norm(read)
        leaked = []
        for value in values:
            if not all(w in low for w in norm(value).split()):
                continue
            rx = value_pattern(value)
            if len(rx.findall(read)) > len(rx.findall(outside)):
                leaked.append(value)
        if leaked:
            problems.append(Problem("value_readable", n, engine, tuple(sorted({codes[v] for v in leaked})),
                                    f"{len(leaked)} redacted value(s) still readable ({engine})", values=tuple(leaked)))
    return problems


def check_redetect(n: int, text: str, redetect: Redetect, engine: str = "pdfium") -> list[Problem]:
    found = redetect(text, n)
    if not found:
        return []
    codes = tuple(sorted({r.reason for r in found}))
    return [Problem("redetected", n, engine, codes, f"re-detection found {len(found)} value(s) to redact "
                    f"({','.join(codes)})", values=tuple(r.finding.text for r in found), findings=tuple(found))]


def check_scan(n: int, page: pymupdf.Page, pdfium_text: str, boxes: list[RedactionBox]) -> list[Problem]:
    """A scan: the pixels under every box are blank. (Its text layer, the OCR without the
    redacted words, is read by check_values and check_redetect like any page's text.)"""
    from .ingest.scan import pixels_blank_under

    problems = []
    codes = {b.reason for b in boxes}
    try:
        blank = pixels_blank_under(page, [b.rect for b in boxes])
    except Exception:
        blank = False
    if not blank:
        problems.append(Problem("scan_pixels", n, "mupdf", tuple(sorted(codes)), "scan pixels remain under a box"))
    return problems


def check_slip(n: int, doc, pdf, slip_text: str, stamp: tuple[str, ...] = ()) -> list[Problem]:
    for engine, text in (("mupdf", doc[n].get_text()), ("pdfium", _pdfium_text(pdf[n]))):
        read = norm(text)
        for part in reversed(stamp):      # the page's Bates stamp, once each, after the slip's text
            at = read.rfind(norm(part))
            if at >= 0:
                read = read[:at] + " " + read[at + len(norm(part)):]
        if norm(read) != norm(slip_text):
            return [Problem("slip_sheet", n, engine, detail=f"the slip sheet carries other text ({engine})")]
    return []


# --- reading ---------------------------------------------------------------------------------

def _ocr_reads(doc, pdf, expected: Expected, problems: list[Problem]) -> dict[int, str]:
    """What OCR can read on the released scans. With the pages as they were before redaction at
    hand, a page is read only where it changed: where its pixels outside the boxes are exactly the
    source's (rendered by PDFium, not the MuPDF that redacted them), only the lines that hold boxes
    are read again by OCR (a glyph's remnant beside a box would show there). Without them, or
    where the pixels outside differ, the whole page is read again: MuPDF writes the images it
    redacts decoded (a JPEG's pixels as its decoder saw them, an image with a mask in an ICC
    colour space), so a photo or a mixed-raster scan renders a little differently everywhere."""
    pages = sorted(expected.ocr_pages - set(expected.slips))
    known = {n: expected.ocr_known[n] for n in pages if n in expected.ocr_known}
    pages = [n for n in pages if n not in known]
    if not pages:
        return known
    from .ingest import scan
    boxes = {n: [b.rect for b in expected.boxes if b.page == n] for n in pages}
    stamps = {n: list(getattr(expected.stamps.get(n), "rects", ())) for n in pages}
    try:
        # each page's reading starts as soon as its pixels are compared: the OCR workers read the
        # first pages while the next are compared here
        reader = scan.Reader(doc, len(pages))
        if expected.scan_source is None:
            for n in pages:
                reader.whole(n, boxes[n] + stamps[n])
            return {**known, **reader.results()}
        source = pdfium.PdfDocument(expected.scan_source)
        try:
            for n in pages:
                if _same_outside(pdf[n], source[n], boxes[n] + stamps[n]):
                    # the stamp blanked too where a line with boxes is read (OCR could misread its number)
                    reader.bands(n, boxes[n] + (stamps[n] if boxes[n] else []))
                else:
                    reader.whole(n, boxes[n] + stamps[n])
        finally:
            source.close()
        return {**known, **reader.results()}
    except Exception:
        problems.extend(Problem("scan_ocr", n, "ocr", detail="the released scan cannot be read back by OCR")
                        for n in pages)
        return {}


RENDER_DPI = 100


def _same_outside(page, source_page, rects) -> bool:
    """Whether the released page renders exactly as the source page outside the boxes (a margin
    of two pixels around each)."""
    import numpy as np

    def grey(p):
        a = p.render(scale=RENDER_DPI / 72, grayscale=True).to_numpy()
        return a.reshape(a.shape[0], a.shape[1], -1)[:, :, 0].astype(np.int16)
    a, b = grey(page), grey(source_page)
    if a.shape != b.shape:
        # a page made taller for its Bates stamp: the source's part of it is at the top (or, on a
        # page turned 180 or 270 degrees, at the bottom); the stamp's strip is not the source's
        if a.shape[1] != b.shape[1] or a.shape[0] < b.shape[0]:
            return False
        return any(_same_outside_array(part, b, rects, z0)
                   for part, z0 in ((a[:b.shape[0]], 0), (a[a.shape[0] - b.shape[0]:], a.shape[0] - b.shape[0])))
    return _same_outside_array(a, b, rects, 0)


def _same_outside_array(a, b, rects, offset: int) -> bool:
    import numpy as np

    keep = np.ones(a.shape, bool)
    z = RENDER_DPI / 72
    for x0, y0, x1, y1 in rects:
        keep[max(0, int(y0 * z) - 2 - offset):max(0, int(y1 * z) + 3 - offset),
             max(0, int(x0 * z) - 2):int(x1 * z) + 3] = False
    return not (np.abs(a - b)[keep] > 32).any()


def _unstamped(text: str, parts: tuple[str, ...]) -> str:
    """The page's text without its Bates stamp (each part once, the last place it stands): a
    surname such as Page or Bates is not read in "Page 2 of 3" or the number's prefix."""
    for part in parts:
        at = text.rfind(part)
        if at >= 0:
            text = text[:at] + " " * len(part) + text[at + len(part):]
    return text


def _pdfium_text(page) -> str:
    tp = page.get_textpage()
    try:
        return tp.get_text_range()
    finally:
        tp.close()


def _mupdf_chars(page: pymupdf.Page) -> list[Char]:
    from .ingest.pdf import _FLAGS
    out = []
    for block in page.get_text("rawdict", flags=_FLAGS)["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                out.extend((ch["c"], *ch["bbox"]) for ch in span["chars"])
    return out


def _pdfium_chars(page, text_page=None) -> list[Char]:
    """PDFium's characters with their boxes, in MuPDF's page coordinates (from the crop box's
    top-left corner: a page whose box does not start at 0,0, such as one made taller for its
    Bates stamp): each character asked for by its index (the text of the whole page does not map
    to indexes one to one: generated line breaks, astral characters). PDFium's own calls, with
    one set of boxes reused: the per-call wrapper costs more than PDFium. `text_page`: the page's
    text as PDFium read it already (left open)."""
    import ctypes

    tp = text_page or page.get_textpage()
    x0, _, _, y1 = page.get_bbox()    # the crop box within the media box, as MuPDF takes it
    out = []
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    refs = tuple(ctypes.byref(v) for v in (left, right, bottom, top))
    unicode, charbox = _pdfium_calls()
    try:
        handle = ctypes.c_void_p(ctypes.cast(tp.raw, ctypes.c_void_p).value)
        for i in range(tp.count_chars()):
            code = unicode(handle, i)
            if not charbox(handle, i, *refs):
                raise pdfium.PdfiumError("Failed to get charbox.")
            c = chr(code) if 0 < code < 0x110000 else "?"
            out.append((c, left.value - x0, y1 - top.value, right.value - x0, y1 - bottom.value))
    finally:
        if text_page is None:
            tp.close()
    return out


@lru_cache(maxsize=1)
def _pdfium_calls():
    """PDFium's FPDFText_GetUnicode and FPDFText_GetCharBox as plain C calls. pypdfium2's
    bindings convert every argument through its declared type, which costs twice what PDFium
    does here (295,000 characters: 0.83 s for the boxes, 0.29 s as plain calls). The arguments
    passed are what C takes: the text page's pointer, the index as an int, pointers to doubles."""
    import ctypes

    import pypdfium2.raw as raw

    def plain(fn, restype):
        return ctypes.CFUNCTYPE(restype)(ctypes.cast(fn, ctypes.c_void_p).value)
    return plain(raw.FPDFText_GetUnicode, ctypes.c_uint), plain(raw.FPDFText_GetCharBox, ctypes.c_int)


def _is_label(ch: Char, labels) -> bool:
    cx, cy = (ch[1] + ch[3]) / 2, (ch[2] + ch[4]) / 2
    return any(r[0] - 0.5 <= cx <= r[2] + 0.5 and r[1] - 0.5 <= cy <= r[3] + 0.5 and ch[0] in text
               for r, text in labels)


def _index(chars: list[Char]) -> dict[int, list[Char]]:
    bands: dict[int, list[Char]] = {}
    for ch in chars:
        if ch[0].isspace() or ch[3] <= ch[1] or ch[4] <= ch[2]:
            continue
        for b in range(int(ch[2] // BAND), int(ch[4] // BAND) + 1):
            bands.setdefault(b, []).append(ch)
    return bands


def _under(bands: dict[int, list[Char]], box: RedactionBox) -> list[Char]:
    """The readable characters under the box: at least COVERED of each one's area inside it."""
    x0, y0, x1, y1 = box.rect
    seen, out = set(), []
    for b in range(int(y0 // BAND), int(y1 // BAND) + 1):
        for ch in bands.get(b, ()):
            if id(ch) in seen:
                continue
            seen.add(id(ch))
            w = min(x1, ch[3]) - max(x0, ch[1])
            h = min(y1, ch[4]) - max(y0, ch[2])
            if w > 0 and h > 0 and w * h >= COVERED * (ch[3] - ch[1]) * (ch[4] - ch[2]) and ch[0].strip():
                out.append(ch)
    return out


def _blanked(source_text: str, redacted_spans: list[tuple[int, int]]) -> str:
    """The source page as a reader could read it outside every redacted span."""
    chars = list(source_text)
    for s, e in redacted_spans:
        for i in range(s, min(e, len(chars))):
            if not chars[i].isspace():
                chars[i] = "\x00"
    return reading("".join(chars)).replace("\x00", "#")

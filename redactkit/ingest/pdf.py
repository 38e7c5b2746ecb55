"""Read a text-layer PDF: page text with one box per character.

Annotations and form fields are baked into page content first, so that what they show is
detected and redacted like any other text (a form value can itself be PHI). Characters outside
the page's media box are read too: hidden text is still text.
"""
from __future__ import annotations

import re

import pymupdf

from ..types import PageText, Record
from . import Unreadable, scan

# Ligatures off: the analyzer must see "fi", not U+FB01. Whitespace kept, clipping off.
_FLAGS = (pymupdf.TEXTFLAGS_RAWDICT & ~pymupdf.TEXT_PRESERVE_LIGATURES & ~pymupdf.TEXT_MEDIABOX_CLIP
          & ~pymupdf.TEXT_PRESERVE_IMAGES)

pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)


# A page whose drawings (nested form XObjects) would make MuPDF walk more than this many units of
# content (about one per 10 bytes of content stream) is withheld: reading it could take minutes.
# 5,000,000 units read in about 5 s here; an ordinary dense page is under 100,000.
MAX_PAGE_WORK = 5_000_000
_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")


def open_pdf(record: Record, passwords: tuple[str, ...] = ()) -> pymupdf.Document:
    """Open a PDF for redaction, or raise Unreadable with the reason. An encrypted PDF is opened
    with the first of `passwords` that works (from --password-file)."""
    try:
        data = record.data if record.data is not None else record.path.read_bytes()
        doc = pymupdf.open(stream=data, filetype="pdf")
    except (pymupdf.FileDataError, pymupdf.EmptyFileError, RuntimeError, ValueError):
        raise Unreadable("damaged PDF: cannot be opened") from None
    if doc.needs_pass and not any(doc.authenticate(pw) for pw in passwords):
        doc.close()
        raise Unreadable("encrypted PDF (a password is needed to open it)" if not passwords else
                         "encrypted PDF: none of the passwords in --password-file opens it")
    if doc.is_repaired:
        doc.close()
        raise Unreadable("damaged PDF (MuPDF had to repair it); needs manual review")
    if doc.page_count == 0:
        doc.close()
        raise Unreadable("PDF has no pages")
    try:
        if doc.is_form_pdf or any(p.first_annot for p in doc):
            doc.bake(annots=True, widgets=True)
    except Exception:
        doc.close()
        raise Unreadable("PDF annotations or form fields could not be flattened") from None
    return doc


def page_work(doc: pymupdf.Document, page: pymupdf.Page) -> int:
    """How much content MuPDF would walk to read the page: its content stream plus, for every form
    XObject it draws, that form's content as often as it is drawn, nested (an XObject "bomb" draws
    a small form millions of times). A cycle counts as unbounded."""
    try:
        children: dict[int, dict[str, int]] = {}
        for xref, name, invoker, _ in page.get_xobjects():
            children.setdefault(invoker, {})[name] = xref
        memo: dict[int, int] = {}

        def cost(xref: int, stream: bytes, seen: frozenset) -> int:
            if xref in memo:
                return memo[xref]
            total = len(stream) // 10 + 1
            for m in _DO.finditer(stream):
                child = children.get(xref, {}).get(m.group(1).decode("latin-1"))
                if child is None:
                    continue
                if child in seen:
                    return MAX_PAGE_WORK * 10
                total += cost(child, doc.xref_stream(child) or b"", seen | {child})
                if total > MAX_PAGE_WORK:
                    break
            memo[xref] = total
            return total

        return cost(0, page.read_contents(), frozenset())
    except Exception:
        return 0   # the structure cannot be walked here: MuPDF's own reading decides

def page_text(page: pymupdf.Page, raw: dict | None = None) -> PageText:
    """The page's characters in reading order; lines joined by a space, blocks by a newline.
    `raw`: the page's rawdict when it was read by OCR."""
    text: list[str] = []
    boxes: list = []
    lines: list[int] = []
    baselines: list[float] = []
    sizes: list[float] = []

    def joiner(c: str) -> None:
        text.append(c); boxes.append(None); lines.append(-1); baselines.append(0.0); sizes.append(0.0)

    line_id = 0
    ocr = raw is not None
    raw = raw if ocr else page.get_text("rawdict", flags=_FLAGS)
    for block in raw["blocks"]:
        if block.get("type") != 0:
            continue
        if text and text[-1] != "\n":
            joiner("\n")
        for li, line in enumerate(block["lines"]):
            if li and text and text[-1] not in (" ", "\n"):
                joiner(" ")
            for span in line["spans"]:
                for ch in span["chars"]:
                    text.append(ch["c"]); boxes.append(tuple(ch["bbox"])); lines.append(line_id)
                    baselines.append(ch["origin"][1]); sizes.append(span["size"])
            line_id += 1
    rect = page.rect
    return PageText(page.number, "".join(text), boxes, lines, baselines, sizes, rect.width, rect.height, ocr=ocr)


def read_pages(doc: pymupdf.Document, numbers: range | None = None) -> list[PageText]:
    """Every page's text (or these pages'); Unreadable if one cannot be obtained."""
    pages, failed = read_pages_each(doc, numbers)
    if failed:
        raise Unreadable(failed[min(failed)])
    return pages


def read_pages_each(doc: pymupdf.Document, numbers=None) -> tuple[list[PageText], dict[int, str]]:
    """Every page's text (or these pages'), read by OCR (in parallel) where the page is a scan;
    and, for each page whose text cannot be obtained safely, the reason (that page is withheld,
    not its record)."""
    pages: dict[int, PageText] = {}
    failed: dict[int, str] = {}
    scans = []
    for n in numbers if numbers is not None else range(doc.page_count):
        try:
            page = doc[n]
            work = page_work(doc, page)
            if work > MAX_PAGE_WORK:
                failed[n] = (f"page {n + 1}: its drawings nest too deep to read in bounded time "
                             f"(about {work:,} units of content); needs manual review")
                continue
            pt = page_text(page)
            if scan.needs_ocr(page, sum(1 for c in pt.text if not c.isspace())):
                scan.strip_text(page)   # an existing OCR layer is never trusted
                scans.append(n)
            else:
                pages[n] = pt
        except Exception:
            failed[n] = f"page {n + 1}: text cannot be extracted"
    if scans:
        try:
            raws = scan.ocr_pages_raw(doc, scans, _FLAGS)
        except Unreadable:
            raws = {}
            why = ("is a scan and OCR is unavailable (no eng.traineddata)" if scan.tessdata_dir() is None
                   else "is a scan and OCR failed")
            failed.update({n: f"page {n + 1} {why}; withheld for manual review" for n in scans})
        for number, raw in raws.items():
            try:
                pt = page_text(doc[number], raw)
                scan.check_quality(pt.text, number)
                pages[number] = pt
            except Unreadable as exc:
                failed[number] = str(exc)
            except Exception:
                failed[number] = f"page {number + 1}: OCR output cannot be read"
    return [pages[n] for n in sorted(pages)], failed


def open_record(record: Record, passwords: tuple[str, ...] = ()) -> pymupdf.Document:
    """A PDF, an image as a PDF with one page per frame, or an Office document or text file as
    laid out by ingest/office.py."""
    if record.kind == "image":
        return scan.image_to_pdf(record.data if record.data is not None else record.path.read_bytes())
    if record.kind == "office":
        from .office import to_pdf
        return to_pdf(record.data if record.data is not None else record.path.read_bytes(), record.relpath)
    return open_pdf(record, passwords)

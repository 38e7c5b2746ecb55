"""Stage 6: verify, fail closed. Re-open every output and prove the redacted text is gone.

Independent reads: PDFium (pypdfium2, Google's PDF engine, shares no code with MuPDF) and a fresh
PyMuPDF open of the saved file. A document fails, and is withheld, if
- any text remains under a redaction box (either engine),
- a redacted value is still readable more often than the source held it in kept places,
- re-detecting the output's text (roster and patterns) finds something the recipe redacts,
- any PDF object still carries a redacted value, annotations, links, forms, files or scripts.
Problems are reported by kind, page and reason code, never by value.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pymupdf
import pypdfium2 as pdfium

from .apply import RedactionBox
from .text import norm, value_pattern
from .types import Redaction

_FORBIDDEN_KEYS = re.compile(rb"/(?:JavaScript|JS|EmbeddedFile|EmbeddedFiles|Annots|AcroForm|URI|Launch|OpenAction|"
                             rb"RichMedia|XFA|SubmitForm|ImportData|GoToR|GoToE|Outlines)\b(?!\s*null)")
COVERED = 0.5   # a character this much under a box counts as "under" it (x-ray uses 0.8)


Char = tuple[str, float, float, float, float]   # c, x0, y0, x1, y1 (top-left origin)
BAND = 8.0                                      # points: characters indexed by vertical band


def _mupdf_chars(page: pymupdf.Page) -> list[Char]:
    from .ingest.pdf import _FLAGS
    out = []
    for block in page.get_text("rawdict", flags=_FLAGS)["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                out.extend((ch["c"], *ch["bbox"]) for ch in span["chars"])
    return out


def _pdfium_chars(page) -> list[Char]:
    tp = page.get_textpage()
    h = page.get_height()
    out = []
    try:
        text = tp.get_text_range()
        for i in range(tp.count_chars()):
            left, bottom, right, top = tp.get_charbox(i)
            out.append((text[i] if i < len(text) else "?", left, h - top, right, h - bottom))
    finally:
        tp.close()
    return out


def _index(chars: list[Char]) -> dict[int, list[Char]]:
    bands: dict[int, list[Char]] = {}
    for ch in chars:
        if ch[0].isspace() or ch[3] <= ch[1] or ch[4] <= ch[2]:
            continue
        for b in range(int(ch[2] // BAND), int(ch[4] // BAND) + 1):
            bands.setdefault(b, []).append(ch)
    return bands


def _under(bands: dict[int, list[Char]], box: RedactionBox) -> bool:
    """Whether readable characters, other than the printed reason code, lie under the box:
    at least COVERED of a character's area inside it."""
    x0, y0, x1, y1 = box.rect
    seen, hidden = set(), []
    for b in range(int(y0 // BAND), int(y1 // BAND) + 1):
        for ch in bands.get(b, ()):
            if id(ch) in seen:
                continue
            seen.add(id(ch))
            w = min(x1, ch[3]) - max(x0, ch[1])
            h = min(y1, ch[4]) - max(y0, ch[2])
            if w > 0 and h > 0 and w * h >= COVERED * (ch[3] - ch[1]) * (ch[4] - ch[2]):
                hidden.append(ch)
    hidden.sort(key=lambda ch: ch[1])
    return bool("".join(ch[0] for ch in hidden).replace(box.reason, "").strip())


def _blanked(source_text: str, redacted_spans: list[tuple[int, int]]) -> str:
    """The source page as a reader could read it outside every redacted span, normalised."""
    chars = list(source_text)
    for s, e in redacted_spans:
        for i in range(s, e):
            if not chars[i].isspace():
                chars[i] = "\x00"
    return norm("".join(chars)).replace("\x00", "#")


class VerificationFailed(Exception):
    pass


def verify_pdf(path: Path, source_pages: dict[int, str], redactions: dict[int, list[Redaction]],
               boxes: list[RedactionBox], redetect=None, ocr_pages: set[int] = frozenset()) -> None:
    """Raise VerificationFailed(reason) unless the saved PDF at `path` is clean."""
    problems: list[str] = []
    values_by_page: dict[int, set[str]] = {}
    spans_by_page: dict[int, list[tuple[int, int]]] = {}
    for page_no, reds in redactions.items():
        for r in reds:
            if r.decision == "redact" and any(c.isalnum() for c in r.finding.text):
                values_by_page.setdefault(page_no, set()).add(r.finding.text)
                spans_by_page.setdefault(page_no, []).append((r.finding.start, r.finding.end))
    all_values = {v for vs in values_by_page.values() for v in vs}
    long_values = {norm(v) for v in all_values if len(v) > 3}

    try:
        doc = pymupdf.open(path)
        pdf = pdfium.PdfDocument(str(path))
    except Exception:
        raise VerificationFailed("output cannot be re-opened") from None
    try:
        if doc.page_count != len(pdf) or doc.page_count != len(source_pages):
            problems.append("page count differs between engines or from the source")
        # 1. nothing but page content
        if any(doc.metadata.get(k) for k in ("title", "author", "subject", "keywords", "creator", "producer")) \
                or doc.get_xml_metadata():
            problems.append("metadata remains")
        if doc.embfile_count() or any(p.first_annot or p.first_widget or p.get_links() for p in doc):
            problems.append("annotations, form fields, links or attachments remain")
        for xref in range(1, doc.xref_length()):
            try:
                obj = doc.xref_object(xref, compressed=True)
            except Exception:
                continue
            if _FORBIDDEN_KEYS.search(obj.encode("latin-1", "replace")):
                problems.append("an object with scripts, links, forms or attachments remains")
                break
            low = norm(obj)
            if any(v in low for v in long_values):
                problems.append("a PDF object carries a redacted value")
                break
        # 2. no text under any box, in either engine
        under = Counter()
        for page_no in sorted({b.page for b in boxes}):
            page_boxes = [b for b in boxes if b.page == page_no]
            for engine, chars in (("mupdf", _mupdf_chars(doc[page_no])), ("pdfium", _pdfium_chars(pdf[page_no]))):
                bands = _index(chars)
                under[(page_no, engine)] += sum(_under(bands, b) for b in page_boxes)
        for (page_no, engine), n in sorted(under.items()):
            if n:
                problems.append(f"page {page_no + 1}: text under {n} box(es) ({engine})")
        # 3. redacted values gone, by both engines; 4. re-detection finds nothing to redact
        ocr_reads: dict[int, str] = {}
        if ocr_pages:
            from .ingest.scan import ocr_outside_many
            try:
                ocr_reads = ocr_outside_many(doc, {n: [b.rect for b in boxes if b.page == n] for n in ocr_pages})
            except Exception:
                problems.append("the released scan cannot be read back by OCR")
        for page_no in range(doc.page_count):
            page_pdfium = pdf[page_no].get_textpage()
            texts = {"pdfium": page_pdfium.get_text_range(), "mupdf": doc[page_no].get_text()}
            page_pdfium.close()
            if page_no in ocr_pages:
                # a scan: the only text allowed on the page is the reason codes; read the pixels again
                codes = {b.reason for b in boxes}
                layer = [w for w in texts["pdfium"].split() if w not in codes]
                if layer:
                    problems.append(f"page {page_no + 1}: a text layer remains on a scanned page")
                from .ingest.scan import pixels_blank_under
                if not pixels_blank_under(doc[page_no], [b.rect for b in boxes if b.page == page_no]):
                    problems.append(f"page {page_no + 1}: scan pixels remain under a box")
                if page_no not in ocr_reads:
                    continue
                texts = {"ocr": ocr_reads[page_no]}
            outside = _blanked(source_pages.get(page_no, ""), spans_by_page.get(page_no, []))
            read = {engine: norm(text) for engine, text in texts.items()}
            for value in values_by_page.get(page_no, ()):
                rx = value_pattern(value)
                allowed = len(rx.findall(outside))
                for engine, text in read.items():
                    if len(rx.findall(text)) > allowed:
                        problems.append(f"page {page_no + 1}: a redacted value is still readable ({engine})")
                        break
            if redetect is not None:
                leaks = redetect(texts.get("pdfium", texts.get("ocr", "")), page_no)
                if leaks:
                    codes = ",".join(sorted({r.reason for r in leaks}))
                    problems.append(f"page {page_no + 1}: re-detection found {len(leaks)} value(s) to redact ({codes})")
    finally:
        doc.close()
        pdf.close()
    if problems:
        raise VerificationFailed("verification failed: " + "; ".join(dict.fromkeys(problems)))

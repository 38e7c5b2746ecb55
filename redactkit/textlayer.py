"""Searchable scans: a released scanned page keeps an invisible text layer made from its OCR, with
every redacted word removed (OCRmyPDF's "sandwich" idea: the picture, and under it the text a
reader can search and copy).

The layer is written from the OCR that detection read (the page is not read twice): each word
in its place, in invisible Helvetica (render mode 3) sized to fit inside the word's box. A word is
left out when any of its characters lies in a redacted span, or when its box (with a margin)
touches any redaction box on the page (faces, regions and boxes added later included), so that
nothing of a redacted value, and nothing under a box, is in the layer. The verifier reads the
layer like any text (`verify.check_scan_layer`): it must carry no redacted value and nothing that
re-detection would redact; the pixel checks stay as they were.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import pymupdf

from .types import PageText

if TYPE_CHECKING:
    from .pipeline import RecordContext

MARGIN = 2.0   # points around a word's box that must be clear of every redaction box


def text_layer(ctx: RecordContext) -> None:
    """The stage: an invisible text layer on every scanned page that is released as a page."""
    for n, pt in sorted(ctx.pages.items()):
        if not pt.ocr or n in ctx.withheld:
            continue
        spans = [(r.finding.start, r.finding.end) for r in ctx.redactions.get(n, ())
                 if r.decision == "redact" and r.finding.start >= 0]
        rects = [pymupdf.Rect(b.rect) for b in ctx.boxes if b.page == n]
        write_layer(ctx.doc[n], ctx.full_page(n), spans, rects)


text_layer.phase = "apply"


def kept_words(pt: PageText, spans: list[tuple[int, int]], rects: list) -> list[tuple[str, pymupdf.Rect, float]]:
    """The page's OCR words that may be shown: (text, box, baseline)."""
    redacted = bytearray(len(pt.text))
    for s, e in spans:
        for i in range(max(0, s), min(e, len(pt.text))):
            redacted[i] = 1
    out = []
    i, size = 0, len(pt.text)
    while i < size:
        if pt.text[i].isspace() or pt.boxes[i] is None:
            i += 1
            continue
        j = i
        while j < size and not pt.text[j].isspace() and pt.boxes[j] is not None and pt.lines[j] == pt.lines[i]:
            j += 1
        word = pt.text[i:j]
        box = pymupdf.Rect()
        for k in range(i, j):
            box |= pymupdf.Rect(pt.boxes[k])
        clear = box + (-MARGIN, -MARGIN, MARGIN, MARGIN)
        if not any(redacted[i:j]) and not box.is_empty and not any(clear.intersects(r) for r in rects):
            out.append((word, box, pt.baselines[i] or box.y1))
        i = j
    return out


def write_layer(page: pymupdf.Page, pt: PageText, spans: list[tuple[int, int]], rects: list) -> int:
    """Write the kept words invisibly on the page, as OCRmyPDF's sandwich renderer does: each word
    at its place in Helvetica, one font size per line (from the line's height), stretched or
    narrowed (Tz) to its box's width, so that text extractors read lines as lines, in order, and
    a search highlights the word in the picture. Returns how many words."""
    words = kept_words(pt, spans, rects)
    if not words:
        return 0
    font = _font()
    height = font.ascender - font.descender
    lines: dict[int, list] = {}
    for word, box, baseline in words:
        lines.setdefault(round(baseline), []).append((word, box))
    to_pdf = ~page.transformation_matrix
    ops = ["q", "BT", "3 Tr"]
    for items in lines.values():
        size = sorted(box.height for _, box in items)[len(items) // 2] / height
        if size < 1:
            continue
        items.sort(key=lambda item: item[1].x0)
        for k, (word, box) in enumerate(items):
            text = word.encode("cp1252", "replace")
            natural = pymupdf.get_text_length(text.decode("cp1252"), "helv", size)
            if natural <= 0:
                continue
            scale = 100 * box.width / natural
            point = pymupdf.Point(box.x0, min(box.y0 + font.ascender * size, box.y1)) * to_pdf
            # a space after each word but a line's last, as OCRmyPDF writes it: words set close
            # together ("and I", which OCR read as one word) are not read as one by extractors
            space = b" " if k < len(items) - 1 else b""
            ops.append(f"/{FONT} {size:.2f} Tf {scale:.2f} Tz 1 0 0 1 {point.x:.2f} {point.y:.2f} Tm "
                       f"({_escape(text + space)}) Tj")
    ops += ["ET", "Q"]
    _append(page, "\n".join(ops).encode("latin-1"))
    return len(words)


FONT = "helv"


def _escape(text: bytes) -> str:
    return text.decode("latin-1").replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _append(page: pymupdf.Page, data: bytes) -> None:
    """Add a content stream after the page's own (the page's drawing state wrapped first), with
    the base-14 Helvetica among its fonts."""
    doc = page.parent
    page.wrap_contents()
    page.insert_font(fontname=FONT)
    xref = doc.get_new_xref()
    doc.update_object(xref, "<<>>")
    doc.update_stream(xref, data)
    contents = page.get_contents() + [xref]
    doc.xref_set_key(page.xref, "Contents", "[" + " ".join(f"{x} 0 R" for x in contents) + "]")


@lru_cache(maxsize=1)
def _font() -> pymupdf.Font:
    return pymupdf.Font("helv")

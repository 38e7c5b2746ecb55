"""Heal what verification finds, in the smallest unit, before anything is withheld.

`heal` tries, in this order, and the first that makes verification pass wins:
1. redact again: what the verifier's re-detection found on a page, and a redacted value still
   readable there, are redacted in the saved file (they are logged as found on verification);
   a page with text under a box has its boxes applied again (a character the redaction moved
   under a box, or that MuPDF left there, goes with them); a string object that carries a
   redacted value is emptied; then verify again. At most MAX_PASSES such passes.
2. withhold the page: each page that still fails is replaced by a slip sheet naming its page
   number, the reason codes of what could not be shown removed, and their legal basis; then
   verify again.
3. withhold the record: when a problem concerns the whole file (it cannot be re-opened, its
   metadata or active content cannot be removed), when the slip sheets do not pass either, or
   when every page is withheld.
"""
from __future__ import annotations

import os
import re
from dataclasses import replace
from typing import TYPE_CHECKING

import pikepdf
import pymupdf
import pypdfium2 as pdfium

from . import apply as apply_mod
from . import bates as bates_mod
from .ingest.pdf import page_text
from .text import value_pattern
from .types import Finding, PageText, Redaction, WithheldPage
from .verify import DOCUMENT_KINDS, Expected, _pdfium_chars, verify

if TYPE_CHECKING:
    from .pipeline import RecordContext

MAX_PASSES = 2
HEALABLE = {"redetected", "value_readable", "object_value", "text_under_box"}


def heal(ctx: RecordContext) -> None:
    slipped = set(ctx.withheld)          # pages that were given a slip sheet before the first save
    passes = 0
    while ctx.problems and passes < MAX_PASSES and {p.kind for p in ctx.problems} & HEALABLE:
        strings = any(p.kind == "object_value" for p in ctx.problems)
        pages = _redact_found(ctx)
        if strings:
            _empty_strings(ctx)
        # OCR reads again the scans that changed (all of them when string objects were emptied:
        # one may be drawn on a page); the others' pixels are as they were read
        ctx.ocr_reads = {} if strings else {n: t for n, t in ctx.ocr_reads.items() if n not in pages}
        if not pages and not strings:
            break
        passes += 1
        verify_again(ctx)
        ctx.healed |= pages - {p.page for p in ctx.problems}
    if not ctx.problems:
        return
    whole = [p for p in ctx.problems if p.page is None or p.kind in DOCUMENT_KINDS]
    if whole:
        ctx.withhold(f"verification failed: {whole[0]}")
        return
    for n in sorted({p.page for p in ctx.problems}):
        mine = [p for p in ctx.problems if p.page == n]
        codes = tuple(sorted({c for p in mine for c in p.codes}))
        ctx.withhold_page(n, f"verification failed: {mine[0]}", codes)
    if len(ctx.withheld) >= ctx.job.page_counts.get(ctx.record.relpath, 0):
        ctx.withhold(f"every page failed verification ({ctx.problems[0]})")
        return
    _rewrite(ctx, lambda doc: [(apply_mod.slip_sheet(doc, n, slip_text(ctx, ctx.withheld[n])),
                                bates_mod.restamp(ctx, doc, n)) for n in sorted(set(ctx.withheld) - slipped)])
    ctx.healed -= set(ctx.withheld)
    verify_again(ctx)
    if ctx.problems:
        ctx.withhold(f"verification failed after withholding pages: {ctx.problems[0]}")


def expected(ctx: RecordContext) -> Expected:
    """What the verifier compares the saved file with."""
    slips = {n: slip_text(ctx, wp) for n, wp in ctx.withheld.items()}
    return Expected(page_count=ctx.job.page_counts[ctx.record.relpath],
                    pages={n: pt.text for n, pt in ctx.pages.items() if n not in slips},
                    redactions={n: reds for n, reds in ctx.redactions.items() if n not in slips},
                    boxes=[b for b in ctx.boxes if b.page not in slips],
                    ocr_pages={n for n, pt in ctx.pages.items() if pt.ocr and n not in slips}, slips=slips,
                    stamps=dict(ctx.stamps),
                    scan_source=ctx.scan_source, ocr_known=dict(ctx.ocr_reads))


def slip_text(ctx: RecordContext, wp: WithheldPage) -> str:
    """What a slip sheet says: the page, and why, in the recipe's words (never a value)."""
    recipe = ctx.job.recipe
    total = ctx.page_count or ctx.job.page_counts.get(ctx.record.relpath, 0)
    lines = [f"Page {wp.page + 1} of {total} withheld in full."]
    for code in wp.codes:
        if code in recipe.reasons:
            lines.append(f"{code}: {recipe.reasons[code].label} ({recipe.reasons[code].basis}).")
    lines.append("This page could not be released safely: it was not possible to show that every redacted "
                 "item is removed from it, or the page could not be read. It has been referred for manual review."
                 if wp.codes else "This page could not be read safely and has been referred for manual review.")
    return "\n".join(lines)


# --- the attempts ------------------------------------------------------------------------------

def _redact_found(ctx: RecordContext) -> set[int]:
    """Redact, in the saved file, what re-detection found and the values still readable; returns
    the pages changed."""
    todo: dict[int, list[tuple[str, Redaction]]] = {}
    for p in ctx.problems:
        if p.page is None or p.page in ctx.withheld:
            continue
        if p.kind == "redetected":
            todo.setdefault(p.page, []).extend((r.finding.text, r) for r in p.findings)
        elif p.kind == "value_readable":
            for v in p.values:
                src = next((r for r in ctx.redactions.get(p.page, ()) if r.decision == "redact"
                            and r.finding.text == v), None)
                if src is not None:
                    todo.setdefault(p.page, []).append((v, src))
    again = {p.page for p in ctx.problems if p.kind == "text_under_box" and p.page not in ctx.withheld}
    if not todo and not again:
        return set()
    changed: set[int] = set()

    def fix(doc: pymupdf.Document) -> None:
        for n in sorted(again):
            _remove_hidden(doc[n], [b for b in ctx.boxes if b.page == n], ctx.pages.get(n))
        for n in sorted(again - set(todo)):
            apply_mod.redact_page(doc[n], [b for b in ctx.boxes if b.page == n])
            changed.add(n)
        pdf = pdfium.PdfDocument(str(ctx.output))
        try:
            for n, items in todo.items():
                out = page_text(doc[n])
                if n in ctx.pages and ctx.pages[n].ocr:
                    # a scan is read here through its invisible text layer, whose words stand on
                    # the picture's words: boxes blank pixels, so with the margins of OCR boxes
                    out = replace(out, ocr=True)
                reds: list[Redaction] = []
                extra_rects = []
                unplaced = []
                for value, like in items:
                    rx = value_pattern(value)
                    hits = [m.span() for m in rx.finditer(out.text) if not _in_label(out, m.start(), m.end(), ctx)]
                    reds += [_found(n, out.text, span, like) for span in hits]
                    if not hits:   # MuPDF does not read it there: take PDFium's character boxes
                        rects = _pdfium_rects(pdf[n], rx)
                        extra_rects += [(r, like) for r in rects]
                        if not rects:
                            unplaced.append((rx, like))
                boxes = apply_mod.boxes_for(out, reds)
                if unplaced and out.ocr:
                    # only OCR reads it (a scan's pixels): read the page as the verifier does, with
                    # its boxes painted white, and take the characters' boxes from that reading
                    blank = [b.rect for b in ctx.boxes if b.page == n] + list(getattr(ctx.stamps.get(n), "rects", ()))
                    reads = _Reads(doc[n], blank)
                    for rx, like in unplaced:
                        # exactly as the verifier read it, in the whole page or in the lines around
                        # the boxes, else its nearest likeness (two OCR passes need not agree); the
                        # second reading is made only when the first does not have it
                        hits = reads.find(lambda text: [m.span() for m in rx.finditer(text)]) or \
                            reads.find(lambda text: _near(text, like.finding.text))
                        for seen, span in hits:
                            red = _found(n, seen.text, span, like)
                            # kept without offsets: they are of an OCR reading, not of the page's text
                            kept = replace(red, finding=replace(red.finding, start=-1, end=-1))
                            made = apply_mod.boxes_for(seen, [red])
                            boxes += [replace(b, redaction=kept, covers=(kept,)) for b in made]
                            reds += [kept] if made else []
                for rect, like in extra_rects:
                    red = Redaction(replace(like.finding, page=n, start=-1, end=-1, found_on="verification"),
                                    "redact", like.reason)
                    reds.append(red)
                    boxes.append(apply_mod.RedactionBox(n, rect, like.reason, red, (red,)))
                if boxes or n in again:
                    # with the page's earlier boxes too when text was left under them
                    apply_mod.redact_page(doc[n], boxes + ([b for b in ctx.boxes if b.page == n] if n in again else []))
                    ctx.boxes += boxes
                    ctx.redactions.setdefault(n, []).extend(reds)
                    changed.add(n)
        finally:
            pdf.close()

    _rewrite(ctx, fix)
    return changed


def _found(n: int, text: str, span: tuple[int, int], like: Redaction) -> Redaction:
    """A redaction of `text`[span] on page `n`, as `like` was decided, found on verification."""
    f, (start, end) = like.finding, span
    return Redaction(Finding(n, start, end, text[start:end], f.entity, f.score, f.detector, f.party, f.role,
                             found_on="verification"), "redact", like.reason)


class _Reads:
    """A released scan's OCR readings for healing, made when first needed: the whole page, then
    the lines around the boxes (each about as costly as reading the page)."""

    def __init__(self, page: pymupdf.Page, blank: list):
        self.page, self.blank, self.made = page, blank, {}

    def find(self, search) -> list:
        """(reading, span) for the spans `search` finds in the first reading that has any."""
        for bands in (False, True):
            if bands not in self.made:
                self.made[bands] = _ocr_read(self.page, self.blank, bands=bands)
            seen = self.made[bands]
            hits = search(seen.text) if seen is not None else []
            if hits:
                return [(seen, span) for span in hits]
        return []


NEAR = 0.75      # how alike (difflib's ratio) a stretch of OCR text must be to a value to stand for it


def _near(text: str, value: str) -> list[tuple[int, int]]:
    """Where OCR read `value` a little differently this time (a URL, a number on a screenshot: two
    OCR passes over the same pixels need not agree): the stretch of `text` most like it, starting
    at a word, if it is alike enough. Blanking a little more than the value is the safe side."""
    from difflib import SequenceMatcher

    want = value.casefold()
    size = len(want)
    if size < 3:
        return []
    best, where = 0.0, None
    matcher = SequenceMatcher(autojunk=False)
    matcher.set_seq2(want)
    for m in re.finditer(r"\S+", text):
        for length in range(max(1, size - 3), size + 4):
            stretch = text[m.start():m.start() + length]
            matcher.set_seq1(stretch.casefold())
            if matcher.real_quick_ratio() < NEAR or matcher.quick_ratio() < NEAR:
                continue
            ratio = matcher.ratio()
            if ratio > best:
                best, where = ratio, (m.start(), m.start() + len(stretch.rstrip()))
    return [where] if where and best >= NEAR else []


def _ocr_read(page: pymupdf.Page, rects: list, bands: bool = False) -> PageText | None:
    """The page as OCR reads it with `rects` painted white, as the verifier reads a released scan
    (`bands`: only the lines that hold them), each character in its place on the page; None when
    OCR cannot run."""
    from .ingest import scan

    raw = scan.ocr_raw(page, rects, bands)
    return page_text(page, raw) if raw is not None else None


def _empty_strings(ctx: RecordContext) -> None:
    """Empty every string object that carries a redacted value (in the file as saved)."""
    where = [p.where for p in ctx.problems if p.kind == "object_value" and p.where]
    if not where:
        return set()
    tmp = ctx.output.with_name(ctx.output.name + ".heal")
    with pikepdf.open(ctx.output) as pdf:
        for (num, gen), path in where:
            try:
                obj = pdf.get_object(num, gen)
                if path == ("stream",):
                    obj.write(b"")
                    continue
                if path and path[0] == "content":
                    continue   # marked content is removed with the page's text by the next pass
                for key in path[:-1]:
                    obj = obj[key]
                obj[path[-1]] = pikepdf.String("")
            except (KeyError, IndexError, TypeError, ValueError):
                continue
        pdf.save(tmp)
    os.replace(tmp, ctx.output)


def _remove_hidden(page: pymupdf.Page, boxes, source) -> None:
    """Remove the characters left under the boxes. MuPDF sometimes sets a line anew when it
    removes part of it, and a kept character lands under a box; where MuPDF then looks for that
    character to remove it is where the source had it, so each is removed over both places (no
    box is drawn for it: it already lies under one)."""
    from .verify import _index, _is_label, _mupdf_chars, _under

    bands = _index(_mupdf_chars(page))
    labels = [(b.label_rect, b.label) for b in boxes if b.label_rect and b.label]
    was = [(c, box) for c, box in zip(source.text, source.boxes) if box is not None] if source and source.boxes else []
    for b in boxes:
        for ch in _under(bands, b):
            if _is_label(ch, labels):
                continue
            rect = pymupdf.Rect(ch[1:])
            for c, box in was:
                if c == ch[0] and abs(box[1] - ch[2]) < 2 and abs(box[0] - ch[1]) < 20:
                    rect |= pymupdf.Rect(box)
            page.add_redact_annot(rect)
    page.apply_redactions(images=pymupdf.PDF_REDACT_IMAGE_NONE, graphics=pymupdf.PDF_REDACT_LINE_ART_NONE,
                          text=pymupdf.PDF_REDACT_TEXT_REMOVE)


def _rewrite(ctx: RecordContext, change) -> None:
    """Open the saved file, change it, remove what is not page content, save it in its place."""
    doc = pymupdf.open(ctx.output)
    try:
        change(doc)
        apply_mod.sanitise(doc)
        tmp = ctx.output.with_name(ctx.output.name + ".heal")
        apply_mod.save(doc, tmp)
    finally:
        doc.close()
    os.replace(tmp, ctx.output)


def verify_again(ctx: RecordContext) -> None:
    """Verify the saved file: its problems into ctx.problems, what OCR read into ctx.ocr_reads."""
    reads: dict[int, str] = {}
    ctx.problems = verify(ctx.output, expected(ctx), ctx.job.redetect_for_verification, ctx.job.spread, reads)
    ctx.ocr_reads = reads


def _in_label(out, start: int, end: int, ctx: RecordContext) -> bool:
    """Whether a match in the released page's text is one of redactkit's own labels."""
    rects = [b.label_rect for b in ctx.boxes if b.label_rect and b.page == out.number]
    for i in range(start, end):
        box = out.boxes[i]
        if box is None or out.text[i].isspace():
            continue
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if not any(r[0] - 0.5 <= cx <= r[2] + 0.5 and r[1] - 0.5 <= cy <= r[3] + 0.5 for r in rects):
            return False
    return True


def _pdfium_rects(page, rx) -> list[tuple[float, float, float, float]]:
    """Rectangles (top-left origin, one per visual line) over the matches of `rx` in PDFium's text."""
    chars = _pdfium_chars(page)
    text = "".join(c[0] for c in chars)
    rects = []
    for m in rx.finditer(text):
        lines: dict[int, list] = {}
        for c in chars[m.start():m.end()]:
            if not c[0].isspace():
                lines.setdefault(round(c[2]), []).append(c[1:])
        for boxes in lines.values():
            rects.append((min(b[0] for b in boxes), min(b[1] for b in boxes),
                          max(b[2] for b in boxes), max(b[3] for b in boxes)))
    return rects

"""Bates numbering: every released page carries a production number.

The number is the prefix (request.yaml `production.prefix`, `--bates-prefix`, else the request id
and a dash) and a zero-padded counter (`digits`, default 6) that runs on across the released
records in release order, slip sheets included, from `start` (default 1). A record that is
withheld after it was numbered gives its numbers back: the numbers stay continuous.

Optionally each page also carries "Page 3 of 12" (its place in its record) and a confidentiality
legend. The stamp is set in 8 pt Helvetica in the page's bottom margin, as seen by a reader
(rotated pages included), where the page's content leaves room for it: the content's bounding
box (text, images, drawings, invisible text) is measured first, and nothing is ever drawn over
it. Without room at the bottom the top margin is used; without either, the page is made taller
(its media box extended by a strip) and the stamp set in the strip.

The stamp is drawn before the record is verified (the pipeline's `stamp` stage, after the slip
sheets): the verifier knows each page's stamp (`Expected.stamps`), re-detection does not read it
as an identifier (`mask`), OCR of a scan reads the page with the stamp blanked, and a slip sheet
says what it says plus its stamp.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

import pymupdf

if TYPE_CHECKING:
    from .pipeline import RecordContext

FONT_SIZE = 8.0
LINE = FONT_SIZE * 1.25
EDGE = 18.0          # preferred distance of the stamp from the page's edge
PAD = 3.0            # least distance from content and from the edge
GAP = 12.0           # between two texts on one line


@dataclass(frozen=True)
class Settings:
    prefix: str
    start: int = 1
    digits: int = 6
    page_labels: bool = False
    legend: str = ""

    def number(self, n: int) -> str:
        return f"{self.prefix}{n:0{self.digits}d}"

    def as_dict(self) -> dict:
        return {"prefix": self.prefix, "start": self.start, "digits": self.digits, "page_labels": self.page_labels,
                "legend": self.legend}


def settings(request, overrides: dict | None = None) -> Settings:
    """request.yaml's `production:` section, with the command line's options over it."""
    conf = getattr(request, "production", None)
    values = conf.model_dump(exclude_none=True) if conf is not None else {}
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    values = {k: v for k, v in values.items() if k in Settings.__dataclass_fields__}
    values.setdefault("prefix", f"{request.request_id}-")
    values["legend"] = " ".join(str(values.get("legend") or "").split())
    return Settings(**values)


@dataclass(frozen=True)
class Stamp:
    """What was stamped on one page: its Bates number, every text drawn, and where (page
    coordinates as the page's text is read, so that the verifier can blank them)."""

    bates: str
    texts: tuple[str, ...]
    rects: tuple[tuple[float, float, float, float], ...] = ()


@dataclass
class Numbering:
    """The request's production numbers, handed out record by record."""

    settings: Settings
    next: int = 0
    assigned: list = field(default_factory=list)      # (RecordContext, first number), in release order
    stamped: set[str] = field(default_factory=set)     # every number drawn (re-detection masks them)
    _pattern: re.Pattern | None = None

    def __post_init__(self):
        self.next = self.settings.start
        self._pattern = re.compile(re.escape(self.settings.prefix) + r"\s?\d{%d,}" % self.settings.digits)

    def settle(self) -> None:
        """The last numbered record that did not go out gives its numbers back."""
        if self.assigned:
            ctx, first = self.assigned[-1]
            if ctx.outcome is None or ctx.outcome.status != "released":
                self.assigned.pop()
                self.next = first

    def ranges(self) -> dict[str, tuple[str, str, int]]:
        """Each released record's (first, last) Bates number and first number, by its path."""
        self.settle()
        out = {}
        for ctx, first in self.assigned:
            if ctx.outcome is not None and ctx.outcome.status == "released" and ctx.outcome.pages:
                out[ctx.record.relpath] = (self.settings.number(first),
                                           self.settings.number(first + ctx.outcome.pages - 1), first)
        return out

    def masker(self) -> "StampMask":
        return StampMask(self._pattern.pattern, frozenset(self.stamped), self.settings.page_labels,
                         self.settings.legend)

    def mask(self, text: str) -> str:
        return self.masker()(text)


@dataclass(frozen=True)
class StampMask:
    """Blanks every stamp a production drew (same length): what re-detection reads. Only numbers
    actually stamped are blanked, the page labels, and the legend. A value (it goes to the
    detection workers with the second look)."""

    pattern: str
    stamped: frozenset[str]
    page_labels: bool
    legend: str

    def __call__(self, text: str) -> str:
        def blank(m: re.Match) -> str:
            return " " * len(m.group(0))

        if self.stamped:
            text = re.sub(self.pattern, lambda m: blank(m) if re.sub(r"\s", "", m.group(0)) in self.stamped
                          else m.group(0), text)
        if self.page_labels:
            text = re.sub(r"\bPage \d+ of \d+\b", blank, text)
        if self.legend:
            words = self.legend.split()
            text = re.sub(r"\s+".join(re.escape(w) for w in words), blank, text)
        return text


def configure(job, overrides: dict | None = None) -> Numbering:
    job.bates = Numbering(settings(job.request, overrides))
    return job.bates


def numbering(job) -> Numbering:
    return getattr(job, "bates", None) or configure(job)


def mask(job, text: str) -> str:
    num = getattr(job, "bates", None)
    return num.mask(text) if num is not None else text


def finish(job, outcomes: list) -> list:
    """After every record: each released record's Bates range into its outcome; a duplicate
    points to its first place's range. (The internal log's entries have theirs: `log_numbers`.)"""
    from dataclasses import replace

    num = numbering(job)
    ranges = num.ranges()
    out = []
    for o in outcomes:
        if o.status == "released" and o.record.relpath in ranges:
            o = replace(o, bates=ranges[o.record.relpath][:2])
        elif o.status == "duplicate" and o.duplicate_of in ranges:
            o = replace(o, bates=ranges[o.duplicate_of][:2])
        out.append(o)
    return out


def log_numbers(ctx: RecordContext) -> Callable[[int], dict]:
    """For a record being released: the Bates number of a page (1-based) and the record's range,
    as its entries of the internal redaction log carry them ({} if it has no numbers)."""
    num = numbering(ctx.job)
    first = next((f for c, f in num.assigned if c is ctx), None)
    pages = ctx.job.page_counts.get(ctx.record.relpath, 0)     # as saved (the document is closed)
    if first is None or not pages:
        return lambda page: {}
    s = num.settings
    span = f"{s.number(first)} - {s.number(first + pages - 1)}"
    return lambda page: {"bates": s.number(first + page - 1), "bates_range": span}


def summary(job, outcomes: list) -> dict:
    """What the manifest says of the production: its settings, first and last number, pages."""
    s = numbering(job).settings
    ranges = [o.bates for o in outcomes if o.status == "released" and o.bates]
    return {**s.as_dict(), "first": ranges[0][0] if ranges else None, "last": ranges[-1][1] if ranges else None,
            "pages": sum(o.pages for o in outcomes if o.status == "released")}


# --- the stage -------------------------------------------------------------------------------

def stamp(ctx: RecordContext) -> None:
    """Number every page of the record (slip sheets too) and draw each page's stamp. Pages that
    the redact stage finished early (`stamp_early`) have theirs already."""
    num = numbering(ctx.job)
    first = _first(ctx, num)
    total = ctx.page_count
    for n in range(total):
        if n not in ctx.stamps:
            ctx.stamps[n] = stamp_page(ctx.doc[n], num.settings, first + n, n + 1, total)
        num.stamped.add(ctx.stamps[n].bates)
    num.assigned.append((ctx, first))
    num.next = first + total


def stamp_early(ctx: RecordContext, n: int) -> None:
    """Stamp page n before the stamp stage, once: while the worker processes detect the record
    (pipeline.stamp_ahead), or in the redact stage while they remove the text of its later pages
    (a page of text whose redaction is done is not drawn on again before the stamp stage: slip
    sheets and text layers are for other pages). Its number is the one that stage gives it: the
    numbers are taken there, in the same order."""
    if n not in ctx.stamps:
        num = numbering(ctx.job)
        ctx.stamps[n] = stamp_page(ctx.doc[n], num.settings, _first(ctx, num) + n, n + 1, ctx.page_count)


def _first(ctx: RecordContext, num: Numbering) -> int:
    """The record's first number: the next one free when it is first asked for (a record
    released before it that was then withheld has given its numbers back)."""
    if ctx.bates_first is None:
        num.settle()
        ctx.bates_first = num.next
    return ctx.bates_first


stamp.phase = "apply"


def restamp(ctx: RecordContext, doc: pymupdf.Document, n: int) -> None:
    """Stamp page n again with its number (a slip sheet put in its place while healing)."""
    num = numbering(ctx.job)
    first = next((f for c, f in num.assigned if c is ctx), None)
    if first is None:
        return
    ctx.stamps[n] = stamp_page(doc[n], num.settings, first + n, n + 1, ctx.page_count or doc.page_count)


def stamp_page(page: pymupdf.Page, s: Settings, number: int, place: int, total: int) -> Stamp:
    bates = s.number(number)
    label = f"Page {place} of {total}" if s.page_labels else ""
    lines = _lines(page.rect.width, bates, label, s.legend)
    height = len(lines) * LINE
    top = _strip(page, height)
    rects, texts = [], []
    derot = page.derotation_matrix
    y = top
    shape = page.new_shape()     # the page's texts committed at once (page.insert_text commits each)
    for line in lines:
        y += LINE
        baseline = y - (LINE - FONT_SIZE) / 2 - 0.2 * FONT_SIZE
        for text, x in line:
            point = pymupdf.Point(x, baseline) * derot
            shape.insert_text(point, text, fontsize=FONT_SIZE, fontname="helv", color=(0, 0, 0), rotate=page.rotation)
            vis = pymupdf.Rect(x, baseline - FONT_SIZE * 1.0, x + _width(text), baseline + FONT_SIZE * 0.3)
            rects.append(tuple(round(v, 2) for v in (vis * derot)))
            texts.append(text)
    shape.commit()
    return Stamp(bates, tuple(texts), tuple(rects))


@lru_cache(maxsize=1024)     # the legend and page labels are measured again on every page
def _width(text: str) -> float:
    return pymupdf.get_text_length(text, "helv", FONT_SIZE)


def _lines(width: float, bates: str, label: str, legend: str) -> list[list[tuple[str, float]]]:
    """The stamp's texts and their x positions (visual page coordinates), line by line: the
    legend at the left, the page label centred, the Bates number at the right; on more lines when
    the page is too narrow for one."""
    side = min(EDGE * 2, width * 0.06)
    room = width - 2 * side
    right = lambda t: (t, width - side - _width(t))      # noqa: E731
    centre = lambda t: (t, (width - _width(t)) / 2)      # noqa: E731
    left = lambda t: (t, side)                           # noqa: E731
    one = [_width(t) for t in (legend, label, bates) if t]
    if sum(one) + GAP * (len(one) - 1) <= room and (not label or not legend or
                                                     _width(legend) + GAP <= (width - _width(label)) / 2 - side):
        return [[x for x in (left(legend) if legend else None, centre(label) if label else None, right(bates)) if x]]
    lines = [[left(t)] for t in _wrap(legend, room)] if legend else []
    if label and _width(label) + GAP + _width(bates) <= room and _width(label) / 2 + GAP + _width(bates) <= room / 2:
        lines.append([centre(label), right(bates)])
    else:
        lines += ([[centre(label)]] if label else []) + [[right(bates)]]
    return lines


def _wrap(text: str, room: float) -> list[str]:
    lines, cur = [], ""
    for w in text.split():
        trial = f"{cur} {w}".strip()
        if cur and _width(trial) > room:
            lines.append(cur)
            cur = w
        else:
            cur = trial
    return lines + ([cur] if cur else [])


_INFINITE = tuple(pymupdf.INFINITE_RECT())


def content_box(page: pymupdf.Page) -> pymupdf.Rect | None:
    """Everything drawn on the page (text, invisible text, images, drawings), in visual page
    coordinates; None for an empty page."""
    x0 = y0 = float("inf")
    x1 = y1 = float("-inf")
    for _kind, (a, b, c, d) in page.get_bboxlog():     # plain numbers: a Rect per entry costs more than MuPDF
        if a < c and b < d and (a, b, c, d) != _INFINITE:
            x0, y0, x1, y1 = min(x0, a), min(y0, b), max(x1, c), max(y1, d)
    if x0 >= x1 or y0 >= y1:
        return None
    box = pymupdf.Rect(x0, y0, x1, y1)
    box = (box * page.rotation_matrix if page.rotation else box) & page.rect
    return None if box.is_empty else box


def _strip(page: pymupdf.Page, height: float) -> float:
    """The top of a free strip `height` high (visual coordinates): in the bottom margin, else
    the top margin, else in a strip added to the page."""
    rect = page.rect
    box = content_box(page)
    low = box.y1 if box is not None else rect.y0
    high = box.y0 if box is not None else rect.y1
    bottom_free = rect.y1 - low
    if bottom_free >= height + 2 * PAD:
        gap = min(EDGE, (bottom_free - height) / 2)
        return rect.y1 - gap - height
    top_free = high - rect.y0
    if top_free >= height + 2 * PAD:
        gap = min(EDGE, (top_free - height) / 2)
        return rect.y0 + gap
    return _enlarge(page, height)


def _enlarge(page: pymupdf.Page, height: float) -> float:
    """Make the page taller by a strip for a stamp `height` high, on a side that does not move
    the coordinates of what is on it (the media box's bottom or right, as stored): the visual
    bottom for rotation 0 and 90, the visual top for 180 and 270. The strip is whole quarter
    inches, so that renders of the page align with the source's to the pixel. Returns the top of
    the stamp in visual coordinates, centred in the strip."""
    import math

    extra = 18.0 * math.ceil((height + 2 * PAD) / 18.0)
    mb = page.mediabox
    rot = page.rotation % 360
    if rot in (0, 180):
        page.set_mediabox(pymupdf.Rect(mb.x0, mb.y0 - extra, mb.x1, mb.y1))
    else:
        page.set_mediabox(pymupdf.Rect(mb.x0, mb.y0, mb.x1 + extra, mb.y1))
    rect = page.rect
    return rect.y1 - (extra + height) / 2 if rot in (0, 90) else rect.y0 + (extra - height) / 2

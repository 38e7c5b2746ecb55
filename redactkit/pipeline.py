"""The pipeline a record flows through: named stages over a per-record context.

    propose_record   screen, open_document, read_pages, [stamp_ahead], detect
      (then, for the whole request: a value redacted anywhere is found everywhere; api.Job.share)
    release_record   [duplicate], decide, second_look, redact, slip_sheets, text_layer, stamp, sanitise,
                     save, verify, heal, remember
    review_record    decide, second_look          (the plan and review.pdf take it from there)
    planned_record   screen, open_document, read_pages, planned, then release_record's stages
                     from redact on (release --plan: the reviewed plan decides, nothing is detected)

Each stage is a function of the `RecordContext` that adds to it. `run` is the one place that
times the stages and turns a failure inside any of them into a withheld record with its reason.
A stage that cannot release one page withholds that page (`withhold_page`: a slip sheet takes its
place), not the record; the record is withheld only when nothing of it can be released.
"""
from __future__ import annotations

import json
import os
import time
from array import array
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from . import apply as apply_mod
from . import bates as bates_mod
from . import dedupe as dedupe_mod
from . import heal as heal_mod
from . import verify as verify_mod
from .detect.pool import running as pool_running
from .detect.pool import starting as pool_starting
from .detect.pool import trim_memory, workers
from .errors import RedactkitError
from .ingest import Unreadable, too_large, unsupported_reason
from .ingest.pdf import open_record, page_text, read_pages_each
from .package import log_entry, sha256_file
from .plan import in_scope
from .text import ValueIndex
from .textlayer import text_layer
from .types import Finding, PageText, Record, RecordOutcome, Redaction, WithheldPage

if TYPE_CHECKING:
    import pymupdf

    from .api import Job

CHUNK = 32            # pages read (and sent to detection) together
KEEP_BOXES = 64       # records up to this long keep their characters' boxes as read
PACK_BOXES = 256      # longer ones, up to this long, keep them packed (about 160 kB a page); longer ones
                      # read them again when each page is redacted
SECOND_LOOKS = 2      # passes of the second look before release
REDACTION_LOG = "redaction_log.jsonl"   # in internal/


@dataclass
class RecordContext:
    """Everything one record gathers on its way through the stages."""

    job: Job
    record: Record
    index: int                                        # 1-based place in the request
    doc: pymupdf.Document | None = None
    pages: dict[int, PageText] = field(default_factory=dict)     # text per page (boxes dropped when read again)
    findings: dict[int, list[Finding]] = field(default_factory=dict)
    redactions: dict[int, list[Redaction]] = field(default_factory=dict)
    regions: list[apply_mod.RedactionBox] = field(default_factory=list)   # faces, staff regions
    boxes: list[apply_mod.RedactionBox] = field(default_factory=list)
    withheld: dict[int, WithheldPage] = field(default_factory=dict)        # pages given a slip sheet
    healed: set[int] = field(default_factory=set)     # pages that passed after a further redaction
    problems: list[verify_mod.Problem] = field(default_factory=list)
    output: Path | None = None
    outcome: RecordOutcome | None = None
    pending: list[Callable[[], list[list[Finding]]]] = field(default_factory=list)   # detection under way
    unsent: list[list[tuple[str, int]]] = field(default_factory=list, repr=False)   # pages read while the workers start
    stamps: dict[int, bates_mod.Stamp] = field(default_factory=dict)     # each page's Bates stamp
    bates_first: int | None = None                    # the record's first Bates number, once taken
    packed: dict[int, _Packed] = field(default_factory=dict, repr=False)   # boxes of pages read, packed
    looks: list = field(default_factory=list)         # second looks under way: (pages, spans, pending)
    ocr_reads: dict[int, str] = field(default_factory=dict, repr=False)   # what verification's OCR read, per scan page
    scan_source: bytes | None = field(default=None, repr=False)   # a scanned record before redaction
    cleanups: list[Callable[[], None]] = field(default_factory=list, repr=False)   # run when the record is closed

    @property
    def page_count(self) -> int:
        return self.doc.page_count if self.doc is not None else 0

    def withhold(self, reason: str, attention: bool = True) -> None:
        """The record is not released."""
        self.outcome = RecordOutcome(self.record, "withheld", reason, needs_attention=attention)
        self.close()
        if self.output is not None:
            self.output.unlink(missing_ok=True)

    def withhold_page(self, page: int, reason: str, codes: tuple[str, ...] = ()) -> None:
        """This page is released as a slip sheet; the rest of the record goes on."""
        self.withheld.setdefault(page, WithheldPage(page, reason, codes))

    def full_page(self, n: int) -> PageText:
        """Page n with its character boxes: kept for scans (OCR runs once), unpacked for records
        up to PACK_BOXES pages, read again otherwise."""
        pt = self.pages[n]
        if pt.boxes or not pt.text:
            return pt
        if n in self.packed:
            return self.packed[n].page(pt)
        again = page_text(self.doc[n])
        if again.text != pt.text:
            raise Unreadable(f"page {n + 1} reads differently on a second reading; withheld for manual review")
        return again

    def close(self) -> None:
        while self.cleanups:
            self.cleanups.pop()()
        if self.doc is not None:
            self.doc.close()
            self.doc = None


Stage = Callable[[RecordContext], None]


def stage(phase: str):
    """Mark a function as a pipeline stage and say which phase its time is charged to."""
    def mark(fn: Stage) -> Stage:
        fn.phase = phase
        return fn
    return mark


def run(ctx: RecordContext, *stages: Stage) -> None:
    """Run the stages in order until the record has an outcome. The one place where a stage's
    failure becomes a withheld record: a record that cannot be read safely, or any unexpected
    error inside one record, withholds that record (with its reason) and never the request.
    Errors the user must act on for the whole request (RedactkitError) still stop it."""
    clock = ctx.job.clock
    for st in stages:
        if ctx.outcome is not None:
            return
        start = time.perf_counter()
        try:
            st(ctx)
        except Unreadable as exc:
            ctx.withhold(str(exc))
        except (RedactkitError, KeyboardInterrupt, MemoryError):
            ctx.close()
            raise
        except Exception as exc:  # a bug, or a MuPDF failure on a hostile file: withhold, never pass through
            if os.environ.get("REDACTKIT_DEBUG"):
                raise
            ctx.withhold(f"could not be processed safely at the {st.__name__.replace('_', ' ')} stage "
                         f"({type(exc).__name__}); withheld for manual review")
        finally:
            clock.add(st.phase, time.perf_counter() - start)


# --- propose: what to redact -------------------------------------------------------------------

@stage("ingest")
def screen(ctx: RecordContext) -> None:
    """Policy first (a consent's scope), then what no reader can take (kind, size)."""
    job, rec = ctx.job, ctx.record
    if not in_scope(job.request, rec.info_category):
        named = ", ".join(job.request.consent.information) if job.request.consent else ""
        ctx.withhold(f"outside the consent: the release names {named}, not '{rec.info_category}'", attention=False)
        return
    reason = too_large(rec, job.limit) or unsupported_reason(rec)
    if reason:
        ctx.withhold(reason)


@stage("ingest")
def open_document(ctx: RecordContext) -> None:
    ctx.doc = open_record(ctx.record, ctx.job.passwords)


@stage("ingest")
def read_pages(ctx: RecordContext) -> None:
    """Every page's text, in chunks; each chunk goes to detection (the worker processes) while
    the next is read. A page that cannot be read is withheld alone."""
    detect_now = ctx.job.plan is None
    for start in range(0, ctx.page_count, CHUNK):
        pages, failed = read_pages_each(ctx.doc, range(start, min(start + CHUNK, ctx.page_count)))
        for n, reason in failed.items():
            ctx.withhold_page(n, reason)
        keep = ctx.page_count <= KEEP_BOXES
        for pt in pages:
            # a long record's boxes are packed, or read again when each page is redacted, so that
            # they are never all in memory as objects (a scan keeps them: OCR runs once)
            ctx.pages[pt.number] = pt if pt.ocr or keep else replace(pt, boxes=[], lines=[], baselines=[], sizes=[])
            if not (pt.ocr or keep) and ctx.page_count <= PACK_BOXES:
                ctx.packed[pt.number] = _Packed(pt)
        if detect_now and pages:
            ctx.unsent.append([(pt.text, pt.number) for pt in pages])
            if not pool_starting():     # else reading goes on, and the pages go when the workers are up
                send_pages(ctx)
    if not ctx.pages:
        first = ctx.withheld[min(ctx.withheld)].reason if ctx.withheld else "no page"
        ctx.withhold(first if ctx.page_count == 1 else f"no page can be read ({first})")


def send_pages(ctx: RecordContext) -> None:
    """The pages read and not yet sent, to detection (the worker processes, once they are up:
    sending waits for them). The last few pages of a long record go to the workers too: they have
    the model loaded."""
    ctx.pending.extend(ctx.job.detector.start_many(items, prefer_workers=True) for items in ctx.unsent)
    ctx.unsent.clear()


@stage("apply")
def stamp_ahead(ctx: RecordContext) -> None:
    """A release's Bates stamps, drawn on a long record's pages of text while the worker processes
    start and detect it: this process would only wait for them (the stamps were a fifth of its
    redact stage on the ordinary benchmark file). The pages read while the workers started go to
    them as soon as they are up. Only for the request's first record, whose numbers are the
    production's first whatever the other records turn out to be, and only for pages whose
    characters are kept as read (a page read again later must read as it did when detected). A
    stamp goes where nothing is drawn on the page, so no box reaches it; slip sheets and scans are
    stamped in the stamp stage, as always."""
    if ctx.index != 1 or ctx.doc is None or not (ctx.pending or ctx.unsent) or not pool_running():
        return
    for n, pt in sorted(ctx.pages.items()):
        if ctx.unsent and not pool_starting():
            send_pages(ctx)
        if not pt.ocr and n not in ctx.withheld and (pt.boxes or n in ctx.packed):
            bates_mod.stamp_early(ctx, n)


@stage("detect")
def detect(ctx: RecordContext) -> None:
    send_pages(ctx)
    for pending in ctx.pending:
        for found in pending():
            if found:
                ctx.findings[found[0].page] = found
    ctx.pending.clear()


@stage("detect")
def decide(ctx: RecordContext) -> None:
    """The recipe's decision on every finding, and on what the rest of the request and the
    record's own structure say must go: values redacted anywhere in the request (and their other
    forms), the e-mail's own text and headers, text the source only covered, faces on scans."""
    job, recipe = ctx.job, ctx.job.recipe
    carry = job.carried(ctx.record)
    for n, pt in ctx.pages.items():
        reds = [job.decide(f) for f in ctx.findings.get(n, ())]
        reds += [job.decide(f) for f in _occurrences(pt, carry)]
        reds += [Redaction(Finding(n, s, e, pt.text[s:e], "COVERED_TEXT", 1.0, "SourceCover", found_on="record"),
                           "redact", recipe.default_reason) for s, e in pt.covered]
        if recipe.redact_faces and pt.ocr:
            faces = apply_mod.face_boxes(ctx.doc[n], n, recipe.default_reason)
            ctx.regions += faces
            reds += [b.redaction for b in faces]
        ctx.redactions[n] = reds


@stage("detect")
def second_look(ctx: RecordContext) -> None:
    """Detect again on each page as it will read once redacted (the verifier's own second look):
    a value whose context changed (a token left alone beside a removed name) is redacted now,
    not found later on the release. At most SECOND_LOOKS passes.

    The first pass starts here for every page, CHUNK pages a group (in the worker processes when
    they are running); each group's results are taken, and its further passes made, when the
    first of its pages is needed (`looked`): the redaction of the first pages then goes on while
    the workers look at the next ones. (A long record whose text is removed in the workers takes
    them all in first: see `_removed_elsewhere`.)"""
    pages = sorted(ctx.pages)
    for i in range(0, len(pages), CHUNK):
        group = pages[i:i + CHUNK]
        spans = {n: _spans(ctx, n) for n in group}
        ctx.looks.append((group, spans, ctx.job.second_look.start_many(
            [(_masked(ctx.pages[n].text, spans[n]), n) for n in group])))


@stage("detect")
def looked(ctx: RecordContext, upto: int | None = None) -> None:
    """The second look's results, for the pages up to `upto` (all of them when None)."""
    while ctx.looks and (upto is None or ctx.looks[0][0][0] <= upto):
        todo, spans, pending = ctx.looks.pop(0)
        for _ in range(SECOND_LOOKS):
            again = []
            for n, reds in zip(todo, pending()):
                new = [replace(r, finding=replace(r.finding, found_on="second look")) for r in reds
                       if not _inside(r.finding, spans[n])]
                if new:
                    ctx.redactions[n].extend(new)
                    again.append(n)
            todo = again
            if not todo:
                break
            spans = {n: _spans(ctx, n) for n in todo}
            pending = ctx.job.second_look.start_many([(_masked(ctx.pages[n].text, spans[n]), n) for n in todo])


def _spans(ctx: RecordContext, n: int) -> list[tuple[int, int]]:
    return sorted((r.finding.start, r.finding.end) for r in ctx.redactions.setdefault(n, [])
                  if r.decision == "redact" and r.finding.start >= 0)


@stage("detect")
def planned(ctx: RecordContext) -> None:
    """Release with a reviewed plan: its entries are this record's redactions, exactly."""
    try:
        ctx.redactions, ctx.regions = ctx.job.plan.redactions(ctx.record, ctx.pages, ctx.page_count)
    except ValueError as exc:
        ctx.withhold(str(exc))


# --- release: apply, verify, heal ----------------------------------------------------------------

@stage("apply")
def redact(ctx: RecordContext) -> None:
    """True redaction, page by page: boxes built from the characters each redaction covers. A long
    record's plain text pages have the text under their boxes removed in the worker processes
    (`_removed_elsewhere`); here they take the result and their labels."""
    blank = ctx.job.recipe.blank_images
    if any(pt.ocr for pt in ctx.pages.values()):
        # the scanned pages as they were: the verifier compares the released pixels with them
        ctx.scan_source = ctx.doc.tobytes()
    elsewhere = _removed_elsewhere(ctx, blank)
    for n in sorted(ctx.pages):
        looked(ctx, upto=n)
        if n in ctx.withheld:
            continue
        pt = ctx.pages[n]
        boxes = elsewhere.boxes.pop(n, None)
        if boxes is None:
            boxes = _boxes(ctx, n)
        done = elsewhere.result(n)
        if done is not None:
            apply_mod.take_over(ctx.doc, ctx.doc[n], *done)
            apply_mod.write_labels(ctx.doc[n], boxes)
            bates_mod.stamp_early(ctx, n)     # while the workers remove the next pages' text
        else:
            # a research release blanks photographs; on a scan the page is the image, so only the
            # words found in it are blanked
            apply_mod.redact_page(ctx.doc[n], boxes, blank_images=blank and not pt.ocr)
        ctx.boxes += boxes


def _boxes(ctx: RecordContext, n: int) -> list[apply_mod.RedactionBox]:
    """Page n's boxes: over the characters of its redactions, and its regions (faces, staff regions)."""
    return apply_mod.boxes_for(ctx.full_page(n), ctx.redactions.get(n, [])) + [b for b in ctx.regions if b.page == n]


ELSEWHERE_MIN = 24    # pages of text: a record this long has them redacted in the worker processes
ELSEWHERE_GROUP = 16  # pages sent together


class _Elsewhere:
    """The removal under a long record's boxes, done in the worker processes while this process
    goes on (apply.remove_elsewhere: plain pages of text come back as their new contents; the
    rest, and any page whose worker failed, is redacted here as always)."""

    def __init__(self):
        self.boxes: dict[int, list[apply_mod.RedactionBox]] = {}
        self.waiting: dict[int, Callable[[], list]] = {}
        self.done: dict[int, tuple[str, bytes]] = {}
        self.path: Path | None = None

    def result(self, n: int) -> tuple[str, bytes] | None:
        wait = self.waiting.pop(n, None)
        if wait is not None:
            try:
                for found in wait():
                    self.done.update(found)
            except Exception:     # the worker failed: these pages are redacted here
                pass
            for m in [m for m, w in self.waiting.items() if w is wait]:
                del self.waiting[m]
        return self.done.pop(n, None)

    def close(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)


def _removed_elsewhere(ctx: RecordContext, blank: bool) -> _Elsewhere:
    """Start the removal of a long record's text pages in the workers, group by group, with their
    boxes (kept for the redact stage). Every page's second look is taken in first: a further pass
    of a page's look, sent behind removals already queued, would wait for them all (0.6-0.7 s on
    the ordinary benchmark file), and the boxes of its group with it."""
    out = _Elsewhere()
    spread = ctx.job.spread
    plain = [n for n in sorted(ctx.pages) if n not in ctx.withheld and not ctx.pages[n].ocr]
    if spread is None or len(plain) < ELSEWHERE_MIN or ctx.job.internal_dir is None:
        return out
    import tempfile

    try:
        fd, name = tempfile.mkstemp(prefix=".unredacted-", suffix=".pdf", dir=ctx.job.internal_dir)
        out.path = Path(name)
        ctx.cleanups.append(out.close)
        with os.fdopen(fd, "wb") as f:
            f.write(ctx.doc.tobytes())
    except Exception:     # no copy for the workers (a full disk, a document MuPDF cannot write): here
        return out
    looked(ctx)
    for i in range(0, len(plain), ELSEWHERE_GROUP):
        group = plain[i:i + ELSEWHERE_GROUP]
        tasks = []
        for n in group:
            out.boxes[n] = _boxes(ctx, n)
            tasks.append((n, [b.rect for b in out.boxes[n]], blank, apply_mod.page_state(ctx.doc, ctx.doc[n])))
        wait = spread(apply_mod.remove_elsewhere, [(name, tasks)])
        for n in group:
            out.waiting[n] = wait
    # behind the removals: the verifier's modules, loaded while the workers wait for the save
    spread(apply_mod.load_verifier, [() for _ in range(workers())])
    return out


@stage("apply")
def slip_sheets(ctx: RecordContext) -> None:
    for n in sorted(ctx.withheld):
        ctx.stamps.pop(n, None)     # the stamp goes with the page; the slip sheet is stamped next
        apply_mod.slip_sheet(ctx.doc, n, heal_mod.slip_text(ctx, ctx.withheld[n]))


@stage("apply")
def sanitise(ctx: RecordContext) -> None:
    apply_mod.sanitise(ctx.doc)


@stage("apply")
def save(ctx: RecordContext) -> None:
    ctx.output = ctx.job.release_dir / f"{ctx.job.request.request_id}-{ctx.job.file_number(ctx):03d}.pdf"
    apply_mod.save(ctx.doc, ctx.output)
    ctx.job.page_counts[ctx.record.relpath] = ctx.page_count
    ctx.close()
    trim_memory()     # the redacted document's memory, before the verifier reads the file


@stage("verify")
def verify(ctx: RecordContext) -> None:
    """An independent read of the saved file (see redactkit.verify): typed problems."""
    heal_mod.verify_again(ctx)
    trim_memory()


@stage("verify")
def heal(ctx: RecordContext) -> None:
    heal_mod.heal(ctx)


@stage("package")
def remember(ctx: RecordContext) -> None:
    """The record is released: log its decisions, note what was redacted (for the manifest check
    and the file names) and which special categories went out; its manifest row."""
    job, rec = ctx.job, ctx.record
    counts: dict[str, int] = {}
    boxes_of: dict[int, list] = {}
    for b in ctx.boxes:
        for r in b.covers:
            boxes_of.setdefault(id(r), []).append(b.rect)
    numbers = bates_mod.log_numbers(ctx)
    # the internal redaction log is written as the records are remembered, not kept in memory
    with (job.internal_dir / REDACTION_LOG).open("a", encoding="utf-8") as log:
        for n, reds in ctx.redactions.items():
            if n in ctx.withheld:
                continue
            for r in counted(reds):
                counts[r.reason] = counts.get(r.reason, 0) + 1
            for r in reds:
                if r.decision == "redact":
                    job.redacted.setdefault(r.finding.text, r.finding)
                elif r.finding.entity.startswith("SPECIAL_"):
                    job.released_special.add(r.finding.entity)
                for box in boxes_of.get(id(r), [None]):
                    log.write(json.dumps(log_entry(job.key, rec.relpath, r, box) | numbers(r.finding.page + 1)) + "\n")
    withheld = [ctx.withheld[n] for n in sorted(ctx.withheld)]
    ctx.outcome = RecordOutcome(rec, "released", output_name=ctx.output.name, output_sha256=sha256_file(ctx.output),
                                pages=job.page_counts[rec.relpath], redaction_counts=counts,
                                needs_attention=bool(withheld), withheld_pages=withheld, healed_pages=len(ctx.healed))


# --- the ways through ----------------------------------------------------------------------------

def propose_record(ctx: RecordContext, *meanwhile: Stage) -> None:
    """`meanwhile`: stages that run while the worker processes detect (a release's stamps)."""
    run(ctx, screen, dedupe_mod.same_bytes, open_document, read_pages, *meanwhile, detect)


def planned_record(ctx: RecordContext) -> None:
    run(ctx, screen, dedupe_mod.same_bytes, open_document, read_pages, planned)


def review_record(ctx: RecordContext) -> None:
    run(ctx, decide, second_look, looked)


def release_record(ctx: RecordContext) -> RecordOutcome:
    if ctx.job.plan is None:
        run(ctx, decide, second_look)
    run(ctx, redact, slip_sheets, text_layer, bates_mod.stamp, sanitise, save, verify, heal, remember)
    ctx.close()
    return ctx.outcome


# --- helpers -------------------------------------------------------------------------------------

class _Packed:
    """A page's character boxes, baselines, sizes and lines in flat arrays of machine numbers
    (the same doubles, a quarter of the memory of tuples of floats)."""

    __slots__ = ("boxes", "gaps", "lines", "baselines", "sizes")

    def __init__(self, pt: PageText):
        self.gaps = bytes(b is None for b in pt.boxes)          # joiners between lines: no box
        self.boxes = array("d", [x for b in pt.boxes if b is not None for x in b])
        self.lines, self.baselines, self.sizes = array("q", pt.lines), array("d", pt.baselines), array("d", pt.sizes)

    def page(self, pt: PageText) -> PageText:
        flat = iter(self.boxes.tolist())
        quads = zip(flat, flat, flat, flat)
        boxes = [None if gap else next(quads) for gap in self.gaps]
        return replace(pt, boxes=boxes, lines=self.lines.tolist(), baselines=self.baselines.tolist(),
                       sizes=self.sizes.tolist())


def counted(reds: list[Redaction]) -> list[Redaction]:
    """Redactions to count: those not inside another redaction's span. What verification found
    has its offsets in the released page's text, not the source's: compared among themselves."""
    later = [r for r in reds if r.finding.found_on == "verification"]
    if later:
        return _counted([r for r in reds if r.finding.found_on != "verification"]) + _counted(later)
    return _counted(reds)


def _counted(reds: list[Redaction]) -> list[Redaction]:
    out, reach = [], -1
    for r in sorted((r for r in reds if r.decision == "redact"), key=lambda r: (r.finding.start, -r.finding.end)):
        if r.finding.start < 0:     # a region (a face, a staff region): each counts
            out.append(r)
            continue
        if r.finding.end <= reach:
            continue
        out.append(r)
        reach = max(reach, r.finding.end)
    return out


def _occurrences(pt: PageText, carry: tuple[ValueIndex, dict[str, Finding]]) -> list[Finding]:
    index, templates = carry
    out = []
    for s, e, value in index.finditer(pt.text):
        f = templates[value]
        out.append(Finding(pt.number, s, e, pt.text[s:e], f.entity, f.score, f.detector, f.party, f.role,
                           found_on=f.found_on))
    return out


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for s, e in spans:
        for i in range(s, min(e, len(chars))):
            if not chars[i].isspace():
                chars[i] = " "
    return "".join(chars)


def _inside(f: Finding, spans: list[tuple[int, int]]) -> bool:
    return any(s <= f.start and f.end <= e for s, e in spans)

"""Duplicates: the same document in several places (an attachment forwarded three times, a letter
filed in two folders, a letter scanned twice) is released once.

Found by content, in release order, among the records policy admits:
1. the same bytes (SHA-256): found before the copy is read (`same_bytes`, a propose stage), so
   that it is neither read nor OCR'd again;
2. the same text on every page (compared as a reader compares text: case, spacing, dashes), once
   every record is read (`same_text`): for a text PDF also the same pictures on every page (a
   signed and an unsigned copy of a letter are two documents); for a scan, the same OCR text.
The first place is released; every other place is listed in the manifest as a duplicate that
points to the first's Bates range, with the ground it was found on. A copy shares the first's
fate (`resolve`): if the first is withheld, so is the copy, with the same reason. Its decisions
are the first's by construction: its content is released once, redacted once.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .text import norm
from .types import RecordOutcome

if TYPE_CHECKING:
    from .pipeline import RecordContext

SAME_BYTES = "the same file (identical bytes)"
SAME_TEXT = "the same text on every page"
SAME_SCAN = "the same text on every page, as read by OCR"
MIN_CHARS = 40     # a document with less text than this is never a text duplicate


def _seen(job) -> dict:
    if not hasattr(job, "dedupe_seen"):
        job.dedupe_seen = {}
    return job.dedupe_seen


def _mark(ctx: RecordContext, first: RecordContext, basis: str) -> None:
    ctx.outcome = RecordOutcome(ctx.record, "duplicate", basis, duplicate_of=first.record.relpath)
    ctx.close()


def same_bytes(ctx: RecordContext) -> None:
    """Propose stage (after `screen`): a record whose bytes an earlier admitted record has is a
    duplicate of it."""
    sha = ctx.record.sha256
    if not sha or ctx.record.problem:
        return
    seen = _seen(ctx.job)
    first = seen.setdefault(("bytes", sha), ctx)
    if first is not ctx:
        _mark(ctx, first, SAME_BYTES)


same_bytes.phase = "ingest"


def same_text(contexts: list[RecordContext]) -> int:
    """After every record is read: mark the records whose every page reads as an earlier one's.
    Returns how many were marked. (A text PDF's pictures are compared only when its text is an
    earlier record's: hashing pictures costs a decoding of each.)"""
    seen: dict = {}
    marked = 0
    for ctx in contexts:
        if ctx.outcome is not None or ctx.doc is None or ctx.withheld or len(ctx.pages) != ctx.page_count:
            continue
        texts = tuple(norm(ctx.pages[n].text) for n in range(ctx.page_count))
        if sum(len(t) for t in texts) < MIN_CHARS:
            continue
        scans = all(ctx.pages[n].ocr for n in range(ctx.page_count))
        earlier = seen.setdefault((texts, scans), [])
        if not earlier:
            earlier.append((ctx, None))
            continue
        pictures = None if scans else _pictures(ctx)
        first = None
        for i, (other, theirs) in enumerate(earlier):
            if not scans and theirs is None:
                theirs = _pictures(other)
                earlier[i] = (other, theirs)
            if scans or theirs == pictures:
                first = other
                break
        if first is None:
            earlier.append((ctx, pictures))
            continue
        _mark(ctx, first, SAME_SCAN if scans else SAME_TEXT)
        marked += 1
    return marked


def _pictures(ctx: RecordContext) -> tuple:
    """Per page, the digests of the pictures drawn on it (order and place aside)."""
    out = []
    for n in range(ctx.page_count):
        try:
            out.append(tuple(sorted(i.get("digest", b"").hex() for i in ctx.doc[n].get_image_info(hashes=True))))
        except Exception:
            out.append(("?", n, id(ctx)))      # cannot tell: never equal to another's
    return tuple(out)


def resolve(outcomes: list[RecordOutcome]) -> list[RecordOutcome]:
    """Each duplicate takes its first's fate: pointing to the released record (its Bates range is
    added with the others), or withheld with the first's reason."""
    by_path = {o.record.relpath: (i, o) for i, o in enumerate(outcomes, 1)}
    out = []
    for o in outcomes:
        if o.status == "duplicate":
            i, first = by_path.get(o.duplicate_of, (0, None))
            if first is None or first.status != "released":
                why = first.reason if first is not None else "not found"
                o = replace(o, status="withheld", needs_attention=bool(first and first.needs_attention),
                            reason=f"{o.reason} as record {i} of this request, which is withheld: {why}")
        out.append(o)
    return out

"""Small typed records passed between the pipeline's stages.

No stage reaches into another's internals: each takes and returns these.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points, top-left origin


@dataclass(frozen=True)
class Record:
    """One case record as found in the request folder."""

    path: Path              # absolute path of the source (read-only)
    relpath: str            # path relative to the request folder, POSIX form
    info_category: str      # first folder under records/ (medical, school, ...)
    sha256: str
    size: int
    kind: str               # "pdf", "email", "image", "other" (from content, not extension)
    data: bytes | None = field(default=None, repr=False)   # in-memory content (rendered e-mail, attachment)
    parent: str | None = None        # relpath of the message this record is attached to
    source_text: str | None = field(default=None, repr=False)  # the message's own text (e-mail renders)
    problem: str | None = None       # why it cannot be read (set while expanding e-mails)
    # identifiers known from the record's structure rather than found in its prose (an e-mail's
    # From/To/Cc display names and addresses): (text, entity). Redacted wherever they stand in
    # the record, as the recipe decides for that entity.
    values: tuple[tuple[str, str], ...] = ()


@dataclass
class PageText:
    """A page's text with one box per character (None for joiners added between lines)."""

    number: int             # 0-based page index
    text: str
    boxes: list[Box | None]
    lines: list[int]        # visual line id per character (-1 for joiners)
    baselines: list[float]  # baseline y per character (0 for joiners)
    sizes: list[float]      # font size per character (0 for joiners)
    width: float
    height: float
    ocr: bool = False       # read by OCR from the page's pixels
    # character spans (start, end) that the source already hid under an opaque rectangle (a
    # "redaction" that only covers): they are redacted for real, whatever the recipe
    covered: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Party:
    name: str
    role: str
    aliases: tuple[str, ...] = ()
    is_requester: bool = False   # the requester, or the party an attorney represents
    identifiers: tuple[str, ...] = ()   # values request.yaml lists as this party's own (phone, SSN, ...)


@dataclass
class Finding:
    """Something the detectors found: where, what, and whose."""

    page: int
    start: int
    end: int
    text: str
    entity: str             # PERSON, US_SSN, PHONE_NUMBER, ADDRESS, ...
    score: float
    detector: str           # recognizer name
    party: str | None = None    # roster party name, when attributed
    role: str | None = None     # party role: child, reporter, ..., "self", "unknown"
    # which pass found it: "detection"; "record" (the record's structure: e-mail headers, text the
    # source covered); "request" (a value redacted elsewhere in the request); "second look" (the
    # text as it will read after redaction); "verification" (the released file, read back)
    found_on: str = "detection"


@dataclass
class Redaction:
    """A finding with the recipe's decision on it."""

    finding: Finding
    decision: Literal["redact", "keep"]
    reason: str             # short reason code from the recipe (printed on the box)


@dataclass(frozen=True)
class WithheldPage:
    """A page released as a slip sheet instead of its content."""

    page: int                            # 0-based
    reason: str                          # why (never a value)
    codes: tuple[str, ...] = ()          # reason codes of what could not be shown removed from it


@dataclass
class RecordOutcome:
    """What happened to one record; the manifest's row."""

    record: Record
    status: Literal["released", "withheld", "duplicate"]
    reason: str = ""                     # why withheld (never a redacted value); a duplicate: on what ground
    output_name: str = ""
    output_sha256: str = ""
    pages: int = 0
    redaction_counts: dict[str, int] = field(default_factory=dict)
    needs_attention: bool = False        # withheld because unreadable / unverified, not by policy
    withheld_pages: list[WithheldPage] = field(default_factory=list)   # replaced by slip sheets
    healed_pages: int = 0                # pages that passed verification after a further redaction
    bates: tuple[str, str] | None = None     # first and last production number of its pages
    duplicate_of: str = ""               # a duplicate (or a copy withheld with it): the first place's relpath

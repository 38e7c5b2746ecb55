"""Stage 2: find the records in a request folder and read them.

`discover` lists every file under records/ with its hash and its kind, judged from its content
rather than its extension. Readers per kind live beside this module (pdf.py; e-mail and scans
come later). A record no reader can read safely is withheld with the reason, never passed through.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..types import Record

PDF_MAGIC = b"%PDF-"
IMAGE_MAGICS = (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF8", b"BM")


class Unreadable(Exception):
    """A record (or one of its pages) cannot be read safely; the message is the manifest's reason."""


def sniff(head: bytes, suffix: str) -> str:
    """The record's kind from its first bytes (and, for e-mail, its extension)."""
    if PDF_MAGIC in head[:1024]:
        return "pdf"
    if head.startswith(IMAGE_MAGICS):
        return "image"
    if suffix in {".eml", ".msg"}:
        return "email"
    from .office import is_office
    if is_office(head, suffix):
        return "office"      # .docx, .xlsx, .odt, .rtf, .txt, .html: converted to PDF (ingest/office.py)
    return "other"


def discover(request_dir: Path) -> list[Record]:
    """Every file under records/, sorted by path. Symbolic links are listed but never followed."""
    root = request_dir / "records"
    found: list[Record] = []
    for path in sorted(root.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        rel = path.relative_to(request_dir).as_posix()
        parts = path.relative_to(root).parts
        info_category = parts[0] if len(parts) > 1 else "other"
        if path.is_symlink() or not path.is_file():
            found.append(Record(path, rel, info_category, "", 0, "link"))
            continue
        digest = hashlib.sha256()
        with path.open("rb") as fh:  # read-only; sources are never written
            head = fh.read(1024)
            digest.update(head)
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        found.append(Record(path, rel, info_category, digest.hexdigest(), path.stat().st_size,
                            sniff(head, path.suffix.lower())))
    return found


DEFAULT_MAX_MB = 512


def max_bytes(max_mb: float | None = None) -> int:
    """The size past which a record is withheld unread: --max-mb, else REDACTKIT_MAX_MB, else 512 MB."""
    if max_mb is None:
        try:
            max_mb = float(os.environ.get("REDACTKIT_MAX_MB", DEFAULT_MAX_MB))
        except ValueError:
            max_mb = DEFAULT_MAX_MB
    return int(max_mb * 1024 * 1024)


def too_large(record: Record, limit: int) -> str | None:
    if record.size > limit:
        return (f"file is {record.size / 1048576:.3g} MB, over the {limit / 1048576:.3g} MB limit "
                "(--max-mb); withheld for manual handling")
    return None


def expand(records: list[Record], limit: int | None = None) -> list[Record]:
    """E-mails replaced by the records they consist of (rendered message, attachments). An e-mail
    over the size limit is not opened: it stays one record, withheld for its size."""
    from .email import expand as expand_email

    limit = max_bytes() if limit is None else limit
    out: list[Record] = []
    for rec in records:
        out.extend(expand_email(rec) if rec.kind == "email" and 0 < rec.size <= limit else [rec])
    return out


def unsupported_reason(record: Record) -> str | None:
    """Why a record of this kind cannot be released yet, or None if a reader exists for it."""
    if record.problem:
        return record.problem
    if record.kind == "link":
        return "symbolic link or special file: not followed"
    if record.size == 0:
        return "empty file"
    if record.kind in ("pdf", "image", "office"):
        return None
    if record.kind == "email":
        return "e-mail message could not be expanded; withheld for manual handling"
    name = record.relpath.rsplit("/", 1)[-1]
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix == ".pdf":
        return "content is not a PDF although the name ends in .pdf"
    what = "attachment" if record.parent else "file"
    return f"unsupported {what} type ({suffix or 'no extension'}); withheld for manual handling"

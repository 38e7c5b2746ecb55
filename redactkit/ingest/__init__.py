"""Stage 2: find the records in a request folder and read them.

`discover` lists every file under records/ with its hash and its kind, judged from its content
rather than its extension. Readers per kind live beside this module (pdf.py; e-mail and scans
come later). A record no reader can read safely is withheld with the reason, never passed through.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import replace
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


MAX_NESTING = 10   # files inside files inside files... deeper than this are withheld, listed


def expand(records: list[Record], limit: int | None = None, passwords: tuple[str, ...] = ()) -> list[Record]:
    """Records replaced or followed by the records inside them: an e-mail by its rendered message
    and its attachments (nested messages expanded in turn); a PDF followed by its embedded files
    and the files of its file-attachment annotations, each a record of its own linked to it by
    `parent` (a PDF inside is expanded in turn). A record over the size limit is not opened: it
    stays one record, withheld for its size. `passwords` open encrypted PDFs to list their files."""
    from .email import expand as expand_email

    limit = max_bytes() if limit is None else limit
    out: list[Record] = []
    for rec in records:
        found = expand_email(rec) if rec.kind == "email" and 0 < rec.size <= limit else [rec]
        out.extend(_with_embedded(found, limit, passwords, 0))
    return out


def _with_embedded(records: list[Record], limit: int, passwords: tuple[str, ...], depth: int) -> list[Record]:
    from .email import expand as expand_email

    out: list[Record] = []
    for rec in records:
        out.append(rec)
        # the PDF's own bytes only: renders of messages and text files hold nothing embedded
        if rec.kind != "pdf" or rec.source_text is not None or rec.problem or not 0 < rec.size <= limit:
            continue
        kids = embedded_records(rec, passwords, limit)
        if kids and depth + 1 >= MAX_NESTING:
            out += [replace(k, problem="files nested too deeply; withheld for manual review", data=None) for k in kids]
            continue
        for kid in kids:
            found = expand_email(kid, 1, kid.values) if kid.kind == "email" and kid.problem is None else [kid]
            out.extend(_with_embedded(found, limit, passwords, depth + 1))
    return out


def embedded_records(record: Record, passwords: tuple[str, ...] = (), limit: int | None = None) -> list[Record]:
    """The files a PDF carries: its embedded files (the /EmbeddedFiles name tree, portfolios) and
    the files of its file-attachment annotations, as records linked to it. A file that cannot be
    extracted, or is over the size limit, is a record with `problem` set. An encrypted PDF that no
    password opens lists nothing (it is withheld itself)."""
    import pymupdf

    from .email import Attachment, attachment_record

    limit = max_bytes() if limit is None else limit
    try:
        data = record.data if record.data is not None else record.path.read_bytes()
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception:
        return []
    atts: list[Attachment] = []
    try:
        if doc.needs_pass and not any(doc.authenticate(pw) for pw in passwords):
            return []

        def take(name: str, size: int, get) -> None:
            if size > limit:
                atts.append(Attachment(name, "", b"", problem=f"embedded file '{name}' is over the size limit "
                                       "(--max-mb); withheld for manual handling"))
                return
            try:
                content = get()
            except Exception:
                content = None
            if content is None:
                atts.append(Attachment(name, "", b"", problem=f"embedded file '{name}' cannot be extracted; "
                                       "withheld for manual review"))
            else:
                atts.append(Attachment(name, "", bytes(content)))

        try:
            names = doc.embfile_names() if doc.embfile_count() else []
        except Exception:
            names = []
        for n in names:
            try:
                info = doc.embfile_info(n)
            except Exception:
                info = {}
            label = info.get("ufilename") or info.get("filename") or n
            take(label, max(info.get("size") or 0, info.get("length") or 0), lambda n=n: doc.embfile_get(n))
        # file-attachment annotations, found by object so that no page has to be loaded (only if
        # the name can be there: in the file's bytes, or inside a compressed object stream)
        scan_objects = b"FileAttachment" in data or b"ObjStm" in data or doc.is_repaired
        for xref in range(1, doc.xref_length() if scan_objects else 1):
            try:
                if doc.xref_get_key(xref, "Subtype")[1] != "/FileAttachment":
                    continue
                kind, ef = doc.xref_get_key(xref, "FS/EF/F")
            except Exception:
                continue
            label = next((v.strip("()") for k, v in (doc.xref_get_key(xref, "FS/UF"), doc.xref_get_key(xref, "FS/F"))
                          if k == "string" and v.strip("()")), "attachment")
            if kind != "xref":
                atts.append(Attachment(label, "", b"", problem=f"file attachment '{label}' cannot be extracted; "
                                       "withheld for manual review"))
                continue
            stream = int(ef.split()[0])
            size = doc.xref_get_key(stream, "Params/Size")
            length = doc.xref_get_key(stream, "Length")
            declared = max(int(v) if k == "int" else 0 for k, v in (size, length))
            take(label, declared, lambda x=stream: doc.xref_stream(x))
    finally:
        doc.close()
    return [attachment_record(record, i, att) for i, att in enumerate(atts, 1)]


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

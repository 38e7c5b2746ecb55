"""Read e-mail (.eml with the standard library, .msg with extract-msg) and render it to PDF.

A message becomes records of its own: the rendered message (From, To, Cc, Date, Subject, body,
list of attachments), then each attachment, linked to its parent. Routing headers (Bcc, Received,
Message-ID, X-*, ...) are never rendered. HTML bodies are reduced to their text: no scripts, no
styles, no images, nothing fetched. A message that cannot be read safely (malformed MIME, a body
in an undecodable charset, an unreadable .msg) is withheld with the reason.
"""
from __future__ import annotations

import email
import email.policy
import hashlib
import html
import io
import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath

import pymupdf

from ..types import Record
from . import Unreadable, sniff

SHOWN_HEADERS = ("From", "To", "Cc", "Date", "Subject")
logging.getLogger("extract_msg").setLevel(logging.CRITICAL)   # its errors are reported as reasons instead
MAX_DEPTH = 5


@dataclass
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class Message:
    headers: list[tuple[str, str]]
    body: str
    attachments: list[Attachment] = field(default_factory=list)


class _Text(HTMLParser):
    """HTML to plain text: block elements become line breaks; script/style/head are dropped."""

    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
              "blockquote", "pre", "hr", "section", "article", "header", "footer"}
    _SKIP = {"script", "style", "head", "title", "noscript", "template", "object", "iframe", "svg"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self.skip += 1
        elif tag in self._BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP and self.skip:
            self.skip -= 1
        elif tag in self._BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def html_to_text(markup: str) -> str:
    parser = _Text()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.out)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _decode(part) -> str:
    charset = part.get_content_charset() or "utf-8"
    payload = part.get_payload(decode=True) or b""
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        if charset.lower() in {"us-ascii", "ascii"}:
            try:
                return payload.decode("utf-8")
            except UnicodeDecodeError:
                pass
        raise Unreadable(f"e-mail body cannot be decoded as {charset}; withheld for manual review") from None


def read_eml(data: bytes) -> Message:
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception:
        raise Unreadable("malformed e-mail: cannot be parsed") from None
    defects = list(msg.defects) + [d for part in msg.walk() for d in part.defects]
    if defects:
        raise Unreadable(f"malformed e-mail ({type(defects[0]).__name__}); withheld for manual review")
    headers = []
    try:
        for name in SHOWN_HEADERS:
            value = msg.get(name)
            if value is not None:
                headers.append((name, str(value)))
    except Exception:
        raise Unreadable("malformed e-mail headers; withheld for manual review") from None
    if not headers:
        raise Unreadable("not an e-mail message (no From, To, Date or Subject header)")
    body_part = msg.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        text = _decode(body_part)
        body = html_to_text(text) if body_part.get_content_type() == "text/html" else text
    attachments = []
    for part in msg.iter_attachments():
        ctype = part.get_content_type()
        name = part.get_filename() or f"attachment.{ctype.split('/')[-1]}"
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            payload = inner.as_bytes(policy=email.policy.default) if hasattr(inner, "as_bytes") else b""
            attachments.append(Attachment(name if part.get_filename() else "forwarded message.eml", ctype, payload))
            continue
        payload = part.get_payload(decode=True)
        if payload is None:
            raise Unreadable(f"attachment '{name}' cannot be decoded; withheld for manual review")
        attachments.append(Attachment(name, ctype, payload))
    # inline images referenced from an HTML body are attachments too
    for part in msg.walk():
        if part.get_content_maintype() == "image" and part.get_content_disposition() == "inline":
            data_ = part.get_payload(decode=True) or b""
            attachments.append(Attachment(part.get_filename() or "inline image", part.get_content_type(), data_))
    return Message(headers, body.strip(), attachments)


def read_msg(path) -> Message:
    try:
        import extract_msg
        msg = extract_msg.openMsg(str(path))
    except Exception:
        raise Unreadable("Outlook .msg file cannot be read; withheld for manual review") from None
    try:
        headers = [(n, str(v)) for n, v in (("From", msg.sender), ("To", msg.to), ("Cc", msg.cc),
                                             ("Date", msg.date), ("Subject", msg.subject)) if v]
        body = msg.body or ""
        if not body.strip() and getattr(msg, "htmlBody", None):
            raw = msg.htmlBody
            body = html_to_text(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)
        attachments = []
        for att in msg.attachments:
            name = att.longFilename or att.shortFilename or "attachment"
            data = att.data
            if hasattr(data, "sender"):  # an embedded message: render it from its own fields
                inner = data
                text = "\n".join(f"{k}: {v}" for k, v in (("From", inner.sender), ("To", inner.to),
                                                          ("Date", inner.date), ("Subject", inner.subject)) if v)
                data = (text + "\n\n" + (inner.body or "")).encode("utf-8")
                attachments.append(Attachment(name + ".eml" if not name.endswith(".eml") else name,
                                              "message/rfc822", data))
                continue
            if not isinstance(data, (bytes, bytearray)):
                raise Unreadable(f".msg attachment '{name}' cannot be read; withheld for manual review")
            attachments.append(Attachment(name, att.mimetype or "application/octet-stream", bytes(data)))
        return Message(headers, body.strip(), attachments)
    except Unreadable:
        raise
    except Exception:
        raise Unreadable("Outlook .msg file cannot be read; withheld for manual review") from None
    finally:
        msg.close()


def message_text(msg: Message) -> str:
    """The message's own text, as the render shows it (detection runs on this)."""
    lines = [f"{n}: {v}" for n, v in msg.headers]
    lines += ["", msg.body, ""]
    if msg.attachments:
        lines.append("Attachments:")
        lines += [f"{i}. {a.name} ({a.content_type})" for i, a in enumerate(msg.attachments, 1)]
    return "\n".join(lines)


_CSS = ("body {font-family: sans-serif; font-size: 10pt;} td {padding: 1pt 4pt; vertical-align: top;}"
        " th {text-align: left; padding: 1pt 4pt;} p {margin: 0 0 6pt 0;}")


def render(msg: Message) -> bytes:
    e = html.escape
    head = "".join(f"<tr><th>{e(n)}:</th><td>{e(v)}</td></tr>" for n, v in msg.headers)
    paras = "".join(f"<p>{e(p).replace(chr(10), '<br/>')}</p>" for p in re.split(r"\n\s*\n", msg.body) if p.strip())
    atts = ""
    if msg.attachments:
        atts = "<p><b>Attachments:</b></p><ol>" + "".join(
            f"<li>{e(a.name)} ({e(a.content_type)})</li>" for a in msg.attachments) + "</ol>"
    story = pymupdf.Story(html=f"<table>{head}</table><hr/>{paras}{atts}", user_css=_CSS)
    out = io.BytesIO()
    writer = pymupdf.DocumentWriter(out)
    rect = pymupdf.paper_rect("letter")
    more = True
    while more:
        dev = writer.begin_page(rect)
        more, _ = story.place(rect + (54, 54, -54, -54))
        story.draw(dev)
        writer.end_page()
    writer.close()
    return out.getvalue()


def expand(record: Record, depth: int = 0) -> list[Record]:
    """The records an e-mail consists of: the rendered message, then its attachments (nested
    messages expanded in turn). A message that cannot be read comes back as one record with
    `problem` set."""
    try:
        data = record.data if record.data is not None else record.path.read_bytes()
        if record.relpath.lower().endswith(".msg") and data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            msg = read_msg(record.path) if record.data is None else _read_msg_bytes(data)
        else:
            msg = read_eml(data)
        rendered = render(msg)
    except Unreadable as exc:
        return [_replace(record, problem=str(exc))]
    except Exception:
        return [_replace(record, problem="e-mail cannot be read; withheld for manual review")]
    out = [_replace(record, kind="pdf", data=rendered, source_text=message_text(msg))]
    for i, att in enumerate(msg.attachments, 1):
        rel = f"{record.relpath} > {i}. {PurePosixPath(att.name).name}"
        kind = "email" if att.content_type == "message/rfc822" else sniff(att.data[:1024], PurePosixPath(att.name).suffix.lower())
        child = Record(record.path, rel, record.info_category, hashlib.sha256(att.data).hexdigest(), len(att.data),
                       kind, data=att.data, parent=record.relpath)
        if kind == "email":
            if depth + 1 >= MAX_DEPTH:
                out.append(_replace(child, problem="messages nested too deeply; withheld for manual review"))
            else:
                out.extend(expand(child, depth + 1))
        else:
            out.append(child)
    return out


def _read_msg_bytes(data: bytes) -> Message:
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".msg") as tmp:
        tmp.write(data)
        tmp.flush()
        return read_msg(tmp.name)


def _replace(record: Record, **changes) -> Record:
    from dataclasses import replace
    return replace(record, **changes)

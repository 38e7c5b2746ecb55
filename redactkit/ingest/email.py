"""Read e-mail (.eml with the standard library, .msg with extract-msg) and render it to PDF.

A message becomes records of its own: the rendered message (From, To, Cc, Date, Subject, body,
list of attachments), then each attachment, linked to its parent. Routing headers (Bcc, Received,
Message-ID, X-*, ...) are never rendered. HTML bodies are reduced to their text: no scripts, no
styles, no images, nothing fetched. Outlook SafeLinks and percent-encoded links are decoded, so
that what detection sees is what the render shows.

MIME is parsed leniently: what parses is released, and only the part that does not (an attachment
with a damaging defect, a body in an undecodable charset, content left outside every boundary) is
withheld, as a record of its own with the reason. A message is judged by its content: an Outlook
.msg saved as .eml is read as .msg. The addresses of From/To/Cc/Reply-To/Sender are structured
data: their display names, name parts, addresses and local parts become `Record.values`, redacted
wherever they stand in the message and its attachments.
"""
from __future__ import annotations

import email
import email.errors
import email.header
import email.policy
import email.utils
import hashlib
import html
import io
import logging
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import parse_qs, unquote, urlsplit

import pymupdf

from ..types import Record
from . import Unreadable, sniff

SHOWN_HEADERS = ("From", "To", "Cc", "Date", "Subject")
ADDRESS_HEADERS = ("From", "To", "Cc", "Reply-To", "Sender")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
logging.getLogger("extract_msg").setLevel(logging.CRITICAL)   # its errors are reported as reasons instead
MAX_DEPTH = 10   # nested messages deeper than this are withheld (a bomb guard), listed with the reason


@dataclass
class Attachment:
    name: str
    content_type: str
    data: bytes
    problem: str | None = None     # why this part cannot be read: it alone is withheld
    charset: str | None = None     # of a text attachment, as its part declares it


@dataclass
class Message:
    headers: list[tuple[str, str]]
    body: str
    attachments: list[Attachment] = field(default_factory=list)
    # (header, raw value) of every address header, shown or not (Reply-To, Sender)
    addresses: list[tuple[str, str]] = field(default_factory=list)
    # parts of the message itself that could not be read (withheld as records of their own)
    problems: list[tuple[str, str]] = field(default_factory=list)   # (part name, reason)


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


# Defects after which a part's content may be incomplete or wrongly cut: such an attachment is
# withheld. Others (a header line without its blank line, a missing closing boundary, an odd
# transfer encoding on a multipart) lose nothing: what parsed is released.
_DAMAGING = (email.errors.StartBoundaryNotFoundDefect, email.errors.MultipartInvariantViolationDefect,
             email.errors.InvalidBase64CharactersDefect, email.errors.InvalidBase64LengthDefect,
             email.errors.NoBoundaryInMultipartDefect)


def _decode(part) -> str:
    """A text part's content (see decode_text)."""
    return decode_text(part.get_payload(decode=True) or b"", part.get_content_charset())


def decode_text(payload: bytes, charset: str | None) -> str:
    """Text in its declared charset; then UTF-8; for a label that says ASCII or that Python does
    not know, Windows-1252; a few broken bytes in otherwise good text are shown as U+FFFD.
    Unreadable if none of these decodes it."""
    import codecs

    charset = (charset or "utf-8").lower()
    tries = [charset, "utf-8"]
    try:
        codecs.lookup(charset)
        known = True
    except LookupError:
        known = False
    if not known or charset in {"us-ascii", "ascii"}:
        tries.append("cp1252")
    for cs in tries:
        try:
            return payload.decode(cs)
        except (LookupError, UnicodeDecodeError):
            continue
    for cs in tries[:2]:
        try:
            text = payload.decode(cs, errors="replace")
        except LookupError:
            continue
        if text.count("\ufffd") <= max(2, len(text) // 200):
            return text
    raise Unreadable(f"message body cannot be decoded as {charset}; withheld for manual review")


_SAFELINK = re.compile(r"https?://[\w.-]*safelinks\.protection\.outlook\.com/\?[^\s<>\"')\]]+", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|mailto:|www\.)[^\s<>\"]+", re.IGNORECASE)


_OWA_REDIRECT = re.compile(r"https?://[^\s<>\"]*/owa/redir\.aspx\?[^\s<>\"')\]]+", re.IGNORECASE)
_UNBREAKABLE = re.compile(r"[^\s/?&=-]{65,}")   # what the render cannot wrap: it would run off the page


def decode_links(text: str) -> str:
    """Outlook SafeLinks and Outlook Web Access redirects replaced by the link they wrap (their
    tracking data, which carries the recipient's address, dropped; OWA's SURL is the same address
    in base64), and percent-encoded links decoded ("%40" -> "@"), so that the text detection sees
    and the render agree and an address inside a link is found. A run of characters too long to
    wrap (a token, a hash) is split every 64 characters, so that nothing runs off the page."""
    def unwrap(m: re.Match) -> str:
        query = parse_qs(urlsplit(m.group(0)).query)
        target = query.get("url") or query.get("URL")
        return target[0] if target else m.group(0)

    text = _OWA_REDIRECT.sub(unwrap, _SAFELINK.sub(unwrap, text))
    text = _URL.sub(lambda m: unquote(m.group(0), errors="replace") if "%" in m.group(0) else m.group(0), text)
    return _UNBREAKABLE.sub(lambda m: " ".join(m.group(0)[i:i + 64] for i in range(0, len(m.group(0)), 64)), text)


def _header(msg, name: str, raw) -> str | None:
    """A header's value as text; a header the strict parser rejects is decoded leniently."""
    try:
        value = msg.get(name)
        return None if value is None else str(value)
    except Exception:
        pass
    try:
        value = raw.get(name)
        if value is None:
            return None
        return str(email.header.make_header(email.header.decode_header(value)))
    except Exception:
        value = raw.get(name)
        return None if value is None else str(value).encode("ascii", "replace").decode("ascii")


def _damage(part) -> str | None:
    for p in part.walk() if part.is_multipart() else [part]:
        for d in p.defects:
            if isinstance(d, _DAMAGING):
                return type(d).__name__
    return None


def _stray_parts(msg) -> list:
    """MIME parts a broken structure left in an epilogue or preamble (a nested multipart reusing
    its parent's boundary pushes the parts after it there), parsed again."""
    out = []
    for part in msg.walk():
        if not part.is_multipart():
            continue
        boundary = part.get_boundary()
        for extra in (part.epilogue, part.preamble):
            if not extra or not extra.strip() or not boundary or f"--{boundary}" not in extra:
                continue
            for chunk in re.split(rf"^--{re.escape(boundary)}(?:--)?[ \t]*$", extra, flags=re.MULTILINE):
                if chunk.strip():
                    out.append(email.message_from_string(chunk.lstrip("\r\n"), policy=email.policy.default))
    return out


def read_eml(data: bytes) -> Message:
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        raw = email.message_from_bytes(data, policy=email.policy.compat32)
    except Exception:
        raise Unreadable("malformed e-mail: cannot be parsed") from None
    headers = []
    for name in SHOWN_HEADERS:
        value = _header(msg, name, raw)
        if value is not None:
            headers.append((name, value))
    if not headers:
        raise Unreadable("not an e-mail message (no From, To, Date or Subject header)")
    addresses = [(n, v) for n in ADDRESS_HEADERS for v in [_header(msg, n, raw)] if v]
    problems: list[tuple[str, str]] = []
    body = ""
    try:
        body_part = msg.get_body(preferencelist=("plain", "html"))
    except Exception:
        body_part = None
    if body_part is not None:
        try:
            text = _decode(body_part)
            body = html_to_text(text) if body_part.get_content_type() == "text/html" else text
        except Unreadable as exc:
            problems.append(("message body", str(exc)))
    attachments = []
    try:
        parts = list(msg.iter_attachments())
    except Exception:
        parts = []
    if not msg.is_multipart() and body_part is None:
        parts = [msg]      # a message that is one attachment (a PDF, a calendar entry): listed as one
    for part in parts + _stray_parts(msg):
        try:
            ctype = part.get_content_type()
            fname = part.get_filename()
        except Exception:
            ctype, fname = "application/octet-stream", None
        name = fname or f"attachment.{ctype.split('/')[-1]}"
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            try:
                payload = inner.as_bytes(policy=email.policy.default) if hasattr(inner, "as_bytes") else b""
            except Exception:
                payload = b""
            name = fname or "forwarded message.eml"
            cte = str(part.get("Content-Transfer-Encoding") or "").strip().lower()
            if cte in ("base64", "quoted-printable") and payload:
                # an attached message sent encoded (Outlook does): decode it, then judge what it is
                import base64
                import quopri
                encoded = payload.lstrip(b"\r\n")
                try:
                    payload = base64.b64decode(encoded) if cte == "base64" else quopri.decodestring(encoded)
                except Exception:
                    payload = b""
                if payload and not _looks_like_message(payload):
                    attachments.append(Attachment(PurePosixPath(name).stem + ".txt", "text/plain", payload))
                    continue
            if not payload:
                attachments.append(Attachment(name, ctype, b"", problem=f"attached message '{name}' cannot be "
                                              "read; withheld for manual review"))
            else:
                attachments.append(Attachment(name, ctype, payload))
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            payload = None
        damage = _damage(part)     # decoding adds the defects it meets
        if payload is None:
            attachments.append(Attachment(name, ctype, b"", problem=f"attachment '{name}' cannot be decoded; "
                                          "withheld for manual review"))
        elif damage:
            attachments.append(Attachment(name, ctype, payload, problem=f"attachment '{name}' is malformed "
                                          f"({damage}); withheld for manual review"))
        else:
            try:
                charset = part.get_content_charset()
            except Exception:
                charset = None
            attachments.append(Attachment(name, ctype, payload, charset=charset))
    # inline images referenced from an HTML body are attachments too
    for part in msg.walk():
        try:
            if part.get_content_maintype() == "image" and part.get_content_disposition() == "inline":
                data_ = part.get_payload(decode=True) or b""
                attachments.append(Attachment(part.get_filename() or "inline image", part.get_content_type(), data_))
        except Exception:
            problems.append(("inline image", "inline image cannot be decoded; withheld for manual review"))
    return Message(headers, decode_links(body.strip()), attachments, addresses, problems)


def _looks_like_message(data: bytes) -> bool:
    if data[:8] == OLE_MAGIC:
        return True
    try:
        m = email.message_from_bytes(data[:65536], policy=email.policy.compat32)
    except Exception:
        return False
    return any(m.get(h) for h in ("From", "To", "Subject", "Date"))


def _msg_addresses(value) -> str:
    """An Outlook recipient list ("A <a@x>; B <b@y>") with commas between recipients, so that
    the standard address parser reads it (semicolons inside quotes are kept)."""
    out, quoted, angle = [], False, False
    for c in str(value):
        if c == '"':
            quoted = not quoted
        elif c == "<" and not quoted:
            angle = True
        elif c == ">" and not quoted:
            angle = False
        out.append("," if c == ";" and not quoted and not angle else c)
    return "".join(out)


def read_msg(path) -> Message:
    try:
        import extract_msg
        msg = extract_msg.openMsg(str(path))
    except Exception:
        raise Unreadable("Outlook .msg file cannot be read; withheld for manual review") from None
    try:
        headers = [(n, str(v)) for n, v in (("From", msg.sender), ("To", msg.to), ("Cc", msg.cc),
                                             ("Date", msg.date), ("Subject", msg.subject)) if v]
        addresses = [(n, _msg_addresses(v)) for n, v in (("From", msg.sender), ("To", msg.to), ("Cc", msg.cc)) if v]
        transport = getattr(msg, "header", None)
        for n in ("Reply-To", "Sender"):
            try:
                v = transport.get(n) if transport is not None else None
            except Exception:
                v = None
            if v and str(v).strip():
                addresses.append((n, _msg_addresses(v)))
        body = msg.body or ""
        if not body.strip() and getattr(msg, "htmlBody", None):
            raw = msg.htmlBody
            body = html_to_text(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw)
        attachments = []
        for att in msg.attachments:
            data = att.data
            if hasattr(data, "attachments"):
                # an embedded message: kept whole (as .msg bytes), so that its own attachments are
                # read in turn, to any depth
                name = att.longFilename or att.shortFilename or getattr(att, "displayName", None) \
                    or getattr(data, "subject", None) or "attached message"
                name = name if name.lower().endswith((".msg", ".eml")) else name + ".msg"
                try:
                    attachments.append(Attachment(name, "application/vnd.ms-outlook", data.exportBytes()))
                except Exception:
                    attachments.append(Attachment(name, "application/vnd.ms-outlook", b"", problem=
                                                  f"attached message '{name}' cannot be read; withheld for manual review"))
                continue
            name = att.longFilename or att.shortFilename or getattr(att, "displayName", None) or "attachment"
            if not isinstance(data, (bytes, bytearray)):
                attachments.append(Attachment(name, "application/octet-stream", b"", problem=
                                              f".msg attachment '{name}' cannot be read; withheld for manual review"))
                continue
            attachments.append(Attachment(name, att.mimetype or "application/octet-stream", bytes(data)))
        return Message(headers, decode_links(body.strip()), attachments, addresses)
    except Unreadable:
        raise
    except Exception:
        raise Unreadable("Outlook .msg file cannot be read; withheld for manual review") from None
    finally:
        msg.close()


# --- addresses as structured data --------------------------------------------------------------

_PARTICLES = {"da", "de", "del", "della", "der", "di", "do", "dos", "das", "du", "la", "le", "van", "von",
              "den", "ten", "ter", "bin", "ibn", "al", "el", "st", "zu", "y"}
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "dame", "herr", "frau", "mme", "mlle",
           "sig", "sra", "sr"}
# role accounts (RFC 2142 and their like): a local part that names a function, not a person
_ROLE_LOCALS = {"postmaster", "hostmaster", "webmaster", "abuse", "info", "sales", "support", "marketing",
                "noc", "security", "admin", "administrator", "noreply", "no-reply", "no_reply", "donotreply",
                "do-not-reply", "do_not_reply", "mailer-daemon", "notifications", "notification", "newsletter",
                "contact", "office", "billing", "help", "helpdesk", "service", "team", "hello", "mail", "email",
                "test", "news", "root", "system", "purchasing", "hr", "jobs", "careers", "orders", "reply",
                "bounce", "bounces", "alerts", "updates", "feedback", "enquiries", "inquiries", "reception"}
_WORD = re.compile(r"[^\W\d_][\w'’.-]*", re.UNICODE)
_ADDR = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)


def _plain_word(w: str) -> bool:
    """An English word that is no listed first name or surname ("Supervisor", "Records", "Unit")."""
    from ..detect.names import FIRST, FIRST_COMMON, LAST, LAST_COMMON, is_word, name_bits

    return is_word(w) and not name_bits(w) & (FIRST | FIRST_COMMON | LAST | LAST_COMMON)


def _name_values(name: str) -> list[tuple[str, str]]:
    """A display name and its name-like parts. One made only of English words that are no names
    ("Supervisor", "Records Unit") is a role or a mailbox's title and names no one."""
    from ..detect.names import NOT_NAME_WORDS, ORG_WORDS

    name = " ".join(name.replace('"', " ").split()).strip(" ',;")
    if not name or not any(c.isalpha() for c in name):
        return []
    words = [w.group(0).strip(".'’-") for w in _WORD.finditer(name)]
    if all(_plain_word(w) or w.lower() in ORG_WORDS or w.lower() in NOT_NAME_WORDS for w in words if w):
        return []
    out = [(name, "PERSON")]
    # "Last particle, First (Nick)": the parts of each comma group in turn
    for group in re.split(r"[,;()\[\]]", name):
        words = [w.group(0).strip(".'’-") for w in _WORD.finditer(group)]
        words = [w for w in words if w]
        mixed = any(w[0].isupper() for w in words) and any(w[0].islower() for w in words)
        for i, w in enumerate(words):
            low = w.lower()
            if low in _PARTICLES:
                # a surname with its particle: "van Spelde" (also from the inverted "Spelde van")
                after = words[i + 1] if i + 1 < len(words) and words[i + 1].lower() not in _PARTICLES else None
                before = words[i - 1] if i and after is None else None
                if after or before:
                    out.append((f"{w} {after or before}", "PERSON"))
                continue
            if (len(w) < 2 or low in _TITLES or low in NOT_NAME_WORDS or low in ORG_WORDS
                    or (mixed and w[0].islower()) or _plain_word(w)):
                continue
            out.append((w, "PERSON"))
            if "-" in w:   # each part of a double-barrelled name can stand alone
                out += [(h, "PERSON") for h in w.split("-") if len(h) >= 3 and h[0].isupper()
                        and h.lower() not in NOT_NAME_WORDS]
    return out


def _address_values(addr: str) -> list[tuple[str, str]]:
    from ..detect.names import NOT_NAME_WORDS, ORG_WORDS

    addr = addr.strip().strip("<>").strip()
    if "@" not in addr:
        return _name_values(addr)
    out = [(addr, "EMAIL_ADDRESS")]
    local = addr.rsplit("@", 1)[0]
    low = local.lower()
    # a local part that is a function or an ordinary word ("records@", "intake@") names no one
    if len(local) >= 3 and low not in _ROLE_LOCALS and low not in NOT_NAME_WORDS and low not in ORG_WORDS \
            and any(c.isalnum() for c in local):
        out.append((local, "EMAIL_ADDRESS"))
    return out


def address_values(msg: Message) -> list[tuple[str, str]]:
    """(text, entity) for every address in the message's address headers: the display name and
    its name-like parts (PERSON), the address and its local part (EMAIL_ADDRESS). Role accounts
    (info@, noreply@) keep their local part: it names no one."""
    out: list[tuple[str, str]] = []
    for _, value in msg.addresses:
        try:
            pairs = email.utils.getaddresses([str(value)])
        except Exception:
            pairs = []
        for name, addr in pairs:
            for found in _ADDR.findall(name):     # an address standing as a display name
                out += _address_values(found)
                name = name.replace(found, " ")
            out += _name_values(name)
            if addr:
                out += _address_values(addr)
        for found in _ADDR.findall(str(value)):   # whatever the parser made of it, every address in it
            out += _address_values(found)
    return list(dict.fromkeys(v for v in out if v[0].strip()))


def wrapped_forms(pdf: bytes, values: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The values as the render shows them where it broke them across a line end (a long address
    wraps after a hyphen or slash): the same characters with the line break as a space, so that
    they are found on the page whose text joins lines with a space."""
    try:
        doc = pymupdf.open("pdf", pdf)
        flags = pymupdf.TEXTFLAGS_TEXT & ~pymupdf.TEXT_PRESERVE_LIGATURES
        text = "\n".join(page.get_text(flags=flags) for page in doc)
        doc.close()
    except Exception:
        return []
    out = []
    gap = r"(?:[ \t\u00ad]*\n[ \t]*)?"      # a line end inside a word, nothing else
    for value, entity in values:
        words = value.split()
        if sum(len(w) for w in words) < 4:
            continue
        body = r"[\s\u00ad]+".join(gap.join(re.escape(c) for c in w) for w in words)
        for m in re.finditer(rf"(?<![^\W_]){body}(?![^\W_])", text, re.IGNORECASE):
            form = " ".join(m.group(0).split())
            if form.lower() != " ".join(words).lower():
                out.append((form, entity))
    return list(dict.fromkeys(out))


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
    atts = ""
    if msg.attachments:
        atts = "<p><b>Attachments:</b></p><ol>" + "".join(
            f"<li>{e(a.name)} ({e(a.content_type)})</li>" for a in msg.attachments) + "</ol>"
    return html_pdf(f"<table>{head}</table><hr/>{_paragraphs(msg.body)}{atts}")


def render_text(text: str) -> bytes:
    """A text attachment as a PDF of its paragraphs."""
    return html_pdf(_paragraphs(text) or "<p></p>")


def _paragraphs(text: str) -> str:
    e = html.escape
    return "".join(f"<p>{e(p).replace(chr(10), '<br/>')}</p>" for p in re.split(r"\n\s*\n", text) if p.strip())


def html_pdf(markup: str) -> bytes:
    """HTML (from this module's renders) laid out on letter pages."""
    story = pymupdf.Story(html=markup, user_css=_CSS)
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


_TEXT_TYPES = {"text/plain", "text/html"}
_TEXT_SUFFIXES = {".txt", ".htm", ".html", ".text", ".log"}


def _text_attachment(att: Attachment, suffix: str) -> str | None:
    """The text of a plain-text or HTML attachment (rendered and released like a message body),
    or None if it is not one."""
    if att.content_type not in _TEXT_TYPES and suffix not in _TEXT_SUFFIXES:
        return None
    if att.data[:5] == b"%PDF-" or b"\x00" in att.data[:4096]:
        return None
    text = decode_text(att.data, att.charset)
    if att.content_type == "text/html" or suffix in (".htm", ".html") or re.match(r"\s*<(!doctype|html)", text, re.I):
        text = html_to_text(text)
    return decode_links(text.replace("\r\n", "\n"))


def read_message(record: Record, data: bytes) -> Message:
    """The message, judged by its content: an OLE compound file is an Outlook .msg whatever its
    name says, anything else is read as MIME."""
    if data[:8] == OLE_MAGIC:
        return read_msg(record.path) if record.data is None else _read_msg_bytes(data)
    return read_eml(data)


def expand(record: Record, depth: int = 0, inherited: tuple[tuple[str, str], ...] = ()) -> list[Record]:
    """The records an e-mail consists of: the rendered message, then its attachments (nested
    messages expanded in turn, to MAX_DEPTH). A message that cannot be read comes back as one
    record with `problem` set; a part of it that cannot be read, as a record of its own with
    `problem` set. `inherited`: the values of the messages this one is attached to."""
    try:
        data = record.data if record.data is not None else record.path.read_bytes()
        msg = read_message(record, data)
        rendered = render(msg)
    except Unreadable as exc:
        return [_replace(record, problem=str(exc))]
    except Exception:
        return [_replace(record, problem="e-mail cannot be read; withheld for manual review")]
    own = address_values(msg)
    values = tuple(dict.fromkeys(list(inherited) + own + wrapped_forms(rendered, own + list(inherited))))
    out = [_replace(record, kind="pdf", data=rendered, source_text=message_text(msg), values=values)]
    for part, problem in msg.problems:
        out.append(Record(record.path, f"{record.relpath} > {part}", record.info_category, "", 0, "other",
                          parent=record.relpath, problem=problem))
    for i, att in enumerate(msg.attachments, 1):
        child = attachment_record(record, i, att, values)
        if child.kind == "email" and child.problem is None:
            if depth + 1 >= MAX_DEPTH:
                out.append(_replace(child, problem="messages nested too deeply; withheld for manual review"))
            else:
                out.extend(expand(child, depth + 1, values))
        else:
            out.append(child)
    return out


def attachment_record(parent: Record, index: int, att: Attachment,
                      values: tuple[tuple[str, str], ...] = ()) -> Record:
    """The record of one attachment (of a message, or a file embedded in a PDF), linked to its
    parent: its kind judged from its content; a text or HTML file rendered to PDF (an Office file is
    converted later, by kind "office"); `problem`
    set if it cannot be read. An attached message (kind "email") is left for `expand`."""
    name = PurePosixPath(att.name.replace("\\", "/")).name or "attachment"
    rel = f"{parent.relpath} > {index}. {name}"
    suffix = PurePosixPath(name).suffix.lower()
    kind = "email" if att.content_type in ("message/rfc822", "application/vnd.ms-outlook") or \
        (att.data[:8] == OLE_MAGIC and suffix in (".msg", ".eml")) else sniff(att.data[:1024], suffix)
    child = Record(parent.path, rel, parent.info_category, hashlib.sha256(att.data).hexdigest(), len(att.data),
                   kind, data=att.data, parent=parent.relpath, values=values)
    if att.problem:
        return _replace(child, problem=att.problem)
    if kind in ("other", "office"):
        # a text or HTML part is rendered as a message body is (in its own charset, links decoded);
        # Office files are left to ingest/office.py
        try:
            text = _text_attachment(att, suffix)
            if text is not None:
                return _replace(child, kind="pdf", data=render_text(text), source_text=text)
        except Unreadable as exc:
            return _replace(child, problem=str(exc).replace("message body", f"attachment '{name}'"))
        except Exception:
            return _replace(child, problem=f"attachment '{name}' cannot be read; withheld for manual review")
    return child


def _read_msg_bytes(data: bytes) -> Message:
    import tempfile
    with tempfile.NamedTemporaryFile(suffix=".msg") as tmp:
        tmp.write(data)
        tmp.flush()
        return read_msg(tmp.name)


def _replace(record: Record, **changes) -> Record:
    from dataclasses import replace
    return replace(record, **changes)

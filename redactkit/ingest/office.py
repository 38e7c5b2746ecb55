"""Office documents and text files as PDF: .docx, .xlsx, .odt, .rtf, .txt and .html.

Each is laid out as HTML on US Letter pages by MuPDF's Story (no network, no external program)
and then released like any other record. What a word processor can hide is shown, never dropped:

- .docx (mammoth): tracked insertions are underlined and tracked deletions struck through,
  each in its place (the deleted text is read from the document's XML: mammoth drops it);
  comments are numbered where they stand and listed after the text (their authors' names and
  initials are not shown); hidden text (w:vanish) is shown; headers and footers come first and
  last; text boxes, footnotes and endnotes are shown.
- .xlsx (openpyxl): every sheet, hidden and very hidden ones too, every cell with a value (the
  last computed value; the formula where none was saved), hidden rows and columns marked as such,
  cell comments listed after each sheet, headers and footers.
- .odt (odfpy): as .docx: tracked changes (deletions are stored apart from the text, at a marker
  where they were), comments, notes, hidden text, headers and footers.
- .rtf (striprtf): the text, with comments (annotations), headers, footers, footnotes and text
  boxes that striprtf would skip; tracked changes and hidden text are shown as plain text.
- .txt: the text, in its encoding (a byte-order mark, else UTF-8, else Windows-1252).
- .html: the text and its tables, lists and headings; every attribute (styles that hide text
  too) and every script, style and image dropped; nothing fetched.

Pictures inside a document (.docx, .xlsx, .odt) follow the text, each on a page of its own, where
they are read by OCR like a scan. A picture in a format MuPDF cannot draw (EMF, WMF) and the
pictures of an .rtf are not released; the document says so where they stood.

As a safety net, the text of every paragraph of a .docx or .odt (document, headers, footers,
notes, comments) is compared with what the layout shows; a paragraph whose words are missing is
added after the text, under "Text the converter did not place". A file a converter cannot read is
withheld with the reason (Unreadable).
"""
from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import PurePosixPath

import pymupdf

from . import Unreadable

OFFICE_SUFFIXES = {".docx", ".docm", ".xlsx", ".xlsm", ".odt", ".rtf", ".txt", ".text", ".htm", ".html"}
WORD_NAMES = {".docx": "Word document (.docx)", ".docm": "Word document (.docm)", ".xlsx": "Excel workbook (.xlsx)",
              ".xlsm": "Excel workbook (.xlsm)", ".odt": "OpenDocument text (.odt)", ".rtf": "RTF document (.rtf)",
              ".txt": "text file (.txt)", ".text": "text file (.text)", ".htm": "HTML file (.htm)",
              ".html": "HTML file (.html)"}
MAX_CELLS = 200_000        # a workbook with more cells than this is withheld (its PDF would be thousands of pages)
MAX_PICTURES = 200         # pictures appended as pages, at most
COLUMNS_PER_TABLE = 8      # a wide sheet is shown in blocks of this many columns

CSS = """
body { font-family: sans-serif; font-size: 10pt; }
h1 { font-size: 14pt; } h2 { font-size: 12pt; } h3, h4, h5, h6 { font-size: 10.5pt; }
table { border-collapse: collapse; margin-bottom: 6pt; }
td, th { border: 0.5pt solid #888; padding: 1pt 3pt; vertical-align: top; }
th { background-color: #eee; text-align: left; }
p { margin: 0 0 5pt 0; }
.note { font-style: italic; font-size: 8.5pt; color: #333; }
"""


def is_office(head: bytes, suffix: str) -> bool:
    """Whether a file is one of the kinds this module converts (judged by content where the
    content says so: an Office Open XML or OpenDocument package, an RTF file; else by suffix)."""
    if head.startswith(b"{\\rtf"):
        return True
    if head.startswith(b"PK\x03\x04") and (b"[Content_Types].xml" in head or b"application/vnd.oasis.opendocument.text"
                                           in head[:200]):
        return True
    return suffix in OFFICE_SUFFIXES


def to_pdf(data: bytes, name: str) -> pymupdf.Document:
    """The document as a PDF, or Unreadable with the reason."""
    suffix = PurePosixPath(name).suffix.lower()
    what = WORD_NAMES.get(suffix, f"document ({suffix or 'no extension'})")
    if data.startswith(b"{\\rtf"):
        kind = "rtf"
    elif data.startswith(b"PK\x03\x04"):
        kind = _package_kind(data, what)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise Unreadable(f"{what}: an older binary Office format or an encrypted document; save it as .docx/.xlsx "
                         "or PDF; withheld for manual handling")
    elif suffix in (".txt", ".text"):
        kind = "txt"
    elif suffix in (".htm", ".html"):
        kind = "html"
    elif suffix in (".docx", ".docm", ".xlsx", ".xlsm", ".odt"):
        raise Unreadable(f"damaged {what}: not a document package; withheld for manual review")
    else:
        raise Unreadable(f"unsupported file type ({suffix or 'no extension'}); withheld for manual handling")
    try:
        convert = {"docx": _docx, "xlsx": _xlsx, "odt": _odt, "rtf": _rtf, "txt": _txt, "html": _html}[kind]
        body, pictures = convert(data)
    except Unreadable:
        raise
    except Exception:
        raise Unreadable(f"damaged {what}: the converter cannot read it; withheld for manual review") from None
    return _layout(body, pictures)


def _package_kind(data: bytes, what: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names and z.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text":
                return "odt"
            if "EncryptionInfo" in names:
                raise Unreadable(f"{what}: encrypted; withheld for manual handling")
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, RuntimeError):
        raise Unreadable(f"damaged {what}: cannot be opened; withheld for manual review") from None
    raise Unreadable(f"unsupported {what}: a ZIP package that is not a Word, Excel or OpenDocument text file; "
                     "withheld for manual handling")


# --- layout ----------------------------------------------------------------------------------

def _layout(body: str, pictures: list[tuple[str, bytes]]) -> pymupdf.Document:
    from ..package import html_pdf

    try:
        data = html_pdf(body or "<p></p>", CSS, widen=True)
    except RuntimeError:       # MuPDF's layout can stall on merged table cells: lay them out unmerged
        try:
            data = html_pdf(re.sub(r' (?:colspan|rowspan)="\d+"', "", body), CSS, widen=True)
        except RuntimeError:
            raise Unreadable("the document cannot be laid out as pages; withheld for manual review") from None
    doc = pymupdf.open("pdf", data)
    for label, data in pictures[:MAX_PICTURES]:
        _picture_page(doc, label, data)
    return doc


def _picture_page(doc: pymupdf.Document, label: str, data: bytes) -> None:
    """A picture on a Letter page of its own, as large as fits (a scan, read by OCR)."""
    try:
        img = pymupdf.open(stream=data)
        page = img[0]
        w, h = page.rect.width, page.rect.height
        img.close()
    except Exception:
        return
    area = pymupdf.paper_rect("letter") + (36, 36, -36, -36)
    scale = min(area.width / w, area.height / h)
    rect = pymupdf.Rect(area.x0, area.y0, area.x0 + w * scale, area.y0 + h * scale)
    page = doc.new_page(width=612, height=792)
    page.insert_image(rect, stream=data)


def _can_draw(data: bytes) -> bool:
    try:
        pymupdf.open(stream=data).close()
        return True
    except Exception:
        return False


def _withheld_pictures(n: int) -> str:
    return (f'<p class="note">[{n} picture(s) or object(s) in this document cannot be converted by redactkit; '
            "they are not part of this release]</p>") if n else ""


# --- HTML from outside (an .html file, mammoth's output): only structure is kept --------------

class _Clean(HTMLParser):
    """Whitelisted structure, no attributes (but table spans): text hidden by a style is shown,
    nothing is fetched; scripts, styles and other non-text content are dropped."""

    KEEP = {"p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "td", "th",
            "ul", "ol", "li", "dl", "dt", "dd", "b", "strong", "i", "em", "u", "ins", "s", "del", "strike", "sup",
            "sub", "pre", "blockquote", "hr", "caption"}
    BLOCK = {"div", "section", "article", "header", "footer", "main", "aside", "nav", "figure", "figcaption",
             "address", "center", "form", "fieldset", "legend", "details", "summary"}
    SKIP = {"script", "style", "head", "noscript", "template", "object", "iframe", "svg", "math", "embed",
            "applet", "canvas", "audio", "video", "map", "select"}
    VOID = {"br", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.title: list[str] = []
        self.in_title = False
        self.images = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "title":
            self.in_title = True
        elif tag in self.KEEP:
            spans = "".join(f' {k}="{int(v)}"' for k, v in attrs if k in ("colspan", "rowspan") and (v or "").isdigit()
                            and 0 < int(v) < 100)
            self.out.append(f"<{tag}{spans}>" if tag not in self.VOID else f"<{tag}/>")
        elif tag in self.BLOCK:
            self.out.append("<br/>")
        elif tag == "img":
            self.images += 1
            alt = dict(attrs).get("alt") or ""
            self.out.append(f"[picture{': ' + html.escape(alt) if alt.strip() else ''}]")
        elif tag in ("input", "textarea", "option", "button"):
            value = dict(attrs).get("value")
            if value and tag != "textarea":
                self.out.append(f" [{html.escape(value)}] ")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag == "title":
            self.in_title = False
        elif tag in self.KEEP and tag not in self.VOID:
            self.out.append(f"</{tag}>")
        elif tag in self.BLOCK:
            self.out.append("<br/>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self.skip:
            return
        (self.title if self.in_title else self.out).append(html.escape(data))


def clean_html(markup: str) -> str:
    parser = _Clean()
    parser.feed(markup)
    parser.close()
    title = " ".join("".join(parser.title).split())
    return (f"<h1>{title}</h1>" if title else "") + "".join(parser.out)


# --- .txt and .html --------------------------------------------------------------------------

def decode_text(data: bytes) -> str:
    """Text in its encoding: a byte-order mark, else UTF-8, else Windows-1252. Bytes that are not
    text (NUL outside UTF-16) are refused."""
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                raise Unreadable(f"text cannot be decoded as {enc}; withheld for manual review") from None
    if b"\x00" in data:
        raise Unreadable("binary content, not text; withheld for manual handling")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise Unreadable("text in an unknown encoding; withheld for manual review") from None


def paragraphs(text: str) -> str:
    e = html.escape
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return "".join(f"<p>{e(p).replace(chr(10), '<br/>')}</p>" for p in re.split(r"\n\s*\n", text) if p.strip())


def _txt(data: bytes):
    return paragraphs(decode_text(data)), []


def _html(data: bytes):
    text = decode_text(data)
    parser = _Clean()
    parser.feed(text)
    parser.close()
    title = " ".join("".join(parser.title).split())
    note = (f'<p class="note">[{parser.images} picture(s) in this page are not part of this release]</p>'
            if parser.images else "")
    return (f"<h1>{title}</h1>" if title else "") + "".join(parser.out) + note, []


# --- .rtf ------------------------------------------------------------------------------------

# destinations striprtf skips although a reader of the document sees them
_RTF_SHOWN = re.compile(r"\{\\\*?\\?(annotation|header[lrf]?|footer[lrf]?|footnote|shptxt|dptxbxtext)(?![a-z])",
                        re.IGNORECASE)
_RTF_LABEL = {"annotation": "Comment", "header": "Header", "footer": "Footer", "footnote": "Note",
              "shptxt": "Text box", "dptxbxtext": "Text box"}


def _shown_groups(raw: str) -> str:
    """The groups striprtf would skip, renamed so that it reads them, each under its label and
    ended by a paragraph break."""
    out, pos = [], 0
    for m in _RTF_SHOWN.finditer(raw):
        if m.start() < pos:
            continue
        word = m.group(1).lower()
        label = next(v for k, v in _RTF_LABEL.items() if word.startswith(k))
        depth, i = 1, m.end()
        while i < len(raw) and depth:
            c = raw[i]
            if c == "\\":
                i += 2
                continue
            depth += {"{": 1, "}": -1}.get(c, 0)
            i += 1
        inner = raw[m.end():i - 1] if depth == 0 else raw[m.end():]
        out.append(raw[pos:m.start()] + "{\\par [" + label + "] " + _shown_groups(inner) + "\\par}")
        pos = i
    return "".join(out) + raw[pos:]


def _rtf(data: bytes):
    from striprtf.striprtf import rtf_to_text

    raw = data.decode("latin-1")
    pictures = len(re.findall(r"\\(?:pict|object)(?![a-z])", raw))

    text = rtf_to_text(_shown_groups(raw), errors="strict")
    return paragraphs(text) + _withheld_pictures(pictures), []


# --- .docx -----------------------------------------------------------------------------------

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{%s}" % W
_PARTS = re.compile(r"word/(document|footnotes|endnotes|comments|header\d*|footer\d*)\.xml$")


def _docx(data: bytes):
    """mammoth on a copy of the package in which tracked deletions are struck-through text,
    insertions underlined, hidden text visible, comments anonymous, headers and footers part of
    the body; then the safety net."""
    import mammoth

    zin = zipfile.ZipFile(io.BytesIO(data))
    names = zin.namelist()
    buf = io.BytesIO()
    headers, footers, paras = [], [], []
    notes: list[str] = []
    doc_root = None
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in names:
            content = zin.read(name)
            part = _PARTS.match(name)
            if part:
                kind = part.group(1)
                root = _xml(content)
                notes += _mark_revisions(root)
                paras += _paragraph_texts(root)
                if kind == "comments":
                    for c in root.iter(_W + "comment"):
                        for a in (_W + "author", _W + "initials"):
                            c.attrib.pop(a, None)
                if kind.startswith("header"):
                    headers.append(root)
                elif kind.startswith("footer"):
                    footers.append(root)
                elif kind == "document":
                    doc_root = root
                    continue
                content = _bytes(root)
            zout.writestr(name, content)
        if doc_root is None:
            raise Unreadable("damaged Word document: no document part; withheld for manual review")
        _move_into_body(doc_root, headers, footers)
        zout.writestr("word/document.xml", _bytes(doc_root))
    pictures: list[tuple[str, bytes]] = []
    withheld = 0

    def picture(image):
        nonlocal withheld
        with image.open() as fh:
            blob = fh.read()
        if _can_draw(blob) and len(pictures) < MAX_PICTURES:
            pictures.append((image.content_type, blob))
            return {"alt": f"[picture {len(pictures)}: shown on a page of its own after the text]"}
        withheld += 1
        return {"alt": "[a picture that cannot be converted: not part of this release]"}

    result = mammoth.convert_to_html(io.BytesIO(buf.getvalue()), style_map=_STYLE_MAP,
                                     convert_image=mammoth.images.img_element(picture), ignore_empty_paragraphs=False)
    body = _alt_text(result.value)
    body = _notice(set(notes)) + clean_html(body) + _withheld_pictures(withheld)
    return body + _missing(paras, body), pictures


_STYLE_MAP = """
comment-reference => sup
u => u
strike => s
"""


def _alt_text(markup: str) -> str:
    """mammoth's <img alt="..."> as text (the picture itself follows on a page of its own)."""
    markup = re.sub(r'<a href="#comment-ref-[^"]*">\u2191</a>', "", markup)
    return re.sub(r'<img[^>]*\balt="([^"]*)"[^>]*/?>', lambda m: f" {m.group(1)} ", markup)


def _xml(content: bytes):
    from lxml import etree
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
    return etree.fromstring(content, parser)


def _bytes(root) -> bytes:
    from lxml import etree
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _mark_revisions(root) -> list[str]:
    """In place: deletions and moved-from text become struck-through runs, insertions and moved-to
    text underlined runs (the wrappers removed, so every reader keeps them), deleted paragraph
    marks and rows undone, hidden text made visible. Returns which of these it found."""
    found = []
    for tag, mark in (("del", "strike"), ("moveFrom", "strike"), ("ins", "u"), ("moveTo", "u")):
        for el in list(root.iter(_W + tag)):
            parent = el.getparent()
            if parent is None:
                continue
            if parent.tag in (_W + "rPr", _W + "trPr", _W + "tcPr", _W + "pPr"):
                parent.remove(el)            # a paragraph mark, row or cell marked deleted/inserted: kept as is
                if parent.tag == _W + "trPr" and tag in ("del", "moveFrom"):
                    row = parent.getparent()
                    for r in row.iter(_W + "r"):
                        _set_run(r, mark)
                found.append("deletions" if mark == "strike" else "insertions")
                continue
            for r in el.iter(_W + "r"):
                _set_run(r, mark)
            index = parent.index(el)
            for child in list(el):
                parent.insert(index, child)
                index += 1
            parent.remove(el)
            found.append("deletions" if mark == "strike" else "insertions")
    for tag, new in (("delText", "t"), ("delInstrText", "instrText")):
        for el in root.iter(_W + tag):
            el.tag = _W + new
    for tag in ("vanish", "specVanish", "webHidden"):
        for el in list(root.iter(_W + tag)):
            el.getparent().remove(el)
            found.append("hidden text")
    if root.tag == _W + "comments" and len(root):
        found.append("comments")
    return found


def _set_run(run, mark: str) -> None:
    from lxml import etree
    rpr = run.find(_W + "rPr")
    if rpr is None:
        rpr = etree.Element(_W + "rPr")
        run.insert(0, rpr)
    if rpr.find(_W + mark) is None:
        el = etree.SubElement(rpr, _W + mark)
        if mark == "u":
            el.set(_W + "val", "single")


def _move_into_body(doc_root, headers, footers) -> None:
    """Headers first and footers last in the body, each once, under a label."""
    from lxml import etree
    body = doc_root.find(_W + "body")
    if body is None:
        return

    def label(text: str):
        p = etree.Element(_W + "p")
        r = etree.SubElement(p, _W + "r")
        rpr = etree.SubElement(r, _W + "rPr")
        etree.SubElement(rpr, _W + "i")
        t = etree.SubElement(r, _W + "t")
        t.text = text
        return p

    def blocks(parts):
        seen, out = set(), []
        for root in parts:
            items = [el for el in root if el.tag in (_W + "p", _W + "tbl", _W + "sdt")]
            key = "\n".join(_text(el) for el in items).strip()
            if key and key not in seen:
                seen.add(key)
                out += items
        return out

    head, foot = blocks(headers), blocks(footers)
    if head:
        for i, el in enumerate([label("[Header]")] + head + [label("[End of header]")]):
            body.insert(i, el)
    if foot:
        sect = body.find(_W + "sectPr")
        at = body.index(sect) if sect is not None else len(body)
        for i, el in enumerate([label("[Footer]")] + foot):
            body.insert(at + i, el)


def _text(el) -> str:
    return "".join(t.text or "" for t in el.iter(_W + "t"))


def _paragraph_texts(root) -> list[str]:
    """Each paragraph's own text (a text box's paragraphs inside it are paragraphs of their own)."""
    out = []
    for p in root.iter(_W + "p"):
        own = "".join(t.text or "" for t in p.iter(_W + "t") if next(t.iterancestors(_W + "p"), None) is p)
        if own.strip():
            out.append(own)
    return out


_NOTICES = {"insertions": "tracked insertions are underlined", "deletions": "tracked deletions are struck through",
            "comments": "comments are numbered in the text and listed at the end",
            "hidden text": "text hidden in the document is shown"}


def _notice(kinds: set[str]) -> str:
    said = [v for k, v in _NOTICES.items() if k in kinds]
    return f'<p class="note">[Converted by redactkit: {"; ".join(said)}.]</p>' if said else ""


_WORD = re.compile(r"[^\W_]+")


def _missing(paras: list[str], body: str) -> str:
    """The paragraphs of the source whose words the layout does not show, after the text."""
    shown = {w.casefold() for w in _WORD.findall(html.unescape(re.sub(r"<[^>]+>", " ", body)))}
    lost = [p for p in paras if any(w.casefold() not in shown for w in _WORD.findall(p))]
    if not lost:
        return ""
    e = html.escape
    return "<h2>Text the converter did not place</h2>" + "".join(f"<p>{e(p)}</p>" for p in lost)


# --- .odt ------------------------------------------------------------------------------------

def _odt(data: bytes):
    from odf import opendocument

    doc = opendocument.load(io.BytesIO(data))
    walker = _OdtWalker(doc)
    body = walker.body()
    paras = _odt_texts(doc)
    return _notice(walker.kinds) + body + _withheld_pictures(walker.withheld) + _missing(paras, body), walker.pictures


_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_XLINK = "http://www.w3.org/1999/xlink"
_DC = "http://purl.org/dc/elements/1.1/"


class _OdtWalker:
    """content.xml (and the master pages' headers and footers) as HTML."""

    def __init__(self, doc):
        self.doc = doc
        self.changes: dict[str, tuple[str, object]] = {}
        self.comments: list[str] = []
        self.notes: list[str] = []
        self.pictures: list[tuple[str, bytes]] = []
        self.withheld = 0
        self.kinds: set[str] = set()
        self.inserting = 0
        for tc in self._all(doc.text, _TEXT, "tracked-changes"):
            for region in tc.childNodes:
                cid = _attr(region, _TEXT, "id") or _attr(region, "http://www.w3.org/XML/1998/namespace", "id")
                for change in getattr(region, "childNodes", ()):
                    if getattr(change, "qname", None) and change.qname[1] in ("insertion", "deletion", "format-change"):
                        self.changes[cid] = (change.qname[1], change)

    @staticmethod
    def _all(node, ns, name):
        out = []
        for child in getattr(node, "childNodes", ()):
            if getattr(child, "qname", None) == (ns, name):
                out.append(child)
            out += _OdtWalker._all(child, ns, name)
        return out

    def body(self) -> str:
        head, foot = self._master("header"), self._master("footer")
        main = "".join(self.node(c) for c in self.doc.text.childNodes)
        out = (f"<p><i>[Header]</i></p>{head}<p><i>[End of header]</i></p>" if head else "") + main
        out += f"<p><i>[Footer]</i></p>{foot}" if foot else ""
        if self.notes:
            out += "<h2>Notes</h2>" + "".join(f"<p>[{i}] {t}</p>" for i, t in enumerate(self.notes, 1))
        if self.comments:
            out += "<h2>Comments</h2>" + "".join(f"<p>[Comment {i}] {t}</p>" for i, t in enumerate(self.comments, 1))
        return out

    def _master(self, which: str) -> str:
        seen, out = set(), []
        for mp in self._all(self.doc.masterstyles, _STYLE, "master-page"):
            for child in mp.childNodes:
                if getattr(child, "qname", None) and child.qname[0] == _STYLE and child.qname[1].startswith(which):
                    part = "".join(self.node(c) for c in child.childNodes)
                    if part.strip() and part not in seen:
                        seen.add(part)
                        out.append(part)
        return "".join(out)

    def inline(self, node) -> str:
        return "".join(self.node(c) for c in getattr(node, "childNodes", ()))

    def node(self, n) -> str:
        e = html.escape
        if n.nodeType == n.TEXT_NODE:
            text = e(n.data)
            return f"<u>{text}</u>" if self.inserting and text.strip() else text
        if n.nodeType != n.ELEMENT_NODE:
            return ""
        ns, name = n.qname
        if ns == _TEXT:
            if name == "tracked-changes":
                return ""
            if name == "p":
                return f"<p>{self.inline(n)}</p>"
            if name == "h":
                level = min(6, max(1, int(_attr(n, _TEXT, "outline-level") or 2)))
                return f"<h{level}>{self.inline(n)}</h{level}>"
            if name == "s":
                return " " * min(100, int(_attr(n, _TEXT, "c") or 1))
            if name == "tab":
                return " "
            if name == "line-break":
                return "<br/>"
            if name == "list":
                return f"<ul>{self.inline(n)}</ul>"
            if name in ("list-item", "list-header"):
                return f"<li>{self.inline(n)}</li>"
            if name == "change":
                kind, change = self.changes.get(_attr(n, _TEXT, "change-id"), ("", None))
                if kind == "deletion":
                    self.kinds.add("deletions")
                    parts = [self._plain(c) for c in change.childNodes
                             if getattr(c, "qname", None) != (_OFFICE, "change-info")]
                    text = " ".join(p for p in parts if p.strip())
                    return f" <s>{e(text)}</s> " if text.strip() else ""
                return ""
            if name == "change-start":
                if self.changes.get(_attr(n, _TEXT, "change-id"), ("",))[0] == "insertion":
                    self.inserting += 1
                    self.kinds.add("insertions")
                return ""
            if name == "change-end":
                if self.changes.get(_attr(n, _TEXT, "change-id"), ("",))[0] == "insertion":
                    self.inserting = max(0, self.inserting - 1)
                return ""
            if name == "note":
                body = next((c for c in n.childNodes if getattr(c, "qname", None) == (_TEXT, "note-body")), None)
                self.notes.append(e(self._plain(body)) if body is not None else "")
                return f"<sup>[{len(self.notes)}]</sup>"
            if name in ("hidden-text", "hidden-paragraph", "conditional-text"):
                self.kinds.add("hidden text")
                values = [_attr(n, _TEXT, a) for a in ("string-value", "string-value-if-true", "string-value-if-false")]
                extra = " ".join(v for v in values if v)
                return self.inline(n) + (f" [{e(extra)}]" if extra else "")
            return self.inline(n)       # spans, links, fields, sections, indexes: their text
        if ns == _OFFICE:
            if name == "annotation":
                self.kinds.add("comments")
                text = " ".join(self._plain(c) for c in n.childNodes if getattr(c, "qname", None)
                                and c.qname[0] != _DC)
                self.comments.append(e(" ".join(text.split())))
                return f"<sup>[Comment {len(self.comments)}]</sup>"
            if name in ("annotation-end", "forms", "event-listeners"):
                return ""
            return self.inline(n)
        if ns == _TABLE:
            if name == "table":
                return f"<table>{self.inline(n)}</table>"
            if name == "table-row":
                return f"<tr>{self.inline(n)}</tr>"
            if name == "table-cell":
                inner = self.inline(n)
                span = _attr(n, _TABLE, "number-columns-spanned")
                span = f' colspan="{int(span)}"' if span and span.isdigit() and 1 < int(span) < 100 else ""
                return f"<td{span}>{inner}</td>"
            if name in ("covered-table-cell", "table-column", "table-columns", "table-column-group"):
                return ""
            return self.inline(n)
        if ns == _DRAW:
            if name == "image":
                return self._image(n)
            return self.inline(n)       # frames, text boxes, shapes with text
        return self.inline(n)

    def _image(self, n) -> str:
        href = _attr(n, _XLINK, "href") or ""
        try:
            blob = self.doc.getPart(href) if href and not href.startswith(("http:", "https:", "/", "..")) else None
        except Exception:
            blob = None
        if blob and _can_draw(blob) and len(self.pictures) < MAX_PICTURES:
            self.pictures.append(("image", blob))
            return f" [picture {len(self.pictures)}: shown on a page of its own after the text] "
        self.withheld += 1
        return " [a picture that cannot be converted: not part of this release] "

    def _plain(self, node) -> str:
        """Text of a subtree, paragraphs separated by spaces (deleted text, notes, comments)."""
        if node is None:
            return ""
        if node.nodeType == node.TEXT_NODE:
            return node.data
        if node.nodeType != node.ELEMENT_NODE:
            return ""
        if node.qname == (_TEXT, "s"):
            return " "
        if node.qname[0] == _DC or node.qname == (_OFFICE, "change-info"):
            return ""
        inner = "".join(self._plain(c) for c in node.childNodes)
        return inner + " " if node.qname in ((_TEXT, "p"), (_TEXT, "h")) else inner


def _attr(node, ns: str, name: str) -> str | None:
    try:
        return node.attributes.get((ns, name))
    except AttributeError:
        return None


def _odt_texts(doc) -> list[str]:
    """Every paragraph's text in the body and the master pages (authors and dates left out)."""
    out = []

    def walk(node):
        if getattr(node, "qname", None) in ((_TEXT, "p"), (_TEXT, "h")):
            out.append(_flat(node))
        for c in getattr(node, "childNodes", ()):
            if getattr(c, "qname", None) and (c.qname[0] == _DC or c.qname == (_OFFICE, "change-info")):
                continue
            walk(c)

    walk(doc.text)
    walk(doc.masterstyles)
    return [p for p in out if p.strip()]


def _flat(node) -> str:
    """A paragraph's own text: notes and comments inside it are paragraphs of their own."""
    if node.nodeType == node.TEXT_NODE:
        return node.data
    if getattr(node, "qname", None) in ((_TEXT, "note"), (_OFFICE, "annotation")):
        return " "
    if getattr(node, "qname", None) and (node.qname[0] == _DC or node.qname == (_OFFICE, "change-info")):
        return ""
    return "".join(_flat(c) for c in getattr(node, "childNodes", ()))


# --- .xlsx -----------------------------------------------------------------------------------

def _xlsx(data: bytes):
    import warnings

    import openpyxl
    from openpyxl.utils import get_column_letter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    e = html.escape
    out, kinds = [], set()
    total = 0
    for i, ws in enumerate(values.worksheets):
        wf = formulas[ws.title]
        cells = {}
        for (r, c), cell in ws._cells.items():
            value = cell.value
            if value is None and (r, c) in wf._cells:      # no value saved: the formula
                value = wf._cells[(r, c)].value
                value = None if value is None else str(value)
            comment = cell.comment.text if cell.comment is not None else None
            if value is None and not comment:
                continue
            cells[(r, c)] = (_cell_text(value), comment)
        total += len(cells)
        if total > MAX_CELLS:
            raise Unreadable(f"spreadsheet too large to convert (over {MAX_CELLS:,} cells); "
                             "withheld for manual handling")
        state = ws.sheet_state
        hidden_note = {"hidden": " (a hidden sheet)", "veryHidden": " (a very hidden sheet)"}.get(state, "")
        if hidden_note:
            kinds.add("hidden sheets")
        out.append(f"<h2>Sheet {i + 1}: {e(ws.title)}{hidden_note}</h2>")
        for label, hf in (("Header", ws.oddHeader), ("Footer", ws.oddFooter)):
            parts = [getattr(hf, side).text for side in ("left", "center", "right")
                     if getattr(hf, side, None) is not None and getattr(hf, side).text]
            if parts:
                out.append(f"<p><i>[{label}]</i> {e(' | '.join(parts))}</p>")
        if not cells:
            out.append("<p><i>(no cells with a value)</i></p>")
            continue
        rows = sorted({r for r, _ in cells})
        cols = sorted({c for _, c in cells})
        hidden_rows = {r for r in rows if ws.row_dimensions[r].hidden}
        hidden_cols = {c for c in cols if _col_hidden(ws, get_column_letter(c))}
        if hidden_rows or hidden_cols:
            kinds.add("hidden rows or columns")
        for start in range(0, len(cols), COLUMNS_PER_TABLE):
            block = cols[start:start + COLUMNS_PER_TABLE]
            head = "".join(f"<th>{get_column_letter(c)}{' (hidden)' if c in hidden_cols else ''}</th>" for c in block)
            body = []
            for r in rows:
                if not any((r, c) in cells for c in block):
                    continue
                tds = "".join(f"<td>{e(cells[(r, c)][0]) if (r, c) in cells else ''}</td>" for c in block)
                body.append(f"<tr><th>{r}{' (hidden)' if r in hidden_rows else ''}</th>{tds}</tr>")
            out.append(f"<table><tr><th></th>{head}</tr>{''.join(body)}</table>")
        comments = [(r, c, t) for (r, c), (_, t) in sorted(cells.items()) if t]
        if comments:
            kinds.add("comments")
            out.append("<p><b>Comments</b></p>" + "".join(
                f"<p>{get_column_letter(c)}{r}: {e(t)}</p>" for r, c, t in comments))
    pictures = _zip_pictures(data, "xl/media/")
    note = [v for k, v in (("hidden sheets", "hidden sheets are shown"),
                           ("hidden rows or columns", "hidden rows and columns are shown and marked (hidden)"),
                           ("comments", "cell comments are listed after each sheet")) if k in kinds]
    head = f'<p class="note">[Converted by redactkit: {"; ".join(note)}.]</p>' if note else ""
    return head + "".join(out), pictures


def _col_hidden(ws, letter: str) -> bool:
    for rng, dim in ws.column_dimensions.items():
        if dim.hidden and dim.min and dim.max:
            from openpyxl.utils import column_index_from_string
            if dim.min <= column_index_from_string(letter) <= dim.max:
                return True
    return False


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.hour or value.minute:
            return value.isoformat(sep=" ", timespec="minutes")
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def _zip_pictures(data: bytes, folder: str) -> list[tuple[str, bytes]]:
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in sorted(z.namelist()):
            if name.startswith(folder) and not name.endswith("/"):
                blob = z.read(name)
                if _can_draw(blob):
                    out.append((name, blob))
    return out

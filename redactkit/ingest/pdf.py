"""Read a text-layer PDF: page text with one box per character.

Annotations and form fields are baked into page content first, so that what they show is
detected and redacted like any other text (a form value can itself be PHI). Characters outside
the page's media box are read too: hidden text is still text.
"""
from __future__ import annotations

import re
import unicodedata

import pymupdf

from ..types import PageText, Record
from . import Unreadable, scan

# Ligatures off: the analyzer must see "fi", not U+FB01. Whitespace kept, clipping off.
_FLAGS = (pymupdf.TEXTFLAGS_RAWDICT & ~pymupdf.TEXT_PRESERVE_LIGATURES & ~pymupdf.TEXT_MEDIABOX_CLIP
          & ~pymupdf.TEXT_PRESERVE_IMAGES)

pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)


# A page whose drawings (nested form XObjects) would make MuPDF walk more than this many units of
# content (about one per 10 bytes of content stream) is withheld: reading it could take minutes.
# 5,000,000 units read in about 5 s here; an ordinary dense page is under 100,000.
MAX_PAGE_WORK = 5_000_000
_DO = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s+Do\b")


def open_pdf(record: Record, passwords: tuple[str, ...] = ()) -> pymupdf.Document:
    """Open a PDF for redaction, or raise Unreadable with the reason. An encrypted PDF is opened
    with the first of `passwords` that works (from --password-file). A PDF that MuPDF reads badly
    (it must repair it, finds no pages, or cannot open it) is rebuilt by qpdf first and read from
    that, if qpdf reads it better. A dynamic XFA form (whose pages are only a "Please wait"
    placeholder) is read as its form data, rendered."""
    data = record.data if record.data is not None else record.path.read_bytes()
    password = ""
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except (pymupdf.FileDataError, pymupdf.EmptyFileError, RuntimeError, ValueError):
        doc = None
    if doc is not None and doc.needs_pass:
        password = next((pw for pw in passwords if doc.authenticate(pw)), None)
        if password is None:
            doc.close()
            raise Unreadable("encrypted PDF (a password is needed to open it)" if not passwords else
                             "encrypted PDF: none of the passwords in --password-file opens it")
    if doc is None or doc.is_repaired or doc.page_count == 0:
        better = None
        for pw in ([password] if doc is not None else ["", *passwords]):
            better = _rebuilt(data, pw or "", doc.page_count if doc is not None else 0,
                              repaired=doc is not None and doc.is_repaired)
            if better is not None:
                break
        if better is not None:
            if doc is not None:
                doc.close()
            doc = better
    if doc is None:
        raise Unreadable("damaged PDF: cannot be opened")
    if doc.is_repaired:
        doc.close()
        raise Unreadable("damaged PDF (MuPDF had to repair it); needs manual review")
    if doc.page_count == 0:
        doc.close()
        raise Unreadable("PDF has no pages")
    if dynamic_xfa(doc):
        rendered = xfa_document(doc)
        doc.close()
        return rendered
    doc = _all_layers_on(doc)
    try:
        if doc.is_form_pdf or any(p.first_annot for p in doc):
            doc.bake(annots=True, widgets=True)
    except Exception:
        doc.close()
        raise Unreadable("PDF annotations or form fields could not be flattened") from None
    return doc


def _all_layers_on(doc: pymupdf.Document) -> pymupdf.Document:
    """Every optional-content layer switched on: MuPDF reads no text from a hidden layer, which a
    reader of the release could switch on. So the hidden layers are read, detected and redacted
    like the rest, and the release shows them (sanitise keeps the layers, all on)."""
    try:
        ocgs = doc.get_ocgs()
        if not ocgs or all(v.get("on") for v in ocgs.values()):
            return doc
        doc.set_layer(-1, on=list(ocgs), off=[])
        opened = pymupdf.open(stream=doc.tobytes(), filetype="pdf")   # MuPDF reads layer states when it opens
    except Exception:
        return doc
    doc.close()
    return opened


MAX_REBUILD_BYTES = 256 * 1024 * 1024


def _rebuilt(data: bytes, password: str, pages: int, repaired: bool = False) -> pymupdf.Document | None:
    """The PDF as qpdf (pikepdf) reads and rewrites it, opened by MuPDF: if that finds more pages
    than MuPDF did (`pages`), or as many where MuPDF had to repair the file and qpdf did not; else
    None."""
    if len(data) > MAX_REBUILD_BYTES:
        return None
    import io

    try:
        import pikepdf

        with pikepdf.open(io.BytesIO(data), password=password, attempt_recovery=True) as src:
            clean = not src.get_warnings()
            buf = io.BytesIO()
            src.save(buf, encryption=False, fix_metadata_version=False)
        doc = pymupdf.open(stream=buf.getvalue(), filetype="pdf")
    except Exception:
        return None
    if doc.is_repaired or doc.needs_pass or doc.page_count == 0 or doc.page_count < pages or \
            (doc.page_count == pages and not (repaired and clean)):
        doc.close()
        return None
    return doc


# --- dynamic XFA forms ---------------------------------------------------------------------------

def dynamic_xfa(doc: pymupdf.Document) -> bool:
    """Whether the document is a dynamic XFA form: its content exists only as XFA, and its pages
    are a placeholder ("Please wait...") for viewers that cannot lay XFA out."""
    try:
        catalog = doc.pdf_catalog()
        if doc.xref_get_key(catalog, "AcroForm/XFA")[0] == "null":
            return False
        if doc.xref_get_key(catalog, "NeedsRendering")[1] == "true":
            return True
        fields = doc.xref_get_key(catalog, "AcroForm/Fields")
        if fields[0] not in ("null", "array") or fields[1] not in ("null", "[]"):
            return False
        # no fields and no NeedsRendering flag: dynamic only if the pages are the placeholder
        text = " ".join(doc[n].get_text() for n in range(min(doc.page_count, 3)))
        return len(text) < 3000 and bool(re.search(r"please wait|viewer may not be able to display", text, re.I))
    except Exception:
        return False


def _xfa_packets(doc: pymupdf.Document) -> dict[str, bytes]:
    """The XFA packets by name (an array of name, stream pairs, or one stream)."""
    catalog = doc.pdf_catalog()
    kind, value = doc.xref_get_key(catalog, "AcroForm/XFA")
    if kind == "xref":
        return {"xdp": doc.xref_stream(int(value.split()[0]))}
    refs = re.findall(r"\((.*?)\)\s*(\d+)\s+0\s+R", value)
    return {name: doc.xref_stream(int(x)) or b"" for name, x in refs}


def _words(tag: str) -> str:
    """An XFA element name as words: "FamilyName" -> "Family Name"."""
    tag = tag.rsplit("}", 1)[-1]
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|_", " ", tag).strip()


def xfa_data(doc: pymupdf.Document) -> list[tuple[str, str]]:
    """The filled-in values of a dynamic XFA form: (field path in words, value), in order."""
    import xml.etree.ElementTree as ET

    packets = _xfa_packets(doc)
    raw = packets.get("datasets") or b"".join(packets.values())
    start, end = raw.find(b"<xfa:data>"), raw.find(b"</xfa:data>")
    if start < 0 or end < 0:
        start, end = raw.find(b"<xfa:data "), raw.find(b"</xfa:data>")
    if start < 0 or end < 0:
        return []
    xml = raw[start:end + len(b"</xfa:data>")]
    # producers leave bare ampersands; the namespace prefix is declared on the datasets element
    xml = re.sub(rb"&(?!(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);)", b"&amp;", xml)
    xml = xml.replace(b"<xfa:data", b'<xfa:data xmlns:xfa="http://www.xfa.org/schema/xfa-data/1.0/"', 1) \
        if b"xmlns:xfa" not in xml[:200] else xml
    root = ET.fromstring(xml)
    out: list[tuple[str, str]] = []

    def walk(el, path: list[str]) -> None:
        here = path + [_words(el.tag)]
        text = (el.text or "").strip()
        if text:
            out.append((" / ".join(here[1:]) or here[0], text))
        for name, value in el.attrib.items():
            if value.strip() and not name.startswith("{"):
                out.append((" / ".join(here[1:] + [_words(name)]), value.strip()))
        for child in el:
            walk(child, here)

    walk(root, [])
    return out


def xfa_document(doc: pymupdf.Document) -> pymupdf.Document:
    """A dynamic XFA form as a PDF of its data (field, value), since its pages show only a
    placeholder; Unreadable if the data cannot be read."""
    import html

    from .email import html_pdf

    try:
        rows = xfa_data(doc)
    except Exception:
        raise Unreadable("dynamic XFA form: its form data cannot be read (the pages are only a 'Please wait' "
                         "placeholder); withheld for manual handling") from None
    if not rows:
        raise Unreadable("dynamic XFA form with no form data (the pages are only a 'Please wait' placeholder); "
                         "withheld for manual handling")
    e = html.escape

    def shown(v: str) -> str:
        return v if len(v) < 4000 or " " in v[:4000] else f"[binary value, {len(v)} characters: not shown]"

    body = "".join(f"<p>{e(' / '.join(k.split(' / ')[-3:]))}: {e(shown(v))}</p>" for k, v in rows)
    markup = ("<p><b>Form data of a dynamic XFA form</b> (the form's own layout cannot be shown; "
              "each field is listed with its value).</p>" + body)
    return pymupdf.open("pdf", html_pdf(markup))


# Filters that only images use: a content stream or form XObject that claims one is not content
# (pdf.js's "JBIG2 bomb" is a 40 KB content stream that would decode to 1.16 GB).
_IMAGE_FILTERS = {"JBIG2Decode", "DCTDecode", "DCT", "JPXDecode", "CCITTFaxDecode", "CCF"}
_FLATE = {"FlateDecode", "Fl"}
MAX_CONTENT_BYTES = MAX_PAGE_WORK * 10     # decoded content of one page, at most


class TooLarge(Exception):
    """A stream would decode to more than a bounded size (or with a filter content never uses)."""


def bounded_stream(doc: pymupdf.Document, xref: int, limit: int = MAX_CONTENT_BYTES) -> bytes:
    """A stream's decoded bytes, decoding at most `limit` bytes (raises TooLarge): Flate is
    inflated here incrementally, image filters are refused, other filters (which expand little)
    are left to MuPDF."""
    import zlib

    kind, value = doc.xref_get_key(xref, "Filter")
    filters = re.findall(r"/([^\s/\[\]]+)", value) if kind in ("name", "array") else []
    if any(f in _IMAGE_FILTERS for f in filters):
        raise TooLarge(f"a content stream claims the image filter {next(f for f in filters if f in _IMAGE_FILTERS)}")
    raw = doc.xref_stream_raw(xref) or b""
    if not filters:
        return raw
    parms = doc.xref_get_key(xref, "DecodeParms")[0]
    if len(filters) == 1 and filters[0] in _FLATE and parms == "null":
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(raw, limit + 1)
        except zlib.error:
            out = None
        if out is not None:
            if len(out) > limit:
                raise TooLarge(f"a content stream decodes to more than {limit:,} bytes")
            return out
    if len(raw) * 64 > limit and any(f in _FLATE or f in ("LZWDecode", "LZW") for f in filters):
        # a large stream under a filter chain that cannot be inflated here step by step could
        # expand past the limit inside MuPDF: refused rather than decoded
        raise TooLarge(f"a large compressed content stream ({len(raw):,} bytes) cannot be bounded")
    data = doc.xref_stream(xref) or b""
    if len(data) > limit:
        raise TooLarge(f"a content stream decodes to more than {limit:,} bytes")
    return data


def page_work(doc: pymupdf.Document, page: pymupdf.Page) -> int:
    """How much content MuPDF would walk to read the page: its content stream plus, for every form
    XObject it draws, that form's content as often as it is drawn, nested (an XObject "bomb" draws
    a small form millions of times). A cycle counts as unbounded."""
    try:
        children: dict[int, dict[str, int]] = {}
        for xref, name, invoker, _ in page.get_xobjects():
            children.setdefault(invoker, {})[name] = xref
        memo: dict[int, int] = {}

        def cost(xref: int, stream: bytes, seen: frozenset) -> int:
            if xref in memo:
                return memo[xref]
            total = len(stream) // 10 + 1
            for m in _DO.finditer(stream):
                child = children.get(xref, {}).get(m.group(1).decode("latin-1"))
                if child is None:
                    continue
                if child in seen:
                    return MAX_PAGE_WORK * 10
                total += cost(child, bounded_stream(doc, child), seen | {child})
                if total > MAX_PAGE_WORK:
                    break
            memo[xref] = total
            return total

        contents = b"".join(bounded_stream(doc, x) + b"\n" for x in page.get_contents())
        return cost(0, contents, frozenset())
    except TooLarge:
        raise
    except Exception:
        return 0   # the structure cannot be walked here: MuPDF's own reading decides

# Text the source hid under its own opaque rectangles (a "redaction" that only covers). A cover is
# an opaque filled rectangle, or an opaque image without a mask, drawn after the text; or a
# rectangle drawn before text of (nearly) its own colour (black on black, white on white). Every
# candidate is then confirmed by its pixels: the page rendered with and without its text must look
# the same where the character stands. So table shading and coloured header bars (drawn behind
# the text, which shows) and highlights (translucent) are not covers; a white box over text, or
# white text on white, is text nobody can see, and is treated as covered. If the pixels cannot be
# compared, only dark covers count.
COVER_DARKNESS = 0.35     # fill luminance (0 black .. 1 white) at or below which a cover counts unconfirmed
COVER_SHARE = 0.5         # share of a character's box that must lie under one cover
SAME_COLOUR = 0.08        # text this close in colour to the dark box beneath it cannot be seen
VISIBLE_DIFF = 24         # a character whose pixels change more than this (of 255) when drawn is seen
_BOX_ITEMS = {"re", "qu"}


def _rgb(colour) -> tuple[float, float, float] | None:
    """A colour in any device space as RGB (0..1); None when unknown."""
    if colour is None:
        return None
    c = tuple(float(v) for v in (colour if isinstance(colour, (tuple, list)) else (colour,)))
    if len(c) == 1:
        return (c[0],) * 3
    if len(c) == 3:
        return c     # type: ignore[return-value]
    if len(c) == 4:
        k = c[3]
        return tuple((1 - v) * (1 - k) for v in c[:3])   # type: ignore[return-value]
    return None


def _luminance(rgb: tuple[float, float, float]) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def _covers(page: pymupdf.Page, log: list) -> list[tuple[pymupdf.Rect, int, tuple | None]]:
    """The page's possible covers: (rect, sequence number in the drawing order, fill colour as RGB,
    or None for an image)."""
    out = []
    for d in page.get_drawings():
        fill = _rgb(d.get("fill"))
        if fill is None or (d.get("fill_opacity") or 0) < 0.999:
            continue
        seq = d.get("seqno", -1)
        # bounds of what was really painted (a clip can cut a path down)
        painted = pymupdf.Rect(log[seq][1]) if 0 <= seq < len(log) and log[seq][0] == "fill-path" else None
        items = d.get("items", ())
        rects = [pymupdf.Rect(it[1]) if it[0] == "re" else pymupdf.Quad(it[1]).rect
                 for it in items if it[0] in _BOX_ITEMS]
        if not rects and items and all(it[0] == "l" for it in items):
            # a rectangle drawn as four lines
            r = pymupdf.Rect(d["rect"])
            if all(min(abs(p.x - r.x0), abs(p.x - r.x1)) < 0.5 and min(abs(p.y - r.y0), abs(p.y - r.y1)) < 0.5
                   for it in items for p in it[1:3]):
                rects = [r]
        for r in rects:
            r = r.normalize()
            if painted is not None:
                r &= painted
            if r.width > 1 and r.height > 1:
                out.append((r, seq, fill))
    images = [i for i in page.get_image_info() if not i.get("has-mask")]
    for seq, (kind, bbox) in enumerate(log):
        if kind != "fill-image":
            continue
        r = pymupdf.Rect(bbox)
        # an image with a soft mask or a colour-key mask can let what is under it show through
        if any(max(abs(a - b) for a, b in zip(i["bbox"], bbox)) < 1 for i in images):
            out.append((r, seq, None))
    return out


def _confirm_by_pixels(page: pymupdf.Page, pt: PageText, hidden: list[bool], dark: list[bool]) -> None:
    """Keep only the characters that really cannot be seen: the page rendered with and without
    its text looks the same where they stand (a clip, a soft mask or a blend can let text show
    through what looked like a cover). If the renders cannot be made, only the characters under
    dark covers are kept."""
    import numpy as np

    idx = [i for i, h in enumerate(hidden) if h]
    clip = pymupdf.Rect(pt.boxes[idx[0]])
    for i in idx[1:]:
        clip |= pymupdf.Rect(pt.boxes[i])
    clip = (clip + (-2, -2, 2, 2)) & page.rect
    zoom = 2.0
    try:
        if clip.is_empty:
            raise ValueError
        mat = pymupdf.Matrix(zoom, zoom)
        with_text = page.get_pixmap(matrix=mat, clip=clip, colorspace=pymupdf.csRGB, alpha=False)
        bare = pymupdf.open()
        bare.insert_pdf(page.parent, from_page=page.number, to_page=page.number)
        scan.strip_text(bare[0])
        without = bare[0].get_pixmap(matrix=mat, clip=clip, colorspace=pymupdf.csRGB, alpha=False)
        bare.close()
        a = np.frombuffer(with_text.samples, np.uint8).reshape(with_text.height, with_text.width, 3).astype(np.int16)
        b = np.frombuffer(without.samples, np.uint8).reshape(without.height, without.width, 3).astype(np.int16)
        if a.shape != b.shape:
            raise ValueError
    except Exception:
        for i in idx:     # cannot tell: what lies under a dark cover stays treated as covered
            hidden[i] = dark[i]
        return
    ox, oy = with_text.x, with_text.y
    for i in idx:
        x0, y0, x1, y1 = pt.boxes[i]
        dx, dy = 0.2 * (x1 - x0), 0.2 * (y1 - y0)
        c0, c1 = max(0, int((x0 + dx) * zoom) - ox), min(a.shape[1], int((x1 - dx) * zoom) + 1 - ox)
        r0, r1 = max(0, int((y0 + dy) * zoom) - oy), min(a.shape[0], int((y1 - dy) * zoom) + 1 - oy)
        if c1 <= c0 or r1 <= r0:
            continue
        if np.abs(a[r0:r1, c0:c1] - b[r0:r1, c0:c1]).max() > VISIBLE_DIFF:
            hidden[i] = False


def covered_spans(page: pymupdf.Page, pt: PageText, origins: list) -> list[tuple[int, int]]:
    """Character spans of the page text that lie under one of the source's own covers."""
    try:
        log = page.get_bboxlog()
        first_text = next((i for i, (k, _) in enumerate(log) if k.endswith("-text")), None)
        if first_text is None or not any(k in ("fill-path", "fill-image") for k, _ in log):
            return []
        covers = _covers(page, log)
        if not covers:
            return []
        # the drawing order and colour of every character, by its origin
        drawn: dict[tuple, tuple[int, tuple | None]] = {}
        for span in page.get_texttrace():
            colour = _rgb(span.get("color"))
            for ch in span.get("chars", ()):
                drawn[(ch[0], round(ch[2][0], 1), round(ch[2][1], 1))] = (span.get("seqno", -1), colour)
    except Exception:
        return []     # the page's drawings cannot be walked: nothing is known to be covered
    boxes = [(tuple(r), seq, fill) for r, seq, fill in covers]   # plain floats: Rect arithmetic is slow
    hidden = [False] * len(pt.text)
    dark = [False] * len(pt.text)        # under a dark cover (counts even if pixels cannot be compared)
    for i, box in enumerate(pt.boxes):
        # spaces, control and format characters (U+200B) draw nothing anywhere: never "hidden"
        if box is None or pt.text[i].isspace() or unicodedata.category(pt.text[i])[0] in "CZ":
            continue
        bx0, by0, bx1, by1 = box
        area = (bx1 - bx0) * (by1 - by0)
        if area <= 0:
            continue
        o = origins[i]
        seq, colour = drawn.get((ord(pt.text[i]), round(o[0], 1), round(o[1], 1)), (-1, None)) if o else (-1, None)
        for (x0, y0, x1, y1), cseq, fill in boxes:
            w, h = min(x1, bx1) - max(x0, bx0), min(y1, by1) - max(y0, by0)
            if w <= 0 or h <= 0 or w * h < COVER_SHARE * area:
                continue
            if cseq > seq or (fill is not None and colour is not None
                              and max(abs(a - c) for a, c in zip(fill, colour)) <= SAME_COLOUR):
                hidden[i] = True
                if fill is None or _luminance(fill) <= COVER_DARKNESS:
                    dark[i] = True
                    break
    if any(hidden):
        _confirm_by_pixels(page, pt, hidden, dark)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(hidden):
        if not hidden[i]:
            i += 1
            continue
        j = i
        while j < len(hidden) and (hidden[j] or (pt.text[j].isspace() and j + 1 < len(hidden) and hidden[j + 1])):
            j += 1
        spans.append((i, j))
        i = j
    return spans


def page_text(page: pymupdf.Page, raw: dict | None = None) -> PageText:
    """The page's characters in reading order; lines joined by a space, blocks by a newline.
    `raw`: the page's rawdict when it was read by OCR."""
    text: list[str] = []
    boxes: list = []
    lines: list[int] = []
    baselines: list[float] = []
    sizes: list[float] = []

    origins: list = []

    def joiner(c: str) -> None:
        text.append(c); boxes.append(None); lines.append(-1); baselines.append(0.0); sizes.append(0.0)
        origins.append(None)

    line_id = 0
    ocr = raw is not None
    raw = raw if ocr else page.get_text("rawdict", flags=_FLAGS)
    for block in raw["blocks"]:
        if block.get("type") != 0:
            continue
        if text and text[-1] != "\n":
            joiner("\n")
        for li, line in enumerate(block["lines"]):
            if li and text and text[-1] not in (" ", "\n"):
                joiner(" ")
            for span in line["spans"]:
                for ch in span["chars"]:
                    text.append(ch["c"]); boxes.append(tuple(ch["bbox"])); lines.append(line_id)
                    baselines.append(ch["origin"][1]); sizes.append(span["size"]); origins.append(ch["origin"])
            line_id += 1
    if ocr:
        for at in reversed(scan.ocr_joins("".join(text))):
            for seq, v in ((text, " "), (boxes, None), (lines, -1), (baselines, 0.0), (sizes, 0.0), (origins, None)):
                seq.insert(at, v)
    rect = page.rect
    pt = PageText(page.number, "".join(text), boxes, lines, baselines, sizes, rect.width, rect.height, ocr=ocr)
    if not ocr:
        pt.covered = covered_spans(page, pt, origins)
    return pt


def read_pages(doc: pymupdf.Document, numbers: range | None = None) -> list[PageText]:
    """Every page's text (or these pages'); Unreadable if one cannot be obtained."""
    pages, failed = read_pages_each(doc, numbers)
    if failed:
        raise Unreadable(failed[min(failed)])
    return pages


def read_pages_each(doc: pymupdf.Document, numbers=None) -> tuple[list[PageText], dict[int, str]]:
    """Every page's text (or these pages'), read by OCR (in parallel) where the page is a scan;
    and, for each page whose text cannot be obtained safely, the reason (that page is withheld,
    not its record)."""
    pages: dict[int, PageText] = {}
    failed: dict[int, str] = {}
    scans = []
    for n in numbers if numbers is not None else range(doc.page_count):
        try:
            page = doc[n]
            try:
                work = page_work(doc, page)
            except TooLarge as exc:
                failed[n] = (f"page {n + 1}: its content cannot be read in bounded memory ({exc}); "
                             "needs manual review")
                continue
            if work > MAX_PAGE_WORK:
                failed[n] = (f"page {n + 1}: its drawings nest too deep to read in bounded time "
                             f"(about {work:,} units of content); needs manual review")
                continue
            huge = scan.oversized_image(page)
            if huge:      # rendering, OCR or blanking its pixels would decode it whole
                failed[n] = f"page {n + 1}: {huge}; needs manual review"
                continue
            pt = page_text(page)
            # characters hidden under an image (an OCR layer beneath the scan) are not what the page shows
            hidden = sum(1 for s, e in pt.covered for c in pt.text[s:e] if not c.isspace())
            if scan.needs_ocr(page, sum(1 for c in pt.text if not c.isspace()) - hidden):
                scan.strip_text(page)   # an existing OCR layer is never trusted
                scans.append(n)
            else:
                pages[n] = pt
        except Exception:
            failed[n] = f"page {n + 1}: text cannot be extracted"
    if scans:
        try:
            raws = scan.ocr_pages_raw(doc, scans, _FLAGS)
        except Unreadable:
            raws = {}
            why = ("is a scan and OCR is unavailable (no eng.traineddata)" if scan.tessdata_dir() is None
                   else "is a scan and OCR failed")
            failed.update({n: f"page {n + 1} {why}; withheld for manual review" for n in scans})
        for number, raw in raws.items():
            try:
                pt = page_text(doc[number], raw)
                try:
                    scan.check_quality(pt.text, number)
                except Unreadable:
                    again = scan.ocr_raw_again(doc[number], _FLAGS)
                    if again is None:
                        raise
                    pt = page_text(doc[number], again)
                    scan.check_quality(pt.text, number)
                pages[number] = pt
            except Unreadable as exc:
                failed[number] = str(exc)
            except Exception:
                failed[number] = f"page {number + 1}: OCR output cannot be read"
    return [pages[n] for n in sorted(pages)], failed


def open_record(record: Record, passwords: tuple[str, ...] = ()) -> pymupdf.Document:
    """A PDF, an image as a PDF with one page per frame, or an Office document or text file as
    laid out by ingest/office.py."""
    if record.kind == "image":
        return scan.image_to_pdf(record.data if record.data is not None else record.path.read_bytes())
    if record.kind == "office":
        from .office import to_pdf
        return to_pdf(record.data if record.data is not None else record.path.read_bytes(), record.relpath)
    return open_pdf(record, passwords)

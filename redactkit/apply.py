"""Stage 5: apply. True redaction with PyMuPDF: the characters go, not just covered.

One box per visual line, built from the boxes of exactly the characters a redaction covers,
shrunk vertically so that it cannot reach the lines above and below. Then everything a PDF can
carry besides page content is removed: metadata, XMP, annotations, embedded files, JavaScript,
links, outlines, thumbnails. Saved with garbage collection so no earlier content stream survives.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pymupdf

from .types import Box, Finding, PageText, Redaction

V_SHRINK = 0.22   # fraction of the line height removed at top and bottom of each box
H_INSET = 0.05    # fraction of the first/last character's width left uncovered at each end
# On a scan the box blanks pixels: it must cover whole glyphs, with a margin for OCR's tight boxes.
OCR_V_SHRINK = -0.12
OCR_H_INSET = -0.25


@dataclass
class RedactionBox:
    page: int
    rect: Box
    reason: str
    redaction: Redaction                    # the redaction whose reason labels the box
    covers: tuple[Redaction, ...] = ()      # every redaction merged into it
    baseline: float = 0.0                   # of the removed text: the label is set on it
    size: float = 0.0                       # font size of the removed text
    label: str = ""                         # the reason code as drawn on the box ("" if it did not fit)
    label_rect: Box | None = None           # where it was drawn (the verifier knows it by its place)


def boxes_for(page: PageText, redactions: list[Redaction]) -> list[RedactionBox]:
    """Per visual line, one rectangle over the characters redacted there; overlapping or touching
    redactions on a line merge into one box, labelled with the reason of the widest of them."""
    spans: dict[int, list[tuple[float, float, float, float, Redaction, float, float]]] = {}
    v_shrink, h_inset = (OCR_V_SHRINK, OCR_H_INSET) if page.ocr else (V_SHRINK, H_INSET)
    for red in redactions:
        if red.decision != "redact":
            continue
        by_line: dict[int, list[int]] = {}
        for i in range(red.finding.start, red.finding.end):
            if page.boxes[i] is None or page.text[i].isspace():
                continue
            by_line.setdefault(page.lines[i], []).append(i)
        for line, idx in by_line.items():
            chars = [page.boxes[i] for i in idx]
            if page.ocr:
                chars = _with_punctuation(page, idx, line, chars)
            x0 = min(c[0] for c in chars); x1 = max(c[2] for c in chars)
            y0 = min(c[1] for c in chars); y1 = max(c[3] for c in chars)
            w0 = chars[0][2] - chars[0][0]; w1 = chars[-1][2] - chars[-1][0]
            spans.setdefault(line, []).append((x0 + h_inset * w0, y0, x1 - h_inset * w1, y1, red,
                                               page.baselines[idx[0]], max(page.sizes[i] for i in idx)))
    kept = _kept_by_line(page, redactions, set(spans)) if not page.ocr else {}
    out: list[RedactionBox] = []
    for line, items in spans.items():
        items.sort(key=lambda t: t[0])
        groups: list[list] = []
        for it in items:
            if groups and it[0] <= max(g[2] for g in groups[-1]) + 0.5:
                groups[-1].append(it)
            else:
                groups.append([it])
        for g in groups:
            x0 = min(t[0] for t in g); x1 = max(t[2] for t in g)
            y0 = min(t[1] for t in g); y1 = max(t[3] for t in g)
            # a kept character whose glyph box reaches under the box (a closing bracket set tight
            # against a removed digit) must not end up hidden under it: the box stops at it
            for c in kept.get(line, ()):
                cx = (c[0] + c[2]) / 2
                if x0 < cx < x1:
                    if cx >= (x0 + x1) / 2:
                        x1 = min(x1, c[0])
                    else:
                        x0 = max(x0, c[2])
            if x1 <= x0:
                continue
            h = y1 - y0
            main = max(g, key=lambda t: t[2] - t[0])[4]
            out.append(RedactionBox(page.number, (x0, y0 + v_shrink * h, x1, y1 - v_shrink * h), main.reason, main,
                                    tuple(t[4] for t in g), g[0][5], max(t[6] for t in g)))
    return out


def _with_punctuation(page: PageText, idx: list[int], line: int, chars: list) -> list:
    """On a scan, the punctuation touching a redacted value in the same word ("703-8186." or
    "(060)") is covered too: OCR gives a word's characters equal widths, so a narrow period takes
    width from the digit before it and the digit's edge would show beside the box."""
    out = list(chars)
    for j in (idx[0] - 1, idx[-1] + 1):
        if (0 <= j < len(page.text) and page.lines[j] == line and page.boxes[j] is not None
                and not page.text[j].isspace() and not page.text[j].isalnum()):
            out.insert(0 if j < idx[0] else len(out), page.boxes[j])
    return out


def _kept_by_line(page: PageText, redactions: list[Redaction], lines: set[int]) -> dict[int, list]:
    """The boxes of the characters no redaction covers, on the lines that have boxes."""
    covered = set()
    for red in redactions:
        if red.decision == "redact":
            covered.update(range(red.finding.start, red.finding.end))
    out: dict[int, list] = {}
    for i, line in enumerate(page.lines):
        if line in lines and i not in covered and page.boxes[i] is not None and not page.text[i].isspace():
            out.setdefault(line, []).append(page.boxes[i])
    return out


def face_boxes(page: pymupdf.Page, number: int, reason: str) -> list[RedactionBox]:
    """Boxes over the faces in a page's pixels, as redactions of entity FACE."""
    from .detect.faces import find_faces

    boxes = []
    for rect in find_faces(page):
        red = Redaction(Finding(number, -1, -1, "", "FACE", 1.0, "FaceCascade"), "redact", reason)
        boxes.append(RedactionBox(number, tuple(rect), reason, red, (red,), 0.0, 0.0))
    return boxes


@lru_cache(maxsize=256)
def _em(text: str) -> float:
    """Width of `text` in Helvetica at 1 pt (widths scale with the size)."""
    return pymupdf.get_text_length(text, "helv", 1)


MIN_LABEL = 4.0   # points: a label smaller than this is not drawn (the legend still explains the box)


def _label_size(width: float, height: float, code: str, size: float) -> float | None:
    """The reason code's font size: the removed text's (at most 12 pt), so that a text extractor
    reads the label as part of its line; smaller only if the code would not fit the box; None when
    it cannot be read at any size that fits."""
    size = min(size or height, 12.0)
    fits = (width - 1) / _em(code)
    if size > fits:
        size = math.floor(fits * 2) / 2
    return size if size >= MIN_LABEL else None


def redact_page(page: pymupdf.Page, boxes: list[RedactionBox], blank_images: bool = False) -> None:
    """Remove what lies under the boxes (text, image pixels), fill them black, and set each box's
    reason code once, centred, in white on the removed text's baseline (and invisibly across the
    rest of the box, for text extractors); each box remembers where its label went."""
    _remove_under(page, [box.rect for box in boxes], blank_images)
    write_labels(page, boxes)


def _remove_under(page: pymupdf.Page, rects: list[tuple], blank_images: bool) -> None:
    """What lies under the rectangles (and under every image, with `blank_images`) removed, the
    rectangles filled black."""
    _add_redactions(page, [r for r in map(pymupdf.Rect, rects) if not r.is_empty])
    if blank_images:
        for info in page.get_image_info():
            rect = pymupdf.Rect(info["bbox"]) & page.rect
            if not rect.is_empty:
                page.add_redact_annot(rect, fill=(0, 0, 0), cross_out=False)
    _apply_black(page, pymupdf.PDF_REDACT_IMAGE_PIXELS)


# --- the removal done in another process (a long record's pages, while this one goes on) ----------
# A page of text and drawings only (no images, no forms, no patterns: nothing that MuPDF's
# redaction would copy into objects of its own) comes back as two things, its new content stream
# and its resources (which then name only objects the document had already); anything else is
# redacted here. The worker reads the very bytes this process has (Document.tobytes keeps every
# object's number), and says "not mine" for a page whose contents or resources read differently
# there. Whatever is taken over, the verifier reads the saved file as always.
_NOT_PLAIN = ("XObject", "Pattern", "Shading", "Properties")   # what MuPDF's redaction copies or rewrites


def page_state(doc: pymupdf.Document, page: pymupdf.Page) -> tuple[str, str]:
    return doc.xref_get_key(page.xref, "Contents")[1], doc.xref_get_key(page.xref, "Resources")[1]


def remove_elsewhere(path: str, pages: list[tuple[int, list[tuple], bool, tuple[str, str]]]
                     ) -> dict[int, tuple[str, bytes]]:
    """In a worker: for each (page number, rectangles, blank_images, page_state as sent), the
    page's resources and content stream after `_remove_under`, for the plain pages among them."""
    out: dict[int, tuple[str, bytes]] = {}
    doc = pymupdf.open(path)
    try:
        known = doc.xref_length()
        for n, rects, blank, state in pages:
            page = doc[n]
            if page_state(doc, page) != state or page.get_images(full=True) or page.get_image_info():
                continue
            _remove_under(page, rects, blank)
            kind, resources = doc.xref_get_key(page.xref, "Resources")
            if kind != "dict" or not _plain(doc, page, resources, known):
                continue
            out[n] = (resources, page.read_contents())
    finally:
        doc.close()
    return out


def load_verifier() -> None:
    """In a worker, after the removals: the verifier reads the saved record in these processes
    next, and its modules (PDFium, qpdf) load while the record is being saved (0.1-0.3 s a
    worker), not at the end of a removal that this process waits for."""
    from . import verify  # noqa: F401


def _plain(doc: pymupdf.Document, page: pymupdf.Page, resources: str, known: int) -> bool:
    """Resources of text and drawings only (fonts, graphics states, colour spaces: none of the
    resource kinds in _NOT_PLAIN), naming no object made after the document was read."""
    import re

    if any(int(x) >= known for x in re.findall(r"(\d+) 0 R", resources)):
        return False
    return all(doc.xref_get_key(page.xref, f"Resources/{kind}")[0] == "null" for kind in _NOT_PLAIN)


def take_over(doc: pymupdf.Document, page: pymupdf.Page, resources: str, contents: bytes) -> None:
    """The page's contents and resources as another process's `remove_elsewhere` left them."""
    xref = doc.get_new_xref()
    doc.update_object(xref, "<<>>")
    doc.update_stream(xref, contents, compress=True)
    doc.xref_set_key(page.xref, "Resources", resources)
    doc.xref_set_key(page.xref, "Contents", f"{xref} 0 R")


def write_labels(page: pymupdf.Page, boxes: list[RedactionBox]) -> None:
    """Each box's reason code, once, centred, in white on the removed text's baseline (and
    invisibly across the rest of the box); each box remembers where its label went."""
    visible = invisible = None
    for box in boxes:
        rect = pymupdf.Rect(box.rect)
        size = None if rect.is_empty else _label_size(rect.width, rect.height, box.reason, box.size)
        if size is None:
            continue
        width, unit = _em(box.reason) * size, _em(box.reason + " ") * size
        baseline = box.baseline if rect.y0 < box.baseline <= rect.y1 + size else rect.y1 - 0.2 * size
        centre = rect.x0 + (rect.width - width) / 2
        visible = visible or pymupdf.TextWriter(page.rect, color=(1, 1, 1))
        _show(visible, (centre, baseline), box.reason, size)
        # the code again, invisibly, across the rest of the box: a text extractor then reads the
        # line as one line ("... (SSN PI PI PI , cell ...") and not as two columns split by a gap
        # (each run of codes one string: "PI PI PI" sets each code where a call per code would)
        invisible = invisible or pymupdf.TextWriter(page.rect, color=(1, 1, 1))
        for start, end in ((rect.x0, centre - (unit - width)), (centre + unit, rect.x1)):
            x, codes = start, 0
            while x + width <= end:
                x, codes = x + unit, codes + 1
            if codes:
                _show(invisible, (start, baseline), " ".join([box.reason] * codes), size)
        box.label, box.label_rect = box.reason, (rect.x0, baseline - 0.9 * size, rect.x1, baseline + 0.3 * size)
    if visible is not None:   # one text object per page: far faster than a call per label
        visible.write_text(page)
        invisible.write_text(page, render_mode=3)


def _add_redactions(page: pymupdf.Page, rects: list[pymupdf.Rect]) -> None:
    """page.add_redact_annot(rect, fill=(0, 0, 0), cross_out=False) for each rect, less its
    bookkeeping: that call gives each annotation a name unique on the page by reading the names
    of all the page's annotations first (quadratic in a page's boxes), and a Python object;
    MuPDF's redaction reads neither, and both go with the annotations. The same MuPDF calls
    otherwise, with the page unrotated meanwhile as add_redact_annot does."""
    try:   # every call looked up first: another PyMuPDF inside goes its own way, before any annotation
        m = pymupdf.mupdf
        create, set_rect, from_quad, quad, new_rect = (m.pdf_create_annot, m.pdf_set_annot_rect, m.fz_rect_from_quad,
                                                       m.fz_quad_from_rect, m.FzRect)
        new_array, push, put, obj, update = (m.pdf_new_array, m.pdf_array_push_real, m.pdf_dict_put,
                                             m.pdf_annot_obj, m.pdf_update_annot)
        redact, ic, pdf_page = m.PDF_ANNOT_REDACT, pymupdf.PDF_NAME("IC"), page._pdf_page
    except AttributeError:
        for rect in rects:
            page.add_redact_annot(rect, fill=(0, 0, 0), cross_out=False)
        return
    rotation = page.rotation
    if rotation:
        page.set_rotation(0)
    try:
        pdfpage = pdf_page()
        for rect in rects:
            annot = create(pdfpage, redact)
            set_rect(annot, from_quad(quad(new_rect(*tuple(rect)))))
            fill = new_array(pdfpage.doc(), 3)
            for _ in range(3):
                push(fill, 0)
            put(obj(annot), ic, fill)
            update(annot)
    finally:
        if rotation:
            page.set_rotation(rotation)


def _apply_black(page: pymupdf.Page, images: int) -> None:
    """page.apply_redactions(images=images, graphics=PDF_REDACT_LINE_ART_NONE, text=PDF_REDACT_TEXT_REMOVE)
    with every box filled black, less its bookkeeping: PyMuPDF reads each redaction annotation back
    into a Python object and draws each fill as a shape of its own (a third of the call's time on a
    page of text); MuPDF fills the boxes itself when asked to (its black_boxes option), with the
    annotations' own rectangles, and removes the annotations as before."""
    try:
        m = pymupdf.mupdf
        opts = m.PdfRedactOptions()
        opts.black_boxes, opts.image_method = 1, images
        opts.line_art, opts.text = pymupdf.PDF_REDACT_LINE_ART_NONE, pymupdf.PDF_REDACT_TEXT_REMOVE
        pdf_page = page._pdf_page()
        redact = m.pdf_redact_page
    except AttributeError:     # another PyMuPDF inside: its own way
        page.apply_redactions(images=images, graphics=pymupdf.PDF_REDACT_LINE_ART_NONE,
                              text=pymupdf.PDF_REDACT_TEXT_REMOVE)
        return
    if not redact(pdf_page.doc(), pdf_page, opts) and page.first_annot is not None:
        raise RuntimeError("MuPDF could not apply the redactions")


def _show(writer: pymupdf.TextWriter, pos: tuple[float, float], text: str, size: float) -> None:
    """writer.append(pos, text, font=_helv(), fontsize=size), less its bookkeeping: append bounds
    all the writer's text so far on every call (quadratic in a page's labels), to report a
    rectangle nobody here reads. The same call into MuPDF, with the same arguments."""
    try:
        mupdf = pymupdf.mupdf
        p = pymupdf.Point(pos) * writer.ictm
        mupdf.fz_show_string(writer.this, _helv().this, mupdf.fz_make_matrix(size, 0, 0, size, p.x, p.y), text,
                             0, 0, 0, mupdf.fz_text_language_from_string(None))
    except AttributeError:     # another PyMuPDF inside: its own way
        writer.append(pos, text, font=_helv(), fontsize=size)


def slip_sheet(doc: pymupdf.Document, number: int, text: str) -> None:
    """Replace page `number` by a slip sheet of the same size that says `text`: the page's place
    and numbering stay, nothing of its content does."""
    old = doc[number]
    width, height = old.rect.width, old.rect.height
    doc.delete_page(number)
    page = doc.new_page(pno=number, width=width, height=height)
    margin = min(72.0, width / 8)
    page.draw_rect(pymupdf.Rect(margin / 2, margin / 2, width - margin / 2, height - margin / 2), color=(0, 0, 0),
                   width=1.5)
    area = pymupdf.Rect(margin, height / 3, width - margin, height - margin)
    size = 14.0
    while size > 5 and page.insert_textbox(area, text, fontsize=size, fontname="helv", align=1) < 0:
        size -= 1


@lru_cache(maxsize=1)
def _helv() -> pymupdf.Font:
    return pymupdf.Font("helv")


# Keys that carry document metadata wherever they stand: in embedded figures (pdfTeX's
# /PTEX.InfoDict with /Author and /Title), page-piece data, XMP streams of images and forms,
# associated files, OPI file references.
_META_KEYS = ("PieceInfo", "Metadata", "AF", "OPI", "LastModified", "PTEX.InfoDict", "PTEX.FileName",
              "PTEX.PageNumber", "Info")
# The keys of an Info dictionary: an object that has them is metadata, whatever points to it.
_INFO_KEYS = ("Author", "Title", "Subject", "Keywords", "Creator", "Producer", "CreationDate", "ModDate",
              "Company", "SourceModified", "Trapped")


def sanitise(doc: pymupdf.Document) -> None:
    """Remove everything but page content. (Every page's content streams are cleaned and
    sanitised when the release is saved: `save`'s clean=True is MuPDF's do_clean and do_sanitize,
    the filter scrub's clean_pages would run on each page first.)"""
    try:
        doc.scrub(attached_files=True, clean_pages=False, embedded_files=True, hidden_text=False, javascript=True,
                  metadata=True, redactions=True, redact_images=0, remove_links=True, reset_fields=True,
                  reset_responses=True, thumbnails=True, xml_metadata=True)
    except Exception:
        # a file with dangling references (MuPDF's scrub stops at the first): what scrub does is
        # done below key by key, and the saved file is rebuilt from its pages (see save)
        pass
    for page in doc:
        for annot in list(page.annots() or []):
            page.delete_annot(annot)
        for widget in list(page.widgets() or []):
            page.delete_widget(widget)
        for link in page.get_links():
            page.delete_link(link)
    for step in (lambda: doc.set_toc([]), lambda: doc.set_metadata({}), doc.del_xml_metadata):
        try:
            step()
        except Exception:
            pass
    catalog = doc.pdf_catalog()
    for key in ("Names", "OpenAction", "AA", "Outlines", "PageLabels", "AcroForm", "StructTreeRoot",
                "MarkInfo", "Metadata", "Dests", "PieceInfo", "Threads", "SpiderInfo",
                "URI", "Collection", "Perms", "Legal", "AF"):
        if doc.xref_get_key(catalog, key)[0] != "null":
            doc.xref_set_key(catalog, key, "null")
    _neutral_layers(doc)
    for page in doc:
        for key in ("AA", "Annots", "Thumb", "PieceInfo", "B", "Metadata", "StructParents", "Trans", "AF"):
            if doc.xref_get_key(page.xref, key)[0] != "null":
                doc.xref_set_key(page.xref, key, "null")
    _strip_nested_metadata(doc)


def _neutral_layers(doc: pymupdf.Document) -> None:
    """Optional content kept, so that the release renders as the redacted pages did (layers and
    their membership rules decide what shows; without them a reader shows every alternative at
    once), but with nothing in it but structure: every layer on (ingest read them all on), their
    names replaced by numbers, no alternative configurations."""
    catalog = doc.pdf_catalog()
    if doc.xref_get_key(catalog, "OCProperties")[0] == "null":
        return
    try:
        ocgs = list(doc.get_ocgs())
    except Exception:
        ocgs = []
    if not ocgs:
        doc.xref_set_key(catalog, "OCProperties", "null")
        return
    refs = " ".join(f"{x} 0 R" for x in ocgs)
    for i, x in enumerate(ocgs, 1):
        doc.xref_set_key(x, "Name", f"(Layer {i})")
        for key in ("Usage", "Intent"):
            if doc.xref_get_key(x, key)[0] != "null":
                doc.xref_set_key(x, key, "null")
    doc.xref_set_key(catalog, "OCProperties", f"<</OCGs[{refs}]/D<</ON[{refs}]/OFF[]/Order[{refs}]>>>>")


def _strip_nested_metadata(doc: pymupdf.Document) -> None:
    """Metadata nested anywhere in the file: the keys in _META_KEYS, and the entries of any
    Info-like dictionary (PDFs embedded as figures carry their own /Author and /Title)."""
    catalog = doc.pdf_catalog()
    for xref in range(1, doc.xref_length()):
        if xref == catalog:
            continue
        try:
            keys = doc.xref_get_keys(xref)
        except Exception:
            continue
        if not keys:
            continue
        for key in keys:
            if key in _META_KEYS or key.startswith("PTEX."):
                doc.xref_set_key(xref, key, "null")
        info = [k for k in keys if k in _INFO_KEYS]
        if info and (len(info) >= 2 or doc.xref_get_key(xref, "Type")[1] not in ("/Font", "/Annot")):
            for key in info:
                doc.xref_set_key(xref, key, "null")


def save(doc: pymupdf.Document, dest: Path) -> None:
    """Write the release: MuPDF's garbage-collected save, then the file rebuilt from its pages
    alone by qpdf (pikepdf): a fresh page tree (a loop in the source's is gone), no catalog
    entries but the neutral layer list, no unreachable object, no recursion through Type3 fonts, forms or patterns; so that
    every reader, `qpdf --check` included, opens it."""
    # never encrypted: a PDF opened with an agency password is released without it
    data = doc.tobytes(garbage=4, deflate=True, clean=True, no_new_id=True, encryption=pymupdf.PDF_ENCRYPT_NONE)
    dest.write_bytes(rebuild(data))


def rebuild(data: bytes) -> bytes:
    """`data` rewritten as a new PDF holding only its pages (see save). If qpdf cannot walk the
    page tree, MuPDF's own copy of the pages is rebuilt instead."""
    import io

    import pikepdf

    try:
        return _rebuild(pikepdf.open(io.BytesIO(data)))
    except Exception:
        pass
    src = pymupdf.open("pdf", data)
    fresh = pymupdf.open()
    fresh.insert_pdf(src, links=False, annots=False, widgets=False)
    copied = fresh.tobytes(garbage=4, deflate=True, no_new_id=True)
    src.close()
    fresh.close()
    return _rebuild(pikepdf.open(io.BytesIO(copied)))


def _rebuild(src) -> bytes:
    import io
    import warnings

    import pikepdf

    with src:
        out = pikepdf.new()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")    # no forms are left to preserve
            out.pages.extend(src.pages)
        if "/OCProperties" in src.Root:       # the layers (see sanitise): what shows depends on them
            props = src.Root.OCProperties
            props = props if props.is_indirect else src.make_indirect(props)
            out.Root.OCProperties = out.copy_foreign(props)
        _break_cycles(out)
        buf = io.BytesIO()
        out.save(buf, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return buf.getvalue()


def _break_cycles(pdf) -> None:
    """Remove each resource entry through which a Type3 font, form XObject or pattern would reach
    itself (a glyph procedure drawing with its own font): readers refuse such a file."""
    import pikepdf

    def objid(o):
        return o.objgen if getattr(o, "is_indirect", False) else None

    done: set = set()

    def visit(obj, path: tuple) -> None:
        res = obj.get("/Resources") if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)) else None
        if not isinstance(res, pikepdf.Dictionary):
            return
        for cat in ("/Font", "/XObject", "/Pattern"):
            group = res.get(cat)
            if not isinstance(group, pikepdf.Dictionary):
                continue
            for name in list(group.keys()):
                child = group[name]
                key = objid(child)
                if key is not None and key in path:
                    del group[name]
                    continue
                if key is not None and key in done:
                    continue
                if isinstance(child, (pikepdf.Dictionary, pikepdf.Stream)) and "/Resources" in child:
                    visit(child, path + ((key,) if key else ()))
                if key is not None:
                    done.add(key)

    for page in pdf.pages:
        visit(page.obj, (objid(page.obj),))

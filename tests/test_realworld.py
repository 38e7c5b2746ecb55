"""Real-world files (other projects' test suites, see tests/realworld/SOURCES.md) released as a new
user would: every readable record released, every unreadable one withheld with its reason and
the rest still released, every attachment at any depth listed, every released file clean for
x-ray and `qpdf --check`, nothing the source hid under its own black boxes left readable."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from email.message import EmailMessage
from pathlib import Path

import pymupdf
import pytest

from conftest import readable, release_texts
from test_other_layouts import _request

FILES = Path(__file__).resolve().parent / "realworld"
HIDDEN = "did not disclose all relevant medical history"     # under a black box in rectangles_yes.pdf


def _copy(req: Path, *names: str, folder: str = "medical") -> Path:
    dest = req / "records" / folder
    dest.mkdir(parents=True, exist_ok=True)
    for n in names:
        shutil.copy(FILES / n, dest / n)
    return dest


def _records(out: Path) -> dict[str, dict]:
    """The manifest's rows by the record's path under records/medical/ (the manifest may redact
    names in it; internal/sources.json lists the same records, in the same order, unredacted)."""
    m = json.loads((out / "release" / "manifest.json").read_text())
    paths = list(json.loads((out / "internal" / "sources.json").read_text())["records"])
    assert len(paths) == len(m["records"])
    return {p.split("records/medical/", 1)[-1]: r for p, r in zip(paths, m["records"])}


def _qpdf_failures(release: Path) -> list[str]:
    bad = []
    for pdf in sorted(release.glob("*.pdf")):
        res = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        if res.returncode not in (0, 3):       # 3: warnings only
            bad.append(pdf.name)
    return bad


def _pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _header_mail() -> bytes:
    """A message whose sender (nobody on the roster) has a long address the render must wrap."""
    msg = EmailMessage()
    msg["From"] = ("Désirée van der Berg-Kowalczyk "
                   "<desiree.vanderberg-kowalczyk.private-mailbox@regional-pediatric-hospital-network.example.org>")
    msg["To"] = "Records Unit <records@agency.example.gov>"
    msg["Subject"] = "Follow-up"
    msg.set_content("The appointment is confirmed. Désirée will call again; "
                    "van der Berg-Kowalczyk is on leave next week.")
    return bytes(msg)


@pytest.mark.skipif(not shutil.which("qpdf") or not shutil.which("pdftotext"), reason="needs qpdf and poppler-utils")
def test_real_world_files_under_medical_research(cli, xray, tmp_path, monkeypatch):
    monkeypatch.setenv("REDACTKIT_WORKERS", "1")         # small records: no worker start-up
    monkeypatch.setenv("REDACTKIT_OCR_WORKERS", "1")
    req = _request(tmp_path / "req", category="medical_research")
    rec = _copy(req, "rectangles_yes.pdf", "append-xref-loop.pdf", "pages-loop.pdf",
                "ContentStreamCycleType3insideType3.pdf", "attachment.pdf", "annotation-fileattachment.pdf",
                "bomb_giant.pdf", "issue3371.pdf", "EmailWithInnerMailAndAttachments.msg", "mail_malformed_1.eml",
                "fax-decode-parms-p4.pdf")
    # an Outlook .msg saved with an .eml suffix is judged by its content
    shutil.copy(FILES / "EmailWithInnerMailAndAttachments.msg", rec / "saved-as.eml")
    (rec / "wrapped.eml").write_bytes(_header_mail())
    pw = tmp_path / "passwords.txt"
    pw.write_text("ELXRTQWS\n")           # issue3371.pdf's password (pdf.js test manifest)
    out = tmp_path / "out"
    code, output = cli("release", req, "--out", out, "-q", "--password-file", pw)
    assert code == 5, output              # the JBIG2 bomb is withheld; nothing fails the request
    assert "Traceback" not in output and "Line cannot be recognized" not in output
    records = _records(out)
    status = {name: r["status"] for name, r in records.items()}

    # withheld: only what cannot be read safely, each with its reason
    withheld = {name: r["reason"] for name, r in records.items() if r["status"] == "withheld"}
    assert "bounded memory" in withheld.pop("bomb_giant.pdf")
    assert "unsupported" in withheld.pop("mail_malformed_1.eml > 1. 20160523_916527.jpg_.zip")
    assert withheld == {}, withheld
    # a faint fax page OCR reads too poorly at its image's 150 dpi is read again at 300, not withheld
    fax = records["fax-decode-parms-p4.pdf"]
    assert fax["status"] == "released" and not fax.get("withheld_pages") and not fax.get("needs_attention"), fax

    # the source's own black boxes: the text under them is gone, for every reader
    release = out / "release"
    rect = release / records["rectangles_yes.pdf"]["output"]
    assert HIDDEN not in " ".join(_pdftotext(rect).split())
    texts = "\n".join(release_texts(release).values())
    assert not readable(HIDDEN, texts)
    assert xray(sorted(p for p in release.glob("*.pdf") if p.name != "manifest.pdf")) == {}

    # structure: every released file opens everywhere
    assert _qpdf_failures(release) == []
    assert records["append-xref-loop.pdf"]["pages"] == 30          # MuPDF alone read no pages
    assert status["pages-loop.pdf"] == status["ContentStreamCycleType3insideType3.pdf"] == "released"
    assert status["issue3371.pdf"] == "released"                   # a JBIG2 1-bit stencil scan

    # the .msg saved as .eml has the .msg's bytes: released once (its parts are still listed, read as a .msg)
    assert records["saved-as.eml"]["duplicate_of"]["source"] == records["EmailWithInnerMailAndAttachments.msg"]["source"]

    # files inside files, to any depth, each a record linked to its parent
    for child, parent in (("attachment.pdf > 1. foo.txt", "attachment.pdf"),
                          ("annotation-fileattachment.pdf > 1. Test.txt", "annotation-fileattachment.pdf"),
                          ("EmailWithInnerMailAndAttachments.msg > 3. Inner mail.msg > 2. INNER 2.pdf",
                           "EmailWithInnerMailAndAttachments.msg > 3. Inner mail.msg"),
                          ("saved-as.eml > 3. Inner mail.msg > 1. INNER 1.pdf", "saved-as.eml > 3. Inner mail.msg"),
                          ("mail_malformed_1.eml > 1. 20160523_916527.jpg_.zip", "mail_malformed_1.eml")):
        assert child in records, child
        assert records[child]["attached_to"] == records[parent]["source"], child

    # e-mail headers are structured data: every part of an address goes, wrapped or not
    for value in ("Désirée", "van der Berg-Kowalczyk", "Berg-Kowalczyk", "Kowalczyk",
                  "desiree.vanderberg-kowalczyk.private-mailbox"):
        assert not readable(value, texts), value
    assert readable("The appointment is confirmed", texts)


def test_real_world_files_under_third_party_release(cli, xray, tmp_path, monkeypatch):
    monkeypatch.setenv("REDACTKIT_WORKERS", "1")
    monkeypatch.setenv("REDACTKIT_OCR_WORKERS", "1")
    consent = {"form": "DCF-2131F", "signed_by": "Rosa Quintero", "signed_on": "2026-06-01", "expires": "2030-06-01",
               "recipient": "Dr. Jeffrey Wright", "information": ["medical"], "purpose": "continuity of care",
               "reference": "ROI-1"}
    req = _request(tmp_path / "req", consent=consent,
                   requester={"name": "Dr. Jeffrey Wright", "category": "third_party_release"})
    _copy(req, "rectangles_yes.pdf", "TestWithAttachmentsAndInlines.eml", "mail_outlook_1.eml")
    out = tmp_path / "out"
    code, output = cli("release", req, "--out", out, "-q")
    assert code in (0, 5), output
    records = _records(out)
    # an OLE .msg under an .eml name is read as what it is; its parts too
    assert records["mail_outlook_1.eml"]["status"] == "released"
    assert "mail_outlook_1.eml > 5. image008.jpg" in records
    # the message parts with MIME defects are released; only pictures OCR cannot read are withheld
    assert records["TestWithAttachmentsAndInlines.eml"]["status"] == "released"
    # its six text parts (defects and all) hold the same bytes: released once, the rest duplicates of it
    first = "TestWithAttachmentsAndInlines.eml > 1. attachment1f.txt"
    assert records[first]["status"] == "released"
    assert records["TestWithAttachmentsAndInlines.eml > 6. forwarded message.txt"]["duplicate_of"]["source"] == \
        records[first]["source"]
    assert all("OCR" in r["reason"] for r in records.values() if r["status"] == "withheld"), records
    release = out / "release"
    texts = "\n".join(release_texts(release).values())
    assert not readable(HIDDEN, texts)              # covered text goes whatever the recipe keeps
    assert not readable("peter.bruenner@domain.ch", texts)
    assert xray(sorted(p for p in release.glob("*.pdf") if p.name != "manifest.pdf")) == {}
    assert _qpdf_failures(release) == []


def test_dynamic_xfa_form_is_released_as_its_data(cli, tmp_path):
    """A dynamic XFA form shows only "Please wait..." to any reader but Acrobat: its data is released."""
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Please wait... your PDF viewer may not be able to display this document.")
    data = (b'<xfa:datasets xmlns:xfa="http://www.xfa.org/schema/xfa-data/1.0/"><xfa:data><form1>'
            b"<ApplicantName>Gustavo Lindqvist</ApplicantName><HomePhone>203-555-0111</HomePhone>"
            b"<Remarks>The family keeps every appointment &amp; call</Remarks></form1></xfa:data></xfa:datasets>")
    stream = doc.get_new_xref()
    doc.update_object(stream, "<<>>")
    doc.update_stream(stream, data)
    cat = doc.pdf_catalog()
    doc.xref_set_key(cat, "NeedsRendering", "true")
    doc.xref_set_key(cat, "AcroForm", f"<</Fields[]/XFA[(datasets) {stream} 0 R]>>")
    req = _request(tmp_path / "req", category="medical_research")
    doc.save(req / "records" / "investigation" / "form.pdf")
    assert cli("release", req, "--out", tmp_path / "out", "-q")[0] == 0
    text = "\n".join(release_texts(tmp_path / "out" / "release").values())
    assert "Please wait" not in text
    assert readable("The family keeps every appointment & call", text)
    assert not readable("Gustavo Lindqvist", text) and not readable("203-555-0111", text)


# --- the parts, on the same files -----------------------------------------------------------------

def test_outlook_message_parts_safelinks_and_header_values():
    """MSGReader's Outlook sample: attached messages with MIME defects (and sent base64-encoded)
    are released as what they are, SafeLinks are decoded to the address they carry, and every
    address header becomes values: display name, its parts, address, local part."""
    import hashlib

    from redactkit.ingest import expand
    from redactkit.types import Record

    path = FILES / "TestWithAttachmentsAndInlines.eml"
    data = path.read_bytes()
    rec = Record(path, "records/medical/m.eml", "medical", hashlib.sha256(data).hexdigest(), len(data), "email")
    records = expand([rec])
    assert [r.problem for r in records] == [None] * len(records)
    message = records[0]
    # a SafeLinks wrapper becomes the link it wraps; its tracking data (the recipient's address,
    # percent-encoded) is not carried into the render at all
    assert "safelinks" not in message.source_text and "%40" not in message.source_text
    assert "https://www.facebook.com" in message.source_text and "bruenner" not in message.source_text
    values = dict(message.values)
    for value, entity in (("Müller Peter", "PERSON"), ("Müller", "PERSON"), ("Peter", "PERSON"),
                          ("Peter.Mueller@domain.ch", "EMAIL_ADDRESS"), ("Peter.Mueller", "EMAIL_ADDRESS")):
        assert values.get(value) == entity, value
    rendered = " ".join(p.get_text() for p in pymupdf.open("pdf", message.data))
    assert "https://www.facebook.com" in rendered and "bruenner" not in rendered and "safelinks" not in rendered
    names = [r.relpath.rsplit("> ", 1)[-1] for r in records[1:]]
    assert names == ["1. attachment1f.txt", "2. attachment2f.txt", "3. attachment.plain", "4. attachment4f.txt",
                     "5. forwarded message.txt", "6. forwarded message.txt", "7. Outlook-facebook.png"]
    assert all(r.parent == "records/medical/m.eml" and r.values == message.values for r in records[1:])


def test_covered_text_is_found_precisely():
    """Text nobody can see is covered: under a rectangle or picture drawn after it (a white box
    too: a whiteout), black on black; highlights, shaded cells and header bars (drawn behind, the
    text shows) are not; nor is anything in x-ray's file without bad redactions."""
    from redactkit.ingest.pdf import page_text

    doc = pymupdf.open()
    page = doc.new_page()
    y = 80

    def line(text, **kw):
        nonlocal y
        page.insert_text((72, y), text, fontsize=11, **kw)
        y += 30
        return y - 30

    b = line("Black box: Quinn Albrecht")
    page.draw_rect(pymupdf.Rect(125, b - 10, 220, b + 3), color=None, fill=(0, 0, 0))
    b = line("Highlighted: Quinn Albrecht")
    page.draw_rect(pymupdf.Rect(135, b - 10, 230, b + 3), color=None, fill=(1, 1, 0), fill_opacity=0.4)
    page.draw_rect(pymupdf.Rect(70, y - 12, 400, y + 4), color=None, fill=(0.85, 0.85, 0.85))
    line("Shaded cell: Quinn Albrecht")
    page.draw_rect(pymupdf.Rect(70, y - 12, 400, y + 4), color=None, fill=(0.1, 0.1, 0.4))
    line("Header bar in white", color=(1, 1, 1))
    page.draw_rect(pymupdf.Rect(70, y - 12, 400, y + 4), color=None, fill=(0, 0, 0))
    line("Black on black: Quinn", color=(0, 0, 0))
    b = line("White box: Quinn Albrecht")
    page.draw_rect(pymupdf.Rect(125, b - 10, 220, b + 3), color=None, fill=(1, 1, 1))
    b = line("Under a picture: Quinn Albrecht")
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 40, 10))
    pix.set_rect(pix.irect, (120, 40, 40))
    page.insert_image(pymupdf.Rect(150, b - 10, 250, b + 3), pixmap=pix, keep_proportion=False)
    pt = page_text(pymupdf.open("pdf", doc.tobytes())[0])
    covered = [pt.text[s:e] for s, e in pt.covered]
    assert covered == ["Quinn Albrecht", "Black on black: Quinn", "Quinn Albrecht", "Quinn Albrecht"], covered

    pt = page_text(pymupdf.open(FILES / "no_bad_redactions.6.2.pdf")[0])
    assert pt.covered == []
    pt = page_text(pymupdf.open(FILES / "bad_cross_hatched_redactions.pdf")[0])
    covered = " ".join(pt.text[s:e] for s, e in pt.covered)
    assert "Yuriy Lutsenko" in covered and "Victoria Toensing" in covered


def test_scan_pixel_check_reads_every_image_kind():
    """The verifier's pixel check on a JBIG2 1-bit stencil (it raised ValueError), CMYK, grey and
    a rotated image: text pixels count as not blank, redacted ones as blank."""
    from redactkit.ingest.scan import pixels_blank_under

    doc = pymupdf.open(FILES / "issue3371.pdf")
    assert doc.authenticate("ELXRTQWS")
    page = doc[0]
    words = (90, 70, 112, 90)                    # "quite" in the scanned line
    assert pixels_blank_under(page, [words]) is False
    assert pixels_blank_under(page, [(100, 400, 300, 500)]) is True     # blank paper
    page.add_redact_annot(words, fill=(0, 0, 0))
    page.apply_redactions(images=pymupdf.PDF_REDACT_IMAGE_PIXELS)
    assert pixels_blank_under(page, [words]) is True

    doc = pymupdf.open()
    page = doc.new_page()
    for i, cs in enumerate((pymupdf.csCMYK, pymupdf.csGRAY)):
        pix = pymupdf.Pixmap(cs, pymupdf.IRect(0, 0, 100, 100))
        pix.clear_with(0)
        pix.set_rect(pymupdf.IRect(10, 10, 30, 30), [255] * pix.n)
        page.insert_image(pymupdf.Rect(50 + i * 150, 50, 150 + i * 150, 150), pixmap=pix)
    page = pymupdf.open("pdf", doc.tobytes())[0]
    for i in range(2):
        assert pixels_blank_under(page, [(55 + i * 150, 55, 75 + i * 150, 75)]) is False
        assert pixels_blank_under(page, [(100 + i * 150, 100, 140 + i * 150, 140)]) is True
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 200, 100))
    pix.clear_with(255)
    pix.set_rect(pymupdf.IRect(0, 0, 50, 50), (0, 0, 0))
    # an inline image (BI ... ID ... EI), 4x4 grey: two black columns, two white
    inline = doc.new_page()
    stream = doc.get_new_xref()
    doc.update_object(stream, "<<>>")
    doc.update_stream(stream, b"q 100 0 0 100 50 50 cm BI /W 4 /H 4 /CS /G /BPC 8 ID "
                              + b"\x00\x00\xff\xff" * 4 + b" EI Q")
    doc.xref_set_key(inline.xref, "Contents", f"{stream} 0 R")
    doc.new_page().insert_image(pymupdf.Rect(100, 100, 200, 300), pixmap=pix, rotate=90)
    page = pymupdf.open("pdf", doc.tobytes())[1]
    assert pixels_blank_under(page, [(60, 692, 140, 792)]) is False
    assert pixels_blank_under(page, [(50, 692, 99, 792)]) is True
    page = pymupdf.open("pdf", doc.tobytes())[2]
    assert pixels_blank_under(page, [(100, 250, 200, 300)]) is False      # the black corner and white
    assert pixels_blank_under(page, [(100, 100, 200, 200)]) is True


def test_sanitise_and_save_on_a_form_with_dangling_references(tmp_path):
    """The IRS 1040 of pdf.js's tests makes MuPDF's scrub() fail; metadata nested in a figure
    (/PTEX.InfoDict) goes too; the file written passes qpdf --check."""
    from redactkit.apply import sanitise, save

    doc = pymupdf.open(FILES / "prefilled_f1040.pdf")
    doc.bake()
    fig = doc.get_new_xref()
    doc.update_object(fig, "<</Type/XObject/Subtype/Form/BBox[0 0 10 10]"
                           "/PTEX.InfoDict<</Author(Quinn Albrecht)/Title(Home visit)>>/PieceInfo<</X<</Private(Quinn)>>>>>>")
    doc.update_stream(fig, b"0 0 m 10 10 l S")
    doc.xref_set_key(doc[0].xref, "Resources/XObject", f"<</Fig {fig} 0 R>>")
    sanitise(doc)
    save(doc, tmp_path / "out.pdf")
    raw = (tmp_path / "out.pdf").read_bytes()
    out = pymupdf.open(tmp_path / "out.pdf")
    assert out.page_count == 2
    objects = "".join(out.xref_object(x) for x in range(1, out.xref_length()))
    assert "Quinn" not in objects and "Home visit" not in objects and b"Quinn" not in raw
    if shutil.which("qpdf"):
        assert subprocess.run(["qpdf", "--check", str(tmp_path / "out.pdf")], capture_output=True).returncode == 0


def test_tesseract_messages_do_not_reach_the_console(capfd):
    from redactkit.ingest.scan import quiet_stderr

    with quiet_stderr():
        os.write(2, b"Line cannot be recognized!!\n")
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert "Line cannot be recognized" not in err and "after" in err


def test_an_image_too_large_to_decode_is_not_decoded(tmp_path):
    """A small file that claims a 17000 x 17000 image (289 MB of pixels): its page is withheld by
    its header, before anything renders, OCRs or blanks it."""
    import resource
    import zlib

    from redactkit.ingest.pdf import read_pages_each

    side = 17000
    deflate = zlib.compressobj(1)
    row = b"\x00" * (side + 1)
    data = b"".join(deflate.compress(row) for _ in range(side)) + deflate.flush()
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Scanned attachment follows.")
    image = doc.get_new_xref()
    doc.update_object(image, f"<</Type/XObject/Subtype/Image/Width {side}/Height {side}/ColorSpace/DeviceGray"
                             f"/BitsPerComponent 8/Filter/FlateDecode/DecodeParms<</Predictor 15/Columns {side}>>>>")
    doc.update_stream(image, data, compress=False)
    doc.xref_set_key(page.xref, "Resources", f"<</XObject<</Im {image} 0 R>>>>")
    doc.update_stream(page.get_contents()[0], b"q 612 0 0 792 0 0 cm /Im Do Q")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    pages, failed = read_pages_each(pymupdf.open("pdf", doc.tobytes()))
    assert pages == [] and "too large to read in bounded memory" in failed[0]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024     # KiB: nothing decoded


def test_hidden_layers_are_read_and_redacted(cli, tmp_path):
    """MuPDF reads no text from a hidden optional-content layer, which a reader of the release
    could switch on: layers are read switched on, redacted like the rest, and released on, their
    names (which can name people too) replaced by numbers."""
    doc = pymupdf.open()
    page = doc.new_page()
    hidden = doc.add_ocg("Notes by Gustavo Lindqvist", on=False)
    page.insert_text((72, 72), "The appointment is confirmed.", fontsize=11)
    page.insert_text((72, 100), "Call Gustavo Lindqvist at 203-555-0111.", fontsize=11, oc=hidden)
    req = _request(tmp_path / "req", category="medical_research")
    doc.save(req / "records" / "investigation" / "layers.pdf")
    assert cli("release", req, "--out", tmp_path / "out", "-q")[0] == 0
    text = "\n".join(release_texts(tmp_path / "out" / "release").values())
    assert not readable("Gustavo Lindqvist", text) and not readable("203-555-0111", text)
    assert readable("The appointment is confirmed", text)
    out = pymupdf.open(tmp_path / "out" / "release" / "T-1-001.pdf")
    assert [v["name"] for v in out.get_ocgs().values()] == ["Layer 1"] and all(v["on"] for v in out.get_ocgs().values())

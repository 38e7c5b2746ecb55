"""Office records as PDF: what a word processor can hide (tracked changes, comments, hidden text,
hidden sheets, rows and columns, headers) is shown, so that it is redacted like the rest; a file
the converter cannot read is withheld with a reason. These tests read the converted PDF back; the
end-to-end release of a .docx is in test_production.py."""
from __future__ import annotations

import pymupdf
import pytest

from generate import _commented, _del, _ins, _p, _r, _table, docx_bytes
from office_files import odt_bytes, xlsx_bytes
from redactkit.ingest import Unreadable, sniff
from redactkit.ingest.office import to_pdf


def _text(doc: pymupdf.Document) -> str:
    flags = pymupdf.TEXTFLAGS_TEXT & ~pymupdf.TEXT_PRESERVE_LIGATURES
    return " ".join(" ".join(p.get_text(flags=flags) for p in doc).split())


def test_docx_shows_tracked_changes_comments_hidden_text_and_header():
    body = (_p(_r("Case plan"), style="Heading1")
            + _p(_r("The family met"), _ins(" with Dr. Helen Marsh", 1), _r(" on Monday."),
                 _del(" Call Ronald Pike at 860-555-0199.", 2))
            + _p(_commented("Placement is stable.", 0))
            + _p(_r("Hidden: "), _r("Olga Brant visits", "<w:vanish/>"))
            + _table([["Name", "Phone"], ["Ivo Lindgren", "203-555-0142"]]))
    doc = to_pdf(docx_bytes(body, comments=["Ask Nora Quill about this."], header="Prepared by Petra Vance"),
                 "plan.docx")
    text = _text(doc)
    for shown in ("with Dr. Helen Marsh", "Call Ronald Pike at 860-555-0199", "Ask Nora Quill about this",
                  "Olga Brant visits", "Ivo Lindgren 203-555-0142", "Prepared by Petra Vance", "Placement is stable"):
        assert shown in text, shown
    assert "Case Worker" not in text and "[CW" not in text      # comment authors and initials are not shown
    assert "tracked deletions are struck through" in text
    # the deleted sentence is struck through: a line drawn across it
    page = doc[0]
    deleted = page.search_for("Ronald Pike")[0]
    assert any(d["rect"].y0 > deleted.y0 and d["rect"].y1 < deleted.y1 and d["rect"].x0 <= deleted.x1
               and d["rect"].x1 >= deleted.x0 for d in page.get_drawings())


def test_docx_paragraphs_the_converter_would_drop_are_added():
    # a text box that only exists in the modern (mc:Choice) branch: mammoth reads the fallback only
    box = ('<w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
           '<mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>Boxed note by Quentin Marlow'
           '</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice></mc:AlternateContent></w:r>')
    doc = to_pdf(docx_bytes(_p(_r("Main text.")) + f"<w:p>{box}</w:p>"), "boxed.docx")
    text = _text(doc)
    assert "Boxed note by Quentin Marlow" in text and "Text the converter did not place" in text


def test_xlsx_shows_hidden_sheets_rows_columns_and_comments():
    data = xlsx_bytes([["Name", "Phone", "Town"], ["Ivo Lindgren", "203-555-0142", "Hartford"],
                       ["Olga Brant", "860-555-0101", "Avon"]], [["note", "Nora Quill 860-555-0177"]], 3, "B",
                      ("A2", "Call Ivo Lindgren first"))
    text = _text(to_pdf(data, "contacts.xlsx"))
    for shown in ("Olga Brant", "860-555-0101", "203-555-0142", "Nora Quill 860-555-0177", "Call Ivo Lindgren first",
                  "Notes (a hidden sheet)", "3 (hidden)", "B (hidden)"):
        assert shown in text, shown


def test_a_table_wider_than_the_page_gets_a_wider_page_not_cut_off():
    # long unbreakable cell values (a path, a file name) keep columns wide: on Letter the last
    # columns would be drawn past the margin and cut off; the page is made as wide as they need
    path = "Gedeelde%20documenten/Standaard%20Installatie%20handleiding%20Email%202%20Storage.docx"
    row = [path, "Hoofdstuk", "Toepassen?", "Sheet1.0-Verwijzing", "Variabelen/Opmerkingen", "Contactpersoon",
           "Telefoonnummer", "Laatste-wijziging"]
    doc = to_pdf(xlsx_bytes([row, row], [["x"]], 5, "Z"), "wide.xlsx")
    page = doc[0]
    assert page.rect.width > 612
    lines = [l for b in page.get_text("dict")["blocks"] for l in b.get("lines", ())]
    assert lines and all(l["bbox"][2] <= page.rect.width - 54 + 1 for l in lines)
    assert "Telefoonnummer" in _text(doc)


def test_odt_shows_tracked_changes_comments_notes_hidden_text_and_header():
    data = odt_bytes("Worker met the family.", "Dr. Helen Marsh joined.", "Call Ronald Pike at 860-555-0199.",
                     "Ask Olga Brant.", "Note about Nora Quill.", "secret Ivan Petrov",
                     [["Name", "Phone"], ["Ronald Pike", "203-555-0142"]], header="Header by Petra Vance")
    text = _text(to_pdf(data, "summary.odt"))
    for shown in ("Dr. Helen Marsh joined.", "Call Ronald Pike at 860-555-0199.", "Ask Olga Brant.",
                  "Note about Nora Quill.", "secret Ivan Petrov", "Ronald Pike 203-555-0142", "Header by Petra Vance"):
        assert shown in text, shown
    assert "Jo Editor" not in text                      # change and comment authors are not shown
    assert "did not place" not in text


def test_rtf_txt_and_html():
    rtf = (rb"{\rtf1\ansi{\fonttbl\f0\fswiss Helvetica;}{\header Prepared by Petra Vance}\f0 Hello {\v Olga Brant} "
           rb"world.\par{\*\atnid JA}{\*\atnauthor Jo Editor}\chatn{\*\annotation{\*\atndate 1}\pard Ask Nora Quill}"
           rb"\par Caf\'e9 closed.}")
    text = _text(to_pdf(rtf, "letter.rtf"))
    for shown in ("Prepared by Petra Vance", "Olga Brant", "Ask Nora Quill", "Café closed"):
        assert shown in text, shown
    assert "Jo Editor" not in text
    assert "Ivo Lindgren called" in _text(to_pdf("Ivo Lindgren called.\r\n\r\nTwice.".encode("cp1252"), "n.txt"))
    page = ("<html><head><title>x</title><style>.h{display:none}</style><script>steal()</script></head><body>"
            "<div style='display:none'>Hidden Olga Brant</div><table><tr><td>Ivo</td><td>Lindgren</td></tr></table>"
            "<img src='https://tracker.example/p.gif'></body></html>")
    text = _text(to_pdf(page.encode(), "page.html"))
    assert "Hidden Olga Brant" in text and "Ivo Lindgren" in text
    assert "steal" not in text and "tracker" not in text and "display" not in text


@pytest.mark.parametrize("name,data,words", [
    ("minutes.docx", b"PK\x03\x04" + b"not a zip", "damaged Word document"),
    ("sheet.xlsx", b"just text", "damaged Excel workbook"),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, None),
    ("bin.txt", b"\x00\x01\x02binary", "binary"),
])
def test_files_a_converter_cannot_read_are_refused_with_a_reason(name, data, words):
    kind = sniff(data[:1024], "." + name.rsplit(".", 1)[1])
    if kind != "office":
        assert name == "old.doc"          # an old binary .doc is not taken for an Office file: unsupported
        return
    with pytest.raises(Unreadable) as exc:
        to_pdf(data, name)
    assert words in str(exc.value)


def test_content_decides_not_the_name():
    assert sniff(b"%PDF-1.7\n", ".docx") == "pdf"
    assert sniff(b"{\\rtf1\\ansi hello}", ".dat") == "office"
    assert sniff(b"PK\x03\x04\x14\x00\x00\x00\x08\x00[Content_Types].xml", ".bin") == "office"
    assert sniff(b"PK\x03\x04\x14\x00", ".zip") == "other"

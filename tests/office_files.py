"""Small Office files made in the test (no real person): an .xlsx with a hidden sheet, hidden
rows and columns and a comment (openpyxl), and an .odt with tracked changes, a comment, a note and
hidden text (written as OpenDocument XML)."""
from __future__ import annotations

import io
import zipfile


def xlsx_bytes(visible: list[list], hidden_sheet: list[list], hidden_row: int, hidden_col: str,
               comment: tuple[str, str] | None = None) -> bytes:
    import openpyxl
    from openpyxl.comments import Comment

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Contacts"
    for row in visible:
        ws.append(row)
    ws.row_dimensions[hidden_row].hidden = True
    ws.column_dimensions[hidden_col].hidden = True
    if comment:
        ws[comment[0]].comment = Comment(comment[1], "Reviewer")
    secret = wb.create_sheet("Notes")
    for row in hidden_sheet:
        secret.append(row)
    secret.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


ODF = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
       'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
       'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
       'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
       'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.2"')


def odt_bytes(before: str, inserted: str, deleted: str, comment: str, note: str, hidden: str,
              cells: list[list[str]], header: str = "") -> bytes:
    """A paragraph with a tracked insertion and a tracked deletion, a comment, a footnote, hidden
    text, a table and a page header."""
    rows = "".join("<table:table-row>" + "".join(f"<table:table-cell><text:p>{c}</text:p></table:table-cell>"
                                                  for c in row) + "</table:table-row>" for row in cells)
    content = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {ODF}><office:body><office:text>
<text:tracked-changes>
 <text:changed-region text:id="ct1"><text:insertion><office:change-info><dc:creator>Jo Editor</dc:creator><dc:date>2026-01-01T00:00:00</dc:date></office:change-info></text:insertion></text:changed-region>
 <text:changed-region text:id="ct2"><text:deletion><office:change-info><dc:creator>Jo Editor</dc:creator><dc:date>2026-01-01T00:00:00</dc:date></office:change-info><text:p>{deleted}</text:p></text:deletion></text:changed-region>
</text:tracked-changes>
<text:h text:outline-level="1">Visit summary</text:h>
<text:p>{before} <text:change-start text:change-id="ct1"/>{inserted}<text:change-end text:change-id="ct1"/><text:change text:change-id="ct2"/> The visit ended.<office:annotation><dc:creator>Jo Editor</dc:creator><text:p>{comment}</text:p></office:annotation></text:p>
<text:p>See the note<text:note text:id="n1" text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>{note}</text:p></text:note-body></text:note>.</text:p>
<text:p>Hidden: <text:hidden-text text:condition="true" text:string-value="{hidden}"/></text:p>
<table:table table:name="T1">{rows}</table:table>
</office:text></office:body></office:document-content>"""
    styles = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {ODF}><office:master-styles><style:master-page style:name="Standard">
<style:header><text:p>{header}</text:p></style:header></style:master-page></office:master-styles></office:document-styles>"""
    manifest = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("styles.xml", styles, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return buf.getvalue()

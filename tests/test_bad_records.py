"""Records that cannot be read safely are withheld with a reason, never passed through; the
rest of the request is still released."""
from __future__ import annotations

import json

import pymupdf

from conftest import readable, release_texts
from test_other_layouts import _request, _two_column_record

SECRET = "Gustavo Lindqvist"


def _pdf_with(text: str) -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), text, fontsize=11)
    return doc.tobytes()


def test_unreadable_records_are_withheld_and_listed(cli, tmp_path):
    req = _request(tmp_path / "req")
    rec = req / "records" / "investigation"
    _two_column_record(rec / "good.pdf")
    (rec / "empty.pdf").write_bytes(b"")
    (rec / "truncated.pdf").write_bytes(_pdf_with(f"Statement of {SECRET}")[:300])
    (rec / "not_a_pdf.pdf").write_bytes(f"{SECRET} wrote this plain text".encode())
    enc = pymupdf.open(stream=_pdf_with(f"{SECRET} confidential"), filetype="pdf")
    (rec / "encrypted.pdf").write_bytes(enc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="u", owner_pw="o"))
    (rec / "minutes.docx").write_bytes(b"PK\x03\x04" + SECRET.encode())
    scan = pymupdf.open()
    page = scan.new_page()
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 600, 800), 0)
    pix.clear_with(200)
    page.insert_image(page.rect, pixmap=pix)
    scan.save(rec / "scan.pdf")
    (rec / "letter.eml").write_bytes(f"From: {SECRET} <g@x.org>\nSubject: x\nContent-Type: text/plain; "
                                     f"charset=no-such-charset\n\nhello {SECRET}\n".encode())

    code, output = cli("release", req, "--out", tmp_path / "out", "-q")
    assert code == 5, output
    assert "Traceback" not in output
    manifest = json.loads((tmp_path / "out" / "release" / "manifest.json").read_text())
    status = {r["source"].rsplit("/", 1)[-1]: r for r in manifest["records"]}
    assert status["good.pdf"]["status"] == "released"
    reasons = {name: r.get("reason", "") for name, r in status.items() if r["status"] == "withheld"}
    assert set(reasons) == {"empty.pdf", "truncated.pdf", "not_a_pdf.pdf", "encrypted.pdf", "minutes.docx",
                            "scan.pdf", "letter.eml"}
    assert "empty" in reasons["empty.pdf"]
    assert "encrypted" in reasons["encrypted.pdf"]
    assert "not a PDF" in reasons["not_a_pdf.pdf"]
    assert "OCR" in reasons["scan.pdf"]
    assert "unsupported" in reasons["minutes.docx"]
    assert "damaged" in reasons["truncated.pdf"]
    assert "cannot be decoded" in reasons["letter.eml"]
    assert all(status[n]["needs_attention"] for n in reasons)
    assert manifest["status"] == "incomplete"
    text = "\n".join(release_texts(tmp_path / "out" / "release").values())
    assert not readable(SECRET, text) and not readable("Lindqvist", text)
    assert sorted(p.name for p in (tmp_path / "out" / "release").iterdir()) == \
        sorted([status["good.pdf"]["output"], "manifest.json", "manifest.pdf"])

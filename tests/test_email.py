"""E-mail records: rendered to PDF and released through the same path, attachments as records of
their own, routing headers never, broken messages withheld."""
from __future__ import annotations

import json
from email.message import EmailMessage

import pymupdf

from conftest import check_release, readable, release_texts
from test_other_layouts import _request

SECRET = "Gustavo Lindqvist"


def _pdf(text):
    doc = pymupdf.open()
    doc.new_page().insert_textbox(pymupdf.Rect(72, 72, 540, 700), text, fontsize=11)
    return doc.tobytes()


def _mail():
    inner = EmailMessage()
    inner["From"] = "Harold Vanderbilt-Oakes <hvo@mailbox.org>"
    inner["To"] = "Naomi Fairweather <naomi.fairweather@ct.gov>"
    inner["Subject"] = "Fwd: worried"
    inner.set_content("Teo was alone again. Call me at 203-555-0187. The boy seemed hungry.")
    inner.add_attachment(_pdf(f"Statement of {SECRET}: Mateo was outside at night. The porch light was off."),
                         maintype="application", subtype="pdf", filename="statement.pdf")
    msg = EmailMessage()
    msg["From"] = f"{SECRET} <g.lindqvist@example.net>"
    msg["To"] = "Naomi Fairweather <naomi.fairweather@ct.gov>"
    msg["Cc"] = "Priya Ramanathan <priya.r@example.com>"
    msg["Bcc"] = "Secret Watcher <watcher@example.com>"
    msg["Subject"] = "About Mateo"
    msg["Message-ID"] = "<abc123@mail.example.net>"
    msg["X-Mailer"] = "Routing Agent 7"
    msg["Received"] = "from relay.example.net (198.51.100.23)"
    msg.set_content(f"Rosa Quintero asked me to write. {SECRET} here, phone (860) 555-0144.\nMateo is doing well in school.")
    msg.add_alternative("<html><head><script>steal()</script><style>.x{}</style></head><body>"
                        f"<p>Rosa Quintero asked me to write. {SECRET} here, phone (860) 555-0144.</p>"
                        "<p>Mateo is doing well in school.</p><img src='https://tracker.example/pixel.gif'>"
                        "</body></html>", subtype="html")
    msg.add_attachment(b"PK\x03\x04 fake office document", maintype="application",
                       subtype="vnd.openxmlformats-officedocument.wordprocessingml.document", filename="minutes.docx")
    msg.add_attachment(b"BEGIN:VCALENDAR\nEND:VCALENDAR\n", maintype="text", subtype="calendar", filename="visit.ics")
    msg.add_attachment(inner)
    return msg


def test_email_with_attachments_and_nested_message(cli, xray, tmp_path):
    req = _request(tmp_path / "req")
    (req / "records" / "investigation" / "mail.eml").write_bytes(bytes(_mail()))
    code, output = cli("release", req, "--out", tmp_path / "out", "-q")
    assert code == 5, output   # the office document and the calendar file are withheld for attention
    must_redact = [SECRET, "g.lindqvist@example.net", "Priya Ramanathan", "priya.r@example.com", "(860) 555-0144",
                   "Harold Vanderbilt-Oakes", "hvo@mailbox.org", "203-555-0187", "Secret Watcher", "watcher@example.com",
                   "abc123", "Routing Agent", "relay.example.net", "198.51.100.23", "steal()", "tracker.example"]
    must_keep = ["Rosa Quintero asked me to write", "Mateo is doing well in school", "The boy seemed hungry",
                 "Mateo was outside at night", "The porch light was off", "Naomi Fairweather"]
    got = check_release(tmp_path / "out", {"must_redact": must_redact, "must_keep": must_keep}, xray)
    assert got["leaked"] == [] and got["missing"] == [] and got["xray"] == {}
    records = got["manifest"]["records"]
    by_name = {r["source"].rsplit("> ", 1)[-1]: r for r in records}
    assert by_name["records/investigation/mail.eml"]["status"] == "released"
    assert by_name["3. forwarded message.eml"]["status"] == "released"
    assert by_name["1. statement.pdf"]["status"] == "released"
    assert by_name["1. statement.pdf"]["attached_to"].endswith("3. forwarded message.eml")
    for name, kind in (("1. minutes.docx", ".docx"), ("2. visit.ics", ".ics")):
        assert by_name[name]["status"] == "withheld" and kind in by_name[name]["reason"]
        assert by_name[name]["attached_to"] == "records/investigation/mail.eml"


def test_broken_parts_are_withheld_and_the_rest_released(cli, tmp_path):
    """Lenient MIME: what parses is released; only the part that does not is withheld, as a record
    of its own with the reason. A file that is no message at all is withheld whole."""
    req = _request(tmp_path / "req")
    rec = req / "records" / "investigation"
    (rec / "good.eml").write_bytes(bytes(_mail()))
    # a body in no charset that decodes: the body is withheld, the headers and the rest released
    (rec / "bad_charset.eml").write_bytes(b"From: x@y.org\nSubject: hi\nContent-Type: text/plain; charset=bogus-8\n\n"
                                          + b"\x81\x8d\x8f\x90\x9d" * 20 + SECRET.encode() + b"\n")
    # no closing boundary: nothing is lost, the message is released (and redacted)
    (rec / "bad_mime.eml").write_bytes(f"From: x@y.org\nSubject: hi\nContent-Type: multipart/mixed; boundary=\"zz\"\n\n"
                                       f"--zz\nContent-Type: text/plain\n\n{SECRET} wrote about Mateo.\n".encode())
    # a damaged attachment (base64 with stray characters): only that attachment is withheld
    (rec / "bad_part.eml").write_bytes(
        f"From: x@y.org\nSubject: hi\nContent-Type: multipart/mixed; boundary=\"zz\"\n\n--zz\nContent-Type: text/plain\n\n"
        f"Mateo is doing well in school.\n--zz\nContent-Type: application/pdf; name=\"a.pdf\"\n"
        f"Content-Transfer-Encoding: base64\n\nJVBERi0x!!LjQK*\n--zz--\n".encode())
    (rec / "not_mail.eml").write_bytes(f"just some text about {SECRET}\n".encode())
    (rec / "broken.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + SECRET.encode())
    code, output = cli("release", req, "--out", tmp_path / "out", "-q")
    assert code == 5 and "Traceback" not in output
    m = json.loads((tmp_path / "out" / "release" / "manifest.json").read_text())
    status = {r["source"].split("investigation/", 1)[-1]: r for r in m["records"]}
    for name in ("good.eml", "bad_charset.eml", "bad_mime.eml", "bad_part.eml"):
        assert status[name]["status"] == "released", name
    for name, words in (("bad_charset.eml > message body", "decoded"), ("bad_part.eml > 1. a.pdf", "malformed"),
                        ("not_mail.eml", "e-mail"), ("broken.msg", ".msg")):
        assert status[name]["status"] == "withheld" and words in status[name]["reason"], name
    assert status["bad_part.eml > 1. a.pdf"]["attached_to"].endswith("bad_part.eml")
    text = "\n".join(release_texts(tmp_path / "out" / "release").values())
    assert not readable(SECRET, text)
    assert "Mateo is doing well in school" in " ".join(text.split())

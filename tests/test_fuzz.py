"""Malformed PDFs and e-mails (truncations, bit flips, odd encodings) through `release`: no
traceback, bounded time, and the planted name nowhere under release/."""
from __future__ import annotations

import random
import time
from email.message import EmailMessage

import pymupdf

from conftest import readable, release_texts
from test_other_layouts import _request

SECRET = "Gustavo Lindqvist"


def _good_pdf() -> bytes:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_textbox(pymupdf.Rect(72, 72, 540, 400), f"Neighbor {SECRET} saw Mateo alone. The porch light was off.",
                        fontsize=11)
    page.add_text_annot((400, 500), f"note: {SECRET}")
    doc.set_metadata({"author": SECRET})
    return doc.tobytes(deflate=True)


def _good_mail() -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{SECRET} <gl@example.net>"
    msg["To"] = "Naomi Fairweather <nf@ct.gov>"
    msg["Subject"] = "Mateo"
    msg.set_content(f"{SECRET} here. Mateo was alone.")
    msg.add_attachment(_good_pdf(), maintype="application", subtype="pdf", filename="s.pdf")
    return bytes(msg)


def _mutants(data: bytes, rnd: random.Random, n: int) -> list[bytes]:
    out = []
    for _ in range(n):
        b = bytearray(data)
        kind = rnd.choice(["truncate", "flip", "splice", "zero"])
        if kind == "truncate":
            b = b[:rnd.randrange(1, len(b))]
        elif kind == "flip":
            for _ in range(rnd.randint(1, 40)):
                i = rnd.randrange(len(b))
                b[i] ^= 1 << rnd.randrange(8)
        elif kind == "splice":
            i, j = sorted(rnd.sample(range(len(b)), 2))
            b = b[:i] + b[j:] + b[i:j]
        else:
            i = rnd.randrange(len(b))
            b[i:i + rnd.randint(1, 200)] = b"\x00" * min(200, len(b) - i)
        out.append(bytes(b))
    return out


def test_fuzzed_records_never_crash_or_leak(cli, tmp_path):
    rnd = random.Random(1873)
    req = _request(tmp_path / "req")
    rec = req / "records" / "investigation"
    for i, data in enumerate(_mutants(_good_pdf(), rnd, 24)):
        (rec / f"pdf_{i:02d}.pdf").write_bytes(data)
    for i, data in enumerate(_mutants(_good_mail(), rnd, 12)):
        (rec / f"mail_{i:02d}.eml").write_bytes(data)
    odd = _good_mail().decode("latin-1").replace("utf-8", "utf-16").encode("latin-1")
    (rec / "odd_charset.eml").write_bytes(odd)
    (rec / "latin1.eml").write_bytes(f"From: x@y.org\nSubject: caf\xe9\n\n{SECRET} \xe9t\xe9\n".encode("latin-1"))

    start = time.monotonic()
    code, output = cli("release", req, "--out", tmp_path / "out", "-q")
    assert time.monotonic() - start < 180
    assert "Traceback" not in output
    assert code in (0, 5), output
    text = "\n".join(release_texts(tmp_path / "out" / "release").values())
    assert not readable(SECRET, text) and not readable("Lindqvist", text)
    raw = b"".join(p.read_bytes() for p in (tmp_path / "out" / "release").iterdir())
    assert SECRET.encode() not in raw

#!/usr/bin/env python3
"""Release a request of scanned pages and print scanned pages/s and peak memory.

usage: python benchmarks/release_scans.py [--pages 20] [--category parent_guardian]

Each page is a letter rendered to 200-dpi grey pixels (no text layer), so every page goes through
OCR (300 dpi), pixel redaction and the OCR read-back of verification. Runs in a fresh process.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pymupdf
import yaml
from faker import Faker

sys.path.insert(0, str(Path(__file__).resolve().parent))
from release_large import report, run, stages  # noqa: E402


def build(root: Path, pages: int, category: str) -> Path:
    fake = Faker("en_US")
    Faker.seed(11)
    req = root / "scan-request"
    rec = req / "records" / "investigation"
    rec.mkdir(parents=True)
    child, mother, worker, reporter = (fake.name() for _ in range(4))
    out = pymupdf.open()
    for i in range(pages):
        src = pymupdf.open()
        page = src.new_page(width=612, height=792)
        text = (f"Page {i + 1}\n\nDear {worker},\n\nI am {reporter}, a neighbour of {mother}. You can reach me at "
                f"{fake.numerify('(###) ###-####')}. On {fake.date_between('-1y', 'today').strftime('%B %d, %Y')} "
                f"I saw {child.split()[0]} outside alone. {fake.paragraph(nb_sentences=6)}\n\n"
                f"{fake.name()} lives at {fake.street_address()}, {fake.city()}, CT {fake.zipcode()}. "
                f"{fake.paragraph(nb_sentences=6)}\n\nSincerely,\n{reporter}")
        page.insert_textbox(pymupdf.Rect(72, 72, 540, 720), text, fontsize=11, fontname="tiro")
        pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
        out.new_page(width=612, height=792).insert_image(pymupdf.Rect(0, 0, 612, 792), pixmap=pix)
    out.save(rec / "scans.pdf", garbage=3, deflate=True)
    (req / "request.yaml").write_text(yaml.safe_dump({
        "request_id": "SCAN-1", "received": "2026-11-20",
        "requester": {"name": mother, "category": category}, "case": {"id": "DCF-2026-000002", "status": "open"},
        "parties": [{"name": child, "role": "child"}, {"name": mother, "role": "parent"},
                    {"name": worker, "role": "dcf_staff"}, {"name": reporter, "role": "reporter"}]}))
    return req


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--category", default="parent_guardian")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        req = build(Path(tmp), a.pages, a.category)
        print(f"built {a.pages} scanned pages in {time.perf_counter() - t:.1f} s")
        secs, mib, child, out, cpu, total = run("redactkit", ["release", str(req), "--out", str(Path(tmp) / "out"), "--json",
                                                  "--ledger", str(Path(tmp) / "ledger.jsonl")])
        s = json.loads(out)["requests"][0]
        report([("redactkit (scans)", secs, mib, child, s["pages"], s["status"], s["redactions"], stages([s]), cpu,
                 total)])


if __name__ == "__main__":
    main()

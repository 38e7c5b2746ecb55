#!/usr/bin/env python3
"""Time the detect stage alone on the large benchmark file, in one process.

usage: python benchmarks/detect_speed.py [--pages 225] [--category medical_research]

Builds the same synthetic case file as release_large.py, reads its pages, then times
Detector.detect_batch over all of them in this process (no worker processes), after loading the
model once. Prints seconds, pages/s, findings and this process's peak resident memory: the figure
a detection worker's memory follows.
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=225)
    ap.add_argument("--category", default="medical_research")
    a = ap.parse_args()
    import pymupdf

    from release_large import build
    from redactkit.detect import Detector
    from redactkit.ingest.pdf import read_pages
    from redactkit.plan import roster
    from redactkit.request import load_request

    with tempfile.TemporaryDirectory() as tmp:
        req = build(Path(tmp), a.pages, a.category)
        doc = pymupdf.open(next((req / "records").rglob("*.pdf")))
        pages = read_pages(doc)
        parties = roster(load_request(req))
    t = time.perf_counter()
    det = Detector(parties)
    det.detect("warm up the model")
    load = time.perf_counter() - t
    t = time.perf_counter()
    found = det.detect_batch([(p.text, p.number) for p in pages])
    secs = time.perf_counter() - t
    mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"load {load:.1f} s; detect {len(pages)} pages in {secs:.1f} s ({len(pages) / secs:.1f} pages/s), "
          f"{sum(map(len, found))} findings, peak {mib:.0f} MiB")


if __name__ == "__main__":
    main()

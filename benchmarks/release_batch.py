#!/usr/bin/env python3
"""Release a batch of ~30 request folders and print requests/s, pages/s, memory and stage times.

usage: python benchmarks/release_batch.py [--requests 33] [--jobs N] [--keep DIR]

Generates the requests with sample_records/generate.py (one per requester category, then again with
other people, until --requests; each: 6 PDFs including a faxed scan, an e-mail with an attachment
and a forwarded message with its own), then, each in a fresh process:
  redactkit release BATCH --out OUT --jobs N     (the batch; N worker processes, default one per core)
  redactkit release BATCH --out OUT --jobs 1     (one after another, in one process: the comparison)
  redactkit release BATCH --out OUT              (a rerun: every request unchanged, so skipped)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sample_records"))
from release_large import report, run, stages  # noqa: E402


def build(root: Path, n: int) -> Path:
    from generate import CATEGORIES, generate

    made = 0
    seed = 5000
    while made < n:
        cats = list(CATEGORIES)[: n - made]
        generate(root, seed=seed, categories=cats)
        made += len(cats)
        seed += 100
    return root / "requests"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=33)
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--keep", help="keep the requests and outputs in this folder")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(a.keep) if a.keep else Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        batch = build(base, a.requests)
        print(f"built {a.requests} requests in {time.perf_counter() - t:.1f} s")
        rows = []
        for name, jobs, out in ((f"redactkit --jobs {a.jobs}", a.jobs, "out-parallel"),
                                ("redactkit --jobs 1", 1, "out-serial"),
                                ("rerun (all unchanged)", a.jobs, "out-parallel")):
            args = ["release", str(batch), "--out", str(base / out), "--json", "--jobs", str(jobs),
                    "--ledger", str(base / "ledger.jsonl")]
            secs, mib, child, stdout, cpu, total = run("redactkit", args)
            runs = json.loads(stdout)["requests"]
            skipped = sum(r.get("skipped", False) for r in runs)
            pages = sum(r["pages"] for r in runs if not r.get("skipped"))
            rows.append((name, secs, mib, child, pages,
                         f"{len(runs)} requests, {skipped} skipped, exit {json.loads(stdout)['exit_code']}",
                         sum(r["redactions"] for r in runs), stages(runs), cpu, total))
            print(f"{name}: {secs:.1f} s, {len(runs) / secs:.2f} requests/s")
        report(rows)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Release every file of a folder of real-world files, each in a request folder of its own, and
print what was released and withheld (with reasons), seconds and peak memory per file.

usage: python benchmarks/release_realworld.py CORPUS [--category medical_research] [--out results.json]
                                              [--only NAME ...] [--timeout 600] [--password-file F]
                                              [--xray-python /path/to/venv/bin/python]

CORPUS is any folder of PDFs, images and e-mails (for example files taken from other projects'
test suites); every file below it is released as a new user would: one request folder holding
only that file under records/medical/, `redactkit release REQ --out OUT --json` in a fresh process.
Peak memory is the largest sum of resident memory over the process and all its children (OCR
and detection workers), sampled every 0.1 s. Every released PDF is checked with `qpdf --check`
and, given --xray-python (a Python with Free Law Project's x-ray installed), with x-ray.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import yaml

ROOT = Path(__file__).resolve().parent.parent

PARTIES = [{"name": "Elizabeth Stark", "role": "child"}, {"name": "Cynthia Stark", "role": "parent"},
           {"name": "Matthew Giles", "role": "reporter"}, {"name": "Sarah Green", "role": "dcf_staff"}]


def request(root: Path, src: Path, category: str) -> Path:
    req = root / "req"
    (req / "records" / "medical").mkdir(parents=True)
    shutil.copy(src, req / "records" / "medical" / src.name)
    body = {"request_id": "RW-1", "received": "2026-11-20",
            "requester": {"name": "Pediatric Outcomes Study", "category": category},
            "case": {"id": "DCF-2026-000001", "status": "open"}, "parties": PARTIES}
    if category == "third_party_release":
        body["requester"]["name"] = "Dr. Jeffrey Wright"
        body["consent"] = {"form": "DCF-2131F", "signed_by": "Cynthia Stark", "signed_on": "2026-06-01",
                           "expires": "2030-06-01", "recipient": "Dr. Jeffrey Wright", "information": ["medical"],
                           "purpose": "continuity of care", "reference": "ROI-1"}
    (req / "request.yaml").write_text(yaml.safe_dump(body))
    return req


def measure(cmd: list[str], timeout: float) -> tuple[int | None, float, float, float, str, str]:
    """(exit code or None on timeout, wall seconds, CPU seconds of the process and the children it
    waited for, peak MiB of the process tree, stdout, stderr). CPU seconds are what a busy machine
    does not inflate."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        ps, peak, code, cpu = psutil.Process(proc.pid), 0, None, 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                cpu = usage.ru_utime + usage.ru_stime
                proc.returncode = code
                break
            try:
                rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
                peak = max(peak, rss)
            except psutil.Error:
                pass
            if time.perf_counter() - t0 > timeout:
                for c in ps.children(recursive=True):
                    c.kill()
                proc.kill()
                proc.wait()
                break
            time.sleep(0.1)
        secs = time.perf_counter() - t0
        out.seek(0); err.seek(0)
        return code, secs, cpu, peak / 1048576, out.read(), err.read()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--category", default="medical_research")
    ap.add_argument("--out", type=Path, help="write the rows as JSON here")
    ap.add_argument("--only", nargs="*", help="only files whose name contains one of these")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--password-file", type=Path, help="passed to redactkit release")
    ap.add_argument("--xray-python", help="a Python that can import xray: released PDFs are checked with it")
    a = ap.parse_args()
    files = sorted(p for p in a.corpus.rglob("*") if p.is_file() and p.name != "SOURCES.md")
    if a.only:
        files = [f for f in files if any(o in f.name for o in a.only)]
    rows = []
    for f in files:
        with tempfile.TemporaryDirectory() as tmp:
            req = request(Path(tmp), f, a.category)
            cmd = [sys.executable, "-m", "redactkit", "release", str(req), "--out", str(Path(tmp) / "out"),
                   "--json", "-q", "--ledger", str(Path(tmp) / "ledger.jsonl")]
            if a.password_file:
                cmd += ["--password-file", str(a.password_file)]
            code, secs, cpu, mib, stdout, stderr = measure(cmd, a.timeout)
            manifest = Path(tmp) / "out" / "release" / "manifest.json"
            records = []
            if manifest.exists():
                m = json.loads(manifest.read_text())
                records = [{"source": r.get("source"), "status": r.get("status"), "reason": r.get("reason", ""),
                            "pages": r.get("pages", 0),
                            "withheld_pages": [w.get("reason", "") for w in r.get("withheld_pages", [])],
                            "healed_pages": r.get("healed_pages", 0)} for r in m.get("records", [])]
            qpdf, xray = [], {}
            released = [p for p in sorted((Path(tmp) / "out" / "release").glob("*.pdf")) if p.name != "manifest.pdf"]
            for pdf in released:
                r = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
                if r.returncode not in (0, 3):   # 3: warnings only
                    qpdf.append(pdf.name)
            if a.xray_python and released:
                code_ = ("import asyncio, inspect, json, sys, xray\nout = {}\nfor f in sys.argv[1:]:\n"
                         "    try:\n        r = xray.inspect(f)\n        r = asyncio.run(r) if inspect.iscoroutine(r) else r\n"
                         "    except Exception as e:\n        r = {'error': str(e)}\n"
                         "    if r: out[f.rsplit('/', 1)[-1]] = len(r)\nprint(json.dumps(out))")
                r = subprocess.run([a.xray_python, "-c", code_, *map(str, released)], capture_output=True, text=True)
                xray = json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {"error": r.stderr[-200:]}
            try:
                summary = json.loads(stdout) if stdout.strip() else {}
                summary = (summary.get("requests") or [summary])[0]
            except (json.JSONDecodeError, AttributeError, IndexError):
                summary = {}
            row = {"file": str(f.relative_to(a.corpus)), "exit": code, "seconds": round(secs, 1), "cpu_seconds": round(cpu, 1),
                   "peak_mib": round(mib), "released": sum(r["status"] == "released" for r in records),
                   "withheld": sum(r["status"] == "withheld" for r in records),
                   "duplicates": sum(r["status"] == "duplicate" for r in records), "records": records,
                   "qpdf_failures": qpdf, "xray": xray, "message": summary.get("message", "") or stderr.strip()[-300:]}
        rows.append(row)
        reasons = "; ".join(sorted({r["reason"][:90] for r in records if r["status"] == "withheld"}))
        pw = sum(len(r["withheld_pages"]) for r in records)
        ph = sum(r["healed_pages"] for r in records)
        print(f"{row['file']:58} exit {str(code):4} {secs:6.1f}s {cpu:6.1f}cpu {mib:6.0f}MiB  rel {row['released']:2} "
              f"wh {row['withheld']:2} pw {pw:2} ph {ph:2}  {('qpdf-fail ' if qpdf else '')}{('xray ' + str(xray) + ' ') if xray else ''}{reasons or row['message'][:80]}", flush=True)
    if a.out:
        a.out.write_text(json.dumps(rows, indent=1))
    recs = [r for row in rows for r in row["records"]]
    print(f"files {len(rows)}; records {len(recs)}: released {sum(r['released'] for r in rows)}, withheld "
          f"{sum(r['withheld'] for r in rows)}, duplicates {sum(r.get('duplicates', 0) for r in rows)}; pages {sum(r['pages'] for r in recs)}: withheld "
          f"{sum(len(r['withheld_pages']) for r in recs)}, healed {sum(r['healed_pages'] for r in recs)}; over 60 s: {sum(r['seconds'] > 60 for r in rows)} "
          f"(over 60 CPU-s: {sum(r['cpu_seconds'] > 60 for r in rows)}); "
          f"over 1.5 GB: {sum(r['peak_mib'] > 1536 for r in rows)}; qpdf failures: "
          f"{sum(bool(r['qpdf_failures']) for r in rows)}; x-ray findings: {sum(bool(r['xray']) for r in rows)}")


if __name__ == "__main__":
    main()

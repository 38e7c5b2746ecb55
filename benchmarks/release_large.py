#!/usr/bin/env python3
"""Release a long text-PDF request beside the naive peer and print the ratio, pages/s, memory.

usage: python benchmarks/release_large.py [--pages 225] [--density ordinary|dense]
                                          [--category medical_research]
                                          [--naive benchmarks/naive_baseline.py] [--keep DIR]
                                          [--repeat N]

Densities: "ordinary" case notes carry about 16 identifiers a page (a date and three names per
paragraph among longer prose), "dense" ones about 55 (names, street addresses, towns, ZIPs,
phones, e-mails, Medicaid IDs and MRNs in every paragraph).

Prints wall time, CPU seconds (the process and its workers), pages/s, peak memory of the main
process and of the largest worker process (detection workers), the peak memory of all of them
together (proportional set size: pages the workers share with their fork server count once), and
the seconds spent per stage (ingest, detect, apply, verify, package).

Builds a synthetic case file (Faker), then runs, each in a fresh process
so that model loading is included and peak memory is that process's own:
  redactkit release REQUEST --out OUT        (detect, redact, verify with two engines, package)
and, when the naive peer script is found, the afternoon script the engineering notes describe
(Presidio defaults + search_for + apply_redactions, no verification).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pymupdf
import yaml
from faker import Faker

ROOT = Path(__file__).resolve().parent.parent
RUNNER = r"""
import os, resource, runpy, sys, threading, time
target, argv = sys.argv[1], sys.argv[2:]
sys.argv = [target] + argv
peak = [0]


def tree_pss():
    # proportional set size of this process and all its descendants (the detection workers and the
    # fork server they start from): shared pages count once, split between the processes sharing them
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    parent[int(d)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    mine, total = {os.getpid()}, 0
    for _ in range(4):
        mine |= {p for p, pp in parent.items() if pp in mine}
    for p in mine:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
        except (OSError, StopIteration, ValueError):
            pass
    return total


def sample():
    while True:
        peak[0] = max(peak[0], tree_pss())
        time.sleep(0.25)


if os.path.exists("/proc/self/smaps_rollup"):
    threading.Thread(target=sample, daemon=True).start()
t = time.perf_counter()
try:
    if target == "redactkit":
        runpy.run_module("redactkit", run_name="__main__")
    else:
        runpy.run_path(target, run_name="__main__")
except SystemExit:
    pass
secs = time.perf_counter() - t
if "redactkit.detect.pool" in sys.modules:     # reap the detection workers, so that they are measured
    sys.modules["redactkit.detect.pool"].shutdown(wait=True)
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print("BENCH", secs, me.ru_maxrss, kids.ru_maxrss, me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime,
      peak[0], file=sys.stderr)
"""


def build(root: Path, pages: int, category: str, seed: int = 7, density: str = "dense") -> Path:
    fake = Faker("en_US")
    Faker.seed(seed)
    req = root / "bench-request"
    rec = req / "records" / "investigation"
    rec.mkdir(parents=True)
    child, mother, worker, reporter = (fake.name() for _ in range(4))
    doc = pymupdf.open()
    for i in range(pages):
        page = doc.new_page(width=612, height=792)
        paras = []
        for _ in range(5 if density == "dense" else 4):
            if density == "dense":
                paras.append(
                    f"On {fake.date_between('-3y', 'today').strftime('%B %d, %Y')} worker {worker} met {mother} and "
                    f"{child.split()[0]} at {fake.street_address()}, {fake.city()}, CT {fake.zipcode()}. "
                    f"{fake.name()} (phone {fake.numerify('(###) ###-####')}, {fake.email()}) was present. "
                    f"The child's Medicaid ID is {fake.numerify('##########')} and MRN {fake.bothify('MR######')}. "
                    f"{fake.paragraph(nb_sentences=3)}")
            else:
                paras.append(
                    f"On {fake.date_between('-3y', 'today').strftime('%B %d, %Y')} worker {worker} met {mother} and "
                    f"{child.split()[0]} at the office. {fake.paragraph(nb_sentences=4)} "
                    f"{fake.paragraph(nb_sentences=4)}")
        page.insert_textbox(pymupdf.Rect(54, 54, 558, 738), f"Page {i + 1}\n\n" + "\n\n".join(paras),
                            fontsize=9.5, fontname="tiro")
    doc.save(rec / "case_file.pdf", garbage=3, deflate=True)
    names = [("child", child), ("parent", mother), ("dcf_staff", worker), ("reporter", reporter)]
    (req / "request.yaml").write_text(yaml.safe_dump({
        "request_id": "BENCH-1", "received": "2026-11-20",
        "requester": {"name": mother if category != "medical_research" else "Outcomes Study", "category": category},
        "case": {"id": "DCF-2026-000001", "status": "open"},
        "parties": [{"name": n, "role": r} for r, n in names]}))
    return req


def run(target: str, args: list[str]) -> tuple[float, float, float, str, float, float]:
    """Wall seconds, peak MiB of the process and of its largest child, its stdout, the CPU
    seconds of the process and its children together (the machine may be shared: CPU seconds
    say what the work cost, whatever else ran), and the peak MiB of all of them together
    (proportional set size, sampled every quarter second; 0 where /proc has none)."""
    res = subprocess.run([sys.executable, "-c", RUNNER, target, *args], capture_output=True, text=True,
                         cwd=ROOT, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    line = [ln for ln in res.stderr.splitlines() if ln.startswith("BENCH")]
    if not line:
        raise SystemExit(f"{target} failed:\n{res.stderr[-2000:]}")
    _, secs, rss_kib, child_kib, cpu, child_cpu, total_kib = line[-1].split()
    return (float(secs), int(rss_kib) / 1024, int(child_kib) / 1024, res.stdout, float(cpu) + float(child_cpu),
            int(total_kib) / 1024)


def stages(summaries: list[dict]) -> dict[str, float]:
    """Seconds per pipeline stage, summed over the requests (worker seconds, not wall seconds)."""
    total: dict[str, float] = {}
    for sm in summaries:
        for k, v in (sm.get("seconds") or {}).items():
            total[k] = total.get(k, 0.0) + v
    return total


def report(rows: list[tuple]) -> None:
    """rows: (tool, wall s, peak MiB main, peak MiB largest worker, pages, status, redactions, stages,
    CPU s, peak MiB of all processes together)."""
    print(f"{'tool':26} {'wall s':>7} {'CPU s':>6} {'pages/s':>8} {'MiB main':>9} {'MiB worker':>10} "
          f"{'MiB all':>8} {'pages':>6}  status / redactions")
    for name, secs, mib, child, pages, status, reds, _, cpu, total in rows:
        print(f"{name:26} {secs:7.1f} {cpu:6.1f} {pages / secs:8.2f} {mib:9.0f} {child:10.0f} {total:8.0f} "
              f"{pages:6d}  {status} / {reds}")
    for name, *_, st, _, _ in rows:
        if st:
            print(f"{name} seconds per stage: " + ", ".join(f"{k} {v:.1f}" for k, v in st.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=225)
    ap.add_argument("--density", choices=["ordinary", "dense"], default="ordinary")
    ap.add_argument("--category", default="medical_research")
    ap.add_argument("--naive", default=str(ROOT / "benchmarks" / "naive_baseline.py"),
                    help="the naive peer script (default: the copy in benchmarks/)")
    ap.add_argument("--keep", help="keep the request and outputs in this folder")
    ap.add_argument("--repeat", type=int, default=1, help="run both tools this many times, alternately, "
                    "and print the medians too (a shared machine is noisy)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(a.keep) if a.keep else Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        req = build(base, a.pages, a.category, density=a.density)
        print(f"built {a.pages}-page {a.density} request in {time.perf_counter() - t:.1f} s")
        ratios, walls, cpus = [], [], []
        for i in range(a.repeat):
            if a.repeat > 1:
                print(f"run {i + 1} of {a.repeat}")
            rows = []
            secs, mib, child, out, cpu, total = run("redactkit", ["release", str(req), "--out",
                                                                  str(base / "out-redactkit"), "--json", "--force",
                                                                  "--ledger", str(base / "ledger.jsonl")])
            summary = json.loads(out)["requests"][0]
            rows.append(("redactkit (verified)", secs, mib, child, summary["pages"], summary["status"],
                         summary["redactions"], stages([summary]), cpu, total))
            walls.append(secs)
            cpus.append(cpu)
            if Path(a.naive).is_file():
                secs, mib, child, _, cpu, total = run(a.naive, [str(req), "--out", str(base / "out-naive")])
                rows.append(("naive peer (unverified)", secs, mib, child, a.pages, "-", "-", {}, cpu, total))
                ratios.append(secs / rows[0][1])
                print(f"redactkit takes {rows[0][1] / secs:.2f} of the naive peer's wall time "
                      f"({secs / rows[0][1]:.2f}x faster)")
            report(rows)
        if a.repeat > 1:
            print(f"medians of {a.repeat} runs: redactkit {statistics.median(walls):.1f} s wall, "
                  f"{statistics.median(cpus):.1f} s CPU" +
                  (f"; {statistics.median(ratios):.2f}x faster than the naive peer" if ratios else ""))

if __name__ == "__main__":
    main()

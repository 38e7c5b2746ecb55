"""Batches: several requests in worker processes or on a local Dask cluster, the same release per
request; a rerun skips what was released from unchanged sources; page detection in parallel
finds exactly what it finds in-process."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import SAMPLES, check_release

REQS = ["2026-1873-parent-guardian", "2026-1879-medical-research"]


def _ledger_lines() -> int:
    path = Path(os.environ["REDACTKIT_LEDGER"])
    return len(path.read_text().splitlines()) if path.exists() else 0


def _expected(rid: str) -> dict:
    return json.loads((SAMPLES / "expected" / f"{rid}.json").read_text())


def test_batch_in_worker_processes_then_rerun_skips_unchanged(cli, xray, tmp_path):
    batch = tmp_path / "batch"
    for rid in REQS:
        shutil.copytree(SAMPLES / "requests" / rid, batch / rid)
    out = tmp_path / "out"
    before = _ledger_lines()
    code, output = cli("release", batch, "--out", out, "--jobs", "2", "--json")
    assert code == 0, output
    first = json.loads(output)["requests"]
    assert [r["request_id"] for r in first] == REQS and not any(r["skipped"] for r in first)
    assert all(set(r["seconds"]) == {"ingest", "detect", "apply", "verify", "package"} for r in first)
    for rid in REQS:
        got = check_release(out / rid, _expected(rid), xray)
        assert got["leaked"] == [] and got["missing"] == [] and got["xray"] == {}
    assert _ledger_lines() == before + 2
    # stopped and rerun: nothing changed, so nothing is released again and no disclosure recorded
    code, output = cli("release", batch, "--out", out, "--json")
    assert code == 0, output
    again = json.loads(output)["requests"]
    assert all(r["skipped"] and "unchanged" in r["message"] for r in again)
    assert [r["released"] for r in again] == [r["released"] for r in first]
    assert _ledger_lines() == before + 2
    # one source changes: that request is not skipped; without --force it is refused
    rec = batch / REQS[0] / "records" / "medical" / "discharge_summary.pdf"
    rec.write_bytes(rec.read_bytes() + b"\n%changed\n")
    code, output = cli("release", batch, "--out", out, "--json")
    runs = {r["request_id"]: r for r in json.loads(output)["requests"]}
    assert code == 6 and runs[REQS[0]]["status"] == "output_exists" and runs[REQS[1]]["skipped"]
    code, output = cli("release", batch, "--out", out, "--json", "--force")
    assert code == 0 and not any(r["skipped"] for r in json.loads(output)["requests"])
    assert _ledger_lines() == before + 4


def test_batch_on_a_local_dask_cluster(cli, xray, tmp_path):
    pytest.importorskip("dask.distributed")
    code, output = cli("release", *[SAMPLES / "requests" / rid for rid in REQS], "--out", tmp_path,
                       "--dask", "local", "--json")
    assert code == 0, output
    runs = json.loads(output)["requests"]
    assert [r["request_id"] for r in runs] == REQS and all(r["status"] == "ok" for r in runs)
    for rid in REQS:
        got = check_release(tmp_path / rid, _expected(rid), xray)
        assert got["leaked"] == [] and got["missing"] == [] and got["xray"] == {}


def test_unreachable_dask_scheduler_is_one_line(cli, tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    args = ("release", *[SAMPLES / "requests" / rid for rid in REQS], "--out", tmp_path, "--dask", "tcp://127.0.0.1:9", "-q")
    monkeypatch.setenv("REDACTKIT_DASK_TIMEOUT", "soon")
    code, output = cli(*args)
    assert code == 2 and "REDACTKIT_DASK_TIMEOUT='soon' is not a number of seconds" in output
    monkeypatch.setenv("REDACTKIT_DASK_TIMEOUT", "2")     # nothing listens there: not the default 20 s of retries
    code, output = cli(*args)
    assert code == 2 and "Dask scheduler" in output and "Traceback" not in output
    assert not any(tmp_path.rglob("release"))


def test_parallel_page_detection_finds_what_in_process_finds(monkeypatch):
    """Pages split over worker processes come back in order with the same findings."""
    import pymupdf

    from redactkit.detect import Detector
    from redactkit.detect import pool
    from redactkit.types import Party

    doc = pymupdf.open(SAMPLES / "requests" / REQS[0] / "records" / "investigation" / "intake_report.pdf")
    texts = [doc[0].get_text()] * 6 + [""] + [doc[0].get_text()[::-1][:200]] + [doc[0].get_text()] * 4
    items = [(t, i) for i, t in enumerate(texts)]
    det = Detector([Party("Linda Bowers", "parent", (), True), Party("Janice Bowers", "child")])
    monkeypatch.setenv("REDACTKIT_WORKERS", "2")
    parallel = pool.detect_parallel(det.parties, det.with_ner, items)
    assert parallel is not None
    here = det.detect_batch(items)
    single = [det.detect(t, i) for t, i in items]
    key = lambda found: [[(f.page, f.start, f.end, f.entity, f.party) for f in page] for page in found]  # noqa: E731
    assert key(parallel) == key(here) == key(single)
    assert sum(map(len, parallel)) > 20 and parallel[6] == []


def test_dead_detection_workers_fall_back_to_this_process(monkeypatch, capsys):
    """Workers that die (here: at start) cost the parallelism, never a page, and say so once."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from redactkit.detect import Detector
    from redactkit.detect import pool
    from redactkit.types import Party

    pool.shutdown(wait=True)
    dying = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"),
                                initializer=os._exit, initargs=(3,))
    monkeypatch.setattr(pool, "_pool", dying)
    monkeypatch.setattr(pool, "_warned", False)
    monkeypatch.setenv("REDACTKIT_WORKERS", "2")
    det = Detector([Party("Linda Bowers", "parent", (), True)])
    items = [("Neighbour Gustavo Lindqvist called 860-555-0142 about Linda Bowers.", i) for i in range(10)]
    found = det.detect_many(items)
    assert [[(f.start, f.end, f.entity) for f in page] for page in found] == \
        [[(f.start, f.end, f.entity) for f in det.detect(t, i)] for t, i in items]
    assert all(any(f.entity == "PHONE_NUMBER" for f in page) for page in found)
    assert capsys.readouterr().err.count("detection workers failed") == 1
    assert pool._pool is None     # the next long record starts a fresh pool


def test_the_pipeline_loads_no_detection_engine_until_it_detects_here():
    """A long request's pages are detected in the worker processes, whose fork server has spaCy
    and Presidio loaded: the main process never loads them (about 1.3 s and 60 MiB). Importing
    the command line, the pipeline and the detector's module must not load them either."""
    import subprocess
    import sys

    code = ("import sys, redactkit.cli, redactkit.api, redactkit.batch, redactkit.pipeline, redactkit.plan, "
            "redactkit.detect, redactkit.detect.pool, redactkit.detect.roster, redactkit.verify, redactkit.heal\n"
            "from redactkit.detect import Detector, name_forms\n"
            "Detector([])\n"
            "print(sorted(m for m in ('spacy', 'presidio_analyzer', 'presidio_anonymizer') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_stopping_does_not_hang_on_workers_still_being_made(monkeypatch):
    """start_soon's thread holds the pool while it waits for the fork server; if the server never
    finishes loading, stopping gives up after STARTING_WAIT instead of waiting with it."""
    import threading
    import time

    from redactkit.detect import pool

    calls = []

    class Held:
        def shutdown(self, **kw):
            calls.append(kw)

    monkeypatch.setattr(pool, "_pool", Held())
    monkeypatch.setattr(pool, "_started", threading.Event())     # never set: the server hangs
    monkeypatch.setattr(pool, "STARTING_WAIT", 0.2)
    monkeypatch.setattr(pool.forkserver, "stop", lambda: calls.append("server"))
    t = time.monotonic()
    pool.shutdown(wait=True)
    assert time.monotonic() - t < 5 and calls == [] and pool._pool is None and not pool.starting()
    done = threading.Event()
    done.set()
    monkeypatch.setattr(pool, "_pool", Held())
    monkeypatch.setattr(pool, "_started", done)                   # made: stopped as always
    pool.shutdown(wait=True)
    assert calls == [{"wait": True, "cancel_futures": True}, "server"]

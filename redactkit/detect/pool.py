"""Detection on every core: worker processes that load the model once and detect pages in batches.

A long record's pages are split into chunks and detected in parallel; each worker keeps its
engine (spaCy + Presidio) for the life of the process and builds a request's roster recognizer
once. Short records are detected in-process, where starting a worker would cost more than it
saves. If a worker dies, detection falls back to the calling process: a page is never skipped.

REDACTKIT_WORKERS sets the number of worker processes (default: the cores this process may use;
1 detects in-process only).
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache

from ..types import Finding, Party

PARALLEL_MIN_PAGES = 8     # fewer pages than this are detected in-process
CHUNK_PAGES = 16           # pages per task sent to a worker (spaCy is a fifth faster on 16 than on 6)
_pool: ProcessPoolExecutor | None = None
_warned = False


def workers() -> int:
    env = os.environ.get("REDACTKIT_WORKERS", "").strip()
    if env.isdigit():
        return max(1, int(env))
    try:
        return max(1, min(len(os.sched_getaffinity(0)), 8))
    except AttributeError:
        return max(1, min(os.cpu_count() or 1, 8))


def _warm() -> None:
    from .engine import analyzer
    analyzer()


@lru_cache(maxsize=8)
def _detector(parties: tuple[Party, ...], with_ner: bool):
    from . import Detector
    return Detector(list(parties), with_ner=with_ner)


def _detect_chunk(parties: tuple[Party, ...], with_ner: bool, items: list[tuple[str, int]]) -> list[list[Finding]]:
    return _detector(parties, with_ner).detect_batch(items)


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # spawn, not fork: a forked copy of a process with BLAS and OCR threads can deadlock
        _pool = ProcessPoolExecutor(max_workers=workers(), mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_warm)
        atexit.register(shutdown)
    return _pool


def running() -> bool:
    """Whether the worker processes are up (so a small batch costs them no model loading)."""
    return _pool is not None


def _broken() -> None:
    """The pool died (a worker crashed, or workers cannot be started here): say so once, carry on
    in-process. No page is skipped; only the parallelism is lost."""
    global _warned
    shutdown()
    if not _warned:
        _warned = True
        print("redactkit: detection workers failed; detecting in this process instead (slower)", file=sys.stderr)


def shutdown(wait: bool = False) -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=wait, cancel_futures=True)
        _pool = None


def submit(parties: list[Party], with_ner: bool, items: list[tuple[str, int]]):
    """Send the items to the worker processes in chunks; returns the futures, or None if the pool
    cannot take them."""
    n = workers()
    # one chunk per worker, at most CHUNK_PAGES pages: large enough for spaCy's batches, small
    # enough to keep the workers' memory flat and their loads even
    size = max(1, min(CHUNK_PAGES, -(-len(items) // n)))
    try:
        pool = _get_pool()
        return [pool.submit(_detect_chunk, tuple(parties), with_ner, items[i:i + size])
                for i in range(0, len(items), size)]
    except BrokenProcessPool:
        _broken()
        return None


def gather(futures) -> list[list[Finding]] | None:
    """The findings per item, in order; None if a worker died (the caller detects in-process)."""
    try:
        return [found for f in futures for found in f.result()]
    except BrokenProcessPool:
        _broken()
        return None


def detect_parallel(parties: list[Party], with_ner: bool, items: list[tuple[str, int]]) -> list[list[Finding]] | None:
    """Findings per item, detected by the worker processes; None if the pool broke."""
    futures = submit(parties, with_ner, items)
    return None if futures is None else gather(futures)

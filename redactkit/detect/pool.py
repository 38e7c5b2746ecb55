"""Detection on every core: worker processes that load the model once and detect pages in batches.

A long record's pages are split into chunks and detected in parallel; each worker keeps its
engine (spaCy + Presidio) for the life of the process and builds a request's roster recognizer
once. Short records are detected in-process, where starting a worker would cost more than it
saves. If a worker dies, detection falls back to the calling process: a page is never skipped.
Once running, the workers also take the second look at a long record's pages (`submit_quick`)
and verify parts of its release (`spread`: any picklable call, run here if it cannot go there).

REDACTKIT_WORKERS sets the number of worker processes (default: the cores this process may use;
1 detects in-process only). The workers start from a fork server that has the model loaded
(redactkit.forkserver; REDACTKIT_SPAWN=1 spawns each worker afresh instead).
"""
from __future__ import annotations

import atexit
import os
import pickle
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache

from .. import forkserver
from ..types import Finding, Party

PARALLEL_MIN_PAGES = forkserver.LONG_RECORD     # fewer pages than this are detected in-process
CHUNK_PAGES = 16           # pages per task sent to a worker (spaCy is a fifth faster on 16 than on 6)
_pool: ProcessPoolExecutor | None = None
_started: threading.Event | None = None     # set once start_soon's workers exist
STARTING_WAIT = 30.0       # seconds that stopping waits for start_soon's workers to be made
_warned = False
_exit_hook = False


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


def _quick_chunk(parties: tuple[Party, ...], with_ner: bool, items: list[tuple[str, int]]) -> list[list[Finding]]:
    det = _detector(parties, with_ner)
    return [det.quick(text, page) for text, page in items]


def _get_pool() -> ProcessPoolExecutor:
    global _pool, _exit_hook
    if _pool is None:
        # from the fork server, or spawned; never forked from this process: a forked copy of a
        # process with BLAS and OCR threads can deadlock
        _pool = ProcessPoolExecutor(max_workers=workers(), mp_context=forkserver.context(), initializer=_warm)
        if not _exit_hook:
            _exit_hook = True
            atexit.register(_at_exit)
    return _pool


def _at_exit() -> None:
    """At exit, while the interpreter is still whole: the workers and their fork server are gone
    before it tears its modules down. A pool left to that teardown is finalised after the modules
    its finalisers use ("Exception ignored in: ... weakref_cb ... 'NoneType' object has no
    attribute 'util'", "... _ConnectionBase.__del__" on the console at exit)."""
    shutdown(wait=True)


def start_soon() -> None:
    """Make the worker processes in the background: a thread waits for the fork server to have
    the engine loaded and then makes them, while this process reads the first pages (a submit
    would wait there instead). `starting()` is true until they exist."""
    global _started
    if _pool is not None or workers() <= 1:
        return
    try:
        pool = _get_pool()
    except (OSError, ValueError):
        return
    started = _started = threading.Event()

    def make() -> None:
        try:
            for _ in range(workers()):      # each submit makes a worker while none is idle
                pool.submit(os.getpid)
        except Exception:  # noqa: BLE001, S110 - a broken or shut pool: the next real submit says so
            pass
        finally:
            started.set()

    threading.Thread(target=make, name="redactkit-workers", daemon=True).start()


def starting() -> bool:
    """Whether start_soon's workers are still being made (a submit now would wait for them)."""
    return _started is not None and not _started.is_set()


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
    """Stop the workers; with `wait`, once they are gone, the fork server they came from too (the
    next pool starts a fresh one, with the environment of its time). Without, the server ends
    when this process and the workers do."""
    global _pool, _started
    started, _started = _started, None
    if _pool is not None:
        if started is not None and not started.wait(timeout=STARTING_WAIT):
            # start_soon's thread still waits for the fork server (which has not loaded in all
            # this time) and holds the pool: its shutdown would wait as long; the workers, not
            # made, end with this process
            _pool = None
            return
        _pool.shutdown(wait=wait, cancel_futures=True)
        _pool = None
    if wait:
        forkserver.stop()


def submit(parties: list[Party], with_ner: bool, items: list[tuple[str, int]], task=None):
    """Send the items to the worker processes in chunks (detect_batch on each, or `task`); returns
    the futures, or None if the pool cannot take them."""
    n = workers()
    # one chunk per worker, at most CHUNK_PAGES pages: large enough for spaCy's batches, small
    # enough to keep the workers' memory flat and their loads even
    size = max(1, min(CHUNK_PAGES, -(-len(items) // n)))
    try:
        pool = _get_pool()
        return [pool.submit(task or _detect_chunk, tuple(parties), with_ner, items[i:i + size])
                for i in range(0, len(items), size)]
    except BrokenProcessPool:
        _broken()
        return None


def submit_quick(parties: list[Party], with_ner: bool, items: list[tuple[str, int]]):
    """Detector.quick on each item, in the workers (the second look); futures as `submit`."""
    return submit(parties, with_ner, items, task=_quick_chunk)


def spread(fn, tasks: list[tuple]):
    """fn(*task) for every task, in the worker processes when they are running; returns a callable
    that waits for the results, in order. Tasks that cannot be sent to another process (fn or
    something in them cannot be pickled), or whose worker died, run in this process instead: none is skipped.
    An error raised by fn is raised to the caller, wherever fn ran."""
    futures = None
    if _pool is not None and workers() > 1 and tasks:
        try:
            for t in (fn, *tasks):
                pickle.dumps(t)
            futures = [_pool.submit(_trimmed, fn, *t) for t in tasks]
        except BrokenProcessPool:
            _broken()
        except Exception:     # not picklable (a test's stand-in, a closure): here, then
            futures = None

    def wait() -> list:
        if futures is None:
            return [fn(*t) for t in tasks]
        out = []
        for f, t in zip(futures, tasks):
            try:
                out.append(f.result())
            except BrokenProcessPool:
                _broken()
                out.append(fn(*t))
        return out
    return wait


def _trimmed(fn, *args):
    """fn(*args) in a worker, then what it freed handed back to the system (a verifier's read of
    a long release is large, and the worker lives on)."""
    try:
        return fn(*args)
    finally:
        trim_memory()


def trim_memory() -> None:
    """Return freed heap memory to the system (glibc keeps it otherwise); nothing elsewhere."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


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

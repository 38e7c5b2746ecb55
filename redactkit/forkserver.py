"""Where the detection workers start from: a fork server that has the detection engine loaded.

With spawned workers, each worker imports spaCy and Presidio and loads the model itself (about
two seconds of CPU each, before its first page). Where the platform has a fork server (Linux),
one server process does that once (redactkit.detect.warm), and each worker starts as a copy of
it, ready at once, sharing the model's memory with it. Never a plain fork of the main process: a
forked copy of a process with BLAS and OCR threads can deadlock (the server runs neither: it only
imports and loads).

This module imports nothing heavy, so that the command line can start the server before it
imports the pipeline itself (`prestart`): the two load side by side.

The workers inherit the server's environment: a server started before a change to the
environment (REDACTKIT_RECIPES, REDACTKIT_SPACY_MODEL) is stopped with the pool
(redactkit.detect.pool.shutdown), and the next pool starts a fresh one.
"""
from __future__ import annotations

import multiprocessing
import os

PRELOAD = ["redactkit.detect.warm"]
LONG_RECORD = 8          # pages: a record this long is detected in the worker processes


def available() -> bool:
    return "forkserver" in multiprocessing.get_all_start_methods() and not os.environ.get("REDACTKIT_SPAWN")


def context():
    """The multiprocessing context the detection workers start in."""
    if not available():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def prestart() -> None:
    """Start the fork server now, so that it loads the engine while this process does other
    work; a no-op where there is none, when it runs already, or when detection is to stay in
    this process (REDACTKIT_WORKERS=1, one core)."""
    env = os.environ.get("REDACTKIT_WORKERS", "").strip()
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    if (int(env) if env.isdigit() else cores) <= 1:
        return
    if available():
        from multiprocessing import forkserver
        context()
        try:
            forkserver.ensure_running()
        except OSError:
            pass    # started on demand later, or the workers fail and detection runs here


def stop() -> None:
    """Stop the fork server, if this process started one (its workers are gone with the pool)."""
    if available():
        from multiprocessing import forkserver
        server = getattr(forkserver, "_forkserver", None)
        if server is not None and getattr(server, "_forkserver_pid", None) is not None and hasattr(server, "_stop"):
            try:
                server._stop()
            except OSError:
                pass


def long_record(folder) -> bool:
    """Whether a PDF under `folder` (recursively) has at least LONG_RECORD pages, so that its
    pages will be detected in the worker processes; counted cheaply (a few PDFs opened, each
    only for its page count, by PDFium: its import takes a tenth of MuPDF's, and the server is
    started this much sooner). Unreadable files count nothing (the pipeline judges them)."""
    from pathlib import Path

    for path in sorted(Path(folder).rglob("*")):
        if path.suffix.lower() != ".pdf" or not path.is_file():
            continue
        try:
            import pypdfium2

            pdf = pypdfium2.PdfDocument(str(path))
            try:
                if len(pdf) >= LONG_RECORD:
                    return True
            finally:
                pdf.close()
        except Exception:
            continue
    return False

"""Many requests at once: skip what is already released, use every core, or a Dask cluster.

Every request goes through the same `redactkit.api.release`, wherever it runs:
- in this process, one after another (one request, or `jobs=1`);
- in local worker processes, one request each at a time (`jobs=N`); each worker loads the
  detection model once and keeps it for every request it is given;
- on a Dask cluster (`dask="local"` for a local one, or a scheduler address); the optional extra
  `pip install 'redactkit[dask]'`. Paths (requests, OUT, the ledger, the log key) must be the same
  on every worker: a shared file system.

A batch rerun skips each request whose OUT/<request>/release exists and whose request.yaml,
recipe and source records hash as they did at that release (internal/sources.json), and says so;
its earlier result stands and no second disclosure is recorded. A changed request still needs
--force to be released again.
"""
from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .errors import ExitCode, RedactkitError, UsageError
from .request import check_out

if TYPE_CHECKING:   # the pipeline (and its model) is imported only when a release runs
    from .api import Progress, ReleaseResult


def find_requests(paths: list[Path]) -> list[Path]:
    """Request folders among `paths`: each path is a request folder, or a folder of them.
    A path that does not exist, or is a file, is a mistake on the command line (UsageError),
    reported before anything is done."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise UsageError("no such folder: " + ", ".join(str(p) for p in missing))
    files = [p for p in paths if not p.is_dir()]
    if files:
        raise UsageError(f"{files[0]} is a file, not a request folder; give the folder that holds request.yaml "
                         "and records/ (or a folder of such folders)")
    found = []
    for p in paths:
        if (p / "request.yaml").exists():
            found.append(p)
            continue
        subs = sorted(d for d in p.iterdir() if d.is_dir() and (d / "request.yaml").exists())
        found.extend(subs or [p])
    return found


def targets(requests: list[Path], out_dir: Path) -> list[Path]:
    """Where each request's package goes: OUT for one request, OUT/<request folder name> for
    several. Refused (UsageError) when one lands inside a request folder, or two on one place."""
    single = len(requests) == 1
    out = [out_dir if single else out_dir / req.name for req in requests]
    folders = {req.resolve(): req for req in requests}
    for target in out:
        resolved = target.resolve()
        for place in (resolved, *resolved.parents):
            if place in folders:
                check_out(folders[place], target)      # raises: the target is inside that request
    seen: dict[Path, Path] = {}
    for req, target in zip(requests, out):
        key = target.resolve()
        if key in seen:
            raise UsageError(f"{seen[key]} and {req} have the same folder name; each needs its own "
                             f"{out_dir}/<name>: rename one or release them separately")
        seen[key] = req
    return out


def unchanged(request_dir: Path, out_dir: Path) -> ReleaseResult | None:
    """The earlier result, if OUT holds a release made from exactly these sources, request.yaml and
    recipe; else None (release it, or refuse without --force)."""
    from .api import ReleaseResult
    from .ingest import discover
    from .plan import load_recipe
    from .package import sha256_file
    from .request import load_request

    try:
        before = json.loads((out_dir / "internal" / "sources.json").read_text(encoding="utf-8"))
        manifest = json.loads((out_dir / "release" / "manifest.json").read_text(encoding="utf-8"))
        request = load_request(request_dir)
        if (before.get("request_sha256") != sha256_file(request_dir / "request.yaml")
                or before.get("recipe_sha256") != load_recipe(request.requester.category.value).sha256
                or before.get("sources") != {r.relpath: r.sha256 for r in discover(request_dir)}):
            return None
    except (OSError, ValueError, KeyError, RedactkitError):
        return None
    res = ReleaseResult(request_dir, out_dir, request.request_id, ExitCode(before.get("exit_code", 0)),
                        "unchanged since its release; skipped")
    res.skipped, res.previous = True, manifest.get("totals", {})
    return res


def _release_here(request_dir: Path, out_dir: Path, kwargs: dict) -> ReleaseResult:
    """One request in a worker process (local or Dask): detection stays in this process, since
    the batch already keeps every core busy; returned without the records' bytes."""
    from .api import release

    os.environ["REDACTKIT_WORKERS"] = "1"
    os.environ["REDACTKIT_OCR_WORKERS"] = "1"
    res = release(request_dir, out_dir, **kwargs)
    res.outcomes = [replace(o, record=replace(o.record, data=None, source_text=None)) for o in res.outcomes]
    return res


def release_many(requests: list[Path], out_dir: Path, *, force: bool = False, progress: Progress | None = None,
                 on_result: Callable[[ReleaseResult], None] | None = None, as_of: dt.date | None = None,
                 ledger: Path | None = None, plan: Path | None = None, reviewer: str | None = None,
                 jobs: int = 1, dask: str | None = None, passwords: tuple[str, ...] = (),
                 max_mb: float | None = None, production: dict | None = None) -> list[ReleaseResult]:
    """Release each request; one request's failure does not stop the others. With one request the
    package goes to OUT/release; with several, to OUT/<request folder name>/release, and requests
    released before from unchanged sources are skipped. Results come in the order given."""
    from .api import release

    single = len(requests) == 1
    places = targets(requests, out_dir)
    results: list[ReleaseResult | None] = [None] * len(requests)
    kwargs = {"force": force, "as_of": as_of, "ledger": ledger, "plan": plan, "reviewer": reviewer,
              "passwords": tuple(passwords), "max_mb": max_mb, "production": production}

    def done(i: int, res: ReleaseResult) -> None:
        results[i] = res
        if on_result:
            on_result(res)

    todo = []
    for i, (req, target) in enumerate(zip(requests, places)):
        skip = None if (single or force) else unchanged(req, target)
        if skip is not None:
            done(i, skip)
        else:
            todo.append(i)
    if dask:
        _on_dask(dask, todo, requests, places, kwargs, done, progress)
    elif jobs > 1 and len(todo) > 1:
        _on_processes(jobs, todo, requests, places, kwargs, done, progress)
    else:
        for i in todo:
            done(i, release(requests[i], places[i], progress=progress, **kwargs))
    return [r for r in results if r is not None]


def _prepare() -> None:
    """Create the log key before workers race to create it."""
    from .package import log_key
    log_key()


def _on_processes(jobs, todo, requests, targets, kwargs, done, progress) -> None:
    _prepare()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=ctx) as pool:
        futures = {pool.submit(_release_here, requests[i], targets[i], kwargs): i for i in todo}
        try:
            for n, fut in enumerate(as_completed(futures), 1):
                i = futures[fut]
                done(i, _result_of(fut, requests[i], targets[i]))
                if progress:
                    progress(requests[i].name, n, len(todo))
        except KeyboardInterrupt:
            for f in futures:
                f.cancel()
            raise


def _on_dask(address: str, todo, requests, targets, kwargs, done, progress) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed as dask_completed
    except ImportError:
        raise UsageError("--dask needs the optional extra: pip install 'redactkit[dask]'") from None
    from .detect.pool import workers

    _prepare()
    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=workers(), threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {address} ({type(exc).__name__})") from None
    try:
        futures = {client.submit(_release_here, requests[i], targets[i], kwargs, pure=False): i for i in todo}
        for n, fut in enumerate(dask_completed(list(futures)), 1):
            i = futures[fut]
            done(i, _result_of(fut, requests[i], targets[i]))
            if progress:
                progress(requests[i].name, n, len(todo))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _result_of(fut, request_dir: Path, out_dir: Path) -> ReleaseResult:
    """A worker's result; a worker that died is that request's internal error, not the batch's."""
    from .api import ReleaseResult

    try:
        return fut.result()
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        return ReleaseResult(request_dir, out_dir, exit_code=ExitCode.internal_error,
                             message=f"worker failed ({type(exc).__name__}); nothing was released for this request")

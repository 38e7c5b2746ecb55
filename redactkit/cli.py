"""The command line: a thin layer over redactkit.api. Parses arguments, shows progress and a
summary, and exits with the codes defined in redactkit.errors."""
from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .errors import ExitCode, most_severe

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
                  help="Redact and release child-welfare case records for a records request.\n\n"
                       "Exit codes: 0 released; 3 invalid request.yaml; 4 refused by policy; "
                       "5 released but some records withheld and need attention; 6 output exists "
                       "(use --force); 7 missing dependency; 9 internal error; 130 interrupted.")
err = Console(stderr=True, highlight=False)


def _version(value: bool):
    if value:
        typer.echo(f"redactkit {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                         help="Show the version and exit.")] = None):
    """redactkit: find PHI and third-party identifiers, redact them by the requester's recipe,
    verify, and package the release with a disclosure manifest."""


@app.command()
def release(
    requests: Annotated[list[Path], typer.Argument(help="Request folder(s), or a folder holding request folders.",
                                                   show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: OUT/release (what the requester "
                                      "receives) and OUT/internal (agency only). With several requests: "
                                      "OUT/<request folder>/...")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing release in OUT.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON summary for scripts instead of the table.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    as_of: Annotated[Optional[datetime], typer.Option("--as-of", formats=["%Y-%m-%d"],
                     help="Judge a consent's expiry on this date instead of today (re-runs).")] = None,
):
    """Release one or many request folders: ingest, detect, plan (the requester's recipe), redact,
    verify with an independent reader, and write the release package with its manifest.

    A request that policy refuses, or whose request.yaml is malformed, writes no release/ and is
    reported in one line. Records that cannot be read safely are withheld and listed in the manifest.
    """
    from .api import find_requests, release_many

    found = find_requests(requests)
    show = not (quiet or as_json) and err.is_terminal
    results = []
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[record]}"), TimeElapsedColumn(), console=err,
                  disable=not show, transient=True) as bar:
        task = bar.add_task("records", total=None, record="")

        def progress(record: str, done: int, total: int):
            bar.update(task, completed=done, total=total, record=record)

        def on_result(res):
            results.append(res)
            if not as_json and res.exit_code not in (ExitCode.ok, ExitCode.needs_attention):
                err.print(f"[red]{res.request_dir}[/red]: {res.message}", soft_wrap=True, markup=True)

        try:
            release_many(found, out, force=force, progress=progress, on_result=on_result,
                         as_of=as_of.date() if as_of else None)
        except KeyboardInterrupt:
            err.print("interrupted; requests not finished were not released")
            raise typer.Exit(ExitCode.ctrl_c)
    code = most_severe(r.exit_code for r in results)
    if as_json:
        typer.echo(json.dumps({"exit_code": int(code), "requests": [r.summary for r in results]}, indent=2))
    elif len(results) > 1 or code in (ExitCode.ok, ExitCode.needs_attention):
        _table(results)
    raise typer.Exit(int(code))


def _table(results) -> None:
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=120)
    table = Table(title="redactkit release")
    table.add_column("request", overflow="fold", min_width=20)
    table.add_column("status", no_wrap=True)
    for col in ("released", "withheld", "pages", "redactions"):
        table.add_column(col, justify="right", no_wrap=True, min_width=len(col))
    words = {ExitCode.ok: "[green]released[/green]", ExitCode.needs_attention: "[yellow]incomplete[/yellow]"}
    for r in results:
        s = r.summary
        table.add_row(s["request_id"] or r.request_dir.name, words.get(r.exit_code, f"[red]{r.exit_code.name}[/red]"),
                      str(s["released"]), str(s["withheld"]), str(s["pages"]), str(s["redactions"]))
    out.print(table)
    for r in results:
        if r.exit_code in (ExitCode.ok, ExitCode.needs_attention):
            note = "" if r.exit_code is ExitCode.ok else f" ({r.message})"
            out.print(f"{r.request_id}: {r.out_dir / 'release'}{note}", soft_wrap=True)


def run() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(ExitCode.ctrl_c)


if __name__ == "__main__":
    run()

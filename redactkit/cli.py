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
    ledger: Annotated[Optional[Path], typer.Option("--ledger", help="The accounting-of-disclosures ledger "
                      "(default: REDACTKIT_LEDGER, else ~/.local/share/redactkit/ledger.jsonl).")] = None,
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
                         as_of=as_of.date() if as_of else None, ledger=ledger)
        except KeyboardInterrupt:
            err.print("interrupted; requests not finished were not released")
            raise typer.Exit(ExitCode.ctrl_c)
    code = most_severe(r.exit_code for r in results)
    if as_json:
        typer.echo(json.dumps({"exit_code": int(code), "requests": [r.summary for r in results]}, indent=2))
    elif len(results) > 1 or code in (ExitCode.ok, ExitCode.needs_attention):
        _table(results)
    raise typer.Exit(int(code))


@app.command()
def accounting(
    party: Annotated[Optional[str], typer.Option("--party", help="List every disclosure of this person's information.")] = None,
    verify: Annotated[bool, typer.Option("--verify", help="Check that the ledger has not been edited.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
    ledger: Annotated[Optional[Path], typer.Option("--ledger", help="The ledger file (default: REDACTKIT_LEDGER, "
                      "else ~/.local/share/redactkit/ledger.jsonl).")] = None,
):
    """The accounting of disclosures (45 CFR 164.528): every release is recorded in an append-only,
    hash-chained ledger. --party lists the disclosures of one person's information; --verify detects
    an edited, inserted or removed entry (exit 8)."""
    from . import ledger as ledger_mod
    from .errors import RedactkitError

    if not party and not verify:
        err.print("give --party NAME or --verify; see redactkit accounting --help")
        raise typer.Exit(ExitCode.usage)
    try:
        if verify:
            check = ledger_mod.verify(ledger)
            if as_json:
                typer.echo(json.dumps({"ledger": str(ledger_mod.ledger_path(ledger)), "entries": check.entries,
                                       "ok": not check.problems, "problems": check.problems}, indent=2))
            elif check.problems:
                err.print(f"ledger {ledger_mod.ledger_path(ledger)}: {len(check.problems)} problem(s)", soft_wrap=True)
                for p in check.problems:
                    err.print(f"  {p}", soft_wrap=True)
            else:
                typer.echo(f"ledger {ledger_mod.ledger_path(ledger)}: {check.entries} entries, chain intact")
            if check.problems:
                raise typer.Exit(ExitCode.ledger_broken)
        if party:
            entries = ledger_mod.for_party(party, ledger)
            rows = [{"date": e["date"], "recipient": e["recipient"]["name"], "category": e["recipient"]["category"],
                     "purpose": e["purpose"], "request_id": e["request_id"],
                     "consent": (e["consent"] or {}).get("reference") or (e["consent"] or {}).get("form"),
                     "records": len(e["disclosed"]), "disclosed": e["disclosed"], "seq": e["seq"]} for e in entries]
            if as_json:
                typer.echo(json.dumps({"party": party, "disclosures": rows}, indent=2))
            else:
                table = Table(title=f"Disclosures of {party}'s information")
                for col in ("date", "recipient", "category", "purpose", "records", "request", "consent"):
                    table.add_column(col, overflow="fold")
                for r in rows:
                    table.add_row(r["date"], r["recipient"], r["category"], r["purpose"], str(r["records"]),
                                  r["request_id"], r["consent"] or "-")
                _console().print(table)
    except RedactkitError as exc:
        err.print(exc.message, soft_wrap=True)
        raise typer.Exit(exc.exit_code)


@app.command("eval")
def eval_(
    corpus: Annotated[Optional[Path], typer.Option("--corpus", help="Labelled corpus (JSON lines); default: "
                      "the one shipped in benchmarks/eval/corpus.jsonl.")] = None,
    recipe: Annotated[str, typer.Option("--recipe", help="Recipe whose redact decisions are scored.")] = "medical_research",
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
):
    """Measure detection: recall, precision and F2 per identifier type and overall, on labelled text."""
    from .evaluate import evaluate

    path = corpus or Path(__file__).resolve().parent.parent / "benchmarks" / "eval" / "corpus.jsonl"
    if not path.is_file():
        err.print(f"{path}: no such corpus; give --corpus FILE (make one with benchmarks/eval/make_corpus.py)")
        raise typer.Exit(ExitCode.usage)
    report = evaluate(path, recipe).as_dict()
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    table = Table(title=f"Detection on {report['sentences']} sentences ({recipe})")
    for col in ("type", "labelled", "found", "recall", "precision", "F2"):
        table.add_column(col, justify="left" if col == "type" else "right")
    rows = list(report["by_type"].items()) + [("direct identifiers", report["direct_identifiers"]),
                                              ("overall", report["overall"])]
    for name, r in rows:
        table.add_row(name, str(r["labelled"]), str(r["found"]), f"{r['recall']:.3f}", f"{r['precision']:.3f}",
                      f"{r['f2']:.3f}")
    _console().print(table)


def _console() -> Console:
    """Standard output; 120 columns when it is not a terminal (a file, a pipe, a CI log)."""
    out = Console(highlight=False)
    return out if out.is_terminal else Console(highlight=False, width=120)


def _table(results) -> None:
    out = _console()
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

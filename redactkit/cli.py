"""The command line: a thin layer over redactkit.api. Parses arguments, shows progress and a
summary, and exits with the codes defined in redactkit.errors."""
from __future__ import annotations

import gc
import json
import sys
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .errors import ExitCode, RedactkitError, most_severe

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
                  help="Redact and release child-welfare case records for a records request.\n\n"
                       "Exit codes: 0 released; 3 invalid request.yaml; 4 refused by policy; "
                       "5 released but some records withheld and need attention; 6 output exists "
                       "(use --force); 7 missing dependency; 8 ledger fails verification; 9 internal error; "
                       "10 review plan refused (changed since review, or malformed); 11 check failed; "
                       "12 check found changed counts only; 130 interrupted.\n\n"
                       "Review first: 'redactkit review' proposes, 'redactkit plan' edits the decisions, "
                       "'redactkit release --plan' applies them.")
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


@contextmanager
def _progress(wanted: bool, unit: str):
    """A progress bar on stderr when it is a terminal; yields the (label, done, total) callback
    that redactkit.api takes."""
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[record]}"), TimeElapsedColumn(), console=err,
                  disable=not (wanted and err.is_terminal), transient=True) as bar:
        task = bar.add_task(unit, total=None, record="")
        yield lambda label, done, total: bar.update(task, completed=done, total=total, record=label)


def _say(where, message: str) -> None:
    """One error line: the place (a request folder) once, then the message."""
    where = str(where)
    line = message if where in message else f"{where}: {message}"
    err.print(f"[red]{escape(line)}[/red]", soft_wrap=True)


def _usage(message: str) -> None:
    """A mistake on the command line: one line, exit 2, before anything is read or imported."""
    err.print(message, soft_wrap=True, markup=False)
    raise typer.Exit(ExitCode.usage)


PasswordOpt = Annotated[Optional[Path], typer.Option("--password-file", help="A file of passwords, one per "
                        "line, tried on encrypted PDFs (the release is written unencrypted). Never printed.")]
MaxMbOpt = Annotated[Optional[float], typer.Option("--max-mb", min=0, help="Withhold records larger than this "
                     "many MB unread (default: REDACTKIT_MAX_MB, else 512).")]


def _passwords(path: Optional[Path]) -> tuple[str, ...]:
    if path is None:
        return ()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        err.print(f"cannot read --password-file {path}", soft_wrap=True, markup=False)
        raise typer.Exit(ExitCode.usage)
    return tuple(line for line in lines if line)


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
    plan: Annotated[Optional[Path], typer.Option("--plan", help="A reviewed plan (OUT/internal/plan.json from "
                    "'redactkit review'): apply exactly its decisions, with no new detection. Refused (exit 10) "
                    "if the records, request.yaml or recipe changed since the review. One request only.")] = None,
    reviewer: Annotated[Optional[str], typer.Option("--reviewer", help="Who reviewed the plan; recorded in the "
                        "manifest and the ledger. Required with --plan.")] = None,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Requests released at once, each in a "
                    "worker process that loads the model once (default: one per core when there are several "
                    "requests). A single request uses the cores for its pages instead.")] = None,
    dask: Annotated[Optional[str], typer.Option("--dask", help="Run the batch on a Dask cluster: 'local' starts "
                    "one on this machine, or give a scheduler address (tcp://host:8786). Needs the optional "
                    "\\[dask] extra (pip install 'redactkit\\[dask]') and paths shared by every worker.")] = None,
    password_file: PasswordOpt = None,
    max_mb: MaxMbOpt = None,
    bates_prefix: Annotated[Optional[str], typer.Option("--bates-prefix", help="Prefix of the production (Bates) "
                            "number stamped on every released page (default: request.yaml production.prefix, "
                            "else the request id and a dash).")] = None,
    bates_start: Annotated[Optional[int], typer.Option("--bates-start", min=0, help="First Bates number "
                           "(default: production.start, else 1).")] = None,
    page_labels: Annotated[Optional[bool], typer.Option("--page-labels/--no-page-labels", help="Stamp 'Page 3 of "
                           "12' (the page's place in its record) beside the Bates number (default: "
                           "production.page_labels, else off).", show_default=False)] = None,
    legend: Annotated[Optional[str], typer.Option("--legend", help="A confidentiality legend stamped on every "
                      "released page (default: production.legend, else none).")] = None,
):
    """Release one or many request folders: ingest, detect, plan (the requester's recipe), redact,
    verify with an independent reader, and write the release package with its manifest.

    A request that policy refuses, or whose request.yaml is malformed, writes no release/ and is
    reported in one line. Records that cannot be read safely are withheld and listed in the manifest.
    With --plan, the reviewed decisions are applied instead of new detection (see 'redactkit review').

    A batch rerun skips every request already released from unchanged sources, request.yaml and
    recipe (and says so); a changed one needs --force.
    """
    # the command line is checked before the pipeline (and its model) is imported: a typo is
    # reported at once
    from .batch import find_requests, targets
    from .ledger import ledger_path

    try:
        found = find_requests(requests)
        targets(found, out)
    except RedactkitError as exc:
        _usage(exc.message)
    if plan is not None and len(found) != 1:
        _usage("--plan applies to one request folder; give exactly one")
    if plan is not None and not plan.is_file():
        err.print(f"{plan}: no such plan; make one with: redactkit review REQUEST --out OUT", soft_wrap=True,
                  markup=False)
        raise typer.Exit(ExitCode.plan_refused)
    if plan is not None and not (reviewer or "").strip():
        _usage("--reviewer NAME is required with --plan: the manifest records who reviewed")
    passwords = _passwords(password_file)
    if plan is None and dask is None and (len(found) == 1 or jobs == 1):
        # a long request detects in the worker processes: their fork server loads the model while
        # this process imports the pipeline
        from . import forkserver
        if any(forkserver.long_record(f / "records") for f in found):
            forkserver.prestart()
            from .detect import pool
            pool.start_soon()

    from .batch import release_many
    from .detect.pool import workers

    # what is imported stays out of the garbage collector's full passes, which would otherwise
    # walk it again and again while the pages are read (0.3 s of this process on 225 pages)
    gc.freeze()
    jobs = jobs or (workers() if len(found) > 1 else 1)
    unit = "requests" if dask or (jobs > 1 and len(found) > 1) else "records"
    with _progress(not (quiet or as_json), unit) as progress:
        def on_result(res):
            if not as_json and res.exit_code not in (ExitCode.ok, ExitCode.needs_attention):
                _say(res.request_dir, res.message)

        try:
            results = release_many(found, out, force=force, progress=progress, on_result=on_result,
                                   as_of=as_of.date() if as_of else None, ledger=ledger, plan=plan,
                                   reviewer=reviewer, jobs=jobs, dask=dask, passwords=passwords,
                                   max_mb=max_mb, production={"prefix": bates_prefix, "start": bates_start,
                                                              "page_labels": page_labels, "legend": legend})
        except RedactkitError as exc:
            err.print(exc.message, soft_wrap=True)
            raise typer.Exit(exc.exit_code)
        except KeyboardInterrupt:
            err.print("interrupted; requests not finished were not released")
            raise typer.Exit(ExitCode.ctrl_c)
    code = most_severe(r.exit_code for r in results)
    recorded = any(r.exit_code in (ExitCode.ok, ExitCode.needs_attention) and not r.skipped for r in results)
    if as_json:
        typer.echo(json.dumps({"exit_code": int(code), "ledger": str(ledger_path(ledger)),
                               "requests": [r.summary for r in results]}, indent=2))
    elif len(results) > 1 or code in (ExitCode.ok, ExitCode.needs_attention):
        _table(results)
    if recorded and not as_json:
        # every release is an accounting entry: say where, so that a trial run is not a surprise
        _console().print(f"disclosure recorded in the accounting ledger {ledger_path(ledger)} "
                         "(--ledger or REDACTKIT_LEDGER to keep it elsewhere)", soft_wrap=True, markup=False)
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
            elif not rows:
                typer.echo(f"no disclosure of {party}'s information in {ledger_mod.ledger_path(ledger)} (a release "
                           "that withheld a person's identity is not one)")
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
    corpus: Annotated[Optional[list[str]], typer.Option("--corpus", help="A shipped corpus by name (general, "
                      "clinical, case_records) or a labelled JSON-lines file; repeat for several. Default: every "
                      "shipped corpus.")] = None,
    recipe: Annotated[str, typer.Option("--recipe", help="Recipe whose redact decisions are scored.")] = "medical_research",
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of tables.")] = False,
):
    """Measure detection on labelled text: recall, precision and F2 per identifier type, and the share of
    identifier-free sentences left untouched, per corpus (each corpus names where its values come from)."""
    from .evaluate import CORPORA, evaluate

    names = corpus or list(CORPORA)
    for name in names:
        if name not in CORPORA and not Path(name).is_file():
            err.print(f"{name}: no such corpus; name one of {', '.join(CORPORA)} or give a labelled JSON-lines "
                      "file (see benchmarks/eval/make_corpus.py for the format)")
            raise typer.Exit(ExitCode.usage)
    reports = [evaluate(name if name in CORPORA else Path(name), recipe).as_dict() for name in names]
    if as_json:
        typer.echo(json.dumps({"recipe": recipe, "corpora": reports}, indent=2))
        return
    console = _console()
    for report in reports:
        clean = report["identifier_free"]
        table = Table(title=f"{report['corpus']}: {report['sentences']} sentences ({recipe})",
                      caption=f"source: {report['source']}\nidentifier-free sentences left untouched: "
                              f"{clean['kept']} of {clean['sentences']}")
        for col in ("type", "labelled", "found", "recall", "precision", "F2"):
            table.add_column(col, justify="left" if col == "type" else "right")
        rows = list(report["by_type"].items()) + [("direct identifiers", report["direct_identifiers"]),
                                                  ("overall", report["overall"])]
        for name, r in rows:
            table.add_row(name, str(r["labelled"]), str(r["found"]), f"{r['recall']:.3f}", f"{r['precision']:.3f}",
                          f"{r['f2']:.3f}")
        console.print(table)


@app.command()
def review(
    request: Annotated[Path, typer.Argument(help="The request folder.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: writes OUT/internal/plan.json and "
                                      "OUT/internal/review.pdf. Nothing is released.")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing plan and review.pdf in OUT.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON summary for scripts instead of the table.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    as_of: Annotated[Optional[datetime], typer.Option("--as-of", formats=["%Y-%m-%d"],
                     help="Judge a consent's expiry on this date instead of today.")] = None,
    password_file: PasswordOpt = None,
    max_mb: MaxMbOpt = None,
):
    """Propose redactions for staff to review, without releasing anything.

    Writes OUT/internal/plan.json (one entry per proposed redaction and per kept finding: id,
    document, page, text, entity, party, role, reason, decision) and OUT/internal/review.pdf (the
    proposals drawn on the pages, coloured by reason code; kept findings in dashed green; a first
    page of counts per record and reason). Decide with 'redactkit plan' or a text editor, then
    release with: redactkit release REQUEST --plan OUT/internal/plan.json --reviewer NAME --out OUT
    """
    from .request import check_out

    if not request.is_dir():
        _usage(f"no such folder: {request}" if not request.exists() else
               f"{request} is a file, not a request folder; give the folder that holds request.yaml and records/")
    try:
        check_out(request, out)
    except RedactkitError as exc:
        _usage(exc.message)
    passwords = _passwords(password_file)

    from .api import review as run_review

    with _progress(not (quiet or as_json), "records") as progress:
        try:
            res = run_review(request, out, force=force, as_of=as_of.date() if as_of else None,
                             passwords=passwords, max_mb=max_mb, progress=progress)
        except KeyboardInterrupt:
            err.print("interrupted; no plan was written")
            raise typer.Exit(ExitCode.ctrl_c)
    if as_json:
        summary = res.summary
        for r in summary["records"]:      # console output names no one: record paths as labelled
            r["document"] = r.pop("label", r["document"])
        typer.echo(json.dumps(summary, indent=2))
        raise typer.Exit(int(res.exit_code))
    if res.plan_path is None:
        _say(request, res.message)
        raise typer.Exit(int(res.exit_code))
    table = Table(title=f"redactkit review: request {res.request_id}")
    table.add_column("record", overflow="fold", min_width=20)
    table.add_column("status", no_wrap=True)
    for col in ("pages", "redact", "keep"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("by reason", overflow="fold")
    for r in res.records:
        status = r["status"] if r["status"] != "withheld" else f"[yellow]withheld[/yellow]: {escape(r.get('reason', ''))}"
        # a file name can name a person: the record as the manifest labels it ([FP]_placement.pdf)
        table.add_row(escape(r.get("label", r["document"])), status, str(r["pages"]),
                      str(sum(r["redact"].values())), str(r["keep"]),
                      ", ".join(f"{k} {v}" for k, v in sorted(r["redact"].items())))
    out_console = _console()
    out_console.print(table)
    out_console.print(f"plan:   {res.plan_path}\nreview: {res.pdf_path}", soft_wrap=True, markup=False)
    out_console.print(f"next:   redactkit plan show {res.plan_path}\n"
                      f"        redactkit release {request} --plan {res.plan_path} --reviewer NAME --out {out}",
                      soft_wrap=True, markup=False)
    raise typer.Exit(int(res.exit_code))


plan_app = typer.Typer(no_args_is_help=True, rich_markup_mode="rich",
                       help="Read and edit a review plan (OUT/internal/plan.json) without a text editor. "
                            "Exit codes: 0 changed or shown; 2 nothing matched or bad arguments; 10 not a valid plan.")
app.add_typer(plan_app, name="plan")

PlanArg = Annotated[Path, typer.Argument(help="The plan: OUT/internal/plan.json from 'redactkit review'.",
                                         show_default=False)]
IdsOpt = Annotated[Optional[list[str]], typer.Option("--id", help="Entry id (r0012, k0003, s001); repeatable.")]
TextOpt = Annotated[Optional[str], typer.Option("--text", help="Every entry with this text (case and spacing "
                                                "as a reader compares them).")]
PartyOpt = Annotated[Optional[str], typer.Option("--party", help="Every entry attributed to this roster party.")]
DocOpt = Annotated[Optional[str], typer.Option("--document", help="Only entries of this document (its path as "
                                               "'plan show' lists it).")]


def _plan_raw(path: Path) -> dict:
    from .errors import RedactkitError

    if not path.is_file():     # before the pipeline is imported: a mistyped path is reported at once
        err.print(f"{path}: no such plan; make one with: redactkit review REQUEST --out OUT", soft_wrap=True,
                  markup=False)
        raise typer.Exit(ExitCode.plan_refused)
    from .review import load_raw

    try:
        return load_raw(path)
    except RedactkitError as exc:
        err.print(exc.message, soft_wrap=True)
        raise typer.Exit(exc.exit_code)


def _flip(path: Path, decision: str, ids, text, party, document, reason=None) -> tuple[dict, list[dict]]:
    from .review import select

    raw = _plan_raw(path)
    chosen = select(raw, ids=ids or [], text=text, party=party, document=document) if (ids or text or party) else []
    missing = sorted(set(ids or []) - {e.get("id") for e in chosen})
    if missing:
        err.print(f"no entry with id {', '.join(missing)}; nothing changed")
        raise typer.Exit(ExitCode.usage)
    for e in chosen:
        e["decision"] = decision
        if decision == "redact" and reason:
            e["reason"] = reason
    return raw, chosen


def _fitting_reason(raw: dict, entity: str | None, role: str | None) -> str | None:
    """The code the recipe gives this kind of finding when it redacts it: a person not to be
    disclosed (TP in a family recipe), not the recipe's default (PI, for identifiers)."""
    from .errors import RedactkitError
    from .plan import load_recipe
    from .types import Finding

    try:
        recipe = load_recipe(raw["category"])
    except (RedactkitError, KeyError):
        return None
    for r in ([role] if role else []) + ["unknown", None]:
        d = recipe.decide(Finding(0, 0, 0, "", entity or "STAFF", 1.0, "staff", None, r))
        if d.decision == "redact":
            return d.reason
    return recipe.default_reason


def _kind_of(raw: dict, text: str) -> tuple[str, str | None]:
    """(entity, role) of a text staff typed: as the tool found the same text in the plan, else
    as the pattern recognizers read it, else a name if it looks like one."""
    import re
    from .text import value_pattern

    rx = value_pattern(text)
    for e in raw["redactions"]:
        if e.get("entity") not in (None, "STAFF", "REGION") and rx.fullmatch(e.get("text") or ""):
            return e["entity"], e.get("role")
    from .detect.recognizers import project_recognizers

    best = (0, "STAFF")
    for rec in project_recognizers():
        for r in rec.analyze(text, rec.supported_entities, None):
            if r.score >= 0.3 and r.end - r.start > best[0] and not r.entity_type.startswith("SPECIAL_"):
                best = (r.end - r.start, r.entity_type)
    if best[0] >= 0.6 * len(text.strip()):
        return best[1], ("unknown" if best[1] == "PERSON" else None)
    if re.fullmatch(r"(?:[A-Z][\w'’.-]*\s+){1,3}[A-Z][\w'’.-]*", text.strip()):
        return "PERSON", "unknown"
    return "STAFF", None


def _check_reason(raw: dict, reason: Optional[str]) -> None:
    if reason is None:
        return
    from .errors import RedactkitError
    from .plan import load_recipe

    try:
        codes = load_recipe(raw["category"]).reasons
    except RedactkitError:
        return
    if reason not in codes:
        err.print(f"--reason {reason} is not a reason code of the {raw['category']} recipe ({', '.join(codes)})")
        raise typer.Exit(ExitCode.usage)


@plan_app.command("show")
def plan_show(
    plan: PlanArg,
    document: DocOpt = None,
    decision: Annotated[Optional[str], typer.Option("--decision", help="Only 'redact' or only 'keep' entries.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The entries as JSON.")] = False,
):
    """The plan as a table: id, document, page, entity, party role, reason, proposed and decided, and
    the text found. This is the one command that prints found values: it shows an internal file to
    the reviewer who asks for it, and writes no log."""
    raw = _plan_raw(plan)
    rows = [e for e in raw["redactions"] if (not document or e.get("document") == document)
            and (not decision or e.get("decision") == decision)]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"plan for request {raw['request_id']}: {len(rows)} of {len(raw['redactions'])} entries")
    for col in ("id", "document", "page", "entity", "role", "reason", "proposed", "decision", "text"):
        table.add_column(col, overflow="fold")
    for e in rows:
        changed = e.get("proposed") != e.get("decision")
        where = e.get("text") or ("region " + ",".join(f"{v:g}" for v in e["rect"]) if e.get("rect") else "")
        table.add_row(e.get("id", ""), e.get("document") or "(every record)", str(e.get("page") or ""),
                      e.get("entity", ""), e.get("role") or "", e.get("reason") or "", e.get("proposed") or "added",
                      f"[bold]{e['decision']}[/bold]" if changed else e["decision"], where)
    _console().print(table)
    counts = {d: sum(e["decision"] == d for e in raw["redactions"]) for d in ("redact", "keep")}
    _console().print(f"{counts['redact']} redact, {counts['keep']} keep; "
                     f"proposed {raw['proposed'].get('redact', 0)} redact, {raw['proposed'].get('keep', 0)} keep")


@plan_app.command("keep")
def plan_keep(plan: PlanArg, ids: IdsOpt = None, text: TextOpt = None, party: PartyOpt = None,
              document: DocOpt = None):
    """Set entries to keep (their text stays readable in the release): by --id, every entry with a
    --text, or every entry of a roster --party."""
    from .review import save

    if not (ids or text or party):
        err.print("give --id, --text or --party; see redactkit plan keep --help")
        raise typer.Exit(ExitCode.usage)
    raw, chosen = _flip(plan, "keep", ids, text, party, document)
    if not chosen:
        err.print("no entry matches; nothing changed (see: redactkit plan show)")
        raise typer.Exit(ExitCode.usage)
    save(raw, plan)
    typer.echo(f"{len(chosen)} entr{'y' if len(chosen) == 1 else 'ies'} set to keep: "
               f"{', '.join(e['id'] for e in chosen[:12])}{' ...' if len(chosen) > 12 else ''}")


@plan_app.command("redact")
def plan_redact(
    plan: PlanArg, ids: IdsOpt = None,
    text: Annotated[Optional[str], typer.Option("--text", help="Redact this text wherever it stands in the "
                    "request's records (adds a text entry, and sets entries with this text to redact).")] = None,
    party: PartyOpt = None, document: DocOpt = None,
    page: Annotated[Optional[int], typer.Option("--page", help="With --rect: the page (1 = first).", min=1)] = None,
    rect: Annotated[Optional[str], typer.Option("--rect", help="A region to redact: x0,y0,x1,y1 in points "
                    "from the page's top-left corner; needs --document and --page.")] = None,
    reason: Annotated[Optional[str], typer.Option("--reason", help="Reason code printed on the redaction "
                      "(default: the code the recipe gives what the text is: a name not to be disclosed gets "
                      "the third-party code, a phone number the identifier code; see docs/recipes.md).")] = None,
):
    """Set entries to redact (by --id, --text or --party), or add a redaction: a --text wherever it
    stands, or a --rect region on one --page of one --document."""
    from .review import add_region, add_text, save
    from .text import value_pattern

    if not (ids or text or party or rect):
        err.print("give --id, --text, --party or --rect; see redactkit plan redact --help")
        raise typer.Exit(ExitCode.usage)
    raw, chosen = _flip(plan, "redact", ids, text, party, document, reason)
    _check_reason(raw, reason)
    for e in chosen:    # without --reason: the code that fits what the entry is (a name: not PI)
        if not e.get("reason"):
            e["reason"] = _fitting_reason(raw, e.get("entity"), e.get("role"))
    added = []
    if text:
        if not any(c.isalnum() for c in text):
            err.print("--text needs letters or digits")
            raise typer.Exit(ExitCode.usage)
        fitting = reason or _fitting_reason(raw, *_kind_of(raw, text))
        same = [e for e in raw["redactions"] if e.get("start") is None and e.get("rect") is None
                and e.get("document") == document and value_pattern(e.get("text") or "").fullmatch(text)]
        for e in same:
            e["decision"] = "redact"
            e["reason"] = reason or e.get("reason") or fitting
        if not same:
            added.append(add_text(raw, text, fitting, document))
    if rect:
        try:
            box = tuple(float(v) for v in rect.split(","))
            if len(box) != 4 or box[2] <= box[0] or box[3] <= box[1]:
                raise ValueError
        except ValueError:
            err.print("--rect is x0,y0,x1,y1 in points from the page's top-left corner, with x0 < x1 and y0 < y1 "
                      "(e.g. 72,100,300,130); see docs/review.md")
            raise typer.Exit(ExitCode.usage)
        pages = raw["pages"].get(document or "")
        if pages is None or page is None:
            err.print("--rect needs --document (a document of the plan: see plan show) and --page")
            raise typer.Exit(ExitCode.usage)
        if page > len(pages):
            err.print(f"--page {page}: the document has {len(pages)} page(s)")
            raise typer.Exit(ExitCode.usage)
        added.append(add_region(raw, document, page, box, reason))
    if not chosen and not added and not text:
        err.print("no entry matches; nothing changed (see: redactkit plan show)")
        raise typer.Exit(ExitCode.usage)
    save(raw, plan)
    typer.echo(f"{len(chosen)} entr{'y' if len(chosen) == 1 else 'ies'} set to redact"
               + (f"; added {', '.join(e['id'] for e in added)}" if added else ""))


@app.command()
def check(
    requests: Annotated[list[Path], typer.Argument(help="Request folder(s), or a folder holding request folders "
                                                   "(e.g. sample_records/requests).", show_default=False)],
    expected: Annotated[Optional[Path], typer.Option("--expected", help="Folder of expectation files, one "
                        "<request folder name>.json per request (default: the folder 'expected' beside the folder "
                        "holding the requests, e.g. sample_records/expected).")] = None,
    update: Annotated[bool, typer.Option("--update", help="Write each expectation from this release (which "
                      "you have reviewed) and list what changed; review the change with your version control's "
                      "diff before committing it.")] = False,
    junit: Annotated[Optional[Path], typer.Option("--junit", help="Also write a JUnit XML report here, for CI "
                     "test reports (GitLab, GitHub Actions, Jenkins).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON report for scripts instead of the table.")] = False,
    show_values: Annotated[bool, typer.Option("--show-values", help="Name the leaked or lost values themselves "
                           "in the console, JSON and JUnit reports. Only for synthetic sample records.")] = False,
    keep: Annotated[Optional[Path], typer.Option("--keep-releases", help="Keep the trial releases in this folder "
                    "(default: a temporary folder, removed afterwards).")] = None,
    as_of: Annotated[Optional[datetime], typer.Option("--as-of", formats=["%Y-%m-%d"],
                     help="Judge consents' expiry on this date instead of today, so that the check gives the "
                          "same answer next year.")] = None,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Requests released at once, each in "
                    "a worker process (default: one per core when there are several requests).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
):
    """Check releases of sample requests against their expectations: a regression gate for recipes,
    detection and upgrades, for CI.

    Each request is released into a temporary folder (nothing is recorded in the accounting ledger)
    and read back with readers independent of the one that wrote it (PDFium, pdfminer.six, pdftotext
    if installed, OCR of scanned pages). The check fails when a must_redact value can be read, a
    must_keep value cannot, or the outcome, a record's status or its withheld pages changed; it
    reports drift when only redaction counts per reason code or page counts changed.

    Reports name requests, records, pages, kinds and reason codes, never values (unless --show-values).
    Exit codes: 0 as expected; 11 failed; 12 only counts drifted; others as for 'redactkit release'.
    See docs/check.md for the expectation format and CI jobs.
    """
    from . import check as chk
    from .batch import find_requests

    try:
        found = find_requests(requests)
    except RedactkitError as exc:       # a folder that does not exist, a file: one line, no traceback
        err.print(exc.message, soft_wrap=True, markup=False)
        raise typer.Exit(exc.exit_code)
    missing = [p for p in found if not (p / "request.yaml").is_file()]
    if missing:
        err.print(f"{missing[0]}: not a request folder (no request.yaml)", soft_wrap=True, markup=False)
        raise typer.Exit(ExitCode.usage)
    exp_dir = chk.expectation_dir(found, expected)
    if not update and not exp_dir.is_dir():
        err.print(f"{exp_dir}: no such folder of expectations; give --expected DIR, or write them with --update",
                  soft_wrap=True, markup=False)
        raise typer.Exit(ExitCode.usage)
    old: dict[str, dict | None] = {}
    for req in found:
        path = exp_dir / f"{req.name}.json"
        try:
            old[req.name] = chk.load(path) if path.is_file() else None
        except chk.BadExpectation as exc:
            err.print(str(exc), soft_wrap=True, markup=False)
            raise typer.Exit(ExitCode.usage)
    from .detect.pool import workers
    jobs = jobs or (workers() if len(found) > 1 else 1)
    with _progress(not (quiet or as_json), "requests") as progress:
        try:
            observed = chk.run(found, jobs=jobs, as_of=as_of.date() if as_of else None, keep=keep, progress=progress)
        except RedactkitError as exc:
            err.print(exc.message, soft_wrap=True)
            raise typer.Exit(exc.exit_code)
        except KeyboardInterrupt:
            err.print("interrupted; nothing was checked")
            raise typer.Exit(ExitCode.ctrl_c)
    reports = [chk.compare(o.name, old[o.name], o, exp_dir / f"{o.name}.json") for o in observed]
    if update:
        broken = [o for o in observed if o.exit_code not in chk.RECORDABLE]
        for o in broken:
            err.print(f"[red]{o.name}[/red]: {o.message} (exit {int(o.exit_code)}); its expectation was not "
                      "updated", soft_wrap=True)
        exp_dir.mkdir(parents=True, exist_ok=True)
        lines = []
        for o in observed:
            if o in broken:
                continue
            new = chk.updated(old[o.name], o)
            path = exp_dir / f"{o.name}.json"
            text = chk.dumps(new)
            if path.is_file() and path.read_text(encoding="utf-8") == text:
                continue
            path.write_text(text, encoding="utf-8")
            lines.append(f"{o.name}: wrote {path}")
            lines += ["  " + c for c in chk.changes(old[o.name], new, show_values)]
            if not new["must_redact"] and not new["must_keep"]:
                lines.append(f"  {o.name}: lists no values yet: add what must be gone to must_redact and what "
                             "must stay to must_keep, then run --update again")
        if as_json:
            typer.echo(json.dumps({"updated": [line for line in lines if not line.startswith("  ")],
                                   "changes": [line.strip() for line in lines if line.startswith("  ")]}, indent=2))
        else:
            out = _console()
            for line in lines or ["every expectation is unchanged"]:
                out.print(line, soft_wrap=True, markup=False, highlight=False)
        raise typer.Exit(int(max((o.exit_code for o in broken), default=ExitCode.ok)))
    if junit is not None:
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_bytes(chk.junit(reports, show_values))
    code = chk.exit_code(reports)
    if as_json:
        typer.echo(json.dumps(chk.as_json(reports, show_values), indent=2, ensure_ascii=False))
        raise typer.Exit(int(code))
    out = _console()
    table = Table(title="redactkit check")
    table.add_column("request", overflow="fold", min_width=20)
    table.add_column("outcome", no_wrap=True)
    table.add_column("leaks", justify="right")
    table.add_column("lost", justify="right")
    table.add_column("changed codes", overflow="fold")
    table.add_column("verdict", no_wrap=True)
    colour = {"ok": "green", "drift": "yellow", "failed": "red"}
    for r in reports:
        table.add_row(r.request, r.observed.exit_code.name, str(len(r.of("leak"))), str(len(r.of("lost"))),
                      ", ".join(sorted({f.code for f in r.of("codes") if f.code})) or "-",
                      f"[{colour[r.verdict]}]{r.verdict}[/{colour[r.verdict]}]")
    out.print(table)
    for r in reports:
        for f in r.findings:
            shown = f.text + (f" [value: {f.value}]" if show_values and f.value is not None else "")
            out.print(shown, soft_wrap=True, markup=False, highlight=False)
    if code != ExitCode.ok:
        out.print("If the change is intended: review it, then run this command again with --update and commit the "
                  "expectation files' diff.", soft_wrap=True, markup=False)
    raise typer.Exit(int(code))


def _console() -> Console:
    """Standard output; 120 columns when it is not a terminal (a file, a pipe, a CI log)."""
    out = Console(highlight=False)
    return out if out.is_terminal else Console(highlight=False, width=120)


def _table(results) -> None:
    out = _console()
    table = Table(title="redactkit release")
    table.add_column("request", overflow="fold", min_width=20)
    table.add_column("status", no_wrap=True)
    for col in ("released", "withheld", "pages", "pages withheld", "pages healed", "redactions"):
        table.add_column(col, justify="right", no_wrap=True, min_width=min(len(col), 8))
    words = {ExitCode.ok: "[green]released[/green]", ExitCode.needs_attention: "[yellow]incomplete[/yellow]"}
    for r in results:
        s = r.summary
        status = "[cyan]unchanged, skipped[/cyan]" if s["skipped"] else words.get(r.exit_code, f"[red]{r.exit_code.name}[/red]")
        table.add_row(s["request_id"] or r.request_dir.name, status,
                      str(s["released"]), str(s["withheld"]), str(s["pages"]), str(s["pages_withheld"]),
                      str(s["pages_healed"]), str(s["redactions"]))
    out.print(table)
    for r in results:
        if r.exit_code in (ExitCode.ok, ExitCode.needs_attention):
            note = f" ({r.message})" if r.exit_code is not ExitCode.ok or r.skipped else ""
            out.print(f"{r.request_id}: {r.out_dir / 'release'}{note}", soft_wrap=True)


def run() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(ExitCode.ctrl_c)
    finally:
        stop_workers()


def stop_workers() -> None:
    """Stop the worker processes a command started (detection workers and their fork server, OCR
    workers) and wait until they are gone, before the interpreter exits: nothing of theirs is left
    to its teardown, which can print "Exception ignored in: ..." on the console after the
    command's last line. (Each pool also stops itself at exit; here it happens first, in order.)"""
    pool, scan, server = (sys.modules.get(f"redactkit.{m}") for m in ("detect.pool", "ingest.scan", "forkserver"))
    stops = [lambda: pool.shutdown(wait=True)] if pool is not None else []
    stops += [scan.shutdown] if scan is not None else []
    stops += [server.stop] if server is not None else []     # started early (prestart) for a pool never made
    for stop in stops:
        try:
            stop()
        except Exception:  # noqa: BLE001, S110 - the command is over: its outcome stands, no traceback
            pass


if __name__ == "__main__":
    run()

"""The release job as a Python call: one request folder in, a verified package out.

request -> ingest -> detect -> plan -> apply -> verify -> package: `release` admits the request,
runs every record through redactkit.pipeline (in two passes, so that a value redacted in one
record is redacted in all), packages the release and records the disclosure. `review` runs the
same propose half and writes the plan instead. The CLI and the tests call these; batches go
through `redactkit.batch`. Output is written to a staging folder inside OUT and
moved into place only when complete, so an interrupted run leaves no half-written release/.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import socket
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from functools import lru_cache
from typing import Callable

from . import bates as bates_mod
from . import dedupe as dedupe_mod
from . import detect as detect_mod
from . import exemptions as exemptions_mod
from . import ledger as ledger_mod
from . import review as review_mod
from .detect import Detector
from .detect.names import same_case
from .errors import ExitCode, InvalidRequest, OutputExists, PlanRefused, RedactkitError, UsageError
from .ingest import Unreadable, discover, expand, max_bytes
from .package import cover_sheet, keyed_hash, log_key, manifest, sha256_file, totals, write_json
from .pipeline import (REDACTION_LOG, RecordContext, planned_record, propose_record, release_record, review_record,
                       stamp_ahead)
from .plan import Recipe, SecondLook, admit, consented, roster
from .request import Request, check_out, load_request
from .text import FILE_EXTENSION, ValueIndex, norm, value_pattern
from .types import Finding, Record, RecordOutcome, Redaction

Progress = Callable[[str, int, int], None]   # (label, done, total); labels never carry names
STAGES = ("ingest", "detect", "apply", "verify", "package")


class Stopwatch:
    """Seconds spent per pipeline phase, as each stage's time is charged to its phase."""

    def __init__(self):
        self.seconds = dict.fromkeys(STAGES, 0.0)

    def add(self, phase: str, seconds: float) -> None:
        self.seconds[phase] += seconds

    @contextmanager
    def timing(self, phase: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(phase, time.perf_counter() - start)


@dataclass
class _Result:
    request_dir: Path
    out_dir: Path
    request_id: str = ""
    exit_code: ExitCode = ExitCode.ok
    message: str = ""

    def _head(self) -> dict:
        return {"request": str(self.request_dir), "request_id": self.request_id, "out": str(self.out_dir),
                "exit_code": int(self.exit_code), "status": self.exit_code.name, "message": self.message}


@dataclass
class ReleaseResult(_Result):
    outcomes: list[RecordOutcome] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)   # seconds per stage
    skipped: bool = False             # a batch rerun found it released from unchanged sources
    previous: dict = field(default_factory=dict)   # then: that release's manifest totals

    @property
    def summary(self) -> dict:
        t = self.previous if self.skipped else totals(self.outcomes)
        return {**self._head(), "skipped": self.skipped, "records": t.get("records", 0),
                "released": t.get("released", 0), "withheld": t.get("withheld", 0),
                "needs_attention": t.get("needs_attention", 0), "pages": t.get("pages", 0),
                "pages_withheld": t.get("pages_withheld", 0), "pages_healed": t.get("pages_healed", 0),
                "redactions": sum(t.get("redactions", {}).values()),
                "seconds": {} if self.skipped else {k: round(v, 2) for k, v in self.timings.items()}}


class Job:
    """One request's release (or review): the request, its recipe, the detector with its roster,
    and what the records teach each other (values redacted anywhere, special categories released)."""

    def __init__(self, request: Request, recipe: Recipe, request_dir: Path, staging: Path | None,
                 plan: review_mod.Applier | None = None, clock: Stopwatch | None = None,
                 passwords: tuple[str, ...] = (), limit: int | None = None):
        self.request, self.recipe, self.request_dir, self.plan = request, recipe, request_dir, plan
        self.clock = clock or Stopwatch()
        self.detector = Detector(roster(request))   # the model loads on first use (in-process detection)
        self.consented = consented(request)
        self.acp = any(p.acp for p in request.parties)
        self.second_look = SecondLook(self.detector, recipe, self.consented, self.acp, job=self)
        self.release_dir = staging / "release" if staging else None
        self.internal_dir = staging / "internal" if staging else None
        self.key = log_key()
        self.redacted: dict[str, Finding] = {}   # every value redacted in this request, with a finding
        self.released_special: set[str] = set()
        self.passwords = passwords
        self.limit = max_bytes() if limit is None else limit
        self.shared: dict[str, Finding] = {}     # values redacted anywhere in the request: found everywhere
        self.page_counts: dict[str, int] = {}
        self._shared_index: ValueIndex | None = None
        self.files: list[RecordContext] = []     # the records given a released file's number (file_number)

    def file_number(self, ctx: RecordContext) -> int:
        """The number in the name of the record's released file (<request id>-001.pdf, -002, ...):
        the records released are numbered one after another in release order, as their Bates
        numbers run. A duplicate or a withheld record takes no number; one withheld after it was
        given its number (when verified) gives it back. The records are released one at a time:
        every record numbered before this one has its outcome."""
        self.files = [c for c in self.files if c is not ctx and c.outcome is not None and c.outcome.status == "released"]
        self.files.append(ctx)
        return len(self.files)

    def decide(self, finding: Finding) -> Redaction:
        return self.recipe.decide(finding, self.consented, self.acp)

    def redetect(self, text: str, page: int) -> list[Redaction]:
        """The second look (before release, and by the verifier on the release): see
        plan.SecondLook."""
        return self.second_look(text, page)

    @property
    def redetect_for_verification(self):
        # with a reviewed plan, staff decided what is found: no second detection on the release,
        # but every redaction in the plan is still proven gone
        return self.second_look if self.plan is None else None

    @property
    def spread(self):
        """How the verifier may spread a long record's pages over the worker processes: when they
        are running (they were started for this request's detection), else None (here)."""
        from .detect import pool
        return pool.spread if pool.running() else None

    def _structure_findings(self, rec: Record) -> list[Finding]:
        """rec.values as findings. A name the roster knows (or a word of one: the parts of a header's
        display name) is that party's, decided by its role; anything else is an unknown person's."""
        out: list[Finding] = []
        owner: dict[str, tuple[str, str]] = {}
        for v, entity in sorted((x for x in rec.values if x[0].strip()), key=lambda x: -len(x[0])):
            party, role = None, "unknown"
            if entity == "PERSON":
                whole = [f for f in self.detector.quick(v) if f.party and v[:f.start].strip(" ,;'\"(") == ""
                         and v[f.end:].strip(" ,;'\")") == ""]
                if whole:
                    party, role = whole[0].party, whole[0].role
                    owner.update({w.lower(): (party, role) for w in re.findall(r"[^\W\d_][\w'’-]*", v)})
                elif v.lower() in owner:
                    party, role = owner[v.lower()]
            out.append(Finding(-1, 0, len(v), v, entity, 1.0, "RecordStructure", party, role, found_on="record"))
        return out

    def share(self, contexts) -> None:
        """One value, redacted everywhere: what any record's decisions redact (and the other forms
        of a redacted name) is found in every record of the request."""
        shared: dict[str, Finding] = {}
        for ctx in contexts:
            if ctx.outcome is not None:
                continue
            for found in ctx.findings.values():
                for f in found:
                    if _shareable(f) and self.decide(f).decision == "redact":
                        shared.setdefault(f.text.strip(), f)
        forms = getattr(detect_mod, "name_forms", None)
        if forms is not None:
            for f in self._elsewhere(forms, [f for f in shared.values() if f.entity == "PERSON"]):
                shared.setdefault(f.text.strip(), f)
        self.shared = {t: replace(f, found_on="request") for t, f in shared.items()}
        self._shared_index = None

    def carried(self, rec: Record) -> tuple[ValueIndex, dict[str, Finding]]:
        """The values to find in this record besides its own findings: the request's shared
        values, an e-mail's own text (a render can split or ligature what the text holds whole)
        and its header values."""
        own: dict[str, Finding] = {}
        if rec.source_text:
            for r in self.decide_text(rec.source_text):
                if r.decision == "redact" and _shareable(r.finding):
                    own.setdefault(r.finding.text.strip(), replace(r.finding, found_on="record"))
        for f in self._structure_findings(rec):
            own.setdefault(f.text.strip(), f)
        if not own:
            if self._shared_index is None:
                self._shared_index = ValueIndex(self.shared, self._elsewhere(same_case, self.shared))
            return self._shared_index, self.shared
        known = {**own, **self.shared}
        return ValueIndex(known, self._elsewhere(same_case, known)), known

    def _elsewhere(self, fn, *args):
        """fn(*args), in a detection worker when they run: what fn reads (the name tables,
        Presidio's anonymizer) is loaded there already, and this process need not load it (the
        name tables: about half a second of CPU, taken from the workers while they detect)."""
        return self.spread(fn, [args])()[0] if self.spread is not None else fn(*args)

    def decide_text(self, text: str, page: int = 0) -> list[Redaction]:
        return [self.decide(f) for f in self.detector.detect(text, page)]

    def safe_text(self, text: str) -> str:
        return self.safe_texts([text])[0]

    def safe_texts(self, texts: list[str]) -> list[str]:
        """Labels for the manifest or the console (source paths, the case id) with the people and
        identifiers in them replaced by their reason code: a file name can name a person too. Words
        joined by dots, dashes or underscores are read as words, not as web addresses. Detected
        together (in the detection workers when they run), so a request's labels cost one batch."""
        probes = [re.sub(r"[_+/.\\]", " ", t) for t in texts]      # same length, so offsets still map
        found = self.detector.detect_many([(p, 0) for p in probes], prefer_workers=True)
        known = ValueIndex([t for t in self.redacted if sum(c.isalnum() for c in t) > 2])
        return [self._label(text, probe, findings, known) for text, probe, findings in zip(texts, probes, found)]

    def _label(self, text: str, probe: str, findings: list[Finding], known: ValueIndex) -> str:
        reds = [r for r in map(self.decide, findings) if r.decision == "redact" and r.finding.entity not in
                {"URL", "IP_ADDRESS", "DOMAIN_NAME"}]
        for source in (probe, text):
            for s, e, value in known.finditer(source):
                f = self.redacted[value]
                reds.append(Redaction(replace(f, start=s, end=e, text=text[s:e]), "redact", self.decide(f).reason or
                                      self.recipe.default_reason))
        # a file's extension names its format, never a person ("unicode.msg" where "MSG" was
        # redacted; an attachment's label "letter.msg > scan.tif" has two)
        for ext in reversed(list(FILE_EXTENSION.finditer(text))):
            reds = [r if r.finding.end <= ext.start() or r.finding.start >= ext.end() else
                    replace(r, finding=replace(r.finding, end=ext.start(), text=text[r.finding.start:ext.start()]))
                    for r in reds if not ext.start() <= r.finding.start < ext.end()]
        if not reds:
            return text
        for r in reds:
            self.redacted.setdefault(r.finding.text, r.finding)
        # a long request's workers have Presidio loaded, and this process need not (see redactkit.detect)
        return self._elsewhere(_replaced, text, [(r.reason, r.finding.start, r.finding.end) for r in reds])


def _shareable(f: Finding) -> bool:
    """A finding whose text is a value worth finding elsewhere: not a passage, not a clue
    sentence, not a region, with at least three letters or digits."""
    return (f.start >= 0 and not f.entity.startswith("SPECIAL_") and f.entity not in {"REPORTER_CLUE", "COVERED_TEXT"}
            and sum(c.isalnum() for c in f.text) >= 3)


def _replaced(text: str, spans: list[tuple[str, int, int]]) -> str:
    """`text` with each (code, start, end) span replaced by "[code]", overlapping spans merged
    (Presidio's anonymizer; importing it loads Presidio's analyzer and spaCy)."""
    from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

    results = [RecognizerResult(code, start, end, 1.0) for code, start, end in spans]
    operators = {code: OperatorConfig("replace", {"new_value": f"[{code}]"}) for code, _, _ in spans}
    return _anonymizer().anonymize(text=text, analyzer_results=results, operators=operators).text


@lru_cache(maxsize=1)
def _anonymizer():
    from presidio_anonymizer import AnonymizerEngine
    return AnonymizerEngine()


def _check_out(out_dir: Path, force: bool) -> None:
    if (out_dir / "release").exists() and not force:
        raise OutputExists(f"{out_dir / 'release'} already exists; choose another --out or pass --force to replace it")


@contextmanager
def _reported(result, nothing: str):
    """Turn any failure into the result's exit code and one line; `nothing` says what was not
    written ("nothing was released")."""
    try:
        yield
    except RedactkitError as exc:
        result.exit_code, result.message = exc.exit_code, exc.message
    except KeyboardInterrupt:
        result.exit_code, result.message = ExitCode.ctrl_c, f"interrupted; {nothing}"
        raise
    except Exception as exc:  # a bug: report it in one line, write nothing
        if os.environ.get("REDACTKIT_DEBUG"):
            raise
        result.exit_code = ExitCode.internal_error
        result.message = f"internal error ({type(exc).__name__}); {nothing}. Please report it."


def release(request_dir: Path, out_dir: Path, *, force: bool = False, progress: Progress | None = None,
            as_of: dt.date | None = None, ledger: Path | None | bool = None, plan: Path | None = None,
            reviewer: str | None = None, passwords: tuple[str, ...] = (), max_mb: float | None = None,
            production: dict | None = None) -> ReleaseResult:
    """Release one request folder into OUT/release and OUT/internal. With `plan` (a reviewed
    internal/plan.json) apply exactly its decisions instead of detecting. `ledger=False`: a trial
    release (redactkit check) that records no disclosure. `production`: Bates settings over
    request.yaml's (prefix, start, digits, page_labels, legend). Never raises for bad input: the
    result carries the exit code and the one-line message."""
    result = ReleaseResult(request_dir, out_dir)
    staging = None
    clock = Stopwatch()
    try:
        with _reported(result, "nothing was released"):
            with clock.timing("ingest"):
                check_out(request_dir, out_dir)
                request, recipe, sources, records, limit = _admitted(request_dir, as_of, max_mb)
                result.request_id = request.request_id
                _check_out(out_dir, force)
                reviewed = _reviewed(plan, reviewer, request_dir, request, recipe, sources, records)
                staging = _staging(out_dir)
            job = Job(request, recipe, request_dir, staging, reviewed.applier if reviewed else None, clock,
                      tuple(passwords), limit)
            bates_mod.configure(job, production)
            result.outcomes = _records(job, records, progress)
            with clock.timing("package"):
                review_note = reviewed.note(job) if reviewed else {"reviewed": False}
                m = _package(job, result.outcomes, sources, review_note)
                _account(ledger, job, m, review_note)
                _commit(staging, out_dir, force)
                staging = None
            result.timings = clock.seconds
            result.exit_code, result.message = _verdict(result.outcomes)
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return result


def _admitted(request_dir: Path, as_of, max_mb):
    """The request, its recipe (or Refused), and its records."""
    request = load_request(request_dir)
    recipe = admit(request, as_of)
    sources = discover(request_dir)
    limit = max_bytes(max_mb)
    return request, recipe, sources, expand(sources, limit), limit


def _records(job: Job, records: list[Record], progress: Progress | None) -> list[RecordOutcome]:
    """Every record through the pipeline: first each is read and detected (or placed by the
    reviewed plan), then what any record redacts is shared with all, then each is decided,
    redacted, verified, healed and remembered."""
    contexts = [RecordContext(job, rec, i) for i, rec in enumerate(records, 1)]
    steps = 2 * len(contexts)
    for i, ctx in enumerate(contexts):
        _tick(progress, f"reading record {i + 1} of {len(contexts)}", i, steps)
        if job.plan is not None:
            planned_record(ctx)
        else:
            propose_record(ctx, stamp_ahead)    # stamps drawn while the workers detect
    dedupe_mod.same_text(contexts)
    if job.plan is None:
        job.share(contexts)
    outcomes = []
    for i, ctx in enumerate(contexts):
        _tick(progress, f"redacting record {i + 1} of {len(contexts)}", len(contexts) + i, steps)
        outcomes.append(release_record(ctx))
    _tick(progress, "", steps, steps)
    if job.plan is not None:
        job.plan.check_texts()
    return bates_mod.finish(job, dedupe_mod.resolve(outcomes))


def _tick(progress: Progress | None, label: str, done: int, total: int) -> None:
    if progress:
        progress(label, done, total)


def _staging(out_dir: Path) -> Path:
    """A fresh staging folder inside OUT (what a killed run left is cleared first)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear_stale_staging(out_dir)
    staging = out_dir / f".redactkit-staging-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    (staging / "release").mkdir(parents=True)
    (staging / "internal").mkdir(parents=True)
    return staging


@dataclass
class _Reviewed:
    """A reviewed plan given to release: checked against the request, applied by `applier`."""

    path: Path
    data: bytes
    plan: object
    applier: review_mod.Applier
    reviewer: str

    def note(self, job: Job) -> dict:
        (job.internal_dir / "applied_plan.json").write_bytes(self.data)
        return {"reviewed": True, "reviewer": self.reviewer, "plan_sha256": hashlib.sha256(self.data).hexdigest(),
                "plan_created_at": getattr(self.plan, "created_at", None), "proposed": self.plan.proposed,
                "overridden": review_mod.overrides(self.plan)}


def _reviewed(plan: Path | None, reviewer: str | None, request_dir: Path, request: Request, recipe: Recipe,
              sources: list[Record], records: list[Record]) -> _Reviewed | None:
    if plan is None:
        return None
    if not (reviewer or "").strip():
        raise UsageError("--reviewer NAME is required with --plan: the manifest records who reviewed")
    try:
        data = plan.read_bytes()
    except OSError:
        raise PlanRefused(f"{plan}: cannot be read; make a plan with: redactkit review REQUEST --out OUT") from None
    reviewed = review_mod.load(plan, data)
    review_mod.check_current(reviewed, plan, request_dir, request, recipe, sources)
    return _Reviewed(plan, data, reviewed, review_mod.Applier(reviewed, plan, recipe, [r.relpath for r in records]),
                     reviewer.strip())


def _package(job: Job, outcomes: list[RecordOutcome], sources: list[Record], review_note: dict) -> dict:
    """manifest.json, manifest.pdf, the internal redaction log and sources.json, in staging."""
    request, recipe = job.request, job.recipe
    paths = [o.record.relpath for o in outcomes]
    paths += sorted({o.duplicate_of for o in outcomes if o.duplicate_of} - set(paths))
    labels = job.safe_texts(paths + ([request.case.id] if request.case.id else []))
    names = dict(zip(paths, labels))
    case_id = labels[-1] if request.case.id else None
    rows = exemptions_mod.rows(job, outcomes, names)
    log = exemptions_mod.write(job.release_dir, request.request_id, rows, recipe.reasons, job.spread)
    # the log is read back while the manifest is written; nothing goes out unless its check passes
    reading = exemptions_mod.read_back(job.release_dir, job.spread)
    log["sha256"] = {n: sha256_file(job.release_dir / n) for n in (log["pdf"], log["csv"])}
    m = manifest(request, recipe, outcomes, names, case_id,
                 {e: recipe.special_notices[e] for e in sorted(job.released_special) if e in recipe.special_notices},
                 review=_public_review(job, review_note), production=bates_mod.summary(job, outcomes),
                 exemption_log=log)
    _verify_manifest(job, m)
    write_json(m, job.release_dir / "manifest.json")
    cover_sheet(m, job.release_dir / "manifest.pdf")
    (job.internal_dir / REDACTION_LOG).touch()     # written record by record (pipeline.remember)
    # what a rerun of a batch compares to skip this request when nothing changed
    write_json({"request_id": request.request_id, "recipe": recipe.name, "recipe_sha256": recipe.sha256,
                "request_sha256": sha256_file(job.request_dir / "request.yaml"),
                "sources": {r.relpath: r.sha256 for r in sources},
                "records": {o.record.relpath: o.record.sha256 for o in outcomes},
                "exit_code": int(_verdict(outcomes)[0]),
                "requester_hmac": keyed_hash(job.key, request.requester.name), "review": review_note},
               job.internal_dir / "sources.json")
    wrong = exemptions_mod.check(job.release_dir, rows, recipe.reasons, request.request_id,
                                 lambda text: _carries_redacted(job, text), reading())
    if wrong:
        raise RedactkitError(f"internal error: {wrong}; nothing was released")
    return m


def _account(ledger: Path | None, job: Job, m: dict, review_note: dict) -> None:
    """The accounting of disclosures: written before the release is moved into place."""
    check = ledger_mod.verify(ledger)
    if check.problems:
        raise ledger_mod.LedgerBroken(f"the accounting ledger fails verification ({check.problems[0]}); "
                                      "nothing was released. Run: redactkit accounting --verify")
    ledger_mod.append(ledger_mod.disclosure_entry(job.request, job.recipe, m,
                                                  sha256_file(job.release_dir / "manifest.json"), review_note), ledger)


def _verdict(outcomes: list[RecordOutcome]) -> tuple[ExitCode, str]:
    records = sum(o.status == "withheld" and o.needs_attention for o in outcomes)
    pages = sum(len(o.withheld_pages) for o in outcomes if o.status == "released")
    if not records and not pages:
        return ExitCode.ok, "released"
    parts = ([f"{records} record(s)"] if records else []) + ([f"{pages} page(s)"] if pages else [])
    return ExitCode.needs_attention, f"{' and '.join(parts)} withheld and need attention; see release/manifest.json"


def _clear_stale_staging(out_dir: Path) -> None:
    """Remove what a killed run on this machine left: staging folders whose process is gone."""
    host = socket.gethostname()
    for d in out_dir.glob(f".redactkit-staging-{host}-*-*"):
        pid = d.name[len(f".redactkit-staging-{host}-"):].rsplit("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


def _public_review(job: Job, note: dict) -> dict:
    """The review as the manifest tells it: the reviewer's name stays out if it is a name these
    records redact (staff can be a third party in a case); internal/sources.json keeps it."""
    if note.get("reviewed") and _carries_redacted(job, note["reviewer"]):
        return {**note, "reviewer": "(recorded internally: the name is redacted in these records)"}
    return note


def _verify_manifest(job: Job, m: dict) -> None:
    """The manifest's fields that come from the records (source labels, reasons, the case id)
    must carry no redacted value. The rest is the recipe's fixed wording and the requester."""
    derived = [m["request"]["case_id"] or ""]
    for r in m["records"]:
        derived += [FILE_EXTENSION.sub("", r["source"]), r.get("reason", ""),
                    FILE_EXTENSION.sub("", r.get("duplicate_of", {}).get("source", ""))]
    if _carries_redacted(job, "\n".join(derived)):
        raise RedactkitError("internal error: the manifest would carry a redacted value; nothing was released")
    # the Bates prefix and legend are printed on every page: a name or number redacted in the
    # request must not be in them (one word alone, "Page" or "Bates", is the wording, not a surname)
    stamp = "\n".join((m.get("production") or {}).get(k) or "" for k in ("prefix", "legend"))
    if _carries_redacted(job, stamp, whole=True):
        raise InvalidRequest("the Bates prefix or legend (request.yaml production:, --bates-prefix, --legend) "
                             "carries a name or number redacted in these records; nothing was released")


def _carries_redacted(job: Job, text: str, whole: bool = False) -> bool:
    """Whether a value redacted in this request can be read in `text`. `whole`: only values of
    more than one word or with a digit (a full name, a number), not a single word."""
    text = norm(text)
    # a value can stand in the text only if each of its words does: a cheap test before the
    # pattern, made on the text's distinct words (a word holds no space, so it is in the text
    # exactly when it is in one of them: a long, repetitive log is tested once per word)
    probe = " ".join(set(text.split()))
    return any(all(w in probe for w in norm(v).split()) and value_pattern(v).search(text)
               for v in job.redacted if len(v.strip()) > 2
               and (not whole or len(v.split()) > 1 or any(c.isdigit() for c in v)))


def _commit(staging: Path, out_dir: Path, force: bool) -> None:
    """Move the finished package into place; release/ appears last, as the commit point.
    internal/ is merged file by file: it may hold the review (plan.json, review.pdf) this
    release was made from."""
    _check_out(out_dir, force)    # again: another run may have committed meanwhile
    target = out_dir / "internal"
    target.mkdir(exist_ok=True)
    for f in (staging / "internal").iterdir():
        os.replace(f, target / f.name)
    (staging / "internal").rmdir()
    target = out_dir / "release"
    if target.exists():
        trash = out_dir / f".redactkit-old-release-{uuid.uuid4().hex[:8]}"
        target.rename(trash)
        shutil.rmtree(trash, ignore_errors=True)
    (staging / "release").rename(target)
    staging.rmdir()


@dataclass
class ReviewResult(_Result):
    records: list[dict] = field(default_factory=list)   # document, status, pages, redact {code: n}, keep
    plan_path: Path | None = None
    pdf_path: Path | None = None

    @property
    def summary(self) -> dict:
        return {**self._head(), "plan": str(self.plan_path) if self.plan_path else None,
                "review_pdf": str(self.pdf_path) if self.pdf_path else None,
                "records": self.records,
                "proposed_redactions": sum(sum(r["redact"].values()) for r in self.records),
                "kept_findings": sum(r["keep"] for r in self.records)}


def review(request_dir: Path, out_dir: Path, *, force: bool = False, progress: Progress | None = None,
           as_of: dt.date | None = None, passwords: tuple[str, ...] = (), max_mb: float | None = None) -> ReviewResult:
    """Propose without applying: OUT/internal/plan.json and OUT/internal/review.pdf, from the same
    propose half of the pipeline that release runs. Nothing is released and nothing goes to the
    ledger. Never raises for bad input."""
    result = ReviewResult(request_dir, out_dir)
    with _reported(result, "no plan was written"):
        check_out(request_dir, out_dir)
        request, recipe, sources, records, limit = _admitted(request_dir, as_of, max_mb)
        result.request_id = request.request_id
        internal = out_dir / "internal"
        plan_path, pdf_path = internal / "plan.json", internal / "review.pdf"
        for p in (plan_path, pdf_path):
            if p.exists() and not force:
                raise OutputExists(f"{p} already exists; choose another --out or pass --force to replace it")
        job = Job(request, recipe, request_dir, None, passwords=tuple(passwords), limit=limit)
        contexts = [RecordContext(job, rec, i) for i, rec in enumerate(records, 1)]
        for i, ctx in enumerate(contexts):
            _tick(progress, f"reading record {i + 1} of {len(contexts)}", i, 2 * len(contexts))
            propose_record(ctx)
        job.share(contexts)
        builder = review_mod.Builder(request, recipe, request_dir, sources)
        book = _ReviewBook(review_mod.colours(recipe))
        for i, ctx in enumerate(contexts):
            _tick(progress, f"reviewing record {i + 1} of {len(contexts)}", len(contexts) + i, 2 * len(contexts))
            review_record(ctx)
            result.records.append(_review_row(ctx, builder, book))
            ctx.close()
        _tick(progress, "", 2 * len(contexts), 2 * len(contexts))
        internal.mkdir(parents=True, exist_ok=True)
        book.save(review_mod.summary_pdf(builder.raw, recipe, book.palette, result.records), pdf_path)
        review_mod.save(builder.raw, plan_path)
        result.plan_path, result.pdf_path = plan_path, pdf_path
        attention = sum(bool(r.get("needs_attention")) for r in result.records)
        if attention:
            result.exit_code = ExitCode.needs_attention
            result.message = f"plan written; {attention} record(s) cannot be read and will be withheld"
        else:
            result.message = "plan written"
    return result


class _ReviewBook:
    """review.pdf: every reviewed record's pages with the proposals drawn on them."""

    def __init__(self, palette: dict):
        import pymupdf
        self.palette, self.doc, self.toc = palette, pymupdf.open(), []

    def add(self, ctx: RecordContext, entries: list[dict]) -> None:
        review_mod.mark(ctx.doc, entries, self.palette)
        self.toc.append([1, f"{ctx.index:03d} {ctx.record.relpath}", self.doc.page_count + 1])   # internal file
        self.doc.insert_pdf(ctx.doc)

    def save(self, front, dest: Path) -> None:
        self.doc.insert_pdf(front, start_at=0)
        self.doc.set_toc([[1, "Summary", 1]] + [[lvl, title, page + front.page_count] for lvl, title, page in self.toc])
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
        self.doc.save(tmp, garbage=3, deflate=True)
        self.doc.close()
        os.replace(tmp, dest)


def _review_row(ctx: RecordContext, builder: review_mod.Builder, book: _ReviewBook) -> dict:
    """One record's proposals into the plan and review.pdf; its row of the review's table."""
    rec = ctx.record
    row = {"document": rec.relpath, "label": ctx.job.safe_text(rec.relpath), "status": "proposed", "pages": 0,
           "redact": {}, "keep": 0}
    if ctx.outcome is None:
        try:
            pages = [ctx.full_page(n) for n in sorted(ctx.pages)]
            entries = builder.add(rec, pages, ctx.page_count, ctx.redactions, ctx.regions)
            for n, wp in sorted(ctx.withheld.items()):
                builder.withheld(rec, wp.reason, page=n)
            book.add(ctx, entries)
        except Unreadable as exc:
            ctx.withhold(str(exc))
        except Exception as exc:  # a MuPDF failure on a hostile file
            ctx.withhold(f"could not be read for review ({type(exc).__name__})")
        else:
            row["pages"] = ctx.page_count
            for e in entries:
                if e["decision"] == "redact":
                    row["redact"][e["reason"]] = row["redact"].get(e["reason"], 0) + 1
                else:
                    row["keep"] += 1
            if ctx.withheld:
                row.update(withheld_pages=len(ctx.withheld), needs_attention=True)
            return row
    builder.withheld(rec, ctx.outcome.reason)
    row.update(status="withheld", reason=ctx.outcome.reason, needs_attention=ctx.outcome.needs_attention)
    return row

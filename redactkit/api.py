"""The release job as a Python call: one request folder in, a verified package out.

request -> ingest -> detect -> plan -> apply -> verify -> package. The CLI and the tests call
`release`; batches go through `redactkit.batch`. Output is written to a staging folder inside OUT and
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

from presidio_anonymizer.entities import OperatorConfig, RecognizerResult

from . import ledger as ledger_mod
from . import review as review_mod
from .apply import RedactionBox, boxes_for, face_boxes, redact_page, sanitise, save
from .detect import Detector
from .errors import ExitCode, OutputExists, PlanRefused, RedactkitError, UsageError
from .ingest import Unreadable, discover, expand, max_bytes, too_large, unsupported_reason
from .ingest.pdf import open_record, read_pages
from .package import cover_sheet, keyed_hash, log_entry, log_key, manifest, sha256_file, write_json
from .plan import Recipe, admit, consented, in_scope, roster
from .request import Request, load_request
from .types import Finding, PageText, Record, RecordOutcome, Redaction
from .verify import VerificationFailed, norm, value_pattern, verify_pdf

Progress = Callable[[str, int, int], None]   # (record relpath, done, total)
STAGES = ("ingest", "detect", "apply", "verify", "package")
PAGE_CHUNK = 32    # pages read, detected and redacted together


def slim(page: PageText) -> PageText:
    """A page's text without its per-character boxes: what verification needs, at a tenth of the memory."""
    return replace(page, boxes=[], lines=[], baselines=[], sizes=[])


class Stopwatch:
    """Seconds spent per pipeline stage: each lap charges the time since the last one."""

    def __init__(self):
        self.seconds = dict.fromkeys(STAGES, 0.0)
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] += now - self._last
        self._last = now


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
        if self.skipped:
            t = self.previous
            return {**self._head(), "skipped": True, "records": t.get("records", 0), "released": t.get("released", 0),
                    "withheld": t.get("withheld", 0), "needs_attention": t.get("needs_attention", 0),
                    "pages": t.get("pages", 0), "redactions": sum(t.get("redactions", {}).values()), "seconds": {}}
        released = [o for o in self.outcomes if o.status == "released"]
        return {**self._head(), "skipped": False, "records": len(self.outcomes), "released": len(released),
                "withheld": len(self.outcomes) - len(released),
                "needs_attention": sum(o.needs_attention for o in self.outcomes),
                "pages": sum(o.pages for o in released),
                "redactions": sum(sum(o.redaction_counts.values()) for o in released),
                "seconds": {k: round(v, 2) for k, v in self.timings.items()}}


def _dedupe(reds: list[Redaction]) -> list[Redaction]:
    """Redactions to count: those not inside another redaction's span."""
    counted, reach = [], -1
    for r in sorted((r for r in reds if r.decision == "redact"), key=lambda r: (r.finding.start, -r.finding.end)):
        if r.finding.start < 0:     # a region (a face, a staff region): each counts
            counted.append(r)
            continue
        if r.finding.end <= reach:
            continue
        counted.append(r)
        reach = max(reach, r.finding.end)
    return counted


class _Job:
    """One request's release, with its shared detector, recipe and key."""

    def __init__(self, request: Request, recipe: Recipe, request_dir: Path, staging: Path,
                 plan: review_mod.Applier | None = None, clock: Stopwatch | None = None,
                 passwords: tuple[str, ...] = (), limit: int | None = None):
        self.request, self.recipe, self.request_dir, self.plan = request, recipe, request_dir, plan
        self.clock = clock or Stopwatch()
        self.detector = Detector(roster(request))   # the first request of a process loads the model here
        self.clock.lap("detect")
        self.release_dir = staging / "release"
        self.internal_dir = staging / "internal"
        self.key = log_key()
        self.log: list[dict] = []
        self.redacted: dict[str, Finding] = {}   # every value redacted in this request, with a finding
        self.released_special: set[str] = set()
        self.consented = consented(request)
        self._carry: tuple[str | None, list[Finding]] = (None, [])
        self.passwords = passwords
        self.limit = max_bytes() if limit is None else limit
        self.acp = any(p.acp for p in request.parties)

    def _decide(self, finding) -> Redaction:
        return self.recipe.decide(finding, self.consented, self.acp)

    def decide(self, text: str, page: int = 0) -> list[Redaction]:
        return [self._decide(f) for f in self.detector.detect(text, page)]

    def redetect(self, text: str, page: int) -> list[Redaction]:
        """The verifier's second look at a released page. Reason codes are masked (they are not
        names). Special-category passages are left out: whose a passage is depends on the names in
        it, and those may have been redacted, so the same kept sentence could be judged again as
        naming nobody; the value checks still cover every passage that was redacted."""
        codes = "|".join(re.escape(c) for c in self.recipe.reasons)
        masked = re.sub(rf"\b(?:{codes})\b", lambda m: " " * len(m.group(0)), text)
        return [d for d in map(self._decide, self.detector.quick(masked, page))
                if d.decision == "redact" and not d.finding.entity.startswith("SPECIAL_")]

    def screen(self, rec: Record) -> RecordOutcome | None:
        """A withheld outcome for a record that policy or its kind keeps out, else None."""
        if not in_scope(self.request, rec.info_category):
            named = ", ".join(self.request.consent.information) if self.request.consent else ""
            return RecordOutcome(rec, "withheld", f"outside the consent: the release names {named}, "
                                 f"not '{rec.info_category}'")
        reason = too_large(rec, self.limit) or unsupported_reason(rec)
        if reason:
            return RecordOutcome(rec, "withheld", reason, needs_attention=True)
        return None

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
            out.append(Finding(-1, 0, len(v), v, entity, 1.0, "RecordStructure", party, role))
        return out

    def propose(self, rec: Record, doc, pages: list[PageText],
                found: list[list[Finding]] | None = None) -> tuple[dict[int, list[Redaction]], list[RedactionBox]]:
        """Detection (unless `found` already holds it, per page) and the recipe's decisions, per
        page; and the boxes over faces (regions)."""
        # an e-mail render: what detection finds in the message's own text is redacted wherever
        # it stands in the render too (a render can split or ligature what the text holds whole)
        if self._carry[0] != rec.relpath:     # once per record, though its pages come in chunks
            known = [r.finding for r in self.decide(rec.source_text) if r.decision == "redact"] \
                if rec.source_text else []
            # values known from the record's structure (e-mail headers) stand for themselves
            known += self._structure_findings(rec)
            self._carry = (rec.relpath, known)
        carry = self._carry[1]
        by_page: dict[int, list[Redaction]] = {}
        regions: list[RedactionBox] = []
        if found is None:
            found = self.detector.detect_many([(pt.text, pt.number) for pt in pages])
        for pt, findings in zip(pages, found):
            reds = [self._decide(f) for f in findings]
            reds += [self._decide(f) for f in self.detector.find_values(pt.text, pt.number, carry)]
            # what the source hid under its own opaque rectangles is redacted for real, whatever the recipe
            reds += [Redaction(Finding(pt.number, s, e, pt.text[s:e], "COVERED_TEXT", 1.0, "SourceCover"),
                               "redact", self.recipe.default_reason) for s, e in pt.covered]
            if self.recipe.redact_faces and pt.ocr:
                faces = face_boxes(doc[pt.number], pt.number, self.recipe.default_reason)
                regions += faces
                reds += [b.redaction for b in faces]
            by_page[pt.number] = reds
        return by_page, regions

    def record(self, rec: Record, index: int) -> RecordOutcome:
        withheld = self.screen(rec)
        if withheld:
            return withheld
        try:
            doc = open_record(rec, self.passwords)
        except Unreadable as exc:
            return RecordOutcome(rec, "withheld", str(exc), needs_attention=True)
        out_name = f"{self.request.request_id}-{index:03d}.pdf"
        dest = self.release_dir / out_name
        try:
            if self.plan is not None:
                # a reviewed plan is checked against every page's text before anything is applied
                pages = read_pages(doc)
                self.clock.lap("ingest")
                try:
                    by_page, regions = self.plan.redactions(rec, pages)
                except ValueError as exc:
                    return RecordOutcome(rec, "withheld", str(exc), needs_attention=True)
                self.clock.lap("detect")
                all_boxes = self._apply(doc, pages, by_page, regions)
            else:
                # page by page in chunks: read, detect, redact, then keep only the text, so that
                # memory does not grow with every page's character boxes. The next chunk is read
                # and sent to the detection workers before this one is redacted, so both overlap.
                pages, by_page, all_boxes = [], {}, []
                chunks = [range(s, min(s + PAGE_CHUNK, doc.page_count)) for s in range(0, doc.page_count, PAGE_CHUNK)]
                part, pending = self._start(doc, chunks[0]) if chunks else ([], None)
                for k in range(len(chunks)):
                    following = self._start(doc, chunks[k + 1]) if k + 1 < len(chunks) else ([], None)
                    reds, regions = self.propose(rec, doc, part, pending())
                    self.clock.lap("detect")
                    all_boxes += self._apply(doc, part, reds, regions)
                    by_page.update(reds)
                    pages += [slim(p) for p in part]
                    part, pending = following
            sanitise(doc)
            save(doc, dest)
            self.clock.lap("apply")
        except Unreadable as exc:
            return RecordOutcome(rec, "withheld", str(exc), needs_attention=True)
        except RedactkitError:
            raise          # a plan that does not fit: the whole release is refused
        except Exception as exc:  # a MuPDF failure on a hostile file: withhold, never pass through
            dest.unlink(missing_ok=True)
            return RecordOutcome(rec, "withheld", f"could not be redacted safely ({type(exc).__name__})",
                                 needs_attention=True)
        finally:
            doc.close()
        try:
            # with a reviewed plan, staff decided what is found: no second detection, but every
            # redaction in the plan is still proven gone
            verify_pdf(dest, {p.number: p.text for p in pages}, by_page, all_boxes,
                       redetect=self.redetect if self.plan is None else None,
                       ocr_pages={p.number for p in pages if p.ocr})
        except VerificationFailed as exc:
            dest.unlink(missing_ok=True)
            return RecordOutcome(rec, "withheld", str(exc), needs_attention=True)
        finally:
            self.clock.lap("verify")
        outcome = RecordOutcome(rec, "released", output_name=out_name, output_sha256=sha256_file(dest),
                                pages=len(pages), redaction_counts=self._remember(rec, by_page, all_boxes))
        self.clock.lap("package")
        return outcome

    def _start(self, doc, numbers: range):
        """Read these pages and start their detection; returns (pages, a call that waits for it)."""
        part = read_pages(doc, numbers)
        self.clock.lap("ingest")
        return part, self.detector.start_many([(pt.text, pt.number) for pt in part])

    def _apply(self, doc, pages: list[PageText], by_page: dict[int, list[Redaction]],
               regions: list[RedactionBox]) -> list[RedactionBox]:
        """Redact these pages; returns the boxes (for verification)."""
        out: list[RedactionBox] = []
        for pt in pages:
            boxes = boxes_for(pt, by_page.get(pt.number, [])) + [b for b in regions if b.page == pt.number]
            out.extend(boxes)
            # a research release blanks photographs; on a scan the page is the image, so only
            # the words found in it are blanked
            redact_page(doc[pt.number], boxes, blank_images=self.recipe.blank_images and not pt.ocr)
        self.clock.lap("apply")
        return out

    def _remember(self, rec: Record, by_page: dict[int, list[Redaction]], boxes: list[RedactionBox]) -> dict[str, int]:
        """After a record is released: log its decisions, note what was redacted (for the labels and
        the manifest check) and which special categories went out (for their notices); return the
        redaction counts by reason."""
        counts: dict[str, int] = {}
        boxes_of: dict[int, list] = {}
        for b in boxes:
            for r in b.covers:
                boxes_of.setdefault(id(r), []).append(b.rect)
        for reds in by_page.values():
            for r in _dedupe(reds):
                counts[r.reason] = counts.get(r.reason, 0) + 1
            for r in reds:
                if r.decision == "redact":
                    self.redacted.setdefault(r.finding.text, r.finding)
                elif r.finding.entity.startswith("SPECIAL_"):
                    self.released_special.add(r.finding.entity)
                for box in boxes_of.get(id(r), [None]):
                    self.log.append(log_entry(self.key, rec.relpath, r, box))
        return counts

    def safe_text(self, text: str) -> str:
        """A label for the manifest (a source path, the case id) with its identifiers replaced by
        their reason code: a file name can name a person too."""
        # same length, so offsets still map: separators become spaces, the file extension is
        # blanked (else "minutes.docx" reads as the domain "minutes.do")
        probe = re.sub(r"[_+]", " ", text)
        probe = re.sub(r"\.[A-Za-z0-9]{1,5}$", lambda m: " " * len(m.group(0)), probe)
        reds = [r for r in self.decide(probe) if r.decision == "redact"]
        # and whatever was redacted in the records, wherever it stands in the label
        low = probe.lower()   # (a value can stand in the label only if each of its words does)
        known = [f for t, f in self.redacted.items() if len(t.strip()) > 2 and all(w.lower() in low for w in t.split())]
        reds += [d for d in map(self._decide, self.detector.find_values(probe, 0, known)) if d.decision == "redact"]
        if not reds:
            return text
        for r in reds:
            self.redacted.setdefault(r.finding.text, r.finding)
        results = [RecognizerResult(r.reason, r.finding.start, r.finding.end, 1.0) for r in reds]
        operators = {r.reason: OperatorConfig("replace", {"new_value": f"[{r.reason}]"}) for r in reds}
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
        result.exit_code = ExitCode.internal_error
        result.message = f"internal error ({type(exc).__name__}); {nothing}. Please report it."


def release(request_dir: Path, out_dir: Path, *, force: bool = False, progress: Progress | None = None,
            as_of: dt.date | None = None, ledger: Path | None = None, plan: Path | None = None,
            reviewer: str | None = None, passwords: tuple[str, ...] = (), max_mb: float | None = None) -> ReleaseResult:
    """Release one request folder into OUT/release and OUT/internal. With `plan` (a reviewed
    internal/plan.json) apply exactly its decisions instead of detecting. Never raises for bad
    input: the result carries the exit code and the one-line message."""
    result = ReleaseResult(request_dir, out_dir)
    staging = None
    clock = Stopwatch()
    try:
        with _reported(result, "nothing was released"):
            request = load_request(request_dir)
            result.request_id = request.request_id
            recipe = admit(request, as_of)
            _check_out(out_dir, force)
            sources = discover(request_dir)
            limit = max_bytes(max_mb)
            records = expand(sources, limit)
            clock.lap("ingest")
            applier, plan_bytes = None, b""
            if plan is not None:
                if not (reviewer or "").strip():
                    raise UsageError("--reviewer NAME is required with --plan: the manifest records who reviewed")
                try:
                    plan_bytes = plan.read_bytes()
                except OSError:
                    raise PlanRefused(f"{plan}: cannot be read; make a plan with: redactkit review REQUEST --out OUT") from None
                reviewed = review_mod.load(plan, plan_bytes)
                review_mod.check_current(reviewed, plan, request_dir, request, recipe, sources)
                applier = review_mod.Applier(reviewed, plan, recipe, [r.relpath for r in records])
            out_dir.mkdir(parents=True, exist_ok=True)
            _clear_stale_staging(out_dir)
            staging = out_dir / f".redactkit-staging-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            job = _Job(request, recipe, request_dir, staging, applier, clock, tuple(passwords), limit)
            job.release_dir.mkdir(parents=True)
            job.internal_dir.mkdir(parents=True)
            for i, rec in enumerate(records, 1):
                if progress:
                    progress(rec.relpath, i - 1, len(records))
                result.outcomes.append(job.record(rec, i))
            if progress:
                progress("", len(records), len(records))
            review_note = {"reviewed": False}
            if applier is not None:
                applier.check_texts()
                review_note = {"reviewed": True, "reviewer": reviewer.strip(),
                               "plan_sha256": hashlib.sha256(plan_bytes).hexdigest(),
                               "plan_created_at": getattr(reviewed, "created_at", None),
                               "proposed": reviewed.proposed, "overridden": review_mod.overrides(reviewed)}
                (job.internal_dir / "applied_plan.json").write_bytes(plan_bytes)
            names = {o.record.relpath: job.safe_text(o.record.relpath) for o in result.outcomes}
            case_id = job.safe_text(request.case.id) if request.case.id else None
            m = manifest(request, recipe, result.outcomes, names, case_id,
                         {e: recipe.special_notices[e] for e in sorted(job.released_special) if e in recipe.special_notices},
                         review=_public_review(job, review_note))
            _verify_manifest(job, m)
            write_json(m, job.release_dir / "manifest.json")
            cover_sheet(m, job.release_dir / "manifest.pdf")
            with (job.internal_dir / "redaction_log.jsonl").open("w", encoding="utf-8") as fh:
                for entry in job.log:
                    fh.write(json.dumps(entry) + "\n")
            attention = sum(o.needs_attention for o in result.outcomes)
            # what a rerun of a batch compares to skip this request when nothing changed
            write_json({"request_id": request.request_id, "recipe": recipe.name, "recipe_sha256": recipe.sha256,
                        "request_sha256": sha256_file(request_dir / "request.yaml"),
                        "sources": {r.relpath: r.sha256 for r in sources},
                        "records": {o.record.relpath: o.record.sha256 for o in result.outcomes},
                        "exit_code": int(ExitCode.needs_attention if attention else ExitCode.ok),
                        "requester_hmac": keyed_hash(job.key, request.requester.name), "review": review_note},
                       job.internal_dir / "sources.json")
            check = ledger_mod.verify(ledger)
            if check.problems:
                raise ledger_mod.LedgerBroken(f"the accounting ledger fails verification ({check.problems[0]}); "
                                              "nothing was released. Run: redactkit accounting --verify")
            ledger_mod.append(ledger_mod.disclosure_entry(request, recipe, m, sha256_file(job.release_dir / "manifest.json"),
                                                          review_note), ledger)
            _commit(staging, out_dir, force)
            staging = None
            job.clock.lap("package")
            result.timings = job.clock.seconds
            if attention:
                result.exit_code = ExitCode.needs_attention
                result.message = f"{attention} record(s) withheld and need attention; see release/manifest.json"
            else:
                result.message = "released"
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return result


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


def _public_review(job: _Job, note: dict) -> dict:
    """The review as the manifest tells it: the reviewer's name stays out if it is a name these
    records redact (staff can be a third party in a case); internal/sources.json keeps it."""
    if note.get("reviewed") and _carries_redacted(job, note["reviewer"]):
        return {**note, "reviewer": "(recorded internally: the name is redacted in these records)"}
    return note


def _verify_manifest(job: _Job, m: dict) -> None:
    """The manifest's fields that come from the records (source labels, reasons, the case id)
    must carry no redacted value. The rest is the recipe's fixed wording and the requester."""
    derived = [m["request"]["case_id"] or ""]
    for r in m["records"]:
        derived += [r["source"], r.get("reason", "")]
    if _carries_redacted(job, "\n".join(derived)):
        raise RedactkitError("internal error: the manifest would carry a redacted value; nothing was released")


def _carries_redacted(job: _Job, text: str) -> bool:
    """Whether a value redacted in this request can be read in `text`."""
    text = norm(text)
    # a value can stand in the text only if each of its words does: a cheap test before the pattern
    return any(all(w in text for w in norm(v).split()) and value_pattern(v).search(text)
               for v in job.redacted if len(v.strip()) > 2)


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
    """Propose without applying: OUT/internal/plan.json and OUT/internal/review.pdf. Nothing is
    released and nothing goes to the ledger. Never raises for bad input."""
    import pymupdf

    result = ReviewResult(request_dir, out_dir)
    with _reported(result, "no plan was written"):
        request = load_request(request_dir)
        result.request_id = request.request_id
        recipe = admit(request, as_of)
        internal = out_dir / "internal"
        plan_path, pdf_path = internal / "plan.json", internal / "review.pdf"
        for p in (plan_path, pdf_path):
            if p.exists() and not force:
                raise OutputExists(f"{p} already exists; choose another --out or pass --force to replace it")
        limit = max_bytes(max_mb)
        job = _Job(request, recipe, request_dir, out_dir / ".unused", passwords=tuple(passwords), limit=limit)
        sources = discover(request_dir)
        records = expand(sources, limit)
        builder = review_mod.Builder(request, recipe, request_dir, sources)
        palette = review_mod.colours(recipe)
        book, toc = pymupdf.open(), []
        for i, rec in enumerate(records, 1):
            if progress:
                progress(rec.relpath, i - 1, len(records))
            row = {"document": rec.relpath, "status": "proposed", "pages": 0, "redact": {}, "keep": 0}
            result.records.append(row)
            withheld = job.screen(rec)
            doc = None
            try:
                if withheld is None:
                    doc = open_record(rec, job.passwords)
                    pages = read_pages(doc)
                    by_page, regions = job.propose(rec, doc, pages)
                    entries = builder.add(rec, pages, by_page, regions)
                    review_mod.mark(doc, pages, entries, palette)
                    toc.append([1, f"{i:03d} {rec.relpath}", book.page_count + 1])
                    book.insert_pdf(doc)
                    row["pages"] = len(pages)
                    for e in entries:
                        if e["decision"] == "redact":
                            row["redact"][e["reason"]] = row["redact"].get(e["reason"], 0) + 1
                        else:
                            row["keep"] += 1
            except Unreadable as exc:
                withheld = RecordOutcome(rec, "withheld", str(exc), needs_attention=True)
            except Exception as exc:  # a MuPDF failure on a hostile file
                withheld = RecordOutcome(rec, "withheld", f"could not be read for review ({type(exc).__name__})",
                                         needs_attention=True)
            finally:
                if doc is not None:
                    doc.close()
            if withheld is not None:
                builder.withheld(rec, withheld.reason)
                row.update(status="withheld", reason=withheld.reason, needs_attention=withheld.needs_attention,
                           pages=0, redact={}, keep=0)
        if progress:
            progress("", len(records), len(records))
        front = review_mod.summary_pdf(builder.raw, recipe, palette, result.records)
        book.insert_pdf(front, start_at=0)
        book.set_toc([[1, "Summary", 1]] + [[lvl, title, page + front.page_count] for lvl, title, page in toc])
        internal.mkdir(parents=True, exist_ok=True)
        tmp = internal / f".review.pdf.{os.getpid()}.tmp"
        book.save(tmp, garbage=3, deflate=True)
        book.close()
        os.replace(tmp, pdf_path)
        review_mod.save(builder.raw, plan_path)
        result.plan_path, result.pdf_path = plan_path, pdf_path
        attention = sum(bool(r.get("needs_attention")) for r in result.records)
        if attention:
            result.exit_code = ExitCode.needs_attention
            result.message = f"plan written; {attention} record(s) cannot be read and will be withheld"
        else:
            result.message = "plan written"
    return result

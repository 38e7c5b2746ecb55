"""`redactkit check`: a regression gate for recipes and detection, run over sample requests.

Each request is released into a temporary folder (no disclosure is recorded in the ledger), its
release is read back by readers that share no code with the MuPDF that wrote it or the checks of
redactkit's own verifier, and what they read is compared with the request's expectation file:

- every `must_redact` value must be unreadable everywhere under release/ (every PDF page, as read
  by pdfminer.six, PDFium and poppler's pdftotext where installed, and by OCR of every page that is
  mostly image, rendered by PDFium; and manifest.json);
- every `must_keep` value must be readable somewhere, and on every page it was readable on when
  the expectation was written (`readable_in`);
- the outcome (exit code), every record's status, page count, withheld pages, and redaction counts
  per reason code must be as expected.

The reason code and kind of a value (PERSON reporter, US_SSN ...) and where it was redacted are
taken from the internal redaction log by keyed hash, to name things in reports; whether a value is
readable is only ever decided by the outside readers.

`update` writes the expectation from a release that staff reviewed: values now readable move to
`must_keep`, values now gone move to `must_redact`, counts and statuses are replaced; `changes`
lists what differs, by request, record, page, kind and code (never a value unless asked). The file
layout keeps one line per value and per record, so the reviewed diff is the change and nothing else.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import shutil
import subprocess
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable
from xml.etree import ElementTree as ET

from .errors import ExitCode

VERSION = 1
IMAGE_PAGE = 0.25      # a page this much covered by images is also read by OCR
OCR_DPI = 300
# outcomes an expectation may record; any other exit code is a broken run, never "expected"
RECORDABLE = {ExitCode.ok, ExitCode.needs_attention, ExitCode.refused, ExitCode.invalid_request}


# --- reading, as a requester would -------------------------------------------------------------

@lru_cache(maxsize=4096)     # every value is compared with every page: normalise each page once
def norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    t = re.sub("[\u2018\u2019\u02bc]", "'", t)
    t = re.sub("[\u2010-\u2015\u2212]", "-", t)
    return " ".join(t.split()).casefold()


@lru_cache(maxsize=4096)
def compact(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", norm(text))


def readable(value: str, text: str) -> bool:
    """Whether a value can be read in the text: word-bounded in any spacing and case; a value of
    eight letters or digits or more also with its spacing and punctuation lost."""
    if re.search(r"(?<![0-9a-z])" + re.escape(norm(value)) + r"(?![0-9a-z])", norm(text)):
        return True
    c = compact(value)
    return len(c) >= 8 and c in compact(text)


def kept(value: str, text: str) -> bool:
    """Whether a kept value still stands in the text (its letters and digits in order)."""
    c = compact(value)
    return bool(c) and c in compact(text)


def readers() -> list[str]:
    """The outside readers available here: PDFium always, pdfminer.six and pdftotext when
    installed, OCR when language data is."""
    from .ingest.scan import tessdata_dir

    names = ["pdfium"]
    try:
        import pdfminer  # noqa: F401
        names.append("pdfminer")
    except ImportError:
        pass
    if shutil.which("pdftotext"):
        names.append("pdftotext")
    if tessdata_dir():
        names.append("ocr")
    return names


def read_pdf(path: Path, use: list[str]) -> list[dict[str, str]]:
    """Each page's text as each reader reads it: [{reader: text}, ...]."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        pages: list[dict[str, str]] = []
        for page in pdf:
            tp = page.get_textpage()
            pages.append({"pdfium": tp.get_text_range()})
            tp.close()
            if "ocr" in use and _image_share(page) >= IMAGE_PAGE:
                pages[-1]["ocr"] = _ocr(page)
    finally:
        pdf.close()
    if "pdfminer" in use:
        from pdfminer.high_level import extract_text
        for i, text in enumerate(extract_text(str(path)).split("\f")[:len(pages)]):
            pages[i]["pdfminer"] = text
    if "pdftotext" in use:
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                             timeout=300).stdout.decode("utf-8", "replace")
        for i, text in enumerate(out.split("\f")[:len(pages)]):
            pages[i]["pdftotext"] = text
    return pages


def _image_share(page) -> float:
    import pypdfium2 as pdfium

    w, h = page.get_size()
    area = 0.0
    for obj in page.get_objects(max_depth=2):
        if obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE:
            left, bottom, right, top = obj.get_bounds()
            area += max(0.0, right - left) * max(0.0, top - bottom)
    return area / (w * h) if w and h else 0.0


def ocr_dpi(width: float, height: float) -> float:
    """The resolution a page of this size (points) is read at: OCR_DPI, less for a page so large
    that it would be more pixels than the pipeline's OCR ever renders (a 120-inch-wide scan at
    300 dpi took 11.7 GB)."""
    from .ingest.scan import dpi_within

    return dpi_within(width, height, float(OCR_DPI))


def _ocr(page) -> str:
    """The page's pixels as PDFium draws them, read by Tesseract."""
    import numpy as np
    import pymupdf

    from .ingest.scan import quiet_stderr, tessdata_dir

    dpi = ocr_dpi(*page.get_size())
    bitmap = page.render(scale=dpi / 72)
    rgb = np.ascontiguousarray(bitmap.to_numpy()[:, :, 2::-1])     # PDFium draws BGR(A)
    pix = pymupdf.Pixmap(pymupdf.csRGB, rgb.shape[1], rgb.shape[0], rgb.tobytes(), 0)
    pix.set_dpi(round(dpi), round(dpi))
    with quiet_stderr():      # Tesseract's own messages ("Line cannot be recognized!!") stay off the console
        data = pix.pdfocr_tobytes(language="eng", tessdata=tessdata_dir())
    doc = pymupdf.open("pdf", data)
    try:
        return "\n".join(p.get_text() for p in doc)
    finally:
        doc.close()


# --- one request's trial release, as observed ---------------------------------------------------

@dataclass
class Place:
    record: str            # the record's source label in manifest.json, or release/<file>
    page: int | None       # 1-based; None for a file without pages (manifest.json)
    texts: dict[str, str]  # reader -> text

    @property
    def where(self) -> str:
        return self.record + (f" p.{self.page}" if self.page else "")


@dataclass
class Observed:
    """What a trial release of one request produced, as the outside readers see it."""

    name: str                        # request folder name
    exit_code: ExitCode
    message: str
    seconds: float = 0.0
    records: dict[str, dict] = field(default_factory=dict)     # label -> status, pages, redactions ...
    places: list[Place] = field(default_factory=list)
    log: list[dict] = field(default_factory=list)              # redaction log, "record" as its label
    problems: list[str] = field(default_factory=list)          # the release is unsound as a file set
    readers: list[str] = field(default_factory=list)
    key: bytes = b""

    @property
    def outcome(self) -> dict:
        return {"exit_code": int(self.exit_code), "status": self.exit_code.name}


def _withheld_pages(rec: dict) -> list[int]:
    pages = rec.get("withheld_pages") or []
    return sorted(int(p["page"] if isinstance(p, dict) else p) for p in pages)


def _label_of(relpath: str, labels: list[str]) -> str | None:
    """A log entry's record (its path as found, which may name a person) as the manifest's label
    (where such names are replaced by their reason code)."""
    if relpath in labels:
        return relpath
    for label in labels:
        rx = "".join(".+?" if re.fullmatch(r"\[[A-Z0-9_]+\]", part) else re.escape(part)
                      for part in re.split(r"(\[[A-Z0-9_]+\])", label))
        if re.fullmatch(rx, relpath, re.DOTALL):
            return label
    return None


def observe(name: str, result, out_dir: Path, use: list[str]) -> Observed:
    """Read one trial release back. `result` is redactkit.api's ReleaseResult."""
    from .package import log_key

    started = time.perf_counter()
    obs = Observed(name, result.exit_code, result.message, readers=use)
    release = out_dir / "release"
    manifest_path = release / "manifest.json"
    if result.exit_code in (ExitCode.ok, ExitCode.needs_attention) and manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        outputs = {}
        for rec in manifest["records"]:
            label = rec["source"]
            entry = {"status": rec["status"], "pages": rec["pages"], "redactions": dict(sorted(rec["redactions"].items()))}
            if _withheld_pages(rec):
                entry["withheld_pages"] = _withheld_pages(rec)
            if rec.get("healed_pages"):
                entry["healed_pages"] = rec["healed_pages"]
            if rec["status"] != "released":
                entry["reason"] = rec.get("reason", "")
                if rec.get("needs_attention"):
                    entry["needs_attention"] = True
            obs.records[label] = entry
            if rec["status"] == "released" and rec.get("output"):
                outputs[rec["output"]] = (label, rec.get("output_sha256"))
        for f in sorted(release.rglob("*")):
            if not f.is_file():
                continue
            rel = f.relative_to(release).as_posix()
            if f.suffix.lower() == ".pdf":
                label, digest = outputs.get(rel, (f"release/{rel}", None))
                if rel not in outputs and rel not in ("manifest.pdf", "exemption_log.pdf"):
                    obs.problems.append(f"release/{rel} is not listed in manifest.json")
                if rel in outputs and hashlib.sha256(f.read_bytes()).hexdigest() != digest:
                    obs.problems.append(f"release/{rel} ({label}) does not match its SHA-256 in manifest.json")
                try:
                    pages = read_pdf(f, use)
                except Exception as exc:   # an outside reader cannot read what was released
                    obs.problems.append(f"release/{rel} ({label}) cannot be read ({type(exc).__name__})")
                    continue
                obs.places += [Place(label, i, texts) for i, texts in enumerate(pages, 1)]
            else:
                obs.places.append(Place(f"release/{rel}", None, {"file": f.read_text(encoding="utf-8", errors="replace")}))
        missing = sorted(set(outputs) - {f.relative_to(release).as_posix() for f in release.rglob("*.pdf")})
        obs.problems += [f"release/{m} is listed in manifest.json but missing" for m in missing]
        log_path = out_dir / "internal" / "redaction_log.jsonl"
        if log_path.is_file():
            labels, known = list(obs.records), {}
            for line in log_path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    e = json.loads(line)
                    relpath = e.get("record", "")
                    if relpath not in known:
                        known[relpath] = _label_of(relpath, labels)
                    e["record"] = known[relpath]
                    obs.log.append(e)
        obs.key = log_key()
    obs.seconds = sum(getattr(result, "timings", {}).values()) + time.perf_counter() - started
    return obs


def run(requests: list[Path], *, jobs: int = 1, as_of: dt.date | None = None, keep: Path | None = None,
        progress: Callable[[str, int, int], None] | None = None) -> list[Observed]:
    """Release each request into a temporary folder (or `keep`), recording no disclosure, and
    observe each release."""
    from .batch import release_many

    use = readers()
    tmp = None
    if keep is None:
        tmp = Path(tempfile.mkdtemp(prefix="redactkit-check-"))
        root = tmp
    else:
        root = keep
        root.mkdir(parents=True, exist_ok=True)
    try:
        # release_many writes one request to OUT itself, several to OUT/<folder name>
        out = root / requests[0].name if len(requests) == 1 else root
        results = release_many(requests, out, force=True, progress=progress, as_of=as_of, ledger=False, jobs=jobs)
        observed = []
        for i, (req, res) in enumerate(zip(requests, results)):
            if progress:
                progress(f"reading {req.name}", i, len(requests))
            observed.append(observe(req.name, res, root / req.name, use))
        return observed
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


# --- attribution from the redaction log (names things; never judges) ----------------------------

def _variants(value: str) -> set[str]:
    """The forms a value may have been found in: as written, and broken over lines."""
    out = {value, value.strip()}
    gaps = [m.start() for m in re.finditer(" ", value)]
    if 0 < len(gaps) <= 3:
        for mask in range(1, 2 ** len(gaps)):
            chars = list(value)
            for k, pos in enumerate(gaps):
                if mask >> k & 1:
                    chars[pos] = "\n"
            out.add("".join(chars))
    return out


def log_entries(obs: Observed, value: str) -> list[dict]:
    digests = {hmac.new(obs.key, v.encode("utf-8"), hashlib.sha256).hexdigest() for v in _variants(value)}
    return [e for e in obs.log if e.get("text_hmac") in digests]


def _kind(entries: list[dict]) -> str | None:
    kinds = sorted({" ".join(x for x in (e.get("entity"), e.get("party_role")) if x) for e in entries})
    return ", ".join(kinds) or None


def _places(pairs) -> dict[str, list[int]]:
    out: dict[str, set[int]] = {}
    for record, page in pairs:
        if record:
            out.setdefault(record, set()).add(page)
    return {r: sorted(p for p in pages if p) for r, pages in sorted(out.items())}


def describe(obs: Observed, value: str, must: str) -> dict:
    """A value's detail line for the expectation: kind, and for a redacted value its reason codes
    and where it was redacted; for a kept value where it is readable."""
    if must == "must_redact":
        entries = [e for e in log_entries(obs, value) if e.get("decision") == "redact"]
        return {k: v for k, v in (("kind", _kind(entries)),
                                  ("codes", sorted({e["reason"] for e in entries if e.get("reason")})),
                                  ("redacted_in", _places((e["record"], e.get("page")) for e in entries))) if v}
    entries = [e for e in log_entries(obs, value) if e.get("decision") == "keep"]
    # places where a text reader reads it: OCR of a scan misreads a letter next to a box now and
    # then ("Thc worker"), which would make a kept value seem lost there (OCR still finds leaks)
    return {k: v for k, v in (("kind", _kind(entries)),
                              ("readable_in", _places((p.record, p.page) for p in obs.places if p.page and any(
                                  kept(value, t) for r, t in p.texts.items() if r != "ocr"))))
            if v}


# --- expectations --------------------------------------------------------------------------------

class BadExpectation(ValueError):
    pass


def load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadExpectation(f"{path}: not a JSON expectation ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise BadExpectation(f"{path}: not a JSON object")
    for key in ("must_redact", "must_keep"):
        values = data.setdefault(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise BadExpectation(f"{path}: '{key}' must be a list of non-empty strings")
    both = set(data["must_redact"]) & set(data["must_keep"])
    if both:
        raise BadExpectation(f"{path}: {len(both)} value(s) stand in both must_redact and must_keep")
    if data.get("expectation_version", VERSION) != VERSION:
        raise BadExpectation(f"{path}: expectation_version {data['expectation_version']} is not {VERSION}; "
                             "upgrade redactkit")
    return data


def dumps(exp: dict) -> str:
    """The expectation as JSON with one line per value and per record, for line-by-line review."""
    def one(v) -> str:
        return json.dumps(v, ensure_ascii=False)

    lines = ["{"]
    items = list(exp.items())
    for n, (key, value) in enumerate(items):
        comma = "," if n < len(items) - 1 else ""
        if isinstance(value, list) and value:
            lines.append(f" {one(key)}: [")
            lines += [f"  {one(v)}{',' if i < len(value) - 1 else ''}" for i, v in enumerate(value)]
            lines.append(f" ]{comma}")
        elif isinstance(value, dict) and value and key in ("values", "records"):
            lines.append(f" {one(key)}: {{")
            entries = list(value.items())
            lines += [f"  {one(k)}: {one(v)}{',' if i < len(entries) - 1 else ''}" for i, (k, v) in enumerate(entries)]
            lines.append(f" }}{comma}")
        else:
            lines.append(f" {one(key)}: {one(value)}{comma}")
    return "\n".join(lines + ["}"]) + "\n"


def updated(old: dict | None, obs: Observed) -> dict:
    """The expectation as this (reviewed) release makes it."""
    old = old or {}
    redact, keep = list(old.get("must_redact", [])), list(old.get("must_keep", []))
    released = obs.exit_code in (ExitCode.ok, ExitCode.needs_attention)
    if released:
        now_readable = [v for v in redact if _leaks(obs, v)]
        now_gone = [v for v in keep if not any(kept(v, t) for p in obs.places for t in p.texts.values())]
        redact = [v for v in redact if v not in now_readable] + now_gone
        keep = [v for v in keep if v not in now_gone] + now_readable
    new = {"expectation_version": VERSION, "request": obs.name, "outcome": obs.outcome,
           "must_redact": redact, "must_keep": keep}
    if released:
        new["values"] = {v: d for must, values in (("must_redact", redact), ("must_keep", keep))
                         for v in values if (d := describe(obs, v, must))}
        new["records"] = dict(sorted(obs.records.items()))
    for key, value in old.items():     # staff's own notes survive an update
        if key not in new and key not in ("values", "records"):
            new[key] = value
    return new


# --- comparing ----------------------------------------------------------------------------------

@dataclass
class Finding:
    """One difference, named by request, record, page, kind and code: never by value, unless
    `value` is filled in (--show-values)."""

    request: str
    check: str          # outcome | leak | lost | record | codes | problem
    text: str           # the line to show
    record: str | None = None
    page: int | None = None
    code: str | None = None
    severity: str = "fail"   # fail | drift
    data: dict = field(default_factory=dict)
    value: str | None = None

    def as_dict(self, show_values: bool = False) -> dict:
        d = {"check": self.check, "severity": self.severity, "message": self.text, "record": self.record,
             "page": self.page, "code": self.code, **self.data}
        if show_values and self.value is not None:
            d["value"] = self.value
        return d


@dataclass
class Report:
    request: str
    expected: dict | None
    observed: Observed
    findings: list[Finding] = field(default_factory=list)
    expectation_path: Path | None = None

    @property
    def verdict(self) -> str:
        if any(f.severity == "fail" for f in self.findings):
            return "failed"
        return "drift" if self.findings else "ok"

    def of(self, *checks: str) -> list[Finding]:
        return [f for f in self.findings if f.check in checks]


def _leaks(obs: Observed, value: str) -> list[tuple[Place, list[str]]]:
    out = []
    for p in obs.places:
        who = [r for r, t in p.texts.items() if readable(value, t)]
        if who:
            out.append((p, who))
    return out


def _name(exp: dict, must: str, i: int, value: str) -> tuple[str, dict]:
    d = (exp.get("values") or {}).get(value) or {}
    kind = d.get("kind")
    codes = d.get("codes") or []
    label = f"{must}[{i}]" + (f" ({kind})" if kind else "")
    return label, {"list": must, "index": i, "kind": kind, "codes": codes}


def compare(name: str, exp: dict | None, obs: Observed, path: Path | None = None) -> Report:
    rep = Report(name, exp, obs, expectation_path=path)
    add = rep.findings.append
    if exp is None:
        add(Finding(name, "problem", f"{name}: no expectation file"
                    + (f" ({path})" if path else "") + "; write one with: redactkit check --update"))
        return rep
    want = exp.get("outcome") or {"exit_code": 0}
    if int(want.get("exit_code", 0)) != int(obs.exit_code):
        add(Finding(name, "outcome", f"{name}: outcome {obs.exit_code.name} (exit {int(obs.exit_code)}), "
                    f"expected {want.get('status', '')} (exit {want.get('exit_code')}): {obs.message}",
                    data={"expected": want, "got": obs.outcome}))
        return rep
    if obs.exit_code not in (ExitCode.ok, ExitCode.needs_attention):
        return rep     # refused as expected: nothing released, nothing more to compare
    for problem in obs.problems:
        add(Finding(name, "problem", f"{name}: {problem}"))
    for i, value in enumerate(exp["must_redact"]):
        label, data = _name(exp, "must_redact", i, value)
        codes = data["codes"]
        for place, who in _leaks(obs, value):
            now = _kind([e for e in log_entries(obs, value) if e.get("record") == place.record])
            add(Finding(name, "leak", f"{name}: {place.where}: {label} is READABLE"
                        + (f" (redacted before as {', '.join(codes)})" if codes else "")
                        + (f"; now found as {now}" if now else "") + f"; read by {', '.join(who)}",
                        place.record, place.page, ", ".join(codes) or None,
                        data={**data, "readers": who, "now": now}, value=value))
    for i, value in enumerate(exp["must_keep"]):
        label, data = _name(exp, "must_keep", i, value)
        anywhere = [p for p in obs.places if any(kept(value, t) for t in p.texts.values())]
        gone_from = []
        want_in = ((exp.get("values") or {}).get(value) or {}).get("readable_in") or {}
        here = {(p.record, p.page) for p in anywhere}
        for record, pages in want_in.items():
            gone_from += [(record, pg) for pg in pages if (record, pg) not in here]
        if not anywhere:
            gone_from = gone_from or [(None, None)]
        for record, page in gone_from:
            now = [e for e in log_entries(obs, value) if e.get("decision") == "redact"
                   and (record is None or e.get("record") == record) and (page is None or e.get("page") == page)]
            codes = sorted({e["reason"] for e in now if e.get("reason")})
            where = f"{record} p.{page}" if record else "anywhere in the release"
            status = obs.records.get(record, {}).get("status") if record else None
            why = (f"; now redacted as {', '.join(codes)}" if codes else
                   f"; the record is {status}" if status and status != "released" else "")
            add(Finding(name, "lost", f"{name}: {where}: {label} is no longer readable{why}",
                        record, page, ", ".join(codes) or None, data={**data, "now_codes": codes}, value=value))
    want_records = exp.get("records") or {}
    for record in sorted(set(want_records) | set(obs.records)):
        a, b = want_records.get(record), obs.records.get(record)
        if a is None or b is None:
            add(Finding(name, "record", f"{name}: {record}: " + ("new record, not in the expectation" if a is None
                                                                   else "expected record is missing"), record))
            continue
        if a.get("status") != b.get("status") or bool(a.get("needs_attention")) != bool(b.get("needs_attention")):
            add(Finding(name, "record", f"{name}: {record}: {b['status']}"
                        + (" (needs attention)" if b.get("needs_attention") else "")
                        + f", expected {a.get('status')}" + (f": {b['reason']}" if b.get("reason") else ""),
                        record, data={"expected": a.get("status"), "got": b["status"]}))
        if (a.get("withheld_pages") or []) != (b.get("withheld_pages") or []):
            add(Finding(name, "record", f"{name}: {record}: withheld pages {b.get('withheld_pages') or 'none'}, "
                        f"expected {a.get('withheld_pages') or 'none'}", record,
                        data={"expected": a.get("withheld_pages") or [], "got": b.get("withheld_pages") or []}))
        if a.get("healed_pages", 0) != b.get("healed_pages", 0):
            add(Finding(name, "codes", f"{name}: {record}: {b.get('healed_pages', 0)} page(s) healed by a further "
                        f"redaction pass, expected {a.get('healed_pages', 0)}", record, severity="drift",
                        data={"expected": a.get("healed_pages", 0), "got": b.get("healed_pages", 0)}))
        if a.get("pages") != b.get("pages"):
            add(Finding(name, "codes", f"{name}: {record}: {b.get('pages')} page(s) released, expected {a.get('pages')}",
                        record, severity="drift", data={"expected": a.get("pages"), "got": b.get("pages")}))
        ra, rb = a.get("redactions") or {}, b.get("redactions") or {}
        for code in sorted(set(ra) | set(rb)):
            if ra.get(code, 0) != rb.get(code, 0):
                add(Finding(name, "codes", f"{name}: {record}: {code} {ra.get(code, 0)} -> {rb.get(code, 0)} redactions",
                            record, code=code, severity="drift",
                            data={"expected": ra.get(code, 0), "got": rb.get(code, 0)}))
    return rep


# --- what an update changes ----------------------------------------------------------------------

def changes(old: dict | None, new: dict, show_values: bool = False) -> list[str]:
    """The differences between two expectations of one request, as lines that name lists, kinds,
    records, pages and codes (and values only with show_values)."""
    old = old or {}
    name = new.get("request", "")
    out = []
    if (old.get("outcome") or {}) != new.get("outcome"):
        o, n = old.get("outcome") or {}, new["outcome"]
        out.append(f"{name}: outcome {o.get('status', 'none')} (exit {o.get('exit_code', '-')}) -> "
                   f"{n['status']} (exit {n['exit_code']})")
    details_old, details_new = old.get("values") or {}, new.get("values") or {}

    def label(value: str, must: str, exp: dict) -> str:
        """`must[i] (kind)`: i as in the old expectation where the value stood there."""
        kind = ((exp.get("values") or {}).get(value) or {}).get("kind")
        i = old[must].index(value) if value in old.get(must, []) else exp[must].index(value)
        return f"{must}[{i}]" + (f" ({kind})" if kind else "") + (f" {value!r}" if show_values else "")

    for must, other in (("must_redact", "must_keep"), ("must_keep", "must_redact")):
        was = old.get(must, [])
        for v in new.get(must, []):
            if v in was:
                continue
            if v in old.get(other, []):
                d = details_new.get(v) or {}
                where = ", ".join(f"{r} p.{','.join(map(str, p))}" for r, p in
                                  (d.get("readable_in") or d.get("redacted_in") or {}).items())
                verb = "now READABLE, moved to must_keep" if must == "must_keep" else "now redacted, moved to must_redact"
                out.append(f"{name}: {label(v, other, old)}: {verb}"
                           + (f" as {', '.join(d['codes'])}" if d.get("codes") else "") + (f" ({where})" if where else ""))
            else:
                out.append(f"{name}: {label(v, must, new)}: added")
        for v in was:
            if v not in new.get(must, []) and v not in new.get(other, []):
                out.append(f"{name}: {label(v, must, old)}: removed")
    ro, rn = old.get("records") or {}, new.get("records") or {}
    if "records" not in old and "values" not in old:
        out.append(f"{name}: first full expectation: {len(rn)} record(s), {len(details_new)} value(s) described")
        return out
    for v in new.get("must_redact", []) + new.get("must_keep", []):
        a, b = details_old.get(v) or {}, details_new.get(v) or {}
        must = "must_redact" if v in new.get("must_redact", []) else "must_keep"
        if a != b and v in old.get(must, []):
            parts = []
            for k in sorted(set(a) | set(b)):
                if a.get(k) == b.get(k):
                    continue
                if k in ("readable_in", "redacted_in"):
                    pa = {(r, p) for r, ps in (a.get(k) or {}).items() for p in ps}
                    pb = {(r, p) for r, ps in (b.get(k) or {}).items() for p in ps}
                    parts += [f"{k} + {r} p.{p}" for r, p in sorted(pb - pa)]
                    parts += [f"{k} - {r} p.{p}" for r, p in sorted(pa - pb)]
                else:
                    parts.append(f"{k} {_short(a.get(k))} -> {_short(b.get(k))}")
            out.append(f"{name}: {label(v, must, new)}: " + "; ".join(parts))
    for record in sorted(set(ro) | set(rn)):
        a, b = ro.get(record), rn.get(record)
        if a == b:
            continue
        if a is None or b is None:
            out.append(f"{name}: {record}: " + ("added" if a is None else "removed"))
            continue
        parts = []
        for k in ("status", "needs_attention", "pages", "withheld_pages", "healed_pages", "reason"):
            if a.get(k) != b.get(k):
                parts.append(f"{k} {_short(a.get(k))} -> {_short(b.get(k))}")
        ra, rb = a.get("redactions") or {}, b.get("redactions") or {}
        parts += [f"{c} {ra.get(c, 0)} -> {rb.get(c, 0)}" for c in sorted(set(ra) | set(rb)) if ra.get(c, 0) != rb.get(c, 0)]
        out.append(f"{name}: {record}: " + "; ".join(parts))
    return out


def _short(v) -> str:
    if v is None or v == [] or v == {}:
        return "none"
    if isinstance(v, dict):
        return ", ".join(f"{k} p.{','.join(map(str, p))}" if isinstance(p, list) else f"{k} {p}" for k, p in v.items())
    if isinstance(v, list):
        return ",".join(map(str, v))
    return str(v)


# --- reports -------------------------------------------------------------------------------------

def exit_code(reports: list[Report]) -> ExitCode:
    verdicts = {r.verdict for r in reports}
    if "failed" in verdicts:
        return ExitCode.check_failed
    return ExitCode.check_drift if "drift" in verdicts else ExitCode.ok


def as_json(reports: list[Report], show_values: bool = False) -> dict:
    return {"exit_code": int(exit_code(reports)),
            "readers": reports[0].observed.readers if reports else [],
            "requests": [{"request": r.request, "verdict": r.verdict,
                          "expectation": str(r.expectation_path) if r.expectation_path else None,
                          "outcome": r.observed.outcome, "message": r.observed.message,
                          "expected_outcome": (r.expected or {}).get("outcome"),
                          "leaks": len(r.of("leak")), "lost": len(r.of("lost")),
                          "changed_codes": sorted({f.code for f in r.of("codes") if f.code}),
                          "seconds": round(r.observed.seconds, 2),
                          "findings": [f.as_dict(show_values) for f in r.findings]} for r in reports]}


_CASES = [("outcome", "outcome as expected", ("outcome", "problem")),
          ("leak", "must_redact values unreadable in the release", ("leak",)),
          ("lost", "must_keep values readable in the release", ("lost",)),
          ("record", "records: status and withheld pages", ("record",)),
          ("codes", "redaction counts per reason code and page counts", ("codes",))]
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def junit(reports: list[Report], show_values: bool = False, suite: str = "redactkit check") -> bytes:
    """JUnit XML: one testsuite per request (name = request folder), one testcase per check
    (classname = request), a <failure> naming records, pages, kinds and codes."""
    def clean(s: str) -> str:
        return _BAD_XML.sub("?", s)

    root = ET.Element("testsuites", name=suite)
    total = failed = 0
    stamp = dt.datetime.now().replace(microsecond=0).isoformat()
    for r in reports:
        released = r.expected is not None and r.observed.exit_code in (ExitCode.ok, ExitCode.needs_attention) \
            and not r.of("outcome")
        cases = _CASES if released else _CASES[:1]
        ts = ET.SubElement(root, "testsuite", name=r.request, tests=str(len(cases)), failures="0", errors="0",
                           skipped="0", time=f"{r.observed.seconds:.3f}", timestamp=stamp)
        props = ET.SubElement(ts, "properties")
        ET.SubElement(props, "property", name="outcome", value=f"{r.observed.exit_code.name} ({int(r.observed.exit_code)})")
        ET.SubElement(props, "property", name="readers", value=", ".join(r.observed.readers))
        n_fail = 0
        for key, title, checks in cases:
            tc = ET.SubElement(ts, "testcase", classname=r.request, name=title,
                               time=f"{r.observed.seconds / len(cases):.3f}")
            found = r.of(*checks)
            if found:
                n_fail += 1
                lines = [f.text + (f" [value: {f.value}]" if show_values and f.value is not None else "") for f in found]
                kind = "drift" if all(f.severity == "drift" for f in found) else key
                fail = ET.SubElement(tc, "failure", message=clean(lines[0] + (f" (+{len(lines) - 1} more)" if len(lines) > 1 else "")),
                                     type=kind)
                fail.text = clean("\n".join(lines))
        ts.set("failures", str(n_fail))
        total += len(cases)
        failed += n_fail
    root.set("tests", str(total))
    root.set("failures", str(failed))
    root.set("errors", "0")
    root.set("time", f"{sum(r.observed.seconds for r in reports):.3f}")
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def expectation_dir(requests: list[Path], given: Path | None) -> Path:
    """--expected, else the folder `expected` beside the folder that holds the request folders
    (sample_records/requests/* -> sample_records/expected)."""
    if given is not None:
        return given
    return requests[0].resolve().parent.parent / "expected"

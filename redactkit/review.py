"""Review before release: the plan staff read, edit and approve, and review.pdf beside it.

`redactkit review` runs the pipeline up to the recipe's decisions and writes them down instead
of applying them: internal/plan.json (one entry per proposed redaction or kept finding) and
internal/review.pdf (the proposals drawn on the pages). Staff flip decisions, delete entries or
add them (a text to redact wherever it stands, a page region), by hand or with `redactkit plan`.
`redactkit release --plan` then applies exactly the plan: this module turns its entries back into
redactions on the same page texts, and refuses a plan whose sources, request or recipe changed.

Entry ids say where an entry came from: r0001... were proposed as redactions, k0001... as kept
findings, s001... were added by staff. The plan records how many of each were proposed, so a
deleted proposal is counted as an override too.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import re
from pathlib import Path
from typing import Literal

import pymupdf
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import __version__
from .apply import RedactionBox, boxes_for
from .detect.roster import normalise
from .errors import PlanRefused
from .package import html_pdf, sha256_file
from .plan import Recipe
from .request import Request
from .types import Finding, PageText, Record, Redaction
from .text import norm, value_pattern

PLAN_VERSION = 1
_PROPOSED_ID = re.compile(r"^([rk])(\d+)$")


class Entry(BaseModel):
    """One line of the plan. Three kinds: a found text (document, page, start, end, text), a
    region (document, page, rect), or a text to redact wherever it stands (text; document to
    limit it to one record)."""

    model_config = ConfigDict(extra="allow")   # staff may add their own fields (a note)
    id: str | None = None
    document: str | None = None
    page: int | None = Field(None, ge=1)        # 1-based, as a reader counts pages
    text: str | None = None
    start: int | None = Field(None, ge=0)       # offsets in the page's text (found entries)
    end: int | None = Field(None, ge=0)
    rect: tuple[float, float, float, float] | None = None   # x0, y0, x1, y1: points from the top left
    entity: str = "STAFF"
    party: str | None = None
    role: str | None = None
    reason: str | None = None
    decision: Literal["redact", "keep"]
    proposed: Literal["redact", "keep"] | None = None

    @model_validator(mode="after")
    def _kind(self):
        if self.start is not None or self.end is not None:
            if None in (self.start, self.end, self.document, self.page, self.text) or self.end <= self.start:
                raise ValueError("a found entry needs document, page, text, and start < end")
        elif self.rect is not None:
            if self.document is None or self.page is None:
                raise ValueError("a region entry needs document and page")
            x0, y0, x1, y1 = self.rect
            if x1 <= x0 or y1 <= y0:
                raise ValueError("a region's rect is x0, y0, x1, y1 with x0 < x1 and y0 < y1")
        elif not self.text or not any(c.isalnum() for c in self.text):
            raise ValueError("an entry needs a text (with letters or digits), a rect, or start/end")
        return self

    @property
    def kind(self) -> str:
        return "found" if self.start is not None else "region" if self.rect is not None else "text"


class Plan(BaseModel):
    model_config = ConfigDict(extra="allow")
    plan_version: Literal[1]
    request_id: str
    request_sha256: str
    category: str
    recipe: dict[str, str]                      # name, sha256
    sources: dict[str, str]                     # record path -> SHA-256, as discovered
    pages: dict[str, list[str]]                 # document -> SHA-256 of each page's text
    proposed: dict[str, int]                    # redact, keep: how many of each the tool proposed
    withheld: list[dict] = []
    redactions: list[Entry]

    @model_validator(mode="after")
    def _ids(self):
        seen = set()
        for i, e in enumerate(self.redactions):
            if e.id is None:
                e.id = f"s{i + 1:03d}"
            if e.id in seen:
                raise ValueError(f"entry id '{e.id}' is used twice")
            seen.add(e.id)
        return self


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_raw(path: Path, data: bytes | None = None) -> dict:
    """The plan file (or its bytes, already read) as JSON, checked against the plan's schema
    (PlanRefused otherwise)."""
    try:
        raw = json.loads((path.read_bytes() if data is None else data).decode("utf-8"))
    except FileNotFoundError:
        raise PlanRefused(f"{path}: no such plan; make one with: redactkit review REQUEST --out OUT") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise PlanRefused(f"{path}{where}: not a readable JSON plan; see docs/review.md") from None
    parse(raw, path)
    return raw


def parse(raw, path: Path) -> Plan:
    try:
        return Plan.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        if len(loc) >= 2 and loc[0] == "redactions" and isinstance(loc[1], int):
            entries = raw.get("redactions") if isinstance(raw, dict) else None
            ident = entries[loc[1]].get("id") if isinstance(entries, list) and isinstance(entries[loc[1]], dict) else None
            loc = [f"entry {ident or '#' + str(loc[1] + 1)}"] + loc[2:]
        where = ".".join(str(p) for p in loc) or "plan"
        # pydantic's message, without the offending input (it may be a found value)
        raise PlanRefused(f"{path}: {where}: {first['msg']}; see docs/review.md") from None


def load(path: Path, data: bytes | None = None) -> Plan:
    return parse(load_raw(path, data), path)


def save(raw: dict, path: Path) -> None:
    """Write atomically: a half-written plan is never left behind."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(raw, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# --- making the plan -------------------------------------------------------------------------

def _collapse(reds: list[Redaction]) -> list[Redaction]:
    """One entry per span: findings on the same span become one (redact if any redacts); a finding
    inside a span that is redacted (or inside a kept span, and kept itself) adds nothing a reviewer
    could decide apart from its container, so it is left out."""
    by_span: dict[tuple[int, int], Redaction] = {}
    for r in reds:
        key = (r.finding.start, r.finding.end)
        if key not in by_span or (r.decision == "redact" and by_span[key].decision == "keep"):
            by_span[key] = r
    spans = sorted(by_span.values(), key=lambda r: (r.finding.start, -r.finding.end))
    out: list[Redaction] = []
    for r in spans:
        inside = [c for c in out if c.finding.start <= r.finding.start and r.finding.end <= c.finding.end]
        if any(c.decision == "redact" or r.decision == "keep" for c in inside):
            continue
        out.append(r)
    return out


class Builder:
    """Collects the proposals of one request's records into a plan."""

    def __init__(self, request: Request, recipe: Recipe, request_dir: Path, sources: list[Record]):
        self.request, self.recipe = request, recipe
        self.raw: dict = {
            "plan_version": PLAN_VERSION,
            "tool": {"name": "redactkit", "version": __version__},
            "created_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
            "request_id": request.request_id,
            "request_sha256": sha256_file(request_dir / "request.yaml"),
            "category": request.requester.category.value,
            "recipe": {"name": recipe.name, "sha256": recipe.sha256},
            "sources": {r.relpath: r.sha256 for r in sources},
            "pages": {},
            "proposed": {"redact": 0, "keep": 0},
            "withheld": [],
            "redactions": [],
        }

    def withheld(self, rec: Record, reason: str) -> None:
        self.raw["withheld"].append({"document": rec.relpath, "reason": reason})

    def add(self, rec: Record, pages: list[PageText], by_page: dict[int, list[Redaction]],
            regions: list[RedactionBox]) -> list[dict]:
        """Entries for one record's proposals; returns them (for review.pdf)."""
        self.raw["pages"][rec.relpath] = [sha256_text(p.text) for p in pages]
        added = []
        for pt in pages:
            for r in _collapse([r for r in by_page.get(pt.number, []) if r.finding.start >= 0]):
                f = r.finding
                boxes = boxes_for(pt, [Redaction(f, "redact", r.reason)])
                added.append(self._entry(r, rec.relpath, pt.number, text=f.text, start=f.start, end=f.end,
                                         boxes=[[round(v, 1) for v in b.rect] for b in boxes]))
            for b in regions:
                if b.page == pt.number:
                    added.append(self._entry(b.redaction, rec.relpath, pt.number,
                                             rect=[round(v, 1) for v in b.rect]))
        self.raw["redactions"].extend(added)
        return added

    def _entry(self, r: Redaction, document: str, page: int, **where) -> dict:
        self.raw["proposed"][r.decision] += 1
        f = r.finding
        return {"id": f"{r.decision[0]}{self.raw['proposed'][r.decision]:04d}", "document": document,
                "page": page + 1, **where, "entity": f.entity, "party": f.party, "role": f.role,
                "reason": r.reason or None, "decision": r.decision, "proposed": r.decision,
                "detector": f.detector, "score": round(f.score, 2)}


# --- checking and applying the plan ----------------------------------------------------------

def check_current(plan: Plan, path: Path, request_dir: Path, request: Request, recipe: Recipe,
                  sources: list[Record]) -> None:
    """PlanRefused unless the plan was made for this request, these records and this recipe."""
    def refuse(what: str):
        raise PlanRefused(f"{path}: {what} since the review; review again (redactkit review) "
                          "before releasing")
    if plan.request_id != request.request_id:
        raise PlanRefused(f"{path}: the plan is for request {plan.request_id}, not {request.request_id}")
    if plan.request_sha256 != sha256_file(request_dir / "request.yaml"):
        refuse("request.yaml changed")
    if plan.recipe.get("sha256") != recipe.sha256 or plan.category != request.requester.category.value:
        refuse(f"the recipe ({recipe.name}) changed")
    now = {r.relpath: r.sha256 for r in sources}
    changed = sorted(k for k in now.keys() & plan.sources.keys() if now[k] != plan.sources[k])
    added = sorted(now.keys() - plan.sources.keys())
    gone = sorted(plan.sources.keys() - now.keys())
    for names, what in ((changed, "changed"), (added, "was added"), (gone, "was removed")):
        if names:
            more = f" (and {len(names) - 1} more)" if len(names) > 1 else ""
            refuse(f"source record {names[0]}{more} {what}")


class Applier:
    """The plan's entries as redactions, record by record, exactly: every entry is placed or the
    release is refused; a page that reads differently than at the review withholds its record."""

    def __init__(self, plan: Plan, path: Path, recipe: Recipe, documents: list[str]):
        self.plan, self.path, self.recipe = plan, path, recipe
        self.by_doc: dict[str, list[Entry]] = {}
        self.texts: list[Entry] = []
        self.text_hits: dict[str, int] = {}
        known = set(documents)
        for e in plan.redactions:
            if e.document is not None and e.document not in known:
                self.refuse(e, "names a document that is not in the request")
            if e.decision == "redact" and (e.reason or recipe.default_reason) not in recipe.reasons:
                self.refuse(e, f"reason '{e.reason}' is not a reason code of {recipe.name} "
                               f"({', '.join(recipe.reasons)})")
            if e.kind == "text":
                self.texts.append(e)
                self.text_hits[e.id] = 0
            else:
                self.by_doc.setdefault(e.document, []).append(e)

    def refuse(self, e: Entry, what: str):
        raise PlanRefused(f"{self.path}: entry {e.id} {what}")

    def reason(self, e: Entry) -> str:
        return e.reason or self.recipe.default_reason

    def redactions(self, rec: Record, pages: list[PageText]) -> tuple[dict[int, list[Redaction]], list[RedactionBox]]:
        """This record's redactions per page (0-based) and its region boxes. Raises ValueError
        when a page reads differently than at the review (the caller withholds the record)."""
        hashes = self.plan.pages.get(rec.relpath)
        if hashes is None:
            raise ValueError("was not part of the review (it was withheld then); review again")
        if len(hashes) != len(pages) or any(sha256_text(p.text) != h for p, h in zip(pages, hashes)):
            raise ValueError("reads differently than at the review (reader or OCR changed); review again")
        by_page: dict[int, list[Redaction]] = {p.number: [] for p in pages}
        regions: list[RedactionBox] = []
        for e in self.by_doc.get(rec.relpath, []):
            if not 1 <= e.page <= len(pages):
                self.refuse(e, f"names page {e.page}; the document has {len(pages)}")
            pt = pages[e.page - 1]
            if e.kind == "found":
                if e.end > len(pt.text) or norm(pt.text[e.start:e.end]) != norm(e.text):
                    self.refuse(e, "no longer matches the text at its place; do not edit a found entry's "
                                   "text: add a text entry instead")
                f = Finding(pt.number, e.start, e.end, pt.text[e.start:e.end], e.entity, 1.0, f"plan:{e.id}",
                            e.party, e.role)
                by_page[pt.number].append(Redaction(f, e.decision, self.reason(e) if e.decision == "redact" else ""))
            elif e.decision == "redact":
                rect = pymupdf.Rect(e.rect) & pymupdf.Rect(0, 0, pt.width, pt.height)
                if rect.is_empty:
                    self.refuse(e, f"is a region outside page {e.page} ({pt.width:.0f} x {pt.height:.0f} points)")
                red = Redaction(Finding(pt.number, -1, -1, "", e.entity, 1.0, f"plan:{e.id}"), "redact", self.reason(e))
                regions.append(RedactionBox(pt.number, tuple(rect), red.reason, red, (red,)))
                by_page[pt.number].append(red)
        for e in self.texts:
            if e.decision != "redact" or (e.document and e.document != rec.relpath):
                continue
            rx = value_pattern(e.text)
            for pt in pages:
                for m in rx.finditer(pt.text):
                    self.text_hits[e.id] += 1
                    f = Finding(pt.number, m.start(), m.end(), m.group(0), e.entity, 1.0, f"plan:{e.id}")
                    by_page[pt.number].append(Redaction(f, "redact", self.reason(e)))
        return by_page, regions

    def check_texts(self) -> None:
        """After every record: a text entry that was found nowhere is refused, not dropped."""
        for e in self.texts:
            if e.decision == "redact" and not self.text_hits[e.id]:
                self.refuse(e, "is a text found in no record; correct or delete it")


def overrides(plan: Plan) -> dict:
    """How the reviewed plan departs from the proposals, in each direction."""
    present: dict[str, set[int]] = {"r": set(), "k": set()}
    flipped = {"redact": 0, "keep": 0}
    added_text = added_region = 0
    for e in plan.redactions:
        m = _PROPOSED_ID.match(e.id or "")
        if m and e.proposed is not None:
            present[m.group(1)].add(int(m.group(2)))
            if e.decision != e.proposed:
                flipped[e.decision] += 1
        elif e.decision == "redact":
            added_text += e.kind != "region"
            added_region += e.kind == "region"
    deleted_redact = sum(1 for i in range(1, plan.proposed.get("redact", 0) + 1) if i not in present["r"])
    deleted_keep = sum(1 for i in range(1, plan.proposed.get("keep", 0) + 1) if i not in present["k"])
    return {"to_keep": flipped["keep"] + deleted_redact, "to_redact": flipped["redact"] + added_text + added_region,
            "detail": {"redact_flipped_to_keep": flipped["keep"], "redact_deleted": deleted_redact,
                       "keep_flipped_to_redact": flipped["redact"], "keep_deleted": deleted_keep,
                       "texts_added": added_text, "regions_added": added_region}}


# --- editing the plan (redactkit plan ...) ---------------------------------------------------

def select(raw: dict, *, ids: list[str] = (), text: str | None = None, party: str | None = None,
           document: str | None = None) -> list[dict]:
    """The plan's entries with one of these ids, this text (as a reader compares it), or this
    roster party; limited to one document if given."""
    key, who = (norm(text) if text else None), (normalise(party) if party else None)
    out = []
    for e in raw["redactions"]:
        if document and e.get("document") != document:
            continue
        if e.get("id") in ids or (key and norm(e.get("text") or "") == key) or \
                (who and who in {normalise(p) for p in (e.get("party") or "").split("|") if p}):
            out.append(e)
    return out


def add_text(raw: dict, text: str, reason: str | None, document: str | None) -> dict:
    entry = {"id": _next_staff_id(raw), **({"document": document} if document else {}), "text": text,
             "entity": "STAFF", "reason": reason, "decision": "redact", "proposed": None}
    raw["redactions"].append(entry)
    return entry


def add_region(raw: dict, document: str, page: int, rect: tuple[float, float, float, float],
               reason: str | None) -> dict:
    entry = {"id": _next_staff_id(raw), "document": document, "page": page, "rect": list(rect),
             "entity": "REGION", "reason": reason, "decision": "redact", "proposed": None}
    raw["redactions"].append(entry)
    return entry


def _next_staff_id(raw: dict) -> str:
    used = {e.get("id") for e in raw["redactions"]}
    n = 1
    while f"s{n:03d}" in used:
        n += 1
    return f"s{n:03d}"


# --- review.pdf ------------------------------------------------------------------------------

PALETTE = [(0.85, 0.10, 0.10), (0.10, 0.35, 0.85), (0.90, 0.50, 0.00), (0.55, 0.15, 0.70), (0.00, 0.55, 0.55),
           (0.75, 0.10, 0.50), (0.45, 0.30, 0.10), (0.30, 0.30, 0.30), (0.60, 0.60, 0.00), (0.00, 0.35, 0.20),
           (0.95, 0.25, 0.55), (0.20, 0.20, 0.60)]
KEEP_COLOUR = (0.0, 0.6, 0.0)


def colours(recipe: Recipe) -> dict[str, tuple[float, float, float]]:
    return {code: PALETTE[i % len(PALETTE)] for i, code in enumerate(sorted(recipe.reasons))}


def mark(doc: pymupdf.Document, pages: list[PageText], entries: list[dict], palette: dict) -> None:
    """Draw the proposals on the record's pages, not applying them: a redaction is a tinted box
    with its reason code and id beside it; a kept finding a dashed green outline with its id."""
    for page in doc:
        page.wrap_contents()
    for e in entries:
        page = doc[e["page"] - 1]
        rects = [e["rect"]] if e.get("rect") else e.get("boxes") or []
        redact = e["decision"] == "redact"
        colour = palette.get(e.get("reason") or "", PALETTE[0]) if redact else KEEP_COLOUR
        for i, r in enumerate(rects):
            rect = pymupdf.Rect(r)
            if redact:
                page.draw_rect(rect, color=colour, fill=colour, fill_opacity=0.28, width=0.6)
            else:
                page.draw_rect(rect, color=colour, width=0.8, dashes="[2 1] 0")
            if i == 0:
                label = f"{e['reason']} {e['id']}" if redact else f"keep {e['id']}"
                page.insert_text((rect.x0, max(rect.y0 - 0.8, 5)), label, fontsize=5.5, fontname="helv",
                                 color=colour)


def summary_pdf(raw: dict, recipe: Recipe, palette: dict, per_record: list[dict]) -> pymupdf.Document:
    """The review's first page(s): counts per record and reason, the colour legend, what to do."""
    e = html.escape
    codes = sorted(recipe.reasons)
    used = [c for c in codes if any(r["redact"].get(c) for r in per_record)]

    def hexc(c):
        return "#%02x%02x%02x" % tuple(int(v * 255) for v in c)
    head = "".join(f"<th>{e(c)}</th>" for c in used)
    rows = "".join(
        f"<tr><td>{e(r['document'])}</td><td>{e(r['status'])}</td><td>{r['pages']}</td>"
        + "".join(f"<td>{r['redact'].get(c, 0) or ''}</td>" for c in used)
        + f"<td>{r['keep']}</td></tr>" for r in per_record)
    legend = "".join(f"<tr><td style='background-color:{hexc(palette[c])}'>&nbsp;&nbsp;</td><td><b>{e(c)}</b></td>"
                     f"<td>{e(recipe.reasons[c].label)}</td></tr>" for c in used)
    withheld = "".join(f"<li>{e(w['document'])}: {e(w['reason'])}</li>" for w in raw["withheld"])
    body = f"""
<h1>Review of request {e(raw['request_id'])}: proposed redactions</h1>
<p>Recipe {e(recipe.name)} ({e(recipe.title)}). Nothing on the following pages has been removed:
each proposed redaction is a tinted box with its reason code and plan entry id; each kept finding is a
dashed green outline marked <i>keep</i>. Proposed: {raw['proposed']['redact']} redactions,
{raw['proposed']['keep']} kept findings.</p>
<h2>Per record</h2>
<table><tr><th>Record</th><th>Status</th><th>Pages</th>{head}<th>kept</th></tr>{rows}</table>
<h2>Reason codes</h2><table>{legend}</table>
{f'<h2>Withheld from the review</h2><ul>{withheld}</ul>' if withheld else ''}
<h2>To decide</h2>
<p>Edit internal/plan.json, or use: <b>redactkit plan show PLAN</b>; <b>redactkit plan keep PLAN --id r0012</b>
(or --text, --party); <b>redactkit plan redact PLAN --text "..."</b> (wherever it stands) or
<b>--document D --page N --rect x0,y0,x1,y1</b> (points from the top left). Then:
<b>redactkit release REQUEST --plan PLAN --reviewer NAME --out OUT</b>.</p>
"""
    css = ("body{font-family:sans-serif;font-size:9pt} h1{font-size:14pt} h2{font-size:11pt} "
           "td,th{border:0.5pt solid #888;padding:2pt} table{border-collapse:collapse}")
    return pymupdf.open("pdf", html_pdf(body, css))

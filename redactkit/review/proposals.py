"""Making a plan from the pipeline's proposals, and turning a reviewed plan back into redactions.

`Builder` collects what the propose half of the pipeline decided, record by record, into plan
entries. `check_current` refuses a plan whose request, records or recipe changed since the
review; `Applier` places every entry on the same page texts again, exactly, or refuses.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pymupdf

from .. import __version__
from ..apply import RedactionBox, boxes_for
from ..errors import PlanRefused
from ..package import sha256_file
from ..plan import Recipe
from ..request import Request
from ..text import norm, value_pattern
from ..types import Finding, PageText, Record, Redaction
from .planfile import PLAN_VERSION, Entry, Plan, sha256_text

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

    def withheld(self, rec: Record, reason: str, page: int | None = None) -> None:
        """A record (or one page of it, 0-based) that will be withheld, with the reason."""
        self.raw["withheld"].append({"document": rec.relpath, **({"page": page + 1} if page is not None else {}),
                                     "reason": reason})

    def add(self, rec: Record, pages: list[PageText], page_count: int, by_page: dict[int, list[Redaction]],
            regions: list[RedactionBox]) -> list[dict]:
        """Entries for one record's proposals; returns them (for review.pdf)."""
        read = {p.number: sha256_text(p.text) for p in pages}
        # a page that could not be read has no hash: it is withheld now and at the release
        self.raw["pages"][rec.relpath] = [read.get(n) for n in range(page_count)]
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
                "detector": f.detector, "score": round(f.score, 2),
                **({"found_on": f.found_on} if f.found_on != "detection" else {})}


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

    def redactions(self, rec: Record, pages: dict[int, PageText], page_count: int
                   ) -> tuple[dict[int, list[Redaction]], list[RedactionBox]]:
        """This record's redactions per page (0-based) and its region boxes. Raises ValueError
        when a page reads differently than at the review (the caller withholds the record)."""
        hashes = self.plan.pages.get(rec.relpath)
        if hashes is None:
            raise ValueError("was not part of the review (it was withheld then); review again")
        now = [sha256_text(pages[n].text) if n in pages else None for n in range(page_count)]
        if now != hashes:
            raise ValueError("reads differently than at the review (reader or OCR changed); review again")
        by_page: dict[int, list[Redaction]] = {n: [] for n in pages}
        regions: list[RedactionBox] = []
        for e in self.by_doc.get(rec.relpath, []):
            if not 1 <= e.page <= page_count:
                self.refuse(e, f"names page {e.page}; the document has {page_count}")
            pt = pages.get(e.page - 1)
            if pt is None:     # a page that cannot be read is withheld whole anyway
                continue
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
            for pt in pages.values():
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



"""The review plan file: its schema, reading and writing it, and editing it (redactkit plan ...).

Entry ids say where an entry came from: r0001... were proposed as redactions, k0001... as kept
findings, s001... were added by staff. The plan records how many of each were proposed, so a
deleted proposal is counted as an override too.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..detect.roster import normalise
from ..errors import PlanRefused
from ..text import norm

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
    pages: dict[str, list[str | None]]          # document -> SHA-256 of each page's text (None: unreadable)
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



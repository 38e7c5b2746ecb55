"""Stage 4: plan. The requester's recipe decides, per finding, redact or keep, and why.

Recipes are data (recipes/<category>.yaml) that a lawyer can check against the policy: an
ordered list of rules, the first matching rule wins, and anything no rule keeps is redacted.
Admission (may this requester receive anything at all?) is decided here too, before any record
is read.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import InvalidRecipe, Refused
from .detect.roster import normalise
from .request import Category, Request
from .types import Finding, Party, Redaction

# Categories whose recipes this version enforces; the rest are refused, never guessed open.
SUPPORTED = {Category.client, Category.parent_guardian, Category.attorney_representative,
             Category.dcf_staff, Category.assistant_attorney_general, Category.court,
             Category.medical_research}


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    basis: str


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entities: list[str]                       # entity types, or ["*"]
    roles: list[str] | None = None            # party roles (self, child, ..., unknown); None: any
    action: Literal["redact", "keep"]
    reason: str | None = None
    note: str = ""

    def matches(self, entity: str, role: str | None) -> bool:
        if "*" not in self.entities and entity not in self.entities:
            return False
        return self.roles is None or (role is not None and role in self.roles)


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str
    title: str
    legal_basis: str
    redisclosure_notice: str
    reasons: dict[str, Reason]
    rules: list[Rule]
    default_reason: str = Field(description="reason code for findings no rule matches (redacted)")
    name: str = ""
    sha256: str = ""

    @model_validator(mode="after")
    def _codes(self):
        codes = {r.reason for r in self.rules if r.action == "redact"} | {self.default_reason}
        missing = sorted(c for c in codes if c not in self.reasons)
        if missing or any(r.action == "redact" and not r.reason for r in self.rules):
            raise ValueError(f"reason codes used but not defined: {missing or 'a redact rule has none'}")
        return self

    def decide(self, finding: Finding) -> Redaction:
        """Redact if the finding, for any party it may name, is not kept by the first matching rule."""
        roles = (finding.role or "").split("|") if finding.role else [None]
        verdicts = []
        for role in roles:
            for rule in self.rules:
                if rule.matches(finding.entity, role):
                    verdicts.append((rule.action, rule.reason or ""))
                    break
            else:
                verdicts.append(("redact", self.default_reason))
        for action, reason in verdicts:
            if action == "redact":
                return Redaction(finding, "redact", reason)
        return Redaction(finding, "keep", "")


def recipes_dir() -> Path:
    """REDACTKIT_RECIPES, else the recipes shipped in the package, else the source tree's."""
    env = os.environ.get("REDACTKIT_RECIPES")
    if env:
        return Path(env)
    shipped = Path(__file__).parent / "recipes"
    return shipped if shipped.is_dir() else Path(__file__).resolve().parent.parent / "recipes"


def load_recipe(category: str, directory: Path | None = None) -> Recipe:
    path = (directory or recipes_dir()) / f"{category}.yaml"
    if not path.is_file():
        raise InvalidRecipe(f"no recipe for category '{category}' at {path}; reinstall redactkit")
    raw = path.read_bytes()
    try:
        recipe = Recipe.model_validate(yaml.safe_load(raw))
    except (yaml.YAMLError, ValidationError) as exc:
        first = exc.errors()[0] if isinstance(exc, ValidationError) else None
        where = ".".join(str(p) for p in first["loc"]) + ": " + first["msg"] if first else "not valid YAML"
        raise InvalidRecipe(f"{path}: {where}") from None
    return recipe.model_copy(update={"name": path.name, "sha256": hashlib.sha256(raw).hexdigest()})


def _is(name: str, party) -> bool:
    key = normalise(name)
    return key == normalise(party.name) or key in {normalise(a) for a in party.aliases}


def roster(request: Request) -> list[Party]:
    """The parties, with the requester (or the party an attorney represents) marked as `self`."""
    cat = request.requester.category
    me = request.requester.represents if cat is Category.attorney_representative else request.requester.name
    self_cats = {Category.client, Category.parent_guardian, Category.attorney_representative}
    return [Party(p.name, p.role, tuple(p.aliases), cat in self_cats and _is(me, p)) for p in request.parties]


def admit(request: Request) -> Recipe:
    """The recipe for this request, or Refused with the one line that says why."""
    cat = request.requester.category
    if cat not in SUPPORTED:
        raise Refused(f"requester category '{cat.value}' is not supported by this version; "
                      "forward the request to the Office of Legal Affairs")
    if cat in {Category.client, Category.parent_guardian, Category.attorney_representative}:
        if request.case.status != "open":
            raise Refused(f"{cat.value} requests are allowed only on an open case (case.status is "
                          f"'{request.case.status}'); forward the request to the Office of Legal Affairs")
        me = request.requester.represents if cat is Category.attorney_representative else request.requester.name
        match = [p for p in request.parties if _is(me, p)]
        who = "the represented party" if cat is Category.attorney_representative else "the requester"
        if not match:
            raise Refused(f"{who} is not on the case roster (parties); add them or forward the request "
                          "to the Office of Legal Affairs")
        if cat is Category.parent_guardian and not any(p.role in {"parent", "guardian"} for p in match):
            raise Refused("the requester is on the roster but not as a parent or guardian")
    return load_recipe(cat.value)

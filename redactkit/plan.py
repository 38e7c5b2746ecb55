"""Stage 4: plan. The requester's recipe decides, per finding, redact or keep, and why.

Recipes are data (recipes/<category>.yaml) that a lawyer can check against the policy: an
ordered list of rules, the first matching rule wins, and anything no rule keeps is redacted.
Admission (may this requester receive anything at all?) is decided here too, before any record
is read.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import InvalidRecipe, Refused
from .detect.roster import normalise
from .request import Category, Request
from .types import Finding, Party, Redaction

FAMILY = {Category.client, Category.parent_guardian, Category.attorney_representative}
# Other words for the special categories a consent must name (hiv, mental_health, substance_use).
_SPECIAL_ALIASES = {"hiv_aids": "hiv", "aids": "hiv", "psychiatric": "mental_health", "mental": "mental_health",
                    "behavioral_health": "mental_health", "behavioural_health": "mental_health",
                    "psychiatric_mental_health": "mental_health", "sud": "substance_use",
                    "substance_abuse": "substance_use", "substance_use_disorder": "substance_use",
                    "alcohol_drug": "substance_use", "42_cfr_part_2": "substance_use"}
ACP_ENTITIES = {"ADDRESS", "ZIP", "PHONE_NUMBER", "LOCATION"}


def info_key(name: str) -> str:
    """"Mental health", "mental-health" and "MENTAL_HEALTH" name the same information category."""
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return _SPECIAL_ALIASES.get(key, key)


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
    unless_consent_names: str | None = None   # the rule does not apply when the consent names this
    note: str = ""

    def matches(self, entity: str, role: str | None, consented: frozenset[str] = frozenset()) -> bool:
        if "*" not in self.entities and entity not in self.entities:
            return False
        if self.unless_consent_names and self.unless_consent_names in consented:
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
    blank_images: bool = False      # blank every image on text pages (Safe Harbor: photographs)
    redact_faces: bool = False      # on scans and images, blank the faces found in the pixels
    special_notices: dict[str, str] = {}   # notice per special category, printed when one is released
    name: str = ""
    sha256: str = ""

    @model_validator(mode="after")
    def _codes(self):
        codes = {r.reason for r in self.rules if r.action == "redact"} | {self.default_reason, "AC"}
        missing = sorted(c for c in codes if c not in self.reasons)
        if missing or any(r.action == "redact" and not r.reason for r in self.rules):
            raise ValueError(f"reason codes used but not defined: {missing or 'a redact rule has none'}")
        return self

    def decide(self, finding: Finding, consented: frozenset[str] = frozenset(), acp: bool = False) -> Redaction:
        """Redact if the finding, for any party it may name, is not kept by the first matching rule.
        With an Address Confidentiality Program participant on the roster, every address, town and
        phone number is redacted, whoever the requester."""
        if acp and finding.entity in ACP_ENTITIES:
            return Redaction(finding, "redact", "AC")
        roles = (finding.role or "").split("|") if finding.role else [None]
        verdicts = []
        for role in roles:
            for rule in self.rules:
                if rule.matches(finding.entity, role, consented):
                    verdicts.append((rule.action, rule.reason or ""))
                    break
            else:
                verdicts.append(("redact", self.default_reason))
        for action, reason in verdicts:
            if action == "redact":
                return Redaction(finding, "redact", reason)
        return Redaction(finding, "keep", "")


class SecondLook:
    """The second look (before release, and the verifier's on the release): the roster and pattern
    recognizers, no NER (Detector.quick); what the recipe redacts. Reason codes are masked (they
    are not names). Special-category passages are left out: whose a passage is depends on the
    names in it, and those may have been redacted, so the same kept sentence could be judged
    again as naming nobody; the value checks still cover every passage that was redacted.

    A value that can go to a worker process (the verifier checks a long record's pages there):
    it carries the parties, the recipe and what decides with it; a worker uses its own detector
    for the parties, this process the request's."""

    def __init__(self, detector, recipe: Recipe, consented: frozenset[str], acp: bool, job=None):
        self.parties, self.with_ner = tuple(detector.parties), detector.with_ner
        self.recipe, self.consented, self.acp = recipe, consented, acp
        self._detector, self._job, self.stamp_mask = detector, job, None
        codes = "|".join(re.escape(c) for c in recipe.reasons)
        self._codes = re.compile(rf"\b(?:{codes})\b")

    def _stamps(self):
        """What this production stamped so far (Bates numbers, page labels, legend), blanked before
        the look: a picklable snapshot taken from the request's job in this process."""
        num = getattr(self._job, "bates", None) if self._job is not None else None
        return num.masker() if num is not None else self.stamp_mask

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_detector": None, "_job": None, "stamp_mask": self._stamps()}

    def __call__(self, text: str, page: int) -> list[Redaction]:
        return self.start_many([(text, page)])()[0]

    def start_many(self, items: list[tuple[str, int]]):
        """The second look at many (text, page) items; returns a callable that waits for the
        redactions found on each (the detection runs in the worker processes when they are up)."""
        detector = self._detector
        if detector is None:
            from .detect.pool import _detector
            detector = _detector(self.parties, self.with_ner)
        stamps = self._stamps()
        masked = [(self._codes.sub(lambda m: " " * len(m.group(0)), stamps(text) if stamps else text), page)
                  for text, page in items]
        pending = detector.start_quick(masked)
        return lambda: [self._redact(found) for found in pending()]

    def _redact(self, found: list[Finding]) -> list[Redaction]:
        decided = (self.recipe.decide(f, self.consented, self.acp) for f in found)
        return [d for d in decided if d.decision == "redact" and not d.finding.entity.startswith("SPECIAL_")]


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
        raise InvalidRecipe(f"{path}: {where}; see docs/recipes.md") from None
    notices_path = path.parent / "special_notices.yaml"
    notices = yaml.safe_load(notices_path.read_text(encoding="utf-8")) if notices_path.is_file() else {}
    digest = hashlib.sha256(raw + (notices_path.read_bytes() if notices_path.is_file() else b"")).hexdigest()
    return recipe.model_copy(update={"name": path.name, "sha256": digest,
                                     "special_notices": {k: " ".join(v.split()) for k, v in notices.items()}})


def _is(name: str, party) -> bool:
    key = normalise(name)
    return key == normalise(party.name) or key in {normalise(a) for a in party.aliases}


def roster(request: Request) -> list[Party]:
    """The parties, with the requester (or the party an attorney represents) marked as `self`."""
    cat = request.requester.category
    me = request.requester.represents if cat is Category.attorney_representative else request.requester.name
    if cat is Category.third_party_release and request.consent:
        me = request.consent.on_behalf_of or request.consent.signed_by
    self_cats = FAMILY | {Category.third_party_release}
    return [Party(p.name, p.role, tuple(p.aliases), cat in self_cats and _is(me, p), tuple(p.identifiers))
            for p in request.parties]


def _named(a: str, b: str) -> bool:
    """Names match when they do after dropping titles, credentials and punctuation."""
    def key(n: str) -> str:
        words = [w for w in re.split(r"[\s.,]+", normalise(n)) if w]
        drop = {"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "esq", "md", "phd", "jr", "sr", "atty", "hon"}
        return " ".join(w for w in words if w not in drop)
    return key(a) == key(b) and key(a) != ""


def check_consent(request: Request, as_of: dt.date) -> None:
    """A valid DCF-2131F for this requester, or Refused naming the failed condition."""
    c = request.consent
    if c is None:
        raise Refused("third_party_release needs a signed DCF-2131F release: request.yaml has no consent "
                      "(see docs/request-folder.md)")
    if re.sub(r"[^A-Z0-9]", "", c.form.upper()) != "DCF2131F":
        raise Refused(f"consent form is '{c.form}', not a DCF-2131F release of information from DCF")
    signer = c.on_behalf_of or c.signed_by
    if not any(_is(signer, p) for p in request.parties):
        who = "the party the signer represents (on_behalf_of)" if c.on_behalf_of else "the signer (signed_by)"
        raise Refused(f"consent: {who} is not a party on the case roster")
    if c.revoked:
        raise Refused("consent has been revoked")
    if c.signed_on > request.received:
        raise Refused(f"consent was signed on {c.signed_on}, after the request was received ({request.received})")
    if c.expires < as_of:
        raise Refused(f"consent expired on {c.expires} (release date {as_of}); a release past its date is no release")
    if c.signed_on > as_of:
        raise Refused(f"consent is dated {c.signed_on}, after the release date {as_of}")
    if not _named(c.recipient, request.requester.name):
        raise Refused("consent names another recipient than the requester")
    if not c.purpose.strip():
        raise Refused("consent states no purpose")
    if not [i for i in c.information if i.strip()]:
        raise Refused("consent names no information to release")


def consented(request: Request) -> frozenset[str]:
    """The information categories the consent names (record categories and special categories)."""
    if request.requester.category is not Category.third_party_release or request.consent is None:
        return frozenset()
    return frozenset(info_key(i) for i in request.consent.information)


def in_scope(request: Request, info_category: str) -> bool:
    """Whether a record of this information category may be released to this requester."""
    if request.requester.category is not Category.third_party_release:
        return True
    return info_key(info_category) in consented(request)


def admit(request: Request, as_of: dt.date | None = None) -> Recipe:
    """The recipe for this request, or Refused with the one line that says why."""
    cat = request.requester.category
    as_of = as_of or dt.date.today()
    if cat in FAMILY:
        if request.case.status != "open":
            raise Refused(f"{cat.value} requests are allowed only on an open case (case.status is "
                          f"'{request.case.status}'); forward the request to the Office of Legal Affairs")
        me = request.requester.represents if cat is Category.attorney_representative else request.requester.name
        match = [p for p in request.parties if _is(me, p)]
        who = "the represented party" if cat is Category.attorney_representative else "the requester"
        if not match:
            raise Refused(f"{who} is not on the case roster (parties); add them or forward the request "
                          "to the Office of Legal Affairs (see docs/request-folder.md)")
        if cat is Category.parent_guardian and not any(p.role in {"parent", "guardian"} for p in match):
            raise Refused("the requester is on the roster but not as a parent or guardian")
    if cat is Category.third_party_release:
        check_consent(request, as_of)
    if cat is Category.other:
        if request.legal_review is None:
            raise Refused("category 'other' needs legal review: forward the request to the Office of Legal "
                          "Affairs or an AAG, then record legal_review (approved_by, reference) in request.yaml "
                          "(see docs/request-folder.md)")
    return load_recipe(cat.value)

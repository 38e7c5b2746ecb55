"""Stage 1: read and validate a request folder (shared/spec/request-folder.md).

Unknown keys are errors, not ignored: a misspelt `aliases` must not silently drop the names it held.
"""
from __future__ import annotations

import datetime as dt
from enum import Enum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import InvalidRequest


class Category(str, Enum):
    client = "client"
    parent_guardian = "parent_guardian"
    attorney_representative = "attorney_representative"
    dcf_staff = "dcf_staff"
    assistant_attorney_general = "assistant_attorney_general"
    court = "court"
    third_party_release = "third_party_release"
    law_enforcement = "law_enforcement"
    public_health = "public_health"
    medical_research = "medical_research"
    other = "other"


Role = Literal["child", "parent", "guardian", "reporter", "collateral", "foster_parent",
               "dcf_staff", "provider", "other"]


class _Strict(BaseModel):
    """Unknown keys are errors: in a party entry a misspelt `aliases` would silently drop names,
    in a consent a misspelt scope field would widen what is released."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Open(BaseModel):
    """Sections where the agency may keep extra notes of its own (ignored by redactkit)."""
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Requester(_Open):
    name: str = Field(min_length=1)
    category: Category
    represents: str | None = None
    address: str | None = None


class Case(_Open):
    id: str | None = None
    status: Literal["open", "closed"] = "open"

    @field_validator("id", mode="before")
    @classmethod
    def _str(cls, v):
        return None if v is None else str(v)


class PartyEntry(_Strict):
    name: str = Field(min_length=1)
    role: Role
    aliases: list[str] = []
    acp: bool = False  # Address Confidentiality Program participant

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, v):
        if v is None:
            return []
        if isinstance(v, str):
            return [v]
        return [str(a) for a in v]


class Consent(_Strict):
    form: str
    signed_by: str
    signed_on: dt.date
    expires: dt.date
    recipient: str
    information: list[str]
    purpose: str = ""
    revoked: bool = False
    on_behalf_of: str | None = None   # when signed_by is a party's attorney or authorized representative
    reference: str | None = None      # the agency's reference for the signed form

    @field_validator("information", mode="before")
    @classmethod
    def _info(cls, v):
        return [v] if isinstance(v, str) else v


class LegalReview(_Open):
    approved_by: str = Field(min_length=1)
    reference: str = Field(min_length=1)


class Production(_Strict):
    """How the released pages are numbered and marked (redactkit.bates)."""
    prefix: str | None = Field(default=None, max_length=40)   # default: the request id and a dash
    start: int = Field(default=1, ge=0, le=10**9)
    digits: int = Field(default=6, ge=1, le=12)
    page_labels: bool = False          # "Page 3 of 12" on every page
    legend: str | None = Field(default=None, max_length=300)  # a confidentiality legend on every page

    @field_validator("prefix", "legend", mode="before")
    @classmethod
    def _text(cls, v):
        return None if v is None else str(v)


class Request(_Open):
    request_id: str = Field(min_length=1)
    received: dt.date
    requester: Requester
    case: Case = Case()
    parties: list[PartyEntry] = []
    consent: Consent | None = None
    legal_review: LegalReview | None = None
    production: Production | None = None

    @field_validator("request_id", mode="before")
    @classmethod
    def _rid(cls, v):
        return None if v is None else str(v)

    @field_validator("request_id")
    @classmethod
    def _safe_id(cls, v: str) -> str:
        if any(c in v for c in "/\\\0") or v in {".", ".."}:
            raise ValueError("must not contain path separators (it is used in output file names)")
        return v

    @field_validator("received", mode="before")
    @classmethod
    def _iso(cls, v):
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v)
            except ValueError:
                raise ValueError("must be an ISO date, e.g. 2026-11-20") from None
        return v

    @model_validator(mode="after")
    def _represents(self):
        if self.requester.category is Category.attorney_representative and not self.requester.represents:
            raise ValueError("requester.represents is required for attorney_representative "
                             "(name the party the attorney represents)")
        return self


def _describe(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = "unknown field (check its spelling against the spec)"
    elif first["type"] == "missing":
        msg = "required field is missing"
    more = len(err.errors()) - 1
    return f"{where}: {msg}" + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def load_request(request_dir: Path) -> Request:
    """Read `request_dir/request.yaml`; raise InvalidRequest naming the file, field and problem."""
    path = request_dir / "request.yaml"
    if not request_dir.is_dir():
        raise InvalidRequest(f"{request_dir}: not a folder")
    if not path.is_file():
        raise InvalidRequest(f"{path}: missing; a request folder needs request.yaml (see the README)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" line {line + 1}" if line is not None else ""
        raise InvalidRequest(f"{path}{where}: not valid YAML") from None
    if not isinstance(data, dict):
        raise InvalidRequest(f"{path}: must be a mapping of fields (request_id, received, requester, ...)")
    try:
        req = Request.model_validate(data)
    except ValidationError as exc:
        raise InvalidRequest(f"{path}: {_describe(exc)}") from None
    if not (request_dir / "records").is_dir():
        raise InvalidRequest(f"{request_dir}: no records/ folder")
    return req

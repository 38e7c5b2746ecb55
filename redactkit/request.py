"""Stage 1: read and validate a request folder (docs/request-folder.md describes the format).

Strict at every level: an unknown key is an error with a did-you-mean hint, never ignored (a
misspelt `status` under `case:` would release a closed case; a misspelt `aliases` would drop the
names it held). Every problem with a value (wrong type, impossible date, empty, duplicate party)
is one line naming the file, the field (parties counted from 1) and the problem, exit 3.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
import unicodedata
from enum import Enum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import InvalidRequest, UsageError

DOCS = "docs/request-folder.md"   # the format's description, in the repository and the sdist


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
    """Unknown keys are errors. `notes` (free text, ignored by redactkit) is allowed in every
    section, for the agency's own remarks."""
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    notes: str | None = None


def _text_list(v):
    """A list of texts: one text alone is a list of one; empty entries are dropped."""
    if v is None:
        return []
    if isinstance(v, (str, int)):
        v = [v]
    if isinstance(v, list):
        return [str(a).strip() for a in v if a is not None and str(a).strip()] \
            if all(isinstance(a, (str, int, float)) or a is None for a in v) else v
    return v


class Requester(_Strict):
    name: str = Field(min_length=1)
    category: Category
    represents: str | None = None     # attorney_representative: the party represented
    address: str | None = None        # for the accounting of disclosures

    @model_validator(mode="after")
    def _represents(self):
        if self.category is Category.attorney_representative and not self.represents:
            raise ValueError("represents: required for attorney_representative (name the party the "
                             "attorney represents)")
        return self


class Case(_Strict):
    id: str | None = None
    # required where it decides admission (client, parent_guardian, attorney_representative): a
    # request that does not say the case is open is not admitted as if it were
    status: Literal["open", "closed"] | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _str(cls, v):
        return None if v is None else str(v)


class PartyEntry(_Strict):
    name: str = Field(min_length=1)
    role: Role
    aliases: list[str] = []
    acp: bool = False  # Address Confidentiality Program participant
    # identifiers known to be this party's own (phone, e-mail, address, SSN, ID numbers), as they
    # are written in the records: attributed to the party, so the recipe keeps or redacts them by
    # the party's role (a parent receives her own phone number; the other parent's is redacted)
    identifiers: list[str] = []

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases(cls, v):
        return _text_list(v)

    @field_validator("identifiers", mode="before")
    @classmethod
    def _identifiers(cls, v):
        v = _text_list(v)
        if isinstance(v, list):
            for i, value in enumerate(v, 1):
                if isinstance(value, str) and sum(c.isalnum() for c in value) < 4:
                    raise ValueError(f"entry {i} is too short to identify anyone (4 letters or digits at least)")
        return v


class Consent(_Strict):
    form: str = Field(min_length=1)
    signed_by: str = Field(min_length=1)
    signed_on: dt.date
    expires: dt.date
    recipient: str = Field(min_length=1)
    information: list[str]
    purpose: str = ""
    revoked: bool = False
    on_behalf_of: str | None = None   # when signed_by is a party's attorney or authorized representative
    reference: str | None = None      # the agency's reference for the signed form

    @field_validator("information", mode="before")
    @classmethod
    def _info(cls, v):
        return v if v is None else _text_list(v)

    @field_validator("purpose", mode="before")
    @classmethod
    def _purpose(cls, v):
        return "" if v is None else v


class LegalReview(_Strict):
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


class Request(_Strict):
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
        return str(v) if isinstance(v, (int, float)) else v

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
                return dt.date.fromisoformat(v.strip())
            except ValueError:
                try:
                    return dt.datetime.fromisoformat(v.strip()).date()
                except ValueError:
                    pass
                raise ValueError(f"'{v.strip()[:40]}' is not a date: write it as YYYY-MM-DD, "
                                 "e.g. 2026-11-20") from None
        return v

    @model_validator(mode="after")
    def _status(self):
        family = {Category.client, Category.parent_guardian, Category.attorney_representative}
        if self.requester.category in family and self.case.status is None:
            raise ValueError(f"case.status: required for {self.requester.category.value} requests (open or "
                             "closed: these are released only on an open case)")
        return self


# --- reading request.yaml ------------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """YAML as request.yaml needs it: dates stay text until the field that holds them checks them
    (an impossible unquoted date, 2025-13-45, is then that field's error, not a crash), and a key
    given twice in one mapping is an error (YAML would silently keep the last one)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class _DuplicateKey(Exception):
    def __init__(self, key: str, line: int):
        self.key, self.line = key, line


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if isinstance(key, typing.Hashable) and key in seen:
            raise _DuplicateKey(str(key), key_node.start_mark.line + 1)
        if isinstance(key, typing.Hashable):
            seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The model that holds the field at `loc` (for the names it allows)."""
    model: type[BaseModel] | None = Request
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        if field is None:
            return model
        model = _inner_model(field.annotation)
    return model


def _inner_model(annotation) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list):
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def _where(loc: tuple) -> str:
    """A field's path as a reader counts: parties[1].role, consent.expires."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        elif not str(part).startswith("function-"):   # pydantic's name for a validator step
            out += ("." if out else "") + str(part)
    return out


def _fields(model: type[BaseModel]) -> list[str]:
    return [f for f in model.model_fields if f != "notes"] + ["notes"]


def _problem(err: dict) -> tuple[str, str]:
    """(field path, problem) for one pydantic error, in words a request's author can act on."""
    loc = tuple(err["loc"])
    kind, given = err["type"], err.get("input")
    msg = err["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = _model_at(loc[:-1]) or Request
        allowed = _fields(model)
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else "allowed here: " + ", ".join(allowed)
        return _where(loc), f"unknown field ({hint})"
    if kind == "missing":
        return _where(loc), "required field is missing"
    if given is None or (isinstance(given, str) and not given.strip() and kind in {"string_too_short", "string_type"}):
        return _where(loc), "is empty"
    if kind == "string_too_short":
        return _where(loc), "is empty"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        model = _model_at(loc)
        fields = ", ".join(_fields(model)) if model else ""
        return _where(loc), f"must be a mapping of fields ({fields})" if fields else "must be a mapping of fields"
    if kind == "list_type":
        return _where(loc), "must be a list (one '- item' a line, or [a, b])"
    if kind in {"literal_error", "enum"}:
        choices = re.findall(r"'([^']*)'", msg)
        # the value is repeated only when it cannot be a name (console lines carry no names)
        shown = f"'{given}' " if isinstance(given, str) and re.fullmatch(r"[a-z_\-]{1,30}", given) else ""
        return _where(loc), f"{shown}is not one of: {', '.join(choices)}"
    if kind.startswith("date") or kind.startswith("datetime"):
        shown = f"'{given}' " if isinstance(given, (str, int)) and len(str(given)) <= 40 else ""
        detail = msg.split(",", 1)[1].strip() if "," in msg else ""
        return _where(loc), (f"{shown}is not a valid date" + (f" ({detail})" if detail else "")
                             + ": write it as YYYY-MM-DD, e.g. 2026-11-20")
    if kind in {"bool_type", "bool_parsing"}:
        return _where(loc), "must be true or false"
    if kind in {"string_type"}:
        return _where(loc), "must be text"
    if kind == "value_error" and not loc and ":" in msg:
        # a check of the whole section names its own field ("represents: required ...")
        return msg.split(":", 1)[0], msg.split(":", 1)[1].strip()
    if kind == "value_error" and ":" in msg.split(" ")[0]:
        field, rest = msg.split(":", 1)
        return _where(loc + (field,)), rest.strip()
    return _where(loc) or "(top level)", msg


def _describe(err: ValidationError) -> str:
    errors = err.errors()
    where, problem = _problem(errors[0])
    more = len(errors) - 1
    return f"{where}: {problem}" + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def _fail(path: Path, problem: str) -> InvalidRequest:
    return InvalidRequest(f"{path}: {problem}; see {DOCS}")


def _key(name: str) -> str:
    """A name compared as the roster compares it: case, accents, dots and spacing ignored."""
    s = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return " ".join(s.replace("’", "'").replace(".", " ").lower().split())


def _check_roster(path: Path, req: Request) -> None:
    """One entry per person: a name given twice, or one party's alias that is another party's
    name, would attribute mentions to the wrong role."""
    first: dict[str, int] = {}
    for i, p in enumerate(req.parties, 1):
        key = _key(p.name)
        if key in first:
            raise _fail(path, f"parties[{i}].name: the same name as parties[{first[key]}] (one entry per "
                              "person; other spellings go under aliases)")
        first[key] = i
    for i, p in enumerate(req.parties, 1):
        for alias in p.aliases:
            j = first.get(_key(alias))
            if j is not None and j != i:
                raise _fail(path, f"parties[{i}].aliases: an alias is the name of parties[{j}] (one entry "
                                  "per person)")


def has_records(request_dir: Path) -> bool:
    """Whether records/ holds at least one file (hidden files such as .DS_Store do not count)."""
    root = request_dir / "records"
    return any(not any(part.startswith(".") for part in p.relative_to(root).parts)
               and (p.is_file() or p.is_symlink()) for p in root.rglob("*"))


def load_request(request_dir: Path) -> Request:
    """Read `request_dir/request.yaml`; raise InvalidRequest naming the file, field and problem."""
    path = request_dir / "request.yaml"
    if not request_dir.is_dir():
        raise InvalidRequest(f"{request_dir}: no such folder" if not request_dir.exists()
                             else f"{request_dir}: not a folder; give the request folder (the one holding "
                                  "request.yaml and records/)")
    if not path.is_file():
        raise _fail(path, "missing; a request folder needs request.yaml")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except _DuplicateKey as exc:
        raise _fail(path, f"line {exc.line}: '{exc.key}' is given twice in the same section") from None
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, TypeError, RecursionError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f" line {line + 1}" if line is not None else ""
        what = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else "not valid YAML"
        raise InvalidRequest(f"{path}{where}: {what}; see {DOCS}") from None
    if not isinstance(data, dict):
        raise _fail(path, "must be a mapping of fields (request_id, received, requester, case, parties, ...)")
    try:
        req = Request.model_validate(data)
    except ValidationError as exc:
        raise _fail(path, _describe(exc)) from None
    _check_roster(path, req)
    records = request_dir / "records"
    if not records.is_dir():
        raise _fail(request_dir, "no records/ folder (put the case records in request_folder/records/)")
    if not has_records(request_dir):
        raise _fail(records, "empty: there is nothing to release (put the case records in it)")
    return req


def check_out(request_dir: Path, out_dir: Path) -> None:
    """--out must not be the request folder or inside it: the release would land among the
    records, and a later run would read it as records."""
    try:
        req, out = request_dir.resolve(), out_dir.resolve()
    except (OSError, RuntimeError):
        return
    if out == req or req in out.parents:
        raise UsageError(f"--out {out_dir} is inside the request folder {request_dir}; write the release "
                         "outside it (a later run would read it as records)")

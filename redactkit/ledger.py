"""The accounting of disclosures (45 CFR 164.528): an append-only, tamper-evident ledger.

One JSON object per line. Each entry carries the SHA-256 of the previous entry's line and its own
hash over its content, so an edited, inserted or deleted entry breaks the chain. The ledger is
agency-internal: it names the parties whose information was disclosed, so that a person's request
for an accounting can be answered. Where it lives is a setting (REDACTKIT_LEDGER or --ledger).
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import ExitCode, RedactkitError

GENESIS = "0" * 64


def ledger_path(path: Path | None = None) -> Path:
    if path:
        return path
    env = os.environ.get("REDACTKIT_LEDGER")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "redactkit" / "ledger.jsonl"


def _digest(entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def append(entry: dict, path: Path | None = None) -> dict:
    """Append one disclosure; returns it with seq, prev_hash and hash filled in. With path=False
    (a trial release, as `redactkit check` makes) nothing is recorded."""
    if path is False:
        return entry
    path = ledger_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        lines = [line for line in fh.read().splitlines() if line.strip()]
        prev = json.loads(lines[-1]) if lines else None
        full = {"seq": (prev["seq"] + 1) if prev else 1, "prev_hash": prev["hash"] if prev else GENESIS, **entry}
        full["hash"] = _digest(full)
        fh.seek(0, os.SEEK_END)
        fh.write(json.dumps(full, ensure_ascii=False, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return full


def read(path: Path | None = None) -> list[dict]:
    if path is False:      # no ledger: a trial release
        return []
    path = ledger_path(path)
    if not path.exists():
        return []
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise LedgerBroken(f"{path}: line {exc.lineno} is not a ledger entry; the ledger was edited") from None


class LedgerBroken(RedactkitError):
    exit_code = ExitCode.ledger_broken


@dataclass
class Verification:
    entries: int
    problems: list[str]


def verify(path: Path | None = None) -> Verification:
    """Check the chain: every entry's hash matches its content and names its predecessor's."""
    entries = read(path)
    problems = []
    prev_hash, prev_seq = GENESIS, 0
    for e in entries:
        where = f"entry {e.get('seq', '?')}"
        if e.get("seq") != prev_seq + 1:
            problems.append(f"{where}: sequence jumps from {prev_seq} (an entry was removed or inserted)")
        if e.get("prev_hash") != prev_hash:
            problems.append(f"{where}: does not follow the entry before it")
        if _digest(e) != e.get("hash"):
            problems.append(f"{where}: content does not match its hash (edited)")
        prev_hash, prev_seq = e.get("hash"), e.get("seq", prev_seq + 1)
    return Verification(len(entries), problems)


def for_party(name: str, path: Path | None = None) -> list[dict]:
    """Every disclosure of this person's information: the entries whose roster names the person
    and whose release did not withhold the person's identity (a reporter's name redacted from a
    release to a parent is not a disclosure of the reporter's information). Entries written
    before that was recorded count as disclosures."""
    from .detect.roster import normalise

    key = normalise(name)
    return [e for e in read(path) if any(key in {normalise(n) for n in p.get("names", [])}
                                         and p.get("identity_disclosed", True) for p in e["parties"])]


def _identity_disclosed(request, recipe, review: dict | None) -> list[bool]:
    """Per roster party: whether the release can show who the party is. The recipe decides that
    for the party's name in the party's role (the requester is "self"); after a review in which
    staff kept something the recipe would redact, every party counts as disclosed (the plan does
    not say whose names were kept, and an accounting must not leave a disclosure out)."""
    from .plan import roster
    from .types import Finding

    if review and review.get("reviewed") and (review.get("overridden") or {}).get("to_keep", 1):
        return [True] * len(request.parties)
    out = []
    for party in roster(request):
        role = "self" if party.is_requester else party.role
        found = Finding(0, 0, len(party.name), party.name, "PERSON", 1.0, "roster", party.name, role)
        out.append(recipe.decide(found).decision == "keep")
    return out


def disclosure_entry(request, recipe, manifest: dict, manifest_sha256: str, review: dict | None = None) -> dict:
    """The accounting entry for a finished release."""
    released = [r for r in manifest["records"] if r["status"] == "released"]
    consent = request.consent
    return {
        "date": dt.date.today().isoformat(),
        "recorded_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "request_id": request.request_id,
        "case_id": request.case.id,
        "recipient": {"name": request.requester.name, "category": request.requester.category.value,
                      "address": request.requester.address, "represents": request.requester.represents},
        "purpose": (consent.purpose if consent and request.requester.category.value == "third_party_release"
                    else recipe.title),
        "legal_basis": recipe.legal_basis,
        "consent": ({"form": consent.form, "reference": consent.reference, "signed_by": consent.signed_by,
                     "signed_on": consent.signed_on.isoformat(), "expires": consent.expires.isoformat(),
                     "information": consent.information} if consent else None),
        "legal_review": ({"approved_by": request.legal_review.approved_by,
                          "reference": request.legal_review.reference} if request.legal_review else None),
        "recipe": {"name": recipe.name, "sha256": recipe.sha256},
        "parties": [{"names": [p.name, *p.aliases], "role": p.role, "identity_disclosed": shown}
                    for p, shown in zip(request.parties, _identity_disclosed(request, recipe, review))],
        "disclosed": [{"source_sha256": r["source_sha256"], "information_category": r["information_category"],
                       "output": r["output"], "output_sha256": r["output_sha256"], "pages": r["pages"]}
                      for r in released],
        "manifest_sha256": manifest_sha256,
        "review": review or {"reviewed": False},
    }

"""The case roster as per-request recognizers.

Every mention of a party is attributed to that party: full name (with or without a middle name or
initial), "SURNAME, First", first name alone, surname alone ("Ms. Surname"), aliases, ALL-CAPS
forms, and names wrapped over a line break. A form that several parties share (a family surname)
is attributed to all of them; the plan then redacts it if any of them must be redacted.

A party's `identifiers` (request.yaml: phones, e-mails, addresses, SSN, ID numbers known to be
theirs) are found the same way and attributed to the party (KNOWN_IDENTIFIER); `attribute` then
gives every other finding that lies wholly inside one the same party, so the recipe keeps or
redacts it by the party's role: a parent receives her own phone number, not the other parent's.

The recognizer itself (`RosterRecognizer`, a Presidio recognizer) is in roster_recognizer.py: this
module's forms and helpers load without Presidio.
"""
from __future__ import annotations

import re
import unicodedata

from ..types import Party

ROSTER_ENTITY = "ROSTER_PERSON"
IDENTIFIER_ENTITY = "KNOWN_IDENTIFIER"
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
_PARTICLES = {"de", "la", "van", "von", "der", "del", "da", "di", "le", "st"}


def normalise(name: str) -> str:
    """Case-, accent- and whitespace-insensitive key for a name."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.replace("’", "'").replace(".", " ")
    return " ".join(s.lower().split())


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[\s,]+", name.strip()) if t and t.lower().strip(".") not in _SUFFIXES]


def _forms(party: Party) -> set[tuple[str, bool]]:
    """(form, multi_token) pairs naming this party."""
    forms: set[tuple[str, bool]] = set()
    for full in (party.name, *party.aliases):
        toks = _tokens(full)
        if not toks:
            continue
        forms.add((" ".join(toks), len(toks) > 1))
        if len(toks) > 1:
            first, last = toks[0], toks[-1]
            surname = [t for t in toks[1:]]
            # surname with particles ("de la Cruz") and hyphenated parts
            forms.add((last, False))
            if len(surname) > 1 and surname[0].lower() in _PARTICLES:
                forms.add((" ".join(surname), True))
            if "-" in last:
                for part in last.split("-"):
                    if len(part) > 1:
                        forms.add((part, False))
            forms.add((first, False))
            forms.add((f"{first} {last}", True))
            forms.add((f"{last}, {first}", True))
            forms.add((f"{' '.join(surname)}, {first}", True))
    return {(f, multi) for f, multi in forms if len(f.replace(" ", "")) >= 2}


def _pattern(form: str, middle: bool) -> str:
    """Regex for a form; whitespace between parts may be any whitespace (a line break too).

    `middle`: a two-part "First Last" form also matches "First M. Last" / "First Marie Last".
    """
    parts = form.replace(",", " , ").split()
    body = re.escape(parts[0])
    for prev, part in zip(parts, parts[1:]):
        if part == ",":
            body += r"\s*,"
        elif prev == ",":
            body += r"\s*" + re.escape(part)
        else:
            body += r"\s+" + re.escape(part)
    if middle and len(parts) == 2:
        body = (re.escape(parts[0]) + r"\s+(?-i:[A-Z](?:[a-z'’-]+|\.)?\s+)?" + re.escape(parts[1]))
    return body


def _identifier_pattern(value: str) -> str:
    """A listed identifier wherever a reader would read it: a number (phone, SSN, ID) by its
    digits, whatever the separators between them ("(860) 555-0101" = "860.555.0101"); anything
    else as redactkit.text.value_pattern reads a value (any case, spacing, dash or apostrophe)."""
    from ..text import value_pattern

    digits = re.sub(r"\D", "", value)
    if len(digits) >= 7 and not re.search(r"[^\d\s().+\-\u2010-\u2015/]", value):
        # a phone number may stand with its country code or area code in brackets: "+1 (860) 555-0101"
        lead = r"(?:\+?1[\s.\-]{0,2})?\(?" if len(digits) == 10 else r"\(?"
        return r"(?<![\w+(])" + lead + r"[\s().\-\u2010-\u2015/]{0,3}".join(digits) + r"(?!\w)"
    return value_pattern(value).pattern


def attribute(findings: list) -> list:
    """Give each finding that no party claims and that lies wholly inside a party's listed
    identifier that party (and role): the phone recognizer's PHONE_NUMBER inside the mother's
    listed phone number is the mother's. Passages and reporter clues are not attributed."""
    known = [f for f in findings if f.entity == IDENTIFIER_ENTITY]
    if not known:
        return findings
    for f in findings:
        if f.party is not None or f.entity == IDENTIFIER_ENTITY or f.entity.startswith("SPECIAL_") \
                or f.entity == "REPORTER_CLUE":
            continue
        owner = next((k for k in known if k.start <= f.start and f.end <= k.end), None)
        if owner is not None:
            f.party, f.role = owner.party, owner.role
    return findings


def __getattr__(name: str):
    # the recognizer needs Presidio; the rest of this module (read by the plan, the ledger and
    # the main process of a long request, which detects in the workers) does not
    if name == "RosterRecognizer":
        from .roster_recognizer import RosterRecognizer
        return RosterRecognizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Name lists for the gazetteer recognizers: first and last names of every Latin-script locale
that Faker ships (national statistics and census lists), so that a pair like "Jonás Narváez" or
"Kashvi Sibal" is found even where the small NER model misses it."""
from __future__ import annotations

import importlib
import pkgutil
import re
import unicodedata
from functools import lru_cache

_LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F'’\-]+$")


def fold(text: str) -> str:
    """Accent-folded copy of `text` with the same length (so offsets map 1:1): "Lelièvre" ->
    "Lelievre". Characters that do not fold to a single base character are kept."""
    out = []
    for c in text:
        if c.isascii():
            out.append(c)
            continue
        base = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
        out.append(base if len(base) == 1 else ("'" if c == "’" else c))
    return "".join(out)


def _names(attr_names: tuple[str, ...]) -> frozenset[str]:
    import faker.providers.person as person

    found: set[str] = set()
    for mod in pkgutil.iter_modules(person.__path__):
        try:
            provider = importlib.import_module(f"faker.providers.person.{mod.name}").Provider
        except Exception:
            continue
        for attr in attr_names:
            values = getattr(provider, attr, ())
            if not isinstance(values, (tuple, list, dict, set, frozenset)):
                continue
            for name in values:
                if isinstance(name, str) and 2 <= len(name) <= 30 and _LATIN.match(name):
                    found.add(fold(name))
    return frozenset(found)


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    return _names(("first_names", "first_names_male", "first_names_female", "first_names_nonbinary"))


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    return _names(("last_names", "last_names_male", "last_names_female"))


# Words of case-record headings and forms that the small NER model sometimes calls a person.
# A span made only of these (and titles) is not a name; a name beside them is still found.
NOT_NAME_WORDS = {
    "report", "reports", "intake", "careline", "summary", "notes", "narrative", "plan", "hospital", "department",
    "court", "school", "case", "discharge", "visit", "home", "letter", "services", "service", "center", "clinic",
    "agency", "office", "children", "families", "family", "dcf", "safety", "assessment", "investigation",
    "placement", "foster", "medical", "record", "records", "worker", "social", "patient", "attending", "admitted",
    "dob", "mrn", "phone", "address", "reporter", "child", "parent", "guardian", "confidential", "date", "re",
    "dear", "sincerely", "page", "subject", "from", "to", "cc", "medicaid", "husky", "id", "follow-up", "review",
    "attendance", "attachments", "attachment", "forwarded", "message", "concern", "notes", "student",
    # relations and roles: "told Mother", "the Caller"
    "mother", "father", "mom", "dad", "grandmother", "grandfather", "grandma", "grandpa", "sister", "brother",
    "aunt", "uncle", "cousin", "son", "daughter", "parents", "youth", "minor", "caller", "staff", "supervisor",
    "he", "she", "they", "his", "her", "their", "we", "i", "it", "this", "that", "a", "an", "in", "on", "at",
    "state", "connecticut", "superior", "juvenile", "probate", "matters", "attorney", "general", "aag",
    # credentials and suffixes after a name
    "md", "m.d", "phd", "ph.d", "rn", "lpn", "np", "aprn", "lcsw", "lmsw", "msw", "lpc", "lmft", "psyd", "dds",
    "esq", "jr", "sr", "ii", "iii", "iv", "dvm", "pa-c", "cna", "ma", "ms", "bsn", "msn", "dnp", "facp"}
# Words that make a capitalised phrase an organisation or place, not a person.
ORG_WORDS = {"hospital", "school", "center", "centre", "clinic", "department", "court", "police", "services",
             "agency", "office", "church", "academy", "university", "college", "elementary", "high", "middle",
             "bank", "company", "inc", "llc", "program", "house", "shelter", "street", "road", "avenue",
             "county", "city", "town", "state", "medical", "health", "care", "pharmacy", "institute"}

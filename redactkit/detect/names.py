"""Name lists for the name recognizers: first and last names of 105 countries from real population
data (names-dataset, precomputed at build time into data/names.tsv.gz by
scripts/build_name_data.py), each flagged when it is also a common English word ("grace",
"rock"), so that a name is found where the small NER model misses it and a word is not boxed for
being a name somewhere."""
from __future__ import annotations

import gzip
import re
import sys
import unicodedata
from bisect import bisect_left
from functools import lru_cache
from importlib.resources import files

_LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F'’\-]+$")


def fold(text: str) -> str:
    """Accent-folded copy of `text` with the same length (so offsets map 1:1): "Lelièvre" ->
    "Lelievre". Characters that do not fold to a single base character are kept."""
    if text.isascii():
        return text
    out = []
    for c in text:
        if c.isascii():
            out.append(c)
            continue
        base = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
        out.append(base if len(base) == 1 else ("'" if c == "’" else c))
    return "".join(out)


@lru_cache(maxsize=1)
def _table() -> list[str]:
    """The rows of data/names.tsv.gz, "token<TAB>first<TAB>last<TAB>word" with one digit a flag
    (first and last: 0 no, 1 common, 2 known; word: 1 if a common English word), sorted by token
    as scripts/build_name_data.py writes them: found by bisection (`name_bits`), not copied into
    a dict of 328,000 entries (0.3 s of the detection workers' start-up)."""
    with gzip.open(files(__package__).joinpath("data/names.tsv.gz"), "rt", encoding="utf-8") as f:
        rows = f.read().split("\n")
    if rows and not rows[-1]:
        rows.pop()
    return rows


def _bits_of(fb: str, lb: str, word: str) -> int:
    return (1 if fb == "1" else 2 if fb == "2" else 0) | (4 if lb == "1" else 8 if lb == "2" else 0) | \
        (16 if word == "1" else 0)


# a row's flags as written after its token, and their bits
_ROW_BITS = {f"{fb}\t{lb}\t{w}": _bits_of(fb, lb, w) for fb in "012" for lb in "012" for w in "01"}


FIRST_COMMON, FIRST, LAST_COMMON, LAST, WORD = 1, 2, 4, 8, 16


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Common English words (SCOWL's lower-case entries, accent-folded)."""
    with gzip.open(files(__package__).joinpath("data/english.txt.gz"), "rt", encoding="utf-8") as f:
        return frozenset(sys.intern(w) for w in f.read().split())


def same_case(values: dict) -> list[str]:
    """Of the values found (text -> Finding), the names of one word that are also English words
    ("Rock", "Hope"): found elsewhere only as written, capitalised (the same word in lower case
    is the word)."""
    return [t for t, f in values.items() if f.entity == "PERSON" and len(t.split()) == 1 and is_word(t)]


@lru_cache(maxsize=65536)
def is_word(token: str) -> bool:
    return fold(token).lower().replace("’", "'") in english_words()


@lru_cache(maxsize=65536)
def name_bits(token: str) -> int:
    """What the population name list says of a token (any case, accents folded): 0 if not a name."""
    key = fold(token).lower().replace("’", "'") + "\t"
    rows = _table()
    i = bisect_left(rows, key)
    return _ROW_BITS.get(rows[i][len(key):], 0) if i < len(rows) and rows[i].startswith(key) else 0


def is_first(token: str) -> bool:
    return bool(name_bits(token) & (FIRST_COMMON | FIRST))


def is_last(token: str) -> bool:
    return bool(name_bits(token) & (LAST_COMMON | LAST))


def first_names() -> frozenset[str]:
    """Title-cased first names (for the pair rules)."""
    return _titled(FIRST_COMMON | FIRST)


def last_names() -> frozenset[str]:
    return _titled(LAST_COMMON | LAST)


@lru_cache(maxsize=2)
def _titled(mask: int):
    return _NameSet(mask)


class _NameSet:
    """`"Narvaez" in last_names()`: membership by the name table, any case."""

    def __init__(self, mask: int):
        self.mask = mask

    def __contains__(self, token: str) -> bool:
        return bool(name_bits(token) & self.mask)


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


# Clinical shorthand, abbreviations and common words that are never (part of) a person's name
# (the population name recognizer's stop list; also read by detection's post-processing).
STOP = {
    "pt", "pts", "abd", "abg", "abgs", "ngt", "ogt", "bilat", "tele", "sats", "dsg", "colace", "ptt", "inr", "tmax",
    "prn", "cont", "vent", "tol", "meq", "dispo", "uo", "nsr", "rass", "tlc", "peep", "hct", "hgb", "prbc", "cxr",
    "abx", "foley", "lasix", "vanco", "neuro", "resp", "cards", "renal", "heme", "onc", "ortho", "psych", "surg",
    "trach", "peg", "picc", "aline", "sbp", "dbp", "map", "cvp", "etoh", "hx", "dx", "tx", "rx", "sx", "fx", "bx",
    "cx", "ivf", "gtt", "gtts", "po", "iv", "im", "sq", "sc", "npo", "ngt", "bm", "bms", "uop", "sob", "doe",
    "cp", "ns", "lr", "kcl", "mg", "mcg", "ml", "cc", "hr", "hrs", "bp", "rr", "sao2", "spo2", "fio2", "nc",
    "nrb", "bipap", "cpap", "ett", "ekg", "ecg", "echo", "cath", "ct", "mri", "kub", "ua", "uc", "bcx", "ucx",
    "wbc", "rbc", "plt", "bun", "cr", "na", "k", "cl", "co2", "glu", "ast", "alt", "ldh", "cpk", "ck", "trop",
    "bnp", "pe", "dvt", "mi", "chf", "copd", "cad", "htn", "dm", "ckd", "esrd", "arf", "uti", "gib", "ards",
    "mae", "perrl", "perla", "aox", "aox3", "ox3", "gcs", "ls", "bs", "ss", "fs", "dc", "d/c", "mn", "io", "tf",
    "tfs", "lol", "oob", "ooc", "ambulated", "repleted", "wean", "weaned", "propofol", "fentanyl", "versed",
    "ativan", "haldol", "levophed", "neo", "dopa", "dobutamine", "heparin", "lovenox", "coumadin", "insulin",
    "lopressor", "metoprolol", "lisinopril", "zosyn", "cefepime", "flagyl", "cipro", "levo", "tylenol",
    "morphine", "dilaudid", "oxycodone", "protonix", "pepcid", "zofran", "reglan", "senna", "duoderm", "mepilex",
    "coccyx", "sacrum", "ecchymosis", "edema", "diurese", "diuresis", "extubate", "extubated", "intubated",
    "sedated", "afebrile", "febrile", "tachy", "brady", "sinus", "ectopy", "pvcs", "pacs", "afib", "aflutter",
    "sl", "tid", "bid", "qid", "qd", "qhs", "ac", "hs", "am", "pm", "ed", "er", "icu", "micu", "sicu", "ccu",
    "csru", "nicu", "picu", "pacu", "or", "ir", "gi", "gu", "ent", "id", "ot", "pt/ot", "sw", "cm", "vna",
    "rehab", "snf", "ltac", "hcp", "dnr", "dni", "cmo", "full", "code", "vss", "wnl", "nad", "nkda", "yo",
    "re", "w", "c", "s", "p", "f", "m", "x", "ok", "okay", "mon", "tue", "wed", "thu", "fri", "sat", "sun",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mondays", "tuesdays",
    "wednesdays", "thursdays", "fridays", "saturdays", "sundays", "january", "february",
    "march", "april", "june", "july", "august", "september", "october", "november", "december", "today",
    "tomorrow", "yesterday", "tonight", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec", "noc", "days", "nights", "conn", "gen", "stat", "stats", "sec", "secs", "mass", "calif", "penn", "wash", "fla", "tex", "ariz",
    "colo", "mich", "minn", "wis", "okla", "ore", "tenn", "ill", "ind", "ala", "neb", "nev", "careline", "dcf", "husky", "medicaid", "aag", "lcsw", "msw", "mrn", "dob", "ssn", "ems", "ama",
}

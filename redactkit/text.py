"""Text as a reader compares it, and a value as a pattern: the one place both are defined.

Detection (a value found in one place is found wherever it stands), review (a text staff typed)
and verification (a redacted value must not be readable) all use `value_pattern`, so that what
one stage calls "the same value" is what the others call it too.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_APOSTROPHES = "'\u2019\u2018\u02bc"


# a file name's extension (at the end of a label, or of a part of it: "letter.msg > scan.tif",
# "records/a.pdf"): its format, no one's name; labels are read without them for redacted values
FILE_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}(?=$|\s|/|\)|,)", re.MULTILINE)


def norm(text: str) -> str:
    """Compare texts as a reader would: NFKC, whitespace collapsed, case folded, dashes and
    apostrophes unified, soft hyphens dropped."""
    t = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    t = re.sub(f"[{_APOSTROPHES}]", "'", t)
    t = re.sub(f"[{_DASHES[1:]}]", "-", t)
    return " ".join(t.split()).casefold()


def _char(c: str) -> str:
    if c in _DASHES:   # a word processor may wrap a value after its dash: "860-555-" / "0177"
        return f"[{re.escape(_DASHES)}][^\\S\\n]?\\n?[^\\S\\n]?"
    if c in _APOSTROPHES:
        return f"[{_APOSTROPHES}]"
    return re.escape(c)


@lru_cache(maxsize=16384)
def value_pattern(value: str) -> re.Pattern:
    """`value` wherever a reader would read it: case-insensitive, any spacing between its words
    (none too, and soft hyphens), any dash or apostrophe (and a line break after a dash), bounded by a non-letter/digit on both
    sides. Use it on raw page text (offsets are the text's own) or on `reading(text)`."""
    words = unicodedata.normalize("NFKC", value).replace("\u00ad", "").split()
    gap = r"[\s\u00ad]*"
    body = gap.join("".join(_char(c) for c in w) for w in words if w)
    return re.compile(rf"(?<![^\W_]){body}(?![^\W_])", re.IGNORECASE)


def reading(text: str) -> str:
    """Text as extracted, made comparable without changing case: NFKC (ligatures, full-width
    forms), soft hyphens dropped. `value_pattern` handles case, spacing, dashes and apostrophes."""
    return unicodedata.normalize("NFKC", text).replace("\u00ad", "")


_TOKEN = re.compile(r"[^\W_]+")


def _key(token: str) -> str:
    return unicodedata.normalize("NFKC", token).casefold()


class ValueIndex:
    """Many values found in one pass over a text, by their words: a value matches where its
    letter-and-digit runs follow each other in the text, whatever stands between them (spaces,
    a line break, a dash or apostrophe of any kind), case-insensitively. A little looser than
    `value_pattern` (which wants spacing between words), never tighter; linear in the text's
    length however many values there are. Longest match wins at each place."""

    def __init__(self, values, same_case=()):
        """`same_case`: values matched only as written or in capitals (a name that is also a word:
        "Rock" and "ROCK" are found, "rock" is not)."""
        self.by_first: dict[str, list[tuple[list[str], str, tuple[str, ...] | None]]] = {}
        same_case = set(same_case)
        seen = set()
        for v in values:
            raw = tuple(unicodedata.normalize("NFKC", t) for t in _TOKEN.findall(v))
            tokens = tuple(_key(t) for t in raw)
            if not tokens or tokens in seen:
                continue
            seen.add(tokens)
            self.by_first.setdefault(tokens[0], []).append((list(tokens), v, raw if v in same_case else None))
        for entries in self.by_first.values():
            entries.sort(key=lambda e: -len(e[0]))

    def __bool__(self) -> bool:
        return bool(self.by_first)

    def finditer(self, text: str):
        """(start, end, value) for every occurrence, `value` as it was given; occurrences do not
        overlap (the longest value starting at a word wins, and the scan goes on after it)."""
        if not self.by_first:
            return
        words = [(m.start(), m.end(), _key(m.group(0))) for m in _TOKEN.finditer(text)]
        keys = [w[2] for w in words]
        i = 0
        while i < len(words):
            entries = self.by_first.get(keys[i])
            hit = None
            if entries:
                for tokens, value, raw in entries:
                    n = len(tokens)
                    # the value's words from here (one comparison of lists: a short slice at the end differs)
                    if (n == 1 or keys[i:i + n] == tokens) and (
                            raw is None or all(unicodedata.normalize("NFKC", text[words[i + k][0]:words[i + k][1]])
                                               in (raw[k], raw[k].upper()) for k in range(n))):
                        hit = (n, value)
                        break
            if hit is None:
                i += 1
                continue
            n, value = hit
            yield words[i][0], words[i + n - 1][1], value
            i += n

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


def norm(text: str) -> str:
    """Compare texts as a reader would: NFKC, whitespace collapsed, case folded, dashes and
    apostrophes unified, soft hyphens dropped."""
    t = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    t = re.sub(f"[{_APOSTROPHES}]", "'", t)
    t = re.sub(f"[{_DASHES[1:]}]", "-", t)
    return " ".join(t.split()).casefold()


def _char(c: str) -> str:
    if c in _DASHES:
        return f"[{re.escape(_DASHES)}]"
    if c in _APOSTROPHES:
        return f"[{_APOSTROPHES}]"
    return re.escape(c)


@lru_cache(maxsize=16384)
def value_pattern(value: str) -> re.Pattern:
    """`value` wherever a reader would read it: case-insensitive, any spacing between its words
    (none too, and soft hyphens), any dash or apostrophe, bounded by a non-letter/digit on both
    sides. Use it on raw page text (offsets are the text's own) or on `reading(text)`."""
    words = unicodedata.normalize("NFKC", value).replace("\u00ad", "").split()
    gap = r"[\s\u00ad]*"
    body = gap.join("".join(_char(c) for c in w) for w in words if w)
    return re.compile(rf"(?<![^\W_]){body}(?![^\W_])", re.IGNORECASE)


def reading(text: str) -> str:
    """Text as extracted, made comparable without changing case: NFKC (ligatures, full-width
    forms), soft hyphens dropped. `value_pattern` handles case, spacing, dashes and apostrophes."""
    return unicodedata.normalize("NFKC", text).replace("\u00ad", "")


class ValueIndex:
    """Many values found in one scan of a text: the same matching rules as `value_pattern`, one
    alternation (longest values first, so "Dana Whitfield" wins over "Dana")."""

    def __init__(self, values):
        self.by_key: dict[str, str] = {}
        for v in values:
            key = norm(v)
            if any(c.isalnum() for c in key):
                self.by_key.setdefault(key, v)
        bodies = [value_pattern(v).pattern[len(r"(?<![^\W_])"):-len(r"(?![^\W_])")]
                  for v in sorted(self.by_key.values(), key=lambda v: -len(v))]
        self._rx = re.compile(r"(?<![^\W_])(?:" + "|".join(bodies) + r")(?![^\W_])", re.IGNORECASE) \
            if bodies else None

    def __bool__(self) -> bool:
        return self._rx is not None

    def finditer(self, text: str):
        """(start, end, value) for every occurrence, `value` as it was given."""
        if self._rx is None:
            return
        for m in self._rx.finditer(text):
            value = self.by_key.get(norm(m.group(0)))
            if value is None:   # matched through spacing/dash variants: find which value
                value = next((v for v in self.by_key.values() if value_pattern(v).fullmatch(m.group(0))), None)
            if value is not None:
                yield m.start(), m.end(), value

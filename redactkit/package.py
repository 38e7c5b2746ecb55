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
import math
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
    duplicates = sum(o.status == "duplicate" for o in outcomes)
    codes: dict[str, int] = {}
    for o in released:
        for code, n in o.redaction_counts.items():
            codes[code] = codes.get(code, 0) + n
    return {"records": len(outcomes), "released": len(released), "withheld": len(outcomes) - len(released) - duplicates,
            "duplicates": duplicates,
            "needs_attention": sum(o.needs_attention for o in outcomes),
            "pages": sum(o.pages for o in released),
            "pages_withheld": sum(len(o.withheld_pages) for o in released),
            "pages_healed": sum(o.healed_pages for o in released),
            "redactions": dict(sorted(codes.items()))}


def manifest(request: Request, recipe: Recipe, outcomes: list[RecordOutcome], source_names: dict[str, str],
             case_id: str | None, special_notices: dict[str, str] | None = None, review: dict | None = None,
             production: dict | None = None, exemption_log: dict | None = None) -> dict:
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
        **({"production": production} if production else {}),
        **({"exemption_log": exemption_log} if exemption_log else {}),
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
            **({"bates": {"first": o.bates[0], "last": o.bates[1]}} if o.bates and o.status == "released" else {}),
            **({"duplicate_of": {"source": source_names.get(o.duplicate_of, o.duplicate_of), "found_by": o.reason,
                                 **({"bates": {"first": o.bates[0], "last": o.bates[1]}} if o.bates else {})}}
               if o.status == "duplicate" else {}),
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


TABLE_ROWS = 10      # records per table on the cover sheet


def cover_sheet(m: dict, dest: Path) -> None:
    """manifest.pdf: the manifest as a readable cover sheet, with the redisclosure notice."""
    e = html.escape
    cells = [
        f"<tr><td>{e(r['source'])}</td><td>{e(r['output'] or '-')}{_bates(r.get('bates'), '<br/>Bates ')}</td>"
        f"<td>{e(r['status'])}{'<br/>' + e(r['reason']) if r.get('reason') else ''}"
        + (f"<br/>of {e(r['duplicate_of']['source'])}{_bates(r['duplicate_of'].get('bates'), ', Bates ')} "
           f"({e(r['duplicate_of']['found_by'])}): released once" if r.get("duplicate_of") else "")
        + "".join(f"<br/>page {w['page']} withheld in full ({e(', '.join(w['codes']) or 'unreadable')})"
                  for w in r.get("withheld_pages", ())) + f"</td><td>{r['pages']}</td>"
        f"<td>{e(', '.join(f'{k}: {v}' for k, v in r['redactions'].items()) or '-')}</td></tr>"
        for r in m["records"]]
    # tables of TABLE_ROWS rows: MuPDF's layout can stall where one long table breaks across pages
    # (a request of 20 records under medical_research did: "the layout makes no progress")
    head = "<table><tr><th>Source record</th><th>Released as</th><th>Status</th><th>Pages</th><th>Redactions</th></tr>"
    rows = "</table>".join(head + "".join(cells[i:i + TABLE_ROWS]) for i in range(0, max(1, len(cells)), TABLE_ROWS))
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
                               if m['totals']['pages_withheld'] else ''}{_duplicates(m)}</td></tr>
{_production(m)}</table>
<h2>Records</h2>
{rows}</table>
{_log_note(m)}
<h2>Reason codes printed on the redactions</h2>
<table><tr><th>Code</th><th>Information withheld</th><th>Legal basis</th></tr>{legend}</table>
<p>SHA-256 of every released file is listed in manifest.json.</p>
"""
    doc = pymupdf.open("pdf", html_pdf(body, _CSS))
    doc.set_metadata({})
    doc.save(dest, garbage=4, deflate=True)
    doc.close()


def _bates(b: dict | None, before: str = "") -> str:
    return f"{before}{html.escape(b['first'])} - {html.escape(b['last'])}" if b else ""


def _duplicates(m: dict) -> str:
    n = m["totals"].get("duplicates", 0)
    return f"; {n} duplicate(s) released once (see Records)" if n else ""


def _production(m: dict) -> str:
    p = m.get("production")
    if not p or not p.get("first"):
        return ""
    return f"<tr><th>Production numbers</th><td>{html.escape(p['first'])} - {html.escape(p['last'])}</td></tr>"


def _log_note(m: dict) -> str:
    log = m.get("exemption_log")
    if not log:
        return ""
    return (f"<p>The exemption log ({html.escape(log['pdf'])}, and {html.escape(log['csv'])} for a spreadsheet) "
            f"lists each of the {log['redactions']} redaction(s) and every page or record withheld in full, by "
            "production (Bates) number, with the kind of information withheld and its legal basis.</p>")


MAX_LAYOUT_PAGES = 5000


def html_pdf(body: str | list[str], css: str, widen: bool = False, spread=None) -> bytes:
    """A small HTML document laid out on US Letter pages with 0.75 in margins, as PDF bytes.
    Raises RuntimeError if the layout makes no progress (MuPDF's Story can place nothing on page
    after page for some tables) or runs past MAX_LAYOUT_PAGES pages. `widen`: content wider than
    the page (a table whose columns cannot shrink enough) would be cut off at the margin, so the
    document is laid out again on pages as wide as it needs (Letter height, at most MAX_WIDTH).
    `body` as a list: parts laid out one after the other, each from a new page (a long document
    laid out as one takes time quadratic in its length). With `spread` (redactkit.detect.pool.spread),
    the parts are laid out side by side in the worker processes and joined here."""
    width = 612.0
    if spread is not None and not widen and not isinstance(body, str) and len(body) > 1:
        return _joined([data for data, _ in spread(_html_pages, [([part], css, width) for part in body])()])
    for _ in range(4):
        data, widest = _html_pages(body, css, width)
        if not widen or widest <= width - 54 + 0.5 or width >= MAX_WIDTH:
            return data
        width = min(MAX_WIDTH, float(math.ceil(widest + 54 + 1)))
    return data


MAX_WIDTH = 2448.0   # points: four Letter widths (34 in), the widest page a converted document gets


def _joined(parts: list[bytes]) -> bytes:
    """PDFs laid out apart, one after the other in one file."""
    doc = pymupdf.open("pdf", parts[0])
    try:
        for data in parts[1:]:
            with pymupdf.open("pdf", data) as more:
                doc.insert_pdf(more)
        if doc.page_count > MAX_LAYOUT_PAGES:
            raise RuntimeError("the layout makes no progress")
        return doc.tobytes(garbage=1)
    finally:
        doc.close()


def _html_pages(body: str | list[str], css: str, width: float) -> tuple[bytes, float]:
    """The layout on pages `width` wide and Letter high, and the right edge of the widest content."""
    out = io.BytesIO()
    writer = pymupdf.DocumentWriter(out, "compress")     # the 4,280-row exemption log: 4.0 MB -> 0.4 MB
    page = pymupdf.Rect(0, 0, width, 792)
    pages, widest = 0, 0.0
    for part in [body] if isinstance(body, str) else body:
        story = pymupdf.Story(html=part, user_css=css)
        more, stuck = True, 0
        while more:
            dev = writer.begin_page(page)
            more, filled = story.place(page + (54, 54, -54, -54))
            filled = pymupdf.Rect(filled)
            if not filled.is_empty:
                widest = max(widest, filled.x1)
            story.draw(dev)
            writer.end_page()
            pages += 1
            stuck = stuck + 1 if more and (filled.is_empty or filled.height < 1) else 0
            if more and (stuck >= 3 or pages >= MAX_LAYOUT_PAGES):
                raise RuntimeError("the layout makes no progress")
    writer.close()
    return out.getvalue(), widest


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

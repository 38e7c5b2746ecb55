"""review.pdf: the proposals drawn on the pages (nothing removed), and its summary page."""
from __future__ import annotations

import html

import pymupdf

from ..package import html_pdf
from ..plan import Recipe

PALETTE = [(0.85, 0.10, 0.10), (0.10, 0.35, 0.85), (0.90, 0.50, 0.00), (0.55, 0.15, 0.70), (0.00, 0.55, 0.55),
           (0.75, 0.10, 0.50), (0.45, 0.30, 0.10), (0.30, 0.30, 0.30), (0.60, 0.60, 0.00), (0.00, 0.35, 0.20),
           (0.95, 0.25, 0.55), (0.20, 0.20, 0.60)]
KEEP_COLOUR = (0.0, 0.6, 0.0)


def colours(recipe: Recipe) -> dict[str, tuple[float, float, float]]:
    return {code: PALETTE[i % len(PALETTE)] for i, code in enumerate(sorted(recipe.reasons))}


def mark(doc: pymupdf.Document, entries: list[dict], palette: dict) -> None:
    """Draw the proposals on the record's pages, not applying them: a redaction is a tinted box
    with its reason code and id beside it; a kept finding a dashed green outline with its id."""
    for page in doc:
        page.wrap_contents()
    for e in entries:
        page = doc[e["page"] - 1]
        rects = [e["rect"]] if e.get("rect") else e.get("boxes") or []
        redact = e["decision"] == "redact"
        colour = palette.get(e.get("reason") or "", PALETTE[0]) if redact else KEEP_COLOUR
        for i, r in enumerate(rects):
            rect = pymupdf.Rect(r)
            if redact:
                page.draw_rect(rect, color=colour, fill=colour, fill_opacity=0.28, width=0.6)
            else:
                page.draw_rect(rect, color=colour, width=0.8, dashes="[2 1] 0")
            if i == 0:
                label = f"{e['reason']} {e['id']}" if redact else f"keep {e['id']}"
                if e.get("found_on") in ("second look", "verification"):
                    label += " (verify)"   # found by the verifier's second look, not the first detection
                page.insert_text((rect.x0, max(rect.y0 - 0.8, 5)), label, fontsize=5.5, fontname="helv",
                                 color=colour)


def summary_pdf(raw: dict, recipe: Recipe, palette: dict, per_record: list[dict]) -> pymupdf.Document:
    """The review's first page(s): counts per record and reason, the colour legend, what to do."""
    e = html.escape
    codes = sorted(recipe.reasons)
    used = [c for c in codes if any(r["redact"].get(c) for r in per_record)]

    def hexc(c):
        return "#%02x%02x%02x" % tuple(int(v * 255) for v in c)
    head = "".join(f"<th>{e(c)}</th>" for c in used)
    rows = "".join(
        f"<tr><td>{e(r['document'])}</td><td>{e(r['status'])}</td><td>{r['pages']}</td>"
        + "".join(f"<td>{r['redact'].get(c, 0) or ''}</td>" for c in used)
        + f"<td>{r['keep']}</td></tr>" for r in per_record)
    legend = "".join(f"<tr><td style='background-color:{hexc(palette[c])}'>&nbsp;&nbsp;</td><td><b>{e(c)}</b></td>"
                     f"<td>{e(recipe.reasons[c].label)}</td></tr>" for c in used)
    withheld = "".join(f"<li>{e(w['document'])}: {e(w['reason'])}</li>" for w in raw["withheld"])
    body = f"""
<h1>Review of request {e(raw['request_id'])}: proposed redactions</h1>
<p>Recipe {e(recipe.name)} ({e(recipe.title)}). Nothing on the following pages has been removed:
each proposed redaction is a tinted box with its reason code and plan entry id; each kept finding is a
dashed green outline marked <i>keep</i>. Proposed: {raw['proposed']['redact']} redactions,
{raw['proposed']['keep']} kept findings.</p>
<h2>Per record</h2>
<table><tr><th>Record</th><th>Status</th><th>Pages</th>{head}<th>kept</th></tr>{rows}</table>
<h2>Reason codes</h2><table>{legend}</table>
{f'<h2>Withheld from the review</h2><ul>{withheld}</ul>' if withheld else ''}
<h2>To decide</h2>
<p>Edit internal/plan.json, or use: <b>redactkit plan show PLAN</b>; <b>redactkit plan keep PLAN --id r0012</b>
(or --text, --party); <b>redactkit plan redact PLAN --text "..."</b> (wherever it stands) or
<b>--document D --page N --rect x0,y0,x1,y1</b> (points from the top left). Then:
<b>redactkit release REQUEST --plan PLAN --reviewer NAME --out OUT</b>.</p>
"""
    css = ("body{font-family:sans-serif;font-size:9pt} h1{font-size:14pt} h2{font-size:11pt} "
           "td,th{border:0.5pt solid #888;padding:2pt} table{border-collapse:collapse}")
    return pymupdf.open("pdf", html_pdf(body, css))

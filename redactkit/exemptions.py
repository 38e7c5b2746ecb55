"""The exemption log: what was withheld from the requester and why, never what it was.

Beside the cover sheet in release/: exemption_log.pdf (readable) and exemption_log.csv (for a
spreadsheet). One row per redaction box as drawn on a released page (a value broken over two
lines is two boxes, two rows), in page order: the page's Bates number, the reason code printed
on the box, the information withheld (the recipe's label for the code, and a coarse kind: name,
phone number, address, date, ...), the legal basis. Then one row per page withheld in full (a
slip sheet) with its reason, and one per record withheld in full. This is what a court asks for
as a privilege or Vaughn index, and what NextRequest appends to a release.

The rows are made from the boxes the pipeline drew, so they match the black boxes on the pages
one to one (tests/test_production.py counts them on the released files). `check` reads both files
back and fails the release if a redacted value can be read in them.
"""
from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pymupdf

from .text import FILE_EXTENSION

PDF_NAME = "exemption_log.pdf"
CSV_NAME = "exemption_log.csv"
COLUMNS = ["bates", "record", "page", "reason_code", "information_withheld", "kind", "legal_basis",
           "withheld_in_full", "reason"]

# entity -> the kind of information, as the log says it (first match wins: exact, then part)
_EXACT = {"PERSON": "name", "ROSTER_PERSON": "name", "FACE": "face in a photograph", "IMAGE": "picture",
          "COVERED_TEXT": "text the source had covered", "REPORTER_CLUE": "information identifying the reporter",
          "SPECIAL_HIV": "HIV-related information", "SPECIAL_MENTAL_HEALTH": "mental-health information",
          "SPECIAL_SUD": "substance-use treatment information", "NRP": "nationality, religion or political group",
          "CASE_NUMBER": "case number", "US_SSN": "Social Security number"}
_PARTS = [("PHONE", "phone number"), ("FAX", "phone number"), ("EMAIL", "e-mail address"),
          ("SSN", "Social Security number"),
          ("ADDRESS", "address"), ("STREET", "address"), ("ZIP", "address"), ("LOCATION", "place"),
          ("STATE", "place"), ("DATE", "date"), ("YEAR", "date"), ("TIME", "date"), ("AGE", "age"),
          ("URL", "web address"), ("DOMAIN", "web address"), ("IP_", "network address"),
          ("MEDICAL_RECORD", "medical record number"), ("MRN", "medical record number"),
          ("HEALTH_PLAN", "health-plan number"), ("ACCOUNT", "account number"), ("BANK", "account number"),
          ("CREDIT", "account number"), ("LICENSE_PLATE", "vehicle plate"), ("LICENSE", "licence number"),
          ("DEVICE", "device identifier"), ("STUDENT", "student ID"), ("ORG", "organisation"),
          ("SPECIAL", "special-category information"), ("NAME", "name")]
OTHER_KIND = "identifying number or other identifier"


def kind(entity: str) -> str:
    """The coarse kind of information an entity type is (never the value)."""
    if entity in _EXACT:
        return _EXACT[entity]
    return next((k for part, k in _PARTS if part in entity), OTHER_KIND)


@dataclass
class Row:
    bates: str
    record: str              # the released file (or, for a record withheld in full, its source label)
    page: int | None         # page within the record, 1-based
    code: str
    label: str
    kind: str
    basis: str
    in_full: str = ""        # "", "page" or "record"
    reason: str = ""
    top: float = 0.0
    left: float = 0.0
    record_range: str = ""   # the record's first and last Bates number

    def as_list(self) -> list[str]:
        return [self.bates, self.record, "" if self.page is None else str(self.page), self.code, self.label,
                self.kind, self.basis, self.in_full, self.reason]


def rows(job, outcomes, names: dict[str, str]) -> list[Row]:
    """Every redaction box on a released page, every page and record withheld in full."""
    from . import bates as bates_mod

    num = bates_mod.numbering(job)
    reasons = job.recipe.reasons
    out: list[Row] = []
    released = {o.record.relpath: o for o in outcomes if o.status == "released"}
    for ctx, first in num.assigned:
        o = released.get(ctx.record.relpath)
        if o is None:
            continue
        span = f"{num.settings.number(first)} - {num.settings.number(first + o.pages - 1)}"
        start = len(out)
        for n in range(o.pages):
            number = num.settings.number(first + n)
            wp = ctx.withheld.get(n)
            if wp is not None:
                codes = [c for c in wp.codes if c in reasons]
                out.append(Row(number, o.output_name, n + 1, ", ".join(codes),
                               "; ".join(reasons[c].label for c in codes) or "page not released",
                               "page withheld in full", "; ".join(reasons[c].basis for c in codes),
                               "page", wp.reason))
                continue
            page_rows = []
            for b in ctx.boxes:
                if b.page != n or pymupdf.Rect(b.rect).is_empty:
                    continue
                r = reasons.get(b.reason)
                kinds = list(dict.fromkeys(kind(c.finding.entity) for c in (b.covers or (b.redaction,))))
                page_rows.append(Row(number, o.output_name, n + 1, b.reason, r.label if r else b.reason,
                                     ", ".join(kinds), r.basis if r else "", top=b.rect[1], left=b.rect[0]))
            out += sorted(page_rows, key=lambda r: (round(r.top), r.left))
        for r in out[start:]:
            r.record_range = span
    for o in outcomes:
        if o.status == "withheld":
            out.append(Row("", names.get(o.record.relpath, ""), None, "", "record not released",
                           "record withheld in full",
                           "", "record", o.reason))
    return out


def write(release_dir: Path, request_id: str, rows_: list[Row], reasons: dict, spread=None) -> dict:
    """exemption_log.csv and exemption_log.pdf; returns what the manifest says of them. With
    `spread` (the worker processes), a long log's parts are laid out there side by side."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows_:
        w.writerow(r.as_list())
    (release_dir / CSV_NAME).write_text(buf.getvalue(), encoding="utf-8")
    (release_dir / PDF_NAME).write_bytes(_pdf(request_id, rows_, reasons, spread))
    boxes = [r for r in rows_ if not r.in_full]
    return {"pdf": PDF_NAME, "csv": CSV_NAME, "redactions": len(boxes),
            "pages_withheld": sum(r.in_full == "page" for r in rows_),
            "records_withheld": sum(r.in_full == "record" for r in rows_)}


_CSS = """
body { font-family: sans-serif; font-size: 8.5pt; }
h1 { font-size: 14pt; margin-bottom: 2pt; } h2 { font-size: 11pt; margin-top: 8pt; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 0.5pt solid #888; padding: 1.5pt; vertical-align: top; }
th { background-color: #ddd; text-align: left; }
"""

INTRO = ("This log lists every redaction in the records released to you, one row for each black box on a "
         "page, by the production (Bates) number printed in the margin of the page: the code printed on the box, "
         "the kind of information withheld and the legal basis for withholding it. Pages and records withheld "
         "in full are listed with the reason. The withheld information itself is never shown.")


TABLE_ROWS = 200      # rows per table: a record's boxes go in tables of this many, each with its header
PART_ROWS = 1000      # rows per layout (MuPDF's Story): a whole long log laid out at once takes quadratic time
                     # (4,280 rows: 0.9-1.0 s in parts of 2,000, 0.4-0.5 s in parts of 1,000, on the same 90 pages)


def _pdf(request_id: str, rows_: list[Row], reasons: dict, spread=None) -> bytes:
    from .package import html_pdf

    e = html.escape
    boxes = [r for r in rows_ if r.in_full != "record"]
    records = [r for r in rows_ if r.in_full == "record"]
    body = [f"<h1>Exemption log: request {e(request_id)}</h1><p>{e(INTRO)}</p>",
            f"<p>{sum(not r.in_full for r in rows_)} redaction(s); {sum(r.in_full == 'page' for r in rows_)} page(s) "
            f"and {len(records)} record(s) withheld in full.</p>"]
    head = "<table><tr><th>Bates</th><th>Code</th><th>Information withheld</th><th>Legal basis</th></tr>"
    parts: list[list[str]] = []
    current, rows_in, in_part = None, 0, 0
    for r in boxes:         # a table per released file (a row spanning the columns can stall the layout)
        if r.record != current:
            body.append("</table>" if current is not None else "")
            current, rows_in = r.record, 0
            body.append(f"<p><b>{e(current)}</b> (Bates {e(r.record_range)})</p>{head}")
        elif in_part >= PART_ROWS:           # the log goes on in a layout of its own, on a new page
            body.append("</table>")
            parts.append(body)
            body = [f"<p><b>{e(current)}</b> (Bates {e(r.record_range)}, continued)</p>{head}"]
            rows_in = in_part = 0
        elif rows_in == TABLE_ROWS:         # MuPDF lays out a long table in more than linear time
            body.append(f"</table>{head}")
            rows_in = 0
        rows_in += 1
        in_part += 1
        what = f"{e(r.label)} ({e(r.kind)})" + (f"<br/>{e(r.reason)}" if r.reason else "")
        body.append(f"<tr><td>{e(r.bates)}</td><td><b>{e(r.code)}</b></td><td>{what}</td><td>{e(r.basis)}</td></tr>")
    if current is not None:
        body.append("</table>")
    if records:
        body.append("<h2>Records withheld in full</h2><table><tr><th>Record</th><th>Reason</th></tr>")
        body += [f"<tr><td>{e(r.record)}</td><td>{e(r.reason)}</td></tr>" for r in records]
        body.append("</table>")
    body.append("<h2>Reason codes</h2><table><tr><th>Code</th><th>Information withheld</th><th>Legal basis</th></tr>")
    body += [f"<tr><td><b>{e(c)}</b></td><td>{e(v.label)}</td><td>{e(v.basis)}</td></tr>" for c, v in reasons.items()]
    body.append("</table>")
    return html_pdf(["".join(part) for part in parts + [body]], _CSS, spread=spread)


def fixed_words(reasons: dict, request_id: str) -> set[str]:
    """Words the log's fixed wording uses (headings, intro, labels, kinds, bases)."""
    text = " ".join([INTRO, request_id, " ".join(COLUMNS), "Exemption log request redaction(s) page(s) and record(s) "
                     "withheld in full Bates Released file page p Code Information withheld Legal basis Records pdf "
                     "Record Reason Reason codes codes not released", " ".join(_EXACT.values()),
                     " ".join(k for _, k in _PARTS), OTHER_KIND]
                    + [f"{c} {v.label} {v.basis}" for c, v in reasons.items()])
    return {w.casefold() for w in re.findall(r"[^\W_]+", text)}


def pdf_text(path: str) -> str:
    """The text of the log's PDF as PDFium reads it, page after page (`check` reads it so; with
    the worker processes running, in one of them while the manifest is written)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        return "\n".join(p.get_textpage().get_text_range() for p in pdf)
    finally:
        pdf.close()


def read_back(release_dir: Path, spread=None) -> Callable[[], str]:
    """Start reading the log's PDF (`pdf_text`); the result waits for it."""
    path = str(release_dir / PDF_NAME)
    if spread is None:
        return lambda: pdf_text(path)
    wait = spread(pdf_text, [(path,)])
    return lambda: wait()[0]


def check(release_dir: Path, rows_: list[Row], reasons: dict, request_id: str,
          carries: Callable[[str], bool], text: str | None = None) -> str | None:
    """Read both files back: the CSV's fields that come from the records (record labels,
    reasons), and every word of the PDF outside the log's fixed wording, must carry no redacted
    value. Returns what is wrong (never the value), or None. `text`: the PDF's text as `read_back`
    read it (else it is read here)."""
    with (release_dir / CSV_NAME).open(encoding="utf-8", newline="") as fh:
        read = list(csv.reader(fh))
    if read[0] != COLUMNS or len(read) - 1 != len(rows_):
        return "the exemption log's CSV does not read back as written"
    derived = "\n".join(f"{FILE_EXTENSION.sub('', row[1])}\n{row[8]}" for row in read[1:])
    if carries(derived):
        return "the exemption log (CSV) would carry a redacted value"
    if text is None:
        text = pdf_text(str(release_dir / PDF_NAME))
    vocab = fixed_words(reasons, request_id)
    text = FILE_EXTENSION.sub("", text)
    # the Bates numbers are the production's own (its prefix is checked where it is set)
    own = {r.bates for r in rows_} | {n for r in rows_ for n in r.record_range.split(" - ")}
    words = re.findall(r"\S+", text)
    fixed = {w: w in own or all(t.casefold() in vocab for t in re.findall(r"[^\W_]+", w))
             for w in set(words)}     # each word judged once: the rows repeat them
    rest = " ".join(w for w in words if not fixed[w])
    if carries(rest):
        return "the exemption log (PDF) would carry a redacted value"
    return None

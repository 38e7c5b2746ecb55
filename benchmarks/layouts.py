#!/usr/bin/env python3
"""Request folders whose PDFs are laid out the ways real files are, to measure what verification
withholds (and heals) on files the sample generator never makes.

usage: python benchmarks/layouts.py OUT [--seed 5] [--records 12] [--long 120]
       redactkit release OUT --out RESULT --json

Each request (one per recipe in CATEGORIES) holds terse clinical notes and case letters, laid out
as: several base-14 fonts mixed on a page, pages rotated 90/180/270 degrees, two columns, a ruled
table, justified and hyphenated text from an HTML layout engine (a word processor's look), text
drawn twice for a fake bold, letter-spaced headings, and one long file (--long pages). The people
and places are drawn from the short hand-made lists below (not from Faker, which the detector's
name lists come from), including surnames and values that are also PDF syntax ("Rotate", "Font",
"Length", "Contents", "Type", numbers equal to glyph widths). Abbreviations of clinical shorthand
(MA, PA, NP, RN, OT, PT, SW, ED, ICU, BP, HR) stand beside names, the kind of token a second
look may read as a state code or initials.

Prints nothing but the request ids; what the release withholds is what to measure.
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

import pymupdf
import yaml

FIRST = ["Aino", "Bronisław", "Chidinma", "Dagný", "Eero", "Folasade", "Gunnhild", "Hyun-woo", "Ifeoma", "Jaroslav",
         "Kalani", "Ludmila", "Mehmet", "Nkechi", "Oksana", "Pälvi", "Quang", "Radomír", "Sigrún", "Tadeusz",
         "Uchenna", "Valdís", "Wojciech", "Ximena", "Yusuf", "Zdeněk", "margaret", "oliver", "Ana Sofía", "Jean-Baptiste"]
LAST = ["Rotate", "Font", "Length", "Contents", "Type", "Kowalczyk", "Oyelaran", "Þórsdóttir", "Nakamura", "Väisänen",
        "Đorđević", "Szabó", "Ferreira da Costa", "Mbatha", "Haraldsen", "Quispe", "Abernathy-Lowe", "Okonkwo",
        "Lindqvist-Berg", "Ó Súilleabháin", "Castellanos", "Petrović", "Yilmaz", "Kealoha", "Ngata"]
STREETS = ["Tamme 12", "Søndergade 7", "Petőfi u. 3.", "48 Quarry Hill Rd", "1203 Rotate Ave", "17 Font Street",
           "PO Box 556", "RR 2 Box 278", "Apt 4B, 220 Orchard Lane"]
TOWNS = ["Willimantic, CT 06226", "Norwich, CT 06360", "Tartu 50090", "Aarhus C 8000", "Pécs 7621"]
ABBR = ["MA", "PA", "NP", "RN", "OT", "PT", "SW", "ED", "ICU", "BP", "HR", "IV", "PO", "PRN", "NKDA"]
CATEGORIES = ["medical_research", "parent_guardian", "public_health", "client"]


def person(rng):
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def note(rng, child: str, mother: str) -> str:
    d = f"{rng.randint(1, 12)}/{rng.randint(1, 28)}"
    nurse, doc, rel = person(rng), rng.choice(LAST), person(rng)
    lines = [
        f"{d} 0700 RN note: pt {child.split()[0]} alert, HR {rng.randint(80, 130)}, BP {rng.randint(90, 120)}/"
        f"{rng.randint(50, 80)}, {rng.choice(ABBR)} aware. Dr {doc} notified re fever; Tylenol {rng.choice([160, 240, 320])} mg PO.",
        f"Mother {mother} called from {rng.choice(STREETS)}, {rng.choice(TOWNS)}; cell 0412 55 31 {rng.randint(10, 99)}.",
        f"{rel} (grandmother) visited with {nurse.split()[0]}; SW {person(rng)} following. "
        f"{rng.choice(ABBR)} {rng.choice(ABBR)} plan: dc home {rng.randint(1, 12)}-{rng.randint(1, 28)} if afebrile.",
        f"Per {nurse}, RN: {child.split()[0]} ate 50% of breakfast, voiding qs, no distress noted.",
        f"MRN {rng.randint(1000000, 9999999)} bed {rng.randint(1, 40)}; pager {rng.randint(10000, 99999)}.",
    ]
    rng.shuffle(lines)
    return "\n".join(lines)


def letter(rng, child: str, mother: str) -> str:
    return (f"Dear Ms. {mother.split()[-1]},\n\nI am writing about {child} following the meeting on "
            f"{rng.randint(1, 28)} March 2025 at {rng.choice(STREETS)}. {person(rng)}, the school counselor, "
            f"and {person(rng)} from the clinic attended. We agreed that {child.split()[0]} will continue with "
            f"the reading plan and that the family will be contacted at {rng.randint(200, 989)}-555-"
            f"{rng.randint(1000, 9999)} before the next review.\n\nSincerely,\n{person(rng)}\nCase manager")


def lay_out(doc: pymupdf.Document, text: str, style: str, rng) -> None:
    page = doc.new_page(width=612, height=792)
    area = pymupdf.Rect(54, 54, 558, 738)
    if style == "fonts":
        y = 80
        for i, line in enumerate(text.split("\n")):
            font = ["helv", "tiro", "cour", "hebo", "tibo", "coit"][i % 6]
            y = page.insert_textbox(pymupdf.Rect(54, y, 558, 738), line, fontsize=9 + i % 3, fontname=font) * 0 + y + 60
    elif style == "rotated":
        page.insert_textbox(area, text, fontsize=10, fontname="tiro")
        page.set_rotation(rng.choice([90, 180, 270]))
    elif style == "columns":
        half = len(text) // 2
        page.insert_textbox(pymupdf.Rect(54, 54, 296, 738), text[:half], fontsize=9, fontname="helv")
        page.insert_textbox(pymupdf.Rect(316, 54, 558, 738), text[half:], fontsize=9, fontname="helv")
    elif style == "table":
        rows = [ln.split(":", 1) if ":" in ln else ["", ln] for ln in text.split("\n")]
        y = 70
        for left, right in rows:
            page.draw_rect(pymupdf.Rect(54, y, 558, y + 70), color=(0.5, 0.5, 0.5), width=0.5)
            page.draw_rect(pymupdf.Rect(54, y, 180, y + 70), color=(0.5, 0.5, 0.5), fill=(0.92, 0.92, 0.92), width=0.5)
            page.insert_textbox(pymupdf.Rect(58, y + 4, 176, y + 68), left, fontsize=8, fontname="hebo")
            page.insert_textbox(pymupdf.Rect(184, y + 4, 554, y + 68), right, fontsize=8, fontname="helv")
            y += 74
    elif style == "wordprocessor":
        html = "".join(f"<p>{p}</p>" for p in text.split("\n") if p.strip())
        page.insert_htmlbox(area, html, css="p {font-family: serif; font-size: 10.5pt; text-align: justify; "
                                            "hyphens: auto; margin-bottom: 8pt;}")
    elif style == "fakebold":
        page.insert_textbox(area, text, fontsize=10, fontname="helv")
        page.insert_textbox(area + (0.3, 0, 0.3, 0), text.split("\n")[0], fontsize=10, fontname="helv")
    else:  # letterspaced heading + body
        page.insert_text((54, 60), " ".join("CONFIDENTIAL CASE NOTE"), fontsize=12, fontname="hebo")
        page.insert_textbox(area + (0, 20, 0, 0), text, fontsize=10, fontname="tiro")


STYLES = ["fonts", "rotated", "columns", "table", "wordprocessor", "fakebold", "spaced"]


def build(out: Path, seed: int, records: int, long_pages: int) -> list[str]:
    rng = random.Random(seed)
    ids = []
    for category in CATEGORIES:
        rid = f"LAYOUT-{seed}-{category}"
        req = out / rid
        child, mother = person(rng), person(rng)
        for i in range(records):
            folder = req / "records" / rng.choice(["medical", "investigation", "correspondence"])
            folder.mkdir(parents=True, exist_ok=True)
            doc = pymupdf.open()
            for _ in range(rng.randint(1, 3)):
                text = note(rng, child, mother) if rng.random() < 0.6 else letter(rng, child, mother)
                lay_out(doc, text, rng.choice(STYLES), rng)
            doc.set_metadata({"author": person(rng), "title": f"Notes {child}"})
            doc.save(folder / f"record_{i:02d}.pdf")
        if long_pages:
            doc = pymupdf.open()
            for _ in range(long_pages):
                lay_out(doc, note(rng, child, mother) + "\n" + letter(rng, child, mother), "wordprocessor", rng)
            doc.save(req / "records" / "medical" / "long_file.pdf")
        requester = "Outcomes Study" if category in ("medical_research", "public_health") else mother
        (req / "request.yaml").write_text(yaml.safe_dump({
            "request_id": rid, "received": "2026-11-20",
            "requester": {"name": requester, "category": category},
            "case": {"id": "DCF-2025-000417", "status": "open"},
            "parties": [{"name": child, "role": "child"}, {"name": mother, "role": "parent"}]}, allow_unicode=True))
        ids.append(rid)
    return ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--records", type=int, default=12)
    ap.add_argument("--long", type=int, default=120)
    a = ap.parse_args()
    for rid in build(a.out, a.seed, a.records, a.long):
        print(rid)


if __name__ == "__main__":
    main()

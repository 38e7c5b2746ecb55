#!/usr/bin/env python3
"""Make synthetic request folders (Faker; never real people) and their expected values.

usage: python sample_records/generate.py [OUT_DIR] [--seed N] [--pages-extra N]

For each requester category the pipeline supports, writes OUT_DIR/requests/<id>/ (request.yaml and
records/) and OUT_DIR/expected/<id>.json: the values that must not be readable in the release
("must_redact") and those that must stay readable ("must_keep"). The committed set under
sample_records/ was made with the defaults; tests regenerate other seeds to get case files with
other people. Then `redactkit check sample_records/requests --update` completes each expectation
from a release (outcome, per record status and counts per reason code, where values stand): review
the release and the diff before committing. Faker's dates are relative to the day this runs, so a
regenerated set differs from the committed one in its dates.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

import pymupdf
import yaml
from faker import Faker

CATEGORIES = ["parent_guardian", "client", "attorney_representative", "dcf_staff",
              "assistant_attorney_general", "court", "medical_research", "third_party_release",
              "law_enforcement", "public_health", "other"]

NARRATIVE = [
    "The worker observed that the home had adequate food and working utilities.",
    "The child appeared healthy, was appropriately dressed and interacted comfortably with the worker.",
    "A safety plan was discussed and agreed upon with the family during the visit.",
    "The family was referred to in-home parenting support services.",
    "School attendance has improved since the last review period.",
    "The child reported feeling safe at home and at school.",
    "Follow-up visits will be scheduled every two weeks until the case review.",
    "No visible injuries were noted during the assessment.",
]


def person(fake: Faker) -> dict:
    first, last = fake.first_name(), fake.last_name()
    return {"first": first, "last": last, "name": f"{first} {last}"}


def make_case(seed: int) -> dict:
    fake = Faker("en_US")
    Faker.seed(seed)
    random.seed(seed)
    family = fake.last_name()
    child = {"first": fake.first_name(), "last": family}
    child["name"] = f"{child['first']} {family}"
    mother = {"first": fake.first_name_female(), "last": family}
    mother["name"] = f"{mother['first']} {family}"
    father = {"first": fake.first_name_male(), "last": fake.last_name()}
    father["name"] = f"{father['first']} {father['last']}"
    c = {
        "seed": seed,
        "child": child, "mother": mother, "father": father,
        "reporter": person(fake), "neighbor": person(fake), "worker": person(fake),
        "foster1": person(fake), "foster2": person(fake), "doctor": person(fake), "teacher": person(fake),
        "stranger": person(fake),  # mentioned, not on the roster
        "provider2": person(fake),  # the third party holding a release
        "family_street": fake.street_address(), "family_city": f"{fake.city()}, CT {fake.zipcode()}",
        "foster_street": fake.street_address(), "foster_city": f"{fake.city()}, CT {fake.zipcode()}",
        "reporter_phone": fake.numerify("(###) ###-####"), "reporter_email": fake.email(),
        "father_ssn": fake.ssn(), "father_phone": fake.numerify("###-###-####"),
        "foster_phone": fake.numerify("###.###.####"),
        "case_id": f"DCF-{random.randint(2019, 2026)}-{random.randint(1000, 999999):06d}",
        "mrn": fake.bothify("MR######"), "medicaid": fake.numerify("##########"),
        "student_id": fake.numerify("#########"),
        "dob": fake.date_of_birth(minimum_age=4, maximum_age=15).strftime("%m/%d/%Y"),
        "visit_date": fake.date_between("-2y", "-30d").strftime("%B %d, %Y").replace(" 0", " "),
        "intake_date": fake.date_between("-3y", "-2y").strftime("%m/%d/%Y"),
        "narrative": random.sample(NARRATIVE, 6),
        "school": f"{fake.last_name()} Elementary School",
    }
    c["hiv"] = f"{child['first']} was tested for HIV at the clinic and the result was negative."
    c["sud"] = f"{mother['first']} {family} said she attends methadone maintenance treatment three times a week."
    c["psych"] = f"{father['name']} began psychiatric treatment for depression last spring."
    c["clue"] = f"The reporter, a teacher at {c['school']}, asked to remain anonymous."
    return c


# --- rendering ------------------------------------------------------------------------------------

CSS = "body {font-family: serif; font-size: 11pt;} h1 {font-size: 14pt;} td {padding: 2pt 6pt;}"


def html_pdf(path: Path, html: str, css: str = CSS, rect=pymupdf.paper_rect("letter"), margin=60) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    story = pymupdf.Story(html=html, user_css=css)
    writer = pymupdf.DocumentWriter(str(path))
    more = True
    while more:
        dev = writer.begin_page(rect)
        more, _ = story.place(rect + (margin, margin, -margin, -margin))
        story.draw(dev)
        writer.end_page()
    writer.close()


def intake_report(c: dict, path: Path) -> None:
    r, ch, m = c["reporter"], c["child"], c["mother"]
    html_pdf(path, f"""
<h1>Careline Intake Report</h1>
<table><tr><td><b>Case</b></td><td>{c['case_id']}</td></tr>
<tr><td><b>Date of report</b></td><td>{c['intake_date']}</td></tr>
<tr><td><b>Reporter</b></td><td>{r['name']}</td></tr>
<tr><td><b>Reporter phone</b></td><td>{c['reporter_phone']}</td></tr>
<tr><td><b>Reporter e-mail</b></td><td>{c['reporter_email']}</td></tr>
<tr><td><b>Child</b></td><td>{ch['name']} (DOB {c['dob']})</td></tr>
<tr><td><b>Address</b></td><td>{c['family_street']}, {c['family_city']}</td></tr></table>
<p>On {c['intake_date']} {r['name']} called the Careline to report concerns about {ch['name']}.
{r['first']} stated that {ch['first']} had been left alone at the home for several hours. Ms. {m['last']}
could not be reached by the reporter. The neighbor, {c['neighbor']['name']}, was also said to have seen
the child outside late in the evening. {c['narrative'][0]}</p>
<p>The report was screened in and assigned to {c['worker']['name']} for investigation.
{r['last'].upper()}, {r['first']} asked that their identity be kept confidential. {c['clue']}</p>
""")


def visit_notes(c: dict, path: Path, extra_pages: int = 0) -> None:
    ch, m, f, w = c["child"], c["mother"], c["father"], c["worker"]
    paras = [f"""<p>On {c['visit_date']} social worker {w['name']} made an unannounced home visit to
{c['family_street']}. {m['name']} and {ch['first']} were present. {c['narrative'][1]} {c['narrative'][2]}</p>""",
             f"""<p>{m['first']} said that {f['name']} (SSN {c['father_ssn']}, cell {c['father_phone']}) visits on
weekends. Mr. {f['last']} was not present. {ch['first']}'s pediatrician, Dr. {c['doctor']['last']}, was
contacted by phone. {c['narrative'][3]}</p>""",
             f"""<p>{c['stranger']['name']}, a family friend, was staying at the home during the visit. {c['narrative'][4]}
Worker {w['last']} will return after the school review.</p>""",
             f"""<p>{c['sud']} {c['psych']}</p>"""]
    for i in range(extra_pages):
        paras.append(f"""<p>Follow-up contact {i + 1}: {w['name']} spoke with {m['name']} about {ch['first']}'s
progress. {c['narrative'][i % 6]} {c['narrative'][(i + 1) % 6]} {c['narrative'][(i + 2) % 6]}
The reporter, {c['reporter']['name']}, has not been contacted again.</p>""")
    html_pdf(path, f"<h1>Home Visit Narrative</h1><p><i>{c['case_id']}</i></p>" + "".join(paras),
             css="body {font-family: sans-serif; font-size: 10pt; line-height: 1.15;}")


def discharge_summary(c: dict, path: Path) -> None:
    """A form-like page laid out with insert_text, two columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    ch, d = c["child"], c["doctor"]
    page.insert_text((72, 72), "Hartwell Children's Hospital - Discharge Summary", fontsize=13, fontname="hebo")
    rows = [("Patient", ch["name"]), ("DOB", c["dob"]), ("MRN", c["mrn"]), ("Medicaid ID", c["medicaid"]),
            ("Attending", f"Dr. {d['name']}"), ("Admitted", c["visit_date"])]
    y = 110
    for label, value in rows:
        page.insert_text((72, y), f"{label}:", fontsize=10, fontname="hebo")
        page.insert_text((180, y), value, fontsize=10, fontname="helv")
        y += 16
    text = (f"{ch['first']} was seen for a minor injury to the left wrist. {c['narrative'][5]} Follow-up with "
            f"Dr. {d['last']} in two weeks. Parent {c['mother']['name']} was given discharge instructions. {c['hiv']}")
    page.insert_textbox(pymupdf.Rect(72, y + 10, 540, y + 120), text, fontsize=10, fontname="tiro")
    page.insert_text((72, 760), f"Confidential - {c['case_id']}", fontsize=6, fontname="helv")
    doc.set_metadata({"author": d["name"], "title": f"Discharge {ch['name']}"})
    doc.save(path)


def court_memo(c: dict, path: Path) -> None:
    """A narrow two-column memo: names and addresses wrap over line breaks."""
    r, f1, ch, m = c["reporter"], c["foster1"], c["child"], c["mother"]
    body = (f"<h1>Court summary</h1><p>Prepared for the permanency hearing of {ch['name']}. The original report "
            f"came from {r['name']}, who can be reached at {c['reporter_phone']}. The child now lives with "
            f"foster parent {f1['name']} at {c['foster_street']}, {c['foster_city']}. {m['name']} attends "
            f"supervised visits. {c['narrative'][0]} {c['narrative'][5]} The neighbor {c['neighbor']['name']} "
            f"was interviewed twice. Social worker {c['worker']['name']} recommends reunification services.</p>")
    html_pdf(path, body, css="body {font-family: sans-serif; font-size: 11pt;} h1 {font-size: 12pt;}",
             rect=pymupdf.Rect(0, 0, 300, 700), margin=24)


def placement_letter(c: dict, path: Path) -> None:
    f1, f2, ch = c["foster1"], c["foster2"], c["child"]
    html_pdf(path, f"""
<p>{c['worker']['name']}<br/>Department of Children and Families</p>
<p>Re: placement of {ch['name']}</p>
<p>Dear {c['mother']['first']} {c['mother']['last']},</p>
<p>This letter confirms that {ch['first']} was placed on {c['visit_date']} in the licensed foster home of
{f1['name']} and {f2['name']}, {c['foster_street']}, {c['foster_city']}, telephone {c['foster_phone']}.
Visits will be arranged through the agency. {c['narrative'][2]}</p>
<p>{ch['first']}'s school has been informed; teacher {c['teacher']['name']} (student ID {c['student_id']})
will share progress reports with the worker.</p>
<p>Sincerely,<br/>{c['worker']['name']}</p>
""", css="body {font-family: serif; font-size: 12pt;}")


def scanned_letter(c: dict, path: Path) -> None:
    """A faxed letter: the page exists only as pixels (200 dpi, grey), no text layer."""
    r, ch, d = c["reporter"], c["child"], c["doctor"]
    src = pymupdf.open()
    page = src.new_page(width=612, height=792)
    text = (f"Dear Social Worker,\n\nI am writing about {ch['name']}. I am {r['name']} and I made the call "
            f"to the hotline. My phone is {c['reporter_phone']}. {c['narrative'][0]}\n\n"
            f"The boy is seen by Dr. {d['name']} at the clinic. {c['narrative'][3]}\n\nSincerely,\n{r['name']}")
    page.insert_textbox(pymupdf.Rect(72, 90, 540, 700), text, fontsize=12, fontname="tiro")
    pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
    scan = pymupdf.open()
    scan.new_page(width=612, height=792).insert_image(pymupdf.Rect(0, 0, 612, 792), pixmap=pix)
    path.parent.mkdir(parents=True, exist_ok=True)
    scan.save(path, garbage=3, deflate=True)


def teacher_email(c: dict, path: Path) -> None:
    """An e-mail with plain and HTML bodies, a PDF attachment and a forwarded message that carries
    an attachment of its own; Bcc and routing headers that must never be released."""
    from email.message import EmailMessage
    from email.utils import format_datetime
    import datetime as dt

    t, w, ch, r = c["teacher"], c["worker"], c["child"], c["reporter"]
    inner = EmailMessage()
    inner["From"] = f"{r['name']} <{c['reporter_email']}>"
    inner["To"] = f"{t['name']} <{t['first'].lower()}.{t['last'].lower()}@school.example.org>"
    inner["Subject"] = "Concern about a student"
    inner["Date"] = format_datetime(dt.datetime(2026, 3, 2, 8, 15, tzinfo=dt.timezone.utc))
    inner.set_content(f"I am worried about {ch['first']}. You can call me at {c['reporter_phone']}.\n"
                      f"{c['narrative'][1]}\n")
    inner.add_attachment(pdf_bytes(f"Notes by {r['name']} about {ch['name']}. {c['narrative'][2]}"),
                         maintype="application", subtype="pdf", filename="notes.pdf")
    msg = EmailMessage()
    msg["From"] = f"{t['name']} <{t['first'].lower()}.{t['last'].lower()}@school.example.org>"
    msg["To"] = f"{w['name']} <{w['first'].lower()}.{w['last'].lower()}@ct.gov>"
    msg["Bcc"] = f"{c['stranger']['name']} <hidden.copy@example.net>"
    msg["Subject"] = f"Attendance of {ch['first']}"
    msg["Date"] = format_datetime(dt.datetime(2026, 3, 3, 14, 0, tzinfo=dt.timezone.utc))
    msg["Message-ID"] = "<routing-1873@school.example.org>"
    msg["X-Originating-IP"] = "[203.0.113.7]"
    msg["Received"] = "from mail.school.example.org by mx.ct.gov"
    plain = (f"Dear {w['first']},\n\n{ch['name']} has missed school this week. {c['narrative'][4]}\n"
             f"Please call me at {c['father_phone']}.\n\n{t['name']}")
    msg.set_content(plain)
    msg.add_alternative(f"<html><head><script>alert(1)</script><style>p{{}}</style></head><body><p>Dear "
                        f"{w['first']},</p><p>{ch['name']} has missed school this week. {c['narrative'][4]}</p>"
                        f"<p>Please call me at {c['father_phone']}.</p><img src='https://tracker.example/p.gif'>"
                        f"<p>{t['name']}</p></body></html>", subtype="html")
    msg.add_attachment(pdf_bytes(f"Attendance report for {ch['name']}, student ID {c['student_id']}. "
                                 f"Teacher: {t['name']}. {c['narrative'][3]}"),
                       maintype="application", subtype="pdf", filename="attendance.pdf")
    msg.add_attachment(inner)
    path.write_bytes(bytes(msg))


def pdf_bytes(text: str) -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_textbox(pymupdf.Rect(72, 72, 540, 700), text, fontsize=11)
    return doc.tobytes()


def write_request(c: dict, category: str, root: Path, expected_dir: Path, extra_pages: int = 0) -> str:
    rid = f"2026-{c['seed'] % 10000:04d}-{category.replace('_', '-')}"
    d = root / rid
    if d.exists():
        shutil.rmtree(d)
    rec = d / "records"
    intake_report(c, rec / "investigation" / "intake_report.pdf")
    visit_notes(c, rec / "investigation" / "home_visit_notes.pdf", extra_pages)
    discharge_summary(c, rec / "medical" / "discharge_summary.pdf")
    placement_letter(c, rec / "correspondence" / "placement_letter.pdf")
    court_memo(c, rec / "court" / "court_summary.pdf")
    scanned_letter(c, rec / "investigation" / "faxed_letter.pdf")
    teacher_email(c, rec / "correspondence" / "teacher_email.eml")
    requester = {"parent_guardian": c["mother"]["name"], "client": c["child"]["name"],
                 "attorney_representative": "Jordan Ellery, Esq.", "dcf_staff": c["worker"]["name"],
                 "assistant_attorney_general": "AAG Robin Castellano", "court": "Superior Court for Juvenile Matters",
                 "medical_research": "Pediatric Outcomes Study, State University",
                 "third_party_release": f"Dr. {c['provider2']['name']}",
                 "law_enforcement": "Det. Sam Okafor, State Police Troop H",
                 "public_health": "Department of Public Health, Epidemiology Program",
                 "other": "Hartford Courant newsroom"}[category]
    req = {"request_id": rid, "received": "2026-11-20",
           "requester": {"name": requester, "category": category},
           "case": {"id": c["case_id"], "status": "open"},
           "parties": [
               {"name": c["child"]["name"], "role": "child"},
               {"name": c["mother"]["name"], "role": "parent"},
               {"name": c["father"]["name"], "role": "parent"},
               {"name": c["reporter"]["name"], "role": "reporter"},
               {"name": c["neighbor"]["name"], "role": "collateral"},
               {"name": c["foster1"]["name"], "role": "foster_parent"},
               {"name": c["foster2"]["name"], "role": "foster_parent"},
               {"name": c["doctor"]["name"], "role": "provider"},
               {"name": c["teacher"]["name"], "role": "collateral"},
               {"name": c["worker"]["name"], "role": "dcf_staff"},
           ]}
    if category == "attorney_representative":
        req["requester"]["represents"] = c["mother"]["name"]
    if category == "third_party_release":
        req["consent"] = {"form": "DCF-2131F", "signed_by": c["mother"]["name"], "signed_on": "2026-06-01",
                          "expires": "2030-06-01", "recipient": requester, "information": ["medical"],
                          "purpose": "continuity of care", "reference": f"ROI-{c['seed']}"}
    if category == "other":
        req["legal_review"] = {"approved_by": "J. Smith, Office of Legal Affairs", "reference": f"OLA-2026-{c['seed']}"}
    if category == "law_enforcement":
        req["parties"][5]["acp"] = True   # the first foster parent is in the Address Confidentiality Program
    (d / "request.yaml").write_text(yaml.safe_dump(req, sort_keys=False), encoding="utf-8")
    expected_dir.mkdir(parents=True, exist_ok=True)
    (expected_dir / f"{rid}.json").write_text(json.dumps(expected(c, category), indent=1), encoding="utf-8")
    return rid


# Every identifier the generator plants, by label. Headers of the e-mail that are never rendered
# (Bcc, Message-ID, X-Originating-IP) and a tracking image's address are in it too.
def planted(c: dict) -> dict[str, str]:
    ch, m, f, r, w, d, t = c["child"], c["mother"], c["father"], c["reporter"], c["worker"], c["doctor"], c["teacher"]
    return {
        "child": ch["name"], "child first": ch["first"], "family surname": ch["last"],
        "mother": m["name"], "mother first": m["first"],
        "father": f["name"], "father first": f["first"], "father surname": f["last"],
        "reporter": r["name"], "reporter first": r["first"], "reporter surname": r["last"],
        "neighbor": c["neighbor"]["name"], "worker": w["name"], "worker first": w["first"], "worker surname": w["last"],
        "foster1": c["foster1"]["name"], "foster2": c["foster2"]["name"], "doctor": d["name"], "doctor surname": d["last"],
        "teacher": t["name"], "stranger": c["stranger"]["name"],
        "teacher email": f"{t['first'].lower()}.{t['last'].lower()}@school.example.org",
        "worker email": f"{w['first'].lower()}.{w['last'].lower()}@ct.gov",
        "reporter email": c["reporter_email"], "reporter phone": c["reporter_phone"],
        "bcc": "hidden.copy@example.net", "ip": "203.0.113.7", "message id": "routing-1873@school.example.org",
        "tracker": "https://tracker.example/p.gif",
        "father ssn": c["father_ssn"], "father phone": c["father_phone"], "foster phone": c["foster_phone"],
        "family street": c["family_street"], "family city": c["family_city"],
        "foster street": c["foster_street"], "foster city": c["foster_city"],
        "case id": c["case_id"], "mrn": c["mrn"], "medicaid": c["medicaid"], "student id": c["student_id"],
        "dob": c["dob"], "visit date": c["visit_date"], "intake date": c["intake_date"], "school": c["school"],
        "hiv": c["hiv"], "sud": c["sud"], "psych": c["psych"],
    }


_NEVER = ["bcc", "ip", "message id", "tracker"]        # routing headers and trackers: never released
_FAMILY = ["child", "child first", "family surname", "mother", "mother first", "father", "father first",
           "father surname", "worker", "worker first", "worker surname"]
_THIRD = ["reporter", "reporter first", "reporter surname", "neighbor", "foster1", "foster2", "doctor",
          "doctor surname", "teacher", "stranger", "school"]
_CONTACTS = ["teacher email", "worker email", "reporter email", "reporter phone", "father ssn", "father phone",
             "foster phone", "family street", "family city", "foster street", "foster city", "mrn", "medicaid",
             "student id"]
_DATES = ["dob", "visit date", "intake date"]
# category -> (labels that must be gone, labels that must stay); every planted identifier is in one
PLANTED = {
    "parent_guardian": (_THIRD + _CONTACTS + ["psych"] + _NEVER, _FAMILY + ["case id"] + _DATES + ["hiv", "sud"]),
    "attorney_representative": (_THIRD + _CONTACTS + ["psych"] + _NEVER, _FAMILY + ["case id"] + _DATES + ["hiv", "sud"]),
    "client": (_THIRD + _CONTACTS + ["psych", "sud"] + _NEVER, _FAMILY + ["case id"] + _DATES + ["hiv"]),
    "dcf_staff": (_NEVER, _FAMILY + _THIRD + _CONTACTS + ["case id"] + _DATES + ["hiv", "sud", "psych"]),
    "assistant_attorney_general": (_NEVER, _FAMILY + _THIRD + _CONTACTS + ["case id"] + _DATES + ["hiv", "sud", "psych"]),
    "court": (["sud"] + _NEVER, _FAMILY + _THIRD + _CONTACTS + ["case id"] + _DATES + ["hiv", "psych"]),
    # the first foster parent is in the Address Confidentiality Program: every address and phone goes
    "law_enforcement": (["sud", "reporter phone", "father phone", "foster phone", "family street", "family city",
                         "foster street", "foster city"] + _NEVER,
                        _FAMILY + _THIRD + ["teacher email", "worker email", "reporter email", "father ssn", "mrn",
                                            "medicaid", "student id", "case id"] + _DATES + ["hiv", "psych"]),
    "public_health": (_THIRD + _CONTACTS + ["hiv", "sud", "psych"] + _NEVER, _FAMILY + ["case id"] + _DATES),
    # only the medical record is released: the discharge summary's child, parent, dates and case number
    "third_party_release": (_THIRD + _CONTACTS + ["father", "father first", "father surname", "worker",
                                                  "worker first", "worker surname", "intake date", "hiv", "sud",
                                                  "psych"] + _NEVER,
                            ["child", "child first", "family surname", "mother", "mother first", "case id", "dob",
                             "visit date"]),
    "medical_research": (_FAMILY + _THIRD + _CONTACTS + ["case id"] + _DATES + _NEVER, []),
    "other": (_FAMILY + _THIRD + _CONTACTS + ["case id"] + _DATES + _NEVER, []),
}


def expected(c: dict, category: str) -> dict:
    """What must not be readable in the release, and what must stay readable, per category: the
    values the tests were first written with, then every other planted identifier (PLANTED)."""
    first = _expected(c, category)
    gone, stay = PLANTED[category]
    values = planted(c)
    for key, labels in (("must_redact", gone), ("must_keep", stay)):
        taken = set(first["must_redact"]) | set(first["must_keep"])
        first[key] += [v for v in dict.fromkeys(values[label] for label in labels) if v not in taken]
    return first


def _expected(c: dict, category: str) -> dict:
    """What must not be readable in the release, and what must stay readable, per category."""
    third = [c["reporter"]["name"], c["reporter"]["last"], c["neighbor"]["name"], c["foster1"]["name"],
             c["foster2"]["name"], c["doctor"]["name"], c["teacher"]["name"], c["stranger"]["name"],
             c["reporter_phone"], c["reporter_email"], c["father_ssn"], c["father_phone"], c["foster_phone"],
             c["foster_street"], c["foster_city"], c["school"]]
    narrative = c["narrative"]
    family = [c["child"]["name"], c["mother"]["name"], c["worker"]["name"]]
    if category in {"parent_guardian", "attorney_representative"}:   # as the mother
        return {"must_redact": third + [c["psych"]], "must_keep": [*family, c["visit_date"], *narrative,
                                                                   c["sud"], c["hiv"]]}
    if category == "client":                                           # the child
        return {"must_redact": third + [c["psych"], c["sud"]], "must_keep": [*family, c["visit_date"], *narrative,
                                                                            c["hiv"]]}
    if category == "medical_research":
        return {"must_redact": third + [c["child"]["name"], c["child"]["first"], c["mother"]["name"],
                                        c["father"]["name"], c["worker"]["name"], c["family_street"],
                                        c["family_city"], c["mrn"], c["medicaid"], c["case_id"], c["dob"],
                                        c["visit_date"], c["student_id"]],
                "must_keep": narrative}
    if category == "third_party_release":   # consent names medical only: no HIV, nothing outside medical
        return {"must_redact": third + [c["hiv"], c["sud"], c["psych"], c["father"]["name"]],
                "must_keep": [c["child"]["name"], c["mother"]["name"], narrative[5],
                              "was seen for a minor injury to the left wrist"]}
    if category == "law_enforcement":       # reporter identity allowed; SUD treatment and ACP address not
        return {"must_redact": [c["sud"], c["foster_street"], c["foster_city"], c["foster_phone"]],
                "must_keep": [*family, c["reporter"]["name"], c["foster1"]["name"], *narrative]}
    if category == "public_health":
        return {"must_redact": third + [c["hiv"], c["sud"], c["psych"]],
                "must_keep": [*family, *narrative]}
    if category == "other":
        return {"must_redact": third + [c["child"]["name"], c["mother"]["name"], c["father"]["name"],
                                        c["worker"]["name"], c["family_street"], c["case_id"], c["dob"],
                                        c["hiv"], c["sud"], c["psych"]],
                "must_keep": narrative}
    return {"must_redact": [], "must_keep": [c["child"]["name"], c["reporter"]["name"], c["foster1"]["name"],
                                             c["father_ssn"], c["worker"]["name"], *narrative, c["sud"],
                                             c["hiv"], c["psych"], c["clue"]]} if category != "court" else \
        {"must_redact": [c["sud"]], "must_keep": [c["child"]["name"], c["reporter"]["name"], c["foster1"]["name"],
                                                  c["worker"]["name"], *narrative, c["hiv"], c["psych"]]}


# --- a production sample: Office files, a photographed letter, a multi-page TIFF, a thread -------

def _x(text: str) -> str:
    from html import escape
    return escape(text, quote=False)


def _r(text: str, props: str = "") -> str:
    return f'<w:r>{"<w:rPr>" + props + "</w:rPr>" if props else ""}<w:t xml:space="preserve">{_x(text)}</w:t></w:r>'


def _p(*runs: str, style: str = "") -> str:
    ppr = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{ppr}{''.join(runs)}</w:p>"


def _ins(text: str, n: int) -> str:
    return f'<w:ins w:id="{n}" w:author="Case Worker" w:date="2026-02-03T10:00:00Z">{_r(text)}</w:ins>'


def _del(text: str, n: int) -> str:
    return (f'<w:del w:id="{n}" w:author="Case Worker" w:date="2026-02-03T10:00:00Z"><w:r>'
            f'<w:delText xml:space="preserve">{_x(text)}</w:delText></w:r></w:del>')


def _commented(text: str, n: int) -> str:
    return (f'<w:commentRangeStart w:id="{n}"/>{_r(text)}<w:commentRangeEnd w:id="{n}"/>'
            f'<w:r><w:commentReference w:id="{n}"/></w:r>')


def _table(rows: list[list[str]]) -> str:
    border = "".join(f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    body = "".join("<w:tr>" + "".join(f"<w:tc><w:p>{_r(c, '<w:b/>' if i == 0 else '')}</w:p></w:tc>" for c in row)
                   + "</w:tr>" for i, row in enumerate(rows))
    return f"<w:tbl><w:tblPr><w:tblBorders>{border}</w:tblBorders></w:tblPr>{body}</w:tbl>"


def docx_bytes(body: str, comments: list[str] = (), header: str = "") -> bytes:
    """A minimal Word document (WordprocessingML written by hand: no Office library needed to make
    it) with optional comments (by a named author, with initials) and a page header."""
    import io
    import zipfile
    ns = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
          'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
    sect = '<w:sectPr>' + ('<w:headerReference w:type="default" r:id="rIdH"/>' if header else '') + '</w:sectPr>'
    parts = {"word/document.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                                  f'<w:document {ns}><w:body>{body}{sect}</w:body></w:document>'}
    rels = []
    types = ['<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'wordprocessingml.document.main+xml"/>']
    if comments:
        parts["word/comments.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments {ns}>'
                                      + "".join(f'<w:comment w:id="{i}" w:author="Case Worker" w:initials="CW">'
                                                f'{_p(_r(c))}</w:comment>' for i, c in enumerate(comments))
                                      + "</w:comments>")
        rels.append('<Relationship Id="rIdC" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    'relationships/comments" Target="comments.xml"/>')
        types.append('<Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-'
                     'officedocument.wordprocessingml.comments+xml"/>')
    if header:
        parts["word/header1.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:hdr {ns}>'
                                     f'{_p(_r(header))}</w:hdr>')
        rels.append('<Relationship Id="rIdH" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    'relationships/header" Target="header1.xml"/>')
        types.append('<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-'
                     'officedocument.wordprocessingml.header+xml"/>')
    parts["word/_rels/document.xml.rels"] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
                                             'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                             + "".join(rels) + "</Relationships>")
    parts["_rels/.rels"] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://'
                            'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
                            'http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                            'Target="word/document.xml"/></Relationships>')
    parts["[Content_Types].xml"] = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://'
                                    'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
                                    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                                    '<Default Extension="xml" ContentType="application/xml"/>' + "".join(types)
                                    + "</Types>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", (2026, 2, 3, 10, 0, 0)), parts.pop("[Content_Types].xml"))
        for name, text in parts.items():
            z.writestr(zipfile.ZipInfo(name, (2026, 2, 3, 10, 0, 0)), text)
    return buf.getvalue()


def case_plan_docx(c: dict, path: Path) -> None:
    """A Word case plan with a table, tracked changes (an insertion, and a deletion that names a
    foster parent and her phone), a comment naming the neighbour, and a header."""
    ch, m, w, f1, f2, d, t = (c[k] for k in ("child", "mother", "worker", "foster1", "foster2", "doctor", "teacher"))
    body = "".join([
        _p(_r("Case Plan"), style="Heading1"),
        _p(_r(f"Case plan for {ch['name']}, prepared by {w['name']}. {c['narrative'][0]}")),
        _p(_r(f"Visits between {ch['first']} and {m['name']} continue weekly"), _ins(" at the agency office", 1),
           _r("."), _del(f" Foster parent {f1['name']} can be reached at {c['foster_phone']}.", 2)),
        _p(_commented(f"{c['narrative'][5]}", 0)),
        _table([["Participant", "Role", "Contact"],
                [m["name"], "Parent", "through the agency"],
                [f2["name"], "Foster parent", c["foster_phone"]],
                [f"Dr. {d['name']}", "Pediatrician", c["reporter_email"].replace("@", ".clinic@")],
                [t["name"], "Teacher", c["school"]]]),
        _p(_r(f"Next review with {w['name']}. "), _ins(c["narrative"][1], 3)),
    ])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(docx_bytes(body, comments=[f"Ask {c['neighbor']['name']} about the evening visits."],
                                header=f"DCF case plan - {c['case_id']}"))


def visit_notes_docx(c: dict) -> bytes:
    t, w, ch = c["teacher"], c["worker"], c["child"]
    return docx_bytes(_p(_r("School meeting notes"), style="Heading1")
                      + _p(_r(f"Meeting about {ch['name']}. Present: {t['name']} and {w['name']}. "
                              f"{c['narrative'][4]}"))
                      + _p(_r(f"The neighbour {c['neighbor']['name']} was mentioned by the teacher. "
                              f"{c['narrative'][3]}")))


def _page_pixels(text: str, dpi: int, title: str = "") -> pymupdf.Pixmap:
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    if title:
        page.insert_text((72, 80), title, fontsize=14, fontname="tibo")
    page.insert_textbox(pymupdf.Rect(72, 100 if title else 90, 540, 720), text, fontsize=12, fontname="tiro")
    return page.get_pixmap(dpi=dpi, colorspace=pymupdf.csRGB)


def photographed_letter(c: dict, path: Path) -> None:
    """The reporter's letter as a phone photograph: JPEG, a warm paper tone, uneven light."""
    r, ch = c["reporter"], c["child"]
    text = (f"To the Department,\n\nMy name is {r['name']} and I live near {ch['name']}. You can call me at "
            f"{c['reporter_phone']}. {c['narrative'][2]}\n\n{c['narrative'][1]}\n\nPlease keep my name private.\n\n"
            f"{r['name']}")
    pix = _page_pixels(text, 150)
    w, h = pix.width, pix.height
    samples = bytearray(pix.samples)
    for y in range(h):
        shade = int(18 * y / h)                 # light falls off towards the bottom
        row = y * w * 3
        for x in range(0, w * 3, 3):
            i = row + x
            samples[i] = max(0, samples[i] - 6 - shade)
            samples[i + 1] = max(0, samples[i + 1] - 12 - shade)
            samples[i + 2] = max(0, samples[i + 2] - 28 - shade)
    photo = pymupdf.Pixmap(pymupdf.csRGB, w, h, bytes(samples), False)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(photo.tobytes("jpg", jpg_quality=80))


def school_tiff(c: dict, path: Path) -> None:
    """A three-page fax of school records as one multi-page TIFF (Pillow writes the frames)."""
    from PIL import Image

    ch, t = c["child"], c["teacher"]
    pages = [("Attendance record", f"School: {c['school']}\nStudent: {ch['name']}\nStudent ID: {c['student_id']}\n"
              f"Teacher: {t['name']}\n\n{c['narrative'][4]}"),
             ("Classroom note", f"{ch['first']} was late on three mornings this month. {t['name']} spoke with "
              f"{c['mother']['name']} about it.\n\n{c['narrative'][3]}"),
             ("Contact sheet", f"Emergency contact: {c['foster2']['name']}, {c['foster_phone']}\n"
              f"Address on file: {c['foster_street']}, {c['foster_city']}\n\n{c['narrative'][5]}")]
    frames = []
    for title, text in pages:
        pix = _page_pixels(text, 200, title)
        gray = pymupdf.Pixmap(pymupdf.csGRAY, pix)
        frames.append(Image.frombytes("L", (gray.width, gray.height), gray.samples))
    path.parent.mkdir(parents=True, exist_ok=True)
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_deflate", dpi=(200, 200))


def email_thread(c: dict, path: Path) -> None:
    """A reply that forwards the first message: both carry the same Word attachment."""
    from email.message import EmailMessage
    from email.utils import format_datetime
    import datetime as dt

    t, w, ch = c["teacher"], c["worker"], c["child"]
    notes = visit_notes_docx(c)
    ctype = ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")
    first = EmailMessage()
    first["From"] = f"{t['name']} <{t['first'].lower()}.{t['last'].lower()}@school.example.org>"
    first["To"] = f"{w['name']} <{w['first'].lower()}.{w['last'].lower()}@ct.gov>"
    first["Subject"] = "Notes from the school meeting"
    first["Date"] = format_datetime(dt.datetime(2026, 3, 9, 9, 30, tzinfo=dt.timezone.utc))
    first.set_content(f"Dear {w['first']},\n\nThe notes from our meeting about {ch['first']} are attached.\n\n"
                      f"{t['name']}")
    first.add_attachment(notes, maintype=ctype[0], subtype=ctype[1], filename="meeting_notes.docx")
    reply = EmailMessage()
    reply["From"] = first["To"]
    reply["To"] = "Supervisor <supervisor@ct.gov>"
    reply["Subject"] = "Fwd: Notes from the school meeting"
    reply["Date"] = format_datetime(dt.datetime(2026, 3, 9, 11, 0, tzinfo=dt.timezone.utc))
    reply.set_content(f"Forwarding the teacher's notes on {ch['name']}, and her message below. "
                      f"{c['narrative'][0]}\n\n{w['name']}")
    reply.add_attachment(notes, maintype=ctype[0], subtype=ctype[1], filename="meeting_notes.docx")
    reply.add_attachment(first)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(reply))


PRODUCTION_SEED = 1884


def production_request(root: Path, expected_dir: Path, seed: int = PRODUCTION_SEED) -> str:
    """A parent's request whose records are what a records office meets besides PDFs: a Word case
    plan with a table and tracked changes, a photographed letter (.jpg), a three-page .tif, and an
    e-mail thread whose Word attachment appears twice; Bates numbers, page labels and a legend."""
    c = make_case(seed)
    category = "parent_guardian"
    rid = f"2026-{seed % 10000:04d}-{category.replace('_', '-')}"
    d = root / rid
    if d.exists():
        shutil.rmtree(d)
    rec = d / "records"
    intake_report(c, rec / "investigation" / "intake_report.pdf")
    case_plan_docx(c, rec / "case_plan" / "case_plan.docx")
    photographed_letter(c, rec / "correspondence" / "photographed_letter.jpg")
    school_tiff(c, rec / "school" / "attendance_records.tif")
    email_thread(c, rec / "correspondence" / "school_thread.eml")
    req = {"request_id": rid, "received": "2026-11-20",
           "requester": {"name": c["mother"]["name"], "category": category},
           "case": {"id": c["case_id"], "status": "open"},
           "parties": [
               {"name": c["child"]["name"], "role": "child"},
               {"name": c["mother"]["name"], "role": "parent"},
               {"name": c["father"]["name"], "role": "parent"},
               {"name": c["reporter"]["name"], "role": "reporter"},
               {"name": c["neighbor"]["name"], "role": "collateral"},
               {"name": c["foster1"]["name"], "role": "foster_parent"},
               {"name": c["foster2"]["name"], "role": "foster_parent"},
               {"name": c["doctor"]["name"], "role": "provider"},
               {"name": c["teacher"]["name"], "role": "collateral"},
               {"name": c["worker"]["name"], "role": "dcf_staff"},
           ],
           "production": {"prefix": f"DCF{seed}-", "page_labels": True,
                          "legend": "CONFIDENTIAL - Conn. Gen. Stat. 17a-28 - no redisclosure"}}
    (d / "request.yaml").write_text(yaml.safe_dump(req, sort_keys=False), encoding="utf-8")
    third = [c["reporter"]["name"], c["reporter"]["last"], c["neighbor"]["name"], c["foster1"]["name"],
             c["foster2"]["name"], c["doctor"]["name"], c["teacher"]["name"], c["reporter_phone"],
             c["reporter_email"], c["foster_phone"], c["foster_street"], c["foster_city"]]
    keep = [c["child"]["name"], c["mother"]["name"], c["worker"]["name"], c["narrative"][0], c["narrative"][1],
            c["narrative"][3], c["narrative"][4], c["narrative"][5], "at the agency office"]
    expected_dir.mkdir(parents=True, exist_ok=True)
    (expected_dir / f"{rid}.json").write_text(json.dumps({"must_redact": third, "must_keep": keep}, indent=1),
                                              encoding="utf-8")
    return rid


def generate(out: Path, seed: int = 1873, extra_pages: int = 0, categories=CATEGORIES) -> list[str]:
    ids = []
    for i, cat in enumerate(categories):
        ids.append(write_request(make_case(seed + i), cat, out / "requests", out / "expected", extra_pages))
    return ids


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default=str(Path(__file__).parent))
    ap.add_argument("--seed", type=int, default=1873)
    ap.add_argument("--pages-extra", type=int, default=0, help="extra follow-up paragraphs in the visit notes")
    a = ap.parse_args()
    for rid in generate(Path(a.out), a.seed, a.pages_extra):
        print(rid)
    if a.seed == 1873:     # the committed set: the production sample beside the category samples
        print(production_request(Path(a.out) / "requests", Path(a.out) / "expected"))

"""A second generator, kept apart from sample_records/generate.py: other templates (insert_textbox
letters, ruled forms, HTML lists), other phone formats, and names from other locales (accents,
particles, Indian, German, Polish names). The release tests run on what it makes."""
import json, random
from pathlib import Path
import pymupdf, yaml
from faker import Faker

def run(out: Path, seed: int, category: str, locale: str):
    fk = Faker(locale); Faker.seed(seed); random.seed(seed)
    fe = Faker("en_US"); fe.seed_instance(seed)
    P = lambda: (fk.first_name(), fk.last_name())
    child, mom, dad, rep, nb, fost, doc_, teach, staff, stranger = (P() for _ in range(10))
    mom = (mom[0], child[1]); 
    nm = lambda p: f"{p[0]} {p[1]}"
    phone_fmts = ["(###) ###-####", "###-###-####", "###.###.####", "+1 ### ### ####", "1-###-###-####", "### ### ####"]
    rep_phone = fe.numerify(random.choice(phone_fmts)); fost_phone = fe.numerify(random.choice(phone_fmts))
    rep_email = f"{rep[0].lower()}.{rep[1].lower()}@{fe.free_email_domain()}"
    addr = f"{fe.building_number()} {fe.street_name()}"; city = f"{fe.city()}, {fe.state_abbr()} {fe.zipcode()}"
    faddr = f"{fe.building_number()} {fe.street_name()} {fe.secondary_address()}"; fcity = f"{fe.city()}, CT {fe.zipcode()}"
    ssn = fe.ssn(); dob = fe.date_of_birth(minimum_age=2, maximum_age=16).strftime("%-m/%-d/%Y")
    mrn = fe.numerify("#######"); medicaid = fe.bothify("??#########").upper()
    visit = fe.date_between("-1y", "today").strftime("%d %B %Y")
    keep_sent = ["Mother engaged well with the in-home clinician.", "The youth is attending school regularly.",
                 "Housing conditions were found to be adequate.", "A case plan review is scheduled for next month."]
    req = out / f"R{seed}"; rec = req / "records"
    # 1: letter written with insert_textbox, names split by textbox wrapping, ALL CAPS header
    d = pymupdf.open(); pg = d.new_page()
    pg.insert_text((60, 60), f"RE: {nm(child).upper()}   DOB: {dob}", fontsize=12, fontname="hebo")
    body = (f"To whom it may concern. On {visit}, {nm(rep)} telephoned the hotline at {rep_phone}; the caller's "
            f"e-mail is {rep_email}. {rep[1]} reported that {child[0]} was seen with bruises. {keep_sent[0]} "
            f"The family lives at {addr}, {city}. {nm(dad)} (SSN {ssn}) is the father. "
            f"Neighbour {nm(nb)} confirmed the account. {keep_sent[1]} Worker {nm(staff)} followed up.")
    pg.insert_textbox(pymupdf.Rect(60, 80, 330, 600), body, fontsize=10.5, fontname="helv")
    (rec / "investigation").mkdir(parents=True); d.save(rec / "investigation" / "letter.pdf")
    # 2: a table-like medical form
    d = pymupdf.open(); pg = d.new_page()
    rows = [("Patient name", f"{child[1]}, {child[0]}"), ("Date of birth", dob), ("MRN", mrn), ("Medicaid #", medicaid),
            ("Physician", f"Dr. {nm(doc_)}"), ("Guardian", nm(mom))]
    y = 80
    for a, b in rows:
        pg.draw_rect(pymupdf.Rect(60, y - 12, 560, y + 4), color=(0.5, 0.5, 0.5))
        pg.insert_text((64, y), a, fontsize=9); pg.insert_text((220, y), b, fontsize=9); y += 16
    pg.insert_textbox(pymupdf.Rect(60, y + 10, 560, y + 200), f"Assessment: {keep_sent[2]} Seen by Dr. {doc_[1]} "
                      f"who notes no acute distress. {keep_sent[3]}", fontsize=9)
    (rec / "medical").mkdir(parents=True); d.save(rec / "medical" / "form.pdf")
    # 3: foster placement note in Story HTML with a list
    html = (f"<h2>Placement note</h2><ul><li>Foster parent: {nm(fost)}</li><li>Address: {faddr}, {fcity}</li>"
            f"<li>Phone: {fost_phone}</li></ul><p>{child[0]} {child[1]} moved in with the {fost[1]} family. "
            f"Teacher {nm(teach)} and family friend {nm(stranger)} were told. {nm(staff)} will visit monthly.</p>")
    w = pymupdf.DocumentWriter(str(rec / "placement.pdf")); s = pymupdf.Story(html=html)
    dev = w.begin_page(pymupdf.paper_rect("a4")); s.place(pymupdf.Rect(50, 50, 545, 790)); s.draw(dev); w.end_page(); w.close()
    requester = {"parent_guardian": nm(mom), "client": nm(child), "medical_research": "Research Group"}[category]
    parties = [(child, "child"), (mom, "parent"), (dad, "parent"), (rep, "reporter"), (nb, "collateral"),
               (fost, "foster_parent"), (doc_, "provider"), (teach, "collateral"), (staff, "dcf_staff")]
    (req / "request.yaml").write_text(yaml.safe_dump({"request_id": f"R{seed}", "received": "2026-11-20",
        "requester": {"name": requester, "category": category}, "case": {"id": "DCF-2026-004411", "status": "open"},
        "parties": [{"name": nm(p), "role": r} for p, r in parties]}))
    third = [nm(rep), rep[1], rep_phone, rep_email, nm(nb), nm(fost), fost[1], faddr, fcity, fost_phone, nm(doc_),
             doc_[1], nm(teach), nm(stranger), ssn]
    if category == "medical_research":
        mr = third + [nm(child), child[0], nm(mom), nm(dad), nm(staff), addr, city, mrn, medicaid, dob, visit]
        exp = {"must_redact": mr, "must_keep": keep_sent}
    else:
        exp = {"must_redact": third, "must_keep": [nm(mom), child[0], nm(staff), visit, *keep_sent]}
    (out / f"R{seed}.json").write_text(json.dumps(exp))

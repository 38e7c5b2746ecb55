#!/usr/bin/env python3
"""Make the labelled evaluation corpora that `redactkit eval` scores (shipped as package data).

usage: python benchmarks/eval/make_corpus.py [--out redactkit/evaldata] [--seed 11]
       (needs `pip install mimesis`, a build-time tool only; the detector never uses it)

Two corpora, one JSON object a line: {"text": ..., "spans": [{"start", "end", "type"}, ...]}.
A line with no spans is an identifier-free sentence: any box on it is over-redaction.

- general.jsonl: general PII sentences in English with the people, streets, towns, postcodes and
  phones of 27 Latin-script locales (house number after the street, no street type, continental
  postcodes, national phone formats), cards, IBANs, e-mails, IPs; names written as a reader meets
  them (alone, lower case, ALL CAPS, "Surname, First", with a middle initial); and
  identifier-free sentences.
- clinical.jsonl: terse ICU nursing-note lines with surrogate PHI: clinicians after Dr/RN/NP/MD
  in any case, bare surnames, relatives, hospitals and named wards, short dates (7/22, 7-22-88,
  "the 22nd"), pagers, ages over 89; and identifier-free clinical lines (doses, labs, times,
  abbreviations, colour words like "frank", "amber").

Sources, all disjoint from the detector's lists (which come from names-dataset, SCOWL and
Faker's street suffixes / US states): values from the `mimesis` package's locale data (its own
compilation, not Faker's or names-dataset's), plus the hand-written lists below (names of origins
mimesis lacks, hospital and ward names, words). Templates are this file's own, written for this
corpus; none come from the presidio-evaluator project or its data.
"""
from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from mimesis import Address, Finance, Internet, Locale, Payment, Person

LOCALES = ["en", "en-gb", "en-au", "en-ca", "de", "de-at", "de-ch", "fr", "es", "es-mx", "it", "pt", "pt-br",
           "nl", "nl-be", "da", "no", "sv", "fi", "is", "et", "hu", "pl", "cs", "sk", "hr", "tr"]

# Names of origins the Latin-script locales above lack, written by hand (romanised as they appear
# in English records), and names with the particles and multi-part surnames of several languages.
HAND_NAMES = [
    "Haruto Yamamoto", "Yui Takahashi", "Kenji Watanabe", "Sakura Inoue", "Nguyễn Thị Lan", "Trần Văn Minh",
    "Phạm Quốc Bảo", "Li Wei", "Zhang Min", "Chen Jiahui", "Park Ji-woo", "Kim Seo-yeon", "Oluwaseun Adeyemi",
    "Chiamaka Okonkwo", "Kwame Mensah", "Abena Owusu", "Tendai Moyo", "Amani Njoroge", "Fatima Zahra El Idrissi",
    "Youssef Benali", "Mariam Haddad", "Omar Al-Farsi", "Aisha Rahman", "Priya Raghunathan", "Arjun Venkataraman",
    "Siddharth Iyer", "Ananya Chatterjee", "Mehmet Yıldız", "Elif Şahin", "Đorđe Petrović", "Milica Đorđević",
    "Zsófia Kovács", "Bálint Szőke", "Guðrún Sigurðardóttir", "Jón Þórsson", "Søren Kierkegaard-Holm",
    "Åsa Lindqvist", "Eero Mäkelä", "Jūratė Kazlauskienė", "Tõnu Tamm", "Łukasz Wróblewski", "Agnieszka Wójcik",
    "Irina K. Volkova", "Dmitri Sokolov", "Oksana Shevchenko", "Bogdan Ionescu", "Ioana Popescu",
    "María José de la Fuente", "Juan Pablo García Márquez", "João dos Santos", "Ana Luísa Conceição",
    "Giulia Dell'Acqua", "Pieter van der Berg", "Anouk de Vries", "Ludwig von Hagen", "Seán Ó Briain",
    "Siobhán Mac Giolla", "Niamh O'Sullivan", "Rhys ap Gwilym", "Mairead McAllister", "Tupac Quispe",
    "Xochitl Tlapaltecatl", "Kalani Kahananui", "Aroha Ngata", "Wiremu Te Rangi", "Ngozi Eze", "Dawit Bekele",
    "Selam Tesfaye", "Hamid Karimi", "Shirin Ahmadi", "Ravi Shankar Pillai", "Lakshmi Narayanan", "Thandiwe Dlamini",
]
HOSPITALS = ["{city} General Hospital", "{city} Memorial", "St. {saint}'s Hospital", "{city} Regional Medical Center",
             "Mount {saint} Hospital", "{city} Community Hospital", "{saint} Medical Center", "{city} Children's"]
SAINTS = ["Agnes", "Brigid", "Columba", "Perpetua", "Ignatius", "Scholastica", "Wenceslas", "Benedict", "Hildegard",
          "Casimir", "Kateri", "Vincent", "Rafael", "Clement"]
WARDS = ["Farrow 6", "Kessler 4", "Bramley 7 North", "Whitcombe 3", "Ostrander 5"]
TITLES = ["Dr.", "Dr", "dr", "DR.", "Dr."]
CREDS = ["RN", "rn", "NP", "MD", "PA", "RT", "LPN"]

# Identifier-free lines, written for this corpus: ordinary sentences with words that are names
# somewhere (will, may, mark, grace, hope, rose, frank, amber, card, street, bill, page...).
CLEAN_GENERAL = [
    "Please mark the boxes that apply and return the card by mail.",
    "The street was closed for repairs, so the bus took a detour.",
    "We may need more time to review the bill before we pay it.",
    "She said grace before dinner and everyone waited quietly.",
    "There is hope that the new policy will reduce waiting times.",
    "The rose garden behind the library opens in the spring.",
    "He was frank about the costs and the risks of the project.",
    "Turn to page twelve and read the first paragraph aloud.",
    "The rock concert was cancelled because of the storm.",
    "A young man asked for directions to the train station.",
    "Our team will present the results at the next meeting.",
    "The price of bread went up again this month.",
    "Fill in the form with a black or blue pen.",
    "The court hearing was moved to the afternoon.",
    "Can you bring the brown box from the garage?",
    "The weather in the north will be cold and windy.",
    "Chapter three explains how the engine works.",
    "They planted an oak tree in the middle of the field.",
    "The amber light on the dashboard means the oil is low.",
    "The clinic is open on weekdays and closed on holidays.",
    "I will call you back after lunch.",
    "The answer depends on how many people sign up.",
    "A bell rang twice and the children went inside.",
    "The baker sold out of rolls before noon.",
    "Keep the receipt in case you need to return the shoes.",
    "The river rose after three days of heavy rain.",
    "His account of the evening was short and clear.",
    "The mason repaired the old stone wall by the gate.",
    "We watched the sun set over the hills.",
    "The story ends with a long walk along the shore.",
    "Please sign at the bottom of the second page.",
    "The new park has a playground and a small pond.",
    "Most of the jobs were filled within a week.",
    "The library will host a reading club for teenagers.",
    "A strong wind blew the leaves across the yard.",
    "The meeting notes were sent to everyone on the list.",
    "The kitchen needs a new sink and better lighting.",
    "It may rain later, so take an umbrella.",
    "The summer program teaches swimming and first aid.",
    "The price includes delivery and installation.",
    "The museum shows paintings from the last two centuries.",
    "She works from home on Mondays and Fridays.",
    "We compared three offers and chose the cheapest one.",
    "The cat slept in the sun all afternoon.",
    "Write your answers in the spaces provided.",
    "The city council will vote on the budget next week.",
    "The door sticks when the weather is humid.",
    "Our neighbors lent us a ladder for the weekend.",
    "The orchestra played a waltz and a march.",
    "The hotel offers free breakfast to all guests.",
    "A warm coat and good boots are needed in winter.",
    "He keeps his tools in a green metal box.",
    "The report will be ready by the end of the month.",
    "Visitors must sign in at the front desk.",
    "The baby smiled at the sound of her brother's voice.",
    "The harvest was larger than expected this year.",
    "There were no delays on the morning flight.",
    "The students built a model bridge out of paper.",
    "Fresh bread and honey make a simple breakfast.",
    "Grace periods for late payments are listed in the contract.",
    "The church choir sang at the spring festival.",
    "The dog barked at every car that passed the house.",
    "She bought a gold ring and a silver chain.",
    "The school bus stops at the corner every morning.",
    "Joy and relief spread through the room when the news came.",
    "The storm knocked down a few power lines.",
    "We need two more chairs for the dinner table.",
    "The fence was painted white last summer.",
    "Hunting season opens in the fall.",
    "Please keep your voice down in the reading room.",
    "The final score was three to one.",
    "An old map hung on the wall of the office.",
    "He will mark the exams over the weekend.",
    "The bank closes early on Fridays.",
    "A small boat drifted near the dock.",
    "The guide showed us the way to the waterfall.",
    "Dinner will be served at seven.",
    "The wood stove keeps the cabin warm at night.",
    "Patience is needed when learning a new language.",
    "The shop sells fresh fish every Tuesday.",
]
CLEAN_CLINICAL = [
    "Neuro: A&Ox3, MAE, follows commands, PERRL.",
    "Resp: LS clear bilat, sats 96% on 2L NC.",
    "CV: NSR 80s-90s, no ectopy, SBP 110-130.",
    "GI: abd soft, +BS, tolerating TF at goal 60cc/hr.",
    "GU: foley draining clear yellow urine, uo 40-60cc/hr.",
    "lasix 40mg IV given w/ good response.",
    "K 3.4, repleted with 40meq KCL po.",
    "pt resting comfortably, no c/o pain overnight.",
    "frank blood noted in ngt drainage, team aware.",
    "urine amber, cloudy, sent for UA/UC.",
    "Skin: coccyx stage 2, duoderm intact.",
    "plan: cont abx, f/u cultures, wean vent as tol.",
    "ABG 7.38/42/98 on 40% FiO2, PEEP 5.",
    "pt turned and repositioned q2h.",
    "heparin gtt at 1000 u/hr, PTT 65 at 0400.",
    "vanco trough pending, next dose held.",
    "tmax 101.2, blood cx x2 sent, tylenol given.",
    "pt OOB to chair for 1 hr, tolerated well.",
    "family in to visit, updated on plan of care.",
    "insulin ss per protocol, FS 180 at 2100.",
    "NPO after midnight for procedure in am.",
    "IVF d/c'd, saline lock in place.",
    "will cont to monitor resp status closely.",
    "mark on L groin site, no hematoma.",
    "Hope to extubate in am if abg stable.",
    "pt states pain 3/10, declined further meds.",
    "ETT 7.5 at 22 at the lip, secured.",
    "CXR shows improved aeration at bases.",
    "dsg to sternal incision c/d/i.",
    "sedation: propofol 20mcg/kg/min, RASS -1.",
    "pt anxious at times, reassured, ativan 0.5mg iv x1.",
    "social work consulted re: dispo planning.",
    "Grace period for PT eval extended to tomorrow.",
    "pt with brown liquid stool x2, c diff sent.",
    "rose slightly to 38.1 at 0200, no intervention.",
    "bs coarse, suctioned for thick white secretions.",
    "pt will need rehab placement at dc.",
    "lopressor 25 po given, HR now 70s.",
    "Hct 27.4, 1 unit PRBC transfused w/o incident.",
    "tele box changed, leads replaced.",
    "ambulated in hall with walker and 1 assist.",
    "pt may have clears this afternoon per team.",
    "bilat LE edema 2+, elevated on pillows.",
    "A-line dampened, flushed and re-zeroed.",
    "glucose 62, amp D50 given, recheck 140.",
    "wound care RN in to see pt this am.",
    "pt pulled at lines, mitts applied per protocol.",
    "Access: R IJ TLC, L radial a-line.",
    "I/O: +1.2L for 24h, net neg 400 since MN.",
    "Mg 1.8, repleted with 2g IV.",
]


def _person(rnd: random.Random, seed: int):
    loc = rnd.choice(LOCALES)
    p = Person(Locale(loc), seed=seed)
    if rnd.random() < 0.2:
        full = rnd.choice(HAND_NAMES)
        parts = full.split()
        return parts[0], parts[-1], full, loc
    first, last = p.first_name(), p.last_name()
    return first, last, f"{first} {last}", loc


def _name_form(rnd: random.Random, first: str, last: str, full: str) -> str:
    mid = rnd.choice("ABCDEFGHJKLMNPRSTW")
    return rnd.choice([full, full, full, f"{first} {mid}. {last}", f"{last}, {first}", full.lower(),
                       full.upper(), f"{last.upper()}, {first}", first, last])


class Slots:
    """Values for the {SLOT}s of the templates, each with its label type."""

    def __init__(self, rnd: random.Random, seed: int):
        self.rnd, self.seed = rnd, seed
        loc = rnd.choice(LOCALES)
        self.addr = Address(Locale(loc), seed=seed)
        self.person = Person(Locale(loc), seed=seed)
        self.first, self.last, self.full, _ = _person(rnd, seed)
        self.internet, self.payment, self.finance = Internet(seed=seed), Payment(seed=seed), Finance(seed=seed)

    def value(self, slot: str) -> tuple[str, str | None]:
        r, a = self.rnd, self.addr
        if slot == "NAME":
            return _name_form(r, self.first, self.last, self.full), "NAME"
        if slot == "FULL":
            return self.full, "NAME"
        if slot == "FIRST":
            return self.first, "NAME"
        if slot == "LAST":
            return self.last, "NAME"
        if slot == "last":
            return self.last.lower(), "NAME"
        if slot == "NAME2":
            f, l_, full, _ = _person(r, self.seed + 7919)
            return _name_form(r, f, l_, full), "NAME"
        if slot == "STREET":
            return a.address(), "STREET_ADDRESS"
        if slot == "CITY":
            return a.city(), "LOCATION"
        if slot == "POSTCODE":
            return a.postal_code(), "POSTCODE"
        if slot == "PHONE":
            return self.person.telephone(), "PHONE"
        if slot == "EMAIL":
            return self.person.email(), "EMAIL"
        if slot == "CARD":
            return self.payment.credit_card_number(), "CREDIT_CARD"
        if slot == "IP":
            return (self.internet.ip_v4() if r.random() < 0.7 else self.internet.ip_v6()), "IP"
        if slot == "IBAN":
            cc = r.choice(["DE", "FR", "GB", "NL", "ES", "IT"])
            return _iban(r, cc), "IBAN"
        if slot == "SSN":
            return f"{r.randint(100, 665)}-{r.randint(10, 99)}-{r.randint(1000, 9999)}", "SSN"
        if slot == "DATE":
            m, d, y = r.randint(1, 12), r.randint(1, 28), r.randint(1930, 2024)
            months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                      "October", "November", "December"]
            return r.choice([f"{m}/{d}", f"{m}-{d}", f"{m}/{d}/{y % 100:02d}", f"{m}-{d}-{y % 100:02d}",
                             f"{m}/{d}/{y}", f"{months[m - 1]} {d}", f"{months[m - 1][:3]} {d}",
                             f"{d} {months[m - 1]} {y}", f"{months[m - 1]} {d}th", f"{d}-{months[m - 1][:3]}"]), "DATE"
        if slot == "NTH":
            return r.choice(["the 3rd", "the 14th", "the 22nd", "the 9th", "the 30th"]), "DATE"
        if slot == "AGE":
            n = r.randint(90, 103)
            return r.choice([f"{n} yo", f"{n}yo", f"{n} y/o", f"{n}F", f"{n}M", f"{n} year old"]), "AGE_OVER_89"
        if slot == "PAGER":
            return r.choice([f"{r.randint(10000, 99999)}", f"#{r.randint(1000, 9999)}",
                             f"{r.randint(100, 999)}-{r.randint(1000, 9999)}"]), "PHONE"
        if slot == "HOSP":
            return r.choice(HOSPITALS).format(city=a.city(), saint=r.choice(SAINTS)), "LOCATION"
        if slot == "WARD":
            return r.choice(WARDS), "LOCATION"
        if slot == "TITLE":
            return r.choice(TITLES), None
        if slot == "CRED":
            return r.choice(CREDS), None
        if slot == "MRN":
            return str(r.randint(1000000, 99999999)), "ID"
        raise KeyError(slot)


def _iban(r: random.Random, cc: str) -> str:
    lengths = {"DE": 18, "FR": 23, "GB": 18, "NL": 14, "ES": 20, "IT": 23}
    body = "".join(str(r.randint(0, 9)) for _ in range(lengths[cc]))
    if cc == "GB":
        body = "NWBK" + body[4:]
    if cc == "NL":
        body = "ABNA" + body[4:]
    if cc == "IT":
        body = "X" + body[1:]
    num = int("".join(str(int(c, 36)) for c in body + cc + "00"))
    iban = f"{cc}{98 - num % 97:02d}{body}"
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


GENERAL = [
    "My name is {NAME} and I live at {STREET}, {POSTCODE} {CITY}.",
    "You can reach {NAME} on {PHONE} most evenings.",
    "{NAME} moved from {CITY} to {STREET} last year.",
    "Send the parcel to {FULL}, {STREET}, {CITY} {POSTCODE}.",
    "Please forward the invoice to {EMAIL}, attention {NAME}.",
    "The card used for the payment was {CARD}, held by {NAME}.",
    "Transfer the deposit to {IBAN} in the name of {FULL}.",
    "Login attempts for {NAME} came from {IP}.",
    "I spoke with {FIRST} yesterday and she said {LAST} would call.",
    "{LAST} told me the meeting is at {STREET} on {DATE}.",
    "Our landlord, {NAME}, wants the keys back by {DATE}.",
    "{FIRST}'s phone number is {PHONE}.",
    "The package for {NAME} was left at {STREET}.",
    "The postcode for the office is {POSTCODE}.",
    "Call me on {PHONE} or write to {EMAIL}.",
    "{NAME} and {NAME2} signed the lease together.",
    "Ask {FIRST} about the forms; {FIRST} keeps them in a drawer.",
    "Her social security number is {SSN}.",
    "Mr. {LAST} will visit {CITY} in the spring.",
    "Thanks, {FIRST}! See you at {STREET}.",
    "the new tenant is {last} and he starts monday",
    "Contact person: {NAME}, tel. {PHONE}",
    "{NAME} was born on {DATE} in {CITY}.",
    "Dear {NAME}, your order ships to {STREET}, {POSTCODE}.",
    "We met {NAME2} and {FIRST} at the cafe on {STREET}.",
]
CLINICAL = [
    "Pt seen by {TITLE} {LAST} this am, plan to diurese.",
    "{TITLE} {LAST} aware of BP, will follow.",
    "{TITLE} {last} paged at {PAGER} re: hypotension.",
    "{last} {CRED} aware of elevated lactate.",
    "Report given to {FIRST} {CRED}.",
    "D/w {TITLE} {LAST} and {LAST2} {CRED}, plan to extubate in am.",
    "pt's daughter {FIRST} called, updated on plan; her # is {PHONE}.",
    "Wife {FIRST} at bedside most of the day.",
    "son {NAME} called from {CITY}, will visit {DATE}.",
    "Transferred from {HOSP} on {DATE} for further care.",
    "pt admitted to {WARD} from the ED on {DATE}.",
    "{AGE} admitted with urosepsis.",
    "Pt is a {AGE} w/ hx of CHF, transferred from {HOSP}.",
    "Last BM {DATE}, colace given.",
    "cx from {DATE} positive for MRSA.",
    "HCP is niece {NAME}, phone {PHONE}.",
    "{FULL} is the patient's health care proxy.",
    "seen by {LAST} from PT, will return on {NTH}.",
    "plan to return to {HOSP} rehab on {DATE}.",
    "Name: {FULL}  MRN: {MRN}",
    "Per {TITLE} {LAST}, hold tube feeds after MN.",
    "Spoke with {TITLE} {LAST} ({CRED}) at {PAGER}.",
    "{last}, {first} -- family meeting with {TITLE} {LAST2} tomorrow.",
    "friend {FIRST} {LAST} visited, brought pt's glasses.",
    "team: {TITLE} {LAST}, {TITLE} {LAST2}; RN {FIRST}.",
]


def fill(template: str, slots: Slots, second: Slots) -> dict:
    text, spans = "", []
    for part in re.split(r"(\{[A-Za-z_0-9]+\})", template):
        if part.startswith("{") and part.endswith("}"):
            slot = part[1:-1]
            src = second if slot.endswith("2") and slot != "NAME2" else slots
            key = {"LAST2": "LAST", "first": "FIRST"}.get(slot, slot)
            value, kind = src.value(key)
            if slot == "first":
                value = value.lower()
            if kind:
                spans.append({"start": len(text), "end": len(text) + len(value), "type": kind})
            text += value
        else:
            text += part
    return {"text": text, "spans": spans}


def make(templates: list[str], clean: list[str], n: int, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        t = templates[i % len(templates)]
        rows.append(fill(t, Slots(rnd, seed * 100003 + i), Slots(rnd, seed * 100003 + i + 50021)))
    rows += [{"text": c, "spans": []} for c in clean]
    rnd.shuffle(rows)
    return rows


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[2] / "redactkit" / "evaldata"))
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, templates, clean, n in (("general", GENERAL, CLEAN_GENERAL, 500), ("clinical", CLINICAL, CLEAN_CLINICAL, 500)):
        rows = make(templates, clean, n, a.seed)
        (out / f"{name}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                           encoding="utf-8")
        print(f"{name}: {len(rows)} lines, {sum(not r['spans'] for r in rows)} identifier-free, "
              f"{sum(len(r['spans']) for r in rows)} labelled spans")

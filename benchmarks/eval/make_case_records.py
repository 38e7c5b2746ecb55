#!/usr/bin/env python3
"""Make the labelled evaluation corpus: sentences with every identifier span labelled by type.

usage: python benchmarks/eval/make_case_records.py [OUT.jsonl] [--n 400] [--seed 5]

Its own templates, kept apart from the test fixtures and sample_records/generate.py: half
case-record prose, half general English; names from several Faker locales. One JSON object a line:
{"text": ..., "spans": [{"start": s, "end": e, "type": T}, ...]}.
"""
from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from faker import Faker

LOCALES = ["en_US", "en_US", "en_US", "en_GB", "es_MX", "fr_FR", "de_DE", "it_IT", "en_IN", "pt_BR"]

# {TYPE} slots; plain words between them. Case-record sentences first, then general English.
TEMPLATES = [
    "On {DATE} the worker met {NAME} at {STREET_ADDRESS}, {CITY_STATE_ZIP}.",
    "The reporter, {NAME}, can be reached at {PHONE} or {EMAIL}.",
    "{NAME} (DOB {DATE}) was seen at the clinic; MRN {MRN}.",
    "Medicaid ID {HEALTH_PLAN_ID} was verified for {NAME} on {DATE}.",
    "Case {CASE_NUMBER} was assigned to {NAME} after the Careline call.",
    "Her SSN is {SSN} and her mother is {NAME}.",
    "The father, {NAME}, drives a car with plate {LICENSE_PLATE}.",
    "Driver's license {DRIVER_LICENSE} belongs to {NAME}.",
    "The grandmother is {AGE_OVER_89} and lives with {NAME}.",
    "Payments go to account {ACCOUNT_NUMBER} held by {NAME}.",
    "Mr. {LAST_NAME} called from {PHONE} about the visit on {DATE}.",
    "Please send the records to {NAME}, {STREET_ADDRESS}, {CITY_STATE_ZIP}.",
    "The foster home of {NAME} is in ZIP code {ZIP}.",
    "The tablet with serial number {DEVICE_SERIAL} was given to {NAME}.",
    "My name is {NAME} and my number is {PHONE}.",
    "{NAME} paid with card {CREDIT_CARD} on {DATE}.",
    "The message came from {IP} and linked to {URL}.",
    "Wire the refund to IBAN {IBAN} in the name of {NAME}.",
    "Contact {NAME} at {EMAIL} before {DATE}.",
    "I met {NAME} at the library yesterday and we talked about books.",
    "{NAME} moved to {CITY_STATE_ZIP} last spring.",
    "You can write to me at {STREET_ADDRESS}, {CITY_STATE_ZIP}.",
    "Call {PHONE} if the package does not arrive.",
    "The conference speaker was {NAME}, who works in Boston.",
    "Our new neighbor {NAME} plays the piano every evening.",
    "Send your questions to {EMAIL} and we will reply within a week.",
    "His social security number, {SSN}, was printed on the form by mistake.",
    "The server at {IP} stopped answering at noon.",
    "Sincerely, {NAME}",
    "Dear {NAME}, thank you for your letter of {DATE}.",
]


def values(fk: Faker, fe: Faker, rnd: random.Random) -> dict:
    return {
        "NAME": lambda: rnd.choice([f"{fk.first_name()} {fk.last_name()}", f"{fk.first_name()} {fk.last_name()}",
                                    f"{fk.last_name().upper()}, {fk.first_name()}",
                                    f"{fk.first_name()} {fe.random_uppercase_letter()}. {fk.last_name()}"]),
        "LAST_NAME": fk.last_name,
        "STREET_ADDRESS": lambda: rnd.choice([fe.street_address(), f"{fe.building_number()} {fe.street_name()}",
                                              f"PO Box {rnd.randint(10, 9999)}"]),
        "CITY_STATE_ZIP": lambda: f"{fe.city()}, {fe.state_abbr()} {fe.zipcode()}",
        "ZIP": fe.zipcode,
        "PHONE": lambda: fe.numerify(rnd.choice(["(###) ###-####", "###-###-####", "###.###.####", "+1 ### ### ####",
                                                 "1-###-###-####", "###-###-#### ext. ###"])),
        "EMAIL": fe.email,
        "SSN": fe.ssn,
        "DATE": lambda: fe.date_between("-30y", "today").strftime(rnd.choice(["%m/%d/%Y", "%B %d, %Y", "%Y-%m-%d",
                                                                              "%d %B %Y", "%b %d, %Y"])),
        "AGE_OVER_89": lambda: rnd.choice([f"{rnd.randint(90, 104)} years old", f"aged {rnd.randint(90, 104)}",
                                           f"{rnd.randint(90, 104)}-year-old"]),
        "MRN": lambda: fe.bothify(rnd.choice(["MR######", "#######", "A#######"])),
        "HEALTH_PLAN_ID": lambda: fe.bothify(rnd.choice(["##########", "??#########"])).upper(),
        "CASE_NUMBER": lambda: f"DCF-{rnd.randint(2015, 2026)}-{rnd.randint(1000, 999999):06d}",
        "LICENSE_PLATE": fe.license_plate,
        "DRIVER_LICENSE": lambda: fe.bothify(rnd.choice(["?#######", "#########", "??######"])).upper(),
        "ACCOUNT_NUMBER": fe.bban,
        "DEVICE_SERIAL": lambda: fe.bothify("SN-????-########").upper(),
        "CREDIT_CARD": fe.credit_card_number,
        "IP": lambda: rnd.choice([fe.ipv4(), fe.ipv6()]),
        "URL": fe.url,
        "IBAN": fe.iban,
    }


def make(n: int, seed: int) -> list[dict]:
    rnd = random.Random(seed)
    fe = Faker("en_US")
    fe.seed_instance(seed)
    out = []
    for i in range(n):
        fk = Faker(LOCALES[i % len(LOCALES)])
        fk.seed_instance(seed * 1000 + i)
        gen = values(fk, fe, rnd)
        template = TEMPLATES[i % len(TEMPLATES)]
        text, spans = "", []
        for part in re.split(r"(\{[A-Z_0-9]+\})", template):
            if part.startswith("{") and part.endswith("}"):
                kind = part[1:-1]
                value = str(gen[kind]())
                spans.append({"start": len(text), "end": len(text) + len(value),
                              "type": "NAME" if kind == "LAST_NAME" else kind})
                text += value
            else:
                text += part
        out.append({"text": text, "spans": spans})
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default=str(Path(__file__).resolve().parents[2] / "redactkit" / "evaldata" / "case_records.jsonl"))
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--seed", type=int, default=5)
    a = ap.parse_args()
    rows = make(a.n, a.seed)
    Path(a.out).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} sentences, {sum(len(r['spans']) for r in rows)} labelled spans -> {a.out}")

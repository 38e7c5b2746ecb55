"""Review as a new user meets it (issue 15): the console names no one, attachment file names
included; `plan redact --text` gives a name the code that fits a name, not the identifier code."""
from __future__ import annotations

import json
from email.message import EmailMessage

import pymupdf
import pytest
import yaml


def _pdf_bytes(text: str) -> bytes:
    doc = pymupdf.open()
    doc.new_page().insert_textbox(pymupdf.Rect(72, 72, 540, 700), text, fontsize=11)
    return doc.tobytes()


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory, cli):
    base = tmp_path_factory.mktemp("review-console")
    req = base / "2026-2002"
    (req / "records" / "correspondence").mkdir(parents=True)
    (req / "records" / "investigation").mkdir(parents=True)
    (req / "records" / "investigation" / "visit.pdf").write_bytes(_pdf_bytes(
        "Worker Tina Rivera visited Linda Bowers and Janice Bowers at home. Linda Bowers was cooperative. "
        "The placement with Kristine Marshall continues. Call 654-475-6219 for the father."))
    msg = EmailMessage()
    msg["From"] = "Tina Rivera <tina.rivera@ct.gov>"
    msg["To"] = "Records Unit <records@ct.gov>"
    msg["Subject"] = "Placement papers"
    msg.set_content("The placement papers are attached.\n")
    msg.add_attachment(_pdf_bytes("Placement agreement. The child remains in the foster home."),
                       maintype="application", subtype="pdf", filename="Kristine_Marshall_placement.pdf")
    (req / "records" / "correspondence" / "papers.eml").write_bytes(bytes(msg))
    (req / "request.yaml").write_text(yaml.safe_dump({
        "request_id": "2026-2002", "received": "2026-11-20",
        "requester": {"name": "Linda Bowers", "category": "parent_guardian"},
        "case": {"id": "DCF-2024-002002", "status": "open"},
        "parties": [{"name": "Janice Bowers", "role": "child"}, {"name": "Linda Bowers", "role": "parent"},
                    {"name": "Kristine Marshall", "role": "foster_parent"},
                    {"name": "Tina Rivera", "role": "dcf_staff"}]}, sort_keys=False))
    code, table = cli("review", req, "--out", base / "out", "-q")
    assert code == 0, table
    code, as_json = cli("review", req, "--out", base / "out2", "-q", "--json")
    assert code == 0, as_json
    return {"table": table, "json": as_json, "plan": base / "out" / "internal" / "plan.json"}


def test_review_console_names_no_one_in_file_names(reviewed):
    for output in (reviewed["table"], reviewed["json"]):
        assert "Kristine" not in output and "Marshall" not in output
    assert "placement" in reviewed["table"]          # the rest of the attachment's name is there
    docs = [r["document"] for r in json.loads(reviewed["json"])["records"]]
    assert any("[FP]" in d and "placement" in d for d in docs), docs
    # the plan (internal) keeps the real path, so staff can find the record
    plan = json.loads(reviewed["plan"].read_text())
    assert any("Kristine_Marshall_placement.pdf" in d for d in plan["pages"])


def test_plan_redact_text_gives_a_name_the_code_of_a_name(reviewed, cli):
    plan = reviewed["plan"]
    code, output = cli("plan", "redact", plan, "--text", "Linda Bowers")
    assert code == 0, output
    entries = [e for e in json.loads(plan.read_text())["redactions"] if e.get("text") == "Linda Bowers"]
    assert entries and all(e["decision"] == "redact" and e["reason"] == "TP" for e in entries), entries
    code, output = cli("plan", "redact", plan, "--text", "Tina Rivera", "--reason", "PI")    # staff's code stands
    assert code == 0
    entries = [e for e in json.loads(plan.read_text())["redactions"] if e.get("text") == "Tina Rivera"]
    assert entries and all(e["reason"] == "PI" for e in entries)
    code, output = cli("plan", "redact", plan, "--text", "continues")          # not a name: the recipe's default
    added = [e for e in json.loads(plan.read_text())["redactions"] if e.get("text") == "continues"]
    assert code == 0 and added[0]["reason"] == "PI"

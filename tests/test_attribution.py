"""Whose an identifier is, who the reporter is, and whose information a release disclosed
(issue 15): a parent receives her own contact details and her child's SSN, not the other
parent's; a table row that gives the reporter's workplace is reporter identity; a neighbour's
own statement is not; the accounting lists a disclosure under a person only when the release
showed who they are."""
from __future__ import annotations

import json

import pymupdf
import pytest
import yaml

from conftest import readable, release_texts

INTAKE = """
<h1>Careline Intake Report</h1>
<table>
<tr><td>Reporter</td><td>Brian Ford</td></tr>
<tr><td>Reporter workplace</td><td>Torres Elementary School</td><td>Allenmouth</td><td>06106</td></tr>
<tr><td>Mother</td><td>Linda Bowers</td><td>cell (860) 555-0101</td></tr>
<tr><td>Mother e-mail</td><td>linda.bowers@example.org</td></tr>
<tr><td>Home</td><td>650 Patricia Trace, Hartford, CT 06105</td></tr>
<tr><td>Child</td><td>Janice Bowers</td><td>SSN 123-45-6789</td></tr>
<tr><td>Father</td><td>Michael Walsh</td><td>SSN 821-61-4216</td><td>phone 654-475-6219</td></tr>
<tr><td>Foster home</td><td>5800 Heather Creek, New Ronaldfort, CT 06127</td></tr>
</table>
<p>The neighbor, Robert Salazar, reported that he heard loud arguments late at night.</p>
<p>The school nurse called the Careline on Monday.</p>
<p>Linda Bowers can be reached at 860.555.0101 and agreed to a home visit.</p>
<p><b>Reporter information</b></p>
<table><tr><td>School</td><td>Lincoln Middle School</td></tr><tr><td>Town</td><td>Wethersfield</td></tr></table>
<p><b>Child information</b></p>
<p>The child attends school regularly and appeared well cared for.</p>
"""

ROSTER = [
    {"name": "Janice Bowers", "role": "child", "identifiers": ["123-45-6789"]},
    {"name": "Linda Bowers", "role": "parent",
     "identifiers": ["860-555-0101", "linda.bowers@example.org", "650 Patricia Trace, Hartford, CT 06105"]},
    {"name": "Michael Walsh", "role": "parent", "identifiers": ["821-61-4216"]},
    {"name": "Brian Ford", "role": "reporter"},
    {"name": "Robert Salazar", "role": "collateral"},
    {"name": "Kristine Marshall", "role": "foster_parent",
     "identifiers": ["5800 Heather Creek, New Ronaldfort, CT 06127"]},
    {"name": "Tina Rivera", "role": "dcf_staff"},
]


def _pdf(path, html):
    path.parent.mkdir(parents=True, exist_ok=True)
    story = pymupdf.Story(html=html, user_css="body {font-family: serif; font-size: 10pt;} td {padding: 2pt 6pt;}")
    writer = pymupdf.DocumentWriter(str(path))
    more = True
    while more:
        dev = writer.begin_page(pymupdf.paper_rect("letter"))
        more, _ = story.place(pymupdf.Rect(60, 60, 552, 732))
        story.draw(dev)
        writer.end_page()
    writer.close()


@pytest.fixture(scope="module")
def released(tmp_path_factory, cli):
    """The request released to the mother, with its own ledger."""
    base = tmp_path_factory.mktemp("attribution")
    req = base / "2026-2001"
    _pdf(req / "records" / "investigation" / "intake.pdf", INTAKE)
    (req / "request.yaml").write_text(yaml.safe_dump({
        "request_id": "2026-2001", "received": "2026-11-20",
        "requester": {"name": "Linda Bowers", "category": "parent_guardian"},
        "case": {"id": "DCF-2024-002001", "status": "open"}, "parties": ROSTER}, sort_keys=False))
    ledger = base / "ledger.jsonl"
    code, output = cli("release", req, "--out", base / "out", "-q", "--ledger", ledger)
    assert code == 0, output
    text = "\n".join(release_texts(base / "out" / "release").values())
    log = [json.loads(line) for line in (base / "out" / "internal" / "redaction_log.jsonl").open()]
    return {"text": text, "ledger": ledger, "log": log}


@pytest.mark.parametrize("value", ["(860) 555-0101", "860.555.0101", "linda.bowers@example.org",
                                   "650 Patricia Trace, Hartford, CT 06105", "123-45-6789"])
def test_the_requesters_own_contact_data_and_the_childs_ssn_are_kept(released, value):
    assert readable(value, released["text"])


@pytest.mark.parametrize("value", ["821-61-4216", "654-475-6219", "5800 Heather Creek", "New Ronaldfort",
                                   "Brian Ford", "Robert Salazar"])
def test_other_peoples_identifiers_are_still_redacted(released, value):
    assert not readable(value, released["text"])


def test_listed_identifiers_take_their_owners_reason_code(released):
    foster = [e for e in released["log"] if e["decision"] == "redact" and e["party_role"] == "foster_parent"
              and e["entity"] != "PERSON"]
    assert foster and {e["reason"] for e in foster} == {"FP"}


@pytest.mark.parametrize("value", ["Torres Elementary School", "Allenmouth", "06106",     # the workplace row
                                   "Lincoln Middle School", "Wethersfield",              # rows under the heading
                                   "The school nurse called the Careline"])
def test_what_identifies_the_reporter_is_redacted(released, value):
    assert not readable(value, released["text"])


def test_a_neighbours_own_statement_is_not_reporter_identity(released):
    """The neighbour is a collateral on the roster: his name goes (TP), his statement stays."""
    assert readable("reported that he heard loud arguments late at night", released["text"])
    assert readable("The child attends school regularly and appeared well cared for.", released["text"])
    assert readable("Child information", released["text"])


def test_accounting_lists_a_disclosure_only_under_people_it_showed(released, cli):
    def listed(name):
        code, output = cli("accounting", "--party", name, "--json", "--ledger", released["ledger"])
        assert code == 0
        return [d["request_id"] for d in json.loads(output)["disclosures"]]

    assert listed("Linda Bowers") == listed("Janice Bowers") == listed("Michael Walsh") == ["2026-2001"]
    assert listed("Brian Ford") == []            # the reporter's identity was withheld from the mother
    assert listed("Robert Salazar") == [] and listed("Kristine Marshall") == []
    code, output = cli("accounting", "--party", "Brian Ford", "--ledger", released["ledger"])
    assert code == 0 and "no disclosure" in output

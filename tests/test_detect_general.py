"""Detection on text nobody on the team wrote: the behaviours the labelled corpora measure, each
pinned by a sentence a user would recognise (values here are made up for this file)."""
from __future__ import annotations

import pytest

from redactkit.types import Finding


@pytest.fixture(scope="module")
def detector():
    from redactkit.detect import Detector
    return Detector([])


def _found(detector, text, entity=None):
    return {f.text for f in detector.detect(text) if entity is None or f.entity == entity}


@pytest.mark.parametrize("text, name", [
    ("Pt seen by dr. kowalczyk this am, plan to diurese.", "kowalczyk"),
    ("nováková RN aware of elevated lactate.", "nováková"),
    ("Report given to NP Szabó at change of shift.", "Szabó"),
    ("wife zsófia at bedside most of the day.", "zsófia"),
    ("The letter was signed by Irina K. Volkova on Monday.", "Irina K. Volkova"),
    ("maria delgado called twice about the appointment.", "maria delgado"),
    ("OKONKWO, Chiamaka was interviewed at the school.", "OKONKWO, Chiamaka"),
    ("Ask Sigurðardóttir about the forms.", "Sigurðardóttir"),
    ("We met Pieter van der Berg at the office.", "Pieter van der Berg"),
    ("Contact person: Zsálya Kis", "Zsálya Kis"),
    ("Attention:\nRose Okafor", "Rose Okafor"),
    # a surname alone in lower-case prose after a role, recognisable by its ending or no English
    ("her caseworker was wróblewska until march.", "wróblewska"),
    ("the babysitter is haraldsdóttir, per mother.", "haraldsdóttir"),
    # a possessive before what a person has; a name that is also a word before a verb of saying
    ("Tuulikki's address is on the intake form.", "Tuulikki"),
    ("Hope told the worker she felt safe at home.", "Hope"),
    ("Later she said Okwuosa would bring the forms.", "Okwuosa"),
    # a first name that is a word before a middle initial; "Surname, First" with such a first name
    ("The form was signed by Harmony J. Castellanos.", "Harmony J. Castellanos"),
])
def test_names_of_every_origin_and_case(detector, text, name):
    assert name in _found(detector, text, "PERSON"), text


@pytest.mark.parametrize("text", [
    "Please mark the boxes that apply and return the card by mail.",
    "She said grace before dinner and everyone waited quietly.",
    "frank blood noted in ngt drainage, team aware.",
    "urine amber, cloudy, sent for UA/UC.",
    "ABG 7.38/42/98 on 40% FiO2, PEEP 5.",
    "pt states pain 3/10, declined further meds.",
    "CV: NSR 80s-90s, no ectopy, SBP 110-130.",
    "records are de-identified before release under Conn. Gen. Stat. 17a-28.",
    "Attention:\nNational Government Services, Inc.\nADMINISTRATIVE CONTRACTOR ADDRESS TABLE",
    "Attention: New York office",
    # OCR misreads of a scanned book page: a function word the name lists hold before a non-word
    "the mor tar shells came at night; we watched the nie sky",
    "Driver's license suspended per the court order; the child's school was notified.",
    "The patient is stable and the caller was anxious.",
])
def test_ordinary_words_and_clinical_shorthand_are_left_alone(detector, text):
    from redactkit.plan import load_recipe
    recipe = load_recipe("medical_research")
    assert [f.text for f in detector.detect(text) if recipe.decide(f).decision == "redact"] == []


@pytest.mark.parametrize("text, value", [
    ("Call her on 0412 55 31 90 after six.", "0412 55 31 90"),
    ("His mobile is +36 1 446 7001.", "+36 1 446 7001"),
    ("Dr Varga paged at 48213 re: hypotension.", "48213"),
    ("Office line (860) 555-0177 x 12.", "(860) 555-0177 x 12"),
])
def test_phones_of_every_region(detector, text, value):
    assert value in _found(detector, text, "PHONE_NUMBER")


def test_a_dcf_case_number_is_not_a_phone(detector):
    assert _found(detector, "Case 2019-669512 was opened after the call.", "PHONE_NUMBER") == set()


@pytest.mark.parametrize("text, value", [
    ("I live at Tamme 12, 10115 Tallinn.", "Tamme 12, 10115 Tallinn"),
    ("Send it to Søndergade 7, DK-2216 Søllested.", "Søndergade 7, DK-2216 Søllested"),
    ("They moved to 276 Silikaadi tänav last year.", "276 Silikaadi tänav"),
    ("The postcode for the office is 3577.", "3577"),
    # no cue before the street, but a town and its postcode after it
    ("Parcel for Halina Nowak, Zimmerweg 14, Grünstadt 2451.", "Zimmerweg 14, Grünstadt 2451"),
    ("Write to Kowalska, ul. Lipowa 3, Olsztynek 11-015.", "ul. Lipowa 3, Olsztynek 11-015"),
    ("Her flat is 14 Kerrison Rd, M4J 2B7 Toronto.", "14 Kerrison Rd, M4J 2B7 Toronto"),
    ("See you at Petőfi Sándor útja 41.", "Petőfi Sándor útja 41"),
    # a town of several words, and a country after it
    ("She was born in Villafranca de los Barros.", "Villafranca de los Barros"),
    ("The family moved from Cangas del Narcea spain in May.", "Cangas del Narcea spain"),
])
def test_addresses_and_postcodes_outside_the_us(detector, text, value):
    assert value in _found(detector, text)


@pytest.mark.parametrize("number", ["2223 0031 2450 0019", "2720 9941 0000 0008"])
def test_card_numbers_of_any_issuer_prefix(detector, number):
    assert number in _found(detector, f"Paid with card {number} on Friday.", "CREDIT_CARD")


def test_a_sixteen_digit_number_that_fails_the_check_digit_is_no_card(detector):
    assert _found(detector, "Reference 2223 0031 2450 0010 on the receipt.", "CREDIT_CARD") == set()




def test_a_date_is_not_an_address(detector):
    assert _found(detector, "On 13 April 2026 the worker called.", "ADDRESS") == set()


@pytest.mark.parametrize("text, value", [
    ("Last BM 7-22, colace given.", "7-22"),
    ("cx from 7/22 positive for MRSA.", "7/22"),
    ("will return on the 22nd for follow up.", "the 22nd"),
    ("Pt is a 92 yo w/ hx of CHF.", "92 yo"),
])
def test_clinical_dates_and_ages(detector, text, value):
    assert any(value in f for f in _found(detector, text)), text


def test_values_wrapped_after_a_dash_are_found_whole(detector):
    """A word processor wrapped "860-555-0177" after its second dash: the page text joins the lines
    with a space; detection and the value pattern both read it as one number."""
    from redactkit.text import value_pattern
    text = "Reach the foster mother at 860-555- 0177 before noon."
    assert "860-555- 0177" in _found(detector, text, "PHONE_NUMBER")
    assert value_pattern("860-555-0177").search("at 860-555-\n0177 before")


def test_a_job_title_is_no_special_category_passage(detector):
    found = {f.entity for f in detector.detect("The school counselor called the Careline to report bruises.")}
    assert not any(e.startswith("SPECIAL_") for e in found)
    found = {f.entity for f in detector.detect("She sees a counselor weekly for depression.")}
    assert "SPECIAL_MENTAL_HEALTH" in found


def _person(text):
    return Finding(3, 10, 10 + len(text), text, "PERSON", 0.8, "x", "Irina Volkova", "collateral")


def test_name_forms_are_the_other_ways_to_name_a_person():
    from redactkit.detect import name_forms
    forms = {f.text for f in name_forms([_person("Irina K. Volkova")])}
    assert {"Volkova", "Volkova, Irina", "I. Volkova", "Irina Volkova", "Irina"} <= forms
    f = name_forms([_person("Irina K. Volkova")])[0]
    assert (f.page, f.start, f.end, f.entity, f.party, f.role) == (-1, 0, len(f.text), "PERSON", "Irina Volkova",
                                                                   "collateral")
    # a surname that is also a word is never returned bare (find_values ignores case): titled only
    forms = {f.text for f in name_forms([_person("Grace Rock")])}
    assert "Rock" not in forms and "Grace" not in forms and {"Mr. Rock", "Ms. Rock", "Dr. Rock"} <= forms
    assert name_forms([_person("Volkova")]) == []


def test_name_forms_find_the_surname_alone_on_another_page():
    from redactkit.detect import Detector, name_forms
    det = Detector([], with_ner=False)
    forms = name_forms([_person("Zsófia Takáts")])
    page = "Later that week TAKÁTS called again; Ms. Takáts said she would come."
    assert [f.text for f in det.find_values(page, 7, forms)] == ["TAKÁTS", "Takáts"]


def test_recognizers_are_configuration(tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    from redactkit.detect import engine
    from redactkit.errors import InvalidRecipe
    entries = engine.config()
    assert all(e.get("reason") for e in entries if e.get("enabled", True) is False)
    assert {"UrlRecognizer", "PhoneRecognizer"} <= {e["name"] for e in entries if e.get("enabled", True) is False}
    verify = {r.name for r in engine.recognizers("verify")}
    assert "IntlPhoneRecognizer" in verify and "TownRecognizer" not in verify and "UrlRecognizer" not in verify
    # a recipes folder with a broken configuration is refused with the file named
    recipes = tmp_path / "recipes"
    shutil.copytree(Path(engine.__file__).resolve().parents[2] / "recipes", recipes)
    (recipes / "recognizers.yaml").write_text("recognizers:\n  - {name: UrlRecognizer, enabled: false}\n")
    monkeypatch.setenv("REDACTKIT_RECIPES", str(recipes))
    engine.config.cache_clear()
    try:
        with pytest.raises(InvalidRecipe, match="needs a reason"):
            engine.config()
    finally:
        monkeypatch.delenv("REDACTKIT_RECIPES")
        engine.config.cache_clear()


def test_the_name_table_is_sorted_as_its_lookup_needs():
    """name_bits finds a token by bisection in the shipped table's rows: they must be sorted, one
    row per token, each with its three flags. (Unsorted, names would silently go unfound.)"""
    from redactkit.detect.names import FIRST, FIRST_COMMON, LAST, LAST_COMMON, WORD, _table, name_bits

    rows = _table()
    assert len(rows) > 300_000
    tokens = [r.rsplit("\t", 3)[0] for r in rows]
    assert all(a < b for a, b in zip(tokens, tokens[1:])), "names.tsv.gz is not sorted by token"
    assert all(r.count("\t") == 3 for r in rows)
    # a first name and surname in any case and accent; a common word flagged as a word; no name
    assert name_bits("Maria") & (FIRST | FIRST_COMMON) and name_bits("MARIA") == name_bits("maria")
    assert name_bits("Kowalski") & (LAST | LAST_COMMON)
    assert name_bits("Zsófia") == name_bits("zsofia") != 0
    assert name_bits("Grace") & WORD
    assert name_bits("Xqzvw") == 0 and name_bits("") == 0

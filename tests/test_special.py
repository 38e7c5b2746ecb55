"""Special-category passages are found by subject plus context, not by a bare keyword."""
import pytest

from redactkit.detect.special import ReporterClueRecognizer, SpecialCategoryRecognizer

FOUND = [
    ("SPECIAL_HIV", "She has been HIV positive since 2019 and takes Biktarvy daily."),
    ("SPECIAL_HIV", "Her viral load is undetectable."),
    ("SPECIAL_HIV", "He is followed by the infectious disease clinic for HIV care."),
    ("SPECIAL_SUD", "Father is in recovery and attends NA meetings weekly."),
    ("SPECIAL_SUD", "He completed a 28-day inpatient rehab program for alcohol dependence."),
    ("SPECIAL_SUD", "The toxicology report was positive for THC."),
    ("SPECIAL_SUD", "Mother reported a history of opioid use disorder and is on MAT."),
    ("SPECIAL_SUD", "The baby was born substance exposed and monitored in the NICU for withdrawal."),
    ("SPECIAL_MENTAL_HEALTH", "Mother was admitted to the Institute of Living for a psychiatric hold."),
    ("SPECIAL_MENTAL_HEALTH", "The child sees a therapist at the Child Guidance Clinic for trauma."),
    ("SPECIAL_MENTAL_HEALTH", "Mom was diagnosed with bipolar disorder."),
    ("SPECIAL_MENTAL_HEALTH", "The youth takes Adderall for ADHD."),
    ("SPECIAL_MENTAL_HEALTH", "She was placed on a 72-hour emergency hold after expressing suicidal thoughts."),
]
NOT_FOUND = [
    "The school offers an HIV awareness week.",
    "Mom drinks coffee every morning.",
    "The family was referred to in-home parenting support services.",
    "A safety plan was discussed and agreed upon with the family during the visit.",
    "The child appeared healthy, was appropriately dressed and interacted comfortably with the worker.",
]


@pytest.mark.parametrize("entity, sentence", FOUND)
def test_passage_found(entity, sentence):
    text = "The visit went well. " + sentence + " Next visit in May."
    got = [(r.entity_type, text[r.start:r.end]) for r in SpecialCategoryRecognizer().analyze(text, None)]
    assert got == [(entity, sentence)]


@pytest.mark.parametrize("sentence", NOT_FOUND)
def test_no_passage_without_context(sentence):
    assert SpecialCategoryRecognizer().analyze(sentence, None) == []


def test_reporter_clues():
    text = ("The reporter, a teacher at Lincoln Elementary, asked to remain anonymous. The reporter was informed. "
            "The school nurse called the Careline on Monday. The caller from the pharmacy declined to give a name.")
    got = [text[r.start:r.end] for r in ReporterClueRecognizer().analyze(text, None)]
    assert got == ["The reporter, a teacher at Lincoln Elementary, asked to remain anonymous.",
                   "The school nurse called the Careline on Monday.",
                   "The caller from the pharmacy declined to give a name."]


def test_reporter_rows_of_a_form():
    """A table row or form field about the reporter is a clue (its value; the label stays); a
    label whose value a release already redacted (the verifier reads "Reporter:" and spaces)
    and a sentence that merely wrapped to begin with "the caller's e-mail is" are not rows."""
    def clues(text):
        return [text[r.start:r.end] for r in ReporterClueRecognizer().analyze(text, None)]

    assert clues("Reporter workplace Torres Elementary School Allenmouth 06106\nChild Janice") == \
        ["Torres Elementary School Allenmouth 06106"]
    assert clues("Reporter's employer:\nHartford Public Schools\nChild: Janice") == ["Hartford Public Schools"]
    assert clues("Reporter information\nSchool Lincoln Middle\nTown Wethersfield\nChild information\nName Janice") == \
        ["School Lincoln Middle", "Town Wethersfield"]
    assert clues("Reporter:    \nChild: Janice Bowers") == []
    assert clues("Reporter name:      \nChild: Janice Bowers") == []
    assert clues("caller's e-mail is       . Fournier reported that the child was seen with bruises.") == []

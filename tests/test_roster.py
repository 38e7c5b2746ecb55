"""Every mention of a roster party is attributed to that party."""
from redactkit.detect.roster import RosterRecognizer
from redactkit.types import Party

PARTIES = [Party("Tyler Whitfield", "child", ("Ty",)), Party("Dana Whitfield", "parent", (), True),
           Party("Maria de la Cruz", "reporter"), Party("Will Brown", "foster_parent"),
           Party("Anne-Marie O'Neill", "collateral")]


def _found(text):
    r = RosterRecognizer(PARTIES)
    return [(text[x.start:x.end], [PARTIES[i].name for i in x.recognition_metadata["parties"]])
            for x in r.analyze(text, None)]


def test_name_forms():
    got = dict(_found("Ty said DANA WHITFIELD met WHITFIELD, Dana. Ms. de la Cruz and Cruz, Maria; "
                      "Tyler J. Whitfield; Dana Marie Whitfield; Mr. O'Neill; ANNE-MARIE O'NEILL"))
    assert got["Ty"] == ["Tyler Whitfield"]
    assert got["DANA WHITFIELD"] == got["WHITFIELD, Dana"] == got["Dana Marie Whitfield"] == ["Dana Whitfield"]
    assert got["de la Cruz"] == got["Cruz, Maria"] == ["Maria de la Cruz"]
    assert got["Tyler J. Whitfield"] == ["Tyler Whitfield"]
    assert got["O'Neill"] == got["ANNE-MARIE O'NEILL"] == ["Anne-Marie O'Neill"]


def test_shared_surname_names_every_candidate():
    assert _found("Ms. Whitfield arrived.") == [("Whitfield", ["Tyler Whitfield", "Dana Whitfield"])]


def test_wrapped_over_a_line_break():
    assert _found("called by Maria de la\nCruz yesterday") == [("Maria de la\nCruz", ["Maria de la Cruz"])]


def test_lowercase_word_is_not_a_name():
    assert _found("they will go brown") == []
    assert _found("Will Brown said") == [("Will Brown", ["Will Brown"])]


def test_accents_in_the_text_match_the_roster():
    r = RosterRecognizer([Party("Joëlle Lelièvre", "reporter"), Party("Jonas Narvaez", "collateral")])
    text = "Mme Lelièvre and JOËLLE LELIÈVRE met Jonás Narváez."
    got = [(text[x.start:x.end], x.recognition_metadata["parties"]) for x in r.analyze(text, None)]
    assert got == [("Lelièvre", [0]), ("JOËLLE LELIÈVRE", [0]), ("Jonás Narváez", [1])]

"""Reporter clues read without the detection engine: the words that name a reporter or a
reporting role, and whether a clue found in a text stays one once the case roster is known
(`clue_stands`, which the detector asks of each clue; redactkit.detect.special finds them)."""
from __future__ import annotations

import re

_REPORTER = r"(?:reporter|reporting (?:party|person)|caller|referent|referral source|complainant|the person who (?:called|reported))"
_ROLE_NOUN = (r"(?:school\s+)?(?:nurse|teacher|principal|counsell?or|social worker|coach|neighbou?r|doctor|"
              r"pediatrician|therapist|landlord|babysitter|bus driver|guidance counsell?or|daycare provider)")
_REPORT_VERB = r"(?:called|reported|contacted|phoned|made (?:the|a) report|filed)"
# a report to the agency, whoever makes it: such a clause is a clue whoever the sentence names
_TO_AGENCY = re.compile(r"(?i)\b(?:careline|hotline|hot line|DCF|the department|child protective|CPS|"
                        r"(?:made|filed|placed) (?:the|a|this) report|report(?:ed)? (?:the|this|these|her|his|their) "
                        r"concerns?)\b")
# what a "the neighbour contacted ..." clause is about when it is not a report: a family member
_FAMILY_OBJECT = re.compile(r"(?i)\b(?:called|contacted|phoned)\s+(?:the\s+)?(?:mother|father|parents?|family|"
                            r"grandmother|grandfather|aunt|uncle|child|children|youth|worker|school)\b")


def clue_stands(text: str, start: int, end: int, named: list[tuple[int, int, set[str]]]) -> bool:
    """Whether a clue found at text[start:end] stays a reporter clue, knowing the case roster:
    `named` holds the roster's mentions (start, end, roles). A "the neighbour reported that ..."
    clause is about the person it names beside the noun ("the neighbour, Robert Salazar," or
    "Robert Salazar, the neighbour,"): when that person is on the roster in another role than
    reporter, the clause is that person's statement, not the reporter's identity (their name
    is redacted by their own role). A clause that tells of a report to the agency (the Careline,
    DCF, "made the report") stays a clue whoever it names; so does one naming nobody."""
    clause = text[start:end]
    if re.match(rf"(?i)\s*(?:the\s+)?{_REPORTER}", clause) or _TO_AGENCY.search(clause):
        return True
    noun = re.match(rf"(?i)\s*the\s+{_ROLE_NOUN}\b", clause)
    if noun is None:
        return True                       # a form row or heading block: always the reporter's
    # the name beside the noun was redacted already (the verifier reads "the neighbour,   , reported"):
    # it was a roster party's, in another role than reporter, or the whole clause would be gone
    if re.match(r"\s*,\s*,", text[start + noun.end():start + noun.end() + 40]) or \
            re.search(r"(?:^|\n|[.!?;:][ \t])[ \t]*,[ \t]*$", text[max(0, start - 40):start]):
        return False
    beside = [roles for s, e, roles in named
              if (start + noun.end() <= s <= start + noun.end() + 3)        # the neighbour, NAME
              or (start - 4 <= e <= start)]                                   # NAME, the neighbour
    if beside:
        return all("reporter" in roles for roles in beside)
    return not _FAMILY_OBJECT.search(clause)

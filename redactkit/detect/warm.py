"""Imported by the detection workers' fork server (redactkit.forkserver): the engine with its
model, and the name tables, loaded once there, before any worker is made from it (and shared
with it, page by page, until one of them writes to a page). A failure is
left to the workers, which load the engine again and report it (detection then runs in the main
process, or the model is reported missing there)."""
import gc


def _spacy_without_its_command_line() -> None:
    """spaCy's package imports its command line (spacy.cli: typer, requests and every command,
    a third of `import spacy`, about 0.28 s here) for one name, `spacy.info`. The workers use no
    command of spaCy's, and must never run one (`download` least of all: nothing is fetched at run
    time), so the server imports spaCy with an empty command-line package in its place; the
    workers are copies of it."""
    import sys
    import types

    if "spacy" in sys.modules or "spacy.cli" in sys.modules:
        return
    cli, info = types.ModuleType("spacy.cli"), types.ModuleType("spacy.cli.info")
    cli.__path__ = []            # a package with nothing in it: any other spacy.cli.* import fails

    def unavailable(*args, **kwargs):
        raise RuntimeError("spaCy's command line is not loaded in redactkit's detection workers")
    info.info = cli.info = unavailable
    cli.download = unavailable
    sys.modules["spacy.cli"], sys.modules["spacy.cli.info"] = cli, info


try:
    _spacy_without_its_command_line()
    from . import Detector
    from .engine import analyzer
    from .names import _table, english_words

    analyzer()
    _table()
    english_words()
    # one small text through detection and the second look: what the recognizers prepare on first
    # use (compiled patterns, their caches) is prepared here once, not in every worker
    _warm = Detector([])
    _text = ("On March 3, 2024 Dr. Maria Lopez (phone 860-555-0142, maria.lopez@example.org) met the "
             "mother at 12 Elm Street, Hartford, CT 06106. MRN MR123456; Medicaid ID 0123456789.")
    _warm.detect(_text)
    _warm.quick(_text)
except Exception:  # noqa: BLE001 - the workers say what is wrong
    pass
# what is loaded now stays out of the garbage collector's passes: a pass writes to every object it
# visits, and each worker would then copy the pages it shares with the server
gc.freeze()

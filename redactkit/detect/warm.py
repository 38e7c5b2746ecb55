"""Imported by the detection workers' fork server (redactkit.forkserver): the engine with its
model, and the name tables, loaded once there, before any worker is made from it (and shared
with it, page by page, until one of them writes to a page). A failure is
left to the workers, which load the engine again and report it (detection then runs in the main
process, or the model is reported missing there)."""
import gc

try:
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

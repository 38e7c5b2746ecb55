"""Imported by the detection workers' fork server (redactkit.forkserver): the engine with its
model, and the name tables, loaded once there, before any worker is made from it. A failure is
left to the workers, which load the engine again and report it (detection then runs in the main
process, or the model is reported missing there)."""
try:
    from .engine import analyzer
    from .names import _table, english_words

    analyzer()
    _table()
    english_words()
except Exception:  # noqa: BLE001 - the workers say what is wrong
    pass

"""Review before release: the plan staff read, edit and approve, and review.pdf beside it.

`redactkit review` runs the pipeline up to the recipe's decisions and writes them down instead
of applying them: internal/plan.json (one entry per proposed redaction or kept finding) and
internal/review.pdf (the proposals drawn on the pages). Staff flip decisions, delete entries or
add them (a text to redact wherever it stands, a page region), by hand or with `redactkit plan`.
`redactkit release --plan` then applies exactly the plan.

- planfile.py: the plan file (schema, load/save, editing);
- proposals.py: building a plan from the proposals, and applying a reviewed one;
- drawing.py: review.pdf.

Entry ids say where an entry came from: r0001... were proposed as redactions, k0001... as kept
findings, s001... were added by staff. The plan records how many of each were proposed, so a
deleted proposal is counted as an override too.
"""
from .drawing import colours, mark, summary_pdf  # noqa: F401
from .planfile import (Entry, Plan, add_region, add_text, load, load_raw, overrides, parse,  # noqa: F401
                       save, select, sha256_text)
from .proposals import Applier, Builder, check_current  # noqa: F401

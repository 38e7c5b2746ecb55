"""redactkit: redact and release child-welfare case records.

The pipeline a record flows through is the package layout:
request -> ingest -> detect -> plan -> apply -> verify -> package.
`redactkit.api.release` runs it for one request folder; `redactkit.cli` is a thin layer on top.
"""

__version__ = "0.1.0"

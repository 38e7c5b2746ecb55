"""Exit codes and user-facing errors: the one place that defines them.

Batch scripts branch on these codes; the README documents them. Every error carries a message
that says what is wrong and what to do next, and never a redacted value.
"""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    ok = 0                  # every record released, or withheld by policy
    usage = 2               # bad command line (typer/click use 2 too)
    invalid_request = 3     # request.yaml missing or malformed; nothing written
    refused = 4             # policy refuses the request; nothing written
    needs_attention = 5     # package written, but some records were withheld as unreadable/unverified
    output_exists = 6       # OUT already holds a release; use --force
    missing_dependency = 7  # the NER model or another part of the install is missing
    ledger_broken = 8       # the accounting ledger fails verification (edited, truncated)
    internal_error = 9      # a bug: reported without a traceback, the request is not released
    plan_refused = 10       # the review plan is malformed, or its sources/request/recipe changed since review
    check_failed = 11       # redactkit check: a value leaked or was lost, an outcome or record status changed
    check_drift = 12        # redactkit check: only redaction or page counts changed (review, then --update)
    ctrl_c = 130


class RedactkitError(Exception):
    """An error the user can act on. `str(err)` is the one line shown."""

    exit_code: ExitCode = ExitCode.internal_error

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidRequest(RedactkitError):
    exit_code = ExitCode.invalid_request


class Refused(RedactkitError):
    exit_code = ExitCode.refused


class OutputExists(RedactkitError):
    exit_code = ExitCode.output_exists


class MissingDependency(RedactkitError):
    exit_code = ExitCode.missing_dependency


class UsageError(RedactkitError):
    exit_code = ExitCode.usage


class PlanRefused(RedactkitError):
    exit_code = ExitCode.plan_refused


class InvalidRecipe(RedactkitError):
    exit_code = ExitCode.missing_dependency


# For a batch: the exit code is that of the most severe request, in this order (least first).
SEVERITY = [ExitCode.ok, ExitCode.needs_attention, ExitCode.output_exists, ExitCode.plan_refused, ExitCode.refused,
            ExitCode.invalid_request, ExitCode.missing_dependency, ExitCode.ledger_broken, ExitCode.internal_error,
            ExitCode.ctrl_c,
            ExitCode.usage]


def most_severe(codes) -> ExitCode:
    return max(codes, key=SEVERITY.index, default=ExitCode.ok)

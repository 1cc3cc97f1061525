"""Typed-text rules of the request schemas (fupin_kit.text_rules: no control, bidirectional or noncharacter
code points, something visible)."""

from __future__ import annotations

from fupin_kit import text_rules
from fupin_kit.problems import ProblemError, unprocessable

Evaluator = text_rules.text(2, 100, description="The third-party organisation's name, e.g. 某某大学评估中心.")
Note = text_rules.text(1, 2000, multi_line=True, description="What the evaluator saw (≤ 2000 characters).")
Reason = text_rules.text(2, 500, description="Why (≤ 500 characters).")
StepNote = text_rules.text(
    2,
    2000,
    multi_line=True,
    description="What was done (required to submit) or why it is returned (required to return).",
)


def note_required(loc: list[str], what: str) -> ProblemError:
    return unprocessable(
        f"a note is required to {what}",
        code="note-required",
        errors=[{"loc": loc, "msg": f"a note is required to {what}", "type": "missing"}],
    )

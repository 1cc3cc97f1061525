"""What became of each line of a notice. A notice is archived as it was posted: a line is never deleted, its
status says why it left the list. The repository computes it and the API answers it."""

from __future__ import annotations

from enum import StrEnum


class LineStatus(StrEnum):
    """What became of a line of a notice: it stays on the notice as posted, with its status."""

    LISTED = "listed"
    WITHDRAWN_AFTER_OBJECTION = "withdrawn_after_objection"  # 异议成立，撤出公示
    WITHDRAWN = "withdrawn"  # the case was withdrawn or rejected while the notice ran

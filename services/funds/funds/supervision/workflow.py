"""A finding's resolution as one pure transition table: (status, resolution) → the status after it; every
pair absent from it is out of order (409). An open finding is resolved by a county officer: the money
recovered, the payment justified, or the case transferred to the discipline inspection commission
(纪检监察), whose outcome may still be the money recovered. Joint sign-off by a second officer of another
department (supervision, poverty alleviation, finance) is not modelled."""

from __future__ import annotations

from funds.codes import FindingStatus, Resolution

S, R = FindingStatus, Resolution

TRANSITIONS: dict[tuple[FindingStatus, Resolution], FindingStatus] = {
    (S.OPEN, R.RECOVERED): S.RECOVERED,
    (S.OPEN, R.JUSTIFIED): S.JUSTIFIED,
    (S.OPEN, R.TRANSFERRED_TO_DISCIPLINE): S.TRANSFERRED_TO_DISCIPLINE,
    (S.TRANSFERRED_TO_DISCIPLINE, R.RECOVERED): S.RECOVERED,
}


def target(status: FindingStatus, resolution: Resolution) -> FindingStatus | None:
    """The status after `resolution`, or None when it is out of order."""
    return TRANSITIONS.get((status, resolution))


def allowed(status: FindingStatus) -> list[Resolution]:
    return [resolution for (source, resolution) in TRANSITIONS if source is status]

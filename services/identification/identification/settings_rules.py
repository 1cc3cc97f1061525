"""What each region setting may hold: one pure rule per key, applied when a value is written (422) and
again when it is read (a stored value written before the rules is skipped, not trusted).

Bounds are sanity bounds, not policy: they refuse what cannot be meant (a negative notice, a threshold
of "abc", a spot-check below the procedure's minimum, risk cleared before the six months domain.md §4
requires) and leave every plausible regional choice open."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from identification import workflow

MIN_RISK_CLEARANCE_MONTHS = Decimal(6)
# poverty_line.<year> and monitoring_line.<year> were this service's copy of the lines. The lines are the
# registry's standards now (history, the line in force carried forward, a region only ever raising it),
# read here from rm_standards: a value written under these keys would be stored and never used, so they are
# refused, and rows written before stay in the table but are never presented as in force.
_RETIRED_LINES = re.compile(r"^(?P<name>poverty_line|monitoring_line)\.[0-9]+$")
STANDARDS_ROUTE = "POST /api/v1/registry/standards"


class InvalidSetting(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    low: Decimal
    high: Decimal
    low_inclusive: bool = False  # False: strictly greater than `low`
    integer: bool = False
    what: str = ""


def _d(value: str | float | int) -> Decimal:
    return Decimal(str(value))


_DAYS = Rule(_d(0), _d(90), what="days")
RULES: dict[str, Rule] = {
    # Fractions of a day are allowed: the demo runs notices of a few minutes.
    "notice_days": _DAYS,
    "exit_notice_days": _DAYS,
    "objection_sla_days": _DAYS,
    "township_spot_check_rate": Rule(
        _d(workflow.MIN_SPOT_CHECK[workflow.Action.TOWNSHIP_REVIEW]), _d(1), low_inclusive=True, what="share"
    ),
    "county_spot_check_rate": Rule(
        _d(workflow.MIN_SPOT_CHECK[workflow.Action.COUNTY_APPROVE]), _d(1), low_inclusive=True, what="share"
    ),
    "threshold.medical_self_paid": Rule(_d(0), _d(10_000_000), what="yuan"),
    "threshold.education_fees": Rule(_d(0), _d(10_000_000), what="yuan"),
    "risk_clearance_months": Rule(MIN_RISK_CLEARANCE_MONTHS, _d(120), low_inclusive=True, what="months"),
    "rural_population": Rule(_d(0), _d(100_000_000), integer=True, what="people"),
}


def retired(key: str) -> str | None:
    """Why `key` is no region setting any more, or None if it is not a retired key."""
    line = _RETIRED_LINES.match(key)
    if line is None:
        return None
    return (
        f"{key} is not a region setting: the poverty and monitoring lines are the registry's standards, "
        f"set by a province or county officer with {STANDARDS_ROUTE} (kind {line['name']}, year, region, "
        "amount, reason) and read by identification from there"
    )


def rule_for(key: str) -> Rule:
    reason = retired(key)
    if reason is not None:
        raise InvalidSetting(reason)
    try:
        return RULES[key]
    except KeyError:
        raise InvalidSetting(f"unknown setting {key!r}") from None


def parse(key: str, value: str) -> Decimal:
    """The value as a number if it satisfies the key's rule; InvalidSetting says why not."""
    rule = rule_for(key)
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise InvalidSetting(f"{key} must be a number, not {value!r}") from None
    if not number.is_finite():
        raise InvalidSetting(f"{key} must be a finite number")
    if rule.integer and number != number.to_integral_value():
        raise InvalidSetting(f"{key} must be a whole number")
    above_low = number >= rule.low if rule.low_inclusive else number > rule.low
    if not above_low or number > rule.high:
        low = f"at least {rule.low}" if rule.low_inclusive else f"more than {rule.low}"
        raise InvalidSetting(f"{key} must be {low} and at most {rule.high} ({rule.what})")
    return number

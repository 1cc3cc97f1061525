"""What each region setting may hold: one pure rule per key, applied when a value is written (422) and
again when it is read (a stored value written before the rules is skipped, not trusted).

Bounds are sanity bounds, not policy: they refuse what cannot be meant (a negative notice, a threshold
of "abc", a spot-check below the procedure's minimum, risk cleared before the six months domain.md §4
requires) and leave every plausible regional choice open."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from fupin_kit import short_notices
from identification import workflow
from identification.clock import test_clock_enabled

MIN_RISK_CLEARANCE_MONTHS = Decimal(6)
# poverty_line.<year> and monitoring_line.<year> were this service's copy of the lines. The lines are the
# registry's standards now (history, the line in force carried forward, a region only ever raising it),
# read here from rm_standards: a value written under these keys would be stored and never used, so they are
# refused, and rows written before stay in the table but are never presented as in force.
_RETIRED_LINES = re.compile(r"^(?P<name>poverty_line|monitoring_line)\.[0-9]+$")
STANDARDS_ROUTE = "POST /api/v1/registry/standards"


class InvalidSetting(ValueError):
    pass


# A value is written as plain decimal digits: no sign, exponent, NaN, Infinity, digit separators or
# non-ASCII digits, all of which Decimal() would otherwise read ("1e-30", "1_0", "１０").
_PLAIN = re.compile(r"[0-9]+(\.[0-9]+)?", re.ASCII)


@dataclass(frozen=True)
class Rule:
    low: Decimal
    high: Decimal
    low_inclusive: bool = False  # False: strictly greater than `low`
    integer: bool = False
    places: int | None = None  # at most this many decimal places (None: any)
    what: str = ""
    # Where short notices are allowed (short_notices_allowed): a duration key may also take a fraction of
    # its unit down to this, for the end-to-end tests and a demo whose notices last seconds.
    test_low: Decimal | None = None


def short_notices_allowed() -> bool:
    """Notices shorter than a day: with the test clock, and where the deployment says so
    (fupin_kit.short_notices)."""
    return test_clock_enabled() or short_notices.allowed()


def _d(value: str | float | int) -> Decimal:
    return Decimal(str(value))


# A notice runs whole days (domain.md §3: default 7) so that anyone can object during it; a notice of
# minutes or of 1e-30 days is over before anyone can read it. Two months is the sanity ceiling.
ONE_SECOND_IN_DAYS = Decimal(1) / Decimal(86_400)
_NOTICE_DAYS = Rule(
    _d(1), _d(60), low_inclusive=True, integer=True, what="whole days", test_low=ONE_SECOND_IN_DAYS
)
RULES: dict[str, Rule] = {
    "notice_days": _NOTICE_DAYS,
    "exit_notice_days": _NOTICE_DAYS,
    "objection_sla_days": Rule(_d(1), _d(90), low_inclusive=True, integer=True, what="whole days"),
    "township_spot_check_rate": Rule(
        _d(workflow.MIN_SPOT_CHECK[workflow.Action.TOWNSHIP_REVIEW]),
        _d(1),
        low_inclusive=True,
        places=4,
        what="share",
    ),
    "county_spot_check_rate": Rule(
        _d(workflow.MIN_SPOT_CHECK[workflow.Action.COUNTY_APPROVE]),
        _d(1),
        low_inclusive=True,
        places=4,
        what="share",
    ),
    "threshold.medical_self_paid": Rule(_d(1), _d(10_000_000), low_inclusive=True, places=2, what="yuan"),
    "threshold.education_fees": Rule(_d(1), _d(10_000_000), low_inclusive=True, places=2, what="yuan"),
    "risk_clearance_months": Rule(
        MIN_RISK_CLEARANCE_MONTHS, _d(120), low_inclusive=True, integer=True, what="whole months"
    ),
    "rural_population": Rule(_d(1), _d(100_000_000), low_inclusive=True, integer=True, what="people"),
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
    text = value.strip()
    if _PLAIN.fullmatch(text) is None:
        raise InvalidSetting(
            f"{key} must be a number written in plain digits (like 7 or 0.25: no sign, exponent, "
            f"NaN or Infinity), not {value!r}"
        )
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise InvalidSetting(f"{key} must be a number, not {value!r}") from None
    if rule.test_low is not None and short_notices_allowed() and rule.test_low <= number < rule.low:
        return number
    if rule.integer and number != number.to_integral_value():
        raise InvalidSetting(f"{key} must be a whole number ({rule.what}), not {value!r}")
    if rule.places is not None and -number.as_tuple().exponent > rule.places:  # type: ignore[operator]
        raise InvalidSetting(f"{key} takes at most {rule.places} decimal places, not {value!r}")
    above_low = number >= rule.low if rule.low_inclusive else number > rule.low
    if not above_low or number > rule.high:
        low = f"at least {rule.low}" if rule.low_inclusive else f"more than {rule.low}"
        raise InvalidSetting(f"{key} must be {low} and at most {rule.high} ({rule.what}), not {value!r}")
    return number

"""The life of a micro-credit loan (扶贫小额信贷), pure: which status may follow which, and the dates and ages
the rules check. disbursed → repaying (a repayment) → repaid (balance zero); disbursed or repaying →
overdue (marked by the county past its due date); overdue → repaid, or → compensated (the county's
risk-compensation fund pays the bank). A repayment keeps a repaying or overdue loan where it is until the
balance is zero. Repaid and compensated are final."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal

from assistance.codes import LoanStatus

DISBURSED = LoanStatus.DISBURSED
REPAYING = LoanStatus.REPAYING
OVERDUE = LoanStatus.OVERDUE
REPAID = LoanStatus.REPAID
COMPENSATED = LoanStatus.COMPENSATED

TRANSITIONS: dict[LoanStatus, frozenset[LoanStatus]] = {
    DISBURSED: frozenset({REPAYING, REPAID, OVERDUE}),
    REPAYING: frozenset({REPAYING, REPAID, OVERDUE}),
    OVERDUE: frozenset({OVERDUE, REPAID, COMPENSATED}),
    REPAID: frozenset(),
    COMPENSATED: frozenset(),
}
OUTSTANDING: frozenset[LoanStatus] = frozenset({DISBURSED, REPAYING, OVERDUE})

# domain.md §5: ≤ 50,000 yuan, ≤ 3 years, a borrower aged 18 to 65.
AMOUNT_LIMIT = Decimal("50000")
TERM_LIMIT_MONTHS = 36
YOUNGEST, OLDEST = 18, 65


def may_move(current: LoanStatus, target: LoanStatus) -> bool:
    return target in TRANSITIONS[current]


def next_statuses(current: LoanStatus) -> list[LoanStatus]:
    return [status for status in LoanStatus if status in TRANSITIONS[current] and status != current]


def after_repayment(current: LoanStatus, balance: Decimal) -> LoanStatus:
    """What a repayment leaving `balance` owed makes of a loan in `current`."""
    if balance == 0:
        return REPAID
    return OVERDUE if current == OVERDUE else REPAYING


def due_on(disbursed_on: dt.date, term_months: int) -> dt.date:
    """`term_months` after disbursement, on the same day of the month (the month's last if it is shorter)."""
    months = disbursed_on.month - 1 + term_months
    year, month = disbursed_on.year + months // 12, months % 12 + 1
    return dt.date(year, month, min(disbursed_on.day, calendar.monthrange(year, month)[1]))


def age_on(born: dt.date, day: dt.date) -> int:
    """Full years of age on `day` (one born on 29 February turns a year older on 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"

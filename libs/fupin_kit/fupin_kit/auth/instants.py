"""Token issue times and not-before times, both in epoch seconds to the millisecond.

A token's `iat` and its subject's not-before (a password reset, a change of roles) are compared to decide
whether the token predates the change. In whole seconds that comparison could not tell a token issued a
moment before a reset from one issued a moment after it in the same second, and one of the two had to be
let through. To the millisecond both are right unless the two events share a millisecond. JWT allows a
fractional NumericDate (RFC 7519 §2); `nbf` and `exp` stay whole seconds.

Both sides are whole milliseconds divided by 1000, so equal milliseconds give equal floats, and JSON carries
them exactly (Python writes the shortest text that reads back as the same float).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def now_ms_seconds() -> float:
    """Now, in epoch seconds truncated to the millisecond (a token's `iat`)."""
    return (time.time_ns() // 1_000_000) / 1000


def floor_ms_seconds(at: datetime) -> float:
    """`at` (timezone-aware) in epoch seconds truncated to the millisecond, computed on integers so that no
    float rounding moves it across a millisecond."""
    return ((at - _EPOCH) // _MILLISECOND) / 1000

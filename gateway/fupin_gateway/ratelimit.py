"""Per-caller token buckets, in memory, one set per gateway process.

The key is the verified token subject, or the client IP for anonymous calls. With N gateway replicas a
caller gets up to N times the rate; that is accepted in exchange for no shared state on the hot path.
"""

from __future__ import annotations

import math
import time

MAX_KEYS = 100_000


class RateLimiter:
    def __init__(self, rate_per_s: float, burst: int, max_keys: int = MAX_KEYS) -> None:
        self.rate = rate_per_s
        self.burst = float(max(burst, 1))
        self.max_keys = max_keys
        # key -> [tokens, last refill time]; a list so an update is one in-place write.
        self._buckets: dict[str, list[float]] = {}

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str, now: float | None = None) -> float | None:
        """Spend one token; None when allowed, else the seconds until a token is available."""
        if not self.enabled:
            return None
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._evict(now)
            bucket = self._buckets[key] = [self.burst, now]
        tokens = min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        bucket[1] = now
        if tokens >= 1.0:
            bucket[0] = tokens - 1.0
            return None
        bucket[0] = tokens
        return (1.0 - tokens) / self.rate

    def _evict(self, now: float) -> None:
        # A bucket that has refilled completely holds no information: forgetting it changes nothing.
        full_after = self.burst / self.rate
        for key in [key for key, (_, last) in self._buckets.items() if now - last >= full_after]:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:
            # Still full of active callers (a flood of distinct keys): start over rather than grow.
            self._buckets.clear()


def retry_after_header(wait_s: float) -> str:
    return str(max(1, math.ceil(wait_s)))

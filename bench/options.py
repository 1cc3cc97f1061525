"""Sizes of a benchmark run; each benchmark reads the ones it needs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class BenchOptions:
    repeat: int = 5  # measured rounds per arm (after one warm-up round each)
    requests: int = 2000  # HTTP requests per arm per round (gateway-read, tracing)
    concurrency: int = 16  # connections of the load generator
    households: int = 50  # households seeded and read in turn (gateway-read, tracing); imported (import)
    rows: int = 20_000  # outbox rows per relay round, and messages per raw producer round
    rate: float = 500.0  # writes per second (pipeline)
    duration_s: float = 20.0  # seconds per pipeline round
    cases: int = 100_000  # cases approved in one county batch decision (batch-approve)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def warmup(self) -> int:
        return max(self.concurrency, min(self.requests, 500))

"""Where an import's time goes: wall-clock seconds per phase, logged once the import ends.

A large file takes the better part of a minute, and only the split between parsing, validation, staging,
the set-based checks and each apply statement says what is worth making faster (the benchmark reports
the figures). Phases that overlap (the worker processes validate while the importing process COPYs)
are summed per phase, so their total can exceed the import's wall time.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field


@dataclass
class Phases:
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def add_all(self, seconds: Mapping[str, float]) -> None:
        for name, value in seconds.items():
            self.add(name, value)

    @contextlib.contextmanager
    def timed(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - began)

    def rounded(self) -> dict[str, float]:
        return {name: round(value, 3) for name, value in self.seconds.items()}

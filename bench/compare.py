"""Closed-loop throughput and latency of several HTTP arms, interleaved round by round in one run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from bench.cpu import cpu_seconds
from bench.procs import LoadGenerator
from bench.stats import median, percentile, rounded


@dataclass
class Arm:
    """One way to serve the same read: a base URL, the request paths to cycle through, and headers."""

    name: str
    url: str
    paths: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    # The server processes that answer this arm: their CPU time per request is measured round by round.
    pids: list[int] = field(default_factory=list)

    def command(self, requests: int, concurrency: int) -> dict[str, Any]:
        parts = urlsplit(self.url)
        return {
            "op": "closed",
            "host": parts.hostname,
            "port": parts.port,
            "paths": self.paths,
            "headers": self.headers,
            "requests": requests,
            "concurrency": concurrency,
        }


@dataclass
class ArmStats:
    rps: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    non_2xx: int = 0
    errors: int = 0
    cpu_ms_per_request: list[float] = field(default_factory=list)

    def add(self, answer: dict[str, Any]) -> float:
        ok = sum(count for status, count in answer["statuses"].items() if status.startswith("2"))
        self.non_2xx += sum(answer["statuses"].values()) - ok
        self.errors += int(answer["errors"])
        self.latencies_ms.extend(answer["latencies_ms"])
        rps = ok / answer["elapsed_s"] if answer["elapsed_s"] > 0 else 0.0
        self.rps.append(rps)
        return rps

    @property
    def median_rps(self) -> float:
        return median(self.rps)

    @property
    def median_cpu_ms(self) -> float:
        """The servers' CPU milliseconds per request (median of rounds; NaN when no pid was given)."""
        return median(self.cpu_ms_per_request)

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def summary(self) -> dict[str, Any]:
        return {
            "rps_median": rounded(self.median_rps, 1),
            "p50_ms": rounded(self.p(50)),
            "p99_ms": rounded(self.p(99)),
            "non_2xx": self.non_2xx,
            "errors": self.errors,
        }


async def interleaved(
    loadgen: LoadGenerator, arms: list[Arm], requests: int, concurrency: int, repeat: int, warmup: int
) -> tuple[dict[str, ArmStats], list[dict[str, Any]]]:
    """Warm every arm up, then `repeat` rounds; each round runs every arm once, and the order rotates from
    round to round so a slow drift of the machine (another job starting) hits every arm alike."""
    for arm in arms:
        await loadgen.run(arm.command(warmup, concurrency))
    stats = {arm.name: ArmStats() for arm in arms}
    rounds: list[dict[str, Any]] = []
    for index in range(repeat):
        order = arms[index % len(arms) :] + arms[: index % len(arms)]
        for arm in order:
            cpu_before = cpu_seconds(arm.pids)
            answer = await loadgen.run(arm.command(requests, concurrency))
            cpu_ms = (cpu_seconds(arm.pids) - cpu_before) * 1000 / max(1, requests)
            rps = stats[arm.name].add(answer)
            if arm.pids:
                stats[arm.name].cpu_ms_per_request.append(cpu_ms)
            rounds.append(
                {
                    "round": index,
                    "arm": arm.name,
                    "rps": round(rps, 1),
                    "cpu_ms_per_request": rounded(cpu_ms) if arm.pids else None,
                    "p50_ms": rounded(percentile(answer["latencies_ms"], 50)),
                    "p99_ms": rounded(percentile(answer["latencies_ms"], 99)),
                    "statuses": answer["statuses"],
                    "errors": answer["errors"],
                }
            )
    return stats, rounds

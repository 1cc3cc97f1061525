"""The benchmarks `fupin bench <name>` knows; each module is imported only when its benchmark runs."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Coroutine
from typing import Any, cast

from bench.options import BenchOptions
from bench.results import BenchResult

Runner = Callable[[BenchOptions], Coroutine[Any, Any, BenchResult]]
MODULES: dict[str, str] = {
    "gateway-read": "bench.gateway_read",  # B3
    "relay": "bench.relay_bench",  # B4
    "pipeline": "bench.pipeline",  # B2
    "tracing": "bench.tracing",  # B5
    "batch-approve": "bench.batch_approve",  # ID3 (issue 4)
    "import": "bench.import_bench",  # B1
    "dashboard": "bench.dashboard",  # B6
}


def runner(name: str) -> Runner:
    module = importlib.import_module(MODULES[name])
    return cast(Runner, module.run)

"""Each benchmark runs end to end at a tiny size through `fupin bench <name> --json` and prints exactly one
JSON object with its headline keys. Only that it runs is checked: the figures are never pass/fail here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.platform import guizhou_tree

TINY = ["--repeat", "1"]
CASES = {
    "gateway-read": (
        [*TINY, "--requests", "40", "--concurrency", "4", "--households", "3"],
        {"rps_platform", "rps_baseline", "rps_ratio", "p50_platform_ms", "p99_platform_ms", "p99_ratio"}
        | {"cpu_ms_per_request_platform", "cpu_ms_per_request_baseline"},
    ),
    "relay": ([*TINY, "--rows", "300"], {"rows_per_s_relay", "rows_per_s_raw", "ratio"}),
    "pipeline": (
        [*TINY, "--rate", "40", "--duration", "1"],
        {"p50_platform_ms", "p99_platform_ms", "p99_raw_ms", "p99_ratio"},
    ),
    "dashboard": (
        ["--households", "3000", "--requests", "5"],
        {"province_p99_ms", "city_p99_ms", "county_p99_ms", "p99_ms", "province_households"},
    ),
    "tracing": (
        [*TINY, "--requests", "40", "--concurrency", "4", "--households", "3"],
        {"rps_tracing_on", "rps_tracing_off", "throughput_loss_pct", "cpu_loss_pct"},
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_benchmark_runs_and_emits_its_keys(name: str, tmp_path: Path) -> None:
    arguments, keys = CASES[name]
    completed = subprocess.run(
        [sys.executable, "-m", "fupin_cli", "bench", name, "--json", *arguments],
        capture_output=True,
        text=True,
        timeout=280,
        env={**os.environ, "FUPIN_BENCH_DIR": str(tmp_path), "FUPIN_DIVISIONS_FILE": str(guizhou_tree())},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout)  # the whole of stdout is one JSON object
    assert result["benchmark"] == name
    assert keys <= result.keys(), keys - result.keys()
    assert isinstance(result["meets_goal"], bool)
    assert result["rounds"]
    # CPU figures are measured, not placeholders: a server does use CPU to answer.
    for key in keys:
        if key.startswith("cpu_ms_per_request"):
            assert result[key] > 0, (key, result[key])
    assert Path(result["result_file"]).parent == tmp_path and Path(result["result_file"]).exists()

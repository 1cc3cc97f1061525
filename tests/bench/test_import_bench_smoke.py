"""`fupin bench import` at a tiny size: the households really go through the import path (each round's
import is accepted and emits one household.created per household), and --json prints exactly one JSON
object with the figures the issue asks for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.platform import guizhou_tree


def test_import_bench_imports_every_household_and_reports_the_ratio(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "fupin_cli",
            "bench",
            "import",
            "--households",
            "200",
            "--repeat",
            "2",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=280,
        env={**os.environ, "FUPIN_BENCH_DIR": str(tmp_path), "FUPIN_DIVISIONS_FILE": str(guizhou_tree())},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout)  # the whole of stdout is one JSON object
    assert result["benchmark"] == "import"
    assert result["households"] == 200
    assert result["members"] > 200
    assert result["created_events_per_import"] == 200
    assert result["households_per_s"] > 0 and result["copy_households_per_s"] > 0
    assert result["ratio_to_copy"] > 0
    assert len(result["rounds"]) == 2

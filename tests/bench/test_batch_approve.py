"""`fupin bench batch-approve` at a tiny size: one batch decision approves every seeded case, emits one
event per case, and --json prints exactly one JSON object with `cases`, `seconds` and `events`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.platform import guizhou_tree


def test_batch_approve_approves_every_case_in_one_decision(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "fupin_cli", "bench", "batch-approve", "--cases", "500", "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "FUPIN_BENCH_DIR": str(tmp_path), "FUPIN_DIVISIONS_FILE": str(guizhou_tree())},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout)  # the whole of stdout is one JSON object
    assert result["benchmark"] == "batch-approve"
    assert result["cases"] == 500
    assert result["events"] == result["approved"] == result["history_rows"] == 500
    assert result["sample"] == 50  # the county step's 10% spot-check
    assert result["seconds"] > 0 and isinstance(result["meets_goal"], bool)

"""`fupin republish` with a database it cannot reach: one line and exit code 2, as `fupin audit verify` says
it, not a 500-line asyncpg traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli.helpers import FUPIN, Run, free_port_block


def test_an_unreachable_database_is_one_line(tmp_path: Path) -> None:
    run = Run.new(tmp_path / "state")
    env = {
        **run.env(),
        "FUPIN_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{free_port_block(1)}/postgres",
    }
    result = subprocess.run(
        [*FUPIN, "republish", "funds", "--since", "2099-01-01", "--state-dir", str(run.state_dir)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cannot reach the funds database"), result.stderr

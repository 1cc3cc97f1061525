"""`fupin token` mints only for divisions the registry's tree has, as `fupin feed` and the admin API check
theirs (qa5 security-observability #7, qa3 feeds-admin-cli #6): a well-formed code that names no division
is a one-line usage error with exit code 2 and no token; a division in the tree gets its token."""

from __future__ import annotations

import asyncio
from pathlib import Path

import jwt

from fupin_kit.testing import Stack
from tests.cli.helpers import Run
from tests.e2e.platform import VILLAGE, running_platform

UNKNOWN_VILLAGE = "520102016999"  # well-formed, under the test county's township, not in the tree
UNKNOWN_COUNTY = "520199000000"


async def test_a_division_not_in_the_tree_gets_no_token(fupin_stack: Stack, tmp_path: Path) -> None:
    (tmp_path / "platform").mkdir()
    async with running_platform(fupin_stack, tmp_path / "platform") as platform:
        run = Run.new(tmp_path / "state")
        common = ["--gateway", str(platform.client.base_url), "--keys-dir", str(fupin_stack.keys.directory)]
        for tier, code, role in (
            ("village", UNKNOWN_VILLAGE, "cadre"),
            ("county", UNKNOWN_COUNTY, "officer"),
        ):
            refused = await asyncio.to_thread(
                run.fupin, "token", "--tier", tier, "--division", code, "--role", role, *common
            )
            assert refused.returncode == 2, (refused.stdout, refused.stderr)
            assert refused.stdout == "" and "Traceback" not in refused.stderr
            lines = refused.stderr.strip().splitlines()
            assert len(lines) == 1 and f"no such division {code}" in lines[0], refused.stderr

        known = await asyncio.to_thread(
            run.fupin, "token", "--tier", "village", "--division", VILLAGE, "--role", "cadre", *common
        )
        assert known.returncode == 0 and known.stderr == "", (known.stdout, known.stderr)
        claims = jwt.decode(known.stdout.strip(), options={"verify_signature": False})
        assert claims["division"] == VILLAGE and claims["tier"] == "village"

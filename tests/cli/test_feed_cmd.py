"""`fupin feed` usage errors: a malformed division code and a well-formed code that is not in the division
tree are one line on stderr and exit code 2, like the CLI's other usage errors (not a traceback, and not an
empty feed with exit code 0); a division that exists still reads its feed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fupin_kit.auth.keys import KeyStore
from fupin_kit.testing import Stack
from tests.cli.helpers import Run, free_port_block
from tests.cli.standin_gateway import Answer, standin_gateway
from tests.e2e.platform import VILLAGE, running_platform

UNKNOWN_VILLAGE = "520102016999"  # well-formed, under the test county's township, not in the tree


def _one_line_usage_error(result, expected: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0], result.stderr
    assert result.stdout == "", result.stdout


def test_a_malformed_division_is_a_one_line_usage_error(tmp_path: Path) -> None:
    run = Run.new(tmp_path / "state")
    # Nothing listens on the gateway port and there are no keys: the code is refused before either matters.
    common = ["--gateway", f"http://127.0.0.1:{run.base_port}", "--keys-dir", str(tmp_path / "keys")]
    for code in ("12", "52263210000x", "5226321000011"):
        result = run.fupin("feed", "--division", code, *common, timeout=60)
        _one_line_usage_error(result, f"'{code}' is not a 12-digit division code")
    with_tier = run.fupin("feed", "--division", "12", "--tier", "village", *common, timeout=60)
    _one_line_usage_error(with_tier, "'12' is not a 12-digit division code")
    # Resuming and starting with the last events are two ways to begin: one is chosen.
    both = run.fupin("feed", "--division", VILLAGE, "--after", "5", "--tail", "3", *common, timeout=60)
    _one_line_usage_error(both, "give either --after (resume) or --tail")


async def test_a_division_not_in_the_tree_is_a_usage_error(fupin_stack: Stack, tmp_path: Path) -> None:
    (tmp_path / "platform").mkdir()
    async with running_platform(fupin_stack, tmp_path / "platform") as platform:
        run = Run.new(tmp_path / "state")
        common = ["--gateway", str(platform.client.base_url), "--keys-dir", str(fupin_stack.keys.directory)]
        unknown = await asyncio.to_thread(run.fupin, "feed", "--division", UNKNOWN_VILLAGE, *common)
        _one_line_usage_error(unknown, f"no such division {UNKNOWN_VILLAGE}")

        known = await asyncio.to_thread(run.fupin, "feed", "--division", VILLAGE, *common)
        assert known.returncode == 0, (known.stdout, known.stderr)
        assert known.stderr == "", known.stderr


def test_feed_errors_go_to_stderr_with_the_gateway_s_explanation(tmp_path: Path) -> None:
    """`fupin feed > events.log` must hold event lines only; and the problem's detail (here: where the feed
    ends) is what tells the operator what to do, not the bare status code."""
    KeyStore(tmp_path / "keys").ensure()
    run = Run.new(tmp_path / "state")
    common = ["--division", "522630000000", "--keys-dir", str(tmp_path / "keys")]
    unreachable = run.fupin("feed", *common, "--gateway", f"http://127.0.0.1:{free_port_block(1)}")
    assert unreachable.returncode == 1, unreachable.stderr
    assert unreachable.stdout == "" and "cannot reach the gateway" in unreachable.stderr

    detail = "the cursor is beyond the feed's end (9984): resume from a cursor this feed gave you"
    with standin_gateway() as gateway:
        gateway.routes["/feeds/events"] = Answer.json(
            422, {"title": "Unprocessable", "status": 422, "detail": detail, "feed_end": 9984}
        )
        beyond = run.fupin("feed", *common, "--after", "999999999", "--gateway", gateway.url)
    assert beyond.returncode == 2, beyond.stderr
    assert beyond.stdout == "", beyond.stdout
    assert detail in beyond.stderr, beyond.stderr

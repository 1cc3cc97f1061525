"""The `fupin` command for real: up (detached and foreground), status, token, republish and down, on a
temporary state directory and free ports, leaving no process behind."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import jwt
import pytest

from fupin_kit.auth.keys import KeyStore
from tests.cli.helpers import FUPIN, Run, leftovers, started_processes

PROCESSES = ("gateway", "registry", "identification", "assistance", "funds", "evaluation")
UP_TIMEOUT_S = 240


def _ready_time(output: str) -> float:
    match = re.search(r"Ready in ([0-9.]+)s", output)
    assert match, output
    return float(match.group(1))


async def _registry(run: Run) -> asyncpg.Connection:
    return await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{run.pg_port}/fupin_registry", timeout=10)


async def _write_marker(run: Run, value: str) -> None:
    connection = await _registry(run)
    try:
        await connection.execute("CREATE TABLE IF NOT EXISTS cli_marker (value text PRIMARY KEY)")
        await connection.execute("INSERT INTO cli_marker VALUES ($1)", value)
    finally:
        await connection.close()


async def _read_markers(run: Run) -> list[str]:
    connection = await _registry(run)
    try:
        return [row["value"] for row in await connection.fetch("SELECT value FROM cli_marker")]
    finally:
        await connection.close()


async def _insert_published_outbox_row(run: Run) -> uuid.UUID:
    event_id = uuid.uuid4()
    connection = await _registry(run)
    try:
        await connection.execute(
            "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, topic, division, published_at)"
            " VALUES ($1, 'cli-test', 'x1', 'fupin.registry.clitest.marked.v1', '{}'::jsonb,"
            " 'fupin.registry.events.v1', '520102000000', now())",
            event_id,
        )
    finally:
        await connection.close()
    return event_id


async def _published_at(run: Run, event_id: uuid.UUID) -> datetime | None:
    connection = await _registry(run)
    try:
        value: datetime | None = await connection.fetchval(
            "SELECT published_at FROM outbox WHERE id = $1", event_id
        )
        return value
    finally:
        await connection.close()


def _down_and_check(run: Run) -> None:
    state = run.state()
    assert state is not None
    before = started_processes(state)
    assert len(before) >= 9  # supervisor, postmaster (+ backends), broker, six processes
    result = run.fupin("down", "--state-dir", str(run.state_dir), timeout=120)
    assert result.returncode == 0, result.stderr
    assert "stopped" in result.stdout
    assert leftovers(run, before) == []
    assert run.state() is None


def test_detached_up_status_token_down_and_data_survives(tmp_path) -> None:
    run = Run.new(tmp_path / "state")
    began = time.monotonic()
    result = run.fupin(*run.up_args, "--detach", timeout=UP_TIMEOUT_S + 60)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    print(
        f"\nfupin up --detach (fresh state dir): ready in {_ready_time(result.stdout):.1f}s "
        f"(command returned after {time.monotonic() - began:.1f}s)"
    )
    try:
        status = run.fupin("status", "--state-dir", str(run.state_dir))
        assert status.returncode == 0, status.stdout
        lines = status.stdout.splitlines()
        for name in (*PROCESSES, "postgres", "broker"):
            assert any(re.search(rf"\b{name}\b.*\bready\b", line) for line in lines), status.stdout
        as_json = json.loads(run.fupin("status", "--state-dir", str(run.state_dir), "--json").stdout)
        assert {row["process"]: row["health"] for row in as_json["processes"]} == dict.fromkeys(
            (*PROCESSES, "postgres", "broker"), "ready"
        )
        assert all(row["lag"] == 0 for row in as_json["processes"] if row["process"] in PROCESSES)
        # Nothing imported yet: the consumers (registry, identification, the gateway's feed router) have
        # nothing left to reach, or have not fetched yet; the other services consume nothing.
        backlogs = {row["process"]: row["backlog"] for row in as_json["processes"]}
        assert all(backlogs[name] in (0, None) for name in PROCESSES), backlogs
        assert "backlog" in status.stdout

        minted = run.fupin(
            "token", "--state-dir", str(run.state_dir), "--tier", "county", "--division", "520102000000",
            "--role", "officer", "--role", "viewer", "--subject", "cli-test",
        )  # fmt: skip
        assert minted.returncode == 0, minted.stderr
        token = minted.stdout.strip()
        assert token.count(".") == 2 and "\n" not in token
        with httpx.Client(base_url=run.gateway, timeout=10) as client:
            jwks = client.get("/.well-known/jwks.json")
            assert jwks.status_code == 200
            ready = client.get("/readyz", headers={"Authorization": f"Bearer {token}"})
            assert ready.status_code == 200, ready.text
        keys = {key["kid"]: key for key in jwks.json()["keys"]}
        kid = jwt.get_unverified_header(token)["kid"]
        public = jwt.PyJWK(keys[kid]).key
        claims = jwt.decode(token, public, algorithms=["ES256"], audience="fupin-api", issuer="fupin")
        assert claims["tier"] == "county" and claims["division"] == "520102000000"
        assert claims["roles"] == ["officer", "viewer"] and claims["sub"] == "cli-test"

        event_id = asyncio.run(_insert_published_outbox_row(run))
        since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        republished = run.fupin("republish", "registry", "--since", since, "--state-dir", str(run.state_dir))
        assert republished.returncode == 0, republished.stderr
        assert re.search(r"\b1 registry outbox rows", republished.stdout), republished.stdout
        deadline = time.monotonic() + 30
        while asyncio.run(_published_at(run, event_id)) is None:
            assert time.monotonic() < deadline, "the relay did not publish the republished row"
            time.sleep(0.5)

        marker = uuid.uuid4().hex
        asyncio.run(_write_marker(run, marker))
    finally:
        _down_and_check(run)

    again = run.fupin("down", "--state-dir", str(run.state_dir))
    assert again.returncode == 0 and "not running" in again.stdout
    stopped = run.fupin("status", "--state-dir", str(run.state_dir))
    assert stopped.returncode == 3

    began = time.monotonic()
    result = run.fupin(*run.up_args, "--detach", timeout=UP_TIMEOUT_S + 60)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    print(
        f"fupin up --detach (existing data): ready in {_ready_time(result.stdout):.1f}s "
        f"(command returned after {time.monotonic() - began:.1f}s)"
    )
    try:
        assert asyncio.run(_read_markers(run)) == [marker]
        second = run.fupin(*run.up_args, "--detach")
        assert second.returncode == 1 and "already running" in second.stderr
    finally:
        _down_and_check(run)


def test_foreground_up_stops_cleanly_on_sigint(tmp_path) -> None:
    run = Run.new(tmp_path / "state")
    began = time.monotonic()
    process = subprocess.Popen(
        [*FUPIN, *run.up_args],
        env=run.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        state = run.wait_ready(UP_TIMEOUT_S)
        print(f"\nfupin up (foreground, fresh state dir): ready after {time.monotonic() - began:.1f}s")
        before = started_processes(state)
        assert len(before) >= 9
        with httpx.Client(timeout=10) as client:
            assert client.get(f"{run.gateway}/readyz").status_code == 200
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)
            run.fupin("down", "--state-dir", str(run.state_dir))
    assert process.returncode == 0, output
    assert "Ready in" in output and "stopped in" in output, output
    assert leftovers(run, before) == []
    assert run.state() is None


def test_token_validates_tier_and_division(tmp_path) -> None:
    run = Run.new(tmp_path / "state")
    store = KeyStore(tmp_path / "keys")
    store.ensure()
    # Nothing listens on this run's gateway port: the division cannot be checked, and a warning says so.
    keys = ["--keys-dir", str(store.directory), "--gateway", run.gateway]
    ok = run.fupin("token", *keys, "--tier", "village", "--division", "520102001001", "--lifetime", "60")
    assert ok.returncode == 0, ok.stderr
    assert "not checked against the registry's division tree" in ok.stderr and run.gateway in ok.stderr
    claims = jwt.decode(
        ok.stdout.strip(),
        jwt.PyJWK(store.public_set()["keys"][-1]).key,
        algorithms=["ES256"],
        audience="fupin-api",
    )
    # iat to the millisecond (fupin_kit.auth.instants), nbf and exp whole seconds.
    assert (
        claims["exp"] - int(claims["iat"]) == 60
        and claims["nbf"] == int(claims["iat"])
        and claims["roles"] == []
    )
    wrong_tier = run.fupin("token", *keys, "--tier", "county", "--division", "520102001001")
    assert wrong_tier.returncode == 2 and "village tier" in wrong_tier.stderr
    no_keys = run.fupin(
        "token", "--keys-dir", str(tmp_path / "none"), "--tier", "county", "--division", "520102000000"
    )
    assert no_keys.returncode == 2 and "fupin up" in no_keys.stderr
    too_long = run.fupin(
        "token", *keys, "--tier", "county", "--division", "520102000000", "--lifetime", "901"
    )
    assert too_long.returncode == 2 and "FUPIN_TOKEN_LIFETIME_S" in too_long.stderr
    county = ["--tier", "county", "--division", "520102000000"]
    blank = run.fupin("token", *keys, *county, "--role", "officer", "--subject", " ")
    assert blank.returncode == 2 and "--subject" in blank.stderr
    bogus = run.fupin("token", *keys, *county, "--role", "officer", "--role", "bogus")
    assert bogus.returncode == 2 and "'bogus'" in bogus.stderr and "viewer" in bogus.stderr


@pytest.mark.parametrize("command", [["status"], ["down"]])
def test_commands_on_a_state_dir_that_never_ran(tmp_path, command: list[str]) -> None:
    run = Run.new(tmp_path / "state")
    result = run.fupin(*command, "--state-dir", str(run.state_dir))
    assert "not running" in result.stdout
    assert result.returncode == (3 if command == ["status"] else 0)

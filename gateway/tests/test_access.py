"""Key rotation end to end, the hash-chained access audit (tampering named at its row, by the API and by
`fupin audit verify`), and per-caller rate limits."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import sys
from typing import Any

import jwt
from sqlalchemy import text

from fupin_gateway.ratelimit import RateLimiter
from fupin_gateway.testing import in_process_gateway as gateway
from fupin_kit.auth import tokens as kit_tokens
from fupin_kit.auth.keys import KeyStore, mint
from fupin_kit.sample import app as sample
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.testing import InProcessServer

NATION = "000000000000"
COUNTY = "520102000000"
PASSWORD = "correct horse battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _nation_admin(keys: KeyStore) -> dict[str, str]:
    """A nation admin's token signed with the store's current key."""
    token = mint(
        keys.current(),
        subject="user:root",
        tier="nation",
        division=NATION,
        roles=["admin"],
        issuer="fupin",
        audience="fupin-api",
    )
    return bearer(token)


async def test_rotation_keeps_old_tokens_valid_end_to_end(fupin_stack, tmp_path, monkeypatch):
    # Its own key directory: rotating the session's shared keys would disturb other tests.
    keys = KeyStore(tmp_path / "keys")
    keys.ensure()
    key_settings: dict[str, Any] = {"keys_dir": keys.directory, "jwks_source": str(keys.public_path)}
    sample_db = await fupin_stack.fresh_database("fupin_kit.sample", "sample_producer")
    service = create_service_app(
        ServiceSpec(name="sample_producer", title="s", description="s", routers=[sample.router]),
        fupin_stack.settings("sample_producer", sample_db, role="api").model_copy(update=key_settings),
    )
    async with (
        InProcessServer(service) as upstream,
        gateway(fupin_stack, upstreams={"sample": upstream.url}, **key_settings) as (_, client),
    ):
        old_kid = keys.current()["kid"]
        root = _nation_admin(keys)
        body = {
            "username": "wang.county",
            "display_name": "王",
            "tier": "county",
            "division": COUNTY,
            "roles": ["officer"],
            "password": PASSWORD,
        }
        assert (await client.post("/admin/users", json=body, headers=root)).status_code == 201
        form = {"grant_type": "password", "username": "wang.county", "password": PASSWORD}
        before = (await client.post("/oauth/token", data=form)).json()["access_token"]
        assert jwt.get_unverified_header(before)["kid"] == old_kid

        # A process re-reads the key set on an unknown kid at most once per REFRESH_MIN_INTERVAL_S; rotate
        # only after that much time has passed since the service loaded its keys, as in real operation.
        await asyncio.sleep(kit_tokens.REFRESH_MIN_INTERVAL_S + 0.1)
        rotated = await client.post("/admin/keys/rotate", headers=root)
        assert rotated.status_code == 200, rotated.text
        new_kid = rotated.json()["kid"]
        assert new_kid != old_kid and rotated.json()["keep_previous_s"] == 900 + 10
        published = (await client.get("/.well-known/jwks.json")).json()
        assert {key["kid"] for key in published["keys"]} == {old_kid, new_kid}

        after = (await client.post("/oauth/token", data=form)).json()["access_token"]
        assert jwt.get_unverified_header(after)["kid"] == new_kid
        for token in (before, after, root["Authorization"].split()[1]):
            # The gateway itself, and the service behind it reading the JWKS file.
            assert (await client.get("/whoami", headers=bearer(token))).status_code == 200
            routed = await client.get("/api/v1/sample/whoami", headers=bearer(token))
            assert routed.status_code == 200, routed.text

        # A leaked key: a rotation that withdraws the previous keys ends their tokens at once at the
        # gateway, and at the service once it re-reads the set (here: made stale at once).
        await asyncio.sleep(kit_tokens.REFRESH_MIN_INTERVAL_S + 0.1)
        newest_admin = _nation_admin(keys)
        withdrawn = await client.post("/admin/keys/rotate?withdraw_previous=true", headers=newest_admin)
        assert withdrawn.status_code == 200, withdrawn.text
        assert withdrawn.json()["published"] == [withdrawn.json()["kid"]]
        published = (await client.get("/.well-known/jwks.json")).json()
        assert [key["kid"] for key in published["keys"]] == [withdrawn.json()["kid"]]
        monkeypatch.setattr(kit_tokens, "MAX_AGE_S", 0.0)
        for token in (before, after):
            assert (await client.get("/whoami", headers=bearer(token))).status_code == 401
            assert (await client.get("/api/v1/sample/whoami", headers=bearer(token))).status_code == 401
        again = (await client.post("/oauth/token", data=form)).json()["access_token"]
        assert jwt.get_unverified_header(again)["kid"] == withdrawn.json()["kid"]
        assert (await client.get("/api/v1/sample/whoami", headers=bearer(again))).status_code == 200


async def _audit_verify(env: dict[str, str], *extra: str) -> tuple[int, str, str]:
    """`fupin audit verify` in a process of its own: its exit status, stdout and stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fupin_cli",
        "audit",
        "verify",
        *extra,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_audit_chain_records_access_and_changes_and_names_a_tampered_row(fupin_stack, tmp_path):
    database = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    root = bearer(fupin_stack.token("nation", NATION, ["admin"], subject="user:root"))
    async with gateway(fupin_stack, database) as (app, client):
        body = {
            "username": "li.county",
            "display_name": "李",
            "tier": "county",
            "division": COUNTY,
            "password": PASSWORD,
        }
        assert (await client.post("/admin/users", json=body, headers=root)).status_code == 201
        await asyncio.gather(
            *(client.get("/whoami", headers={**root, "X-Request-ID": f"req-{n}"}) for n in range(20))
        )
        await client.get("/console/")
        # Sign-ins name the account tried, refused or granted.
        form = {"grant_type": "password", "username": "li.county", "password": "not the password 1"}
        assert (
            await client.post("/oauth/token", data=form, headers={"X-Request-ID": "in-bad"})
        ).status_code == 400
        granted = await client.post(
            "/oauth/token", data={**form, "password": PASSWORD}, headers={"X-Request-ID": "in-ok"}
        )
        assert granted.status_code == 200, granted.text
        # The key documents services poll every few seconds are not audited (nor rate limited).
        await client.get("/.well-known/jwks.json")
        await app.state.audit_writer.flush()
        report = (await client.get("/admin/audit/verify", headers=root)).json()
        assert report["ok"] is True and report["checked"] >= 25, report

        async with app.state.sessionmaker() as session:
            rows = (await session.execute(text("SELECT * FROM audit_log ORDER BY seq"))).mappings().all()
            change = next(row for row in rows if row["action"] == "user.created")
            assert change["actor"] == "user:root" and change["subject"] == "user:li.county"
            assert change["division"] == COUNTY and "password" not in str(change["detail"])
            access = next(row for row in rows if row["detail"].get("request_id") == "req-7")
            assert access["actor"] == "user:root" and access["subject"] == "/whoami"
            assert access["detail"]["method"] == "GET" and access["detail"]["status"] == 200
            assert access["detail"]["client_ip"] == "10.1.2.3" and access["detail"]["tier"] == "nation"
            refused = next(row for row in rows if row["detail"].get("request_id") == "in-bad")
            assert refused["action"] == "sign_in_refused" and refused["actor"] == "anonymous"
            assert refused["detail"]["account"] == "li.county" and refused["detail"]["status"] == 400
            signed_in = next(row for row in rows if row["detail"].get("request_id") == "in-ok")
            assert signed_in["action"] == "sign_in" and signed_in["actor"] == "user:li.county"
            assert signed_in["division"] == COUNTY and signed_in["detail"]["grant_type"] == "password"
            assert "password" not in json.dumps(signed_in["detail"]).replace('"password"', "")
            anonymous = next(row for row in rows if row["subject"] == "/console/")
            assert anonymous["actor"] == "anonymous"
            assert not any(row["subject"].startswith("/.well-known/") for row in rows)
            assert all(a["hash"] == b["prev_hash"] for a, b in itertools.pairwise(rows))

            victim = rows[len(rows) // 2]["seq"]
            await session.execute(
                text("""UPDATE audit_log SET detail = '{"status": 200}' WHERE seq = :seq"""), {"seq": victim}
            )
            await session.commit()
        report = (await client.get("/admin/audit/verify", headers=root)).json()
        assert report["ok"] is False and report["first_bad_seq"] == victim, report

    # The same verdict from the command line, against the gateway database.
    env = {
        **os.environ,
        "FUPIN_DATABASE_URL": fupin_stack.database_url,
        "FUPIN_DATABASE_NAME": database,
    }
    returncode, out, err = await _audit_verify(env)
    assert returncode == 1, (out, err)
    assert f"first_bad_seq={victim}" in out

    # G7: with no FUPIN_DATABASE_URL, the running platform's embedded PostgreSQL, as its run state
    # records it (the default `fupin up`), not 127.0.0.1:5432.
    state_dir = tmp_path / "state"
    (state_dir / "run").mkdir(parents=True)
    state = {
        "supervisor": {"pid": None},
        "started_at": "2026-11-26T00:00:00Z",
        "home": str(tmp_path),
        "state_dir": str(state_dir),
        "keys_dir": str(tmp_path / "keys"),
        "postgres": {"embedded": True, "address": fupin_stack.database_url},
    }
    (state_dir / "run" / "state.json").write_text(json.dumps(state))
    env = {key: value for key, value in os.environ.items() if key != "FUPIN_DATABASE_URL"}
    env.update({"FUPIN_STATE_DIR": str(state_dir), "FUPIN_DATABASE_NAME": database})
    returncode, out, err = await _audit_verify(env)
    assert returncode == 1, (out, err)
    assert f"first_bad_seq={victim}" in out


async def test_rate_limit_answers_429_with_retry_after(fupin_stack):
    async with gateway(fupin_stack, rate_limit_per_s=0.5, rate_limit_burst=3) as (_, client):
        answers = [await client.get("/console/") for _ in range(4)]
        assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
        limited = answers[-1]
        assert limited.headers["retry-after"] == "2"
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert limited.json()["status"] == 429
        assert limited.json()["instance"] == "/console/"  # like every other problem of the gateway
        assert limited.headers["x-content-type-options"] == "nosniff"
        # Another caller (a token subject, not this IP) has its own bucket.
        other = bearer(fupin_stack.token("county", COUNTY, ["officer"], subject="user:someone"))
        assert (await client.get("/whoami", headers=other)).status_code == 200
        # Probes and the key documents services poll are never limited.
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/.well-known/jwks.json")).status_code == 200


def test_token_bucket_refills_at_its_rate():
    limiter = RateLimiter(rate_per_s=2.0, burst=2)
    assert limiter.take("a", now=0.0) is None
    assert limiter.take("a", now=0.0) is None
    assert limiter.take("a", now=0.0) == 0.5
    assert limiter.take("b", now=0.0) is None
    assert limiter.take("a", now=0.5) is None
    assert RateLimiter(rate_per_s=0, burst=1).take("a") is None


async def test_rows_deleted_from_the_end_are_found_against_a_recorded_head(fupin_stack):
    """Deleting the newest rows leaves a shorter chain that is intact in itself: only a head recorded
    earlier, outside the database, shows the loss (API and command line)."""
    database = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    root = bearer(fupin_stack.token("nation", NATION, ["admin"], subject="user:root"))
    env = {**os.environ, "FUPIN_DATABASE_URL": fupin_stack.database_url, "FUPIN_DATABASE_NAME": database}
    async with gateway(fupin_stack, database) as (app, client):
        await asyncio.gather(*(client.get("/whoami", headers=root) for _ in range(10)))
        await app.state.audit_writer.flush()
        head = (await client.get("/admin/audit/verify", headers=root)).json()
        assert head["ok"] is True and len(head["last_hash"]) == 64, head
        await app.state.audit_writer.flush()
        returncode, out, _ = await _audit_verify(env)
        # Its own head: the verification just made was audited too, after the one above.
        assert returncode == 0 and re.search(r"head=\d+:[0-9a-f]{64}", out), out
        expect = {"expect_seq": head["last_seq"], "expect_hash": head["last_hash"]}
        still = (await client.get("/admin/audit/verify", params=expect, headers=root)).json()
        assert still["ok"] is True, still
        await app.state.audit_writer.flush()

        async with app.state.sessionmaker() as session:
            await session.execute(
                text("DELETE FROM audit_log WHERE seq > :seq"), {"seq": head["last_seq"] - 3}
            )
            await session.commit()
        # Rows audited after the deletion chain on to what is left; the recorded head is missing either way.
        found = (await client.get("/admin/audit/verify", params=expect, headers=root)).json()
        assert found["ok"] is False and found["first_bad_seq"] >= head["last_seq"] - 2, found
    returncode, out, err = await _audit_verify(
        env, "--expect-head", f"{head['last_seq']}:{head['last_hash']}"
    )
    assert returncode == 1, (out, err)
    assert "first_bad_seq=" in out
    # A head that no run prints (seq 0, a hash that is not lower-case SHA-256 hex) is refused, not matched.
    for malformed in (f"0:{'0' * 64}", f"{head['last_seq']}:{'Z' * 64}", f"{head['last_seq']}:{'A' * 64}"):
        returncode, _, err = await _audit_verify(env, "--expect-head", malformed)
        assert returncode == 2 and "SEQ:HASH" in err, (malformed, err)

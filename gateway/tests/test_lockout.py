"""Account lockout on real PostgreSQL (identity/throttle.py): ten failed sign-ins for one name within the
window lock it, the right password included, for every gateway on the database and across restarts; a
name no account has locks the same; a proven password clears the count; a client id locks on wrong
secrets; parallel guesses are counted one by one; the lock is audited; the numbers are settings."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text

from fupin_gateway.config import GatewaySettings
from fupin_gateway.testing import in_process_gateway as gateway

NATION = "000000000000"
COUNTY = "520102000000"
PASSWORD = "correct horse battery"
WRONG = "not the password at all"


def root(stack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token('nation', NATION, ['admin'], subject='user:root')}"}


async def make_user(client: httpx.AsyncClient, stack, username: str) -> None:
    body = {
        "username": username,
        "display_name": "王建国",
        "tier": "county",
        "division": COUNTY,
        "roles": ["officer"],
        "password": PASSWORD,
    }
    created = await client.post("/admin/users", json=body, headers=root(stack))
    assert created.status_code == 201, created.text


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    form = {"grant_type": "password", "username": username, "password": password}
    return await client.post("/oauth/token", data=form)


def refusal(response: httpx.Response) -> str:
    """Which refusal an RFC 6749 error names (the last part of its error_uri)."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_grant", body
    return str(body["error_uri"]).rsplit("/", 1)[-1]


async def fail(client: httpx.AsyncClient, username: str, times: int) -> None:
    for _ in range(times):
        assert refusal(await login(client, username, WRONG)) == "invalid-credentials"


async def test_ten_failures_lock_the_name_even_for_the_right_password(fupin_stack):
    database = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    async with gateway(fupin_stack, database) as (app, client):
        await make_user(client, fupin_stack, "lock.user")
        # Nine failures, then the right password: signed in, and the count starts again.
        await fail(client, "lock.user", 9)
        assert (await login(client, "lock.user")).status_code == 200
        await fail(client, "lock.user", 9)
        assert (await login(client, "lock.user")).status_code == 200

        # Ten failures: the name is locked, the right password is refused too, and says so.
        await fail(client, "LOCK.user ", 10)  # the name as sign-in reads it: trimmed, lower case
        locked = await login(client, "lock.user")
        assert refusal(locked) == "account-locked" and "access_token" not in locked.json()
        assert "temporarily locked" in locked.json()["error_description"]
        assert locked.headers["cache-control"] == "no-store"
        assert 880 <= int(locked.headers["retry-after"]) <= 900

        # A name no account has locks the same way: the answer does not tell which names exist.
        await fail(client, "nobody.here", 10)
        ghost = await login(client, "nobody.here")
        assert refusal(ghost) == "account-locked"
        assert ghost.json() == locked.json()

        # Audited: the lock (with the failures that caused it) and every refused attempt.
        await app.state.audit_writer.flush()
        async with app.state.sessionmaker() as session:
            rows = (
                (await session.execute(text("SELECT action, division, detail FROM audit_log ORDER BY seq")))
                .mappings()
                .all()
            )
        locks = [row["detail"] for row in rows if row["action"] == "sign_in_locked"]
        assert [(lock["account"], lock["failures"]) for lock in locks] == [
            ("lock.user", 10),
            ("nobody.here", 10),
        ]
        assert locks[0]["grant_type"] == "password" and locks[0]["client_ip"] == "10.1.2.3"
        refused = [row["detail"] for row in rows if row["action"] == "sign_in_refused"]
        assert sum(detail["account"].strip().lower() == "lock.user" for detail in refused) == 29
        # Each at the tried account's division, where its admins search the audit (QA s17): a county admin
        # sees who tried to sign in as its officer; a name that is no account stays at the nation's.
        divisions = {
            (row["action"], row["detail"]["account"].strip().lower(), row["division"])
            for row in rows
            if row["action"] in ("sign_in_refused", "sign_in_locked")
        }
        assert divisions == {
            ("sign_in_refused", "lock.user", COUNTY),
            ("sign_in_locked", "lock.user", COUNTY),
            ("sign_in_refused", "nobody.here", NATION),
            ("sign_in_locked", "nobody.here", NATION),
        }, divisions
        assert report_ok(await client.get("/admin/audit/verify", headers=root(fupin_stack)))

    # The lock is in the database: a restarted (or another) gateway on it refuses the name as well.
    async with gateway(fupin_stack, database) as (app, client):
        assert refusal(await login(client, "lock.user")) == "account-locked"
        # Once the lock has run out, the right password signs in again and nothing is left on record.
        async with app.state.sessionmaker() as session:
            await session.execute(
                text("UPDATE sign_in_failures SET locked_until = now() - interval '1 second'")
            )
            await session.commit()
        assert (await login(client, "lock.user")).status_code == 200
        async with app.state.sessionmaker() as session:
            names = (await session.execute(text("SELECT name FROM sign_in_failures"))).scalars().all()
        assert names == ["nobody.here"]


def report_ok(response: httpx.Response) -> bool:
    assert response.status_code == 200, response.text
    return bool(response.json()["ok"])


async def test_failures_older_than_the_window_do_not_count(fupin_stack):
    database = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    async with gateway(fupin_stack, database) as (app, client):
        await make_user(client, fupin_stack, "slow.user")
        await fail(client, "slow.user", 9)
        # Those nine were sixteen minutes ago: outside the 15-minute window.
        async with app.state.sessionmaker() as session:
            await session.execute(
                text(
                    "UPDATE sign_in_failures SET updated_at = updated_at - interval '16 minutes',"
                    " failures = ARRAY(SELECT t - interval '16 minutes' FROM unnest(failures) AS t)"
                )
            )
            await session.commit()
        await fail(client, "slow.user", 9)
        assert (await login(client, "slow.user")).status_code == 200
        await fail(client, "slow.user", 10)
        assert refusal(await login(client, "slow.user")) == "account-locked"


async def test_a_client_id_locks_after_wrong_secrets_and_the_numbers_are_settings(fupin_stack):
    database = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    async with gateway(fupin_stack, database, sign_in_max_failures=3, sign_in_lock_s=60) as (_, client):
        body = {
            "client_id": "lock-client",
            "department": "民政局",
            "tier": "county",
            "division": COUNTY,
            "scopes": ["registry.read"],
            "roles": ["viewer"],
        }
        registered = await client.post("/admin/clients", json=body, headers=root(fupin_stack))
        assert registered.status_code == 201, registered.text
        secret = registered.json()["client_secret"]
        form = {"grant_type": "client_credentials"}
        for _ in range(3):
            wrong = await client.post("/oauth/token", data=form, auth=("lock-client", "x" * 20))
            assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
        locked = await client.post("/oauth/token", data=form, auth=("lock-client", secret))
        assert refusal(locked) == "account-locked"
        assert 50 <= int(locked.headers["retry-after"]) <= 60
        # Client ids and the password grant's names are counted apart.
        await make_user(client, fupin_stack, "lock-client")
        assert (await login(client, "lock-client")).status_code == 200

    # 0 failures turns the lockout off.
    async with gateway(fupin_stack, database, sign_in_max_failures=0) as (_, client):
        await make_user(client, fupin_stack, "free.user")
        await fail(client, "free.user", 12)
        assert (await login(client, "free.user")).status_code == 200


async def test_parallel_guesses_are_counted_one_by_one(fupin_stack):
    database = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    async with gateway(fupin_stack, database, sign_in_max_failures=4) as (_, client):
        await make_user(client, fupin_stack, "burst.user")
        answers = await asyncio.gather(*(login(client, "burst.user", WRONG) for _ in range(12)))
        kinds = sorted(refusal(answer) for answer in answers)
        assert kinds == ["account-locked"] * 8 + ["invalid-credentials"] * 4


def test_the_lockout_is_configured_from_the_environment(monkeypatch):
    monkeypatch.setenv("FUPIN_SIGN_IN_MAX_FAILURES", "5")
    monkeypatch.setenv("FUPIN_SIGN_IN_FAILURE_WINDOW_S", "600")
    monkeypatch.setenv("FUPIN_SIGN_IN_LOCK_S", "1800")
    policy = GatewaySettings(service="gateway").sign_in_policy()
    assert (policy.max_failures, policy.window_s, policy.lock_s) == (5, 600, 1800)
    monkeypatch.delenv("FUPIN_SIGN_IN_MAX_FAILURES")
    assert GatewaySettings(service="gateway").sign_in_policy().max_failures == 10

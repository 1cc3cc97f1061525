"""The admin API's writes take an Idempotency-Key, as the services' commands do: a provisioning script that
lost the answer to a client's creation retried into 409 (the client exists) and lost its secret for good.

A retry with the same key answers the first response (the same secret) and changes nothing: one account,
one audit entry, tokens not ended again. The same key with another request is 422, a blank key 422, and
another caller's same key is its own. The key table keeps no key, secret or password in clear.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from fupin_gateway.testing import in_process_gateway as gateway

NATION = "000000000000"
COUNTY = "520102000000"
PASSWORD = "correct horse battery"
OTHER_PASSWORD = "another horse battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def admin(stack: Any, subject: str = "user:root", key: str | None = None) -> dict[str, str]:
    headers = bearer(stack.token("nation", NATION, ["admin"], subject=subject))
    if key is not None:
        headers["Idempotency-Key"] = key
    return headers


def client_body(client_id: str) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "department": "民政局",
        "tier": "county",
        "division": COUNTY,
        "scopes": ["registry.read"],
        "roles": ["viewer"],
    }


def user_body(username: str, password: str = PASSWORD) -> dict[str, Any]:
    return {
        "username": username,
        "display_name": "王建国",
        "tier": "county",
        "division": COUNTY,
        "roles": ["officer"],
        "password": password,
    }


def evaluator_body(username: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "username": username,
        "display_name": "李明",
        "organisation": "第三方评估机构",
        "tier": "county",
        "division": COUNTY,
        "roles": ["evaluator"],
        "password": PASSWORD,
        "valid_from": (now - timedelta(days=1)).isoformat(),
        "valid_until": (now + timedelta(days=30)).isoformat(),
    }


async def rows(app: FastAPI, query: str, **params: Any) -> list[dict[str, Any]]:
    async with app.state.sessionmaker() as session:
        return [dict(row) for row in (await session.execute(text(query), params)).mappings().all()]


async def audit_count(app: FastAPI, action: str, subject: str) -> int:
    found = await rows(
        app,
        "SELECT seq FROM audit_log WHERE action = :action AND subject = :subject",
        action=action,
        subject=subject,
    )
    return len(found)


async def key_rows_text(app: FastAPI) -> str:
    """Every column of every key row, as text: what a reader of the database alone sees."""
    return str(
        await rows(app, "SELECT actor, key, request_hash, status, body::text AS body FROM idempotency_keys")
    )


async def client_token(client: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return await client.post("/oauth/token", data=form)


async def test_a_retried_client_creation_answers_the_same_secret_and_creates_one_client(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        key = "provision-mca-7f3a9c"
        headers = admin(fupin_stack, key=key)
        first = await client.post("/admin/clients", json=client_body("mca.retry"), headers=headers)
        assert first.status_code == 201, first.text
        again = await client.post("/admin/clients", json=client_body("mca.retry"), headers=headers)
        assert again.status_code == 201, again.text
        assert again.json() == first.json()
        secret = first.json()["client_secret"]

        listed = (await client.get("/admin/clients", headers=admin(fupin_stack))).json()["items"]
        assert [item["client_id"] for item in listed].count("mca.retry") == 1
        assert await audit_count(app, "client.created", "client:mca.retry") == 1
        issued = await client_token(client, "mca.retry", secret)
        assert issued.status_code == 200, issued.text

        # Without a key, a retry is a second request, refused as before.
        plain = await client.post("/admin/clients", json=client_body("mca.retry"), headers=admin(fupin_stack))
        assert plain.status_code == 409

        stored = await key_rows_text(app)
        assert key not in stored and secret not in stored
        keys = await rows(app, "SELECT actor, key FROM idempotency_keys")
        # Neither the key nor an unkeyed digest of it: a guessable key cannot be tried against the table
        # by someone who has only the database (the HMAC's secret is derived from the gateway's PII key).
        assert len(keys) == 1 and keys[0]["actor"] == "user:root"
        assert keys[0]["key"] not in (key, hashlib.sha256(key.encode()).hexdigest())
        assert keys[0]["key"] == app.state.idempotency_sealer.stored_key(key)


async def test_the_same_key_with_another_request_or_a_blank_key_is_refused(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        headers = admin(fupin_stack, key="k-1")
        assert (
            await client.post("/admin/clients", json=client_body("c.one"), headers=headers)
        ).status_code == 201
        other_body = await client.post("/admin/clients", json=client_body("c.two"), headers=headers)
        assert other_body.status_code == 422, other_body.text
        assert other_body.json()["code"] == "idempotency-key-reused", other_body.text
        assert "other powers" in other_body.json()["detail"], other_body.text
        other_route = await client.post("/admin/clients/c.one/disable", headers=headers)
        assert other_route.status_code == 422, other_route.text
        blank = await client.post(
            "/admin/clients", json=client_body("c.three"), headers=admin(fupin_stack, key=" ")
        )
        assert blank.status_code == 422 and blank.json()["code"] == "idempotency-key", blank.text
        assert await audit_count(app, "client.created", "client:c.two") == 0
        assert await audit_count(app, "client.disabled", "client:c.one") == 0

        # Another caller's same key is its own: it creates its client, it is not refused as another request.
        elsewhere = admin(fupin_stack, subject="user:root.two", key="k-1")
        theirs = await client.post("/admin/clients", json=client_body("c.two"), headers=elsewhere)
        assert theirs.status_code == 201, theirs.text
        assert theirs.json()["client_secret"] != ""


async def test_a_retried_secret_rotation_answers_the_same_secret_and_ends_tokens_once(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        made = await client.post("/admin/clients", json=client_body("mca.rotate"), headers=admin(fupin_stack))
        assert made.status_code == 201
        headers = admin(fupin_stack, key="rotate-1")
        first = await client.post("/admin/clients/mca.rotate/secret", headers=headers)
        assert first.status_code == 200, first.text
        secret = first.json()["secret"]
        ended = await rows(app, "SELECT tokens_valid_after FROM clients WHERE client_id = 'mca.rotate'")
        issued = await client_token(client, "mca.rotate", secret)
        assert issued.status_code == 200, issued.text
        token = issued.json()["access_token"]

        again = await client.post("/admin/clients/mca.rotate/secret", headers=headers)
        assert (again.status_code, again.json()) == (200, first.json())
        assert (
            await rows(app, "SELECT tokens_valid_after FROM clients WHERE client_id = 'mca.rotate'") == ended
        )
        assert await audit_count(app, "client.secret_rotated", "client:mca.rotate") == 1
        # The token issued after the rotation is not ended by its replay, and the secret still works.
        assert (await client.get("/whoami", headers=bearer(token))).status_code == 200
        assert (await client_token(client, "mca.rotate", secret)).status_code == 200
        assert secret not in await key_rows_text(app)


async def test_passwords_are_compared_without_being_kept(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        headers = admin(fupin_stack, key="person-1")
        first = await client.post("/admin/users", json=user_body("idem.person"), headers=headers)
        assert first.status_code == 201, first.text
        again = await client.post("/admin/users", json=user_body("idem.person"), headers=headers)
        assert (again.status_code, again.json()) == (201, first.json())
        other = await client.post(
            "/admin/users", json=user_body("idem.person", OTHER_PASSWORD), headers=headers
        )
        assert other.status_code == 422, other.text
        assert await audit_count(app, "user.created", "user:idem.person") == 1

        # A reset choosing the password answers it: kept sealed, and compared as a keyed argon2id digest.
        reset = admin(fupin_stack, key="reset-1")
        path = "/admin/users/idem.person/password"
        done = await client.post(path, json={"password": OTHER_PASSWORD}, headers=reset)
        assert done.status_code == 200 and done.json() == {"secret": OTHER_PASSWORD}, done.text
        replayed = await client.post(path, json={"password": OTHER_PASSWORD}, headers=reset)
        assert (replayed.status_code, replayed.json()) == (200, done.json())
        changed = await client.post(path, json={"password": "a third horse battery"}, headers=reset)
        assert changed.status_code == 422, changed.text
        assert await audit_count(app, "user.password_reset", "user:idem.person") == 1

        stored = await key_rows_text(app)
        for password in (PASSWORD, OTHER_PASSWORD):
            assert password not in stored
            for fast in (hashlib.sha256, hashlib.md5, hashlib.sha1):
                assert fast(password.encode()).hexdigest() not in stored
        assert "person-1" not in stored and "reset-1" not in stored


async def test_a_refused_self_reset_leaves_its_key_free_for_the_retry(fupin_stack):
    async with gateway(fupin_stack) as (_, client):
        made = await client.post(
            "/admin/users", json={**user_body("idem.self"), "roles": ["admin"]}, headers=admin(fupin_stack)
        )
        assert made.status_code == 201, made.text
        signed = await client.post(
            "/oauth/token", data={"grant_type": "password", "username": "idem.self", "password": PASSWORD}
        )
        own = {**bearer(signed.json()["access_token"]), "Idempotency-Key": "self-reset"}
        path = "/admin/users/idem.self/password"
        wrong = await client.post(
            path, json={"password": OTHER_PASSWORD, "current_password": "not it 12345"}, headers=own
        )
        assert wrong.status_code == 403, wrong.text
        # The failed proof is counted and committed; the key is not, so the corrected retry runs.
        right = await client.post(
            path, json={"password": OTHER_PASSWORD, "current_password": PASSWORD}, headers=own
        )
        assert right.status_code == 200 and right.json() == {"secret": OTHER_PASSWORD}, right.text


async def test_every_write_route_replays_its_first_answer(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        root = admin(fupin_stack)
        assert (await client.post("/admin/users", json=user_body("idem.u"), headers=root)).status_code == 201
        assert (
            await client.post("/admin/clients", json=client_body("idem.c"), headers=root)
        ).status_code == 201
        evaluator = await client.post("/admin/evaluators", json=evaluator_body("idem.e"), headers=root)
        assert evaluator.status_code == 201, evaluator.text
        window = {k: v for k, v in evaluator_body("idem.e").items() if k in ("valid_from", "valid_until")}
        writes: list[tuple[str, str, dict[str, Any] | None, str, str]] = [
            ("PUT", "/admin/users/idem.u/roles", {"roles": ["leader"]}, "user.roles_changed", "user:idem.u"),
            ("POST", "/admin/users/idem.u/disable", None, "user.disabled", "user:idem.u"),
            ("POST", "/admin/users/idem.u/enable", None, "user.enabled", "user:idem.u"),
            (
                "PUT",
                "/admin/clients/idem.c/scopes",
                {"scopes": ["funds.read"]},
                "client.scopes_changed",
                "client:idem.c",
            ),
            ("POST", "/admin/clients/idem.c/disable", None, "client.disabled", "client:idem.c"),
            ("POST", "/admin/clients/idem.c/enable", None, "client.enabled", "client:idem.c"),
            (
                "PUT",
                "/admin/evaluators/idem.e/window",
                window,
                "evaluator.window_changed",
                "evaluator:idem.e",
            ),
            ("POST", "/admin/evaluators/idem.e/disable", None, "evaluator.disabled", "evaluator:idem.e"),
            ("POST", "/admin/evaluators/idem.e/enable", None, "evaluator.enabled", "evaluator:idem.e"),
            ("POST", "/admin/evaluators/idem.e/password", {}, "evaluator.password_reset", "evaluator:idem.e"),
            ("POST", "/admin/keys/rotate", None, "keys.rotated", ""),
        ]
        for number, (method, path, body, action, subject) in enumerate(writes):
            headers = admin(fupin_stack, key=f"write-{number}")
            first = await client.request(method, path, json=body, headers=headers)
            assert first.status_code in (200, 201), (path, first.text)
            again = await client.request(method, path, json=body, headers=headers)
            assert (again.status_code, again.json()) == (first.status_code, first.json()), path
            if subject:
                assert await audit_count(app, action, subject) == 1, path
        rotated = await rows(app, "SELECT seq FROM audit_log WHERE action = 'keys.rotated'")
        assert len(rotated) == 1
        secret = (
            await client.post(
                "/admin/evaluators/idem.e/password", json={}, headers=admin(fupin_stack, key="write-9")
            )
        ).json()["secret"]
        assert secret not in await key_rows_text(app)


async def test_concurrent_identical_creations_create_one_client(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        headers = admin(fupin_stack, key="burst-1")
        answers = await asyncio.gather(
            *(client.post("/admin/clients", json=client_body("mca.burst"), headers=headers) for _ in range(5))
        )
        assert [answer.status_code for answer in answers] == [201] * 5, [answer.text for answer in answers]
        assert len({answer.text for answer in answers}) == 1
        made = await rows(app, "SELECT client_id FROM clients WHERE client_id = 'mca.burst'")
        assert len(made) == 1
        assert await audit_count(app, "client.created", "client:mca.burst") == 1
        secret = answers[0].json()["client_secret"]
        assert (await client_token(client, "mca.burst", secret)).status_code == 200


async def test_every_admin_write_documents_the_idempotency_key(fupin_stack):
    async with gateway(fupin_stack) as (app, _):
        document = app.openapi()
    writes = [
        (method, path, operation)
        for path, item in document["paths"].items()
        if path.startswith("/admin/")
        for method, operation in item.items()
        if method in ("post", "put")
    ]
    assert len(writes) == 16
    for method, path, operation in writes:
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert headers == ["Idempotency-Key"], (method, path)

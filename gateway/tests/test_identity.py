"""Identity on real PostgreSQL: password and client-credentials sign-in, one answer for every bad
credential, disabled accounts (including their already-issued tokens, at the gateway, and the digests of
their subjects it publishes for the services), tokens ended by a password or secret reset or a change of
roles or scopes (at the gateway and at a service called directly), evaluators whose tokens never outlive
their access window, and admins confined to their own jurisdiction and tier."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
from fastapi import FastAPI
from sqlalchemy import text

from fupin_gateway.identity import passwords
from fupin_gateway.identity import repository as identity_repository
from fupin_gateway.testing import in_process_gateway as gateway
from fupin_kit.auth.instants import floor_ms_seconds
from fupin_kit.auth.revocations import (
    REVOKED_SUBJECTS_PATH,
    RevokedSubjects,
    parse_document,
    parse_revocations,
    render_document,
    subject_digest,
)
from fupin_kit.openapi_scope import SCOPE_KEY
from fupin_kit.sample import app as sample
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.testing import InProcessServer, Stack

NATION = "000000000000"
COUNTY = "520102000000"
VILLAGE = "520102016001"
OTHER_COUNTY = "520103000000"
OTHER_VILLAGE = "520103019001"
PASSWORD = "correct horse battery"


@contextlib.asynccontextmanager
async def upstream(stack) -> AsyncIterator[str]:
    """A real service process surface (the kit's sample service, with /whoami) on loopback."""
    database = await stack.fresh_database("fupin_kit.sample", "sample_producer")
    service = create_service_app(
        ServiceSpec(name="sample_producer", title="s", description="s", routers=[sample.router]),
        stack.settings("sample_producer", database, role="api"),
    )
    async with InProcessServer(service) as server:
        yield server.url


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def oauth_error(response: httpx.Response) -> str:
    """The RFC 6749 §5.2 error code of a refused token request, after checking its shape: JSON with
    `error` and `error_description`, never cached, not a problem document."""
    assert response.headers["content-type"].startswith("application/json"), response.headers
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error_description"] and "status" not in body and "type" not in body, body
    return str(body["error"])


def root(stack) -> dict[str, str]:
    return bearer(stack.token("nation", NATION, ["admin"], subject="user:root"))


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(
        "/oauth/token", data={"grant_type": "password", "username": username, "password": password}
    )


async def make_user(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    username: str,
    division: str,
    tier: str,
    roles: list[str] | None = None,
) -> httpx.Response:
    body = {
        "username": username,
        "display_name": "王建国",
        "tier": tier,
        "division": division,
        "roles": roles or ["cadre"],
        "password": PASSWORD,
    }
    return await client.post("/admin/users", json=body, headers=auth)


async def make_evaluator(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    username: str,
    display_name: str,
    valid_from: datetime,
    valid_until: datetime,
    **extra: Any,
) -> httpx.Response:
    """A third-party evaluator of the county with access from `valid_from` until `valid_until`; `extra`
    fields go into the body as they are."""
    body = {
        "username": username,
        "display_name": display_name,
        "organisation": "第三方评估机构",
        "tier": "county",
        "division": COUNTY,
        "password": PASSWORD,
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat(),
        **extra,
    }
    return await client.post("/admin/evaluators", json=body, headers=auth)


async def make_client(
    client: httpx.AsyncClient, stack: Any, client_id: str, department: str, scopes: list[str]
) -> str:
    """A county department's client with read-only roles, registered by the root admin; its secret."""
    body = {
        "client_id": client_id,
        "department": department,
        "tier": "county",
        "division": COUNTY,
        "scopes": scopes,
        "roles": ["viewer"],
    }
    registered = await client.post("/admin/clients", json=body, headers=root(stack))
    assert registered.status_code == 201, registered.text
    return str(registered.json()["client_secret"])


async def test_password_and_client_credentials_flows(fupin_stack):
    async with gateway(fupin_stack) as (_, client):
        created = await make_user(client, root(fupin_stack), "wang.county", COUNTY, "county", ["officer"])
        assert created.status_code == 201, created.text
        assert "password" not in created.text and "hash" not in created.text

        issued = await login(client, "wang.county")
        assert issued.status_code == 200, issued.text
        assert issued.headers["cache-control"] == "no-store"
        body = issued.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] == 900 and body["scope"] == ""
        token = body["access_token"]
        assert jwt.get_unverified_header(token)["kid"] == fupin_stack.keys.current()["kid"]
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["sub"] == "user:wang.county" and claims["kind"] == "user"
        assert claims["tier"] == "county" and claims["division"] == COUNTY and claims["roles"] == ["officer"]
        assert claims["jti"] and claims["exp"] - int(claims["iat"]) == 900
        me = await client.get("/whoami", headers=bearer(token))
        assert me.status_code == 200 and me.json()["subject"] == "user:wang.county"

        # Unknown user and wrong password: the same answer, byte for byte (RFC 6749 §5.2: invalid_grant).
        wrong = await login(client, "wang.county", "not the password")
        unknown = await login(client, "nobody.here", "not the password")
        assert wrong.status_code == unknown.status_code == 400
        assert wrong.content == unknown.content
        assert oauth_error(wrong) == "invalid_grant"
        assert (await client.post("/oauth/token", data={"grant_type": "implicit"})).status_code == 400
        as_json = await client.post("/oauth/token", json={"grant_type": "password"})
        assert as_json.status_code == 400

        secret = await make_client(client, fupin_stack, "mca-sync", "民政局", ["registry.read", "funds.read"])
        form = {"grant_type": "client_credentials", "client_id": "mca-sync", "client_secret": secret}
        granted = await client.post("/oauth/token", data={**form, "scope": "registry.read"})
        assert granted.status_code == 200, granted.text
        assert granted.json()["scope"] == "registry.read"
        claims = jwt.decode(granted.json()["access_token"], options={"verify_signature": False})
        assert claims["sub"] == "client:mca-sync" and claims["kind"] == "client"
        assert claims["scope"] == "registry.read" and claims["roles"] == ["viewer"]
        # HTTP Basic client authentication, all scopes by default.
        basic = await client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=("mca-sync", secret)
        )
        assert basic.status_code == 200 and basic.json()["scope"] == "registry.read funds.read"
        too_wide = await client.post("/oauth/token", data={**form, "scope": "funds.write"})
        assert too_wide.status_code == 400 and too_wide.json()["error"] == "invalid_scope"
        # RFC 6749 §3.3: tokens separated by single spaces; a tab or a double space is a malformed scope, and
        # a token asked twice is granted once (QA7 dept-client DC-3: both were granted as asked).
        for malformed in ("registry.read\tfunds.read", "registry.read  funds.read", " registry.read"):
            refused_scope = await client.post("/oauth/token", data={**form, "scope": malformed})
            assert refused_scope.status_code == 400, malformed
            assert refused_scope.json()["error"] == "invalid_scope", malformed
        twice = await client.post(
            "/oauth/token", data={**form, "scope": "funds.read registry.read funds.read"}
        )
        assert twice.status_code == 200 and twice.json()["scope"] == "funds.read registry.read", twice.text
        bad_secret = await client.post("/oauth/token", data={**form, "client_secret": "x" * 20})
        unknown_client = await client.post("/oauth/token", data={**form, "client_id": "nope"})
        assert bad_secret.status_code == unknown_client.status_code == 401
        assert bad_secret.content == unknown_client.content

        # A disabled account is refused, even with the right password.
        disabled = await client.post("/admin/users/wang.county/disable", headers=root(fupin_stack))
        assert disabled.status_code == 200 and disabled.json()["disabled"] is True
        refused = await login(client, "wang.county")
        assert refused.status_code == 400 and oauth_error(refused) == "invalid_grant"
        await client.post("/admin/clients/mca-sync/disable", headers=root(fupin_stack))
        assert (await client.post("/oauth/token", data=form)).status_code == 400

        # Password reset: the old one stops working, the generated one works.
        await client.post("/admin/users/wang.county/enable", headers=root(fupin_stack))
        reset = await client.post("/admin/users/wang.county/password", json={}, headers=root(fupin_stack))
        assert reset.status_code == 200
        assert (await login(client, "wang.county")).status_code == 400
        assert (await login(client, "wang.county", reset.json()["secret"])).status_code == 200


async def test_token_errors_follow_rfc_6749(fupin_stack):
    """RFC 6749 §5.2: every error of the token endpoint is 400 with its code, except invalid_client (401,
    with a Basic challenge when the client authenticated with HTTP Basic); JSON, never cached."""
    async with gateway(fupin_stack) as (app, client):
        assert (await make_user(client, root(fupin_stack), "rfc.user", VILLAGE, "village")).status_code == 201
        secret = await make_client(client, fupin_stack, "rfc-client", "民政局", ["registry.read"])

        def expect(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
            assert response.status_code == status, response.text
            assert oauth_error(response) == error
            body: dict[str, Any] = response.json()
            return body

        wrong = expect(await login(client, "rfc.user", "not the password"), 400, "invalid_grant")
        assert wrong["error_uri"].endswith("/invalid-credentials")
        assert "www-authenticate" not in (await login(client, "rfc.user", "not the password")).headers
        expect(
            await client.post("/oauth/token", data={"grant_type": "implicit"}), 400, "unsupported_grant_type"
        )
        expect(await client.post("/oauth/token", data={"username": "rfc.user"}), 400, "invalid_request")
        expect(await client.post("/oauth/token", json={"grant_type": "password"}), 400, "invalid_request")
        for nul in (
            {"username": "rfc\x00user", "password": "x"},
            {"client_id": "a\x00b", "client_secret": "x"},
        ):
            grant = "password" if "username" in nul else "client_credentials"
            expect(
                await client.post("/oauth/token", data={"grant_type": grant, **nul}), 400, "invalid_request"
            )
        form = {"grant_type": "client_credentials", "client_id": "rfc-client", "client_secret": secret}
        expect(await client.post("/oauth/token", data={**form, "scope": "funds.read"}), 400, "invalid_scope")

        # A client's wrong secret is invalid_client: 401, with a challenge only after HTTP Basic.
        in_form = await client.post("/oauth/token", data={**form, "client_secret": "x" * 20})
        expect(in_form, 401, "invalid_client")
        assert "www-authenticate" not in in_form.headers
        basic = await client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=("rfc-client", "x" * 20)
        )
        expect(basic, 401, "invalid_client")
        assert basic.headers["www-authenticate"].startswith("Basic")
        malformed = await client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": "Basic !!"}
        )
        expect(malformed, 401, "invalid_client")

        # A disabled account (person or client) is invalid_grant, after its secret was proven.
        await client.post("/admin/users/rfc.user/disable", headers=root(fupin_stack))
        disabled = expect(await login(client, "rfc.user"), 400, "invalid_grant")
        assert disabled["error_uri"].endswith("/account-disabled")
        assert disabled["error_description"] == "The account is disabled"
        await client.post("/admin/clients/rfc-client/disable", headers=root(fupin_stack))
        expect(await client.post("/oauth/token", data=form), 400, "invalid_grant")

        # The document says so: 400 and 401 carry the RFC 6749 error body.
        operation = app.openapi()["paths"]["/oauth/token"]["post"]
        for status in ("400", "401"):
            content = operation["responses"][status]["content"]
            assert list(content) == ["application/json"], content


async def test_a_token_request_gives_each_parameter_once_and_one_client_authentication(fupin_stack):
    """QA5 feeds-admin #4, RFC 6749 §3.2 and §2.3: a parameter given twice, or client credentials in both
    the Basic header and the body, is invalid_request; the last value (or the header) no longer wins."""
    async with gateway(fupin_stack) as (_, client):
        assert (
            await make_user(client, root(fupin_stack), "once.user", VILLAGE, "village")
        ).status_code == 201
        secret = await make_client(client, fupin_stack, "once-client", "民政局", ["registry.read"])
        form_type = {"Content-Type": "application/x-www-form-urlencoded"}

        async def refused(body: str, **kwargs: Any) -> str:
            response = await client.post("/oauth/token", content=body, headers=form_type, **kwargs)
            assert response.status_code == 400, response.text
            assert oauth_error(response) == "invalid_request"
            return str(response.json()["error_description"])

        password = PASSWORD.replace(" ", "+")
        assert "username" in await refused(
            f"grant_type=password&username=nobody&username=once.user&password=x&password={password}"
        )
        assert "grant_type" in await refused(
            f"grant_type=client_credentials&grant_type=password&username=once.user&password={password}"
        )
        assert "client_id" in await refused(
            f"grant_type=client_credentials&client_id=nope&client_id=once-client&client_secret={secret}"
        )
        # An unknown parameter twice as well; its name is the caller's, so it is not echoed.
        assert "a parameter" in await refused(
            f"grant_type=password&username=once.user&password={password}&x=1&x=2"
        )
        # Basic and the body at once: neither wins.
        for extra in (
            "&client_id=other&client_secret=whatever",
            "&client_id=once-client",
            "&client_secret=x",
        ):
            assert "both" in await refused(
                f"grant_type=client_credentials{extra}", auth=("once-client", secret)
            )

        # Each way alone still works.
        assert (await login(client, "once.user")).status_code == 200
        form = {"grant_type": "client_credentials", "client_id": "once-client", "client_secret": secret}
        assert (await client.post("/oauth/token", data=form)).status_code == 200
        basic = await client.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=("once-client", secret)
        )
        assert basic.status_code == 200


async def test_disabled_users_existing_token_is_refused_at_the_gateway(fupin_stack):
    async with (
        upstream(fupin_stack) as service_url,
        gateway(fupin_stack, upstreams={"sample": service_url}, blocklist_refresh_s=0.2) as (app, client),
    ):
        assert (
            await make_user(client, root(fupin_stack), "li.village", VILLAGE, "village")
        ).status_code == 201
        token = (await login(client, "li.village")).json()["access_token"]
        routed = await client.get("/api/v1/sample/whoami", headers=bearer(token))
        assert routed.status_code == 200 and routed.json()["subject"] == "user:li.village"

        assert (
            await client.post("/admin/users/li.village/disable", headers=root(fupin_stack))
        ).status_code == 200
        refused = await client.get("/api/v1/sample/whoami", headers=bearer(token))
        assert refused.status_code == 401
        assert refused.json()["detail"] == "the account is disabled"
        # Still refused after the periodic reload from the database (what other gateway processes see).
        await app.state.blocklist.reload()
        assert (await client.get("/api/v1/sample/whoami", headers=bearer(token))).status_code == 401
        # Services called directly learn it from the published digests (below, and end to end in
        # tests/security/test_tokens.py); this upstream polls the test stack's empty file instead.

        # Enabled again: the account signs in again, but the disable ended the token it had then.
        await client.post("/admin/users/li.village/enable", headers=root(fupin_stack))
        assert (await client.get("/api/v1/sample/whoami", headers=bearer(token))).status_code == 401
        await app.state.blocklist.reload()
        assert (await client.get("/api/v1/sample/whoami", headers=bearer(token))).status_code == 401
        fresh = (await login(client, "li.village")).json()["access_token"]
        assert (await client.get("/api/v1/sample/whoami", headers=bearer(fresh))).status_code == 200


async def test_evaluator_tokens_never_outlive_the_access_window(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        now = datetime.now(UTC)
        until = now + timedelta(seconds=30)
        created = await make_evaluator(
            client, root(fupin_stack), "zhao.eval", "赵评估", now - timedelta(hours=1), until
        )
        assert created.status_code == 201, created.text
        issued = await login(client, "zhao.eval")
        assert issued.status_code == 200, issued.text
        assert 0 < issued.json()["expires_in"] <= 30
        claims = jwt.decode(issued.json()["access_token"], options={"verify_signature": False})
        assert claims["kind"] == "evaluator" and claims["sub"] == "evaluator:zhao.eval"
        assert claims["roles"] == ["evaluator"]
        # Verifiers accept a token for their leeway past exp (QA10 NEW-1): it ends that much earlier.
        leeway = app.state.settings.jwt_leeway_s
        assert leeway > 0 and claims["exp"] + leeway <= until.timestamp()
        # In the window's last seconds (less than the leeway left) no token is issued.
        closing = await make_evaluator(
            client,
            root(fupin_stack),
            "sun.eval",
            "孙评估",
            now - timedelta(hours=1),
            now + timedelta(seconds=3),
        )
        assert closing.status_code == 201, closing.text
        late = await login(client, "sun.eval")
        assert late.status_code == 400 and late.json()["error_uri"].endswith("/access-window-closed"), (
            late.text
        )

        # A window not yet open: refused.
        later = await make_evaluator(
            client, root(fupin_stack), "qian.eval", "赵评估", now + timedelta(days=1), now + timedelta(days=2)
        )
        assert later.status_code == 201
        not_open = await login(client, "qian.eval")
        assert not_open.status_code == 400 and oauth_error(not_open) == "invalid_grant"
        assert not_open.json()["error_uri"].endswith("/access-window-closed")

        # Closing the window ends the already-issued token at the gateway at once.
        token = issued.json()["access_token"]
        assert (await client.get("/whoami", headers=bearer(token))).status_code == 200
        closed = {"valid_from": (now - timedelta(hours=1)).isoformat(), "valid_until": now.isoformat()}
        changed = await client.put(
            "/admin/evaluators/zhao.eval/window", json=closed, headers=root(fupin_stack)
        )
        assert changed.status_code == 200, changed.text
        ended = await client.get("/whoami", headers=bearer(token))
        # Not "the account is disabled" (it is not): the list that refuses it holds both cases.
        assert ended.status_code == 401 and "access window has ended" in ended.json()["detail"], ended.text
        assert (await login(client, "zhao.eval")).status_code == 400
        await app.state.blocklist.reload()
        assert "evaluator:zhao.eval" in app.state.blocklist
        # An evaluator may never administer.
        admin_evaluator = await make_evaluator(
            client,
            root(fupin_stack),
            "sun.eval",
            "赵评估",
            now - timedelta(hours=1),
            until,
            roles=["evaluator", "admin"],
        )
        assert admin_evaluator.status_code == 422
        # Nor write households or decide cases: an evaluator reads and samples.
        for roles in (["evaluator", "officer"], ["cadre"], ["superuser"], ["viewer", "viewer"]):
            refused = await make_evaluator(
                client, root(fupin_stack), "li.eval", "李评估", now - timedelta(hours=1), until, roles=roles
            )
            assert refused.status_code == 422, roles
        # A window whose ends cannot be held in UTC is the caller's error, not a 500.
        for edge in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"):
            window = {"valid_from": now.isoformat(), "valid_until": edge}
            far = await client.put(
                "/admin/evaluators/zhao.eval/window", json=window, headers=root(fupin_stack)
            )
            assert far.status_code == 422 and far.headers["content-type"] == "application/problem+json"
        # Time-boxed: never open-ended (the default bound is about three years).
        too_long = (
            {"valid_from": "0001-01-02T00:00:00Z", "valid_until": "9999-12-30T00:00:00Z"},
            {"valid_from": now.isoformat(), "valid_until": (now + timedelta(days=1097)).isoformat()},
        )
        for window in too_long:
            endless = await client.put(
                "/admin/evaluators/zhao.eval/window", json=window, headers=root(fupin_stack)
            )
            assert endless.status_code == 422 and "FUPIN_EVALUATOR_WINDOW_MAX_DAYS" in endless.text
        # Enabling an evaluator whose window has closed gives its tokens nothing back.
        enabled = await client.post("/admin/evaluators/zhao.eval/enable", headers=root(fupin_stack))
        assert enabled.status_code == 200
        assert (await client.get("/whoami", headers=bearer(token))).status_code == 401
        assert "evaluator:zhao.eval" in app.state.blocklist


async def test_roles_are_from_the_known_set(fupin_stack):
    async with gateway(fupin_stack) as (_, client):
        for roles in (["superuser"], ["cadre", "cadre"], ["Cadre"]):
            made = await make_user(client, root(fupin_stack), "bad.roles", VILLAGE, "village", roles)
            assert made.status_code == 422, roles
        made = await make_user(client, root(fupin_stack), "ok.roles", VILLAGE, "village", ["cadre", "leader"])
        assert made.status_code == 201, made.text
        changed = await client.put(
            "/admin/users/ok.roles/roles", json={"roles": ["root"]}, headers=root(fupin_stack)
        )
        assert changed.status_code == 422 and "unknown role" in changed.json()["detail"]


async def test_a_window_moved_into_the_past_keeps_old_tokens_refused_after_reloads(fupin_stack):
    """G2: an admin moves an evaluator's window years into the past. The token issued minutes before stays
    refused, by the gateway and in the published digests, across the periodic reloads from the database
    (the window's end is long gone, but the change is recent) until it could have expired."""
    async with (
        upstream(fupin_stack) as service_url,
        gateway(fupin_stack, upstreams={"sample": service_url}, blocklist_refresh_s=0.2) as (app, client),
    ):
        now = datetime.now(UTC)
        assert (
            await make_evaluator(
                client,
                root(fupin_stack),
                "he.eval",
                "何评估",
                now - timedelta(hours=1),
                now + timedelta(days=1),
            )
        ).status_code == 201
        token = (await login(client, "he.eval")).json()["access_token"]
        assert (await client.get("/api/v1/sample/whoami", headers=bearer(token))).status_code == 200

        past = {"valid_from": "2020-01-01T00:00:00Z", "valid_until": "2021-01-01T00:00:00Z"}
        moved = await client.put("/admin/evaluators/he.eval/window", json=past, headers=root(fupin_stack))
        assert moved.status_code == 200, moved.text
        assert (await client.get("/api/v1/sample/whoami", headers=bearer(token))).status_code == 401
        # Several periodic reloads (every 0.2 s here) run from the database meanwhile.
        generation = app.state.blocklist._generation
        await asyncio.sleep(1.0)
        await app.state.blocklist.reload()
        assert "evaluator:he.eval" in app.state.blocklist
        assert app.state.blocklist._generation == generation  # never dropped, even for a moment
        assert (await client.get("/api/v1/sample/whoami", headers=bearer(token))).status_code == 401
        published = parse_document((await client.get(REVOKED_SUBJECTS_PATH)).json())
        assert _digest(fupin_stack, "evaluator:he.eval") in published

        # A window that holds again lets the evaluator sign in again; the token the closing ended stays
        # ended (and the reloads agree).
        reopened = {
            "valid_from": (now - timedelta(hours=1)).isoformat(),
            "valid_until": (now + timedelta(days=1)).isoformat(),
        }
        assert (
            await client.put("/admin/evaluators/he.eval/window", json=reopened, headers=root(fupin_stack))
        ).status_code == 200
        assert (await client.get("/api/v1/sample/whoami", headers=bearer(token))).status_code == 401
        await app.state.blocklist.reload()
        assert "evaluator:he.eval" not in app.state.blocklist
        assert (await client.get("/api/v1/sample/whoami", headers=bearer(token))).status_code == 401
        fresh = (await login(client, "he.eval")).json()["access_token"]
        assert (await client.get("/api/v1/sample/whoami", headers=bearer(fresh))).status_code == 200

        # A window not yet open is no window either: refused, and kept so across reloads.
        future = {
            "valid_from": (now + timedelta(days=1)).isoformat(),
            "valid_until": (now + timedelta(days=2)).isoformat(),
        }
        assert (
            await client.put("/admin/evaluators/he.eval/window", json=future, headers=root(fupin_stack))
        ).status_code == 200
        await app.state.blocklist.reload()
        assert (await client.get("/api/v1/sample/whoami", headers=bearer(token))).status_code == 401


async def test_admins_are_confined_to_their_jurisdiction_and_tier(fupin_stack):
    async with gateway(fupin_stack) as (_, client):
        county_admin = bearer(fupin_stack.token("county", COUNTY, ["admin"], subject="user:county.admin"))
        cadre = bearer(fupin_stack.token("county", COUNTY, ["officer"], subject="user:officer"))

        assert (await make_user(client, county_admin, "in.county", VILLAGE, "village")).status_code == 201
        assert (await make_user(client, county_admin, "peer.county", COUNTY, "county")).status_code == 201
        outside = await make_user(client, county_admin, "out.county", OTHER_VILLAGE, "village")
        assert outside.status_code == 404
        above = await make_user(client, county_admin, "prov.officer", "520000000000", "province")
        assert above.status_code == 403
        mismatch = await make_user(client, county_admin, "odd.tier", VILLAGE, "county")
        assert mismatch.status_code == 422
        assert (await make_user(client, cadre, "by.cadre", VILLAGE, "village")).status_code == 403
        assert (await make_user(client, county_admin, "in.county", VILLAGE, "village")).status_code == 409

        # An account in another county, made by the nation: invisible to the county admin.
        assert (
            await make_user(client, root(fupin_stack), "elsewhere", OTHER_VILLAGE, "village")
        ).status_code == 201
        listed = await client.get("/admin/users", headers=county_admin)
        assert sorted(user["username"] for user in listed.json()["items"]) == ["in.county", "peer.county"]
        assert (await client.get("/admin/users/elsewhere", headers=county_admin)).status_code == 404
        assert (await client.post("/admin/users/elsewhere/disable", headers=county_admin)).status_code == 404
        roles = await client.put(
            "/admin/users/elsewhere/roles", json={"roles": ["admin"]}, headers=county_admin
        )
        assert roles.status_code == 404
        assert (await client.get("/admin/users/elsewhere", headers=root(fupin_stack))).json()[
            "disabled"
        ] is False

        changed = await client.put(
            "/admin/users/in.county/roles", json={"roles": ["cadre", "admin"]}, headers=county_admin
        )
        assert changed.status_code == 200 and changed.json()["roles"] == ["cadre", "admin"]
        # An admin does not change its own roles (it would give itself officer powers alone).
        peer_admin = bearer(fupin_stack.token("county", COUNTY, ["admin"], subject="user:peer.county"))
        own = await client.put(
            "/admin/users/peer.county/roles", json={"roles": ["admin", "officer"]}, headers=peer_admin
        )
        assert own.status_code == 403 and "another admin" in own.json()["detail"]
        assert (await client.get("/admin/users/peer.county", headers=root(fupin_stack))).json()["roles"] != [
            "admin",
            "officer",
        ]
        everything = await client.get("/admin/users", params={"limit": 2}, headers=root(fupin_stack))
        assert everything.json()["next_after"] == "in.county"
        rest = await client.get("/admin/users", params={"after": "in.county"}, headers=root(fupin_stack))
        assert [user["username"] for user in rest.json()["items"]] == ["peer.county"]

        client_body = {
            "client_id": "other-dept",
            "department": "x",
            "tier": "county",
            "division": OTHER_COUNTY,
        }
        assert (
            await client.post("/admin/clients", json=client_body, headers=county_admin)
        ).status_code == 404
        assert (await client.post("/admin/keys/rotate", headers=county_admin)).status_code == 403
        assert (await client.get("/admin/audit/verify", headers=county_admin)).status_code == 403


async def test_admins_of_a_division_are_made_by_a_higher_tier(fupin_stack):
    """QA5 feeds-admin #1: a county admin that could make a second county admin (with a password of its
    choosing) had that account give it the officer and leader roles it may not give itself."""
    async with gateway(fupin_stack) as (_, client):
        province_admin = bearer(
            fupin_stack.token("province", "520000000000", ["admin"], subject="user:p.admin")
        )
        made = await make_user(client, province_admin, "lu.county", COUNTY, "county", ["admin"])
        assert made.status_code == 201, made.text
        county_admin = bearer((await login(client, "lu.county")).json()["access_token"])

        # A second admin of its own division, or the role given there later: refused, nothing created.
        second = await make_user(client, county_admin, "lu.puppet", COUNTY, "county", ["admin"])
        assert second.status_code == 403 and "higher tier" in second.json()["detail"], second.text
        assert (await login(client, "lu.puppet")).status_code == 400
        assert (
            await make_user(client, county_admin, "lu.officer", COUNTY, "county", ["officer"])
        ).status_code == 201
        promoted = await client.put(
            "/admin/users/lu.officer/roles", json={"roles": ["officer", "admin"]}, headers=county_admin
        )
        assert promoted.status_code == 403 and "higher tier" in promoted.json()["detail"]
        # Nor does it take over a fellow county admin (made above it) by resetting its password.
        assert (
            await make_user(client, province_admin, "lu.peer", COUNTY, "county", ["admin"])
        ).status_code == 201
        taken = await client.post("/admin/users/lu.peer/password", json={}, headers=county_admin)
        assert taken.status_code == 403 and "higher tier" in taken.json()["detail"]
        assert (await login(client, "lu.peer")).status_code == 200
        # So the loop of the report is closed: the peer it cannot control does not raise it either way.
        roles = (await client.get("/admin/users/lu.officer", headers=province_admin)).json()["roles"]
        assert roles == ["officer"]

        # Below its own tier it still makes admins, and the tier above makes its own: the hierarchy works.
        village_admin = await make_user(client, county_admin, "lu.village", VILLAGE, "village", ["admin"])
        assert village_admin.status_code == 201
        assert (
            await client.put(
                "/admin/users/lu.officer/roles", json={"roles": ["admin"]}, headers=province_admin
            )
        ).status_code == 200
        assert (
            await client.post("/admin/users/lu.peer/password", json={}, headers=province_admin)
        ).status_code == 200
        # An admin still resets its own password, giving the current one (QA10 ADM-3), and the nation's
        # admins (the top) make the nation's.
        assert (
            await client.post(
                "/admin/users/lu.county/password", json={"current_password": PASSWORD}, headers=county_admin
            )
        ).status_code == 200
        nation = await make_user(client, root(fupin_stack), "lu.nation", NATION, "nation", ["admin"])
        assert nation.status_code == 201


def _key(stack: Stack) -> bytes:
    """The revocation key every process of the stack derives from its shared PII key."""
    return stack.settings("test").revocation_key()


def _digest(stack: Stack, subject: str) -> str:
    """What the gateway publishes for a subject, as services look it up."""
    return subject_digest(subject, _key(stack))


async def test_disabled_subjects_are_published_as_digests(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        empty = await client.get(REVOKED_SUBJECTS_PATH)
        assert empty.status_code == 200, empty.text
        assert empty.headers["cache-control"] == "max-age=1"
        assert parse_document(empty.json()) == frozenset()
        etag = empty.headers["etag"]
        unchanged = await client.get(REVOKED_SUBJECTS_PATH, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.content == b""

        created = await make_user(client, root(fupin_stack), "zhou.county", COUNTY, "county")
        assert created.status_code == 201, created.text
        disabled = await client.post("/admin/users/zhou.county/disable", headers=root(fupin_stack))
        assert disabled.status_code == 200
        listed = await client.get(REVOKED_SUBJECTS_PATH, headers={"If-None-Match": etag})
        assert listed.status_code == 200 and listed.headers["etag"] != etag
        assert parse_document(listed.json()) == {_digest(fupin_stack, "user:zhou.county")}
        assert "zhou" not in listed.text
        # Keyed: whoever guesses the account name cannot find its plain hash in this public document.
        assert hashlib.sha256(b"user:zhou.county").hexdigest() not in listed.text
        assert listed.json()["algorithm"] == "hmac-sha256"
        assert listed.json()["generation"] > empty.json()["generation"]
        # The same after a reload from the database (what another gateway process would publish).
        await app.state.blocklist.reload()
        again = await client.get(REVOKED_SUBJECTS_PATH, headers={"If-None-Match": listed.headers["etag"]})
        assert again.status_code == 304

        # Enabled again, it stays listed with the disable's not-before until its last earlier token has
        # expired: those tokens stay ended (test_a_subject_is_listed_until_its_last_token_has_expired).
        await client.post("/admin/users/zhou.county/enable", headers=root(fupin_stack))
        cleared = parse_revocations((await client.get(REVOKED_SUBJECTS_PATH)).json())
        assert (
            cleared.subjects == frozenset() and _digest(fupin_stack, "user:zhou.county") in cleared.not_before
        )

        operation = app.openapi()["paths"][REVOKED_SUBJECTS_PATH]["get"]
        assert operation[SCOPE_KEY]["kind"] == "public"


async def test_a_subject_is_listed_until_its_last_token_has_expired(fupin_stack):
    """The revoked list forgets a subject once every token it could hold has expired (token lifetime +
    leeway + margin after the disable or the end of the access window), so it does not grow for ever."""
    async with gateway(fupin_stack, token_lifetime_s=60, jwt_leeway_s=0) as (app, client):
        # A token of this gateway's lifetime: it refuses longer ones (fupin_kit.auth.tokens).
        admin = bearer(fupin_stack.token("nation", NATION, ["admin"], subject="user:root", lifetime_s=60))
        window_s = app.state.blocklist.window_s
        assert window_s == 60 + 0 + 120
        for username in ("old.disabled", "new.disabled"):
            assert (await make_user(client, admin, username, COUNTY, "county")).status_code == 201
            disabled = await client.post(f"/admin/users/{username}/disable", headers=admin)
            assert disabled.status_code == 200 and disabled.json()["disabled_at"] is not None
        now = datetime.now(UTC)
        assert (
            await make_evaluator(
                client,
                admin,
                "wu.eval",
                "吴评估",
                now - timedelta(days=2),
                now + timedelta(days=1),
            )
        ).status_code == 201
        long_closed = {
            "valid_from": (now - timedelta(days=2)).isoformat(),
            "valid_until": (now - timedelta(seconds=window_s + 60)).isoformat(),
        }
        changed = await client.put("/admin/evaluators/wu.eval/window", json=long_closed, headers=admin)
        assert changed.status_code == 200, changed.text
        # Just changed: tokens issued before the change may still be alive, however old the new end is.
        await app.state.blocklist.reload()
        assert "evaluator:wu.eval" in app.state.blocklist
        # One disable, and the window change, are older than any token the account could still hold.
        async with app.state.sessionmaker() as session:
            await session.execute(
                text(
                    "UPDATE people SET disabled_at = now() - make_interval(secs => :age) WHERE username = :name"
                ),
                {"age": window_s + 1, "name": "old.disabled"},
            )
            await session.execute(
                text(
                    "UPDATE evaluators SET window_changed_at = now() - make_interval(secs => :age)"
                    " WHERE username = 'wu.eval'"
                ),
                {"age": window_s + 1},
            )
            await session.commit()

        await app.state.blocklist.reload()
        assert "user:new.disabled" in app.state.blocklist
        assert "user:old.disabled" not in app.state.blocklist
        assert "evaluator:wu.eval" not in app.state.blocklist
        published = await client.get(REVOKED_SUBJECTS_PATH)
        assert parse_document(published.json()) == {_digest(fupin_stack, "user:new.disabled")}
        # Still disabled all the same: no new token.
        assert (await login(client, "old.disabled")).status_code == 400

        enabled = await client.post("/admin/users/new.disabled/enable", headers=admin)
        assert enabled.status_code == 200 and enabled.json()["disabled_at"] is None


# --- G8: a password or secret reset, or a change of roles or scopes, ends the tokens issued before it ---


async def _past_issue(token: str) -> None:
    """Wait until the clock is past the token's `iat` millisecond: a token issued in the very millisecond
    of a change is (by design) not refused. A millisecond, not a second: a reset right after a sign-in
    must end the token it issued."""
    iat = jwt.decode(token, options={"verify_signature": False})["iat"]
    while time.time() < iat + 0.002:
        await asyncio.sleep(0.001)


async def _not_before_in_database(app: FastAPI, table: str, key: str, name: str) -> float:
    async with app.state.sessionmaker() as session:
        at = await session.scalar(
            text(f"SELECT tokens_valid_after FROM {table} WHERE {key} = :name"),
            {"name": name},
        )
    assert at is not None
    return floor_ms_seconds(at)


@contextlib.asynccontextmanager
async def direct_service(stack, published: Path) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The kit's sample service, called directly (not through the gateway), polling a file that holds
    what the gateway publishes at REVOKED_SUBJECTS_PATH."""
    database = await stack.fresh_database("fupin_kit.sample", "sample_producer")
    service = create_service_app(
        ServiceSpec(name="sample_producer", title="s", description="s", routers=[sample.router]),
        stack.settings("sample_producer", database, role="api", revoked_subjects_source=str(published)),
    )
    async with service.router.lifespan_context(service):
        transport = httpx.ASGITransport(app=service)
        async with httpx.AsyncClient(transport=transport, base_url="http://sample") as client:
            yield service, client


async def _publish_to(service: FastAPI, gateway_client: httpx.AsyncClient, path: Path) -> None:
    """Hand the gateway's published document to the directly called service and let it poll once."""
    document = await gateway_client.get(REVOKED_SUBJECTS_PATH)
    assert document.status_code == 200
    _write(path, document.content)
    revoked: RevokedSubjects = service.state.revoked_subjects
    assert await revoked.refresh()


def _write(path: Path, content: bytes) -> None:
    path.write_bytes(content)


async def test_a_password_reset_ends_the_tokens_issued_before_it(fupin_stack, tmp_path):
    published = tmp_path / "revoked.json"
    _write(published, render_document([], 0, datetime.now(UTC), key=_key(fupin_stack)))
    async with (
        upstream(fupin_stack) as service_url,
        gateway(fupin_stack, upstreams={"sample": service_url}, blocklist_refresh_s=0.2) as (app, client),
        direct_service(fupin_stack, published) as (service_app, service),
    ):
        assert (
            await make_user(client, root(fupin_stack), "ma.village", VILLAGE, "village")
        ).status_code == 201
        old = (await login(client, "ma.village")).json()["access_token"]
        assert (await client.get("/api/v1/sample/whoami", headers=bearer(old))).status_code == 200
        # Verified (and cached) by the service before the reset.
        assert (await service.get("/whoami", headers=bearer(old))).status_code == 200
        etag = (await client.get(REVOKED_SUBJECTS_PATH)).headers["etag"]

        await _past_issue(old)
        reset = await client.post("/admin/users/ma.village/password", json={}, headers=root(fupin_stack))
        assert reset.status_code == 200, reset.text
        refused = await client.get("/api/v1/sample/whoami", headers=bearer(old))
        assert refused.status_code == 401 and refused.json()["detail"] == "token revoked"
        assert (await client.get("/whoami", headers=bearer(old))).status_code == 401
        # Still refused after the periodic reload from the database (what other gateway processes see).
        await app.state.blocklist.reload()
        assert "user:ma.village" not in app.state.blocklist  # not disabled: only its earlier tokens end
        assert (await client.get("/api/v1/sample/whoami", headers=bearer(old))).status_code == 401

        # A token obtained with the new password works at once.
        new = (await login(client, "ma.village", reset.json()["secret"])).json()["access_token"]
        routed = await client.get("/api/v1/sample/whoami", headers=bearer(new))
        assert routed.status_code == 200 and routed.json()["subject"] == "user:ma.village"

        # Published: the subject's digest with the reset time to the millisecond; the ETag changed.
        document = await client.get(REVOKED_SUBJECTS_PATH)
        assert document.headers["etag"] != etag
        parsed = parse_revocations(document.json())
        assert parsed.subjects == frozenset()
        seconds = await _not_before_in_database(app, "people", "username", "ma.village")
        assert parsed.not_before == {_digest(fupin_stack, "user:ma.village"): seconds}
        assert "ma.village" not in document.text
        again = await client.get(REVOKED_SUBJECTS_PATH, headers={"If-None-Match": document.headers["etag"]})
        assert again.status_code == 304

        # A service called directly refuses the old token (a cache hit) and accepts the new one.
        await _publish_to(service_app, client, published)
        direct = await service.get("/whoami", headers=bearer(old))
        assert direct.status_code == 401 and direct.json()["detail"] == "token revoked"
        assert (await service.get("/whoami", headers=bearer(new))).status_code == 200


async def test_an_evaluator_password_reset_ends_its_earlier_tokens(fupin_stack):
    async with gateway(fupin_stack) as (app, client):
        now = datetime.now(UTC)
        assert (
            await make_evaluator(
                client,
                root(fupin_stack),
                "xu.eval",
                "徐评估",
                now - timedelta(hours=1),
                now + timedelta(days=1),
            )
        ).status_code == 201
        old = (await login(client, "xu.eval")).json()["access_token"]
        await _past_issue(old)
        reset = await client.post("/admin/evaluators/xu.eval/password", json={}, headers=root(fupin_stack))
        assert reset.status_code == 200, reset.text
        assert (await client.get("/whoami", headers=bearer(old))).status_code == 401
        await app.state.blocklist.reload()
        assert (await client.get("/whoami", headers=bearer(old))).status_code == 401
        new = (await login(client, "xu.eval", reset.json()["secret"])).json()["access_token"]
        assert (await client.get("/whoami", headers=bearer(new))).status_code == 200


async def test_a_client_secret_rotation_and_a_scope_change_end_earlier_tokens(fupin_stack, tmp_path):
    published = tmp_path / "revoked.json"
    _write(published, render_document([], 0, datetime.now(UTC), key=_key(fupin_stack)))
    async with (
        gateway(fupin_stack) as (app, client),
        direct_service(fupin_stack, published) as (service_app, service),
    ):
        secret = await make_client(
            client, fupin_stack, "hrss-sync", "人社局", ["funds.read", "registry.read"]
        )

        async def token(secret: str) -> str:
            form = {"grant_type": "client_credentials", "client_id": "hrss-sync", "client_secret": secret}
            issued = await client.post("/oauth/token", data=form)
            assert issued.status_code == 200, issued.text
            return str(issued.json()["access_token"])

        old = await token(secret)
        assert (await client.get("/whoami", headers=bearer(old))).status_code == 200
        assert (await service.get("/whoami", headers=bearer(old))).status_code == 200

        await _past_issue(old)
        rotated = await client.post("/admin/clients/hrss-sync/secret", headers=root(fupin_stack))
        assert rotated.status_code == 200, rotated.text
        refused = await client.get("/whoami", headers=bearer(old))
        assert refused.status_code == 401 and refused.json()["detail"] == "token revoked"
        await app.state.blocklist.reload()
        assert (await client.get("/whoami", headers=bearer(old))).status_code == 401
        new = await token(rotated.json()["secret"])
        assert (await client.get("/whoami", headers=bearer(new))).status_code == 200
        await _publish_to(service_app, client, published)
        assert (await service.get("/whoami", headers=bearer(old))).status_code == 401
        assert (await service.get("/whoami", headers=bearer(new))).status_code == 200

        # Narrowing the scopes ends the tokens that carry the wider ones.
        await _past_issue(new)
        narrowed = await client.put(
            "/admin/clients/hrss-sync/scopes", json={"scopes": ["registry.read"]}, headers=root(fupin_stack)
        )
        assert narrowed.status_code == 200, narrowed.text
        assert (await client.get("/whoami", headers=bearer(new))).status_code == 401
        await app.state.blocklist.reload()
        assert (await client.get("/whoami", headers=bearer(new))).status_code == 401
        newest = await token(rotated.json()["secret"])
        assert jwt.decode(newest, options={"verify_signature": False})["scope"] == "registry.read"
        assert (await client.get("/whoami", headers=bearer(newest))).status_code == 200
        await _publish_to(service_app, client, published)
        assert (await service.get("/whoami", headers=bearer(new))).status_code == 401
        assert (await service.get("/whoami", headers=bearer(newest))).status_code == 200
        seconds = await _not_before_in_database(app, "clients", "client_id", "hrss-sync")
        assert parse_revocations((await client.get(REVOKED_SUBJECTS_PATH)).json()).not_before == {
            _digest(fupin_stack, "client:hrss-sync"): seconds
        }


async def test_a_removed_admin_role_ends_with_the_change(fupin_stack, tmp_path):
    published = tmp_path / "revoked.json"
    _write(published, render_document([], 0, datetime.now(UTC), key=_key(fupin_stack)))
    async with (
        gateway(fupin_stack) as (app, client),
        direct_service(fupin_stack, published) as (service_app, service),
    ):
        created = await make_user(
            client, root(fupin_stack), "tang.admin", COUNTY, "county", ["officer", "admin"]
        )
        assert created.status_code == 201, created.text
        old = (await login(client, "tang.admin")).json()["access_token"]
        assert (await client.get("/admin/users", headers=bearer(old))).status_code == 200
        assert (await service.get("/whoami", headers=bearer(old))).status_code == 200

        await _past_issue(old)
        changed = await client.put(
            "/admin/users/tang.admin/roles", json={"roles": ["officer"]}, headers=root(fupin_stack)
        )
        assert changed.status_code == 200 and changed.json()["roles"] == ["officer"]
        # The token still saying "admin" administers nothing any more, here or after a reload.
        assert (await client.get("/admin/users", headers=bearer(old))).status_code == 401
        await app.state.blocklist.reload()
        assert (await client.get("/admin/users", headers=bearer(old))).status_code == 401
        new = (await login(client, "tang.admin")).json()["access_token"]
        assert jwt.decode(new, options={"verify_signature": False})["roles"] == ["officer"]
        assert (await client.get("/whoami", headers=bearer(new))).status_code == 200
        assert (await client.get("/admin/users", headers=bearer(new))).status_code == 403

        await _publish_to(service_app, client, published)
        direct = await service.get("/whoami", headers=bearer(old))
        assert direct.status_code == 401 and direct.json()["detail"] == "token revoked"
        me = await service.get("/whoami", headers=bearer(new))
        assert me.status_code == 200 and me.json()["roles"] == ["officer"]

        # Not-before is forgotten once every token issued before it has expired.
        async with app.state.sessionmaker() as session:
            await session.execute(
                text(
                    "UPDATE people SET tokens_valid_after = now() - make_interval(secs => :age)"
                    " WHERE username = 'tang.admin'"
                ),
                {"age": app.state.blocklist.window_s + 1},
            )
            await session.commit()
        await app.state.blocklist.reload()
        assert app.state.blocklist.not_before("user:tang.admin") is None
        assert parse_revocations((await client.get(REVOKED_SUBJECTS_PATH)).json()).not_before == {}


class PausedSignIn:
    """Holds a sign-in at one point (after its secret is verified, or under its share lock) until
    released, so a test can run an admin change in between: the races of identity.service."""

    def __init__(self, monkeypatch: Any, where: str) -> None:
        self.reached = asyncio.Event()
        self.release = asyncio.Event()
        target, name = (passwords, "verify_secret") if where == "verified" else (identity_repository, where)
        real = getattr(target, name)

        async def paused(*args: Any) -> Any:
            result = await real(*args)
            self.reached.set()
            await self.release.wait()
            return result

        monkeypatch.setattr(target, name, paused)


async def test_a_sign_in_overtaken_by_a_password_reset_issues_no_token(fupin_stack, monkeypatch):
    async with gateway(fupin_stack) as (_, client):
        assert (await make_user(client, root(fupin_stack), "he.race", VILLAGE, "village")).status_code == 201
        pause = PausedSignIn(monkeypatch, "verified")
        sign_in = asyncio.create_task(login(client, "he.race"))
        await pause.reached.wait()
        # The old password has been verified; the reset commits before the token is issued.
        reset = await client.post("/admin/users/he.race/password", json={}, headers=root(fupin_stack))
        assert reset.status_code == 200, reset.text
        pause.release.set()
        answer = await sign_in
        assert answer.status_code == 400 and "access_token" not in answer.json()
        assert oauth_error(answer) == "invalid_grant"


async def test_a_sign_in_overtaken_by_a_role_change_carries_the_new_roles(fupin_stack, monkeypatch):
    async with gateway(fupin_stack) as (_, client):
        created = await make_user(
            client, root(fupin_stack), "he.roles", COUNTY, "county", ["officer", "admin"]
        )
        assert created.status_code == 201
        pause = PausedSignIn(monkeypatch, "verified")
        sign_in = asyncio.create_task(login(client, "he.roles"))
        await pause.reached.wait()
        changed = await client.put(
            "/admin/users/he.roles/roles", json={"roles": ["officer"]}, headers=root(fupin_stack)
        )
        assert changed.status_code == 200
        pause.release.set()
        answer = await sign_in
        assert answer.status_code == 200, answer.text
        token = answer.json()["access_token"]
        # Issued from the account as it is after the change, so it is not ended by it either.
        assert jwt.decode(token, options={"verify_signature": False})["roles"] == ["officer"]
        assert (await client.get("/whoami", headers=bearer(token))).status_code == 200
        assert (await client.get("/admin/users", headers=bearer(token))).status_code == 403


async def test_a_reset_waits_for_a_sign_in_under_way_and_then_ends_its_token(fupin_stack, monkeypatch):
    async with gateway(fupin_stack) as (_, client):
        assert (await make_user(client, root(fupin_stack), "he.lock", VILLAGE, "village")).status_code == 201
        pause = PausedSignIn(monkeypatch, "share_locked")
        sign_in = asyncio.create_task(login(client, "he.lock"))
        await pause.reached.wait()
        # The sign-in holds the account share-locked: the reset cannot take its not-before yet.
        reset = asyncio.create_task(
            client.post("/admin/users/he.lock/password", json={}, headers=root(fupin_stack))
        )
        await asyncio.sleep(0.5)
        assert not reset.done()
        pause.release.set()
        answer = await sign_in
        assert answer.status_code == 200, answer.text
        assert (await reset).status_code == 200
        # Issued on the old password before the reset took effect: ended with every earlier token.
        refused = await client.get("/whoami", headers=bearer(answer.json()["access_token"]))
        assert refused.status_code == 401 and refused.json()["detail"] == "token revoked"


async def test_a_client_is_granted_only_scopes_some_route_checks(fupin_stack):
    """A misspelt scope would leave a client that can call nothing: it is refused (422) when granted,
    on creation and on a change, and nothing is stored; every scope a route checks can be granted."""
    async with gateway(fupin_stack) as (_, client):
        body = {
            "client_id": "nhsa-sync",
            "department": "医保局",
            "tier": "county",
            "division": COUNTY,
            "roles": ["department"],
        }
        for scopes in (["registy.read"], ["comparisons:push:lottery_winners"], ["feeds.read", "feeds.read"]):
            refused = await client.post(
                "/admin/clients", json={**body, "scopes": scopes}, headers=root(fupin_stack)
            )
            assert refused.status_code == 422, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
        assert (await client.get("/admin/clients/nhsa-sync", headers=root(fupin_stack))).status_code == 404
        unknown = await client.post(
            "/admin/clients", json={**body, "scopes": ["registy.read"]}, headers=root(fupin_stack)
        )
        assert "registry.read" in unknown.json()["known_scopes"]

        every = [
            "registry.read",
            "identification.write",
            "gateway.read",
            "feeds.read",
            "comparisons:push",
            "comparisons:push:medical_self_paid",
        ]
        created = await client.post(
            "/admin/clients", json={**body, "scopes": every}, headers=root(fupin_stack)
        )
        assert created.status_code == 201, created.text
        changed = await client.put(
            "/admin/clients/nhsa-sync/scopes", json={"scopes": ["funds.raed"]}, headers=root(fupin_stack)
        )
        assert changed.status_code == 422, changed.text
        kept = await client.get("/admin/clients/nhsa-sync", headers=root(fupin_stack))
        assert kept.json()["scopes"] == every


async def test_a_person_and_an_evaluator_created_at_once_cannot_share_a_name(fupin_stack):
    """The name is the password grant's key across both tables: of two concurrent creations of the same
    name one is refused (409), else the evaluator could never sign in."""
    now = datetime.now(UTC)
    async with gateway(fupin_stack) as (_, client):
        for serial in range(6):
            name = f"race.{serial}"
            person, evaluator = await asyncio.gather(
                make_user(client, root(fupin_stack), name, COUNTY, "county"),
                make_evaluator(client, root(fupin_stack), name, "评估员", now, now + timedelta(days=1)),
            )
            assert sorted((person.status_code, evaluator.status_code)) == [201, 409], (
                person.text,
                evaluator.text,
            )


async def test_admin_bodies_refuse_unknown_fields_and_blank_names(fupin_stack):
    async with gateway(fupin_stack) as (_, client):
        assert (await make_user(client, root(fupin_stack), "sun.county", COUNTY, "county")).status_code == 201
        moved = await client.put(
            "/admin/users/sun.county/roles",
            json={"roles": ["viewer"], "division": "520103000000"},
            headers=root(fupin_stack),
        )
        assert moved.status_code == 422, moved.text
        misspelt = await client.post(
            "/admin/users/sun.county/password",
            json={"pasword": "typo in the field"},
            headers=root(fupin_stack),
        )
        assert misspelt.status_code == 422, misspelt.text
        assert (await login(client, "sun.county")).status_code == 200  # the password is unchanged
        body = {"username": "blank.name", "display_name": "   ", "tier": "county", "division": COUNTY}
        blank = await client.post(
            "/admin/users", json={**body, "password": PASSWORD}, headers=root(fupin_stack)
        )
        assert blank.status_code == 422, blank.text

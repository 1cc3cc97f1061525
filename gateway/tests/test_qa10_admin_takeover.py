"""QA10 admin: three ways an admin's power outlived the rule meant to bound it.

- ADM-1: a county admin took the `admin` role off a fellow county admin (a change of roles that grants no
  admin role was not checked against the tier), then reset its password and signed in as it. The roles of
  an admin, like its password, are changed only by an admin of a higher tier.
- ADM-3: an admin reset its own password without the old one, so anyone holding one of its tokens (15
  minutes) kept the account for good. A self-reset now needs the current password.
- ADM-2: an evaluator's open window shortened (still open) left its issued tokens, whose `exp` is the old
  end or the token lifetime, valid past the new end until the next blocklist reload. Such a change now ends
  them at once, and the evaluator signs in again for a token that ends with the new window.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

from fupin_gateway.testing import in_process_gateway as gateway

NATION = "000000000000"
PROVINCE = "520000000000"
COUNTY = "520102000000"
VILLAGE = "520102016001"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "another horse battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def root(stack: Any) -> dict[str, str]:
    return bearer(stack.token("nation", NATION, ["admin"], subject="user:root"))


def province_admin(stack: Any) -> dict[str, str]:
    return bearer(stack.token("province", PROVINCE, ["admin"], subject="user:qa10.province"))


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(
        "/oauth/token", data={"grant_type": "password", "username": username, "password": password}
    )


async def signed_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = await login(client, username, password)
    assert response.status_code == 200, response.text
    return bearer(response.json()["access_token"])


async def make_user(
    client: httpx.AsyncClient, auth: dict[str, str], username: str, division: str, tier: str, roles: list[str]
) -> None:
    body = {
        "username": username,
        "display_name": "王建国",
        "tier": tier,
        "division": division,
        "roles": roles,
        "password": PASSWORD,
    }
    made = await client.post("/admin/users", json=body, headers=auth)
    assert made.status_code == 201, made.text


async def roles_of(client: httpx.AsyncClient, stack: Any, username: str) -> list[str]:
    roles: list[str] = (await client.get(f"/admin/users/{username}", headers=root(stack))).json()["roles"]
    return roles


async def test_a_county_admin_does_not_demote_a_fellow_county_admin_to_take_it_over(fupin_stack):
    async with gateway(fupin_stack) as (_, client):
        above = province_admin(fupin_stack)
        await make_user(client, above, "qa10.actor", COUNTY, "county", ["admin"])
        await make_user(client, above, "qa10.peer", COUNTY, "county", ["admin"])
        county_admin = await signed_in(client, "qa10.actor")

        for roles in (["officer", "leader"], [], ["admin", "officer"]):
            demoted = await client.put(
                "/admin/users/qa10.peer/roles", json={"roles": roles}, headers=county_admin
            )
            assert demoted.status_code == 403, (roles, demoted.text)
            assert "higher tier" in demoted.json()["detail"], demoted.text
        demoted = await client.put(
            "/admin/users/qa10.peer/roles", json={"roles": ["officer"]}, headers=county_admin
        )
        assert demoted.json()["detail"] == (
            "the roles of a county admin are changed by an admin of a higher tier, not by a county admin"
        )
        assert await roles_of(client, fupin_stack, "qa10.peer") == ["admin"]
        # So the reset that followed in the report stays refused, and the peer keeps its sign-in.
        taken = await client.post(
            "/admin/users/qa10.peer/password", json={"password": NEW_PASSWORD}, headers=county_admin
        )
        assert taken.status_code == 403
        assert (await login(client, "qa10.peer")).status_code == 200
        assert (await login(client, "qa10.peer", NEW_PASSWORD)).status_code == 400

        # An admin below its tier it still demotes; the tier above still demotes the peer.
        await make_user(client, county_admin, "qa10.village", VILLAGE, "village", ["admin"])
        below = await client.put(
            "/admin/users/qa10.village/roles", json={"roles": ["cadre"]}, headers=county_admin
        )
        assert below.status_code == 200, below.text
        from_above = await client.put(
            "/admin/users/qa10.peer/roles", json={"roles": ["officer"]}, headers=above
        )
        assert from_above.status_code == 200, from_above.text
        assert await roles_of(client, fupin_stack, "qa10.peer") == ["officer"]


async def test_an_admin_resets_its_own_password_only_with_the_current_one(fupin_stack):
    async with gateway(fupin_stack) as (_, client):
        await make_user(client, province_admin(fupin_stack), "qa10.self", COUNTY, "county", ["admin"])
        own = await signed_in(client, "qa10.self")
        path = "/admin/users/qa10.self/password"

        missing = await client.post(path, json={"password": NEW_PASSWORD}, headers=own)
        assert missing.status_code == 403, missing.text
        assert missing.headers["content-type"] == "application/problem+json"
        assert "current_password" in missing.json()["detail"]
        wrong = await client.post(
            path, json={"password": NEW_PASSWORD, "current_password": "not the password 1"}, headers=own
        )
        assert wrong.status_code == 403 and "current_password" in wrong.json()["detail"], wrong.text
        # Nothing changed: the old password signs in, the new one does not, and the token still works.
        assert (await login(client, "qa10.self", NEW_PASSWORD)).status_code == 400
        assert (await client.get("/admin/users/qa10.self", headers=own)).status_code == 200
        own = await signed_in(client, "qa10.self")

        done = await client.post(
            path, json={"password": NEW_PASSWORD, "current_password": PASSWORD}, headers=own
        )
        assert done.status_code == 200 and done.json() == {"secret": NEW_PASSWORD}, done.text
        assert (await login(client, "qa10.self")).status_code == 400
        own = await signed_in(client, "qa10.self", NEW_PASSWORD)

        # Another account's reset asks for no current password (the tier rules decide it).
        await make_user(client, root(fupin_stack), "qa10.other", VILLAGE, "village", ["cadre"])
        other = await client.post("/admin/users/qa10.other/password", json={}, headers=own)
        assert other.status_code == 200, other.text


async def test_a_shortened_open_window_ends_the_evaluators_earlier_tokens_at_once(fupin_stack):
    async with gateway(fupin_stack) as (_, client):
        now = datetime.now(UTC)
        body = {
            "username": "qa10.eval",
            "display_name": "评估员",
            "organisation": "第三方评估机构",
            "tier": "county",
            "division": COUNTY,
            "password": PASSWORD,
            "valid_from": (now - timedelta(hours=1)).isoformat(),
            "valid_until": (now + timedelta(days=1)).isoformat(),
        }
        assert (
            await client.post("/admin/evaluators", json=body, headers=root(fupin_stack))
        ).status_code == 201
        token = await signed_in(client, "qa10.eval")
        assert (await client.get("/whoami", headers=token)).status_code == 200

        # Lengthened: no issued token can outlive it, nothing ends.
        longer = {"valid_from": body["valid_from"], "valid_until": (now + timedelta(days=2)).isoformat()}
        changed = await client.put(
            "/admin/evaluators/qa10.eval/window", json=longer, headers=root(fupin_stack)
        )
        assert changed.status_code == 200, changed.text
        assert (await client.get("/whoami", headers=token)).status_code == 200

        # Shortened to end before the token does, still open: the token ends now, not after a reload.
        until = now + timedelta(seconds=120)
        shorter = {"valid_from": body["valid_from"], "valid_until": until.isoformat()}
        changed = await client.put(
            "/admin/evaluators/qa10.eval/window", json=shorter, headers=root(fupin_stack)
        )
        assert changed.status_code == 200, changed.text
        ended = await client.get("/whoami", headers=token)
        assert ended.status_code == 401, ended.text
        fresh = await login(client, "qa10.eval")
        assert fresh.status_code == 200, fresh.text
        claims = jwt.decode(fresh.json()["access_token"], options={"verify_signature": False})
        assert claims["exp"] <= until.timestamp()
        assert (await client.get("/whoami", headers=bearer(fresh.json()["access_token"]))).status_code == 200


async def test_wrong_current_passwords_count_towards_the_sign_in_lockout(fupin_stack):
    """A stolen token must not turn the self-reset into a way to guess the password past the lockout."""
    async with gateway(fupin_stack, sign_in_max_failures=3, sign_in_lock_s=60) as (_, client):
        await make_user(client, province_admin(fupin_stack), "qa10.guess", COUNTY, "county", ["admin"])
        own = await signed_in(client, "qa10.guess")
        path = "/admin/users/qa10.guess/password"
        for guess in ("first wrong guess", "second wrong guess", "third wrong guess"):
            wrong = await client.post(
                path, json={"password": NEW_PASSWORD, "current_password": guess}, headers=own
            )
            assert wrong.status_code == 403, wrong.text
        locked = await client.post(
            path, json={"password": NEW_PASSWORD, "current_password": PASSWORD}, headers=own
        )
        assert locked.status_code == 403 and "locked" in locked.json()["detail"], locked.text
        refused = await login(client, "qa10.guess")
        assert refused.status_code == 400 and refused.json()["error_uri"].endswith("/account-locked")

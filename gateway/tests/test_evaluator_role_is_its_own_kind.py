"""QA8 FW-2 and FW-3 at the admin API.

FW-2: a person account was created (and had its roles replaced) with the `evaluator` role next to `officer`;
its token then wrote household files, outside the evaluator's window and read-only rule. The `evaluator`
role belongs to evaluator accounts alone (their own kind, with an access window): a person or a
departmental client asking for it is refused with 422, whatever roles come with it.

FW-3: a password holding a NUL was stored, and the token endpoint refuses a NUL in every parameter, so
the account could never sign in. Control characters are refused wherever a password is set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from fupin_gateway.testing import in_process_gateway as gateway

NATION = "000000000000"
COUNTY = "520102000000"
VILLAGE = "520102016001"
GOOD = "correct horse battery"
EVALUATOR_ONLY = "the evaluator role is held only by an evaluator account"


def root(stack: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token('nation', NATION, ['admin'], subject='user:root')}"}


def person(username: str, roles: list[str], password: str = GOOD) -> dict[str, Any]:
    return {
        "username": username,
        "display_name": "王建国",
        "tier": "county",
        "division": COUNTY,
        "roles": roles,
        "password": password,
    }


def client_body(client_id: str, roles: list[str]) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "department": "南明区民政局",
        "tier": "county",
        "division": COUNTY,
        "scopes": ["comparisons:push"],
        "roles": roles,
    }


def evaluator(username: str, password: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "username": username,
        "display_name": "赵评估",
        "organisation": "第三方评估机构",
        "tier": "county",
        "division": COUNTY,
        "password": password,
        "valid_from": (now - timedelta(hours=1)).isoformat(),
        "valid_until": (now + timedelta(hours=1)).isoformat(),
    }


def refused_as_evaluator_only(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert EVALUATOR_ONLY in response.json()["detail"], response.text


@pytest.mark.parametrize(
    "roles", [["evaluator", "officer"], ["evaluator"], ["viewer", "evaluator"]], ids=lambda r: "+".join(r)
)
async def test_a_person_is_never_created_with_the_evaluator_role(fupin_stack, roles: list[str]) -> None:
    async with gateway(fupin_stack) as (_, client):
        auth = root(fupin_stack)
        refused_as_evaluator_only(
            await client.post("/admin/users", json=person("fw.mix", roles), headers=auth)
        )
        assert (await client.get("/admin/users/fw.mix", headers=auth)).status_code == 404


async def test_a_persons_roles_are_never_changed_to_include_evaluator(fupin_stack) -> None:
    async with gateway(fupin_stack) as (_, client):
        auth = root(fupin_stack)
        created = await client.post("/admin/users", json=person("fw.officer", ["officer"]), headers=auth)
        assert created.status_code == 201, created.text
        changed = await client.put(
            "/admin/users/fw.officer/roles", json={"roles": ["evaluator", "officer"]}, headers=auth
        )
        refused_as_evaluator_only(changed)
        unchanged = await client.get("/admin/users/fw.officer", headers=auth)
        assert unchanged.json()["roles"] == ["officer"]


async def test_a_departmental_client_never_holds_the_evaluator_role(fupin_stack) -> None:
    async with gateway(fupin_stack) as (_, client):
        auth = root(fupin_stack)
        refused_as_evaluator_only(
            await client.post(
                "/admin/clients", json=client_body("dept.mix", ["department", "evaluator"]), headers=auth
            )
        )
        created = await client.post(
            "/admin/clients", json=client_body("dept.ok", ["department"]), headers=auth
        )
        assert created.status_code == 201, created.text
        changed = await client.put(
            "/admin/clients/dept.ok/scopes",
            json={"scopes": ["comparisons:push"], "roles": ["evaluator"]},
            headers=auth,
        )
        refused_as_evaluator_only(changed)


async def test_an_evaluator_account_still_holds_the_evaluator_role(fupin_stack) -> None:
    async with gateway(fupin_stack) as (_, client):
        made = await client.post(
            "/admin/evaluators", json=evaluator("zhao.eval", GOOD), headers=root(fupin_stack)
        )
        assert made.status_code == 201, made.text
        assert made.json()["roles"] == ["evaluator"]


CONTROLS = [
    pytest.param("correct horse\u0000battery", id="nul"),
    pytest.param("correct horse\u0007battery", id="bell"),
    pytest.param("correct horse\u001bbattery", id="escape"),
    pytest.param("correct horse\tbattery", id="tab"),
    pytest.param("correct horse\u007fbattery", id="delete"),
    pytest.param("correct horse\u0085battery", id="c1-next-line"),
]


def password_error(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    messages = [e["msg"] for e in response.json()["errors"] if e["loc"][-1] == "password"]
    assert messages, response.text
    return " ".join(messages)


@pytest.mark.parametrize("bad", CONTROLS)
async def test_a_password_with_a_control_character_is_refused_wherever_one_is_set(
    fupin_stack, bad: str
) -> None:
    async with gateway(fupin_stack) as (_, client):
        auth = root(fupin_stack)
        assert "control character" in password_error(
            await client.post("/admin/users", json=person("fw.nul", ["cadre"], bad), headers=auth)
        )
        assert (await client.get("/admin/users/fw.nul", headers=auth)).status_code == 404
        assert "control character" in password_error(
            await client.post("/admin/evaluators", json=evaluator("fw.nul.eval", bad), headers=auth)
        )
        made = await client.post("/admin/evaluators", json=evaluator("fw.eval", GOOD), headers=auth)
        assert made.status_code == 201, made.text
        evaluator_reset = await client.post(
            "/admin/evaluators/fw.eval/password", json={"password": bad}, headers=auth
        )
        assert "control character" in password_error(evaluator_reset)
        created = await client.post("/admin/users", json=person("fw.reset", ["cadre"]), headers=auth)
        assert created.status_code == 201, created.text
        reset = await client.post("/admin/users/fw.reset/password", json={"password": bad}, headers=auth)
        assert "control character" in password_error(reset)
        # The refused reset changed nothing: the old password still signs in.
        signed_in = await client.post(
            "/oauth/token", data={"grant_type": "password", "username": "fw.reset", "password": GOOD}
        )
        assert signed_in.status_code == 200, signed_in.text

"""The password rule of the admin API (identity/schemas.py `Password`): 12 to 256 characters, at least 8 of
them not whitespace, and no whitespace at either end. A password of spaces only once passed the length check;
here it is refused when an account is created, when an evaluator is created and when a password is reset, and
a passphrase with spaces inside is still accepted (and signs in)."""

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

REFUSED = [
    pytest.param(" " * 12, id="twelve-spaces"),
    pytest.param("\t" * 20, id="tabs-only"),
    pytest.param("a b c d e f g", id="seven-visible"),
    pytest.param(" correct horse battery", id="leading-space"),
    pytest.param("correct horse battery ", id="trailing-space"),
    pytest.param("short pass", id="too-short"),
    pytest.param("aaaaaaaaaaaa", id="one-character-repeated"),
    pytest.param("abababababab", id="two-characters"),
    pytest.param("123456789012", id="digits-only"),
]


def root(stack: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token('nation', NATION, ['admin'], subject='user:root')}"}


def person(username: str, password: str) -> dict[str, Any]:
    return {
        "username": username,
        "display_name": "王建国",
        "tier": "village",
        "division": VILLAGE,
        "roles": ["cadre"],
        "password": password,
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


def password_error(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    messages = [e["msg"] for e in problem["errors"] if e["loc"][-1] == "password"]
    assert messages, problem
    return " ".join(messages)


@pytest.mark.parametrize("bad", REFUSED)
async def test_weak_or_blank_passwords_are_refused_everywhere_a_password_is_set(
    fupin_stack, bad: str
) -> None:
    async with gateway(fupin_stack) as (_, client):
        auth = root(fupin_stack)
        created = await client.post("/admin/users", json=person("blank.user", bad), headers=auth)
        message = password_error(created)
        assert bad not in message  # the password is never echoed back
        assert (await client.get("/admin/users/blank.user", headers=auth)).status_code == 404

        made_evaluator = await client.post(
            "/admin/evaluators", json=evaluator("blank.eval", bad), headers=auth
        )
        password_error(made_evaluator)

        ok = await client.post("/admin/users", json=person("reset.user", GOOD), headers=auth)
        assert ok.status_code == 201, ok.text
        reset = await client.post("/admin/users/reset.user/password", json={"password": bad}, headers=auth)
        password_error(reset)
        # The old password still works: the refused reset changed nothing.
        signed_in = await client.post(
            "/oauth/token", data={"grant_type": "password", "username": "reset.user", "password": GOOD}
        )
        assert signed_in.status_code == 200, signed_in.text


async def test_spaces_only_password_message_and_a_passphrase_is_accepted(fupin_stack) -> None:
    async with gateway(fupin_stack) as (_, client):
        auth = root(fupin_stack)
        refused = await client.post("/admin/users", json=person("space.user", " " * 12), headers=auth)
        assert "at least 8 characters that are not whitespace" in password_error(refused)
        edged = await client.post("/admin/users", json=person("space.user", f" {GOOD} "), headers=auth)
        assert "must not start or end with whitespace" in password_error(edged)

        phrase = "dragon   fruit   tea"  # spaces inside are fine; 14 characters are not whitespace
        created = await client.post("/admin/users", json=person("space.user", phrase), headers=auth)
        assert created.status_code == 201, created.text
        reset = await client.post(
            "/admin/users/space.user/password", json={"password": "another horse battery"}, headers=auth
        )
        assert reset.status_code == 200, reset.text
        signed_in = await client.post(
            "/oauth/token",
            data={"grant_type": "password", "username": "space.user", "password": "another horse battery"},
        )
        assert signed_in.status_code == 200, signed_in.text
        generated = await client.post("/admin/users/space.user/password", json={}, headers=auth)
        assert generated.status_code == 200, generated.text


def test_the_rule_is_stated_in_the_openapi_description() -> None:
    from fupin_gateway.identity.schemas import PersonIn

    description = PersonIn.model_json_schema()["properties"]["password"]["description"]
    assert "12" in description and "8" in description and "whitespace" in description


async def test_a_password_must_not_contain_the_account_name(fupin_stack) -> None:
    async with gateway(fupin_stack) as (_, client):
        auth = root(fupin_stack)
        named = await client.post("/admin/users", json=person("li.ming", "my Li.Ming pass 1"), headers=auth)
        assert "must not contain the account name" in password_error(named)
        named = await client.post(
            "/admin/evaluators", json=evaluator("zhao.eval", "zhao.eval-2024!"), headers=auth
        )
        assert "must not contain the account name" in password_error(named)
        assert (
            await client.post("/admin/users", json=person("li.ming", GOOD), headers=auth)
        ).status_code == 201
        reset = await client.post(
            "/admin/users/li.ming/password", json={"password": "new li.ming password"}, headers=auth
        )
        assert "must not contain the account name" in password_error(reset)

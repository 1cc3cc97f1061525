"""An account's display name (shown in lists, audit trails and the records it signs) says something visible
and holds no control, bidirectional or noncharacter code points: a zero-width space passed as not blank, an
RTL override or an ANSI clear-screen was stored (QA robustness §2). Refused for a person and an evaluator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from fupin_gateway.testing import in_process_gateway as gateway

NATION = "000000000000"
COUNTY = "520102000000"
VILLAGE = "520102016001"
GOOD = "correct horse battery"


def root(stack: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token('nation', NATION, ['admin'], subject='user:root')}"}


def person(username: str, display_name: str) -> dict[str, Any]:
    return {
        "username": username,
        "display_name": display_name,
        "tier": "village",
        "division": VILLAGE,
        "roles": ["cadre"],
        "password": GOOD,
    }


def evaluator(username: str, display_name: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "username": username,
        "display_name": display_name,
        "organisation": "第三方评估机构",
        "tier": "county",
        "division": COUNTY,
        "password": GOOD,
        "valid_from": (now - timedelta(hours=1)).isoformat(),
        "valid_until": (now + timedelta(hours=1)).isoformat(),
    }


def display_name_error(response: httpx.Response) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    messages = [e["msg"] for e in response.json()["errors"] if e["loc"][-1] == "display_name"]
    assert messages, response.text
    return " ".join(messages)


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        pytest.param("\u200b", "other than whitespace", id="zero-width-space"),
        pytest.param("\ufeff \u200d", "other than whitespace", id="bom-and-joiner"),
        pytest.param("\u202e芳王", "U+202E", id="rtl-override"),
        pytest.param("王\u001b[2J芳", "U+001B", id="ansi-clear-screen"),
        pytest.param("王芳\uffff", "U+FFFF", id="noncharacter"),
        pytest.param("王\n芳", "U+000A", id="newline"),
    ],
)
async def test_invisible_or_controlling_display_names_are_refused(fupin_stack, bad: str, says: str) -> None:
    async with gateway(fupin_stack) as (_, client):
        auth = root(fupin_stack)
        refused = await client.post("/admin/users", json=person("odd.name", bad), headers=auth)
        assert says in display_name_error(refused)
        assert (await client.get("/admin/users/odd.name", headers=auth)).status_code == 404
        refused = await client.post("/admin/evaluators", json=evaluator("odd.eval", bad), headers=auth)
        assert says in display_name_error(refused)


async def test_a_plain_display_name_is_stored_without_invisible_edges(fupin_stack) -> None:
    async with gateway(fupin_stack) as (_, client):
        auth = root(fupin_stack)
        created = await client.post("/admin/users", json=person("plain.name", "\ufeff王芳 "), headers=auth)
        assert created.status_code == 201, created.text
        assert created.json()["display_name"] == "王芳"
        created = await client.post("/admin/evaluators", json=evaluator("plain.eval", "赵评估"), headers=auth)
        assert created.status_code == 201, created.text


async def test_an_organisation_or_department_of_invisible_characters_is_refused(fupin_stack) -> None:
    """The same rule for what else an account names: an evaluator's organisation, a client's department."""
    async with gateway(fupin_stack) as (_, client):
        auth = root(fupin_stack)
        refused = await client.post(
            "/admin/evaluators",
            json={**evaluator("org.eval", "王芳"), "organisation": "\u200b"},
            headers=auth,
        )
        assert refused.status_code == 422 and refused.json()["errors"][0]["loc"][-1] == "organisation"
        department = {"client_id": "odd-dept", "department": "\u202e局", "tier": "county", "division": COUNTY}
        refused = await client.post("/admin/clients", json=department, headers=auth)
        assert refused.status_code == 422 and refused.json()["errors"][0]["loc"][-1] == "department"


def field_error(response: httpx.Response, field: str) -> str:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    messages = [e["msg"] for e in response.json()["errors"] if e["loc"][-1] == field]
    assert messages, response.text
    return " ".join(messages)


# A valid resident ID (check digit right) and mobile numbers, in the forms the API masker knows.
RESIDENT_ID = "522633198506156898"
HOLDS_ID_OR_MOBILE = [
    RESIDENT_ID,
    "潘乡干 证522633196001016533",
    "522633 19850615 6898",
    "５２２６３３１９８５０６１５６８９８",
    "韦测试 手机13987651234",
    "139-8765-1234",
    "+8613987651234",
]


@pytest.mark.parametrize("value", HOLDS_ID_OR_MOBILE)
async def test_a_name_holding_an_id_or_mobile_number_is_refused(fupin_stack, value: str) -> None:
    """qa5 security-observability #2: an account named by its holder's resident ID (a common sign-in name)
    became the actor `user:<ID>` shown unmasked to city, province and nation; an ID or mobile written into
    a display name was shown so by the admin API. Refused (422 naming the field) wherever an account is
    named: a person's or evaluator's username, display name and organisation, a client's id and
    department."""
    async with gateway(fupin_stack) as (_, client):
        auth = root(fupin_stack)
        says = "resident ID number or a mobile number"
        refused = await client.post("/admin/users", json=person("plain.name", value), headers=auth)
        assert says in field_error(refused, "display_name")
        refused = await client.post("/admin/evaluators", json=evaluator("plain.eval", value), headers=auth)
        assert says in field_error(refused, "display_name")
        body = {**evaluator("plain.eval", "赵评估"), "organisation": value}
        assert says in field_error(
            await client.post("/admin/evaluators", json=body, headers=auth), "organisation"
        )
        department = {"client_id": "plain-dept", "department": value, "tier": "county", "division": COUNTY}
        refused = await client.post("/admin/clients", json=department, headers=auth)
        assert says in field_error(refused, "department")
        # A username allows digits, dots and hyphens only: the forms that fit it.
        name = value.replace(" ", "-").replace("+", "")
        if name.isascii() and all(c.isdigit() or c in ".-" for c in name):
            refused = await client.post("/admin/users", json=person(name, "王芳"), headers=auth)
            assert says in field_error(refused, "username")
            refused = await client.post("/admin/evaluators", json=evaluator(name, "王芳"), headers=auth)
            assert says in field_error(refused, "username")
            client_body = {"client_id": name, "department": "民政局", "tier": "county", "division": COUNTY}
            refused = await client.post("/admin/clients", json=client_body, headers=auth)
            assert says in field_error(refused, "client_id")
        for path in ("/admin/users/plain.name", "/admin/evaluators/plain.eval", "/admin/clients/plain-dept"):
            assert (await client.get(path, headers=auth)).status_code == 404


async def test_names_with_other_numbers_pass_and_an_account_named_before_the_rule_stays_readable(
    fupin_stack,
) -> None:
    async with gateway(fupin_stack) as (app, client):
        auth = root(fupin_stack)
        for username, display_name in (("li.2024", "李 村2组"), ("cadre.5201", "王芳 (No. 3)")):
            created = await client.post("/admin/users", json=person(username, display_name), headers=auth)
            assert created.status_code == 201, created.text
        async with app.state.sessionmaker() as session:
            await session.execute(
                text("UPDATE people SET username = :id, display_name = :shown WHERE username = 'li.2024'"),
                {"id": RESIDENT_ID, "shown": f"李 {RESIDENT_ID}"},
            )
            await session.commit()
        read = await client.get(f"/admin/users/{RESIDENT_ID}", headers=auth)
        assert read.status_code == 200, read.text
        assert read.json()["username"] == RESIDENT_ID
        disabled = await client.post(f"/admin/users/{RESIDENT_ID}/disable", headers=auth)
        assert disabled.status_code == 200, disabled.text

"""An account's display name (shown in lists, audit trails and the records it signs) says something visible
and holds no control, bidirectional or noncharacter code points: a zero-width space passed as not blank, an
RTL override or an ANSI clear-screen was stored (QA robustness §2). Refused for a person and an evaluator."""

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

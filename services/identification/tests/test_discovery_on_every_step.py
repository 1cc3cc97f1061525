"""Every event of a monitoring case names how the household came to notice (`discovery`), not only its open
event: the feeds above the county withhold a warning a department's list opened by that mark, and a later
step of it without the mark (the visit, the decision, the end) told a system of the pusher's organisation
which entries of its list matched. A hand-opened warning names its own channel on every step; an
identification case names none."""

from __future__ import annotations

import importlib
import uuid
from typing import Any

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
VILLAGE = "520102016001"  # conftest's village (test modules cannot import conftest)
BACKFILL_MIGRATION = "identification.migrations.versions.0015_case_discovery"


async def _event_data(harness: Harness, event_type: str, case: str) -> list[dict[str, Any]]:
    rows = await harness.sql(
        "SELECT payload FROM outbox WHERE type = :t AND payload->'data'->>'case_id' = :c ORDER BY seq",
        t=event_type,
        c=case,
    )
    return [row[0]["data"] for row in rows]


async def _pushed_warning(harness: Harness) -> str:
    """A monitoring warning a department's disaster list opened: its case id."""
    rid = harness.resident_id()
    household = await harness.household(ids=[rid])
    assert (await harness.push("disaster", rid, detail="2026年7月洪灾"))["warnings_opened"] == 1
    [(case,)] = await harness.sql(
        "SELECT id FROM cases WHERE household_id = :h AND kind = 'monitoring'", h=household
    )
    return str(case)


async def _visit(harness: Harness, case: str) -> None:
    visited = await harness.act(case, "visit", harness.village(), {"survey": "入户核实：受灾属实"})
    assert visited.status_code == 200, visited.text


async def test_a_later_step_of_a_warning_a_list_opened_names_the_push(harness: Harness) -> None:
    case = await _pushed_warning(harness)
    await _visit(harness, case)
    [visited] = await _event_data(harness, "fupin.identification.monitoring.visited.v1", case)
    assert visited["discovery"] == "department_push", visited


async def test_a_later_step_of_a_hand_opened_warning_names_its_channel(harness: Harness) -> None:
    household = await harness.household()
    opened = await harness.open_monitoring(household)
    assert opened.status_code == 201, opened.text
    case = str(opened.json()["id"])
    await _visit(harness, case)
    [visited] = await _event_data(harness, "fupin.identification.monitoring.visited.v1", case)
    assert visited["discovery"] == "cadre_visit", visited


async def test_an_identification_case_names_no_discovery(harness: Harness) -> None:
    await harness.quotas(await harness.year(), 10)
    case = await harness.apply(await harness.household())
    verified = await harness.act(case, "verify", harness.village(), {"survey": "ok"})
    assert verified.status_code == 200, verified.text
    [event] = await _event_data(harness, "fupin.identification.case.verified.v1", case)
    assert event["discovery"] is None, event
    assert await harness.sql("SELECT discovery FROM cases WHERE id = :i", i=uuid.UUID(case)) == [(None,)]


async def test_warnings_opened_before_the_column_take_their_discovery_from_the_open_step(
    harness: Harness,
) -> None:
    """identification_0015 fills the column of the monitoring cases opened before it from their open step's
    history, so their later steps are withheld too: `discovery` where the opening recorded it, and
    `source: department_push` for a warning a push opened before pushes recorded `discovery` there."""
    named = await _pushed_warning(harness)
    older = await _pushed_warning(harness)
    await harness.sql(
        "UPDATE case_history SET detail = detail - 'discovery' WHERE case_id = :i AND action = 'open'",
        i=uuid.UUID(older),
    )
    await harness.sql("UPDATE cases SET discovery = NULL WHERE kind = 'monitoring'")
    await harness.sql(importlib.import_module(BACKFILL_MIGRATION).BACKFILL)
    for case in (named, older):
        assert await harness.sql("SELECT discovery FROM cases WHERE id = :i", i=uuid.UUID(case)) == [
            ("department_push",)
        ]
        await _visit(harness, case)
        [visited] = await _event_data(harness, "fupin.identification.monitoring.visited.v1", case)
        assert visited["discovery"] == "department_push", visited


async def test_objections_and_categories_of_a_warning_a_list_opened_name_the_push(harness: Harness) -> None:
    """Task s19 item 2: a monitoring case goes on a notice (monitor_notice), so it takes objections, and
    a village cadre confirms support categories on any running case: objection.opened / .resolved and
    case.category_confirmed of a warning a list opened carried no discovery and went up to the province
    and city. Each now names the case's discovery, as its steps do."""
    case = await _pushed_warning(harness)
    confirmed = await harness.client.post(
        f"/cases/{case}/category",
        json={"categories": ["guarantee"], "reason": "受灾后无劳动能力"},
        headers=harness.village(),
    )
    assert confirmed.status_code == 200, confirmed.text
    await harness.sql("UPDATE cases SET state = 'monitor_village_reviewed' WHERE id = :i", i=uuid.UUID(case))
    notice = await harness.client.post(
        "/notices", json={"division": VILLAGE, "kind": "monitoring"}, headers=harness.township()
    )
    assert notice.status_code == 201, notice.text
    ticket = await harness.client.post(
        f"/public/notices/{notice.json()['id']}/objections", json={"case_id": case, "text": "该户未受灾"}
    )
    assert ticket.status_code == 201, ticket.text
    resolved = await harness.client.post(
        f"/objections/{ticket.json()['id']}/resolve",
        json={"outcome": "dismissed", "reason": "入户核实受灾属实"},
        headers=harness.township(),
    )
    assert resolved.status_code == 200, resolved.text
    for event_type in (
        "fupin.identification.case.category_confirmed.v1",
        "fupin.identification.objection.opened.v1",
        "fupin.identification.objection.resolved.v1",
    ):
        [event] = await _event_data(harness, event_type, case)
        assert event.get("discovery") == "department_push", (event_type, event)

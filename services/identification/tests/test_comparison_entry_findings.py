"""QA9-DE2..DE5: what a department's entry leaves behind. A hit names the member the list named and what
the list said (DE4); a detail differing only by surrounding spaces is the same entry (DE5); the same list
pushed again adds no hit on the warning its own entry opened (DE3) and does not reopen a warning the
village closed (DE2)."""

from __future__ import annotations

from typing import Any

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
PROVINCE = "520000000000"
COUNTY = "520102000000"
CITY = "520100000000"


async def _push(harness: Harness, kind: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    pushed = await harness.client.post(
        "/comparisons/pushes",
        json={"kind": kind, "department": "部门", "entries": entries},
        headers=harness.auth("county", COUNTY, "department", kind="client"),
    )
    assert pushed.status_code == 201, pushed.text
    body: dict[str, Any] = pushed.json()
    return body


async def _applied(harness: Harness, members: int = 2) -> tuple[list[str], str]:
    """A household of `members` people with an identification case open: its people's IDs and the case."""
    ids = [harness.resident_id() for _ in range(members)]
    household = await harness.household(ids=ids)
    await harness.quotas(await harness.year(), 10)
    return ids, await harness.apply(household)


async def _member_of(harness: Harness, rid: str) -> str:
    """The member id of the person with this resident ID."""
    index = harness.app.state.settings.pii_cipher().blind_index(rid)
    (row,) = await harness.sql("SELECT member_id FROM rm_members WHERE person_index = :p", p=index)
    return str(row[0])


async def _history(harness: Harness, case: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await harness.client.get(f"/cases/{case}/history", headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


# ---- DE4: a hit names the member and what the list said ------------------------------------------------


async def test_a_hit_names_the_member_and_the_entrys_detail(harness: Harness) -> None:
    ids, case = await _applied(harness)
    phone = "13812345678"
    await _push(harness, "government_payroll", [{"resident_id": ids[1], "detail": f"县教育局在编 {phone}"}])

    (hit,) = await harness.hits(case)
    named = hit["member_id"]
    assert named == await _member_of(harness, ids[1]) and named != await _member_of(harness, ids[0])
    # The county reads the department's words as typed (as it reads an objection's text).
    assert hit["detail"] == f"县教育局在编 {phone}"
    opened = [
        row for row in await _history(harness, case, harness.county()) if row["action"] == "comparison_hit"
    ]
    assert opened[-1]["detail"]["member_id"] == named
    assert opened[-1]["detail"]["detail"] == f"县教育局在编 {phone}"

    # Above the county, a number the department put in its detail is masked, in the hit and the history.
    city = harness.auth("city", CITY, "officer")
    (city_hit,) = (
        await harness.client.get("/comparisons/hits", params={"case_id": case}, headers=city)
    ).json()
    assert city_hit["member_id"] == named
    assert phone not in city_hit["detail"] and city_hit["detail"].startswith("县教育局在编")
    city_history = [row for row in await _history(harness, case, city) if row["action"] == "comparison_hit"]
    assert phone not in str(city_history)

    # A resolved hit still says what the list said.
    resolved = await harness.resolve_hit(hit["id"], "cleared", "已核实，不影响认定")
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["detail"] == f"县教育局在编 {phone}"
    assert resolved.json()["member_id"] == named


# ---- DE5: spaces around a detail do not make a new finding ---------------------------------------------


async def test_a_detail_with_spaces_around_it_is_the_same_entry(harness: Harness) -> None:
    ids, case = await _applied(harness, members=1)
    first = await _push(harness, "government_payroll", [{"resident_id": ids[0], "detail": "县教育局在编"}])
    assert first["hits"] == 1
    (hit,) = await harness.hits(case)
    assert (await harness.resolve_hit(hit["id"], "cleared", "已核实，不影响认定")).status_code == 200
    for padded in ("县教育局在编 ", " 县教育局在编", "\t县教育局在编\n"):
        again = await _push(harness, "government_payroll", [{"resident_id": ids[0], "detail": padded}])
        assert again["hits"] == 0, padded
    # A detail of spaces only is no detail.
    blank = await _push(harness, "government_payroll", [{"resident_id": ids[0], "detail": "  "}])
    assert blank["hits"] == 1
    assert [row["detail"] for row in await harness.hits(case)] == ["县教育局在编", None]


# ---- DE3 / DE2: the same list pushed again and the warning its entry opened ----------------------------


async def _candidate(harness: Harness) -> tuple[str, Any]:
    """A candidate household's one person (no case open): a warning list may open a monitoring case."""
    rid = harness.resident_id()
    return rid, await harness.household(ids=[rid])


async def _monitoring_cases(harness: Harness, household: Any) -> list[tuple[str, str]]:
    rows = await harness.sql(
        "SELECT id, state FROM cases WHERE household_id = :h AND kind = 'monitoring' ORDER BY opened_at, id",
        h=household,
    )
    return [(str(row[0]), str(row[1])) for row in rows]


async def _reject(harness: Harness, case: str, reason: str) -> Any:
    return await harness.client.post(
        f"/cases/{case}/actions/reject", json={"reason": reason}, headers=harness.village()
    )


async def test_the_same_list_pushed_again_adds_no_hit_on_the_warning_its_entry_opened(
    harness: Harness,
) -> None:
    medical_rid, medical_household = await _candidate(harness)
    disaster_rid, disaster_household = await _candidate(harness)
    medical = [{"resident_id": medical_rid, "amount": "12000.50"}]
    disaster = [{"resident_id": disaster_rid, "detail": "2026年8月冰雹"}]
    assert (await _push(harness, "medical_self_paid", medical))["warnings_opened"] == 1
    assert (await _push(harness, "disaster", disaster))["warnings_opened"] == 1

    again = await _push(harness, "medical_self_paid", medical)
    assert (again["hits"], again["warnings_opened"]) == (0, 0)
    again = await _push(harness, "disaster", disaster)
    assert (again["hits"], again["warnings_opened"]) == (0, 0)
    ((warning, _),) = await _monitoring_cases(harness, medical_household)
    assert await harness.hits(warning) == []

    # A changed entry is a new finding on the warning; another kind of list is one too.
    changed = await _push(harness, "medical_self_paid", [{"resident_id": medical_rid, "amount": "15000"}])
    assert (changed["hits"], changed["warnings_opened"]) == (1, 0)
    other_kind = await _push(harness, "disaster", [{"resident_id": medical_rid, "detail": "洪灾"}])
    assert (other_kind["hits"], other_kind["warnings_opened"]) == (1, 0)
    assert sorted(hit["kind"] for hit in await harness.hits(warning)) == ["disaster", "medical_self_paid"]
    ((disaster_warning, _),) = await _monitoring_cases(harness, disaster_household)
    assert await harness.hits(disaster_warning) == []


async def test_a_warning_the_village_rejected_is_not_opened_again_by_the_same_entry(harness: Harness) -> None:
    rid, household = await _candidate(harness)
    medical = [{"resident_id": rid, "amount": "12000.50", "detail": "住院"}]
    assert (await _push(harness, "medical_self_paid", medical))["warnings_opened"] == 1
    ((warning, _),) = await _monitoring_cases(harness, household)
    rejected = await _reject(harness, warning, "入户核实：医疗费用已由大病保险报销，无致贫风险")
    assert rejected.status_code == 200, rejected.text

    for _ in range(2):
        again = await _push(harness, "medical_self_paid", medical)
        assert (again["hits"], again["warnings_opened"]) == (0, 0)
    assert await _monitoring_cases(harness, household) == [(warning, "rejected")]

    # A changed amount, or a changed detail, is a new finding: a new warning.
    assert (await _push(harness, "medical_self_paid", [{**medical[0], "amount": "13000"}]))[
        "warnings_opened"
    ] == 1
    (_, (second, state)) = await _monitoring_cases(harness, household)
    assert state == "monitor_warned"
    rejected = await _reject(harness, second, "入户核实：已报销，无致贫风险")
    assert rejected.status_code == 200, rejected.text
    assert (await _push(harness, "medical_self_paid", [{**medical[0], "detail": "门诊"}]))[
        "warnings_opened"
    ] == 1
    # Another kind of list naming the person is a finding of its own.
    other_rid, other_household = await _candidate(harness)
    await _push(harness, "disaster", [{"resident_id": other_rid}])
    ((other_warning, _),) = await _monitoring_cases(harness, other_household)
    assert (await _reject(harness, other_warning, "核实：未受灾")).status_code == 200
    assert (await _push(harness, "education_fees", [{"resident_id": other_rid, "amount": "20000"}]))[
        "warnings_opened"
    ] == 1


async def test_a_warning_a_list_opened_says_so_on_its_open_event(harness: Harness) -> None:
    """verifier s17 F2: the feeds above the county withhold what a department's push opened, and can tell
    it only from the event: the open event of a warning a list opened names its discovery, department_push
    (部门筛查预警), as a monitoring case opened by hand names its own."""
    rid, household = await _candidate(harness)
    assert (await _push(harness, "disaster", [{"resident_id": rid, "detail": "2026年7月洪灾"}]))[
        "warnings_opened"
    ] == 1
    rows = await harness.sql(
        "SELECT payload FROM outbox WHERE type = 'fupin.identification.monitoring.opened.v1' "
        "AND payload->'data'->>'household_id' = :h",
        h=str(household),
    )
    [opened] = [row[0]["data"] for row in rows]
    assert opened["discovery"] == "department_push", opened

"""Poor villages (贫困村) and the village exit procedure, end to end through the API: the designation list,
the incidence refusal at the proposal (no figure, over the threshold), the steps of the transition table
with their tiers, the notice's end before approval, rejection and withdrawal putting the village back on
the list, the history, the public board, jurisdiction and the events in the outbox.

观山湖区 (520115) is this module's county: no other test writes households there."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from fupin_contracts import identification as contracts
from fupin_contracts import registry as registry_contracts
from identification.division_exits import workflow as flow

COUNTY = "520115000000"  # 观山湖区
TOWNSHIP = "520115001000"  # 宾阳街道
VILLAGE = "520115001001"  # 六砂社区
OTHER_VILLAGE = "520115001200"  # 小箐村委会
UNNAMED_VILLAGE = "520115001002"  # 碧雅社区: no household there, so no event has named it
SIBLING_COUNTY = "520123000000"  # 修文县
COUSIN_TOWNSHIP = "520115002000"
DAY = 86_400


def place(village: str, township_name: str, village_name: str) -> list[registry_contracts.DivisionNameV1]:
    return [
        registry_contracts.DivisionNameV1(code="520000000000", division_name="贵州省"),
        registry_contracts.DivisionNameV1(code="520100000000", division_name="贵阳市"),
        registry_contracts.DivisionNameV1(code=COUNTY, division_name="观山湖区"),
        registry_contracts.DivisionNameV1(code=village[:9] + "000", division_name=township_name),
        registry_contracts.DivisionNameV1(code=village, division_name=village_name),
    ]


async def poor_households(harness: Any, village: str, village_name: str, people: int) -> None:
    """A household of `people` in the village, registered as poor (the registry's status in the read
    model), its event naming the village."""
    household = await harness.household(
        division=village, members=people, place=place(village, "宾阳街道", village_name)
    )
    await harness.sql("UPDATE rm_households SET status = 'registered' WHERE household_id = :h", h=household)


async def rural_population(harness: Any, division: str, people: int) -> None:
    response = await harness.client.put(
        f"/region-settings/{division}/rural_population",
        json={"value": str(people)},
        headers=harness.county(COUNTY),
    )
    assert response.status_code == 200, response.text


async def designate(harness: Any, division: str) -> dict[str, Any]:
    response = await harness.client.post(
        "/poor-divisions",
        json={"division": division, "designated_year": 2014, "basis": "建档立卡贫困村"},
        headers=harness.county(COUNTY),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def proposal(division: str, year: int) -> dict[str, Any]:
    return {"division": division, "year": year, "summary": "贫困发生率降至3%以下，两不愁三保障达标"}


async def step(harness: Any, exit_id: str, action: str, headers: dict[str, str], **body: Any) -> Any:
    return await harness.client.post(
        f"/division-exits/{exit_id}/actions/{action}", json=body, headers=headers
    )


async def test_the_village_path_from_designation_to_exit(harness: Any) -> None:
    county, township = harness.county(COUNTY), harness.township(TOWNSHIP)
    year = await harness.year()
    await poor_households(harness, VILLAGE, "六砂社区", 4)
    await poor_households(harness, OTHER_VILLAGE, "小箐村委会", 1)

    # The list: only the county designates its villages, only once, only a village the events named.
    cadre = harness.village(VILLAGE)
    body = {"division": VILLAGE, "designated_year": 2014}
    assert (await harness.client.post("/poor-divisions", json=body, headers=cadre)).status_code == 403
    assert (await harness.client.post("/poor-divisions", json=body, headers=township)).status_code == 403
    sibling = harness.county(SIBLING_COUNTY)
    assert (await harness.client.post("/poor-divisions", json=body, headers=sibling)).status_code == 404
    unnamed = await harness.client.post(
        "/poor-divisions", json={**body, "division": UNNAMED_VILLAGE}, headers=county
    )
    assert unnamed.status_code == 422 and unnamed.json()["code"] == "unknown-division", unnamed.text
    township_code = await harness.client.post(
        "/poor-divisions", json={**body, "division": TOWNSHIP}, headers=county
    )
    assert township_code.status_code == 422 and township_code.json()["code"] == "not-an-exit-unit"
    designated = await designate(harness, VILLAGE)
    assert designated["status"] == "designated" and designated["level"] == "village"
    assert designated["division_name"] == "观山湖区宾阳街道六砂社区"
    again = await harness.client.post("/poor-divisions", json=body, headers=county)
    assert again.status_code == 409 and again.json()["code"] == "already-designated"
    # A retried request with its Idempotency-Key answers the first answer.
    keyed = {**county, "Idempotency-Key": "designate-bishui"}
    first = await harness.client.post(
        "/poor-divisions", json={**body, "division": OTHER_VILLAGE}, headers=keyed
    )
    replay = await harness.client.post(
        "/poor-divisions", json={**body, "division": OTHER_VILLAGE}, headers=keyed
    )
    assert first.status_code == replay.status_code == 201, (first.text, replay.text)
    assert first.json()["id"] == replay.json()["id"]

    # The proposal: a township's or the county's, never the village's; refused without a figure and
    # over the threshold (贵州 is western: 3%).
    assert (
        await harness.client.post("/division-exits", json=proposal(VILLAGE, year), headers=cadre)
    ).status_code == 403
    no_figure = await harness.client.post("/division-exits", json=proposal(VILLAGE, year), headers=township)
    assert no_figure.status_code == 422, no_figure.text
    assert no_figure.json()["code"] == "no-rural-population"
    assert "rural_population" in no_figure.json()["detail"]
    await rural_population(harness, VILLAGE, 100)
    over = await harness.client.post("/division-exits", json=proposal(VILLAGE, year), headers=township)
    assert over.status_code == 422, over.text
    assert over.json()["code"] == "incidence-above-threshold"
    assert over.json()["incidence_pct"] == 4.0 and over.json()["threshold_pct"] == 3.0
    assert "4.0%" in over.json()["detail"] and "3.0%" in over.json()["detail"]
    future = await harness.client.post("/division-exits", json=proposal(VILLAGE, year + 1), headers=township)
    assert future.status_code == 422 and future.json()["code"] == "future-year"
    await rural_population(harness, VILLAGE, 1000)
    proposed = await harness.client.post("/division-exits", json=proposal(VILLAGE, year), headers=township)
    assert proposed.status_code == 201, proposed.text
    procedure = proposed.json()
    exit_id = procedure["id"]
    assert procedure["state"] == "proposed" and procedure["proposer_tier"] == "township"
    assert procedure["indicators"]["incidence_pct"] == 0.4
    assert procedure["indicators"]["rural_population"] == 1000
    assert procedure["indicators"]["poor_population"] == 4
    assert procedure["permitted_actions"] == ["withdraw"]
    twice = await harness.client.post("/division-exits", json=proposal(VILLAGE, year), headers=county)
    assert twice.status_code == 409 and twice.json()["code"] == "procedure-open"
    listed = await harness.client.get(f"/poor-divisions/{VILLAGE}", headers=county)
    assert listed.json()["status"] == "exiting" and listed.json()["exit_id"] == exit_id

    # The steps: in order, each by its tier.
    assert (await step(harness, exit_id, "review", township)).status_code == 403
    early = await step(harness, exit_id, "open_notice", county)
    assert early.status_code == 409 and early.json()["code"] == "out-of-order"
    reviewed = await step(harness, exit_id, "review", county, reason="县级审核通过")
    assert reviewed.status_code == 200 and reviewed.json()["state"] == "county_reviewed", reviewed.text
    noticed = await step(harness, exit_id, "open_notice", county)
    assert noticed.status_code == 200 and noticed.json()["state"] == "noticed", noticed.text
    assert Decimal(noticed.json()["notice_days"]) == 7
    # While the notice runs the table allows approval, but nobody may take it yet: no button for it.
    assert noticed.json()["allowed_actions"] == ["approve", "reject"]
    assert noticed.json()["permitted_actions"] == ["reject"]
    too_soon = await step(harness, exit_id, "approve", county)
    assert too_soon.status_code == 409 and too_soon.json()["code"] == "exit-notice-running", too_soon.text
    withdraw_late = await step(harness, exit_id, "withdraw", township, reason="撤回")
    assert withdraw_late.status_code == 409  # the notice is up: no withdrawal any more

    # On the public board while the notice runs, with no login.
    board = await harness.client.get("/public/division-exits", params={"division": COUNTY})
    assert board.status_code == 200
    [posted] = board.json()
    assert posted["division"] == VILLAGE and posted["division_name"] == "观山湖区宾阳街道六砂社区"
    assert posted["incidence_pct"] == 0.4 and posted["state"] == "noticed" and posted["level"] == "village"

    await harness.advance_clock(7 * DAY + 60)
    ended = (await harness.client.get(f"/division-exits/{exit_id}", headers=county)).json()
    assert ended["permitted_actions"] == ["approve", "reject"]
    listed_ended = (await harness.client.get("/division-exits", headers=county)).json()
    assert [item["permitted_actions"] for item in listed_ended if item["id"] == exit_id] == [
        ["approve", "reject"]
    ]
    approved = await step(harness, exit_id, "approve", county, reason="公示无异议")
    assert approved.status_code == 200 and approved.json()["state"] == "exited", approved.text
    exited = (await harness.client.get(f"/poor-divisions/{VILLAGE}", headers=county)).json()
    assert exited["status"] == "exited" and exited["exit_year"] == year and exited["exit_id"] == exit_id
    # Designating it again: it is on the list still, as exited, and the answer says so.
    redesignated = await harness.client.post("/poor-divisions", json=body, headers=county)
    assert redesignated.status_code == 409 and redesignated.json()["code"] == "already-designated"
    assert f"exited in {year}" in redesignated.json()["detail"], redesignated.text

    read = (await harness.client.get(f"/division-exits/{exit_id}", headers=township)).json()
    assert [(h["action"], h["from_state"], h["to_state"], h["actor_tier"]) for h in read["history"]] == [
        ("propose", None, "proposed", "township"),
        ("review", "proposed", "county_reviewed", "county"),
        ("open_notice", "county_reviewed", "noticed", "county"),
        ("approve", "noticed", "exited", "county"),
    ]
    assert read["history"][1]["reason"] == "县级审核通过" and read["history"][0]["actor"] == "test-user"
    assert read["allowed_actions"] == [] and read["indicators"]["incidence_pct"] == 0.4

    # The events: one per step, the village as division, the procedure as subject.
    rows = await harness.sql(
        "SELECT type, payload->>'subject', division, payload FROM outbox "
        "WHERE aggregatetype = 'division-exit' AND aggregateid = :id ORDER BY seq",
        id=exit_id,
    )
    assert [row[0] for row in rows] == [
        contracts.DIVISION_EXIT_PROPOSED,
        contracts.DIVISION_EXIT_PROGRESSED,
        contracts.DIVISION_EXIT_PROGRESSED,
        contracts.DIVISION_EXIT_APPROVED,
    ]
    assert {row[2] for row in rows} == {VILLAGE}
    assert {row[1] for row in rows} == {f"division-exit/{exit_id}"}
    progressed = [contracts.DivisionExitV1.model_validate(row[3]["data"]) for row in rows]
    assert [(p.action, p.from_state, p.to_state) for p in progressed[1:]] == [
        ("review", "proposed", "county_reviewed"),
        ("open_notice", "county_reviewed", "noticed"),
        ("approve", "noticed", "exited"),
    ]
    assert progressed[0].incidence_pct == 0.4 and progressed[0].threshold_pct == 3.0
    designated_events = await harness.sql(
        "SELECT type, division FROM outbox WHERE aggregatetype = 'poor-division' AND aggregateid = :d",
        d=VILLAGE,
    )
    assert designated_events == [(contracts.POOR_DIVISION_DESIGNATED, VILLAGE)]


async def test_rejection_and_withdrawal_put_the_village_back_on_the_list(harness: Any) -> None:
    county, township = harness.county(COUNTY), harness.township(TOWNSHIP)
    year = await harness.year()
    await poor_households(harness, OTHER_VILLAGE, "小箐村委会", 1)
    await designate(harness, OTHER_VILLAGE)
    await rural_population(harness, OTHER_VILLAGE, 500)

    proposed = await harness.client.post(
        "/division-exits", json=proposal(OTHER_VILLAGE, year), headers=township
    )
    exit_id = proposed.json()["id"]
    no_reason = await step(harness, exit_id, "reject", county)
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason-required"
    assert (await step(harness, exit_id, "reject", township, reason="不同意")).status_code == 403
    stray = await step(harness, exit_id, "reject", county, reason="不同意", notice_days=3)
    assert stray.status_code == 422 and stray.json()["code"] == "notice-days"
    rejected = await step(harness, exit_id, "reject", county, reason="两不愁三保障未全部达标")
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected", rejected.text
    assert rejected.json()["history"][-1]["reason"] == "两不愁三保障未全部达标"
    back = (await harness.client.get(f"/poor-divisions/{OTHER_VILLAGE}", headers=county)).json()
    assert back["status"] == "designated" and back["exit_id"] is None
    assert (await step(harness, exit_id, "review", county)).status_code == 409

    # Proposed again, by the township; the county (not the proposer) may not withdraw it, the township may.
    again = await harness.client.post("/division-exits", json=proposal(OTHER_VILLAGE, year), headers=township)
    assert again.status_code == 201, again.text
    second = again.json()["id"]
    assert (await step(harness, second, "withdraw", county, reason="撤回")).status_code == 403
    withdrawn = await step(harness, second, "withdraw", township, reason="材料需补充")
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"
    assert (await harness.client.get(f"/poor-divisions/{OTHER_VILLAGE}", headers=county)).json()[
        "status"
    ] == "designated"

    types = [
        row[0]
        for row in await harness.sql(
            "SELECT type FROM outbox WHERE division = :d AND aggregatetype = 'division-exit' ORDER BY seq",
            d=OTHER_VILLAGE,
        )
    ]
    assert types == [
        contracts.DIVISION_EXIT_PROPOSED,
        contracts.DIVISION_EXIT_REJECTED,
        contracts.DIVISION_EXIT_PROPOSED,
        contracts.DIVISION_EXIT_WITHDRAWN,
    ]
    # Never on the public board: no notice was put up.
    board = await harness.client.get("/public/division-exits", params={"division": OTHER_VILLAGE})
    assert board.status_code == 200 and board.json() == []


async def test_outside_the_subtree_a_procedure_does_not_exist(harness: Any) -> None:
    county, township = harness.county(COUNTY), harness.township(TOWNSHIP)
    year = await harness.year()
    await poor_households(harness, VILLAGE, "六砂社区", 1)
    await designate(harness, VILLAGE)
    await rural_population(harness, VILLAGE, 1000)
    proposed = await harness.client.post("/division-exits", json=proposal(VILLAGE, year), headers=township)
    exit_id = proposed.json()["id"]

    for outsider in (harness.county(SIBLING_COUNTY), harness.township(COUSIN_TOWNSHIP)):
        assert (await harness.client.get(f"/division-exits/{exit_id}", headers=outsider)).status_code == 404
        assert (await step(harness, exit_id, "review", outsider)).status_code == 404
        assert (await step(harness, exit_id, "withdraw", outsider, reason="撤回")).status_code == 404
        assert (await harness.client.get(f"/poor-divisions/{VILLAGE}", headers=outsider)).status_code == 404
        assert (await harness.client.get("/division-exits", headers=outsider)).json() == []
        assert (await harness.client.get("/poor-divisions", headers=outsider)).json() == []
        refused = await harness.client.post("/division-exits", json=proposal(VILLAGE, year), headers=outsider)
        assert refused.status_code == 404
    # The village sees its own procedure but takes no step of it.
    cadre = harness.village(VILLAGE)
    assert (await harness.client.get(f"/division-exits/{exit_id}", headers=cadre)).status_code == 200
    assert (await step(harness, exit_id, "review", cadre)).status_code == 403
    # The lists, scoped and filtered.
    mine = (await harness.client.get("/division-exits", params={"level": "village"}, headers=county)).json()
    assert [item["id"] for item in mine] == [exit_id]
    assert (
        await harness.client.get("/division-exits", params={"state": "exited"}, headers=county)
    ).json() == []
    listed = (
        await harness.client.get("/poor-divisions", params={"status": "exiting"}, headers=county)
    ).json()
    assert [item["division"] for item in listed] == [VILLAGE]


async def test_the_list_pages_by_keyset(harness: Any) -> None:
    county = harness.county(COUNTY)
    for village, name in ((VILLAGE, "六砂社区"), (OTHER_VILLAGE, "小箐村委会")):
        await poor_households(harness, village, name, 1)
        await designate(harness, village)
    first = await harness.client.get("/poor-divisions", params={"limit": 1}, headers=county)
    assert len(first.json()) == 1 and "Next-Cursor" in first.headers
    second = await harness.client.get(
        "/poor-divisions", params={"limit": 1, "after": first.headers["Next-Cursor"]}, headers=county
    )
    assert len(second.json()) == 1 and "Next-Cursor" not in second.headers
    assert {first.json()[0]["division"], second.json()[0]["division"]} == {VILLAGE, OTHER_VILLAGE}


def test_a_notice_runs_seven_days_unless_short_notices_are_allowed() -> None:
    assert flow.notice_days_problem(Decimal(7), short_allowed=False) is None
    assert "at least 7" in (flow.notice_days_problem(Decimal(6), short_allowed=False) or "")
    assert flow.notice_days_problem(Decimal("0.001"), short_allowed=True) is None
    assert flow.notice_days_problem(Decimal(61), short_allowed=True) is not None


def test_the_table_gives_each_step_its_tier() -> None:
    village, county = flow.Level.VILLAGE, flow.Level.COUNTY
    assert flow.allowed_actions(village, flow.State.PROPOSED) == ["review", "reject", "withdraw"]
    assert flow.allowed_actions(village, flow.State.NOTICED) == ["approve", "reject"]
    assert flow.transition(county, flow.State.PROPOSED, flow.Action.REJECT).tiers == ("city",)
    assert flow.transition(county, flow.State.CITY_CHECKED, flow.Action.REJECT).tiers == ("province",)
    # The city's check falls to the province where the county has no city above it.
    assert flow.acting_tiers(("city",), "520123000000", None) == ("city",)
    assert flow.acting_tiers(("city",), "429004000000", None) == ("province",)  # 仙桃 (省直辖)
    assert flow.acting_tiers(("city",), "441900000000", None) == ("province",)  # 东莞 (no counties)
    assert flow.acting_tiers((flow.PROPOSER,), "520115001001", "township") == ("township",)
    assert flow.level_of("441900000000") is county and flow.level_of("520115001000") is None


async def test_concurrent_designations_and_proposals_make_one_each(harness: Any) -> None:
    county, township = harness.county(COUNTY), harness.township(TOWNSHIP)
    year = await harness.year()
    await poor_households(harness, VILLAGE, "六砂社区", 1)
    body = {"division": VILLAGE, "designated_year": 2014}
    designations = await asyncio.gather(
        *(harness.client.post("/poor-divisions", json=body, headers=county) for _ in range(4))
    )
    assert sorted(response.status_code for response in designations) == [201, 409, 409, 409]
    await rural_population(harness, VILLAGE, 1000)
    proposals = await asyncio.gather(
        *(
            harness.client.post("/division-exits", json=proposal(VILLAGE, year), headers=headers)
            for headers in (county, township, county, township)
        )
    )
    assert sorted(response.status_code for response in proposals) == [201, 409, 409, 409]
    assert {response.json()["code"] for response in proposals if response.status_code == 409} == {
        "procedure-open"
    }
    assert (await harness.sql("SELECT count(*) FROM division_exits WHERE division = :d", d=VILLAGE)) == [(1,)]


async def test_the_incidence_gate_compares_the_exact_ratio(harness: Any) -> None:
    """20 poor of 667 rural people is 2.9985%: below 贵州's 3%, though it shows as 3.0 rounded to 0.01.
    The indicator's verdict and the proposal's gate compare the exact ratio; 20 of 666 (3.003%) is over."""
    township = harness.township(TOWNSHIP)
    year = await harness.year()
    for _ in range(4):
        await poor_households(harness, VILLAGE, "六砂社区", 5)
    await designate(harness, VILLAGE)
    await rural_population(harness, VILLAGE, 666)
    over = await harness.client.post("/division-exits", json=proposal(VILLAGE, year), headers=township)
    assert over.status_code == 422 and over.json()["code"] == "incidence-above-threshold", over.text
    assert "20 poor of 666 rural people, 3.0030% unrounded" in over.json()["detail"]
    await rural_population(harness, VILLAGE, 667)
    shown = await harness.client.get("/exits/indicators", params={"division": VILLAGE}, headers=township)
    assert shown.status_code == 200, shown.text
    figures = shown.json()
    assert figures["poor_population"] == 20 and figures["rural_population"] == 667
    assert figures["incidence_pct"] == 3.0 and figures["threshold_pct"] == 3.0
    assert figures["meets_threshold"] is True
    proposed = await harness.client.post("/division-exits", json=proposal(VILLAGE, year), headers=township)
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["indicators"]["meets_threshold"] is True


async def test_every_notice_length_out_of_range_is_one_problem(harness: Any) -> None:
    """0, 61, a negative and (short notices being allowed with the test clock) a value under one second
    each answer 422 `notice-days` stating the bounds in force, never pydantic's generic problem nor the
    seven-day floor that does not apply here."""
    county, township = harness.county(COUNTY), harness.township(TOWNSHIP)
    year = await harness.year()
    await poor_households(harness, VILLAGE, "六砂社区", 1)
    await designate(harness, VILLAGE)
    await rural_population(harness, VILLAGE, 1000)
    proposed = await harness.client.post("/division-exits", json=proposal(VILLAGE, year), headers=township)
    exit_id = proposed.json()["id"]
    assert (await step(harness, exit_id, "review", county)).status_code == 200
    for days in (0, 61, -1, 0.00001, "0", "60.5"):
        refused = await step(harness, exit_id, "open_notice", county, notice_days=days)
        assert refused.status_code == 422, (days, refused.text)
        problem = refused.json()
        assert problem["code"] == "notice-days", (days, problem)
        assert "at least 1 second (1/86400 day) and at most 60 days" in problem["detail"], problem
        assert problem["maximum_days"] == "60"
    noticed = await step(harness, exit_id, "open_notice", county, notice_days=0.5)
    assert noticed.status_code == 200 and Decimal(noticed.json()["notice_days"]) == Decimal("0.5")


def test_the_notice_bounds_named_are_those_in_force() -> None:
    assert "at least 7 days and at most 60 days" in (
        flow.notice_days_problem(Decimal(0), short_allowed=False) or ""
    )
    assert "at least 1 second" in (flow.notice_days_problem(Decimal("0.00001"), short_allowed=True) or "")
    assert flow.notice_days_problem(flow.SHORTEST_NOTICE_DAYS, short_allowed=True) is None
    assert flow.notice_days_problem(Decimal(60), short_allowed=False) is None


async def test_the_openapi_document_states_the_steps_bounds_and_problems(harness: Any) -> None:
    """What a client reads in /openapi.json matches what the routes do: notice_days is bounded (no
    unconstrained string) and explained, the reason's need is said, and each route lists its problem
    codes."""
    document = (await harness.client.get("/openapi.json")).json()
    step_in = document["components"]["schemas"]["StepIn"]["properties"]
    days = step_in["notice_days"]
    kinds = {branch.get("type"): branch for branch in days["anyOf"]}
    assert kinds["number"]["maximum"] == 60 and kinds["number"]["exclusiveMinimum"] == 0
    assert "pattern" in kinds["string"] and "maxLength" in kinds["string"]
    assert "open_notice only" in days["description"] and "7 when absent" in days["description"]
    assert "1 second" in days["description"]
    assert "reject and withdraw" in step_in["reason"]["description"]
    act = document["paths"]["/division-exits/{exit_id}/actions/{action}"]["post"]["description"]
    for code in (
        "out-of-order",
        "exit-notice-running",
        "no-passing-evaluation",
        "notice-days",
        "reason-required",
    ):
        assert f"`{code}`" in act, code
    assert "short notices" in act
    designate = document["paths"]["/poor-divisions"]["post"]["description"]
    assert "province or the nation" in designate
    for code in (
        "already-designated",
        "unknown-division",
        "not-an-exit-unit",
        "future-year",
        "invalid-division",
    ):
        assert f"`{code}`" in designate, code
    propose = document["paths"]["/division-exits"]["post"]["description"]
    for code in ("incidence-above-threshold", "no-rural-population", "not-designated", "procedure-open"):
        assert f"`{code}`" in propose, code


async def test_a_code_of_impossible_structure_is_refused_before_its_level(harness: Any) -> None:
    """A code whose province is none of the mainland's, or with digits under a zero level, names no
    division: 422 `invalid-division`, not the 403 a village's designation by the wrong tier would be, nor
    an empty public board."""
    body = {"designated_year": 2014}
    province = harness.auth("province", "520000000000", "officer")
    nation = harness.auth("nation", "000000000000", "officer")
    for code in ("520000000001", "999999999999", "000000000001", "520100001001", "520115000001"):
        for headers in (province, nation):
            refused = await harness.client.post(
                "/poor-divisions", json={**body, "division": code}, headers=headers
            )
            assert refused.status_code == 422, (code, refused.text)
            assert refused.json()["code"] == "invalid-division" and code in refused.json()["detail"]
        board = await harness.client.get("/public/division-exits", params={"division": code})
        assert board.status_code == 422 and board.json()["code"] == "invalid-division", (code, board.text)
        proposed = await harness.client.post(
            "/division-exits", json={"division": code, "year": 2020, "summary": "申请退出"}, headers=nation
        )
        assert proposed.status_code == 422 and proposed.json()["code"] == "invalid-division", proposed.text
        shown = await harness.client.get("/exits/indicators", params={"division": code}, headers=nation)
        assert shown.status_code == 422 and shown.json()["code"] == "invalid-division", shown.text
    assert (
        await harness.client.get("/public/division-exits", params={"division": "000000000000"})
    ).status_code == 200


def test_the_structure_of_a_code() -> None:
    for fine in (
        "000000000000",
        "520000000000",
        "520115001001",
        "441900003000",
        "441900003001",
        "429004001001",
    ):
        assert flow.code_problem(fine) is None, fine
    for impossible in ("520000000001", "999999999999", "000000000001", "520100001001", "710000000000"):
        assert flow.code_problem(impossible) is not None, impossible

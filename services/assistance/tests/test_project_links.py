"""Industry projects linked to households (带贫/利益联结机制): the read model of funds' project library (an
older event never overwrites a newer one), every refusal of a link, township scope, masking above the
county, the summary's figures, the history of a benefit's corrections, idempotent retries and the events."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import httpx

from assistance.readmodel import projects
from fupin_contracts import assistance as contracts
from fupin_contracts import funds as funds_contracts
from fupin_kit import civil_time
from fupin_kit.envelope import Envelope, new_event
from fupin_kit.request_context import caused_by

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
TODAY = civil_time.china_today()
THIS_YEAR = TODAY.year
PROJECT_VILLAGE = "520102016001"
STEPS = ("township_review", "county_approve")


def project_event(event_type: str, project_id: uuid.UUID, division: str, data: dict[str, Any]) -> Envelope:
    return new_event(
        service="funds",
        type=event_type,
        aggregate="project",
        aggregate_id=str(project_id),
        division=division,
        data=data,
    )


def proposed(project_id: uuid.UUID, division: str, name: str = "纪念塔社区蔬菜大棚") -> Envelope:
    payload = funds_contracts.ProjectProposedV1(
        project_id=project_id,
        division=division,
        project_name=name,
        category="industry",
        nature="new",
        year=THIS_YEAR,
        starts_on=TODAY,
        ends_on=TODAY,
        budget=Decimal("1200000.00"),
        financing=[funds_contracts.FinancingV1(source="central", amount=Decimal("1200000.00"))],
        beneficiary_households=45,
        beneficiary_people=160,
        performance_target=[funds_contracts.IndicatorV1(indicator="新建大棚", target="20个")],
    )
    return project_event(
        funds_contracts.PROJECT_PROPOSED, project_id, division, payload.model_dump(mode="json")
    )


def step(project_id: uuid.UUID, division: str, action: str, from_status: str, to_status: str) -> Envelope:
    payload = funds_contracts.ProjectStepV1(
        project_id=project_id,
        division=division,
        year=THIS_YEAR,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason="不符合条件" if action == "reject" else None,
    )
    event_type = funds_contracts.event_type(action)
    return project_event(event_type, project_id, division, payload.model_dump(mode="json"))


async def deliver(harness: Harness, event: Envelope) -> None:
    handler = projects.HANDLERS.get(event.type, projects.on_step)
    async with harness.app.state.sessionmaker() as session, session.begin():
        await handler(session, event)


async def project(harness: Harness, division: str = PROJECT_VILLAGE, *, approved: bool = True) -> uuid.UUID:
    """A project as funds' events announce it: proposed, then (by default) reviewed and approved."""
    project_id = uuid.uuid4()
    await deliver(harness, proposed(project_id, division))
    if approved:
        await deliver(harness, step(project_id, division, "township_review", "proposed", "township_reviewed"))
        await deliver(
            harness, step(project_id, division, "county_approve", "township_reviewed", "county_approved")
        )
    return project_id


async def held(harness: Harness, project_id: uuid.UUID) -> tuple[Any, ...]:
    [row] = await harness.sql(
        "SELECT name, status, rejected, sequence, county FROM rm_projects WHERE project_id = :p", p=project_id
    )
    return tuple(row)


def link_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "mechanism": "wages",
        "expected_yearly": "3000.00",
        "started_on": TODAY.replace(month=1, day=1).isoformat(),
        "note": "大棚务工",
    }
    return {**body, **overrides}


async def link(
    harness: Harness,
    project_id: uuid.UUID,
    household: uuid.UUID,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> httpx.Response:
    response: httpx.Response = await harness.client.put(
        f"/projects/{project_id}/links/{household}",
        json=link_body(**overrides),
        headers=headers or harness.county(),
    )
    return response


async def benefit(
    harness: Harness, link_id: str, year: int, amount: str, reason: str | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"amount": amount} if reason is None else {"amount": amount, "reason": reason}
    response: httpx.Response = await harness.client.put(
        f"/links/{link_id}/benefits/{year}", json=body, headers=harness.county()
    )
    return response


# ---- the project read model -----------------------------------------------------------------------------


async def test_an_older_project_event_never_overwrites_a_newer_one(harness: Harness) -> None:
    project_id = await project(harness)
    assert await held(harness, project_id) == (
        "纪念塔社区蔬菜大棚",
        "county_approved",
        False,
        3,
        "520102000000",
    )
    # The review arrives again after the approval (a redelivery under another id, a replay): ignored.
    await deliver(
        harness, step(project_id, PROJECT_VILLAGE, "township_review", "proposed", "township_reviewed")
    )
    await deliver(harness, proposed(project_id, PROJECT_VILLAGE))
    assert (await held(harness, project_id))[1:4] == ("county_approved", False, 3)


async def test_a_step_before_the_proposal_keeps_its_status_and_the_proposal_names_it(
    harness: Harness,
) -> None:
    project_id = uuid.uuid4()
    await deliver(
        harness, step(project_id, PROJECT_VILLAGE, "county_approve", "township_reviewed", "county_approved")
    )
    assert await held(harness, project_id) == (None, "county_approved", False, 3, "520102000000")
    await deliver(harness, proposed(project_id, PROJECT_VILLAGE))
    assert await held(harness, project_id) == (
        "纪念塔社区蔬菜大棚",
        "county_approved",
        False,
        3,
        "520102000000",
    )


async def test_a_rejection_is_held_and_an_earlier_step_does_not_undo_it(harness: Harness) -> None:
    project_id = await project(harness)
    await deliver(harness, step(project_id, PROJECT_VILLAGE, "reject", "county_approved", "rejected"))
    await deliver(
        harness, step(project_id, PROJECT_VILLAGE, "county_approve", "township_reviewed", "county_approved")
    )
    assert (await held(harness, project_id))[1:3] == ("rejected", True)


# ---- links and their refusals ---------------------------------------------------------------------------


async def test_a_county_officer_links_a_household_and_the_link_is_published(harness: Harness) -> None:
    project_id = await project(harness)
    household = await harness.household()
    made = await link(harness, project_id, household, note="大棚务工，联系13812345678")
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["note"] == "大棚务工，联系13812345678"
    assert (body["mechanism"], body["expected_yearly"], body["version"]) == ("wages", "3000.00", 1)
    assert body["project_name"] == "纪念塔社区蔬菜大棚" and body["head_name"] == "张三丰"
    [(event_type, data)] = await harness.outbox()
    assert event_type == contracts.LINK_MADE
    assert data["household_id"] == str(household) and data["expected_yearly"] == "3000.00"
    assert "13812345678" not in data["note"]
    city = (await harness.client.get(f"/households/{household}/links", headers=harness.city())).json()
    assert city[0]["head_name"] == "张**" and "13812345678" not in city[0]["note"]


async def test_every_refusal_of_a_link(harness: Harness) -> None:
    household = await harness.household()
    unknown = await link(harness, uuid.uuid4(), household)
    assert unknown.status_code == 404
    proposed_only = await link(harness, await project(harness, approved=False), household)
    assert proposed_only.status_code == 409 and proposed_only.json()["code"] == "project-not-approved"
    rejected = await project(harness)
    await deliver(harness, step(rejected, PROJECT_VILLAGE, "reject", "county_approved", "rejected"))
    refused = await link(harness, rejected, household)
    assert refused.status_code == 409 and refused.json()["code"] == "project-not-approved"
    approved = await project(harness)
    candidate = await link(harness, approved, await harness.household(status="candidate"))
    assert candidate.status_code == 409 and candidate.json()["code"] == "household-status"
    future = await link(
        harness, approved, household, started_on=TODAY.replace(year=THIS_YEAR + 1).isoformat()
    )
    assert future.status_code == 422 and future.json()["code"] == "future-date"
    negative = await link(harness, approved, household, expected_yearly="-1.00")
    assert negative.status_code == 422
    unknown_mechanism = await link(harness, approved, household, mechanism="gift")
    assert unknown_mechanism.status_code == 422
    village = await link(harness, approved, household, headers=harness.village())
    assert village.status_code == 403
    city = await link(harness, approved, household, headers=harness.auth("city", harness.CITY, "officer"))
    assert city.status_code == 403
    assert await harness.outbox() == []


async def test_a_household_outside_the_projects_county_is_refused(harness: Harness) -> None:
    """The library's county is held apart from the place: a project whose county is not the household's (a
    project row of another county's library, carried out here) is refused for it."""
    approved = await project(harness)
    await harness.sql("UPDATE rm_projects SET county = '520103000000' WHERE project_id = :p", p=approved)
    refused = await link(harness, approved, await harness.household())
    assert refused.status_code == 422 and refused.json()["code"] == "outside-project-county"


async def test_a_township_links_only_its_own_households_to_its_own_projects(harness: Harness) -> None:
    approved = await project(harness)
    own = await harness.household()
    cousin = await harness.household(division="520102017001")
    assert (await link(harness, approved, own, headers=harness.township())).status_code == 200
    assert (await link(harness, approved, cousin, headers=harness.township())).status_code == 404
    elsewhere = await project(harness, division="520102017001")
    assert (await link(harness, elsewhere, own, headers=harness.township())).status_code == 404
    # The cousin township sees neither the project nor its links.
    cousin_township = harness.township("520102017000")
    assert (
        await harness.client.get(f"/projects/{approved}/links", headers=cousin_township)
    ).status_code == 404


async def test_a_change_is_a_new_version_with_a_reason(harness: Harness) -> None:
    approved = await project(harness)
    household = await harness.household()
    await link(harness, approved, household)
    no_reason = await link(harness, approved, household, mechanism="dividends", expected_yearly="1200.00")
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason-required"
    changed = await link(
        harness, approved, household, mechanism="dividends", expected_yearly="1200.00", reason="改为入股分红"
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["version"] == 2 and body["mechanism"] == "dividends"
    assert [(v["version"], v["mechanism"], v["reason"]) for v in body["versions"]] == [
        (2, "dividends", "改为入股分红"),
        (1, "wages", None),
    ]
    assert [event_type for event_type, _ in await harness.outbox()] == [
        contracts.LINK_MADE,
        contracts.LINK_CHANGED,
    ]


async def test_an_ending_keeps_the_link_and_a_new_link_may_follow(harness: Harness) -> None:
    approved = await project(harness)
    household = await harness.household()
    first = (await link(harness, approved, household)).json()
    end_url = f"/projects/{approved}/links/{household}/end"
    early = await harness.client.post(
        end_url, json={"ended_on": "2013-01-01", "reason": "合同到期"}, headers=harness.county()
    )
    assert early.status_code == 422 and early.json()["code"] == "date-too-early"
    ended = await harness.client.post(
        end_url, json={"ended_on": TODAY.isoformat(), "reason": "合同到期"}, headers=harness.county()
    )
    assert ended.status_code == 200 and ended.json()["ended_on"] == TODAY.isoformat()
    again = await harness.client.post(
        end_url, json={"ended_on": TODAY.isoformat(), "reason": "合同到期"}, headers=harness.county()
    )
    assert again.status_code == 409 and again.json()["code"] == "not-linked"
    relinked = (await link(harness, approved, household)).json()
    assert relinked["id"] != first["id"] and relinked["version"] == 1
    mine = (await harness.client.get(f"/households/{household}/links", headers=harness.county())).json()
    assert [(item["id"], item["ended_on"]) for item in mine] == [
        (relinked["id"], None),
        (first["id"], TODAY.isoformat()),
    ]
    assert [event_type for event_type, _ in await harness.outbox()] == [
        contracts.LINK_MADE,
        contracts.LINK_ENDED,
        contracts.LINK_MADE,
    ]


# ---- benefits -------------------------------------------------------------------------------------------


async def test_a_corrected_benefit_keeps_the_amount_it_replaced(harness: Harness) -> None:
    approved = await project(harness)
    household = await harness.household()
    link_id = (await link(harness, approved, household)).json()["id"]
    first = await benefit(harness, link_id, THIS_YEAR, "2800.00")
    assert first.status_code == 200, first.text
    assert first.json()["current"]["version"] == 1 and first.json()["replaced"] == []
    no_reason = await benefit(harness, link_id, THIS_YEAR, "2600.00")
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason-required"
    corrected = await benefit(harness, link_id, THIS_YEAR, "2600.00", reason="扣除请假天数")
    body = corrected.json()
    assert (body["current"]["version"], body["current"]["amount"], body["current"]["reason"]) == (
        2,
        "2600.00",
        "扣除请假天数",
    )
    assert [(item["version"], item["amount"]) for item in body["replaced"]] == [(1, "2800.00")]
    too_late = await benefit(harness, link_id, THIS_YEAR + 2, "100.00")
    assert too_late.status_code == 422 and too_late.json()["code"] == "benefit-year"
    assert (await benefit(harness, link_id, THIS_YEAR + 1, "0.00")).status_code == 200
    absent = await benefit(harness, str(uuid.uuid4()), THIS_YEAR, "1.00")
    assert absent.status_code == 404
    events = [
        (event_type, data)
        for event_type, data in await harness.outbox()
        if event_type == contracts.BENEFIT_RECORDED
    ]
    assert [(data["version"], data["amount"], data["replaced_amount"]) for _, data in events] == [
        (1, "2800.00", None),
        (2, "2600.00", "2800.00"),
        (1, "0.00", None),
    ]
    mine = (await harness.client.get(f"/households/{household}/links", headers=harness.county())).json()
    assert mine[0]["received"] == [
        {"year": THIS_YEAR, "amount": "2600.00"},
        {"year": THIS_YEAR + 1, "amount": "0.00"},
    ]


# ---- reads ----------------------------------------------------------------------------------------------


async def test_the_summary_adds_up_what_was_linked_and_received(harness: Harness) -> None:
    approved = await project(harness)
    registered = [await harness.household() for _ in range(2)]
    returned = await harness.household(status="returned")
    monitored = await harness.household(status="monitored", division=harness.OTHER_VILLAGE)
    ended = await harness.household()
    ids = {}
    for household, mechanism, expected in (
        (registered[0], "wages", "3000.00"),
        (registered[1], "wages", "2500.50"),
        (returned, "dividends", "800.00"),
        (monitored, "land_rent", "600.00"),
        (ended, "purchases", "999.00"),
    ):
        made = await link(harness, approved, household, mechanism=mechanism, expected_yearly=expected)
        ids[household] = made.json()["id"]
    await harness.client.post(
        f"/projects/{approved}/links/{ended}/end",
        json={"ended_on": TODAY.isoformat(), "reason": "合同到期"},
        headers=harness.county(),
    )
    await benefit(harness, ids[registered[0]], THIS_YEAR, "2800.00")
    await benefit(harness, ids[registered[0]], THIS_YEAR, "2900.00", reason="补发")
    await benefit(harness, ids[returned], THIS_YEAR, "700.00")
    await benefit(harness, ids[ended], THIS_YEAR, "500.00")
    await benefit(harness, ids[monitored], THIS_YEAR + 1, "300.00")
    summary = await harness.client.get(f"/projects/{approved}/links/summary", headers=harness.county())
    assert summary.status_code == 200, summary.text
    # By hand: four current links (the purchase one ended); wages 3000.00 + 2500.50; received this year
    # 2900.00 (the correction, not 2800.00) + 700.00 + 500.00 (the ended link received it) = 4100.00.
    assert summary.json() == {
        "project_id": str(approved),
        "households": 4,
        "by_mechanism": [
            {"mechanism": "dividends", "households": 1, "expected_yearly": "800.00"},
            {"mechanism": "land_rent", "households": 1, "expected_yearly": "600.00"},
            {"mechanism": "wages", "households": 2, "expected_yearly": "5500.50"},
        ],
        "expected_yearly_total": "6900.50",
        "received_by_year": [
            {"year": THIS_YEAR, "amount": "4100.00"},
            {"year": THIS_YEAR + 1, "amount": "300.00"},
        ],
        "still_poor": 3,
    }
    # The village of the monitored household sees its own household only.
    village = await harness.client.get(
        f"/projects/{approved}/links/summary", headers=harness.village(harness.OTHER_VILLAGE)
    )
    assert village.status_code == 404  # the project lies in another village
    township = (
        await harness.client.get(f"/projects/{approved}/links/summary", headers=harness.township())
    ).json()
    assert township["households"] == 4


async def test_lists_page_and_mask_heads_above_the_county(harness: Harness) -> None:
    approved = await project(harness)
    for division in (harness.VILLAGE, harness.OTHER_VILLAGE, harness.VILLAGE):
        await link(harness, approved, await harness.household(division=division))
    first = await harness.client.get(
        f"/projects/{approved}/links", params={"limit": 2}, headers=harness.county()
    )
    assert first.status_code == 200 and len(first.json()) == 2
    cursor = first.headers["Next-Cursor"]
    rest = await harness.client.get(
        f"/projects/{approved}/links", params={"limit": 2, "after": cursor}, headers=harness.county()
    )
    assert len(rest.json()) == 1 and "Next-Cursor" not in rest.headers
    assert {item["head_name"] for item in first.json() + rest.json()} == {"张三丰"}
    city = await harness.client.get(f"/projects/{approved}/links", headers=harness.city())
    assert city.status_code == 200 and {item["head_name"] for item in city.json()} == {"张**"}
    by_division = await harness.client.get(
        "/links", params={"division": harness.OTHER_VILLAGE, "mechanism": "wages"}, headers=harness.city()
    )
    assert [item["division"] for item in by_division.json()] == [harness.OTHER_VILLAGE]
    assert [item["head_name"] for item in by_division.json()] == ["张**"]
    none = await harness.client.get("/links", params={"mechanism": "dividends"}, headers=harness.county())
    assert none.json() == []
    outside = await harness.client.get(
        "/links", params={"division": harness.VILLAGE}, headers=harness.county("520103000000")
    )
    assert outside.status_code == 404


async def test_a_retry_with_the_same_key_answers_the_first_response(harness: Harness) -> None:
    approved = await project(harness)
    household = await harness.household()
    headers = {**harness.county(), "Idempotency-Key": "link-1"}
    url = f"/projects/{approved}/links/{household}"
    first = await harness.client.put(url, json=link_body(), headers=headers)
    retry = await harness.client.put(url, json=link_body(), headers=headers)
    assert first.status_code == retry.status_code == 200 and retry.json() == first.json()
    other = await harness.client.put(url, json=link_body(expected_yearly="1.00"), headers=headers)
    assert other.status_code == 422 and other.json()["code"] == "idempotency-key-reused"
    link_id = first.json()["id"]
    benefit_headers = {**harness.county(), "Idempotency-Key": "benefit-1"}
    paid = await harness.client.put(
        f"/links/{link_id}/benefits/{THIS_YEAR}", json={"amount": "10.00"}, headers=benefit_headers
    )
    paid_again = await harness.client.put(
        f"/links/{link_id}/benefits/{THIS_YEAR}", json={"amount": "10.00"}, headers=benefit_headers
    )
    assert paid.status_code == paid_again.status_code == 200 and paid_again.json() == paid.json()
    assert await harness.sql("SELECT count(*) FROM project_links") == [(1,)]
    assert await harness.sql("SELECT count(*) FROM link_benefits") == [(1,)]
    assert [event_type for event_type, _ in await harness.outbox()] == [
        contracts.LINK_MADE,
        contracts.BENEFIT_RECORDED,
    ]


async def test_a_link_outside_the_callers_jurisdiction_is_as_if_absent(harness: Harness) -> None:
    """The benefit route is keyed by the link alone (the jurisdiction matrix has no link to aim at): a caller
    whose jurisdiction does not hold the link's household gets 404, as for a link that does not exist."""
    approved = await project(harness)
    household = await harness.household()
    link_id = (await link(harness, approved, household)).json()["id"]
    url = f"/links/{link_id}/benefits/{THIS_YEAR}"
    for outsider in (harness.township("520102017000"), harness.county("520103000000")):
        refused = await harness.client.put(url, json={"amount": "1.00"}, headers=outsider)
        assert refused.status_code == 404, refused.text
    assert (await harness.client.put(url, json={"amount": "1.00"}, headers=harness.city())).status_code == 403
    assert (
        await harness.client.put(url, json={"amount": "1.00"}, headers=harness.township())
    ).status_code == 200
    other_county = harness.county("520103000000")
    ended = await harness.client.post(
        f"/projects/{approved}/links/{household}/end",
        json={"ended_on": TODAY.isoformat(), "reason": "合同到期"},
        headers=other_county,
    )
    assert ended.status_code == 404  # the project lies outside its jurisdiction
    listed = await harness.client.get(f"/households/{household}/links", headers=other_county)
    assert listed.status_code == 404


async def test_a_step_that_moves_nothing_or_names_an_unknown_status_changes_nothing(harness: Harness) -> None:
    project_id = await project(harness)
    failed = step(project_id, PROJECT_VILLAGE, "fail_acceptance", "county_approved", "county_approved")
    await deliver(harness, failed)
    assert (await held(harness, project_id))[1:4] == ("county_approved", False, 3)
    adjusted = {**step(project_id, PROJECT_VILLAGE, "start", "in_library", "implementing").data}
    adjusted.update(action="adjust", from_status="county_approved", to_status="adjusted")
    event = project_event("fupin.funds.project.adjusted.v1", project_id, PROJECT_VILLAGE, adjusted)
    await deliver(harness, event)
    assert (await held(harness, project_id))[1:4] == ("county_approved", False, 3)


# ---- a rejected project ---------------------------------------------------------------------------------


def rejection(project_id: uuid.UUID) -> Envelope:
    """The county's rejection of an approved project, made at 01:00 in China today (17:00 UTC the day before):
    the links it ends end on China's day."""
    made_at = dt.datetime.combine(TODAY - dt.timedelta(days=1), dt.time(17, 0), tzinfo=dt.UTC)
    event = step(project_id, PROJECT_VILLAGE, "reject", "county_approved", "rejected")
    return event.model_copy(update={"time": made_at})


async def consume(harness: Harness, event: Envelope) -> None:
    """As the consumer applies it: the events its handler writes are caused by it."""
    with caused_by(event):
        await deliver(harness, event)


async def test_a_rejection_ends_the_projects_current_links_and_publishes_each_ending(
    harness: Harness,
) -> None:
    rejected = await project(harness)
    kept = await project(harness)
    households = [await harness.household() for _ in range(2)]
    ended_by_hand = await harness.household()
    for household in (*households, ended_by_hand):
        assert (await link(harness, rejected, household)).status_code == 200
    await harness.client.post(
        f"/projects/{rejected}/links/{ended_by_hand}/end",
        json={"ended_on": TODAY.isoformat(), "reason": "合同到期"},
        headers=harness.county(),
    )
    other = (await link(harness, kept, households[0])).json()["id"]
    before = len(await harness.outbox())
    event = rejection(rejected)
    await consume(harness, event)
    rows = await harness.sql(
        "SELECT household_id, ended_on, end_reason, ended_by FROM project_links WHERE project_id = :p",
        p=rejected,
    )
    ends = {row[0]: tuple(row[1:]) for row in rows}
    for household in households:
        assert ends[household] == (TODAY, "项目未通过审批", "system:assistance")
    assert ends[ended_by_hand][1] == "合同到期"
    staged = await harness.sql("SELECT type, payload FROM outbox ORDER BY seq")
    endings = [payload for _, payload in staged[before:]]
    assert [payload["type"] for payload in endings] == [contracts.LINK_ENDED] * 2
    assert {payload["data"]["household_id"] for payload in endings} == {str(h) for h in households}
    for payload in endings:
        assert payload["data"]["ended_on"] == TODAY.isoformat()
        assert payload["data"]["reason"] == "项目未通过审批"
        assert payload["actorid"] == "system:assistance"
        assert payload["causationid"] == str(event.id)
    # Lists and summaries count the project's links no longer; the other project's link is untouched.
    listed = (await harness.client.get("/links", headers=harness.county())).json()
    assert [item["id"] for item in listed] == [other]
    summary = (
        await harness.client.get(f"/projects/{rejected}/links/summary", headers=harness.county())
    ).json()
    assert summary["households"] == 0 and summary["expected_yearly_total"] == "0.00"
    # The same rejection again (a replay under another id) ends nothing more.
    await consume(harness, rejection(rejected))
    assert len(await harness.outbox()) == before + 2


async def test_a_link_made_while_the_rejection_is_applied_waits_for_it_and_is_refused(
    harness: Harness,
) -> None:
    """The consumer has applied the rejection but not yet committed: a link made meanwhile must not slip in
    beside the ending (it would stay current on a rejected project). It waits on the project's row and then
    sees the rejection."""
    rejected = await project(harness)
    household = await harness.household()
    event = rejection(rejected)
    async with harness.app.state.sessionmaker() as session, session.begin():
        with caused_by(event):
            await projects.on_step(session, event)
        made = asyncio.create_task(link(harness, rejected, household))
        await asyncio.sleep(0.5)
        assert not made.done(), made.result().text
    refused = await made
    assert refused.status_code == 409 and refused.json()["code"] == "project-not-approved"
    assert await harness.sql("SELECT count(*) FROM project_links") == [(0,)]


async def test_no_benefit_is_recorded_on_a_link_of_a_rejected_project(harness: Harness) -> None:
    rejected = await project(harness)
    link_id = (await link(harness, rejected, await harness.household())).json()["id"]
    await consume(harness, rejection(rejected))
    refused = await benefit(harness, link_id, THIS_YEAR, "100.00")
    assert refused.status_code == 409 and refused.json()["code"] == "project-rejected"
    assert await harness.sql("SELECT count(*) FROM link_benefits") == [(0,)]


# ---- a benefit's year and amount ------------------------------------------------------------------------


async def test_no_benefit_is_recorded_for_a_year_after_the_link_ended(harness: Harness) -> None:
    approved = await project(harness)
    household = await harness.household()
    link_id = (await link(harness, approved, household)).json()["id"]
    await harness.client.post(
        f"/projects/{approved}/links/{household}/end",
        json={"ended_on": TODAY.isoformat(), "reason": "合同到期"},
        headers=harness.county(),
    )
    after_end = await benefit(harness, link_id, THIS_YEAR + 1, "100.00")
    assert after_end.status_code == 422 and after_end.json()["code"] == "benefit-year"
    assert str(THIS_YEAR) in after_end.json()["detail"]
    # The year it ended in is still its own.
    assert (await benefit(harness, link_id, THIS_YEAR, "100.00")).status_code == 200


async def test_a_yearly_amount_above_a_million_yuan_is_refused(harness: Harness) -> None:
    approved = await project(harness)
    household = await harness.household()
    too_much = await link(harness, approved, household, expected_yearly="1000000.01")
    assert too_much.status_code == 422 and too_much.json()["code"] == "benefit-above-limit"
    assert "1,000,000" in too_much.json()["detail"]
    link_id = (await link(harness, approved, household, expected_yearly="1000000.00")).json()["id"]
    absurd = await benefit(harness, link_id, THIS_YEAR, "999999999999.99")
    assert absurd.status_code == 422 and absurd.json()["code"] == "benefit-above-limit"
    assert (await benefit(harness, link_id, THIS_YEAR, "1000000.00")).status_code == 200
    assert await harness.sql("SELECT amount FROM link_benefits") == [(Decimal("1000000.00"),)]


async def test_a_link_does_not_end_before_a_year_it_has_a_benefit_for(harness: Harness) -> None:
    """A second verifier recorded next year's benefit, then ended the link today: the benefit stayed counted
    outside the link's years."""
    approved = await project(harness)
    household = await harness.household()
    link_id = (await link(harness, approved, household)).json()["id"]
    assert (await benefit(harness, link_id, THIS_YEAR + 1, "100.00")).status_code == 200
    ended = await harness.client.post(
        f"/projects/{approved}/links/{household}/end",
        json={"ended_on": TODAY.isoformat(), "reason": "合同到期"},
        headers=harness.county(),
    )
    assert ended.status_code == 422, ended.text
    assert ended.json()["code"] == "benefit-after-end" and str(THIS_YEAR + 1) in ended.json()["detail"]
    assert await harness.sql("SELECT count(*) FROM project_links WHERE ended_on IS NOT NULL") == [(0,)]

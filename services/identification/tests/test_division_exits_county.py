"""A poor county's exit (贫困县摘帽): county proposes → city checks → province verifies against a closed
third-party evaluation → notice → province approves. The evaluation is learnt from the evaluation service's
`evaluation.closed` events on its real domain topic, consumed by identification's own consumer spec (the
topics and handlers main.py subscribes; a group of this module's own so no committed offsets are shared).

修文县 (520123) is this module's county: no other test writes households or evaluations there."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from fupin_contracts import evaluation as evaluation_contracts
from fupin_contracts import identification as contracts
from fupin_contracts import registry as registry_contracts
from fupin_contracts import samples
from fupin_kit.consumer import ConsumerLoop, ConsumerSpec
from fupin_kit.envelope import Envelope, dlq_topic, domain_topic, new_event
from fupin_kit.kafka import make_producer

COUNTY = "520123000000"  # 修文县
CITY = "520100000000"  # 贵阳市
PROVINCE = "520000000000"
VILLAGE = "520123103001"  # 六广镇松江社区
DAY = 86_400
PLACE = [
    registry_contracts.DivisionNameV1(code=PROVINCE, division_name="贵州省"),
    registry_contracts.DivisionNameV1(code=CITY, division_name="贵阳市"),
    registry_contracts.DivisionNameV1(code=COUNTY, division_name="修文县"),
    registry_contracts.DivisionNameV1(code="520123103000", division_name="六广镇"),
    registry_contracts.DivisionNameV1(code=VILLAGE, division_name="松江社区"),
]


class Consumer:
    """identification's consumer spec (main.py), run against the harness's database and broker."""

    def __init__(self, harness: Any) -> None:
        [spec] = harness.app.state.service_spec.consumers
        self.spec = spec
        own = ConsumerSpec(
            f"identification-division-exits-{uuid.uuid4().hex[:8]}", spec.topics, spec.handlers, batch=True
        )
        self.loop = ConsumerLoop(harness.app.state.settings, own, harness.app.state.sessionmaker)
        self.settings = harness.app.state.settings

    async def publish(self, event: Envelope) -> None:
        producer = make_producer(self.settings)
        await producer.start()
        try:
            await producer.send_and_wait(
                domain_topic("evaluation"),
                event.to_bytes(),
                key=event.subject.encode(),
                headers=event.routing_headers(),
            )
        finally:
            await producer.stop()


@pytest_asyncio.fixture
async def consumer(harness: Any) -> AsyncIterator[Consumer]:
    found = Consumer(harness)
    await harness.stack.topics(
        {
            domain_topic("registry"): 3,
            domain_topic("evaluation"): 3,
            dlq_topic(found.loop.group_id): 1,
        }
    )
    task = asyncio.create_task(found.loop.run())
    try:
        yield found
    finally:
        await found.loop.stop()
        await asyncio.wait_for(task, 30)


def closed(
    evaluation_id: uuid.UUID,
    year: int,
    vetoed: str | None = None,
    *,
    county: str = COUNTY,
    unsurveyed: int | None = None,
    partial_reason: str | None = None,
) -> Envelope:
    """The evaluation service's evaluation.closed event of the county (修文县 unless given; its rates
    passing but `vetoed`; `unsurveyed` sampled households never surveyed, closed with `partial_reason`)."""
    payload = samples.evaluation_closed(
        evaluation_id,
        county,
        year,
        vetoed=vetoed,
        unsurveyed_households=unsurveyed,
        partial_reason=partial_reason,
    )
    return new_event(
        service="evaluation",
        type=evaluation_contracts.EVALUATION_CLOSED,
        aggregate="evaluation",
        aggregate_id=str(evaluation_id),
        division=county,
        data=payload.model_dump(mode="json"),
    )


async def held(harness: Any, evaluation_id: uuid.UUID, timeout_s: float = 60.0) -> Any:
    """The read model's row of the evaluation, once the consumer has kept it."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        rows = await harness.sql(
            "SELECT passed, updated_at FROM rm_closed_evaluations WHERE evaluation_id = :id", id=evaluation_id
        )
        if rows:
            return rows[0]
        await asyncio.sleep(0.2)
    raise AssertionError(f"evaluation {evaluation_id} never reached the read model")


async def step(harness: Any, exit_id: str, action: str, headers: dict[str, str], **body: Any) -> Any:
    return await harness.client.post(
        f"/division-exits/{exit_id}/actions/{action}", json=body, headers=headers
    )


async def test_a_county_exits_once_a_passing_evaluation_is_consumed(harness: Any, consumer: Consumer) -> None:
    # The consumer is main.py's: the evaluation's topic and its closed events are subscribed.
    assert domain_topic("evaluation") in consumer.spec.topics
    assert evaluation_contracts.EVALUATION_CLOSED in consumer.spec.handlers
    year = await harness.year()
    county = harness.county(COUNTY)
    city = harness.auth("city", CITY, "officer")
    province = harness.auth("province", PROVINCE, "officer")
    await harness.household(division=VILLAGE, place=PLACE)

    # The province designates its county; neither the county itself nor its city may.
    body = {"division": COUNTY, "designated_year": 2014, "basis": "国家扶贫开发工作重点县"}
    for refused in (county, city):
        assert (await harness.client.post("/poor-divisions", json=body, headers=refused)).status_code == 403
    designated = await harness.client.post("/poor-divisions", json=body, headers=province)
    assert designated.status_code == 201, designated.text
    assert designated.json()["level"] == "county" and designated.json()["division_name"] == "贵阳市修文县"
    settings = await harness.client.put(
        f"/region-settings/{COUNTY}/rural_population", json={"value": "200000"}, headers=county
    )
    assert settings.status_code == 200, settings.text

    summary = {"division": COUNTY, "year": year, "summary": "全县贫困发生率降至3%以下"}
    assert (await harness.client.post("/division-exits", json=summary, headers=city)).status_code == 403
    proposed = await harness.client.post("/division-exits", json=summary, headers=county)
    assert proposed.status_code == 201, proposed.text
    exit_id = proposed.json()["id"]
    assert proposed.json()["level"] == "county" and proposed.json()["indicators"]["incidence_pct"] == 0.0

    assert (await step(harness, exit_id, "check", province)).status_code == 403  # the city's step
    checked = await step(harness, exit_id, "check", city, reason="市级初审通过")
    assert checked.status_code == 200 and checked.json()["state"] == "city_checked", checked.text
    assert (await step(harness, exit_id, "verify", city)).status_code == 403

    refused = await step(harness, exit_id, "verify", province)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "no-passing-evaluation"
    assert problem["division"] == COUNTY and problem["year"] == year
    assert COUNTY in problem["detail"] and str(year) in problem["detail"]

    # A vetoed evaluation of the county and year is kept, and does not count.
    vetoed = uuid.uuid4()
    await consumer.publish(closed(vetoed, year, vetoed="wrongly_exited"))
    assert (await held(harness, vetoed))[0] is False
    still = await step(harness, exit_id, "verify", province)
    assert still.status_code == 409 and still.json()["code"] == "no-passing-evaluation"
    # Nor does one of another year.
    other_year = uuid.uuid4()
    await consumer.publish(closed(other_year, year - 1))
    assert (await held(harness, other_year))[0] is True
    assert (await step(harness, exit_id, "verify", province)).status_code == 409

    # The latest round of the year decides: a pass followed by a vetoed re-check does not count.
    overturned = uuid.uuid4()
    await consumer.publish(closed(overturned, year))
    assert (await held(harness, overturned))[0] is True
    rechecked = uuid.uuid4()
    await consumer.publish(closed(rechecked, year, vetoed="approval"))
    assert (await held(harness, rechecked))[0] is False
    after_veto = await step(harness, exit_id, "verify", province)
    assert after_veto.status_code == 409 and after_veto.json()["code"] == "no-passing-evaluation"
    assert str(rechecked) in after_veto.json()["detail"]

    passing = uuid.uuid4()
    event = closed(passing, year)
    await consumer.publish(event)
    passed, kept_at = await held(harness, passing)
    assert passed is True
    verified = await step(harness, exit_id, "verify", province, reason="第三方评估通过")
    assert verified.status_code == 200, verified.text
    procedure = verified.json()
    assert procedure["state"] == "province_verified" and procedure["evaluation_id"] == str(passing)
    assert procedure["evaluation"]["verdict"] == "pass"
    assert {rate["code"] for rate in procedure["evaluation"]["rates"]} == set(
        evaluation_contracts.VETO_RATE_CODES
    )

    # The same event delivered again changes nothing.
    duplicates = consumer.loop.stats.duplicates
    await consumer.publish(event)
    deadline = asyncio.get_running_loop().time() + 60
    while consumer.loop.stats.duplicates == duplicates:
        assert asyncio.get_running_loop().time() < deadline, "the redelivery was never consumed"
        await asyncio.sleep(0.2)
    assert await held(harness, passing) == (True, kept_at)
    assert (
        await harness.sql("SELECT count(*) FROM rm_closed_evaluations WHERE division = :d", d=COUNTY)
    ) == [(5,)]

    # Notice, approval after it, by the province.
    assert (await step(harness, exit_id, "open_notice", city)).status_code == 403
    noticed = await step(harness, exit_id, "open_notice", province)
    assert noticed.status_code == 200 and noticed.json()["state"] == "noticed", noticed.text
    ends = dt.datetime.fromisoformat(noticed.json()["notice_ends_at"])
    starts = dt.datetime.fromisoformat(noticed.json()["notice_starts_at"])
    assert ends - starts == dt.timedelta(days=7)
    too_soon = await step(harness, exit_id, "approve", province)
    assert too_soon.status_code == 409 and too_soon.json()["code"] == "exit-notice-running"
    board = (await harness.client.get("/public/division-exits", params={"level": "county"})).json()
    assert [(item["division"], item["state"]) for item in board if item["division"] == COUNTY] == [
        (COUNTY, "noticed")
    ]
    # A village's board, and its township's, show their county's 摘帽 notice; another county's village not.
    for below in (VILLAGE, VILLAGE[:9] + "000"):
        seen = (await harness.client.get("/public/division-exits", params={"division": below})).json()
        assert [item["division"] for item in seen if item["id"] == exit_id] == [COUNTY], below
    elsewhere = await harness.client.get("/public/division-exits", params={"division": "520115001001"})
    assert exit_id not in [item["id"] for item in elsewhere.json()]
    await harness.advance_clock(7 * DAY + 60)
    approved = await step(harness, exit_id, "approve", province, reason="批准退出")
    assert approved.status_code == 200 and approved.json()["state"] == "exited", approved.text
    assert [entry["to_state"] for entry in approved.json()["history"]] == [
        "proposed",
        "city_checked",
        "province_verified",
        "noticed",
        "exited",
    ]
    assert approved.json()["history"][2]["detail"] == {"evaluation_id": str(passing)}
    listed = (await harness.client.get(f"/poor-divisions/{COUNTY}", headers=city)).json()
    assert listed["status"] == "exited" and listed["exit_year"] == year

    rows = await harness.sql(
        "SELECT type, division, payload FROM outbox WHERE aggregatetype = 'division-exit' AND aggregateid = :id "
        "ORDER BY seq",
        id=exit_id,
    )
    assert [row[0] for row in rows] == [
        contracts.DIVISION_EXIT_PROPOSED,
        *[contracts.DIVISION_EXIT_PROGRESSED] * 3,
        contracts.DIVISION_EXIT_APPROVED,
    ]
    assert {row[1] for row in rows} == {COUNTY}
    verify_event = contracts.DivisionExitV1.model_validate(rows[2][2]["data"])
    assert verify_event.action == "verify" and verify_event.evaluation_id == passing

    # A sibling county and another city see nothing of it.
    for outsider in (harness.county("520115000000"), harness.auth("city", "520200000000", "officer")):
        assert (await harness.client.get(f"/division-exits/{exit_id}", headers=outsider)).status_code == 404
        assert (await step(harness, exit_id, "reject", outsider, reason="不同意")).status_code == 404


XIANTAO = "429004000000"  # 仙桃市, under 湖北's 省直辖县级行政区划: no city government above it
HUBEI = "420000000000"
XIANTAO_PLACE = [
    registry_contracts.DivisionNameV1(code=HUBEI, division_name="湖北省"),
    registry_contracts.DivisionNameV1(
        code="429000000000", division_name="省直辖县级行政区划", placeholder=True
    ),
    registry_contracts.DivisionNameV1(code=XIANTAO, division_name="仙桃市"),
    registry_contracts.DivisionNameV1(code="429004001000", division_name="沙嘴街道"),
    registry_contracts.DivisionNameV1(code="429004001001", division_name="王市口居委会"),
]


async def test_the_province_checks_a_county_with_no_city_above_it(harness: Any) -> None:
    year = await harness.year()
    county = harness.county(XIANTAO)
    province = harness.auth("province", HUBEI, "officer")
    await harness.household(division="429004001001", place=XIANTAO_PLACE)
    grouping = await harness.client.post(
        "/poor-divisions", json={"division": "429000000000", "designated_year": 2014}, headers=province
    )
    assert grouping.status_code == 422  # a statistical grouping is no county
    designated = await harness.client.post(
        "/poor-divisions", json={"division": XIANTAO, "designated_year": 2014}, headers=province
    )
    assert designated.status_code == 201, designated.text
    assert designated.json()["division_name"] == "仙桃市"  # the grouping is no part of a place
    put = await harness.client.put(
        f"/region-settings/{XIANTAO}/rural_population", json={"value": "800000"}, headers=county
    )
    assert put.status_code == 200, put.text
    proposed = await harness.client.post(
        "/division-exits", json={"division": XIANTAO, "year": year, "summary": "申请摘帽"}, headers=county
    )
    assert proposed.status_code == 201, proposed.text
    exit_id = proposed.json()["id"]
    assert proposed.json()["indicators"]["threshold_pct"] == 2.0  # 湖北 is not western
    read = (await harness.client.get(f"/division-exits/{exit_id}", headers=province)).json()
    assert read["permitted_actions"] == ["check", "reject"]
    checked = await step(harness, exit_id, "check", province)
    assert checked.status_code == 200 and checked.json()["state"] == "city_checked", checked.text
    rejected = await step(harness, exit_id, "reject", province, reason="第三方评估未开展")
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    listed = (await harness.client.get(f"/poor-divisions/{XIANTAO}", headers=county)).json()
    assert listed["status"] == "designated"


XIFENG = "520122000000"  # 息烽县: this test's county, no other test's
XIFENG_VILLAGE = "520122100001"
XIFENG_PLACE = [
    registry_contracts.DivisionNameV1(code=PROVINCE, division_name="贵州省"),
    registry_contracts.DivisionNameV1(code=CITY, division_name="贵阳市"),
    registry_contracts.DivisionNameV1(code=XIFENG, division_name="息烽县"),
    registry_contracts.DivisionNameV1(code="520122100000", division_name="永靖镇"),
    registry_contracts.DivisionNameV1(code=XIFENG_VILLAGE, division_name="永安村"),
]


async def checked_county(harness: Any, county_code: str, place: list[Any], village: str) -> str:
    """The county designated by its province, its rural population set, its exit proposed and checked by
    its city: the procedure's id, waiting for the province's verification."""
    year = await harness.year()
    county = harness.county(county_code)
    await harness.household(division=village, place=place)
    designated = await harness.client.post(
        "/poor-divisions",
        json={"division": county_code, "designated_year": 2014},
        headers=harness.auth("province", PROVINCE, "officer"),
    )
    assert designated.status_code == 201, designated.text
    put = await harness.client.put(
        f"/region-settings/{county_code}/rural_population", json={"value": "200000"}, headers=county
    )
    assert put.status_code == 200, put.text
    proposed = await harness.client.post(
        "/division-exits", json={"division": county_code, "year": year, "summary": "申请摘帽"}, headers=county
    )
    assert proposed.status_code == 201, proposed.text
    exit_id: str = proposed.json()["id"]
    checked = await step(harness, exit_id, "check", harness.auth("city", CITY, "officer"))
    assert checked.status_code == 200, checked.text
    return exit_id


async def test_a_partial_evaluation_does_not_verify_an_exit(harness: Any, consumer: Consumer) -> None:
    """An evaluation closed with sampled households unsurveyed (the evaluation service lets a round close
    so when a reason is given) says nothing of the households it never reached: even with a pass verdict
    and four passing rates it does not verify the county, and the refusal says it was partial."""
    year = await harness.year()
    province = harness.auth("province", PROVINCE, "officer")
    exit_id = await checked_county(harness, XIFENG, XIFENG_PLACE, XIFENG_VILLAGE)

    partial = uuid.uuid4()
    reason = "贫困户层抽样户均外出务工，未能入户"
    await consumer.publish(closed(partial, year, county=XIFENG, unsurveyed=37, partial_reason=reason))
    assert (await held(harness, partial))[0] is False
    kept = await harness.sql(
        "SELECT unsurveyed_households, partial_reason FROM rm_closed_evaluations WHERE evaluation_id = :id",
        id=partial,
    )
    assert kept == [(37, reason)]
    refused = await step(harness, exit_id, "verify", province)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "no-passing-evaluation"
    assert f"{partial}, was partial (37 households unsurveyed)" in problem["detail"]
    assert problem["evaluation_id"] == str(partial) and problem["unsurveyed_households"] == 37

    # A later round surveying every sampled household verifies it; the snapshot says it was complete.
    complete = uuid.uuid4()
    await consumer.publish(closed(complete, year, county=XIFENG, unsurveyed=0))
    assert (await held(harness, complete))[0] is True
    verified = await step(harness, exit_id, "verify", province)
    assert verified.status_code == 200, verified.text
    assert verified.json()["evaluation_id"] == str(complete)
    snapshot = verified.json()["evaluation"]
    assert snapshot["unsurveyed_households"] == 0 and snapshot["partial_reason"] is None
    assert snapshot["verdict"] == "pass"


QINGZHEN = "520181000000"  # 清镇市: this test's county, no other test's
QINGZHEN_VILLAGE = "520181100001"
QINGZHEN_PLACE = [
    registry_contracts.DivisionNameV1(code=PROVINCE, division_name="贵州省"),
    registry_contracts.DivisionNameV1(code=CITY, division_name="贵阳市"),
    registry_contracts.DivisionNameV1(code=QINGZHEN, division_name="清镇市"),
    registry_contracts.DivisionNameV1(code="520181100000", division_name="卫城镇"),
    registry_contracts.DivisionNameV1(code=QINGZHEN_VILLAGE, division_name="东门桥村"),
]


async def test_approval_rechecks_the_latest_evaluation(harness: Any, consumer: Consumer) -> None:
    """A later round of the county and year closing with a veto, or partial, after the verification and
    before the approval stops the approval as it would have stopped the verification; a later round that
    passes lets it through."""
    year = await harness.year()
    province = harness.auth("province", PROVINCE, "officer")
    exit_id = await checked_county(harness, QINGZHEN, QINGZHEN_PLACE, QINGZHEN_VILLAGE)
    first = uuid.uuid4()
    await consumer.publish(closed(first, year, county=QINGZHEN, unsurveyed=0))
    await held(harness, first)
    assert (await step(harness, exit_id, "verify", province)).status_code == 200
    assert (await step(harness, exit_id, "open_notice", province)).status_code == 200
    await harness.advance_clock(7 * DAY + 60)

    vetoed = uuid.uuid4()
    await consumer.publish(closed(vetoed, year, vetoed="missed", county=QINGZHEN, unsurveyed=0))
    assert (await held(harness, vetoed))[0] is False
    refused = await step(harness, exit_id, "approve", province, reason="批准退出")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "no-passing-evaluation"
    assert refused.json()["evaluation_id"] == str(vetoed)
    assert (
        f"the latest, {vetoed}, did not (verdict veto), a later round than {first}"
        in refused.json()["detail"]
    )

    partial = uuid.uuid4()
    await consumer.publish(closed(partial, year, county=QINGZHEN, unsurveyed=3, partial_reason="三户搬迁"))
    await held(harness, partial)
    still = await step(harness, exit_id, "approve", province, reason="批准退出")
    assert still.status_code == 409 and still.json()["code"] == "no-passing-evaluation", still.text
    assert f"{partial}, was partial (3 households unsurveyed)" in still.json()["detail"]

    rechecked = uuid.uuid4()
    await consumer.publish(closed(rechecked, year, county=QINGZHEN, unsurveyed=0))
    await held(harness, rechecked)
    approved = await step(harness, exit_id, "approve", province, reason="批准退出")
    assert approved.status_code == 200 and approved.json()["state"] == "exited", approved.text
    assert approved.json()["history"][-1]["detail"] == {"evaluation_id": str(rechecked)}

"""Evaluation's events as the tier feeds carry them: every event the service staged goes through the
gateway's feed router (its real handler, on a fresh gateway database: the feed store and the feed-topic
copies it stages in the gateway's outbox), then each feed is read with the query and view of the pull API
under the deployed policy (deploy/feed-policy.yaml).

- A task the county assigns to a township (or to a village) reaches the assignee's feed: its assignment and
  every later step (`assignment.*`, with the assignee's division), what people typed masked, and a sibling
  township's feed holds nothing of it; so for an assessment's task (`.v2`) of a county its county assigns.
  The tiers above, which carry the task's own events, get no second copy of any step.
- An assessment the nation opens over provinces: its opening stays with the nation (division 000000000000
  lies in no province, so the router copies it onto no feed topic), each province is told its own opening
  (`assessee.opened_by_nation`, the province's division), and each province's opening, result and the
  task its 较差 grade opens reach that province's topic and feed, never another province's.
- An assessment a city or a province opens: each assessee's feed (and that of a city between a county and
  its province) carries its own opening, a sibling's nothing; the assessor and the tiers above it read
  `assessment.opened` alone, and the province's topic carries that once, with no assessee's copy."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from fupin_contracts import evaluation as contracts
from fupin_gateway.feeds import repository as feed_repository
from fupin_gateway.feeds.consumer import FeedRouter, declared_feeds
from fupin_gateway.feeds.policy import FeedPolicy, identity_tier, load_policy
from fupin_gateway.feeds.views import event_view
from fupin_kit import divisions
from fupin_kit.auth.actor import Actor
from fupin_kit.db import create_engine
from fupin_kit.envelope import Envelope, feed_topic
from fupin_kit.settings import repository_root
from fupin_kit.testing import Stack

Harness = Any  # conftest's Harness (test modules cannot import it under importlib mode)
POLICY_FILE = repository_root() / "deploy" / "feed-policy.yaml"
TOPICS_FILE = repository_root() / "deploy" / "topics.yaml"
TOWNSHIP = "520102016000"
SIBLING = "520102017000"
VILLAGE = "520102016001"
NATION = "000000000000"
P52 = "520000000000"
P53 = "530000000000"
PHONE = "13812345678"


@dataclasses.dataclass
class FeedStore:
    """The gateway's feed router over its own fresh database."""

    engine: AsyncEngine
    policy: FeedPolicy
    router: FeedRouter

    async def route(self, harness: Harness) -> None:
        """Every event the evaluation service staged, in its order, as the consumer loop hands them on (a
        redelivered one is stored once)."""
        rows = await harness.sql("SELECT payload FROM outbox ORDER BY seq")
        sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        for row in rows:
            async with sessions() as session, session.begin():
                await self.router(session, Envelope.model_validate(row[0]))

    async def feed(self, tier: str, division: str) -> list[dict[str, Any]]:
        """The pull API's page for an officer of `tier` at `division`, from the beginning, under the policy
        the pull API gives that officer (feeds.policy.for_actor: a city without counties reads the city's
        types with the county's exclusions)."""
        officer = Actor(subject="user:feed", tier=tier, division=division, roles=frozenset({"officer"}))
        policy = self.policy.for_actor(officer)
        assert policy is not None
        sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        async with sessions() as session:
            rows = await feed_repository.events_after(
                session, subtree=divisions.subtree_range(division), after=0, limit=1000, policy=policy
            )
        return [event_view(row, identity_tier(officer), policy) for row in rows]

    async def copies(self) -> list[tuple[str, dict[str, Any]]]:
        """(topic, CloudEvent) of every feed-topic copy the router staged."""
        async with self.engine.connect() as connection:
            result = await connection.execute(text("SELECT topic, payload FROM outbox ORDER BY seq"))
            return [(row[0], row[1]) for row in result]


@pytest_asyncio.fixture
async def store(fupin_stack: Stack) -> AsyncIterator[FeedStore]:
    database = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    engine = create_engine(fupin_stack.settings("gateway", database), pool_size=2)
    policy = load_policy(POLICY_FILE)
    _, provinces = declared_feeds(TOPICS_FILE)
    try:
        yield FeedStore(engine, policy, FeedRouter(policy, provinces))
    finally:
        await engine.dispose()


def _of_task(events: list[dict[str, Any]], task: str) -> list[tuple[str, str]]:
    return [
        (event["type"], event["division"])
        for event in events
        if event["data"].get("rectification_id") == task
    ]


async def _post(harness: Harness, path: str, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response: httpx.Response = await harness.client.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    found: dict[str, Any] = response.json()
    return found


# ---- a task assigned to a township ------------------------------------------------------------------------


async def _closed_round(harness: Harness) -> tuple[str, str]:
    """A round of one village whose candidate household is found missed and unhappy: the county's approval
    task and the village's missed-household task, by id."""
    await harness.household(VILLAGE, "candidate", members=3)
    await harness.household(VILLAGE, "registered", members=2)
    body = harness.evaluation_body(townships_per_county=1, villages_per_township=1, households_per_village=2)
    evaluation = (await _post(harness, "/evaluations", harness.province(), **body))["id"]
    await _post(harness, f"/evaluations/{evaluation}/draw", harness.province())
    sample = await harness.client.get(f"/evaluations/{evaluation}/sample", headers=harness.province())
    for row in sample.json():
        found = row["status"] == "candidate"
        finding = {
            "household_id": row["household_id"],
            "satisfied": not found,
            "missed": found,
            "people_affected": 3 if found else 0,
        }
        await _post(harness, f"/evaluations/{evaluation}/findings", harness.province(), **finding)
    closed = await _post(harness, f"/evaluations/{evaluation}/close", harness.province())
    listed = await harness.client.get("/rectifications", headers=harness.county())
    ours = [task for task in listed.json() if task["id"] in closed["rectifications"]]
    by_kind = {task["kind"]: task["id"] for task in ours}
    return by_kind["approval_rate"], by_kind["missed_household"]


async def test_an_assigned_task_reaches_its_assignee_s_feed_and_no_sibling_s(
    harness: Harness, store: FeedStore
) -> None:
    task, village_task = await _closed_round(harness)
    township = harness.auth("township", TOWNSHIP, "officer")
    steps = f"/rectifications/{task}/steps"
    await _post(harness, f"{steps}/start", harness.county(), assignee=TOWNSHIP)
    await _post(harness, f"/rectifications/{village_task}/steps/start", harness.county(), assignee=VILLAGE)
    await _post(harness, f"{steps}/submit", township, note=f"已逐户回访，联系人电话 {PHONE}")
    await _post(harness, f"{steps}/return", harness.province(), note="回访记录不全")
    shown = (await harness.client.get(f"/rectifications/{task}", headers=township)).json()
    later = (dt.date.fromisoformat(shown["deadline"]) + dt.timedelta(days=10)).isoformat()
    extension = {"deadline": later, "reason": "跨年度项目，延长期限"}
    await _post(harness, f"/rectifications/{task}/deadline", harness.province(), **extension)
    await _post(harness, f"{steps}/submit", harness.county(), note="县里补齐")
    await _post(harness, f"{steps}/accept", harness.province())
    await store.route(harness)

    mine = await store.feed("township", TOWNSHIP)
    assert _of_task(mine, task) == [
        (contracts.ASSIGNMENT_OPENED, TOWNSHIP),
        (contracts.ASSIGNMENT_PROGRESSED, TOWNSHIP),
        (contracts.ASSIGNMENT_RETURNED, TOWNSHIP),
        (contracts.ASSIGNMENT_DEADLINE_EXTENDED, TOWNSHIP),
        (contracts.ASSIGNMENT_PROGRESSED, TOWNSHIP),
        (contracts.ASSIGNMENT_ACCEPTED, TOWNSHIP),
    ]
    of_task = [event for event in mine if event["data"].get("rectification_id") == task]
    for event in of_task:
        contracts.PAYLOADS[event["type"]].model_validate(event["data"])
        assert event["subject"] == f"rectification/{task}"
    opened = of_task[0]["data"]
    assert (opened["task_division"], opened["kind"], opened["status"]) == (
        harness.COUNTY,
        "approval_rate",
        "in_progress",
    )
    assert (opened["worker_tier"], opened["checker_tier"]) == ("county", "province")
    submitted = of_task[1]["data"]
    # What the township typed goes out masked, on its own feed too (the event is masked at publication).
    assert submitted["action"] == "submit" and PHONE not in submitted["note"]
    assert submitted["note"].startswith("已逐户回访") and "5678" in submitted["note"]
    assert of_task[2]["data"]["note"] == "回访记录不全"
    assert of_task[3]["data"]["deadline"] == later
    assert of_task[-1]["data"]["to_status"] == "accepted"
    # The village's task, assigned to the village, is in the township's subtree and on the village's feed.
    assert _of_task(mine, village_task) == [(contracts.ASSIGNMENT_OPENED, VILLAGE)]
    village = await store.feed("village", VILLAGE)
    assert _of_task(village, village_task) == [(contracts.ASSIGNMENT_OPENED, VILLAGE)]
    assert _of_task(village, task) == []

    assert _of_task(await store.feed("township", SIBLING), task) == []
    assert _of_task(await store.feed("township", SIBLING), village_task) == []

    # The county and the tiers above read the task's own events (the start names the assignee), once.
    for tier, division in (("county", harness.COUNTY), ("province", harness.PROVINCE)):
        types = [event_type for event_type, _ in _of_task(await store.feed(tier, division), task)]
        assert types == [
            contracts.RECTIFICATION_OPENED,
            contracts.RECTIFICATION_PROGRESSED,
            contracts.RECTIFICATION_PROGRESSED,
            contracts.RECTIFICATION_RETURNED,
            contracts.RECTIFICATION_DEADLINE_EXTENDED,
            contracts.RECTIFICATION_PROGRESSED,
            contracts.RECTIFICATION_ACCEPTED,
        ], tier
    on_topics = [
        (topic, body["type"])
        for topic, body in await store.copies()
        if body["data"].get("rectification_id") == task
    ]
    assert {topic for topic, _ in on_topics} == {feed_topic("52")}
    assert len(on_topics) == 7 and not any(".assignment." in event_type for _, event_type in on_topics)


# ---- assessments: a county's task assigned to a township, a nation's assessment of provinces --------------


def _parts(score: int) -> dict[str, int]:
    return dict.fromkeys(
        ("poverty_reduction", "identification_accuracy", "assistance_satisfaction", "funds"), score
    )


async def _opened(harness: Harness, assessor: dict[str, str], assessees: list[str], **extra: Any) -> str:
    body = {"year": 2024, "assessees": assessees, **extra}
    return str((await _post(harness, "/assessments", assessor, **body))["id"])


async def _finalized(harness: Harness, assessor: dict[str, str], assessees: list[str]) -> tuple[str, str]:
    """An assessment of `assessees` by the officer `assessor`, the first graded 较差 (50), the others 好
    (95), finalized: its id and the first one's task."""
    assessment = await _opened(harness, assessor, assessees)
    for division in assessees:
        score = 50 if division == assessees[0] else 95
        for source in ("daily_supervision", "annual_check", "third_party"):
            response = await harness.client.put(
                f"/assessments/{assessment}/scores/{division}/{source}",
                json={"scores": _parts(score)},
                headers=assessor,
            )
            assert response.status_code == 200, response.text
    finalized = await _post(harness, f"/assessments/{assessment}/finalize", assessor)
    [task] = finalized["rectifications"]
    return assessment, str(task)


async def test_an_assessment_s_task_the_county_assigns_reaches_the_township(
    harness: Harness, store: FeedStore
) -> None:
    """A county graded 较差 by its city works a `.v2` task: assigned to a township, the township is told."""
    city = harness.auth("city", "520100000000", "officer")
    _, task = await _finalized(harness, city, [harness.COUNTY, "520103000000"])
    township = harness.auth("township", TOWNSHIP, "officer")
    await _post(harness, f"/rectifications/{task}/steps/start", harness.county(), assignee=TOWNSHIP)
    await _post(harness, f"/rectifications/{task}/steps/submit", township, note="已整改")
    await _post(harness, f"/rectifications/{task}/steps/accept", city)
    await store.route(harness)

    mine = [
        event
        for event in await store.feed("township", TOWNSHIP)
        if event["subject"] == f"rectification/{task}"
    ]
    assert [(event["type"], event["division"]) for event in mine] == [
        (contracts.ASSIGNMENT_OPENED, TOWNSHIP),
        (contracts.ASSIGNMENT_PROGRESSED, TOWNSHIP),
        (contracts.ASSIGNMENT_ACCEPTED, TOWNSHIP),
    ]
    opened = mine[0]["data"]
    assert (opened["evaluation_id"], opened["task_division"], opened["kind"]) == (
        None,
        harness.COUNTY,
        "assessment_poor",
    )
    assert (opened["worker_tier"], opened["checker_tier"]) == ("county", "city")
    assert _of_task(await store.feed("township", SIBLING), task) == []


async def test_a_nation_s_assessment_reaches_each_province_with_its_own_result_only(
    harness: Harness, store: FeedStore
) -> None:
    nation = harness.auth("nation", NATION, "officer")
    assessment, task = await _finalized(harness, nation, [P52, P53])
    province = harness.auth("province", P52, "officer")
    await _post(harness, f"/rectifications/{task}/steps/start", province)
    await _post(harness, f"/rectifications/{task}/steps/submit", province, note="已约谈整改")
    await _post(harness, f"/rectifications/{task}/steps/accept", nation)
    await store.route(harness)

    copies = await store.copies()
    of_assessment = [
        (topic, body)
        for topic, body in copies
        if body["subject"] in (f"assessment/{assessment}", f"rectification/{task}")
    ]
    by_topic: dict[str, list[tuple[str, str]]] = {}
    for topic, copy in of_assessment:
        by_topic.setdefault(topic, []).append((copy["type"], copy["division"]))
    # The opening (the nation's division) goes onto no province's topic; each province's own opening and
    # result onto its own, once.
    assert by_topic == {
        feed_topic("52"): [
            (contracts.ASSESSEE_OPENED_BY_NATION, P52),
            (contracts.ASSESSMENT_FINALIZED, P52),
            (contracts.RECTIFICATION_OPENED_V2, P52),
            (contracts.RECTIFICATION_PROGRESSED_V2, P52),
            (contracts.RECTIFICATION_PROGRESSED_V2, P52),
            (contracts.RECTIFICATION_ACCEPTED_V2, P52),
        ],
        feed_topic("53"): [
            (contracts.ASSESSEE_OPENED_BY_NATION, P53),
            (contracts.ASSESSMENT_FINALIZED, P53),
        ],
    }
    opening_52 = next(copy["data"] for topic, copy in of_assessment if topic == feed_topic("52"))
    contracts.AssesseeOpenedV1.model_validate(opening_52)
    assert (opening_52["division"], opening_52["assessor"], opening_52["assessor_tier"]) == (
        P52,
        NATION,
        "nation",
    )
    assert (opening_52["assessment_id"], opening_52["year"], opening_52["assessee_level"]) == (
        assessment,
        2024,
        "province",
    )
    assert set(opening_52["scheme"]) == {"source_weights", "part_weights"}
    result_52 = next(
        copy["data"]
        for topic, copy in of_assessment
        if topic == feed_topic("52") and copy["type"] == contracts.ASSESSMENT_FINALIZED
    )
    assert (result_52["grade"], result_52["consequence"], result_52["rectification_id"]) == (
        "poor",
        "interview",
        task,
    )
    assert (result_52["division"], result_52["assessor"]) == (P52, NATION)
    # Nothing of province 53's result on 52's topic, in any field.
    assert not any(P53 in str(copy) for topic, copy in copies if topic == feed_topic("52"))
    result_53 = next(
        copy["data"]
        for topic, copy in of_assessment
        if topic == feed_topic("53") and copy["type"] == contracts.ASSESSMENT_FINALIZED
    )
    assert (result_53["grade"], result_53["consequence"]) == ("good", "commendation")

    def of_it(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [
            (event["type"], event["division"])
            for event in events
            if event["subject"] in (f"assessment/{assessment}", f"rectification/{task}")
        ]

    # The pull feeds: each province its own; the nation the opening (with every assessee) and every result.
    assert of_it(await store.feed("province", P52)) == by_topic[feed_topic("52")]
    assert of_it(await store.feed("province", P53)) == by_topic[feed_topic("53")]
    # The nation reads the opening once, with every assessee, and no assessee's copy of it.
    nation_feed = of_it(await store.feed("nation", NATION))
    assert nation_feed[0] == (contracts.ASSESSMENT_OPENED, NATION)
    assert sorted(nation_feed[1:3]) == [
        (contracts.ASSESSMENT_FINALIZED, P52),
        (contracts.ASSESSMENT_FINALIZED, P53),
    ]
    assert not any(".assessee." in event_type for event_type, _ in nation_feed)


def _of_assessment(events: list[dict[str, Any]], assessment: str) -> list[tuple[str, str]]:
    return [
        (event["type"], event["division"])
        for event in events
        if event["subject"] == f"assessment/{assessment}"
    ]


CITY = "520100000000"
COUNTY_2 = "520103000000"
SIBLING_COUNTY = "520111000000"


async def test_a_city_s_assessment_is_told_each_county_on_its_own_feed_only(
    harness: Harness, store: FeedStore
) -> None:
    city = harness.auth("city", CITY, "officer")
    assessment = await _opened(harness, city, [harness.COUNTY, COUNTY_2])
    await store.route(harness)

    for county in (harness.COUNTY, COUNTY_2):
        mine = [
            event
            for event in await store.feed("county", county)
            if event["subject"] == f"assessment/{assessment}"
        ]
        assert [(event["type"], event["division"]) for event in mine] == [
            (contracts.ASSESSEE_OPENED_BY_CITY, county)
        ]
        told = contracts.AssesseeOpenedV1.model_validate(mine[0]["data"])
        assert (told.division, told.assessor, told.assessor_tier, told.assessee_level) == (
            county,
            CITY,
            "city",
            "county",
        )
        other = COUNTY_2 if county == harness.COUNTY else harness.COUNTY
        assert other not in str(mine[0])
    # A county of the same city that is not assessed, and a township below an assessee, hear nothing.
    assert _of_assessment(await store.feed("county", SIBLING_COUNTY), assessment) == []
    assert _of_assessment(await store.feed("township", TOWNSHIP), assessment) == []
    # The assessor and the province above it read the opening once, with both assessees.
    for tier, division in (("city", CITY), ("province", P52)):
        seen = _of_assessment(await store.feed(tier, division), assessment)
        assert seen == [(contracts.ASSESSMENT_OPENED, CITY)], tier
    on_topics = [
        (topic, copy["type"])
        for topic, copy in await store.copies()
        if copy["subject"] == f"assessment/{assessment}"
    ]
    assert on_topics == [(feed_topic("52"), contracts.ASSESSMENT_OPENED)]


async def test_a_province_s_assessment_of_a_county_is_told_the_county_and_its_city(
    harness: Harness, store: FeedStore
) -> None:
    """The city between the county and its province does not read the province's opening (its division is
    the province's): it reads the county's copy, as the county does."""
    assessment = await _opened(harness, harness.province(), [harness.COUNTY], assessee_level="county")
    await store.route(harness)

    told = [(contracts.ASSESSEE_OPENED_BY_PROVINCE, harness.COUNTY)]
    assert _of_assessment(await store.feed("county", harness.COUNTY), assessment) == told
    assert _of_assessment(await store.feed("city", CITY), assessment) == told
    assert _of_assessment(await store.feed("county", COUNTY_2), assessment) == []
    province_feed = _of_assessment(await store.feed("province", P52), assessment)
    assert province_feed == [(contracts.ASSESSMENT_OPENED, P52)]


async def test_a_county_s_assessment_is_told_each_township_and_no_sibling(
    harness: Harness, store: FeedStore
) -> None:
    assessment = await _opened(harness, harness.county(), [TOWNSHIP])
    await store.route(harness)

    told = [(contracts.ASSESSEE_OPENED_BY_COUNTY, TOWNSHIP)]
    assert _of_assessment(await store.feed("township", TOWNSHIP), assessment) == told
    assert _of_assessment(await store.feed("township", SIBLING), assessment) == []
    assert _of_assessment(await store.feed("village", VILLAGE), assessment) == []
    for tier, division in (("county", harness.COUNTY), ("city", CITY), ("province", P52)):
        seen = _of_assessment(await store.feed(tier, division), assessment)
        assert seen == [(contracts.ASSESSMENT_OPENED, harness.COUNTY)], tier


GUANGDONG = "440000000000"
DONGGUAN = "441900000000"  # a city without counties: the county's powers, its townships below it
DONGGUAN_TOWNSHIP = "441900003000"


async def test_a_city_without_counties_is_told_as_a_county_and_tells_its_townships_as_one(
    harness: Harness, store: FeedStore
) -> None:
    """东莞 assessed by its province as a county reads the province's opening; its own assessment of its
    townships (as the county) is told each township and not again 东莞 or the province."""
    guangdong = harness.province(GUANGDONG)
    of_dongguan = await _opened(harness, guangdong, [DONGGUAN], assessee_level="county")
    dongguan = harness.auth("city", DONGGUAN, "officer")
    of_townships = await _opened(harness, dongguan, [DONGGUAN_TOWNSHIP])
    await store.route(harness)

    dongguan_feed = await store.feed("city", DONGGUAN)
    assert _of_assessment(dongguan_feed, of_dongguan) == [(contracts.ASSESSEE_OPENED_BY_PROVINCE, DONGGUAN)]
    assert _of_assessment(dongguan_feed, of_townships) == [(contracts.ASSESSMENT_OPENED, DONGGUAN)]
    township_feed = await store.feed("township", DONGGUAN_TOWNSHIP)
    assert _of_assessment(township_feed, of_townships) == [
        (contracts.ASSESSEE_OPENED_BY_COUNTY, DONGGUAN_TOWNSHIP)
    ]
    told = next(event["data"] for event in township_feed if event["subject"] == f"assessment/{of_townships}")
    assert (told["assessor"], told["assessor_tier"], told["assessee_level"]) == (
        DONGGUAN,
        "city",
        "township",
    )
    province_feed = await store.feed("province", GUANGDONG)
    assert _of_assessment(province_feed, of_dongguan) == [(contracts.ASSESSMENT_OPENED, GUANGDONG)]
    assert _of_assessment(province_feed, of_townships) == [(contracts.ASSESSMENT_OPENED, DONGGUAN)]

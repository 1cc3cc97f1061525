"""Tier feeds end to end on the real broker and PostgreSQL: a fake producing service writes CloudEvents
(with duplicates, two provinces and full resident IDs) onto the domain topics; the gateway (role "all")
stores them once, copies them once onto the provincial feed topics, and serves pull and SSE per tier."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import re
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import jwt
import orjson
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, TopicPartition
from rich.console import Console
from sqlalchemy.engine import make_url

from fupin_contracts import registry as registry_contracts
from fupin_gateway.config import GatewaySettings
from fupin_gateway.main import create_app
from fupin_kit.divisions import COUNTYLESS_CITIES
from fupin_kit.envelope import Envelope, domain_topic, feed_topic, new_event
from fupin_kit.kafka import make_producer
from fupin_kit.pii import check_digit
from fupin_kit.testing import InProcessServer
from fupin_kit.topics import declared_topics

# Not inside a longer token: a hex digest (an audit hash, a blind index) can hold 18 digits in a row.
FULL_ID = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9X](?![0-9A-Za-z])")
VILLAGE = "520102001001"
OTHER_VILLAGE = "520102001002"
COUNTY = "520102000000"
OTHER_COUNTY_VILLAGE = "520103001001"
CITY = "520100000000"
PROVINCE = "520000000000"
P53_VILLAGE = "530102001001"
REGISTERED = "fupin.registry.household.registered.v1"
UPDATED = "fupin.registry.household.updated.v1"
# Declared by no contract module (the gateway publishes none on its domain topic, which the feed router
# reads), so no tier receives it: deny by default.
VISIT = "fupin.gateway.visit.logged.v1"
# A type the identification service does emit, which the village receives (feed-policy.yaml).
APPLICATION = "fupin.identification.case.opened.v1"
DEADLINE_S = 60.0


def resident_id(first17: str) -> str:
    return first17 + check_digit(first17)


RID_52 = resident_id("52010219850312004")
RID_53 = resident_id("53010219900101002")


def household_event(event_type: str, division: str, household: str, rid: str, **extra: Any) -> Envelope:
    return new_event(
        service="registry" if event_type.startswith("fupin.registry") else event_type.split(".")[1],
        type=event_type,
        aggregate="household",
        aggregate_id=household,
        division=division,
        data={
            "household_id": household,
            "head_name": "张三丰",
            "resident_id": rid,
            "members": [{"name": "李四", "resident_id": rid}],
            "note": f"户主身份证 {rid} 已核验",  # no policy rule covers it: only the scrubber does
        },
        **extra,
    )


@dataclass
class Scenario:
    url: str
    stack: Any
    settings: GatewaySettings
    app: Any
    events: dict[str, Envelope] = field(default_factory=dict)

    def token(self, tier: str, division: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.stack.token(tier, division)}"}

    def dsn(self) -> str:
        url = make_url(self.settings.service_database_url()).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    async def publish(self, *events: Envelope) -> None:
        producer = make_producer(self.settings)
        await producer.start()
        try:
            for event in events:
                topic = domain_topic(event.source.rsplit("/", 1)[-1])
                await producer.send_and_wait(
                    topic,
                    value=event.to_bytes(),
                    key=event.aggregate_id.encode(),
                    headers=event.routing_headers(),
                )
        finally:
            await producer.stop()

    async def wait_stored(self, ids: list[uuid.UUID]) -> None:
        connection = await asyncpg.connect(self.dsn())
        try:
            deadline = time.monotonic() + DEADLINE_S
            while time.monotonic() < deadline:
                stored = await connection.fetchval(
                    "SELECT count(*) FROM feed_events WHERE event_id = ANY($1::uuid[])", ids
                )
                if stored == len(set(ids)):
                    return
                await asyncio.sleep(0.2)
            raise AssertionError(f"only {stored} of {len(set(ids))} events stored")
        finally:
            await connection.close()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def scenario(fupin_stack) -> AsyncIterator[Scenario]:
    database = await fupin_stack.fresh_database("fupin_gateway", "gateway")
    group = f"gateway-feed-router-{uuid.uuid4().hex[:8]}"
    base = fupin_stack.settings("gateway", database, role="all")
    settings = GatewaySettings(
        **{**base.model_dump(), "feed_router_group": group, "feed_keepalive_s": 1.0, "upstreams": {}}
    )
    await fupin_stack.topics({**declared_topics(settings.topics_file), f"fupin.dlq.{group}.v1": 1})
    app = create_app(settings)
    async with InProcessServer(app) as server:
        scenario = Scenario(url=server.url, stack=fupin_stack, settings=settings, app=app)
        events = {
            "reg1": household_event(
                REGISTERED, VILLAGE, "h1", RID_52, actor_id="user:cadre.zhang", actor_tier="village"
            ),
            "upd1": household_event(UPDATED, VILLAGE, "h1", RID_52),
            "reg2": household_event(REGISTERED, OTHER_VILLAGE, "h2", RID_52),
            "visit": household_event(VISIT, VILLAGE, "h1", RID_52),
            "multi": household_event(APPLICATION, VILLAGE, "h3", RID_52, extra_divisions=[P53_VILLAGE]),
            "cousin": household_event(REGISTERED, OTHER_COUNTY_VILLAGE, "h4", RID_52),
            "p53": household_event(REGISTERED, P53_VILLAGE, "h5", RID_53),
        }
        scenario.events.update(events)
        # Duplicates of the same id, in the same batch as the original.
        await scenario.publish(*events.values(), events["reg1"], events["p53"])
        await scenario.wait_stored([event.id for event in events.values()])
        yield scenario


async def pull_all(
    scenario: Scenario, tier: str, division: str, extra: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = 0
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            response = await client.get(
                f"{scenario.url}/feeds/events",
                params={"after": after, "limit": 3, **(extra or {})},
                headers=scenario.token(tier, division),
            )
            assert response.status_code == 200, response.text
            full = tier in ("county", "township", "village") or division in COUNTYLESS_CITIES
            assert not FULL_ID.search(response.text) or full
            page = response.json()
            if not page["events"]:
                assert page["next_after"] == after
                return events
            events.extend(page["events"])
            after = page["next_after"]


async def read_sse(
    scenario: Scenario,
    tier: str,
    division: str,
    *,
    count: int | None = None,
    until_seq: int | None = None,
    until_ids: set[str] | None = None,
    last_event_id: int | None = None,
    params: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """Read the stream until `count` events, an event with seq >= until_seq, or every id in until_ids;
    then disconnect. Returns the events (id / event / data checked) and the raw text received."""
    headers = scenario.token(tier, division)
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    received: list[dict[str, Any]] = []
    raw: list[str] = []
    pending: dict[str, str] = {}
    wanted = set(until_ids or ())

    def done() -> bool:
        if count is not None and len(received) >= count:
            return True
        if until_seq is not None and received and received[-1]["seq"] >= until_seq:
            return True
        return bool(until_ids) and wanted <= {event["id"] for event in received}

    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(10, read=DEADLINE_S)) as client,
        client.stream("GET", f"{scenario.url}/feeds/stream", headers=headers, params=params) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        deadline = time.monotonic() + DEADLINE_S
        while not done():
            assert time.monotonic() < deadline, f"stream stalled after {len(received)} events"
            line = await asyncio.wait_for(lines.__anext__(), DEADLINE_S)
            raw.append(line)
            if line == "":
                if "data" in pending:
                    event = orjson.loads(pending["data"])
                    assert pending["id"] == str(event["seq"]) and pending["event"] == event["type"]
                    received.append(event)
                pending = {}
            elif not line.startswith(":"):
                name, _, value = line.partition(": ")
                pending[name] = value
    return received, "\n".join(raw)


async def test_village_pull_sees_only_its_village_with_full_identity(scenario):
    events = await pull_all(scenario, "village", VILLAGE)
    assert events and all(event["division"] == VILLAGE for event in events)
    ids = {event["id"] for event in events}
    for name in ("reg1", "upd1", "multi"):
        assert str(scenario.events[name].id) in ids
    assert str(scenario.events["visit"].id) not in ids  # no tier's, by the policy
    assert str(scenario.events["reg2"].id) not in ids
    reg1 = next(event for event in events if event["id"] == str(scenario.events["reg1"].id))
    assert reg1["data"]["resident_id"] == RID_52  # the village works with full identity
    # Jurisdiction comes from the token only: a division parameter changes nothing.
    assert await pull_all(scenario, "village", VILLAGE, {"division": P53_VILLAGE}) == events
    # Seqs ascend strictly: the cursor is the seq.
    seqs = [event["seq"] for event in events]
    assert seqs == sorted(set(seqs))
    # Each item is a structured CloudEvent as on Kafka (QA6 events-feeds §7): the required attributes, the
    # time in UTC with "Z", no attribute written as null.
    for event in events:
        assert event["specversion"] == "1.0" and event["datacontenttype"] == "application/json"
        assert {"id", "source", "type", "time"} <= event.keys()
        assert event["time"].endswith("Z") and "+00:00" not in event["time"]
        assert all(value is not None for value in event.values())


async def test_tiers_above_county_never_see_a_full_id_in_pull(scenario):
    for tier, division in (("province", PROVINCE), ("city", CITY)):
        events = await pull_all(scenario, tier, division)  # asserts on the raw response text too
        ids = {event["id"] for event in events}
        assert str(scenario.events["reg1"].id) in ids and str(scenario.events["cousin"].id) in ids
        assert str(scenario.events["p53"].id) not in ids
        assert str(scenario.events["visit"].id) not in ids  # not this tier's business, by the policy
        reg1 = next(event for event in events if event["id"] == str(scenario.events["reg1"].id))
        assert reg1["data"]["head_name"] == "张**"
        assert reg1["data"]["resident_id"] == RID_52[:6] + "********" + RID_52[-4:]


async def test_a_countyless_citys_feed_carries_full_identity_as_the_countys(scenario):
    """QA5 feeds-admin #6: 东莞 (a city without counties) holds the county tier's powers and sees full
    identities in the API (Actor.sees_full_identity), so its feed is masked as the county's, not a city's;
    a city with counties still gets the city's masking."""
    rid = resident_id("44190019840818699")
    event = household_event(REGISTERED, "441900003001", "h-dg", rid)
    event.data["members"][0]["resident_id_index"] = "ab" * 32
    scenario.events["dongguan"] = event
    await scenario.publish(event)
    await scenario.wait_stored([event.id])

    def the_event(events: list[dict[str, Any]]) -> dict[str, Any]:
        return next(item for item in events if item["id"] == str(event.id))

    dongguan = the_event(await pull_all(scenario, "city", "441900000000"))
    assert dongguan["data"]["head_name"] == "张三丰" and dongguan["data"]["resident_id"] == rid
    assert dongguan["data"]["members"][0] == {
        "name": "李四",
        "resident_id": rid,
        "resident_id_index": "ab" * 32,
    }
    assert rid in dongguan["data"]["note"]
    # The same as its township below it, as the stream has it too.
    township = the_event(await pull_all(scenario, "township", "441900003000"))
    assert township["data"] == dongguan["data"]
    streamed, _ = await read_sse(scenario, "city", "441900000000", until_ids={str(event.id)})
    assert the_event(streamed)["data"] == dongguan["data"]
    # The province above it still sees it masked.
    province = the_event(await pull_all(scenario, "province", "440000000000"))
    assert (
        province["data"]["head_name"] == "张**" and "resident_id_index" not in province["data"]["members"][0]
    )


async def test_feeds_require_a_token(scenario):
    async with httpx.AsyncClient(timeout=10) as client:
        assert (await client.get(f"{scenario.url}/feeds/events")).status_code == 401
        assert (await client.get(f"{scenario.url}/feeds/stream")).status_code == 401
        bad = await client.get(
            f"{scenario.url}/feeds/stream",
            headers={**scenario.token("county", COUNTY), "Last-Event-ID": "x1"},
        )
        assert bad.status_code == 422
        # More digits than int() converts (4,300): a 422 like any other malformed id, not a 500.
        huge = await client.get(
            f"{scenario.url}/feeds/stream",
            headers={**scenario.token("county", COUNTY), "Last-Event-ID": "1" * 5000},
        )
        assert huge.status_code == 422 and huge.headers["content-type"].startswith("application/problem+json")


async def test_a_cursor_beyond_the_feeds_end_is_refused(scenario):
    """QA5 feeds-admin #3: a cursor the feed never gave out (ahead of its end) was accepted and answered
    "nothing new", so every event later numbered below it was skipped for good. Seqs are one sequence
    over the whole store, so the cursor is checked against the store's end, whatever the caller's subtree;
    the refusal names the caller's own feed's last seq (QA s17: the store's end, which counts every
    province's events, told a village how busy the whole platform was)."""
    own_last = (await pull_all(scenario, "village", VILLAGE))[-1]["seq"]
    # The store's last event is another province's, as on a running platform.
    elsewhere = household_event(REGISTERED, P53_VILLAGE, "h-beyond", RID_53)
    await scenario.publish(elsewhere)
    await scenario.wait_stored([elsewhere.id])
    connection = await asyncpg.connect(scenario.dsn())
    try:
        end = await connection.fetchval("SELECT max(seq) FROM feed_events")
    finally:
        await connection.close()
    ahead = end + 1000
    headers = scenario.token("village", VILLAGE)
    async with httpx.AsyncClient(timeout=10) as client:
        for request in (
            client.get(f"{scenario.url}/feeds/events", params={"after": ahead}, headers=headers),
            client.get(f"{scenario.url}/feeds/stream", params={"after": ahead}, headers=headers),
            client.get(f"{scenario.url}/feeds/stream", headers={**headers, "Last-Event-ID": str(ahead)}),
        ):
            refused = await request
            assert refused.status_code == 422, refused.text
            assert refused.headers["content-type"].startswith("application/problem+json")
            problem = refused.json()
            assert "beyond the feed's end" in problem["detail"], problem
            assert problem["feed_end"] == own_last < end, (problem, own_last, end)
            assert str(end) not in problem["detail"], problem
        # The end itself (the last event of the whole store, in another subtree here) is a cursor the feed
        # may have given: an empty page, not a refusal.
        page = await client.get(f"{scenario.url}/feeds/events", params={"after": end}, headers=headers)
        assert page.status_code == 200 and page.json()["next_after"] == end
        # A stream resumed from the event just received goes on as before.
        last = (await pull_all(scenario, "village", VILLAGE))[-1]["seq"]
        resumed = {**headers, "Last-Event-ID": str(last)}
        async with client.stream("GET", f"{scenario.url}/feeds/stream", headers=resumed) as response:
            assert response.status_code == 200
            lines = response.aiter_lines()
            assert await asyncio.wait_for(lines.__anext__(), DEADLINE_S) == "retry: 2000"
            assert await asyncio.wait_for(lines.__anext__(), DEADLINE_S) == f": resuming after {last}"


async def test_a_new_reader_starts_with_the_last_events_of_its_feed(scenario):
    """Cadre walk s18: the console's feed page, opened by a province officer, replayed every event since
    the platform began (4,009, one by one). `tail` starts a pull or a stream with the last events of the
    caller's own feed; its cursors are then resumed from as any others."""
    reference = await pull_all(scenario, "county", COUNTY)
    assert len(reference) >= 3
    headers = scenario.token("county", COUNTY)
    async with httpx.AsyncClient(timeout=10) as client:
        page = await client.get(f"{scenario.url}/feeds/events", params={"tail": 2}, headers=headers)
        assert page.status_code == 200, page.text
        assert [event["seq"] for event in page.json()["events"]] == [event["seq"] for event in reference[-2:]]
        assert page.json()["next_after"] == reference[-1]["seq"]
        everything = await client.get(f"{scenario.url}/feeds/events", params={"tail": 1000}, headers=headers)
        assert [event["id"] for event in everything.json()["events"]] == [event["id"] for event in reference]
        both = await client.get(
            f"{scenario.url}/feeds/events", params={"tail": 2, "after": reference[0]["seq"]}, headers=headers
        )
        assert both.status_code == 422 and "tail" in both.json()["detail"], both.text
        for wrong in (0, 1001, "x"):
            refused = await client.get(
                f"{scenario.url}/feeds/events", params={"tail": wrong}, headers=headers
            )
            assert refused.status_code == 422, refused.text
    streamed, raw = await read_sse(scenario, "county", COUNTY, count=2, params={"tail": 2})
    assert [event["seq"] for event in streamed] == [event["seq"] for event in reference[-2:]]
    assert f": resuming after {reference[-2]['seq'] - 1}" in raw
    # A reconnect names its Last-Event-ID: it resumes there, whatever `tail` the URL still says.
    resumed, _ = await read_sse(
        scenario, "county", COUNTY, count=2, params={"tail": 1}, last_event_id=reference[0]["seq"]
    )
    assert [event["seq"] for event in resumed] == [event["seq"] for event in reference[1:3]]


async def test_county_stream_resumes_without_gaps_or_repeats(scenario):
    first, _ = await read_sse(scenario, "county", COUNTY, count=2)
    assert len(first) == 2
    # While the county is away: a new event, and a late duplicate of one it has already stored.
    late = household_event(UPDATED, OTHER_VILLAGE, "h2", RID_52)
    scenario.events["late"] = late
    await scenario.publish(late, scenario.events["reg2"])
    await scenario.wait_stored([late.id])

    reference = await pull_all(scenario, "county", COUNTY)
    expected = {str(scenario.events[name].id) for name in ("reg1", "upd1", "reg2", "multi", "late")}
    assert expected <= {event["id"] for event in reference}
    assert str(scenario.events["visit"].id) not in {event["id"] for event in reference}
    assert all(event["division"].startswith("520102") for event in reference)
    rest, raw = await read_sse(
        scenario, "county", COUNTY, until_seq=reference[-1]["seq"], last_event_id=first[-1]["seq"]
    )
    # Nothing missed, nothing repeated, same order as the store.
    assert [event["seq"] for event in first + rest] == [event["seq"] for event in reference]
    assert [event["id"] for event in first + rest] == [event["id"] for event in reference]
    assert "retry:" in raw


async def test_city_stream_never_carries_a_full_id(scenario):
    wanted = {str(scenario.events[name].id) for name in ("reg1", "cousin", "multi")}
    events, raw = await read_sse(scenario, "city", CITY, until_ids=wanted)
    assert not FULL_ID.search(raw)
    assert all(event["division"].startswith("5201") for event in events)
    assert str(scenario.events["visit"].id) not in {event["id"] for event in events}


async def test_stream_keeps_alive_while_idle(scenario):
    headers = scenario.token("village", "520102001099")  # a village with no events at all
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(10, read=10)) as client,
        client.stream("GET", f"{scenario.url}/feeds/stream", headers=headers) as response,
    ):
        comments = 0
        async for line in response.aiter_lines():
            assert not line.startswith(("id:", "data:"))
            comments += line == ": keep-alive"
            if comments == 2:
                break


async def _drain(scenario: Scenario) -> None:
    connection = await asyncpg.connect(scenario.dsn())
    try:
        deadline = time.monotonic() + DEADLINE_S
        while await connection.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"):
            assert time.monotonic() < deadline, "the gateway outbox did not drain"
            await asyncio.sleep(0.2)
    finally:
        await connection.close()


async def _read_topic(scenario: Scenario, topic: str) -> list[tuple[dict[str, str], dict[str, Any], str]]:
    """Every record of `topic` from the beginning to its current end: (headers, body, raw value)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=scenario.settings.kafka_bootstrap_servers, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            await consumer.force_metadata_update()
            partitions = [
                TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[tuple[dict[str, str], dict[str, Any], str]] = []
        deadline = time.monotonic() + DEADLINE_S
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            assert time.monotonic() < deadline, f"could not read {topic} to its end"
            batch = await consumer.getmany(timeout_ms=500)
            for record in (r for rs in batch.values() for r in rs):
                headers = {key: value.decode() for key, value in record.headers}
                assert record.value is not None
                records.append((headers, orjson.loads(record.value), record.value.decode()))
        return records
    finally:
        await consumer.stop()


async def test_province_feed_topics_carry_each_entitled_event_once_masked(scenario):
    await _drain(scenario)
    feed52 = await _read_topic(scenario, feed_topic("52"))
    feed53 = await _read_topic(scenario, feed_topic("53"))
    ids52 = [headers["ce_id"] for headers, _, _ in feed52]

    for name in ("reg1", "upd1", "reg2", "multi", "cousin", "late"):
        assert ids52.count(str(scenario.events[name].id)) == 1, name  # duplicates published once
    assert str(scenario.events["visit"].id) not in ids52  # not entitled for the province tier
    assert str(scenario.events["p53"].id) not in ids52
    for headers, body, raw in feed52:
        assert not FULL_ID.search(raw), raw
        assert "actorid" not in body  # an account name, withheld from the province as in the pull API
        assert body["id"] == headers["ce_id"]
        provinces = {code[:2] for code in [body["division"], *body.get("extradivisions", [])]}
        assert "52" in provinces
    # One aggregate's events keep their order on the feed (same key, relay publishes in seq order).
    h1 = [body["type"] for _, body, _ in feed52 if body["subject"] == "household/h1"]
    assert h1[-2:] == [REGISTERED, UPDATED]

    ids53 = [headers["ce_id"] for headers, _, _ in feed53]
    assert ids53.count(str(scenario.events["p53"].id)) == 1
    multi = scenario.events["multi"]
    copy_id = str(uuid.uuid5(multi.id, "53"))
    assert ids53.count(copy_id) == 1 and str(multi.id) not in ids53
    copy = next(body for headers, body, _ in feed53 if headers["ce_id"] == copy_id)
    assert copy["originalid"] == str(multi.id)
    assert not any(FULL_ID.search(raw) for _, _, raw in feed53)
    # Each copy names its seq in the feed store, the pull API's and the stream's cursor: a consumer whose
    # topic restarted empty resumes the pull from the last copy it read (QA6 events-feeds §1).
    connection = await asyncpg.connect(scenario.dsn())
    try:
        seqs = dict(await connection.fetch("SELECT event_id::text, seq FROM feed_events"))
    finally:
        await connection.close()
    for _, body, _ in feed52 + feed53:
        assert body["feedseq"] == seqs[body["originalid"]], body


async def test_duplicates_are_stored_once(scenario):
    ids = [event.id for event in scenario.events.values()]
    connection = await asyncpg.connect(scenario.dsn())
    try:
        rows = await connection.fetch(
            "SELECT event_id, count(*) AS n FROM feed_events WHERE event_id = ANY($1::uuid[]) GROUP BY 1", ids
        )
    finally:
        await connection.close()
    assert len(rows) == len(ids) and all(row["n"] == 1 for row in rows)
    (router,) = scenario.app.state.consumers
    assert router.stats.duplicates >= 3  # reg1 and p53 in the first batch, reg2 re-sent later
    assert router.stats.dead_lettered == 0


async def test_fupin_feed_command_prints_the_village_feed(scenario):
    from fupin_cli.feed_cmd import FeedOptions, parse_sse, run_feed

    output = io.StringIO()
    options = FeedOptions(
        gateway_url=scenario.url,
        keys_dir=scenario.stack.keys.directory,
        division=VILLAGE,
        tier=None,  # derived from the code: village
        after=0,
        follow=False,
    )
    # The command is synchronous (httpx.Client); off the loop that serves the gateway.
    assert await asyncio.to_thread(run_feed, options, Console(file=output, width=400)) == 0
    printed = output.getvalue().splitlines()
    village_feed = await pull_all(scenario, "village", VILLAGE)
    assert len(printed) == len(village_feed)
    assert any(REGISTERED in line for line in printed)
    # --tail 1: the feed's last event only, not its beginning.
    tailed = io.StringIO()
    last_only = dataclasses.replace(options, tail=1)
    assert await asyncio.to_thread(run_feed, last_only, Console(file=tailed, width=400)) == 0
    [line] = tailed.getvalue().splitlines()
    assert line.split()[0] == str(village_feed[-1]["seq"]), line
    parsed = list(parse_sse(iter(["retry: 2000", ": keep-alive", "", "id: 7", "event: t", "data: {}", ""])))
    assert parsed == [("7", "t", "{}")]


async def _stream_until_closed(
    scenario: Scenario, token: str, on_open: Any = None
) -> tuple[list[str], float]:
    """Open the stream, run `on_open` once it is open, and read it until the server ends it. Returns the
    lines and how long after opening it ended."""
    headers = {"Authorization": f"Bearer {token}"}
    lines: list[str] = []
    async with (
        httpx.AsyncClient(timeout=httpx.Timeout(10, read=DEADLINE_S)) as client,
        client.stream("GET", f"{scenario.url}/feeds/stream", headers=headers) as response,
    ):
        assert response.status_code == 200
        opened = time.monotonic()
        if on_open is not None:
            await on_open()

        async def read_all() -> None:
            async for line in response.aiter_lines():
                lines.append(line)

        await asyncio.wait_for(read_all(), 30)  # the server must end it: a timeout here is the bug
        return lines, time.monotonic() - opened


async def test_stream_ends_when_its_token_expires(scenario):
    token = scenario.stack.token("village", "520102001099", subject="user:short.lived", lifetime_s=3)
    lines, took = await _stream_until_closed(scenario, token)
    assert ": token expired; stream closed" in lines
    assert took < 3 + 2  # at exp, not at the stream period or the next keep-alive
    assert not any(line.startswith("id:") for line in lines)


def _root(scenario) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {scenario.stack.token('nation', '000000000000', ['admin'], 'user:root')}"
    }


async def _village_account(scenario, client: httpx.AsyncClient, username: str, display_name: str) -> str:
    """A village cadre's account created through the admin API, and a token of its subject."""
    body = {
        "username": username,
        "display_name": display_name,
        "password": "correct horse battery",
        "tier": "village",
        "division": VILLAGE,
    }
    created = await client.post(f"{scenario.url}/admin/users", json=body, headers=_root(scenario))
    assert created.status_code == 201, created.text
    token: str = scenario.stack.token("village", VILLAGE, subject=f"user:{username}")
    return token


async def _reopened_status(scenario, token: str) -> int:
    async with httpx.AsyncClient(timeout=10) as client:
        reopened = await client.get(
            f"{scenario.url}/feeds/stream", headers={"Authorization": f"Bearer {token}"}
        )
    return reopened.status_code


async def test_stream_ends_when_the_subject_is_disabled(scenario):
    root, base = _root(scenario), f"{scenario.url}/admin/users"
    async with httpx.AsyncClient(timeout=10) as client:
        token = await _village_account(scenario, client, "stream.watcher", "王五")

        async def disable() -> None:
            disabled = await client.post(f"{base}/stream.watcher/disable", headers=root)
            assert disabled.status_code == 200, disabled.text

        lines, took = await _stream_until_closed(scenario, token, disable)
    assert ": token revoked; stream closed" in lines
    assert took < 5
    assert await _reopened_status(scenario, token) == 401


async def test_stream_ends_when_the_subjects_password_is_reset(scenario):
    """G8: an open stream of a token issued before a password reset ends with the reset; a token issued
    after it opens a stream again."""
    root, base = _root(scenario), f"{scenario.url}/admin/users"
    async with httpx.AsyncClient(timeout=10) as client:
        token = await _village_account(scenario, client, "stream.reset", "赵六")
        # Not-before is compared to the millisecond: the reset must come in a later one than the token.
        iat = jwt.decode(token, options={"verify_signature": False})["iat"]
        while time.time() < iat + 0.002:
            await asyncio.sleep(0.001)

        async def reset() -> None:
            done = await client.post(f"{base}/stream.reset/password", json={}, headers=root)
            assert done.status_code == 200, done.text

        lines, took = await _stream_until_closed(scenario, token, reset)
    assert ": token revoked; stream closed" in lines
    assert took < 5
    assert await _reopened_status(scenario, token) == 401
    fresh = scenario.stack.token("village", VILLAGE, subject="user:stream.reset", lifetime_s=2)
    lines, _ = await _stream_until_closed(scenario, fresh)
    assert ": token expired; stream closed" in lines


async def _pull_as(scenario: Scenario, headers: dict[str, str]) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(f"{scenario.url}/feeds/events", params={"limit": 1000}, headers=headers)
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


async def test_a_list_pushing_system_above_the_county_reads_no_feed(scenario):
    """QA10 verifier2 NEW-3: a department system above the county read on its feed the hits its own lists
    opened, and with them which ID numbers it had tried belong to people in cases. Then it was fed no
    identification events, but the seqs still told it (s17 verifier2: the store's end and the gaps grew by
    one per matched entry). Above the county a token that may push lists (the department role, a client
    with the push scope) reads no feed (403); the same tier's other readers do. NEW-4: pulled events carry
    the actor's tier, as streamed ones do."""
    multi = str(scenario.events["multi"].id)  # an identification event of the village

    def bearer(**claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {scenario.stack.token('city', CITY, **claims)}"}

    viewer = await _pull_as(scenario, bearer(roles=["viewer"]))
    assert multi in {event["id"] for event in viewer}
    reg1 = next(event for event in viewer if event["id"] == str(scenario.events["reg1"].id))
    assert reg1["actortier"] == "village" and "actorid" not in reg1
    async with httpx.AsyncClient(timeout=10) as client:
        for pusher in (
            bearer(roles=["department"]),
            bearer(roles=["department"], kind="client", scope="comparisons:push:disaster feeds.read"),
        ):
            for path in ("/feeds/events", "/feeds/stream"):
                refused = await client.get(f"{scenario.url}{path}", params={"after": 1}, headers=pusher)
                assert refused.status_code == 403, refused.text
                assert refused.json()["code"] == "list-pusher-feed"
    # A client that cannot push lists is fed as its tier is.
    reader = bearer(roles=["viewer"], kind="client", scope="feeds.read")
    assert multi in {event["id"] for event in await _pull_as(scenario, reader)}
    # At the county a pushing system sees full identities anyway: fed as the county is.
    county = {"Authorization": f"Bearer {scenario.stack.token('county', COUNTY, roles=['department'])}"}
    assert multi in {event["id"] for event in await _pull_as(scenario, county)}


def case_event(event_type: str, case: str, data: dict[str, Any]) -> Envelope:
    return new_event(
        service="identification",
        type=event_type,
        aggregate="case",
        aggregate_id=case,
        division=VILLAGE,
        data={
            "case_id": case,
            "kind": "monitoring",
            "household_id": str(uuid.uuid4()),
            "division": VILLAGE,
            "year": 2026,
            **data,
        },
    )


async def test_what_a_departments_list_caused_stays_with_the_county(scenario):
    """s17 verifier F1/F2: a warning a department's list opened (monitoring.opened naming discovery
    department_push, correlated with the push) and a confirmed exclusion reached the province's and the
    city's feeds and the province's Kafka topic, telling a feed reader of the pusher's organisation which
    entries matched. Withheld above the county on every path; a warning a cadre opened still goes up.
    Every later step of the pushed warning (identification_0015: each event of a monitoring case names its
    discovery) is withheld as its opening is, and still reaches the county; the cadre's goes up."""
    opened = "fupin.identification.monitoring.opened.v1"
    transition = {"action": "open", "from_state": None, "to_state": "monitor_warned"}
    pushed = case_event(opened, "c-push", {**transition, "discovery": "department_push"})
    visited = case_event(opened, "c-visit", {**transition, "discovery": "cadre_visit"})
    visit = {"action": "visit", "from_state": "monitor_warned", "to_state": "monitor_visited"}
    pushed_later = case_event(
        "fupin.identification.monitoring.visited.v1", "c-push", {**visit, "discovery": "department_push"}
    )
    visited_later = case_event(
        "fupin.identification.monitoring.visited.v1", "c-visit", {**visit, "discovery": "cadre_visit"}
    )
    excluded = case_event(
        "fupin.identification.case.exclusion_confirmed.v1",
        "c-excl",
        {
            "kind": "identification",
            "state": "registered",
            "hit_id": str(uuid.uuid4()),
            "hit_kind": "private_vehicle",
            "reason": "公安核实：本人名下小型轿车",
            "review": "exit_review",
        },
    )
    await scenario.publish(pushed, visited, excluded, pushed_later, visited_later)
    await scenario.wait_stored([pushed.id, visited.id, excluded.id, pushed_later.id, visited_later.id])
    withheld = {str(pushed.id), str(excluded.id), str(pushed_later.id)}
    told = {str(visited.id), str(visited_later.id)}
    for tier, division in (("province", PROVINCE), ("city", CITY)):
        ids = {event["id"] for event in await pull_all(scenario, tier, division)}
        assert told <= ids and not ids & withheld, tier
    county = {event["id"] for event in await pull_all(scenario, "county", COUNTY)}
    assert {*told, *withheld} <= county
    await _drain(scenario)
    topic = {headers["ce_id"] for headers, _, _ in await _read_topic(scenario, feed_topic("52"))}
    assert told <= topic and not topic & withheld


def status_event(event_type: str, household: str, discovery: str | None) -> Envelope:
    """A registry status event as the registry stages it on a monitoring case's decision (its contract)."""
    payload = registry_contracts.HouseholdStatusChangedV1(
        household_id=uuid.uuid4(),
        division=VILLAGE,
        version=2,
        from_status="candidate",
        to_status="monitored",
        reason=f"identification case {household} announced (2026)",
        discovery=discovery,
    )
    return new_event(
        service="registry",
        type=event_type,
        aggregate="household",
        aggregate_id=household,
        division=VILLAGE,
        data=payload.model_dump(mode="json"),
    )


async def test_the_registrys_events_of_a_pushed_warning_stay_with_the_county(scenario):
    """Task s19 item 1: the registry's household.monitored (and monitoring_cleared) of a warning a
    department's list opened went up to the province and the city, since it carried no `discovery`; the
    registry now names the case's discovery (services/registry/tests/test_monitoring_discovery.py) and the
    feeds withhold it above the county on every path, while a cadre's warning still goes up."""
    monitored = "fupin.registry.household.monitored.v1"
    cleared = "fupin.registry.household.monitoring_cleared.v1"
    pushed = status_event(monitored, "h-push", "department_push")
    pushed_cleared = status_event(cleared, "h-push", "department_push")
    visited = status_event(monitored, "h-visit", "cadre_visit")
    await scenario.publish(pushed, pushed_cleared, visited)
    await scenario.wait_stored([pushed.id, pushed_cleared.id, visited.id])
    withheld = {str(pushed.id), str(pushed_cleared.id)}
    for tier, division in (("province", PROVINCE), ("city", CITY)):
        ids = {event["id"] for event in await pull_all(scenario, tier, division)}
        assert str(visited.id) in ids and not ids & withheld, tier
    county = {event["id"] for event in await pull_all(scenario, "county", COUNTY)}
    assert {str(visited.id), *withheld} <= county
    await _drain(scenario)
    topic = {headers["ce_id"] for headers, _, _ in await _read_topic(scenario, feed_topic("52"))}
    assert str(visited.id) in topic and not topic & withheld


async def test_province_feed_topics_carry_no_internal_trace_context(scenario):
    """Task s19 item 3: a record on a provincial topic (fupin.feed.<pp>.v1, read outside the platform)
    carried the relay's traceparent, an internal trace id; trace context (traceparent, tracestate,
    baggage) is dropped there, and the records of internal topics keep it."""
    event = household_event(REGISTERED, VILLAGE, "h-traced", RID_52)
    trace_id = uuid.uuid4().hex
    traced = [("traceparent", f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01".encode()), ("baggage", b"k=v")]
    producer = make_producer(scenario.settings)
    await producer.start()
    try:
        await producer.send_and_wait(
            domain_topic("registry"),
            value=event.to_bytes(),
            key=event.aggregate_id.encode(),
            headers=[*event.routing_headers(), *traced],
        )
    finally:
        await producer.stop()
    await scenario.wait_stored([event.id])
    await _drain(scenario)
    copies = [headers for headers, _, _ in await _read_topic(scenario, feed_topic("52"))]
    assert str(event.id) in {headers["ce_id"] for headers in copies}
    for headers in copies:
        assert not {"traceparent", "tracestate", "baggage"} & set(headers), headers

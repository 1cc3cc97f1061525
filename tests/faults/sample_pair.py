"""Two real processes around the shared library's sample aggregate: a producer (API + outbox relay) and a
consumer in another process (inbox + effects), each with its own fresh database.

Isolation between tests: the broker lives for the whole pytest session and keeps every event earlier tests
published on `fupin.sample.events.v1`. Each pair therefore gets its own consumer group (and so its own DLQ
topic), and that group's offsets are committed at the topic's current end before the consumer starts. A
brand-new group would otherwise start from the earliest offset and replay every earlier test's events into
this test's fresh database, and a shared group would inherit whatever an earlier test left uncommitted.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from fupin_kit.embedded import free_port
from fupin_kit.envelope import dlq_topic
from fupin_kit.pytest_plugin import ProcessGroup
from fupin_kit.testing import ServiceProcess, Stack

SAMPLE_TOPIC = "fupin.sample.events.v1"
SAMPLE_PARTITIONS = 3
DIVISION = "520102001001"
PACKAGE = "fupin_kit.sample"


async def poll(
    probe: Callable[[], Awaitable[Any]],
    done: Callable[[Any], bool],
    timeout_s: float,
    what: str,
    interval_s: float = 0.25,
    context: Callable[[], str] | None = None,
) -> Any:
    """Re-run `probe` until `done(result)` or the deadline; a timeout fails with the last result seen."""
    deadline = time.monotonic() + timeout_s
    result = await probe()
    while not done(result):
        if time.monotonic() > deadline:
            extra = f"\n{context()}" if context else ""
            raise AssertionError(f"{what}: not reached after {timeout_s}s, last value {result!r}{extra}")
        await asyncio.sleep(interval_s)
        result = await probe()
    return result


def header(record: ConsumerRecord[bytes, bytes], name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return value.decode() if value is not None else None
    return None


async def _scan(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], since: dict[int, int]
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read every assigned partition from `since` to its end. The end is the high watermark that fetch
    responses carry: this Tansu build answers ListOffsets(latest), i.e. `end_offsets()`, with the last
    record batch's base offset + 1, which undercounts whenever a producer batched several records."""
    for tp in partitions:
        consumer.seek(tp, since.get(tp.partition, 0))
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + 30
    while True:
        batch = await consumer.getmany(timeout_ms=300)
        records.extend(record for part in batch.values() for record in part)
        marks = {tp: consumer.highwater(tp) for tp in partitions}
        positions = {tp: await consumer.position(tp) for tp in partitions}
        if all(mark is not None and positions[tp] >= mark for tp, mark in marks.items()):
            return records
        assert time.monotonic() < deadline, f"could not read to the end: at {positions}, end {marks}"


def _partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    assert partitions, f"topic {topic} has no partitions"
    return partitions


async def read_topic(
    stack: Stack, topic: str, since: dict[int, int] | None = None
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of `topic` from `since` (default: the beginning) up to the current end, without a group,
    so reading never moves any consumer group's offsets."""
    consumer = AIOKafkaConsumer(bootstrap_servers=stack.bootstrap, enable_auto_commit=False)
    await asyncio.wait_for(consumer.start(), 30)
    try:
        partitions = _partitions(consumer, topic)
        consumer.assign(partitions)
        return await _scan(consumer, partitions, since or {})
    finally:
        await asyncio.wait_for(consumer.stop(), 10)


async def committed_offsets(stack: Stack, group: str, topic: str) -> dict[int, int | None]:
    consumer = AIOKafkaConsumer(bootstrap_servers=stack.bootstrap, group_id=group, enable_auto_commit=False)
    await asyncio.wait_for(consumer.start(), 30)
    try:
        return {tp.partition: await consumer.committed(tp) for tp in _partitions(consumer, topic)}
    finally:
        await asyncio.wait_for(consumer.stop(), 10)


async def start_group_at_end(stack: Stack, group: str, topic: str) -> dict[int, int]:
    """Commit a new group's offsets at the topic's current end, with a manual assignment (no member joins),
    so the real consumer of that group starts exactly after everything earlier tests published."""
    consumer = AIOKafkaConsumer(bootstrap_servers=stack.bootstrap, group_id=group, enable_auto_commit=False)
    await asyncio.wait_for(consumer.start(), 30)
    try:
        partitions = _partitions(consumer, topic)
        consumer.assign(partitions)
        # Only a lower bound (see `_scan`), but a valid place to start scanning for the real end.
        reported = await asyncio.wait_for(consumer.end_offsets(partitions), 30)
        await _scan(consumer, partitions, {tp.partition: offset for tp, offset in reported.items()})
        ends = {tp: await consumer.position(tp) for tp in partitions}
        await asyncio.wait_for(consumer.commit(ends), 30)
        committed = {tp.partition: await consumer.committed(tp) for tp in partitions}
    finally:
        await asyncio.wait_for(consumer.stop(), 10)
    expected = {tp.partition: offset for tp, offset in ends.items()}
    assert committed == expected, f"group {group} not positioned: {committed} != {expected}"
    return expected


@dataclass
class SamplePair:
    stack: Stack
    processes: ProcessGroup
    producer: ServiceProcess
    consumer: ServiceProcess
    producer_db: str
    consumer_db: str
    group: str
    # Where the group started: this test's events are exactly those after these offsets.
    start_offsets: dict[int, int]

    @property
    def dlq_topic(self) -> str:
        return dlq_topic(self.group)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.stack.token('village', DIVISION, ['cadre'])}"}

    # Processes -----------------------------------------------------------------------------------------

    def new_producer(self, role: str = "all", **env: str) -> ServiceProcess:
        """Another producer process on the same database (a restart, or a separate api/worker role)."""
        return producer_process(self.stack, self.producer_db, role, env)

    def new_consumer(self, **env: str) -> ServiceProcess:
        """Another consumer process on the same database and in the same group (a restart)."""
        return consumer_process(self.stack, self.consumer_db, self.group, env)

    async def start(self, process: ServiceProcess) -> ServiceProcess:
        self.processes.start(process)
        await process.wait_ready()
        return process

    async def wait_exit(self, process: ServiceProcess, timeout_s: float = 60.0) -> int:
        code = await poll(
            lambda: _returned(process.exited()),
            lambda value: value is not None,
            timeout_s,
            f"{process.service} to exit",
            context=process.log_tail,
        )
        return int(code)

    # API -----------------------------------------------------------------------------------------------

    async def create_item(self, client: httpx.AsyncClient, name: str, base: str | None = None) -> str:
        response = await client.post(
            f"{base or self.producer.url}/items",
            json={"division": DIVISION, "name": name},
            headers=self.headers(),
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def consumer_stats(self) -> dict[str, Any]:
        """The consumer loop's counters (handled, duplicates, dead_lettered, ...) from its /readyz."""
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(f"{self.consumer.url}/readyz")
        return dict(response.json()["consumers"][self.group])

    # Databases -----------------------------------------------------------------------------------------

    async def query(self, database: str, sql: str, *args: Any) -> list[asyncpg.Record]:
        dsn = self.stack.database_url.replace("+asyncpg", "").rsplit("/", 1)[0] + f"/{database}"
        connection = await asyncpg.connect(dsn)
        try:
            return list(await connection.fetch(sql, *args))
        finally:
            await connection.close()

    async def effect_counts(self) -> dict[str, int]:
        rows = await self.query(
            self.consumer_db, "SELECT item_id::text AS id, count(*) AS n FROM sample_effects GROUP BY 1"
        )
        return {row["id"]: int(row["n"]) for row in rows}

    async def effect_rows(self) -> int:
        rows = await self.query(self.consumer_db, "SELECT count(*) AS n FROM sample_effects")
        return int(rows[0]["n"])

    async def wait_for_effects(self, item_ids: set[str], timeout_s: float = 60.0) -> dict[str, int]:
        deadline = time.monotonic() + timeout_s
        counts: dict[str, int] = {}
        while time.monotonic() < deadline:
            counts = await self.effect_counts()
            if item_ids <= counts.keys():
                return counts
            await asyncio.sleep(0.25)
        missing = item_ids - counts.keys()
        raise AssertionError(
            f"{len(missing)} effects missing after {timeout_s}s; consumer log:\n"
            f"{self.consumer.log_tail()}\nproducer log:\n{self.producer.log_tail()}"
        )

    async def unpublished(self) -> int:
        rows = await self.query(
            self.producer_db, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"
        )
        return int(rows[0]["n"])

    async def event_ids(self, item_ids: Iterable[str]) -> dict[str, str]:
        """Outbox event id (the CloudEvent id, `ce_id`) of each item's created event, by item id."""
        rows = await self.query(
            self.producer_db,
            "SELECT payload->'data'->>'id' AS item, id::text AS event FROM outbox "
            "WHERE payload->'data'->>'id' = ANY($1::text[])",
            list(item_ids),
        )
        return {row["item"]: row["event"] for row in rows}

    async def relay_lock_holders(self) -> list[str]:
        """Last statement of every backend holding an advisory lock in the producer database (the only
        advisory lock there is the relay's leadership lock)."""
        rows = await self.query(
            self.producer_db,
            "SELECT a.query FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        return [str(row["query"]) for row in rows]

    async def inbox_done(self) -> int:
        rows = await self.query(self.consumer_db, "SELECT count(*) AS n FROM inbox WHERE status = 'done'")
        return int(rows[0]["n"])

    async def inbox_dead(self) -> set[str]:
        rows = await self.query(
            self.consumer_db, "SELECT event_id::text AS id FROM inbox WHERE status = 'dead'"
        )
        return {row["id"] for row in rows}

    async def records_since_start(self) -> list[ConsumerRecord[bytes, bytes]]:
        """This test's records on the sample topic (everything after where its group started)."""
        return await read_topic(self.stack, SAMPLE_TOPIC, self.start_offsets)

    # Invariants ----------------------------------------------------------------------------------------

    async def assert_invariants(self, expected_items: set[str], drain_timeout_s: float = 30.0) -> None:
        """The scenario's end state: every accepted item has exactly one effect and nothing else has one,
        the producer's outbox drains, and the inbox's done rows match the effect rows one for one."""
        counts = await self.effect_counts()
        doubled = {item: n for item, n in counts.items() if n != 1}
        assert not doubled, f"items with more than one effect: {doubled}"
        assert counts.keys() == expected_items, (
            f"missing effects: {expected_items - counts.keys()}, "
            f"unexpected effects: {counts.keys() - expected_items}"
        )
        # The relay marks a batch after the broker acknowledged it, so a consumer can apply an event a
        # moment before its outbox row is marked: wait for the drain rather than sample it once.
        await poll(
            self.unpublished,
            lambda n: n == 0,
            drain_timeout_s,
            "producer outbox drained",
            context=self.producer.log_tail,
        )
        effects, done = await self.effect_rows(), await self.inbox_done()
        assert done == effects == len(expected_items), (
            f"inbox done rows {done}, effect rows {effects}, items {len(expected_items)}"
        )


async def _returned(code: int | None) -> int | None:
    return code


def producer_process(stack: Stack, database: str, role: str, env: dict[str, str]) -> ServiceProcess:
    return ServiceProcess(
        PACKAGE, "sample_producer", stack.env("sample_producer", database, **env), port=free_port(), role=role
    )


def consumer_process(stack: Stack, database: str, group: str, env: dict[str, str]) -> ServiceProcess:
    environment = stack.env("sample_consumer", database, FUPIN_SAMPLE_GROUP=group, **env)
    return ServiceProcess(PACKAGE, "sample_consumer", environment, port=free_port())


async def start_sample_pair(
    stack: Stack,
    group: ProcessGroup,
    producer_env: dict[str, str] | None = None,
    consumer_env: dict[str, str] | None = None,
    producer_role: str = "all",
) -> SamplePair:
    """Fresh producer and consumer databases, a consumer group of this test's own positioned at the end of
    the sample topic, and both processes started and ready."""
    consumer_group = f"sample-consumer-{uuid.uuid4().hex[:10]}"
    await stack.topics({SAMPLE_TOPIC: SAMPLE_PARTITIONS, dlq_topic(consumer_group): 1})
    start_offsets = await start_group_at_end(stack, consumer_group, SAMPLE_TOPIC)
    producer_db = await stack.fresh_database(PACKAGE, "sample_producer")
    consumer_db = await stack.fresh_database(PACKAGE, "sample_consumer")
    producer = producer_process(stack, producer_db, producer_role, producer_env or {})
    consumer = consumer_process(stack, consumer_db, consumer_group, consumer_env or {})
    pair = SamplePair(
        stack, group, producer, consumer, producer_db, consumer_db, consumer_group, start_offsets
    )
    group.start(pair.producer)
    group.start(pair.consumer)
    await asyncio.gather(pair.producer.wait_ready(), pair.consumer.wait_ready())
    return pair

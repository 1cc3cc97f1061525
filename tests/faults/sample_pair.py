"""Two real processes around the shared library's sample aggregate: a producer (API + outbox relay) and a
consumer in another process (inbox + effects), each with its own fresh database.

Isolation between tests: the broker lives for the whole pytest session and keeps every event earlier tests
published on `fupin.sample.events.v1`. Each pair therefore gets its own consumer group (and so its own DLQ
topic), and that group's offsets are committed at the topic's current end before the consumer starts. A
brand-new group would otherwise start from the earliest offset and replay every earlier test's events into
this test's fresh database, and a shared group would inherit whatever an earlier test left uncommitted.

Every scenario ends the same way (`SamplePair.assert_invariants`): exactly one effect per accepted item, the
outbox drained, inbox rows equal to effects; then every process of the test is stopped with SIGTERM (each
must exit cleanly within 10 s and leave no process behind), the test databases' connections go back to
where they were before the processes started, and each database's audit chain verifies.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import psutil
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from fupin_kit.audit.verify import ChainReport, verify_chain
from fupin_kit.db import create_engine, create_sessionmaker
from fupin_kit.embedded import free_port
from fupin_kit.envelope import dlq_topic
from fupin_kit.pytest_plugin import ProcessGroup
from fupin_kit.testing import ServiceProcess, Stack

SAMPLE_TOPIC = "fupin.sample.events.v1"
SAMPLE_PARTITIONS = 3
DIVISION = "520102001001"
PACKAGE = "fupin_kit.sample"
# quality.md: a service stops cleanly within 10 s, even with the broker down (the supervisor's grace too).
CLEAN_STOP_S = 10.0
# uvicorn (>= 0.29) finishes its graceful shutdown and then re-raises the signal it caught, so a service
# that stopped cleanly on SIGTERM reports "killed by SIGTERM"; 0 would be a clean exit too.
CLEAN_EXIT_CODES = (0, -signal.SIGTERM)
# What a clean shutdown must not leave in a process's log: any traceback, asyncio's and aiokafka's
# complaints about tasks and clients abandoned at exit, and the service's own warning that a worker
# ignored stop() and had to be cancelled (service_app._stop_workers).
UNCLEAN_MARKERS = (
    "Traceback",
    "Task was destroyed",
    "Unclosed",
    "was never awaited",
    "Task exception",
    "cancelled at shutdown",
)


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


async def topic_ends(stack: Stack, topic: str) -> dict[int, int]:
    """The real end offset of each partition of `topic` (see `_scan` for why not `end_offsets()`)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=stack.bootstrap, enable_auto_commit=False)
    await asyncio.wait_for(consumer.start(), 30)
    try:
        partitions = _partitions(consumer, topic)
        consumer.assign(partitions)
        reported = await asyncio.wait_for(consumer.end_offsets(partitions), 30)
        await _scan(consumer, partitions, {tp.partition: offset for tp, offset in reported.items()})
        return {tp.partition: await consumer.position(tp) for tp in partitions}
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


def _dsn(stack: Stack, database: str) -> str:
    return stack.database_url.replace("+asyncpg", "").rsplit("/", 1)[0] + f"/{database}"


async def backends(stack: Stack, databases: Iterable[str]) -> int:
    """Server processes connected to these databases (the query runs from `postgres`, so it is not one)."""
    connection = await asyncpg.connect(_dsn(stack, "postgres"))
    try:
        count = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY($1::text[])", list(databases)
        )
    finally:
        await connection.close()
    return int(count)


async def assert_backends_back_to(stack: Stack, databases: list[str], baseline: int) -> None:
    """No connection leaks: once every process is stopped, the connections to these databases return to
    the count taken before the processes started. A backend notices its client is gone and exits by
    itself, a moment later, hence the poll."""
    await poll(
        lambda: backends(stack, databases),
        lambda n: n <= baseline,
        30,
        f"connections to {databases} back to {baseline}",
    )


async def audit_chain(stack: Stack, service: str, database: str) -> ChainReport:
    engine = create_engine(stack.settings(service, database), pool_size=1)
    try:
        async with create_sessionmaker(engine)() as session:
            return await verify_chain(session)
    finally:
        await engine.dispose()


def session_leftovers(leader: int) -> list[psutil.Process]:
    """Live processes still in the session a service process led (ServiceProcess starts each one with
    start_new_session, so anything it spawned stays in that session unless it escaped on purpose)."""
    left: list[psutil.Process] = []
    for process in psutil.process_iter(["status"]):
        try:
            zombie = process.info["status"] == psutil.STATUS_ZOMBIE
            if process.pid != leader and not zombie and os.getsid(process.pid) == leader:
                left.append(process)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return left


async def wait_serving(process: ServiceProcess, timeout_s: float = 60.0) -> None:
    """Until the process answers /healthz: started and listening, though maybe not ready (a consumer
    waiting for its group to assign it partitions is not)."""
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(timeout=3.0) as client:
        while time.monotonic() < deadline:
            code = process.exited()
            if code is not None:
                raise RuntimeError(f"{process.service} exited with {code}: {process.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{process.url}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise TimeoutError(f"{process.service} not serving after {timeout_s}s: {process.log_tail()}")


async def launch(
    group: ProcessGroup, process: ServiceProcess, attempts: int = 3, ready: bool = True
) -> ServiceProcess:
    """Start a process and wait until it is ready (or, with `ready=False`, only serving). Its port was
    picked free when it was built, but a free loopback port can be taken before the process binds it (as
    the local port of any outgoing connection on this busy machine): that start is retried on another
    port instead of failing the scenario."""
    for attempt in range(1, attempts + 1):
        if process not in group.started:
            group.start(process)
        else:
            process.start()
        try:
            await (process.wait_ready() if ready else wait_serving(process))
            return process
        except RuntimeError:
            if attempt == attempts or "address already in use" not in process.log_tail(5):
                raise
            process.port = free_port()
    return process


@dataclass
class Stopped:
    process: ServiceProcess
    code: int | None
    seconds: float
    leftovers: list[psutil.Process]

    @property
    def clean(self) -> bool:
        log = self.process.log_tail(400)
        return (
            self.code in CLEAN_EXIT_CODES
            and self.seconds <= CLEAN_STOP_S
            and not self.leftovers
            and not any(marker in log for marker in UNCLEAN_MARKERS)
        )

    def describe(self) -> str:
        return (
            f"{self.process.service} (pid {self.process.process.pid if self.process.process else None}): "
            f"exit {self.code} after {self.seconds:.1f}s, leftovers {[p.pid for p in self.leftovers]}\n"
            f"{self.process.log_tail(60)}"
        )


async def stop_processes(
    processes: Iterable[ServiceProcess], deadline_s: float = CLEAN_STOP_S, grace_s: float = 20.0
) -> list[Stopped]:
    """SIGTERM every live process at once and time each one's exit. A process still running `grace_s`
    after its deadline is killed (and reported with code None), so a hung shutdown fails the test instead
    of hanging it."""
    live = [p for p in processes if p.process is not None and p.process.poll() is None]
    started = time.monotonic()
    for process in live:
        assert process.process is not None
        process.process.send_signal(signal.SIGTERM)
    exited: dict[int, float] = {}
    while len(exited) < len(live) and time.monotonic() - started < deadline_s + grace_s:
        for index, process in enumerate(live):
            if index not in exited and process.exited() is not None:
                exited[index] = time.monotonic() - started
        await asyncio.sleep(0.05)
    stopped: list[Stopped] = []
    for index, process in enumerate(live):
        assert process.process is not None
        code = process.exited()
        if index not in exited:
            process.kill()
        stopped.append(Stopped(process, code, exited.get(index, time.monotonic() - started), []))
    for entry in stopped:
        assert entry.process.process is not None
        entry.leftovers = session_leftovers(entry.process.process.pid)
        for leftover in entry.leftovers:
            leftover.kill()
    return stopped


def assert_stopped_cleanly(stopped: list[Stopped]) -> None:
    unclean = [entry.describe() for entry in stopped if not entry.clean]
    assert not unclean, "processes that did not stop cleanly:\n" + "\n".join(unclean)


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
    # Connections to the two databases before any process of the pair started.
    baseline_backends: int = 0

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

    async def start(self, process: ServiceProcess, ready: bool = True) -> ServiceProcess:
        return await launch(self.processes, process, ready=ready)

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
        connection = await asyncpg.connect(_dsn(self.stack, database))
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

    async def wait_caught_up(self, timeout_s: float = 90.0) -> None:
        """Wait until the group has committed offsets up to the topic's current end: every copy on the
        topic, duplicates included, has been through the consumer (whose counters restart with each
        process, so they cannot tell). A batch whose commit failed is redelivered, so this converges."""
        ends = await topic_ends(self.stack, SAMPLE_TOPIC)
        await poll(
            lambda: committed_offsets(self.stack, self.group, SAMPLE_TOPIC),
            lambda committed: all((committed.get(p) or 0) >= end for p, end in ends.items()),
            timeout_s,
            f"group {self.group} committed up to {ends}",
            interval_s=1.0,
            context=self.consumer.log_tail,
        )

    async def committed_items(self) -> set[str]:
        """Every item the producer committed, acknowledged to its client or not (a producer killed after
        its commit but before its response leaves an item the client never heard of)."""
        rows = await self.query(self.producer_db, "SELECT id::text AS id FROM sample_items")
        return {row["id"] for row in rows}

    async def records_since_start(self) -> list[ConsumerRecord[bytes, bytes]]:
        """This test's records on the sample topic (everything after where its group started)."""
        return await read_topic(self.stack, SAMPLE_TOPIC, self.start_offsets)

    # Invariants ----------------------------------------------------------------------------------------

    async def assert_invariants(self, expected_items: set[str], drain_timeout_s: float = 30.0) -> None:
        """The scenario's end state: every accepted item has exactly one effect and nothing else has one,
        the producer's outbox drains, and the inbox's done rows match the effect rows one for one. Then
        every process of the test stops cleanly (`assert_released`)."""
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
        await self.assert_released()

    async def assert_released(self) -> None:
        """Stop every process the test started (SIGTERM, all at once): each exits cleanly within 10 s and
        leaves no process behind; then no connection leaks (the two databases' connections back to the
        count before the pair started) and the audit chains verify. The sample aggregate appends nothing
        to its `audit_log`, so for it the chain check only proves the table is there and consistent."""
        assert_stopped_cleanly(await stop_processes(self.processes.started))
        databases = [self.producer_db, self.consumer_db]
        await assert_backends_back_to(self.stack, databases, self.baseline_backends)
        for service, database in (
            ("sample_producer", self.producer_db),
            ("sample_consumer", self.consumer_db),
        ):
            report = await audit_chain(self.stack, service, database)
            assert report.ok, f"audit chain of {database}: {report}"


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
    baseline = await backends(stack, [producer_db, consumer_db])
    producer = producer_process(stack, producer_db, producer_role, producer_env or {})
    consumer = consumer_process(stack, consumer_db, consumer_group, consumer_env or {})
    pair = SamplePair(
        stack, group, producer, consumer, producer_db, consumer_db, consumer_group, start_offsets, baseline
    )
    await asyncio.gather(launch(group, pair.producer), launch(group, pair.consumer))
    return pair

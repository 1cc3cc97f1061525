"""The consumer loop: inbox-deduplicated handling, offsets committed after the database commit.

- Each record is handled in its own transaction together with its inbox row, so a duplicate delivery
  (redelivery after a crash, a relay resend, a rebalance) has no second effect.
- Offsets are committed once per batch, after every record of it is committed in the database. A crash
  before that commit redelivers the batch; the inbox absorbs what was already applied.
- A handler that keeps failing sends its record to `fupin.dlq.<group>.v1` and the loop goes on. A database
  outage is not the handler's fault: the batch is abandoned uncommitted and retried after a pause.
- A watchdog restarts the consumer when its loop stops making progress (aiokafka can stall silently).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from asyncio import FIRST_COMPLETED
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from opentelemetry import trace
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fupin_kit import inbox_repository
from fupin_kit.envelope import Envelope, dlq_topic
from fupin_kit.kafka import CONSUMER_SESSION_TIMEOUT_S, create_topics, make_consumer, make_producer
from fupin_kit.problems import is_database_outage
from fupin_kit.request_context import caused_by
from fupin_kit.settings import KitSettings
from fupin_kit.telemetry import context_from_kafka_headers, tracer

log = logging.getLogger(__name__)
# How long a consumer of a stopping service may take to leave its group (see _session).
STOP_LEAVING_S = 3.0

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]
T = TypeVar("T")


class _Stopped(Exception):
    """stop() was called while the loop waited on the broker."""


class DatabaseUnavailable(Exception):
    """Raised out of a batch so its offsets are not committed; the records will be redelivered."""


@dataclass
class ConsumerSpec:
    group_id: str
    topics: list[str]
    handlers: Mapping[str, Handler]
    # Handles every type not in `handlers` (e.g. the gateway's feed router copies everything).
    fallback: Handler | None = None
    # Apply each polled batch in one transaction (its events in order, each claimed in the inbox as
    # usual), falling back to one transaction per event when any of them fails, so that a poison event
    # still goes to the DLQ alone. One commit per event made a consumer that sees every event of a busy
    # platform (the feed router) trail a 10,000-row import by minutes: each commit waits for its WAL flush.
    batch: bool = False


@dataclass
class ConsumerStats:
    handled: int = 0
    duplicates: int = 0
    skipped: int = 0
    dead_lettered: int = 0
    restarts: int = 0
    last_progress: float = field(default_factory=time.monotonic)
    last_error: str | None = None


def _crash_point(name: str) -> None:
    if os.environ.get("FUPIN_FAULT") == name:
        os._exit(137)


class ConsumerLoop:
    def __init__(
        self,
        settings: KitSettings,
        spec: ConsumerSpec,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        self.settings = settings
        self.spec = spec
        self.sessionmaker = sessionmaker
        self.stats = ConsumerStats()
        self.running = False
        self._stopping = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._dlq_producer: AIOKafkaProducer | None = None
        # Per assigned partition, the offset after the last record handled (for backlog()).
        self._handled_up_to: dict[TopicPartition, int] = {}

    @property
    def group_id(self) -> str:
        return self.spec.group_id

    @property
    def healthy(self) -> bool:
        return (
            self.running and time.monotonic() - self.stats.last_progress < self.settings.consumer_watchdog_s
        )

    async def stop(self) -> None:
        self._stopping.set()

    async def backlog(self) -> int | None:
        """Records on this member's partitions not handled yet: the broker's end of each partition less
        the offset after the last record handled there. An operator's measure of how far the service is
        behind the events it reacts to. A partition nothing was handled on since it was assigned counts
        from the fetch position (records fetched and not yet handled there are missed). None while the
        member has no assignment or has fetched nothing yet."""
        consumer = self._consumer
        if consumer is None:
            return None
        total: int | None = None
        for partition in consumer.assignment():
            try:
                end = consumer.highwater(partition)
                if end is None:
                    continue
                done = self._handled_up_to.get(partition)
                if done is None:
                    done = await asyncio.wait_for(consumer.position(partition), 1.0)
            except (KafkaError, AssertionError, TimeoutError):
                # Mid-rebalance: the partition is being taken away or has no position yet.
                continue
            total = (total or 0) + max(0, end - done)
        return total

    def _handled(self, consumer: AIOKafkaConsumer, batch: dict[TopicPartition, list[Any]]) -> None:
        """Note how far each partition of a handled batch got, forgetting partitions no longer assigned
        (another member handles them now; what this one noted of them would be stale if they came back)."""
        for partition, records in batch.items():
            if records:
                self._handled_up_to[partition] = records[-1].offset + 1
        assigned = consumer.assignment()
        for partition in [partition for partition in self._handled_up_to if partition not in assigned]:
            del self._handled_up_to[partition]

    async def run(self) -> None:
        await self._ensure_dlq_topic()
        try:
            while not self._stopping.is_set():
                session_task = asyncio.create_task(self._session())
                watchdog = asyncio.create_task(self._watch(session_task))
                try:
                    await session_task
                except asyncio.CancelledError:
                    if self._stopping.is_set() or not session_task.cancelled():
                        raise
                    log.warning("consumer %s stalled; restarting", self.group_id)
                except Exception as exc:
                    self.stats.last_error = f"{type(exc).__name__}: {exc}"
                    log.warning("consumer %s failed (%s); restarting", self.group_id, self.stats.last_error)
                finally:
                    watchdog.cancel()
                self.stats.restarts += 1
                if not self._stopping.is_set():
                    await self._pause(2.0)
        finally:
            self.running = False
            if self._dlq_producer is not None:
                await _quietly(self._dlq_producer.stop(), 5)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _watch(self, session_task: asyncio.Task[None]) -> None:
        while not session_task.done():
            await asyncio.sleep(min(5.0, self.settings.consumer_watchdog_s / 4))
            if time.monotonic() - self.stats.last_progress > self._stall_limit_s():
                session_task.cancel()
                return

    def _stall_limit_s(self) -> float:
        """How long without progress counts as a stall. While the member holds no partitions it is joining
        or in a rebalance, which on Tansu waits out a dead member's session (~20 s) and blocks getmany():
        restarting it then only adds a member the group must wait for in turn, and with several replicas
        that churn never settles (seen: a group rebalancing for minutes, each replica restarted every
        32 s). Such a member gets twice the start allowance before it counts as stalled."""
        consumer = self._consumer
        if consumer is None or not consumer.assignment():
            return max(self.settings.consumer_watchdog_s, 2 * self._start_timeout_s())
        return self.settings.consumer_watchdog_s

    async def _ensure_dlq_topic(self) -> None:
        try:
            await create_topics(self.settings, {dlq_topic(self.group_id): 1})
        except Exception as exc:
            log.warning("could not ensure DLQ topic for %s now: %s", self.group_id, exc)

    async def _session(self) -> None:
        consumer = make_consumer(self.settings, self.group_id, self.spec.topics)
        self._consumer = consumer
        self._handled_up_to.clear()
        self.stats.last_progress = time.monotonic()
        try:
            await self._unless_stopped(consumer.start(), self._start_timeout_s())
            self.running = True
            while not self._stopping.is_set():
                batch = await self._unless_stopped(consumer.getmany(timeout_ms=500, max_records=500))
                self.stats.last_progress = time.monotonic()
                records = [record for partition in batch.values() for record in partition]
                if not records:
                    continue
                if not (self.spec.batch and len(records) > 1 and await self._process_batch(records)):
                    for record in records:
                        await self._process(record)
                        self.stats.last_progress = time.monotonic()
                self.stats.last_progress = time.monotonic()
                self._handled(consumer, batch)
                _crash_point("consumer-before-commit")
                await self._commit(consumer)
        except _Stopped:
            pass
        finally:
            self.running = False
            self._consumer = None
            # stop() leaves the group, after waiting for any join in flight; during a rebalance that is
            # the rebalance's length (~20 s on Tansu while a killed member's session expires). A service
            # shutting down does not wait that out: without the LeaveGroup the group drops this member
            # after its session timeout, as after a crash, and the uncommitted batch is redelivered.
            await _quietly(consumer.stop(), STOP_LEAVING_S if self._stopping.is_set() else 10)

    async def _unless_stopped(self, step: Awaitable[T], timeout_s: float | None = None) -> T:
        """`step`'s result, within `timeout_s` (TimeoutError after). If stop() comes first, `step` is
        cancelled and _Stopped raised: a shutdown never waits for a group join or a rebalance, during which
        aiokafka's start(), and even getmany(timeout_ms=...), wait for the assignment with no timeout."""
        work: asyncio.Future[T] = asyncio.ensure_future(step)
        stopping: asyncio.Future[Any] = asyncio.ensure_future(self._stopping.wait())
        waiters: list[asyncio.Future[Any]] = [work, stopping]
        try:
            done, _ = await asyncio.wait(waiters, timeout=timeout_s, return_when=FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not work.done():
                # Wait for the cancellation to finish before anything else touches the client (without
                # awaiting `work` itself, which would swallow a cancellation of this task).
                work.cancel()
                await asyncio.wait([work])
                if not work.cancelled():
                    work.exception()  # retrieved: a failure racing its cancellation is moot
        if work in done:
            return work.result()
        if not done:
            raise TimeoutError(f"not done within {timeout_s:.0f}s")
        raise _Stopped

    def _start_timeout_s(self) -> float:
        """start() returns once the group has assigned this member its partitions. After a member died
        without leaving (a crash, a kill -9), that waits for the dead member's session to expire and a
        rebalance round: about 20 s on Tansu, more than two request timeouts when those are short (8 s in
        the tests). Abandoning such a start does not help: the next attempt joins as yet another member
        and the group waits for the abandoned one too. Under load (a full test session's broker) joins took
        longer than 30 s, and abandoning them at 30 s kept a three-replica group rebalancing for minutes."""
        return max(self.settings.kafka_request_timeout_s * 2, CONSUMER_SESSION_TIMEOUT_S * 9)

    async def _commit(self, consumer: AIOKafkaConsumer) -> None:
        try:
            await asyncio.wait_for(consumer.commit(), self.settings.kafka_request_timeout_s)
        except (CommitFailedError, KafkaError, TimeoutError) as exc:
            # Effects are already committed with their inbox rows; redelivery after this is harmless.
            log.warning("offset commit failed for %s: %s", self.group_id, exc)
            self.stats.last_error = f"commit: {exc}"

    async def _process(self, record: ConsumerRecord[bytes, bytes]) -> None:
        try:
            assert record.value is not None
            event = Envelope.from_bytes(record.value)
        except (ValidationError, ValueError, AssertionError) as exc:
            await self._dead_letter(record, None, f"unparseable event: {exc}")
            return
        handler = self.spec.handlers.get(event.type, self.spec.fallback)
        if handler is None:
            self.stats.skipped += 1
            return
        last_error = ""
        for attempt in range(1, self.settings.consumer_max_attempts + 1):
            with self._span(record, event) as span:
                try:
                    applied = await self._apply(handler, event)
                except DatabaseUnavailable:
                    raise
                except Exception as exc:
                    last_error = f"{type(exc).__name__}: {exc}"
                    span.record_exception(exc)
                    span.set_status(trace.StatusCode.ERROR, last_error)
                    log.warning("handler %s failed (attempt %d): %s", event.type, attempt, last_error)
                    await asyncio.sleep(0.2 * attempt)
                    continue
            if applied:
                self.stats.handled += 1
            else:
                self.stats.duplicates += 1
            return
        await self._dead_letter(record, event, last_error)

    def _span(
        self, record: ConsumerRecord[bytes, bytes], event: Envelope, batch_size: int | None = None
    ) -> AbstractContextManager[trace.Span]:
        """The span of handling one event, a child of the producer's trace (the record's headers)."""
        attributes: dict[str, str | int] = {
            "messaging.system": "kafka",
            "messaging.consumer.group.name": self.group_id,
            "messaging.message.id": str(event.id),
            "messaging.destination.name": record.topic,
        }
        if batch_size is not None:
            attributes["messaging.batch.message_count"] = batch_size
        return tracer("fupin.consumer").start_as_current_span(
            f"process {event.type}",
            context=context_from_kafka_headers(record.headers),
            kind=trace.SpanKind.CONSUMER,
            attributes=attributes,
        )

    async def _process_batch(self, records: list[ConsumerRecord[bytes, bytes]]) -> bool:
        """Apply every record of a poll in one transaction; False (nothing applied) when one of them cannot
        be parsed or fails, for the caller to take them one by one (retries, DLQ). A database outage
        propagates, as in _process."""
        work: list[tuple[ConsumerRecord[bytes, bytes], Envelope, Handler | None]] = []
        for record in records:
            try:
                assert record.value is not None
                event = Envelope.from_bytes(record.value)
            except (ValidationError, ValueError, AssertionError):
                return False
            work.append((record, event, self.spec.handlers.get(event.type, self.spec.fallback)))
        outcomes: list[bool | None] = []
        try:
            async with self.sessionmaker() as session, session.begin():
                for record, event, handler in work:
                    if handler is None:
                        outcomes.append(None)
                        continue
                    with self._span(record, event, batch_size=len(work)):
                        claimed = await inbox_repository.claim(session, self.group_id, event.id, event.type)
                        if claimed:
                            with caused_by(event):
                                await handler(session, event)
                        outcomes.append(claimed)
        except Exception as exc:
            if is_database_outage(exc):
                raise DatabaseUnavailable(str(exc)) from exc
            log.info("a batch of %d events failed (%s); applying them one by one", len(work), exc)
            return False
        self.stats.handled += outcomes.count(True)
        self.stats.duplicates += outcomes.count(False)
        self.stats.skipped += outcomes.count(None)
        return True

    async def _apply(self, handler: Handler, event: Envelope) -> bool:
        try:
            async with self.sessionmaker() as session, session.begin():
                if not await inbox_repository.claim(session, self.group_id, event.id, event.type):
                    return False
                with caused_by(event):
                    await handler(session, event)
                return True
        except Exception as exc:
            if is_database_outage(exc):
                raise DatabaseUnavailable(str(exc)) from exc
            raise

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], event: Envelope | None, error: str
    ) -> None:
        producer = await self._dlq()
        headers = [
            *(record.headers or ()),
            ("fupin_error", error[:1000].encode()),
            ("fupin_source_topic", record.topic.encode()),
            ("fupin_source_offset", str(record.offset).encode()),
        ]
        future = await producer.send(
            dlq_topic(self.group_id), value=record.value, key=record.key, headers=list(headers)
        )
        await asyncio.wait_for(future, self.settings.kafka_request_timeout_s)
        if event is not None:
            await self._record_dead(event.id, event.type, error)
        self.stats.dead_lettered += 1
        log.error("event sent to DLQ %s: %s", dlq_topic(self.group_id), error)

    async def _record_dead(self, event_id: uuid.UUID, event_type: str, error: str) -> None:
        try:
            async with self.sessionmaker() as session, session.begin():
                await inbox_repository.record_dead(session, self.group_id, event_id, event_type, error)
        except Exception as exc:
            if is_database_outage(exc):
                raise DatabaseUnavailable(str(exc)) from exc
            raise

    async def _dlq(self) -> AIOKafkaProducer:
        if self._dlq_producer is None:
            producer = make_producer(self.settings)
            await asyncio.wait_for(producer.start(), self.settings.kafka_request_timeout_s)
            self._dlq_producer = producer
        return self._dlq_producer


async def _quietly(awaitable: Awaitable[object], timeout_s: float) -> None:
    try:
        await asyncio.wait_for(awaitable, timeout_s)
    except (TimeoutError, Exception) as exc:
        log.warning("shutdown step did not finish cleanly: %s", exc)

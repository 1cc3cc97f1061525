"""The outbox relay: publishes committed outbox rows to Kafka, at least once, in seq order.

One relay is active per service (a session advisory lock); others wait as hot standbys. A batch is claimed
with FOR UPDATE SKIP LOCKED in seq order and stamped published in the same statement, sent, every send is
awaited, the rows whose send failed are unstamped, and only then does the transaction commit. A crash
between send and commit republishes the batch; consumers' inboxes absorb the copies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from fupin_kit import idempotency, outbox_repository
from fupin_kit.envelope import CONTENT_TYPE, is_feed_topic
from fupin_kit.infra_tables import OUTBOX_CHANNEL
from fupin_kit.kafka import make_producer
from fupin_kit.settings import KitSettings
from fupin_kit.telemetry import context_from_mapping, kafka_trace_headers, tracer

log = logging.getLogger(__name__)
RELAY_LOCK_KEY = 0x46555049  # "FUPI": one key per database, and each service has its own database.
PURGE_EVERY_S = 3600.0
CONTENT_TYPE_BYTES = CONTENT_TYPE.encode()


def _crash_point(name: str) -> None:
    """Fault injection for the reliability tests: exit hard at a named point, like a kill -9."""
    if os.environ.get("FUPIN_FAULT") == name:
        os._exit(137)


class OutboxRelay:
    def __init__(
        self,
        settings: KitSettings,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer | None = None,
        idempotency_keys: Table | None = None,
    ) -> None:
        self.settings = settings
        # The service's Idempotency-Key table, purged with the outbox (None: it keeps none).
        self.idempotency_keys = idempotency_keys
        self.engine = engine
        self.sessionmaker = sessionmaker
        self.producer = producer
        self._own_producer = producer is None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.is_leader = False
        self.last_error: str | None = None
        self.published_total = 0
        self._last_purge = 0.0

    def wake(self, *_: Any) -> None:
        self._wake.set()

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                async with self.engine.connect() as lock_conn:
                    if not await self._try_lock(lock_conn):
                        await self._sleep(5.0)
                        continue
                    try:
                        self.is_leader = True
                        await self._listen(lock_conn)
                        await self._publish_until_stopped()
                    finally:
                        await self._release(lock_conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("relay loop error, retrying: %s", self.last_error)
                await self._sleep(2.0)
            finally:
                self.is_leader = False
        await self._close_producer()

    async def _try_lock(self, conn: AsyncConnection) -> bool:
        result = await conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": RELAY_LOCK_KEY})
        await conn.commit()
        return bool(result.scalar_one())

    async def _release(self, conn: AsyncConnection) -> None:
        """Give up leadership by closing the lock connection instead of returning it to the pool.
        A session advisory lock (and the LISTEN) outlives the checkout: a pooled connection would keep
        holding it, so after any loop error neither this relay (its next checkout is another connection)
        nor a standby could lead again until that connection happened to come back to the relay."""
        with contextlib.suppress(Exception):
            await conn.invalidate()

    async def _listen(self, conn: AsyncConnection) -> None:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.add_listener(OUTBOX_CHANNEL, self.wake)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self.producer is None:
            producer = make_producer(self.settings, transactional_id=f"fupin-{self.settings.service}-relay")
            try:
                await asyncio.wait_for(producer.start(), self.settings.kafka_request_timeout_s)
            except BaseException:
                await asyncio.wait_for(producer.stop(), 5)
                raise
            self.producer = producer
        return self.producer

    async def _close_producer(self) -> None:
        if self.producer is not None and self._own_producer:
            # Stopping, nothing left to flush is worth waiting for: every send was awaited or abandoned
            # (unacknowledged rows stay unpublished), and a dead broker would hold the flush for 5 s.
            timeout_s = 1.0 if self._stopping.is_set() else 5.0
            try:
                await asyncio.wait_for(self.producer.stop(), timeout_s)
            except (TimeoutError, Exception):
                log.warning("producer did not stop cleanly")
            self.producer = None

    async def _sleep(self, seconds: float) -> None:
        if self._stopping.is_set():
            return
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _publish_until_stopped(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            published = await self.publish_once()
            await self._purge_if_due()
            if published < self.settings.relay_batch_size:
                await self._sleep(self.settings.relay_poll_interval_s)

    async def publish_once(self) -> int:
        """Publish the oldest unpublished rows, batch after batch while the backlog fills whole batches;
        returns how many rows were marked published.

        While one batch's sends are awaited, the next batch is already being claimed in a transaction of
        its own, so PostgreSQL's work (the claim statement) overlaps the broker's. That batch is sent only
        after the previous one's marks committed, and is rolled back untouched if the previous one failed:
        sends stay in seq order, batch after batch, and a failed event is never overtaken."""
        producer = await self._ensure_producer()
        size = self.settings.relay_batch_size
        claimed = await self._claim(size)
        published = 0
        while claimed is not None:
            session, batch = claimed
            claimed = None
            prefetch = asyncio.create_task(self._claim(size)) if len(batch) >= size else None
            try:
                sent, error = await self._publish_claimed(producer, session, batch)
            except BaseException:
                if prefetch is not None:
                    await _discard(prefetch)
                raise
            published += sent
            if error is not None or self._stopping.is_set():
                # A failure, or a stop (shutdown must not wait for a whole backlog): what was claimed
                # ahead goes back, unsent.
                if prefetch is not None:
                    await _discard(prefetch)
                if error is not None:
                    await self._recycle_producer()
                break
            if prefetch is not None:
                claimed = await prefetch
        return published

    async def _claim(self, size: int) -> tuple[AsyncSession, list[outbox_repository.OutgoingEvent]] | None:
        """A session whose open transaction holds a claimed batch (stamped published, uncommitted), or None
        when there is nothing to publish."""
        session = self.sessionmaker()
        try:
            await session.begin()
            batch = await outbox_repository.claim_for_publish(session, size)
        except BaseException:
            await session.close()
            raise
        if not batch:
            await session.close()
            return None
        return session, batch

    async def _publish_claimed(
        self,
        producer: AIOKafkaProducer,
        session: AsyncSession,
        batch: list[outbox_repository.OutgoingEvent],
    ) -> tuple[int, str | None]:
        """Send a claimed batch, await every send, take back the failed rows' stamps, commit."""
        try:
            sent_ids, error = await self._send(producer, batch)
            _crash_point("relay-after-send")
            if error is not None:
                failed = [event.id for event in batch[len(sent_ids) :]]
                await outbox_repository.unmark_failed(session, failed, error)
                self.last_error = error
            await session.commit()
        finally:
            # After a commit this only returns the connection; otherwise it rolls the claim back.
            await session.close()
        self.published_total += len(sent_ids)
        return len(sent_ids), error

    async def _send(
        self, producer: AIOKafkaProducer, batch: list[outbox_repository.OutgoingEvent]
    ) -> tuple[list[Any], str | None]:
        """Send a batch; returns the ids of the longest fully delivered prefix and the first error.
        Only a prefix is marked, so a later retry cannot overtake an earlier event of the same aggregate."""
        futures = []
        publish = _PublishSpans(batch)
        transactional = self._transactional(producer)
        try:
            if transactional:
                await producer.begin_transaction()
            for event in batch:
                trace_headers = publish.headers_for(event)
                if is_feed_topic(event.topic):
                    # A provincial feed is read outside the platform: its records carry no internal trace
                    # ids (the publish span is still recorded, for the platform's own traces).
                    trace_headers = []
                headers = [
                    ("content-type", CONTENT_TYPE_BYTES),
                    ("ce_id", event.ce_id.encode()),
                    ("ce_type", event.ce_type.encode()),
                    ("ce_source", event.ce_source.encode()),
                    ("ce_subject", event.ce_subject.encode()),
                    ("ce_division", event.ce_division.encode()),
                    *trace_headers,
                ]
                try:
                    futures.append(
                        await producer.send(
                            event.topic, value=event.payload.encode(), key=event.key.encode(), headers=headers
                        )
                    )
                except BaseException as exc:
                    publish.failed(event, exc)
                    raise
            results = await asyncio.wait_for(
                self._acknowledged(futures), self.settings.kafka_request_timeout_s
            )
            for event, result in zip(batch, results, strict=False):
                if isinstance(result, BaseException):
                    publish.failed(event, result)
            if transactional:
                # The batch is one transaction: all of it is visible to consumers, or none of it.
                failure = next((result for result in results if isinstance(result, BaseException)), None)
                if failure is not None:
                    raise failure
                await asyncio.wait_for(producer.commit_transaction(), self.settings.kafka_request_timeout_s)
        except (TimeoutError, Exception) as exc:
            for future in futures:
                future.cancel()
            if transactional:
                await self._abort(producer)
            results = [exc] * len(batch)
            for event in batch:
                publish.failed(event, exc)
        finally:
            publish.end()
        sent: list[Any] = []
        for event, result in zip(batch, results, strict=False):
            if isinstance(result, BaseException):
                return sent, f"{type(result).__name__}: {result}"
            sent.append(event.id)
        if len(sent) < len(batch):
            return sent, "send interrupted"
        return sent, None

    def _transactional(self, producer: AIOKafkaProducer) -> bool:
        # A producer handed in (benchmarks, tests) is used as it is.
        return self.settings.kafka_transactions and self._own_producer and producer is self.producer

    async def _abort(self, producer: AIOKafkaProducer) -> None:
        # The failed batch's rows stay unpublished and go again; the producer is recycled after a failure.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(producer.abort_transaction(), self.settings.kafka_request_timeout_s)

    async def _acknowledged(self, futures: list[asyncio.Future[Any]]) -> list[Any]:
        """Each send's outcome, in order. A stop() does not wait out a dead broker's request timeout
        (15 s by default, longer than a clean shutdown may take): the sends not yet acknowledged then count
        as failed, so their rows stay unpublished and the next leader sends them again."""
        sends: asyncio.Future[Any] = asyncio.gather(*futures, return_exceptions=True)
        stopping: asyncio.Future[Any] = asyncio.ensure_future(self._stopping.wait())
        try:
            done, _ = await asyncio.wait([sends, stopping], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not sends.done():
                sends.cancel()  # and with it every send still waiting for its acknowledgement
        if sends in done:
            return list(sends.result())
        stopped = RuntimeError("relay stopped before the broker acknowledged")
        return [
            future.exception() or future.result() if future.done() and not future.cancelled() else stopped
            for future in futures
        ]

    async def _recycle_producer(self) -> None:
        # After a broker fault aiokafka can keep a stale connection; a fresh producer recovers faster.
        if self._own_producer:
            await self._close_producer()
        await self._sleep(1.0)

    async def _purge_if_due(self) -> None:
        now = time.monotonic()
        if now - self._last_purge < PURGE_EVERY_S:
            return
        self._last_purge = now
        wall_now = datetime.now(UTC)
        cutoff = wall_now - timedelta(days=self.settings.outbox_retention_days)
        async with self.sessionmaker() as session, session.begin():
            purged = await outbox_repository.purge_published_before(session, cutoff)
        if purged:
            log.info("purged %d published outbox rows older than %s", purged, cutoff.isoformat())
        if self.idempotency_keys is None:
            return
        # The relay's leader does it: one process per service, like the outbox's purge.
        keys_cutoff = wall_now - timedelta(days=self.settings.idempotency_retention_days)
        async with self.sessionmaker() as session, session.begin():
            forgotten = await idempotency.purge_answered_before(self.idempotency_keys, session, keys_cutoff)
        if forgotten:
            log.info("forgot %d idempotency keys answered before %s", forgotten, keys_cutoff.isoformat())


async def _discard(
    prefetch: asyncio.Task[tuple[AsyncSession, list[outbox_repository.OutgoingEvent]] | None],
) -> None:
    """Roll back a claim made ahead that will not be sent now: its rows stay unpublished, for later."""
    try:
        claimed = await prefetch
    except Exception:
        return  # the claim failed by itself: nothing is held
    if claimed is not None:
        await claimed[0].close()


class _PublishSpans:
    """The PRODUCER spans of one batch: one per topic and captured trace context, i.e. one for all the
    events a request (or a consumed message) wrote, child of that request's span, and one for the rows
    written outside any trace. Each record carries its span's context in its headers, so a consumer's
    process span is parented on it and one trace still runs request → publish → process. A span per event
    cost more than aiokafka's send of it (B4); per OpenTelemetry's messaging conventions a publish span may
    cover a batch, and messaging.batch.message_count says how many (messaging.message.id when one)."""

    def __init__(self, batch: list[outbox_repository.OutgoingEvent]) -> None:
        self._tracer = tracer("fupin.relay")
        self._counts = Counter((event.topic, event.trace_context) for event in batch)
        self._open: dict[tuple[str, str], tuple[trace.Span, list[tuple[str, bytes]]]] = {}
        self._failed: set[tuple[str, str]] = set()
        self._ended = False

    def headers_for(self, event: outbox_repository.OutgoingEvent) -> list[tuple[str, bytes]]:
        group = (event.topic, event.trace_context)
        opened = self._open.get(group)
        if opened is None:
            parent = context_from_mapping(orjson.loads(event.trace_context) or {})
            count = self._counts[group]
            attributes: dict[str, Any] = {
                "messaging.system": "kafka",
                "messaging.destination.name": event.topic,
                "messaging.batch.message_count": count,
            }
            if count == 1:
                attributes["messaging.message.id"] = str(event.id)
            span = self._tracer.start_span(
                f"publish {event.topic}", context=parent, kind=trace.SpanKind.PRODUCER, attributes=attributes
            )
            opened = self._open[group] = (span, kafka_trace_headers(trace.set_span_in_context(span, parent)))
        return opened[1]

    def failed(self, event: outbox_repository.OutgoingEvent, exc: BaseException) -> None:
        """The send of `event` failed or was not acknowledged: its span is an error (recorded once, however
        many of its events failed)."""
        group = (event.topic, event.trace_context)
        opened = self._open.get(group)
        if opened is not None and group not in self._failed:
            self._failed.add(group)
            opened[0].record_exception(exc)
            opened[0].set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))

    def end(self) -> None:
        """Once every send of the batch was acknowledged or failed: a span that ended when its sends were
        only queued would show a good publish for a batch the broker never took. Safe to call twice."""
        if self._ended:
            return
        self._ended = True
        for span, _ in self._open.values():
            span.end()

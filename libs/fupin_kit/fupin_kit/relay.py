"""The outbox relay: publishes committed outbox rows to Kafka, at least once, in seq order.

One relay is active per service (a session advisory lock); others wait as hot standbys. A batch is claimed
with FOR UPDATE SKIP LOCKED, sent, every send is awaited, and only then marked published in the same
transaction. A crash between send and mark republishes the batch; consumers' inboxes absorb the copies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from fupin_kit import outbox_repository
from fupin_kit.envelope import CONTENT_TYPE
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
    ) -> None:
        self.settings = settings
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
            producer = make_producer(self.settings)
            try:
                await asyncio.wait_for(producer.start(), self.settings.kafka_request_timeout_s)
            except BaseException:
                await asyncio.wait_for(producer.stop(), 5)
                raise
            self.producer = producer
        return self.producer

    async def _close_producer(self) -> None:
        if self.producer is not None and self._own_producer:
            try:
                await asyncio.wait_for(self.producer.stop(), 5)
            except (TimeoutError, Exception):
                log.warning("producer did not stop cleanly")
            self.producer = None

    async def _sleep(self, seconds: float) -> None:
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
        """Publish one batch; returns how many rows were marked published."""
        producer = await self._ensure_producer()
        async with self.sessionmaker() as session, session.begin():
            batch = await outbox_repository.claim_unpublished(session, self.settings.relay_batch_size)
            if not batch:
                return 0
            sent_ids, error = await self._send(producer, batch)
            _crash_point("relay-after-send")
            await outbox_repository.mark_published(session, sent_ids)
            if error is not None:
                failed = [event.id for event in batch[len(sent_ids) :]]
                await outbox_repository.mark_failed(session, failed, error)
                self.last_error = error
        self.published_total += len(sent_ids)
        if error is not None:
            await self._recycle_producer()
        return len(sent_ids)

    async def _send(
        self, producer: AIOKafkaProducer, batch: list[outbox_repository.PendingEvent]
    ) -> tuple[list[Any], str | None]:
        """Send a batch; returns the ids of the longest fully delivered prefix and the first error.
        Only a prefix is marked, so a later retry cannot overtake an earlier event of the same aggregate."""
        span_tracer = tracer("fupin.relay")
        futures = []
        # Events written by one request share its trace context (an import writes thousands): parse each
        # distinct one once per batch.
        parents: dict[tuple[tuple[str, str], ...], otel_context.Context] = {}
        try:
            for event in batch:
                # One PRODUCER span per event, child of the request that wrote the row, as before; started
                # and ended explicitly rather than attached as the current context (which costs a context
                # switch in and out per event): nothing inside it creates spans of its own.
                carrier = tuple(event.headers.items())
                parent = parents.get(carrier)
                if parent is None:
                    parent = parents[carrier] = context_from_mapping(event.headers)
                span = span_tracer.start_span(
                    f"publish {event.topic}",
                    context=parent,
                    kind=trace.SpanKind.PRODUCER,
                    attributes={
                        "messaging.system": "kafka",
                        "messaging.destination.name": event.topic,
                        "messaging.message.id": str(event.id),
                    },
                )
                try:
                    headers = self._headers(event, trace.set_span_in_context(span, parent))
                    futures.append(
                        await producer.send(
                            event.topic, value=_encode(event.payload), key=event.key.encode(), headers=headers
                        )
                    )
                except BaseException as exc:
                    span.record_exception(exc)
                    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
                    raise
                finally:
                    span.end()
            results = await asyncio.wait_for(
                asyncio.gather(*futures, return_exceptions=True), self.settings.kafka_request_timeout_s
            )
        except (TimeoutError, Exception) as exc:
            for future in futures:
                future.cancel()
            results = [exc] * len(batch)
        sent: list[Any] = []
        for event, result in zip(batch, results, strict=False):
            if isinstance(result, BaseException):
                return sent, f"{type(result).__name__}: {result}"
            sent.append(event.id)
        if len(sent) < len(batch):
            return sent, "send interrupted"
        return sent, None

    @staticmethod
    def _headers(
        event: outbox_repository.PendingEvent, context: otel_context.Context | None = None
    ) -> list[tuple[str, bytes]]:
        payload = event.payload
        headers = [
            ("content-type", CONTENT_TYPE_BYTES),
            ("ce_id", str(payload.get("id", event.id)).encode()),
            ("ce_type", str(payload.get("type", "")).encode()),
            ("ce_source", str(payload.get("source", "")).encode()),
            ("ce_subject", str(payload.get("subject", "")).encode()),
            ("ce_division", str(payload.get("division", "")).encode()),
        ]
        return headers + kafka_trace_headers(context)

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
        cutoff = datetime.now(UTC) - timedelta(days=self.settings.outbox_retention_days)
        async with self.sessionmaker() as session, session.begin():
            purged = await outbox_repository.purge_published_before(session, cutoff)
        if purged:
            log.info("purged %d published outbox rows older than %s", purged, cutoff.isoformat())


def _encode(payload: dict[str, Any]) -> bytes:
    return orjson.dumps(payload)

"""aiokafka clients configured from settings, with the timeouts a stalled broker needs."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from fupin_kit.settings import KitSettings

log = logging.getLogger(__name__)
# How long the group coordinator waits for a silent member (one killed without leaving) before it
# rebalances without it.
CONSUMER_SESSION_TIMEOUT_S = 10.0


def make_producer(settings: KitSettings, transactional_id: str | None = None) -> AIOKafkaProducer:
    """A transactional producer when transactions are on and the caller names its transactional id (the
    relay); a transactional producer is idempotent by definition."""
    transactional = settings.kafka_transactions and transactional_id is not None
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"fupin-{settings.service}",
        enable_idempotence=settings.kafka_idempotence or transactional,
        transactional_id=transactional_id if transactional else None,
        acks="all",
        linger_ms=5,
        max_batch_size=256 * 1024,
        request_timeout_ms=int(settings.kafka_request_timeout_s * 1000),
        retry_backoff_ms=200,
    )


def make_consumer(settings: KitSettings, group_id: str, topics: list[str]) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"fupin-{settings.service}-{group_id}",
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        # Records of an aborted relay transaction are never applied.
        isolation_level="read_committed" if settings.kafka_transactions else "read_uncommitted",
        max_poll_records=500,
        session_timeout_ms=int(CONSUMER_SESSION_TIMEOUT_S * 1000),
        heartbeat_interval_ms=3_000,
        request_timeout_ms=int(settings.kafka_request_timeout_s * 1000) + 15_000,
        metadata_max_age_ms=30_000,
    )


def make_admin(settings: KitSettings) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"fupin-{settings.service}-admin",
        request_timeout_ms=int(settings.kafka_request_timeout_s * 1000),
    )


async def create_topics(settings: KitSettings, topics: dict[str, int], timeout_s: float = 30.0) -> list[str]:
    """Create the named topics (name → partitions) that do not exist yet; returns those created."""
    admin = make_admin(settings)
    await asyncio.wait_for(admin.start(), timeout_s)
    try:
        existing = set(await asyncio.wait_for(admin.list_topics(), timeout_s))
        missing = [
            NewTopic(name, partitions, 1) for name, partitions in topics.items() if name not in existing
        ]
        if not missing:
            return []
        try:
            await asyncio.wait_for(admin.create_topics(missing), timeout_s)
        except TopicAlreadyExistsError:
            log.info("topics created concurrently by another process")
        return [topic.name for topic in missing]
    finally:
        await asyncio.wait_for(admin.close(), 10)

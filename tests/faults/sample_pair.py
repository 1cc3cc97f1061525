"""Two real processes around the shared library's sample aggregate: a producer (API + outbox relay) and a
consumer in another process (inbox + effects), each with its own fresh database."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from fupin_kit.embedded import free_port
from fupin_kit.testing import ServiceProcess, Stack

SAMPLE_TOPIC = "fupin.sample.events.v1"
SAMPLE_DLQ = "fupin.dlq.sample-consumer.v1"
DIVISION = "520102001001"


@dataclass
class SamplePair:
    stack: Stack
    producer: ServiceProcess
    consumer: ServiceProcess
    producer_db: str
    consumer_db: str
    consumer_group_suffix: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.stack.token('village', DIVISION, ['cadre'])}"}

    async def create_item(self, client: httpx.AsyncClient, name: str, base: str | None = None) -> str:
        response = await client.post(
            f"{base or self.producer.url}/items",
            json={"division": DIVISION, "name": name},
            headers=self.headers(),
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

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

    async def inbox_done(self) -> int:
        rows = await self.query(self.consumer_db, "SELECT count(*) AS n FROM inbox WHERE status = 'done'")
        return int(rows[0]["n"])


async def start_sample_pair(
    stack: Stack,
    group,
    producer_env: dict[str, str] | None = None,
    consumer_env: dict[str, str] | None = None,
) -> SamplePair:
    await stack.topics({SAMPLE_TOPIC: 3, SAMPLE_DLQ: 1})
    producer_db = await stack.fresh_database("fupin_kit.sample", "sample_producer")
    consumer_db = await stack.fresh_database("fupin_kit.sample", "sample_consumer")
    # The consumer group is fixed by the sample; a fresh topic offset space per test comes from the inbox
    # being fresh, and the group re-reads from its committed offsets (already-seen events are duplicates).
    producer = ServiceProcess(
        "fupin_kit.sample",
        "sample_producer",
        stack.env("sample_producer", producer_db, **(producer_env or {})),
        port=free_port(),
    )
    consumer = ServiceProcess(
        "fupin_kit.sample",
        "sample_consumer",
        stack.env("sample_consumer", consumer_db, **(consumer_env or {})),
        port=free_port(),
    )
    group.start(producer)
    group.start(consumer)
    await asyncio.gather(producer.wait_ready(), consumer.wait_ready())
    return SamplePair(stack, producer, consumer, producer_db, consumer_db, uuid.uuid4().hex[:6])

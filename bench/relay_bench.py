"""B4: outbox relay throughput (committed outbox rows → acknowledged by the broker → marked published, with
OutboxRelay.publish_once in a loop, as the relay runs) against a raw aiokafka producer sending the same
payloads, keys and headers (send all, await all). Goal: ratio >= 0.5."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

from bench.options import BenchOptions
from bench.procs import bench_stack
from bench.results import BenchResult
from bench.stats import median, ratio, rounded
from fupin_kit.db import create_engine, create_sessionmaker
from fupin_kit.envelope import CONTENT_TYPE, Envelope, new_event
from fupin_kit.kafka import make_producer
from fupin_kit.outbox import record_events
from fupin_kit.relay import OutboxRelay
from fupin_kit.telemetry import instrument_engine, setup_tracing
from fupin_kit.testing import Stack

NAME = "relay"
GOAL = 0.5
TOPIC = "fupin.bench.relay.v1"
PARTITIONS = 3
INSERT_BATCH = 1000
VILLAGE = "520102016001"


def _events(count: int) -> list[Envelope]:
    return [
        new_event(
            service="sample",
            type="fupin.sample.item.created.v1",
            aggregate="item",
            aggregate_id=str(item),
            division=VILLAGE,
            data={"id": str(item), "name": "bench"},
        )
        for item in (uuid.uuid4() for _ in range(count))
    ]


class RelayArm:
    """The platform path: rows committed to the outbox first (not timed), then drained by the relay."""

    def __init__(self, stack: Stack, database: str) -> None:
        settings = stack.settings("sample_producer", database)
        self.engine = create_engine(settings)
        # As in a service process: SQL spans on, and the relay's producer spans on (no exporter).
        instrument_engine(self.engine)
        self.sessionmaker = create_sessionmaker(self.engine)
        self.relay = OutboxRelay(settings, self.engine, self.sessionmaker)

    async def round(self, rows: int) -> float:
        events = _events(rows)
        for start in range(0, rows, INSERT_BATCH):
            async with self.sessionmaker() as session, session.begin():
                await record_events(session, events[start : start + INSERT_BATCH], TOPIC)
        began = time.perf_counter()
        published = 0
        while (batch := await self.relay.publish_once()) > 0:
            published += batch
        elapsed = time.perf_counter() - began
        if published != rows:
            raise RuntimeError(f"relay published {published} of {rows} rows ({self.relay.last_error})")
        return rows / elapsed

    async def close(self) -> None:
        await self.relay.stop()
        await self.relay._close_producer()  # the relay's own producer; run() would close it on exit
        await self.engine.dispose()


class RawArm:
    """The baseline: the same payloads, keys and CloudEvents headers, straight from an aiokafka producer
    configured like the relay's (make_producer)."""

    def __init__(self, producer: AIOKafkaProducer) -> None:
        self.producer = producer

    async def round(self, rows: int) -> float:
        messages = [_message(event) for event in _events(rows)]
        began = time.perf_counter()
        futures = [
            await self.producer.send(TOPIC, value=value, key=key, headers=headers)
            for value, key, headers in messages
        ]
        await asyncio.gather(*futures)
        return rows / (time.perf_counter() - began)


def _message(event: Envelope) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    payload: dict[str, Any] = event.model_dump(mode="json", exclude_none=True)
    headers = [
        ("content-type", CONTENT_TYPE.encode()),
        ("ce_id", str(payload["id"]).encode()),
        ("ce_type", str(payload["type"]).encode()),
        ("ce_source", str(payload["source"]).encode()),
        ("ce_subject", str(payload.get("subject", "")).encode()),
        ("ce_division", str(payload.get("division", "")).encode()),
    ]
    return orjson.dumps(payload), event.aggregate_id.encode(), headers


async def run(options: BenchOptions) -> BenchResult:
    began = time.monotonic()
    setup_tracing("bench-relay")
    with bench_stack() as stack:
        await stack.topics({TOPIC: PARTITIONS})
        database = await stack.fresh_database("fupin_kit.sample", "sample_producer")
        relay = RelayArm(stack, database)
        producer = make_producer(stack.settings("bench-raw"))
        await producer.start()
        raw = RawArm(producer)
        try:
            arms: dict[str, RelayArm | RawArm] = {"relay": relay, "raw": raw}
            for arm in arms.values():
                await arm.round(min(options.rows, 1000))  # warm-up: connections, metadata, statements
            throughput: dict[str, list[float]] = {"relay": [], "raw": []}
            rounds: list[dict[str, Any]] = []
            for index in range(options.repeat):
                order = ["relay", "raw"] if index % 2 == 0 else ["raw", "relay"]
                for name in order:
                    rate = await arms[name].round(options.rows)
                    throughput[name].append(rate)
                    rounds.append({"round": index, "arm": name, "rows_per_s": round(rate, 1)})
        finally:
            await relay.close()
            await producer.stop()
    relay_rate, raw_rate = median(throughput["relay"]), median(throughput["raw"])
    value = ratio(relay_rate, raw_rate)
    return BenchResult(
        name=NAME,
        bench_id="B4",
        goal=f"ratio >= {GOAL}",
        meets_goal=value >= GOAL,
        figures={
            "rows_per_s_relay": rounded(relay_rate, 1),
            "rows_per_s_raw": rounded(raw_rate, 1),
            "ratio": rounded(value),
            "rows": options.rows,
            "batch_size": relay.relay.settings.relay_batch_size,
            "repeat": options.repeat,
        },
        params=options.as_dict(),
        rounds=rounds,
        notes=[
            "relay: publish_once in a loop over pre-committed rows (claim FOR UPDATE SKIP LOCKED and stamp "
            "published in one statement, send, await all, commit; next batch claimed meanwhile), tracing on "
            "without exporter; raw: aiokafka send all + await all; medians of rounds"
        ],
        duration_s=time.monotonic() - began,
    )

"""Reliability scenarios (docs/quality.md): real producer and consumer processes, the real broker, real
PostgreSQL, and a fault injected on purpose. Each test ends with the same invariants (see
`SamplePair.assert_invariants`): every accepted item has exactly one effect, the outbox drains, and the
inbox's done rows equal the effect rows.

Counting copies matters as much as counting effects: an effect check taken before the duplicate copies
have been consumed would pass even if duplicates had second effects, so each test first waits until the
consumer has seen every copy it was sent (its `handled + duplicates` counters, or the topic itself).
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from fupin_kit.envelope import Envelope, new_event
from fupin_kit.sample.app import ITEM_CREATED, SOURCE
from tests.faults.sample_pair import (
    DIVISION,
    SAMPLE_TOPIC,
    SamplePair,
    committed_offsets,
    header,
    poll,
    read_topic,
    start_sample_pair,
)

# quality.md asks for a pause of 30-45 s.
BROKER_PAUSE_S = 30.0
# A write must not wait on the broker: it only commits the row and its outbox event.
WRITE_LATENCY_LIMIT_S = 2.0


async def seen_all_copies(pair: SamplePair, copies: int, timeout_s: float = 60.0) -> dict[str, Any]:
    """Wait until the consumer has processed `copies` records (applied, absorbed as duplicates, or dead
    lettered) so that later effect checks cover every copy, not just the first of each event."""
    return dict(
        await poll(
            pair.consumer_stats,
            lambda s: s["handled"] + s["duplicates"] + s["dead_lettered"] >= copies,
            timeout_s,
            "consumer to process every copy",
            context=pair.consumer.log_tail,
        )
    )


async def test_duplicate_and_reordered_delivery_has_one_effect(fupin_stack, service_processes):
    """The same CloudEvent delivered several times, and a whole batch re-delivered in another order, is
    applied once: the inbox row commits with the effect and absorbs every later copy."""
    pair = await start_sample_pair(fupin_stack, service_processes)
    async with httpx.AsyncClient(timeout=10) as client:
        api_items = {await pair.create_item(client, f"api-{n}") for n in range(5)}

    events: list[Envelope] = []
    for n in range(20):
        item_id = str(uuid.uuid4())
        events.append(
            new_event(
                service=SOURCE,
                type=ITEM_CREATED,
                aggregate="item",
                aggregate_id=item_id,
                division=DIVISION,
                data={"id": item_id, "name": f"direct-{n}"},
            )
        )
    shuffled = list(events)
    random.Random(7).shuffle(shuffled)
    # Once in order; then the first five three more times each (same id, same bytes); then the whole batch
    # again in another order, as a relay resend after a crash or a rebalance redelivery would look.
    deliveries = [*events, *[event for event in events[:5] for _ in range(3)], *shuffled]
    producer = AIOKafkaProducer(bootstrap_servers=fupin_stack.bootstrap, acks="all")
    await asyncio.wait_for(producer.start(), 30)
    try:
        for event in deliveries:
            # Keyed by aggregate like the relay, so all copies of one event share a partition.
            await producer.send_and_wait(
                SAMPLE_TOPIC,
                event.to_bytes(),
                key=event.aggregate_id.encode(),
                headers=event.routing_headers(),
            )
    finally:
        await asyncio.wait_for(producer.stop(), 10)

    direct_items = {str(event.data["id"]) for event in events}
    sent = Counter(header(record, "ce_id") for record in await pair.records_since_start())
    for event in events:
        assert sent[str(event.id)] == deliveries.count(event), f"{event.id} not on the topic as sent"

    await pair.wait_for_effects(api_items | direct_items)
    stats = await seen_all_copies(pair, len(api_items) + len(deliveries))
    await pair.assert_invariants(api_items | direct_items)
    assert stats["handled"] == len(api_items) + len(events), stats
    assert stats["duplicates"] >= len(deliveries) - len(events), stats
    # Exactly one effect per event id, too (the effect row keeps the event id it came from).
    rows = await pair.query(
        pair.consumer_db, "SELECT event_id::text AS id, count(*) AS n FROM sample_effects GROUP BY 1"
    )
    per_event = {row["id"]: int(row["n"]) for row in rows}
    assert {str(event.id) for event in events} <= per_event.keys()
    assert set(per_event.values()) == {1}, per_event


@pytest.mark.faults
async def test_relay_killed_between_send_and_mark_causes_no_double_effect(fupin_stack, service_processes):
    """The relay dies after the broker acknowledged a batch but before marking it published. The rows stay
    unpublished, a restarted relay sends them again (duplicates on the topic), effects stay exact."""
    # The API runs in its own process so it keeps accepting writes while the relay process dies.
    pair = await start_sample_pair(fupin_stack, service_processes, producer_role="api")
    async with httpx.AsyncClient(timeout=10) as client:
        first = {await pair.create_item(client, f"before-crash-{n}") for n in range(15)}
        # Nothing relays in an api-only process: all of them wait in the outbox.
        assert await pair.unpublished() == len(first)

        faulty = pair.new_producer("worker", FUPIN_FAULT="relay-after-send")
        service_processes.start(faulty)
        assert await pair.wait_exit(faulty) == 137, faulty.log_tail()

        # Sent: every event of the batch is on the topic. Not marked: every row is still unpublished.
        first_events = await pair.event_ids(first)
        assert len(first_events) == len(first)
        sent = Counter(header(record, "ce_id") for record in await pair.records_since_start())
        assert all(sent[event_id] == 1 for event_id in first_events.values()), sent
        assert await pair.unpublished() == len(first)

        # The API is unaffected by the relay's death.
        second = {await pair.create_item(client, f"after-crash-{n}") for n in range(5)}

    await pair.start(pair.new_producer("worker"))
    items = first | second
    await pair.wait_for_effects(items)

    # The restarted relay re-sent the unmarked batch: each of those events is on the topic again.
    resent = Counter(header(record, "ce_id") for record in await pair.records_since_start())
    assert all(resent[event_id] >= 2 for event_id in first_events.values()), resent
    copies = sum(resent[event_id] for event_id in (await pair.event_ids(items)).values())
    stats = await seen_all_copies(pair, copies)
    assert stats["handled"] == len(items), stats
    assert stats["duplicates"] >= len(first), stats
    await pair.assert_invariants(items)


@pytest.mark.faults
async def test_consumer_killed_before_offset_commit_loses_nothing(fupin_stack, service_processes):
    """The consumer dies after applying its first batch but before committing offsets. The restarted
    consumer gets that batch again; the inbox absorbs it as duplicates and nothing is lost."""
    pair = await start_sample_pair(
        fupin_stack, service_processes, consumer_env={"FUPIN_FAULT": "consumer-before-commit"}
    )
    async with httpx.AsyncClient(timeout=10) as client:
        items = {await pair.create_item(client, f"item-{n}") for n in range(30)}

    assert await pair.wait_exit(pair.consumer) == 137, pair.consumer.log_tail()
    applied_before_crash = await pair.effect_rows()
    assert applied_before_crash >= 1, "the consumer died before applying anything"
    # The batch's effects are committed in the database, its offsets are not: the group is where it began.
    assert await committed_offsets(fupin_stack, pair.group, SAMPLE_TOPIC) == pair.start_offsets

    pair.consumer = await pair.start(pair.new_consumer())
    await pair.wait_for_effects(items, timeout_s=90)
    stats = await seen_all_copies(pair, len(items))
    # The restarted process applies only what the dead one had not; the rest come back as duplicates.
    await pair.assert_invariants(items)
    assert stats["handled"] == len(items) - applied_before_crash, stats
    assert stats["duplicates"] >= applied_before_crash, stats


@pytest.mark.faults
async def test_poison_events_go_to_dlq_and_consumer_goes_on(fupin_stack, service_processes):
    """Two events whose handler always fails land on the group's DLQ, with their error; every good event
    around them, and after them, is applied once."""
    pair = await start_sample_pair(fupin_stack, service_processes)
    names = ["good-0", "good-1", "poison-a", "good-2", "good-3", "good-4", "poison-b", "good-5", "good-6"]
    async with httpx.AsyncClient(timeout=10) as client:
        created = {name: await pair.create_item(client, name) for name in names}
        poison = {item for name, item in created.items() if name.startswith("poison")}
        good = set(created.values()) - poison
        poison_events = set((await pair.event_ids(poison)).values())
        assert len(poison_events) == 2

        await poll(
            lambda: read_topic(fupin_stack, pair.dlq_topic),
            lambda records: len(records) >= 2,
            60,
            "both poison events on the DLQ",
            context=pair.consumer.log_tail,
        )
        # Goes on: items written after the poison ones were dead-lettered are still handled.
        later = {await pair.create_item(client, f"later-{n}") for n in range(5)}
    good |= later

    await pair.wait_for_effects(good)
    stats = await seen_all_copies(pair, len(good) + len(poison))
    assert stats["dead_lettered"] == 2, stats
    assert pair.consumer.exited() is None

    dlq = await read_topic(fupin_stack, pair.dlq_topic)
    assert len(dlq) == 2, [header(record, "ce_id") for record in dlq]
    assert {header(record, "ce_id") for record in dlq} == poison_events
    for record in dlq:
        assert "cannot handle item 'poison-" in (header(record, "fupin_error") or ""), record.headers
        assert header(record, "fupin_source_topic") == SAMPLE_TOPIC
        assert record.value is not None
        assert str(Envelope.from_bytes(record.value).data["id"]) in poison
    # The inbox remembers them as dead, so a redelivery is not dead-lettered again.
    assert await pair.inbox_dead() == poison_events
    assert not (await pair.effect_counts()).keys() & poison
    await pair.assert_invariants(good)


@pytest.mark.faults
async def test_broker_paused_loses_nothing_and_api_keeps_accepting(fupin_stack, service_processes):
    """The broker is frozen (SIGSTOP) for 30 s. Writes keep answering 201 quickly because they only touch
    PostgreSQL; after SIGCONT the relay and the consumer recover and every write has exactly one effect."""
    pair = await start_sample_pair(fupin_stack, service_processes)
    async with httpx.AsyncClient(timeout=10) as client:
        before = {await pair.create_item(client, f"before-{n}") for n in range(5)}
        await pair.wait_for_effects(before)

        during: set[str] = set()
        latencies: list[float] = []
        fupin_stack.broker.signal(signal.SIGSTOP)
        paused_at = time.monotonic()
        try:
            # Spread the writes over the whole pause, so the late ones hit a relay that has been failing
            # against a dead broker for a while.
            while time.monotonic() - paused_at < BROKER_PAUSE_S:
                started = time.monotonic()
                during.add(await pair.create_item(client, f"during-{len(during)}"))
                latencies.append(time.monotonic() - started)
                await asyncio.sleep(0.5)
            # The pause was real: none of those writes reached the consumer, all wait in the outbox.
            assert not (await pair.effect_counts()).keys() & during
            assert await pair.unpublished() >= len(during)
        finally:
            fupin_stack.broker.signal(signal.SIGCONT)
        assert time.monotonic() - paused_at >= BROKER_PAUSE_S
        assert len(during) >= 20, len(during)
        assert max(latencies) < WRITE_LATENCY_LIMIT_S, latencies

        after = {await pair.create_item(client, f"after-{n}") for n in range(5)}

    items = before | during | after
    # Generous: after a freeze aiokafka may need the consumer watchdog (30 s in tests) to restart it.
    await pair.wait_for_effects(items, timeout_s=120)
    await seen_all_copies(pair, len(items))
    # The relay's loop failed against the frozen broker and restarted: its leadership lock must be held
    # once, by its own listening connection. A lock left on a pooled connection (the bug fixed in
    # relay.py) keeps this relay, and any standby, from leading until the pool hands that connection back.
    # (Checked before the invariants, which end by stopping the processes.)
    assert await pair.relay_lock_holders() == ['LISTEN "fupin_outbox"']
    await pair.assert_invariants(items)

"""Delivery guarantees on the real broker and real PostgreSQL, with the sample aggregate."""

from __future__ import annotations

import httpx

from tests.faults.sample_pair import start_sample_pair


async def test_event_written_with_change_reaches_consumer_in_another_process(fupin_stack, service_processes):
    pair = await start_sample_pair(fupin_stack, service_processes)
    async with httpx.AsyncClient(timeout=10) as client:
        ids = {await pair.create_item(client, f"item-{n}") for n in range(20)}
    counts = await pair.wait_for_effects(ids)
    assert all(counts[item_id] == 1 for item_id in ids)
    await pair.assert_invariants(ids)

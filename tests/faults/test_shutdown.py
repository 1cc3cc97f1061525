"""Clean shutdown within 10 s, even with the broker down (docs/quality.md).

The broker is frozen (SIGSTOP: connections stay open and every request hangs, the hardest case for a
client; a stopped broker refuses connections at once) while a relay has events to send and a consumer
is polling. SIGTERM must still end every process within 10 s, cleanly, with nothing left running, and
nothing accepted before the shutdown may be lost: once the broker is back, restarted processes deliver it.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import httpx
import pytest

from fupin_kit.testing import ServiceProcess, Stack
from tests.e2e.platform import COUNTY, county_subset, create_topics, registry_database
from tests.faults.sample_pair import (
    CLEAN_STOP_S,
    assert_backends_back_to,
    assert_stopped_cleanly,
    audit_chain,
    backends,
    poll,
    start_sample_pair,
    stop_processes,
)

# The stack's test environment shortens Kafka request timeouts to 8 s; a shutdown must not depend on that,
# so these processes run with the production default.
PRODUCTION_TIMEOUTS = {"FUPIN_KAFKA_REQUEST_TIMEOUT_S": "15"}
# Long enough for the relays to be stuck in a send and the consumer's fetches to hang on the frozen broker.
FROZEN_BEFORE_STOP_S = 0.3


async def start_registry(stack: Stack, workdir: Path) -> tuple[ServiceProcess, str]:
    """A real service (the registry: API, relay, consumer of identification events) on a database holding
    one county's divisions."""
    await create_topics(stack)
    database = await registry_database(stack, county_subset(workdir / "divisions.csv.gz"))
    environment = stack.env("registry", database, **PRODUCTION_TIMEOUTS)
    return ServiceProcess("registry", "registry", environment), database


async def set_standard(
    client: httpx.AsyncClient, stack: Stack, registry: ServiceProcess, amount: str
) -> None:
    """An audited change that also writes an outbox event (standard.set)."""
    token = stack.token("county", COUNTY, ["officer"])
    response = await client.post(
        f"{registry.url}/standards",
        json={
            "kind": "poverty_line",
            "year": 2024,
            "region": COUNTY,
            "amount": amount,
            "reason": "县级标准高于省标",
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.text


@pytest.mark.faults
async def test_clean_shutdown_within_10s_with_broker_frozen(fupin_stack, service_processes, tmp_path):
    pair = await start_sample_pair(
        fupin_stack, service_processes, producer_env=PRODUCTION_TIMEOUTS, consumer_env=PRODUCTION_TIMEOUTS
    )
    registry, registry_db = await start_registry(fupin_stack, tmp_path)
    registry_baseline = await backends(fupin_stack, [registry_db])
    await pair.start(registry)

    async with httpx.AsyncClient(timeout=10) as client:
        before = {await pair.create_item(client, f"before-{n}") for n in range(5)}
        await set_standard(client, fupin_stack, registry, "4800.00")
        await pair.wait_for_effects(before)

        fupin_stack.broker.signal(signal.SIGSTOP)
        try:
            # Accepted while the broker is frozen: only in the outboxes, the relays trying to send them.
            during = {await pair.create_item(client, f"during-{n}") for n in range(5)}
            await set_standard(client, fupin_stack, registry, "5000.00")
            await asyncio.sleep(FROZEN_BEFORE_STOP_S)
            stopped = await stop_processes([pair.producer, pair.consumer, registry])
        finally:
            fupin_stack.broker.signal(signal.SIGCONT)

    print("\n".join(f"{s.process.service}: exit {s.code} in {s.seconds:.1f}s" for s in stopped))
    assert_stopped_cleanly(stopped)
    assert all(entry.seconds <= CLEAN_STOP_S for entry in stopped)
    # No connection leaks: every database's connections are back to where they were before its process.
    await assert_backends_back_to(fupin_stack, [registry_db], registry_baseline)
    await assert_backends_back_to(fupin_stack, [pair.producer_db, pair.consumer_db], pair.baseline_backends)
    # Both standard changes are on the registry's audit chain, and the chain verifies.
    report = await audit_chain(fupin_stack, "registry", registry_db)
    assert report.ok and report.checked >= 2, report

    # Nothing accepted before the shutdown is lost: the outbox kept it, restarted processes deliver it.
    assert await pair.unpublished() >= len(during)
    pair.producer = await pair.start(pair.new_producer())
    pair.consumer = await pair.start(pair.new_consumer())
    items = before | during
    await pair.wait_for_effects(items, timeout_s=120)
    await poll(
        lambda: pair.consumer_stats(),
        lambda s: s["handled"] + s["duplicates"] >= len(during),
        60,
        "restarted consumer to catch up",
    )
    await pair.assert_invariants(items)

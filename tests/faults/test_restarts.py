"""Processes restarted while a stream of commands runs (docs/quality.md): nothing lost, nothing doubled.

A client posts a steady stream of items to the sample producer while processes are SIGKILLed (or stopped
with SIGTERM) and started again. The sample API has no idempotency key, so the client never re-sends an
item: a request that fails (connection refused or reset, 503) is counted as unacknowledged and the next
item is a new one. A producer killed after its commit but before its response leaves an item the client
never heard of; it was committed with its outbox event, so it must be delivered too. The invariants are
therefore taken over every item the producer committed: each has exactly one effect, nothing else has
one, and every item the client saw acknowledged (201) is among them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from dataclasses import dataclass, field

import httpx
import pytest

from fupin_kit.testing import ServiceProcess
from tests.faults.sample_pair import (
    DIVISION,
    SamplePair,
    assert_stopped_cleanly,
    poll,
    start_sample_pair,
    stop_processes,
)

# Between two requests of the stream: ~10 items/s while the machine is quiet.
STREAM_INTERVAL_S = 0.1
RESTART_EVERY_S = 4.0
REPLICA_RESTART_EVERY_S = 10.0


@dataclass
class Stream:
    """The client: one item after another to whichever producer process is current."""

    pair: SamplePair
    acknowledged: set[str] = field(default_factory=set)
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    sent: int = 0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        assert self._task is not None
        await self._task

    async def _run(self) -> None:
        headers = self.pair.headers()
        async with httpx.AsyncClient(timeout=5) as client:
            while not self._stop.is_set():
                self.sent += 1
                try:
                    response = await client.post(
                        f"{self.pair.producer.url}/items",
                        json={"division": DIVISION, "name": f"stream-{self.sent}"},
                        headers=headers,
                    )
                except httpx.TransportError as exc:
                    # Refused while the producer restarts, or reset when it is killed mid-request.
                    self.failures[type(exc).__name__] += 1
                    await asyncio.sleep(0.2)
                    continue
                if response.status_code == 201:
                    self.acknowledged.add(str(response.json()["id"]))
                elif response.status_code == 503:
                    self.failures["503"] += 1
                    await asyncio.sleep(0.2)
                else:
                    raise AssertionError(f"unexpected answer {response.status_code}: {response.text}")
                await asyncio.sleep(STREAM_INTERVAL_S)


async def _value(value: int) -> int:
    return value


async def stream_is_flowing(stream: Stream, what: str) -> None:
    """A few more acknowledgements than now: the stream is being served (so the next kill hits work)."""
    count = len(stream.acknowledged)
    await poll(
        lambda: _value(len(stream.acknowledged)),
        lambda n: n >= count + 3,
        60,
        f"stream acknowledged again ({what})",
        context=stream.pair.producer.log_tail,
    )


async def consumer_is_working(pair: SamplePair, what: str) -> None:
    """The current consumer process has applied items of its own (so the next kill hits a consumer at
    work, not one still waiting for the group to assign it partitions)."""
    await poll(
        lambda: pair.consumer_stats(),
        lambda stats: stats["handled"] >= 3,
        90,
        f"restarted consumer applying items ({what})",
        interval_s=0.5,
        context=pair.consumer.log_tail,
    )


async def assert_stream_delivered(pair: SamplePair, stream: Stream) -> set[str]:
    """Every item the producer committed (acknowledged ones among them) has exactly one effect, every copy
    on the topic went through the consumer, and the shared end-of-test invariants hold."""
    committed = await pair.committed_items()
    assert stream.acknowledged <= committed, (
        f"acknowledged but not committed: {stream.acknowledged - committed}"
    )
    print(
        f"sent {stream.sent}, acknowledged {len(stream.acknowledged)}, committed {len(committed)}, "
        f"failures {dict(stream.failures)}"
    )
    await pair.wait_for_effects(committed, timeout_s=120)
    await pair.wait_caught_up()
    return committed


@pytest.mark.faults
async def test_restarted_repeatedly_during_a_stream_loses_and_doubles_nothing(fupin_stack, service_processes):
    """Three rounds, while the stream runs: the consumer is SIGKILLed once it is applying items and started
    again, then the producer (API and relay in one process) is SIGKILLed and started again. The new
    consumer waits for the group to give up on the killed one (its session timeout), so each round takes
    about 20 s; the producer is back within a few seconds."""
    pair = await start_sample_pair(fupin_stack, service_processes)
    stream = Stream(pair)
    stream.start()
    try:
        await stream_is_flowing(stream, "at start")
        for round_ in range(1, 4):
            await consumer_is_working(pair, f"round {round_}")
            pair.consumer.kill()
            pair.consumer = await pair.start(pair.new_consumer(), ready=False)
            await asyncio.sleep(RESTART_EVERY_S)
            pair.producer.kill()
            pair.producer = await pair.start(pair.new_producer())
            await stream_is_flowing(stream, f"producer restart {round_}")
        await consumer_is_working(pair, "after the last round")
    finally:
        await stream.stop()
    assert len(stream.acknowledged) >= 50, stream
    assert stream.failures, "no request ever failed: the producer restarts did not hit the stream"
    committed = await assert_stream_delivered(pair, stream)
    await pair.assert_invariants(committed)


async def replica_stats(replicas: list[ServiceProcess], group: str) -> dict[int, int]:
    """Items each live replica has applied so far (its /readyz counters), by process id."""
    handled: dict[int, int] = {}
    async with httpx.AsyncClient(timeout=5) as client:
        for replica in replicas:
            assert replica.process is not None
            with contextlib.suppress(httpx.HTTPError, KeyError, ValueError):
                response = await client.get(f"{replica.url}/readyz")
                handled[replica.process.pid] = int(response.json()["consumers"][group]["handled"])
    return handled


@pytest.mark.faults
@pytest.mark.xfail(
    strict=False,
    reason=(
        "known issue: run alone it passes (4 of 4 runs), but in two clean-clone runs of the whole suite the "
        "Tansu consumer group did not settle within 120 s after the restarts (joins over 30 s, each abandoned "
        "join adding a member to wait for); the consumer now waits 90 s for a join, not yet proven in CI"
    ),
)
async def test_three_consumer_replicas_one_restarted_every_10s(fupin_stack, service_processes):
    """Three consumer processes in one group share the sample topic's three partitions while the stream
    runs; every 10 s one of them is restarted, with SIGTERM (it leaves the group) and SIGKILL (the group
    waits for its session to expire) in turn, and each restart rebalances the group."""
    pair = await start_sample_pair(fupin_stack, service_processes)
    replicas = [pair.consumer]
    replicas += await asyncio.gather(pair.start(pair.new_consumer()), pair.start(pair.new_consumer()))
    # Per process: the most it reported applying, to show the work was really shared.
    handled: dict[int, int] = {}

    async def sample_handled() -> None:
        for pid, count in (await replica_stats(replicas, pair.group)).items():
            handled[pid] = max(handled.get(pid, 0), count)

    stream = Stream(pair)
    stream.start()
    try:
        await stream_is_flowing(stream, "at start")
        next_restart = time.monotonic() + REPLICA_RESTART_EVERY_S
        for round_ in range(3):
            while time.monotonic() < next_restart:
                await sample_handled()
                await asyncio.sleep(1.0)
            next_restart += REPLICA_RESTART_EVERY_S
            victim = round_ % len(replicas)
            if round_ % 2 == 0:
                # A clean stop is part of the scenario: within 10 s, exit code, nothing left behind.
                assert_stopped_cleanly(await stop_processes([replicas[victim]]))
            else:
                replicas[victim].kill()
            replicas[victim] = await pair.start(pair.new_consumer(), ready=False)
            pair.consumer = replicas[victim]
        while time.monotonic() < next_restart:
            await sample_handled()
            await asyncio.sleep(1.0)
    finally:
        await stream.stop()
    committed = await assert_stream_delivered(pair, stream)
    await sample_handled()
    print(f"items applied by each consumer process (pid: count): {handled}")
    assert len([count for count in handled.values() if count > 0]) >= 2, (
        f"the work was not shared between replicas: {handled}"
    )
    await pair.assert_invariants(committed)

"""Events the notice timer writes carry a correlation id like every other event: no request or event
started its round, so the notices one round closes, and their cases' events, share one id of the round's
own (QA8 events-consumer: two case.notice_closed events had none)."""

from __future__ import annotations

import json
from typing import Any

from identification import timers

Ident = Any  # conftest's Harness (test modules cannot import it under importlib mode)

DAY = 86_400


async def test_a_timer_round_gives_its_events_one_correlation_id(harness: Ident) -> None:
    await harness.to_first_notice(households=2)
    ((before,),) = await harness.sql("SELECT coalesce(max(seq), 0) FROM outbox")
    await harness.advance_clock(8 * DAY)
    await timers.run_round(harness.app.state.sessionmaker)

    rows = await harness.sql("SELECT type, payload FROM outbox WHERE seq > :seq ORDER BY seq", seq=before)
    closed = [row for row in rows if row[0].endswith("notice_closed.v1")]
    assert len(closed) == 2, [row[0] for row in rows]
    envelopes = [row[1] if isinstance(row[1], dict) else json.loads(row[1]) for row in rows]
    correlations = {envelope.get("correlationid") for envelope in envelopes}
    assert len(correlations) == 1, correlations
    (correlation,) = correlations
    assert correlation is not None and correlation.startswith("notice-timer-")

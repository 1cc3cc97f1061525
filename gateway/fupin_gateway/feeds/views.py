"""What a caller sees of one stored event: the same shape in the pull API and the SSE stream."""

from __future__ import annotations

from typing import Any

from fupin_gateway.feeds.masking import mask_event
from fupin_gateway.feeds.policy import TierPolicy
from fupin_gateway.feeds.repository import FeedRow

# CloudEvents attributes passed on to feed readers; anything else in the stored body stays inside.
VIEW_ATTRIBUTES = ("source", "subject", "extradivisions", "correlationid", "causationid", "data")


def event_view(row: FeedRow, tier: str, policy: TierPolicy) -> dict[str, Any]:
    masked = mask_event(row.body, tier, policy)
    view: dict[str, Any] = {
        "seq": row.seq,
        "id": str(row.event_id),
        "type": row.type,
        "division": row.division,
        "time": row.time.isoformat(),
    }
    view.update({name: masked[name] for name in VIEW_ATTRIBUTES if name in masked})
    return view

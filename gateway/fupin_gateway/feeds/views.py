"""What a caller sees of one stored event: the same shape in the pull API and the SSE stream, a structured
CloudEvent (JSON format, as the events travel on Kafka) with the feed's cursor `seq` as an extension
attribute, so that a CloudEvents SDK reads it as it reads a Kafka record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin_gateway.feeds.masking import mask_event
from fupin_gateway.feeds.policy import TierPolicy
from fupin_gateway.feeds.repository import FeedRow

# CloudEvents attributes passed on to feed readers; anything else in the stored body stays inside.
# The actor's tier is passed on (as on the provincial topics); the actor's account name (`actorid`) is not:
# who acted stays in the platform.
VIEW_ATTRIBUTES = ("source", "subject", "extradivisions", "correlationid", "causationid", "actortier", "data")


def event_view(row: FeedRow, tier: str, policy: TierPolicy) -> dict[str, Any]:
    masked = mask_event(row.body, tier, policy)
    view: dict[str, Any] = {
        "specversion": masked.get("specversion", "1.0"),
        "seq": row.seq,
        "id": str(row.event_id),
        "type": row.type,
        "division": row.division,
        # RFC 3339 in UTC with "Z", as the events carry it on Kafka (isoformat() writes "+00:00").
        "time": row.time.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "datacontenttype": masked.get("datacontenttype", "application/json"),
    }
    view.update({name: masked[name] for name in VIEW_ATTRIBUTES if name in masked})
    return view

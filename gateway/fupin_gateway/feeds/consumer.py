"""The feed router: every domain event once into the feed store and once onto its provinces' feed topics.

Exactly-once comes from PostgreSQL, not from the broker: the consumer loop claims the inbox row, and this
handler inserts into feed_events and stages the feed copies in the gateway's outbox, all in one
transaction. A redelivered event conflicts on the inbox (and, should the inbox ever be purged or the
group renamed, on feed_events.event_id) and has no second effect; the relay then publishes each outbox row
at least once, and a relay resend repeats an id that consumers already deduplicate on.

Copy ids (the outbox primary key is the event id, so two copies of one event need two ids):
- the copy on the home province's topic keeps the original event id, so the common case (an event of
  one province) reads the same id on the feed as on the domain topic;
- the copy on each extra province's topic (`extradivisions`) gets the deterministic uuid5(event id, pp):
  a re-run produces the same id, so the outbox rejects a second copy and consumers can deduplicate;
- every copy carries the extension attribute `originalid` (the domain event's id), so a consumer reading
  several provincial topics can recognise one event seen on two of them;
- and `feedseq`, the event's seq in the feed store: the cursor of the pull API (`/feeds/events?after=`)
  and of the SSE stream (`Last-Event-ID`), so a provincial consumer whose topic restarted empty (this
  broker keeps its log in memory) catches up from the last copy it read.
The province tier's policy applies at copy time: an event that tier does not receive is not copied, and
the copy is masked before it reaches the outbox, so a provincial consumer never sees a full ID number.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_gateway.feeds import repository
from fupin_gateway.feeds.masking import mask_event
from fupin_gateway.feeds.policy import FeedPolicy, TierPolicy
from fupin_kit import divisions
from fupin_kit.consumer import ConsumerSpec
from fupin_kit.envelope import Envelope, domain_topic, feed_topic
from fupin_kit.outbox import record_event

log = logging.getLogger(__name__)
DEFAULT_GROUP = "gateway-feed-router"
PROVINCE_TIER = "province"


def declared_feeds(topics_file: Path) -> tuple[list[str], frozenset[str]]:
    """The domain topics to consume and the provinces that have a feed topic, from deploy/topics.yaml."""
    spec: dict[str, Any] = yaml.safe_load(topics_file.read_text(encoding="utf-8"))
    topics = [domain_topic(service) for service in spec["domain"]["services"]]
    provinces = frozenset(f"{int(province):02d}" for province in spec["feeds"]["provinces"])
    return topics, provinces


def copy_id(event_id: uuid.UUID, province: str, home: str) -> uuid.UUID:
    return event_id if province == home else uuid.uuid5(event_id, province)


class FeedRouter:
    """The consumer's fallback handler: it receives every event type of every domain topic."""

    def __init__(self, policy: FeedPolicy, provinces: frozenset[str]) -> None:
        province_policy = policy.for_tier(PROVINCE_TIER)
        assert province_policy is not None  # FeedPolicy requires the province tier
        self.policy: TierPolicy = province_policy
        # Only declared topics: a copy to a topic that does not exist would fail in the relay forever and
        # hold back every later outbox row behind it.
        self.provinces = provinces

    async def __call__(self, session: AsyncSession, event: Envelope) -> None:
        seq = await repository.insert_event(session, event)
        if seq is None:
            return
        if not self.policy.receives_event(event.type, event.data):
            return
        home = divisions.province_of(event.division)
        masked = mask_event(event.model_dump(mode="json", exclude_none=True), PROVINCE_TIER, self.policy)
        # Who acted (an account name) stays in the platform, as in the pull API and the stream: the
        # province learns what happened and where, and asks the service's audit for who if it must.
        masked.pop("actorid", None)
        for province in self.target_provinces(event):
            body = {
                **masked,
                "id": str(copy_id(event.id, province, home)),
                "originalid": str(event.id),
                "feedseq": seq,
            }
            await record_event(session, Envelope.model_validate(body), topic=feed_topic(province))

    def target_provinces(self, event: Envelope) -> list[str]:
        """Home province first, then each other province named in extradivisions, each once."""
        wanted = [divisions.province_of(event.division)]
        for code in event.extradivisions or ():
            try:
                wanted.append(divisions.province_of(code))
            except divisions.InvalidDivisionCode:
                # A producer bug; the home province still gets its copy rather than the DLQ getting all.
                log.warning("event %s names an invalid extra division %r", event.id, code)
        unique = list(dict.fromkeys(wanted))
        skipped = [province for province in unique if province not in self.provinces]
        if skipped:
            log.warning("event %s: no feed topic declared for provinces %s", event.id, skipped)
        return [province for province in unique if province in self.provinces]


def feed_consumer_spec(router: FeedRouter, topics: list[str], group_id: str = DEFAULT_GROUP) -> ConsumerSpec:
    return ConsumerSpec(group_id=group_id, topics=topics, handlers={}, fallback=router, batch=True)

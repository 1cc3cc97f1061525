"""The CloudEvents 1.0 envelope (structured JSON mode) that every Fupin event travels in.

The routing attributes are copied into Kafka headers (`ce_id`, `ce_type`, ...) so routers can decide
without parsing the body; trace context travels only in `traceparent` / `tracestate` headers.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

from fupin_kit import divisions
from fupin_kit.request_context import current_cause, current_request_id

CONTENT_TYPE = "application/cloudevents+json"
TYPE_PATTERN = r"^fupin\.[a-z_]+\.[a-z_]+\.[a-z_]+\.v[0-9]+$"


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: str = "1.0"
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    source: str
    type: str = Field(pattern=TYPE_PATTERN)
    subject: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: str = "application/json"
    division: str
    extradivisions: list[str] | None = None
    correlationid: str | None = None
    causationid: str | None = None
    actorid: str | None = None
    actortier: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("division")
    @classmethod
    def _division_code(cls, value: str) -> str:
        return divisions.validate(value)

    @property
    def aggregate_type(self) -> str:
        return self.subject.split("/", 1)[0]

    @property
    def aggregate_id(self) -> str:
        return self.subject.split("/", 1)[-1]

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json", exclude_none=True))

    def routing_headers(self) -> list[tuple[str, bytes]]:
        return [
            ("content-type", CONTENT_TYPE.encode()),
            ("ce_id", str(self.id).encode()),
            ("ce_type", self.type.encode()),
            ("ce_source", self.source.encode()),
            ("ce_subject", self.subject.encode()),
            ("ce_division", self.division.encode()),
        ]

    @classmethod
    def from_bytes(cls, raw: bytes) -> Envelope:
        return cls.model_validate(orjson.loads(raw))


def new_event(
    *,
    service: str,
    type: str,
    aggregate: str,
    aggregate_id: str,
    division: str,
    data: dict[str, Any],
    actor_id: str | None = None,
    actor_tier: str | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    extra_divisions: list[str] | None = None,
) -> Envelope:
    # Unless the builder names them: a reaction to an event is caused by it and shares its correlation, a
    # change made by an HTTP request correlates with the request (request_context).
    cause = current_cause()
    if causation_id is None and cause is not None:
        causation_id = cause.causation_id
    if correlation_id is None:
        correlation_id = cause.correlation_id if cause is not None else current_request_id()
    return Envelope(
        source=f"/fupin/{service}",
        type=type,
        subject=f"{aggregate}/{aggregate_id}",
        division=division,
        data=data,
        actorid=actor_id,
        actortier=actor_tier,
        correlationid=correlation_id,
        causationid=causation_id,
        extradivisions=extra_divisions,
    )


def domain_topic(service: str) -> str:
    return f"fupin.{service}.events.v1"


FEED_TOPIC_PREFIX = "fupin.feed."


def feed_topic(province: str) -> str:
    return f"{FEED_TOPIC_PREFIX}{province}.v1"


def is_feed_topic(topic: str) -> bool:
    """A provincial feed topic: read by systems outside the platform, unlike every other topic."""
    return topic.startswith(FEED_TOPIC_PREFIX)


def dlq_topic(consumer_group: str) -> str:
    return f"fupin.dlq.{consumer_group}.v1"

from __future__ import annotations

import os
import uuid

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_kit.auth.actor import require_within
from fupin_kit.auth.dependencies import CurrentActor
from fupin_kit.consumer import ConsumerSpec
from fupin_kit.db import DbSession as Session
from fupin_kit.envelope import Envelope, domain_topic, new_event
from fupin_kit.outbox import record_event
from fupin_kit.problems import not_found
from fupin_kit.sample import repository
from fupin_kit.service_app import ServiceSpec, create_service_app

SOURCE = "sample"
ITEM_CREATED = "fupin.sample.item.created.v1"
DEFAULT_GROUP = "sample-consumer"
router = APIRouter(prefix="/items", tags=["sample"])


class ItemIn(BaseModel):
    division: str = Field(pattern=r"^[0-9]{12}$")
    name: str = Field(min_length=1, max_length=200)


class ItemOut(BaseModel):
    id: uuid.UUID
    division: str
    name: str


@router.post("", status_code=201)
async def create_item(body: ItemIn, actor: CurrentActor, session: Session) -> ItemOut:
    require_within(actor, body.division, "division")
    item_id = uuid.uuid4()
    await repository.add_item(session, item_id, body.division, body.name)
    await record_event(
        session,
        new_event(
            service=SOURCE,
            type=ITEM_CREATED,
            aggregate="item",
            aggregate_id=str(item_id),
            division=body.division,
            data={"id": str(item_id), "name": body.name},
            actor_id=actor.subject,
            actor_tier=actor.tier,
        ),
    )
    return ItemOut(id=item_id, division=body.division, name=body.name)


@router.get("/{item_id}")
async def read_item(item_id: uuid.UUID, actor: CurrentActor, session: Session) -> ItemOut:
    lo, hi = actor.subtree
    row = await repository.get_item(session, item_id, lo, hi)
    if row is None:
        raise not_found("item")
    return ItemOut(id=row["id"], division=row["division"], name=row["name"])


@router.get("")
async def effects(session: Session) -> dict[str, int]:
    """Consumer side: effects per item (test observation point)."""
    return await repository.effect_counts(session)


async def on_item_created(session: AsyncSession, event: Envelope) -> None:
    name = str(event.data["name"])
    if name.startswith("poison"):
        raise ValueError(f"cannot handle item {name!r}")
    await repository.add_effect(session, event.id, uuid.UUID(str(event.data["id"])), name)


def create_app() -> FastAPI:
    consumes = os.environ.get("FUPIN_SERVICE", "sample_producer") == "sample_consumer"
    # The fault tests give each scenario its own group (and so its own DLQ topic): the broker outlives a
    # test, and a shared group would carry one test's committed offsets into the next.
    group = os.environ.get("FUPIN_SAMPLE_GROUP") or DEFAULT_GROUP
    consumers = [ConsumerSpec(group, [domain_topic(SOURCE)], {ITEM_CREATED: on_item_created})]
    spec = ServiceSpec(
        name=os.environ.get("FUPIN_SERVICE", "sample_producer"),
        title="Fupin sample aggregate",
        description="Test aggregate proving the outbox, relay and inbox guarantees.",
        routers=[router],
        consumers=consumers if consumes else [],
    )
    return create_service_app(spec)

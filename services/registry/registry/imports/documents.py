"""The JSON documents an import writes besides the rows: each household's history snapshot and its events.

They are rendered whole here, in the import's worker processes, with orjson (building JSON in SQL with
jsonb_build_object cost ~60 µs per member), timestamps included: an import happens at one instant, taken
when its processing starts (Stamps). They are COPYed into jsonb staging columns, so PostgreSQL parses and
compresses each while the file is still being validated, and the apply copies the stored values into
history and the outbox as they are: parsing and compressing them in the apply transaction was a third of
its time. Their shape is exactly that of households/service.py's snapshot() and of
events.household_event(); the tests check every imported event against the contract models and the
envelope.

A created event names its village's place (divisions/places.py). The importing process looks up the places
of every village the importer may import into, once, before the first chunk, and hands them to the workers
as one JSON text (places_text); each household's event then embeds its village's place already serialised.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import TypeAdapter

from fupin_contracts import registry as contracts
from fupin_kit.envelope import domain_topic
from registry.households.enums import HouseholdStatus, MemberChange, MemberStatus

SOURCE = "/fupin/registry"
TOPIC = domain_topic("registry")
ACTIVE = MemberStatus.ACTIVE.value
REGISTRATION = MemberChange.REGISTRATION.value
CANDIDATE = HouseholdStatus.CANDIDATE.value
_DATETIME = TypeAdapter(dt.datetime)


_PLACES = TypeAdapter(dict[str, list[contracts.DivisionNameV1]])


def places_text(places: Mapping[str, list[contracts.DivisionNameV1]]) -> str:
    """Village → place as one JSON text: what a worker is handed (hashable, cheap to pickle per chunk)."""
    return _PLACES.dump_json(dict(places)).decode()


def read_places(text: str) -> dict[str, orjson.Fragment]:
    """places_text back as village → its place already serialised (a worker reads it once per import), so
    an event embeds its place without serialising it again per household."""
    if not text:
        return {}
    return {village: orjson.Fragment(orjson.dumps(place)) for village, place in orjson.loads(text).items()}


@dataclass(frozen=True)
class Stamps:
    """What every document of one import writes the same. The instant: a history snapshot as
    households/service.py renders a database timestamp (isoformat), an event as the envelope's pydantic
    model renders `time`. The places of its villages (read_places): a created event's `place`, null for a
    village without one (as for a single create while the tree is not loaded)."""

    history: str
    event: str
    places: Mapping[str, orjson.Fragment] = field(default_factory=dict, hash=False)
    correlation: str | None = None  # the upload's request id (request_context), as new_event sets it

    @classmethod
    def of(
        cls,
        at: dt.datetime,
        places: Mapping[str, orjson.Fragment] | None = None,
        correlation: str | None = None,
    ) -> Stamps:
        return cls(at.isoformat(), str(_DATETIME.dump_python(at, mode="json")), places or {}, correlation)


_VARIANT = {character: "89ab"[int(character, 16) & 3] for character in "0123456789abcdef"}


def new_ids(count: int) -> list[str]:
    """Random (version 4) UUIDs as strings, from one urandom call: uuid.uuid4() per id costs more than
    everything else done for a member."""
    raw = os.urandom(16 * count).hex()
    return [
        f"{raw[i : i + 8]}-{raw[i + 8 : i + 12]}-4{raw[i + 13 : i + 16]}-"
        f"{_VARIANT[raw[i + 16]]}{raw[i + 17 : i + 20]}-{raw[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


def member_snapshot(member_id: str, member: dict[str, Any], joined_on: str) -> dict[str, Any]:
    """service.member_snapshot of a member just registered."""
    return {
        "id": member_id,
        "name": member["name"],
        "sex": member["sex"],
        "id_kind": member["id_kind"],
        "id_masked": member["id_masked"],
        "birth_date": member["birth_date"],
        "relation": member["relation"],
        "ethnicity": member["ethnicity"],
        "education": member["education"],
        "schooling": member["schooling"],
        "health": member["health"],
        "labour_capacity": member["labour_capacity"],
        "work_status": member["work_status"],
        "dibao": member["dibao"],
        "medical_insurance": member["medical_insurance"],
        "pension_insurance": member["pension_insurance"],
        "status": ACTIVE,
        "joined_on": joined_on,
        "joined_by": REGISTRATION,
        "left_on": None,
        "left_by": None,
    }


def member_summary(member_id: str, member: dict[str, Any]) -> dict[str, Any]:
    """contracts.MemberSummaryV1, as events.member_summary fills it."""
    return {
        "member_id": member_id,
        "name": member["name"],
        "sex": member["sex"],
        "id_kind": member["id_kind"],
        "resident_id_masked": member["id_masked"],
        "relation": member["relation"],
        "health": member["health"],
        "labour_capacity": member["labour_capacity"],
        "status": ACTIVE,
        "resident_id_index": member["person_index"].hex(),
    }


def _envelope(
    event_id: str,
    event_type: str,
    household_id: str,
    division: str,
    actor: tuple[str, str],
    stamps: Stamps,
    data: Any,
) -> str:
    """Envelope.model_dump(mode="json", exclude_none=True)."""
    envelope = {
        "specversion": "1.0",
        "id": event_id,
        "source": SOURCE,
        "type": event_type,
        "subject": f"household/{household_id}",
        "time": stamps.event,
        "datacontenttype": "application/json",
        "division": division,
    }
    if stamps.correlation is not None:
        envelope["correlationid"] = stamps.correlation
    envelope |= {"actorid": actor[0], "actortier": actor[1], "data": data}
    return orjson.dumps(envelope).decode()


def render(
    ids: list[str],
    household: dict[str, Any],
    members: list[dict[str, Any]],
    actor: tuple[str, str],
    stamps: Stamps,
) -> tuple[str, str, str | None]:
    """(history `after`, household.created envelope, household.income_recorded envelope or None). `ids`:
    household id, created event id, income event id, then one per member."""
    household_id, created_id, income_id = ids[0], ids[1], ids[2]
    member_ids = ids[3:]
    joined_on = household["registered_on"]
    division = household["division"]
    after = {
        "id": household_id,
        "division": division,
        "village_group": household["village_group"],
        "address": household["address"],
        "head_name": household["head_name"],
        "phone": household["phone"],
        "bank_name": household["bank_name"],
        "bank_account_masked": household["bank_account_masked"],
        "identification_standard": household["identification_standard"],
        "attribute": household["attribute"],
        "main_cause": household["main_cause"],
        "other_causes": household["other_causes"],
        "status": CANDIDATE,
        "member_count": len(members),
        "income_year": household["income_year"],
        "per_capita_net_income": _money(household["per_capita_net_income"]),
        "version": 1,
        "created_at": stamps.history,
        "updated_at": stamps.history,
        "living": {
            "housing_area": _money(household["housing_area"]),
            "housing_structure": household["housing_structure"],
            "housing_year_built": household["housing_year_built"],
            "housing_safety_grade": household["housing_safety_grade"],
            "has_electricity": household["has_electricity"],
            "fuel": household["fuel"],
            "drinking_water": household["drinking_water"],
            "relocation": household["relocation"],
        },
        "members": [member_snapshot(mid, m, joined_on) for mid, m in zip(member_ids, members, strict=True)],
    }
    created = {
        "household_id": household_id,
        "division": division,
        "village_group": household["village_group"],
        "status": CANDIDATE,
        "identification_standard": household["identification_standard"],
        "attribute": household["attribute"],
        "main_cause": household["main_cause"],
        "other_causes": household["other_causes"],
        "member_count": len(members),
        "members": [member_summary(mid, m) for mid, m in zip(member_ids, members, strict=True)],
        "place": stamps.places.get(division),
    }
    created_json = _envelope(
        created_id, contracts.HOUSEHOLD_CREATED, household_id, division, actor, stamps, created
    )
    income_json = None
    if household["income_year"] is not None:
        income = {
            "household_id": household_id,
            "division": division,
            "year": household["income_year"],
            "net_income": _money(household["net_income"]),
            "member_count": household["income_member_count"],
            "per_capita_net_income": _money(household["per_capita_net_income"]),
        }
        income_json = _envelope(
            income_id,
            contracts.HOUSEHOLD_INCOME_RECORDED,
            household_id,
            division,
            actor,
            stamps,
            income,
        )
    return orjson.dumps(after).decode(), created_json, income_json

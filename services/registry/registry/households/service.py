"""Use cases of the household aggregate. Each one runs inside the request's unit of work: the change, its
history row (who, when, why, before/after) and its event are committed together or not at all."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_contracts import registry as contracts
from fupin_kit import divisions
from fupin_kit.auth.actor import Actor, require_role, require_tier, require_within
from fupin_kit.civil_time import china_today
from fupin_kit.outbox import record_change
from fupin_kit.pii import PiiCipher, mask_phone, mask_resident_id, mask_text, mask_texts
from fupin_kit.problems import ProblemError, conflict, forbidden, not_found, unprocessable
from fupin_kit.read_pool import ReadPool
from registry.divisions import places
from registry.divisions import repository as division_repository
from registry.households import birth_days, events, repository
from registry.households.enums import (
    STATUS_COLOURS,
    Cause,
    DrinkingWater,
    Education,
    Ethnicity,
    Fuel,
    Health,
    HouseholdAttribute,
    HouseholdStatus,
    HousingSafetyGrade,
    HousingStructure,
    IdentificationStandard,
    IdKind,
    LabourCapacity,
    MemberChange,
    MemberStatus,
    Relation,
    Schooling,
    Sex,
    WorkStatus,
)
from registry.households.schemas import (
    INCOME_REASON,
    NOBODY_IN_YEAR,
    CodeLabel,
    CountsOut,
    DivisionCount,
    HistoryEntry,
    HouseholdIn,
    HouseholdOut,
    HouseholdPage,
    HouseholdPatch,
    HouseholdSummary,
    IncomeIn,
    IncomeOut,
    LivingConditionsOut,
    MemberDeath,
    MemberIn,
    MemberJoin,
    MemberLeave,
    MemberOut,
    MemberPatch,
    StatusCommand,
    check_causes,
    head_name_problem,
    income_reference_day,
    marriage_age_problem,
)
from registry.households.workflow import InvalidTransition, StatusAction, next_status

STATUS_ROLE = "officer"
STATUS_TIER = "county"
# Status commands that put people under support: refused by hand for a household with nobody in it.
NEEDS_SOMEONE = frozenset({StatusAction.REGISTER, StatusAction.RETURN, StatusAction.MONITOR})
# Who keeps the files: village and township cadres and officers of the village, township and county
# tiers (domain.md §1: the city and province supervise); a viewer, a department client or an evaluator
# only reads.
WRITE_ROLES = ("cadre", "officer")
WRITE_TIERS = ("village", "township", "county")
WRITE_TIER_RULE = (
    "household files are created and edited by the village, township and county tiers; "
    "the city and province tiers supervise them"
)
CENT = Decimal("0.01")
LIVING_FIELDS = (
    "housing_area",
    "housing_structure",
    "housing_year_built",
    "housing_safety_grade",
    "has_electricity",
    "fuel",
    "drinking_water",
    "relocation",
)
MEMBER_ATTRIBUTES = (
    "name",
    "sex",
    "id_kind",
    "id_masked",
    "birth_date",
    "relation",
    "ethnicity",
    "education",
    "schooling",
    "health",
    "labour_capacity",
    "work_status",
    "dibao",
    "medical_insurance",
    "pension_insurance",
    "status",
    "joined_on",
    "joined_by",
    "left_on",
    "left_by",
)
Snapshot = dict[str, Any]


@dataclass(frozen=True)
class Context:
    session: AsyncSession
    actor: Actor
    cipher: PiiCipher


# ---- snapshots (what history stores; never a plain resident ID or bank account) ----------------------


def _json(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list):
        return [_json(item) for item in value]
    return value


def _as_is(value: Any) -> Any:
    return value


def member_snapshot(row: dict[str, Any], value: Callable[[Any], Any] = _json) -> Snapshot:
    return {"id": value(row["id"]), **{key: value(row[key]) for key in MEMBER_ATTRIBUTES}}


def snapshot(
    household: dict[str, Any], member_rows: list[dict[str, Any]], value: Callable[[Any], Any] = _json
) -> Snapshot:
    """The household as history stores it (JSON values); with `value=_as_is`, the same shape with the
    database's values, which is what a response renders from (no round trip through strings)."""
    keys = (
        "division",
        "village_group",
        "address",
        "head_name",
        "phone",
        "bank_name",
        "bank_account_masked",
        "identification_standard",
        "attribute",
        "main_cause",
        "other_causes",
        "status",
        "member_count",
        "income_year",
        "per_capita_net_income",
        "version",
        "created_at",
        "updated_at",
    )
    return {
        "id": value(household["id"]),
        **{key: value(household[key]) for key in keys},
        "living": {key: value(household[key]) for key in LIVING_FIELDS},
        "members": [member_snapshot(row, value) for row in member_rows],
    }


INCOME_FIELDS = (
    "year",
    "wage",
    "business",
    "transfer",
    "property",
    "production_costs",
    "net_income",
    "member_count",
    "per_capita_net_income",
    "recorded_by",
    "recorded_at",
)


def income_snapshot(row: dict[str, Any]) -> Snapshot:
    """A year's income record as history keeps it: every component, net and per-capita income, the member
    count it was divided by, and who recorded the figures when."""
    return {key: _json(row[key]) for key in INCOME_FIELDS}


def with_incomes(data: Snapshot, rows: list[dict[str, Any]]) -> Snapshot:
    """A household snapshot with the income records a change wrote, as they were (`before`) or became
    (`after`): history's `incomes`, by year. A year recorded for the first time has no record before."""
    return {**data, "incomes": [income_snapshot(row) for row in sorted(rows, key=lambda row: row["year"])]}


# ---- rendering -------------------------------------------------------------------------------------------


def _code(enum: Any, code: str | None) -> CodeLabel | None:
    return CodeLabel.maybe(enum, code)


def _must(enum: Any, code: str) -> CodeLabel:
    return CodeLabel.of(enum, code)


def _typed(value: Any, full_text: bool) -> Any:
    """A free-text field (a str, or None when not filled in) as typed (county tier and below) or with the
    ID and mobile numbers typed into it masked (above), as history and the feeds read the same text."""
    return value if full_text or value is None else mask_text(value)


def _summary_fields(data: Snapshot, *, full_text: bool) -> dict[str, Any]:
    """`full_text`: free text as typed (county tier and below) or with IDs and mobiles masked (above)."""
    status = HouseholdStatus(data["status"])
    colour = STATUS_COLOURS.get(status)
    return {
        "id": data["id"],
        "division": data["division"],
        "village_group": _typed(data["village_group"], full_text),
        "head_name": data["head_name"],
        "status": _must(HouseholdStatus, status),
        "status_colour": None if colour is None else CodeLabel(code=colour.value, label=colour.label),
        "attribute": _must(HouseholdAttribute, data["attribute"]),
        "main_cause": _must(Cause, data["main_cause"]),
        "other_causes": [_must(Cause, cause) for cause in data["other_causes"]],
        "member_count": data["member_count"],
        "income_year": data["income_year"],
        "per_capita_net_income": data["per_capita_net_income"],
        "version": data["version"],
    }


def render_member(
    member: Snapshot, full_id: str | None, withheld_days: frozenset[dt.date] = frozenset()
) -> MemberOut:
    return MemberOut(
        id=member["id"],
        name=member["name"],
        sex=_must(Sex, member["sex"]),
        id_kind=_must(IdKind, member["id_kind"]),
        resident_id=full_id or member["id_masked"],
        resident_id_masked=full_id is None,
        birth_date=member["birth_date"] if full_id is not None else None,
        relation=_must(Relation, member["relation"]),
        ethnicity=_must(Ethnicity, member["ethnicity"]),
        education=_code(Education, member["education"]),
        schooling=_code(Schooling, member["schooling"]),
        health=_must(Health, member["health"]),
        labour_capacity=_must(LabourCapacity, member["labour_capacity"]),
        work_status=_code(WorkStatus, member["work_status"]),
        dibao=member["dibao"],
        medical_insurance=member["medical_insurance"],
        pension_insurance=member["pension_insurance"],
        status=_must(MemberStatus, member["status"]),
        joined_on=member["joined_on"]
        if full_id is not None
        else birth_days.disclosed_join_day(member, withheld_days),
        joined_by=_must(MemberChange, member["joined_by"]),
        left_on=member["left_on"],
        left_by=_code(MemberChange, member["left_by"]),
    )


def render(
    data: Snapshot,
    full_ids: dict[str, str],
    bank_account: str | None,
    as_of: dt.datetime | None = None,
    *,
    full_contact: bool = True,
    withheld_days: frozenset[dt.date] | None = None,
) -> HouseholdOut:
    """`full_contact`: the phone number and the free text (address, bank name, group) as stored (county
    tier and below) or masked, the ID and mobile numbers typed into the text included (above).
    `withheld_days`: the join days withheld above the county (birth_days), by default those of `data`'s
    members; a past state is given the household's, since a baby who joined later shares its day."""
    living = data["living"]
    # Above the county: the days on which a member joined in infancy (birth_days), whoever joined then.
    if full_contact:
        withheld_days = frozenset()
    elif withheld_days is None:
        withheld_days = birth_days.withheld_join_days(data["members"])
    return HouseholdOut(
        **_summary_fields(data, full_text=full_contact),
        address=_typed(data["address"], full_contact),
        phone=data["phone"] if full_contact else mask_phone(data["phone"]),
        bank_name=_typed(data["bank_name"], full_contact),
        bank_account=bank_account or data["bank_account_masked"],
        identification_standard=_must(IdentificationStandard, data["identification_standard"]),
        living=LivingConditionsOut(
            housing_area=living["housing_area"],
            housing_structure=_code(HousingStructure, living["housing_structure"]),
            housing_year_built=living["housing_year_built"],
            housing_safety_grade=_code(HousingSafetyGrade, living["housing_safety_grade"]),
            has_electricity=living["has_electricity"],
            fuel=_code(Fuel, living["fuel"]),
            drinking_water=_code(DrinkingWater, living["drinking_water"]),
            relocation=living["relocation"],
        ),
        created_at=data["created_at"],
        updated_at=data["updated_at"],
        members=[
            render_member(member, full_ids.get(str(member["id"])), withheld_days)
            for member in data["members"]
        ],
        as_of=as_of,
    )


def _full_ids(actor: Actor, cipher: PiiCipher, member_rows: list[dict[str, Any]]) -> dict[str, str]:
    if not actor.sees_full_identity:
        return {}
    return {str(row["id"]): cipher.decrypt(row["id_cipher"]) for row in member_rows}


def _bank_account(actor: Actor, cipher: PiiCipher, household: dict[str, Any]) -> str | None:
    ciphertext = household["bank_account_cipher"]
    if ciphertext is None or not actor.sees_full_identity:
        return None
    return cipher.decrypt(ciphertext)


def mask_account(account: str) -> str:
    return "*" * (len(account) - 4) + account[-4:]


# ---- loading and recording -------------------------------------------------------------------------------


@dataclass
class Loaded:
    household: dict[str, Any]
    members: list[dict[str, Any]]

    @property
    def snapshot(self) -> Snapshot:
        return snapshot(self.household, self.members)

    @property
    def view(self) -> Snapshot:
        return snapshot(self.household, self.members, _as_is)

    def member(self, member_id: uuid.UUID) -> dict[str, Any]:
        for row in self.members:
            if row["id"] == member_id:
                return row
        raise not_found("member")


async def _load(ctx: Context, household_id: uuid.UUID, *, lock: bool = False) -> Loaded:
    lo, hi = ctx.actor.subtree
    household = await repository.get_household(ctx.session, household_id, lo, hi, lock=lock)
    if household is None:
        raise not_found("household")
    return Loaded(household, await repository.household_members(ctx.session, household_id))


def _published(typed: str) -> str:
    """Free text a person typed (a reason, a group's name) as an event carries it: any resident ID, mobile
    number or bank account in it masked. A domain event reaches every service's consumers, the dead-letter
    topic and the outbox's retention, where the contract promises no full ID; the history row keeps the
    text as typed, masked on the read path above the county."""
    return mask_text(typed)


async def _record(
    ctx: Context,
    before: Snapshot | None,
    household_id: uuid.UUID,
    action: str,
    reason: str,
    event_type: str,
    payload: BaseModel,
    after_incomes: list[dict[str, Any]] | None = None,
    effective_on: dt.date | None = None,
    discovery: str | None = None,
) -> Loaded:
    """After a change: reload, keep the history row, and stage the event — same transaction.
    `after_incomes`: the income records the change wrote (with_incomes), kept in the history row's
    `after` beside the household; `before` then holds them as they were. `effective_on`: the day of a
    decision taken outside the platform that the change records, or of the member change (a birth, a
    death, a move) it records. `discovery`: how the household came to notice, on a change a monitoring
    case caused."""
    after = await _load(ctx, household_id)
    after_snapshot = after.snapshot if after_incomes is None else with_incomes(after.snapshot, after_incomes)
    division = after.household["division"]
    await repository.insert_history(
        ctx.session,
        {
            "household_id": household_id,
            "division": division,
            "actor": ctx.actor.subject,
            "actor_tier": ctx.actor.tier,
            "action": action,
            "reason": reason,
            "before": before,
            "after": after_snapshot,
            "effective_on": effective_on,
            "discovery": discovery,
        },
    )
    await record_change(
        ctx.session,
        events.household_event(event_type, household_id, division, payload, ctx.actor),
    )
    return after


def _out(ctx: Context, loaded: Loaded) -> HouseholdOut:
    return _render_for(ctx.actor, ctx.cipher, loaded)


def _render_for(actor: Actor, cipher: PiiCipher, loaded: Loaded) -> HouseholdOut:
    return render(
        loaded.view,
        _full_ids(actor, cipher, loaded.members),
        _bank_account(actor, cipher, loaded.household),
        full_contact=actor.sees_full_identity,
    )


def _member_row(
    ctx: Context, household_id: uuid.UUID, division: str, member: MemberIn, change: MemberChange, on: dt.date
) -> dict[str, Any]:
    identifier = member.disability_certificate or member.person_id
    return {
        "id": uuid.uuid4(),
        "household_id": household_id,
        "division": division,
        "name": member.name,
        "sex": member.sex.value,
        "id_kind": (
            IdKind.DISABILITY_CERTIFICATE if member.disability_certificate else IdKind.RESIDENT_ID
        ).value,
        "id_cipher": ctx.cipher.encrypt(identifier),
        "id_masked": mask_resident_id(identifier),
        "person_index": ctx.cipher.blind_index(member.person_id),
        "birth_date": member.birth_date,
        "relation": member.relation.value,
        "ethnicity": member.ethnicity.value,
        "education": None if member.education is None else member.education.value,
        "schooling": None if member.schooling is None else member.schooling.value,
        "health": member.health.value,
        "labour_capacity": member.labour_capacity.value,
        "work_status": None if member.work_status is None else member.work_status.value,
        "dibao": member.dibao,
        "medical_insurance": member.medical_insurance,
        "pension_insurance": member.pension_insurance,
        "status": MemberStatus.ACTIVE.value,
        "joined_on": on,
        "joined_by": change.value,
        "left_on": None,
        "left_by": None,
    }


Loc = list[str | int]
ALREADY_REGISTERED = "this person already belongs to a household"
DECEASED = "this person is recorded as deceased"


def _person_loc(member: MemberIn, *path: str | int) -> Loc:
    """Where a member's identifier is in the request: `path` to the member, then the field given."""
    return ["body", *path, "disability_certificate" if member.disability_certificate else "resident_id"]


def _refused_people(message: str, code: str, locs: list[Loc]) -> ProblemError:
    """A 409 naming which members of the request it refuses (their place in the body, as a 422's errors
    do), and deliberately nothing about where those people are registered or died: not the household,
    not its division. `locs` empty: a refusal the database made without naming the person."""
    errors = [{"loc": loc, "msg": message, "type": code} for loc in locs]
    paths = ", ".join(".".join(str(part) for part in loc[1:]) for loc in locs)
    return conflict(f"{message}: {paths}" if paths else message, code=code, errors=errors)


def _duplicate_person(locs: list[Loc]) -> ProblemError:
    return _refused_people(ALREADY_REGISTERED, "person-already-registered", locs)


def _deceased_person(locs: list[Loc]) -> ProblemError:
    return _refused_people(DECEASED, "person-deceased", locs)


async def _insert_members(ctx: Context, rows: list[dict[str, Any]], locs: list[Loc]) -> None:
    """Insert new members (`locs`: where each is in the request), refused by person: one recorded as
    deceased, or already an active member of a household (found first, so the answer names every such
    member; the unique index still decides between concurrent requests, and names the one it refused).
    A death is a further fact about the person: said only to a caller whose jurisdiction holds the
    household they died in; anyone else hears what any person who cannot join gets."""
    found = await repository.people_on_file(ctx.session, [row["person_index"] for row in rows])
    deceased: list[Loc] = []
    refused: list[Loc] = []
    for row, loc in zip(rows, locs, strict=True):
        on_file = found.get(row["person_index"])
        if on_file is None:
            continue
        status, division = on_file
        if status == MemberStatus.DECEASED.value and ctx.actor.covers(division):
            deceased.append(loc)
        else:
            refused.append(loc)
    if deceased:
        raise _deceased_person(deceased)
    if refused:
        raise _duplicate_person(refused)
    try:
        await repository.insert_members(ctx.session, rows)
    except repository.PersonAlreadyInHousehold as exc:
        raced = [loc for row, loc in zip(rows, locs, strict=True) if row["person_index"] == exc.person_index]
        raise _duplicate_person(raced) from None


def _require_writer(actor: Actor) -> None:
    if not actor.holds_tier(*WRITE_TIERS):
        raise forbidden(WRITE_TIER_RULE)
    require_role(actor, *WRITE_ROLES)


def _values(changes: dict[str, Any]) -> dict[str, Any]:
    return {key: value.value if hasattr(value, "value") else value for key, value in changes.items()}


# Columns that store one API field in other forms: the field is what an event names as changed.
STORED_FORMS = {"bank_account_cipher": "bank_account", "bank_account_masked": "bank_account"}


def changed_fields(values: dict[str, Any]) -> list[str]:
    """The API's names of the fields a change wrote (`values` by column): a consumer of the event reads
    `bank_account`, not the columns of its ciphertext and masked form."""
    return sorted({STORED_FORMS.get(column, column) for column in values})


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value.value if hasattr(value, "value") else value


# ---- commands -----------------------------------------------------------------------------------------


def _head_name(body: HouseholdIn) -> str:
    """The household's head_name: its head member's name (HouseholdIn has exactly one head), whether the
    body left it out or gave the same; a different one is the caller's error, on that field."""
    head = next(member for member in body.members if member.relation is Relation.HEAD)
    if body.head_name is None:
        return head.name
    problem = head_name_problem(body.head_name, head.name)
    if problem is not None:
        error = {"loc": ["body", "head_name"], "msg": problem, "type": "value_error"}
        raise unprocessable(f"head_name {problem}", errors=[error])
    return body.head_name


async def create_household(ctx: Context, body: HouseholdIn) -> HouseholdOut:
    require_within(ctx.actor, body.division, "division")  # an outsider learns nothing, not even a 403
    _require_writer(ctx.actor)
    head_name = _head_name(body)
    if await repository.village_known(ctx.session, body.division) is False:
        raise unprocessable("the division is not a current village of the division tree")
    # Its names go with the created event: other services name the village from it (divisions/places.py).
    place = await places.of_village(ctx.session, body.division)
    household_id = uuid.uuid4()
    living = body.living.model_dump()
    await repository.insert_household(
        ctx.session,
        {
            "id": household_id,
            "division": body.division,
            "village_group": body.village_group,
            "address": body.address,
            "head_name": head_name,
            "phone": body.phone,
            "bank_name": body.bank_name,
            "bank_account_cipher": ctx.cipher.encrypt(body.bank_account) if body.bank_account else None,
            "bank_account_masked": mask_account(body.bank_account) if body.bank_account else None,
            "identification_standard": body.identification_standard.value,
            "attribute": body.attribute.value,
            "main_cause": body.main_cause.value,
            "other_causes": [cause.value for cause in body.other_causes],
            **{key: _plain(value) for key, value in living.items()},
            "status": HouseholdStatus.CANDIDATE.value,
            "member_count": len(body.members),
        },
    )
    joined_on = body.registered_on or china_today()
    rows = [
        _member_row(ctx, household_id, body.division, member, MemberChange.REGISTRATION, joined_on)
        for member in body.members
    ]
    # Under the people's locks, a departure of one of them being written commits before the check reads it.
    await repository.lock_people(ctx.session, [row["person_index"] for row in rows])
    for row in rows:
        await _check_joins_after_leaving(ctx, row["person_index"], joined_on, ["body", "registered_on"])
    await _insert_members(
        ctx, rows, [_person_loc(member, "members", i) for i, member in enumerate(body.members)]
    )
    staged = await _load(ctx, household_id)
    payload = contracts.HouseholdCreatedV1(
        household_id=household_id,
        division=body.division,
        village_group=_published(body.village_group),
        status=HouseholdStatus.CANDIDATE.value,
        identification_standard=body.identification_standard.value,
        attribute=body.attribute.value,
        main_cause=body.main_cause.value,
        other_causes=[cause.value for cause in body.other_causes],
        member_count=len(rows),
        members=[_member_summary(row) for row in staged.members],
        place=place,
    )
    loaded = await _record(
        ctx, None, household_id, "created", body.reason, contracts.HOUSEHOLD_CREATED, payload
    )
    return _out(ctx, loaded)


async def read_current_household(
    reads: ReadPool, actor: Actor, cipher: PiiCipher, household_id: uuid.UUID
) -> HouseholdOut:
    """The household as it is now (the read without `as_of`), on the read pool."""
    lo, hi = actor.subtree
    found = await repository.read_current(reads, household_id, lo, hi)
    if found is None:
        raise not_found("household")
    return _render_for(actor, cipher, Loaded(*found))


async def read_household_as_of(ctx: Context, household_id: uuid.UUID, as_of: dt.datetime) -> HouseholdOut:
    """The household as it was at `as_of` (its history); as it is now: read_current_household."""
    loaded = await _load(ctx, household_id)
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=dt.UTC)
    try:
        # The comparison with `at` happens in UTC: near 0001-01-01 or 9999-12-31 an offset pushes the
        # instant outside the years a datetime can hold, which is the client's error, not ours.
        as_of = as_of.astimezone(dt.UTC)
    except OverflowError:
        raise unprocessable("as_of is outside the representable range once converted to UTC") from None
    lo, hi = ctx.actor.subtree
    past = await repository.snapshot_at(ctx.session, household_id, lo, hi, as_of)
    if past is None:
        raise not_found("household")
    return render(
        past["after"],
        _full_ids(ctx.actor, ctx.cipher, loaded.members),
        None,
        as_of,
        full_contact=ctx.actor.sees_full_identity,
        # A member who joins later on the same day as one in this state must not give that day away here.
        withheld_days=birth_days.withheld_join_days([*loaded.members, *past["after"].get("members", [])]),
    )


async def update_household(ctx: Context, household_id: uuid.UUID, patch: HouseholdPatch) -> HouseholdOut:
    loaded = await _load(ctx, household_id, lock=True)
    _require_writer(ctx.actor)
    changes = patch.changes()
    if not changes:
        raise unprocessable("nothing to change")
    current = loaded.household
    main = Cause(changes.get("main_cause", current["main_cause"]))
    others = [Cause(cause) for cause in changes.get("other_causes", current["other_causes"])]
    try:
        check_causes(main, others)
    except ValueError as exc:
        raise unprocessable(str(exc)) from None
    # Only the fields whose value differs are written: a field sent with the value it already holds (a form
    # saved twice, a retry without an Idempotency-Key) is no change.
    values: dict[str, Any] = {}
    named = False
    for key, value in changes.items():
        if key == "living":
            named = named or bool(value)
            for name, item in value.items():
                if current.get(name) != _plain(item):
                    values[name] = _plain(item)
        elif key == "bank_account":
            named = True
            # Stored encrypted (a new ciphertext each time), so compared in clear.
            stored = current["bank_account_cipher"]
            if (value or None) != (None if stored is None else ctx.cipher.decrypt(stored)):
                values["bank_account_cipher"] = ctx.cipher.encrypt(value) if value else None
                values["bank_account_masked"] = mask_account(value) if value else None
        else:
            named = True
            if current.get(key) != _plain(value):
                values[key] = _plain(value)
    if not named:  # `living: {}` names no field: no new version, history row or event for it
        raise unprocessable("nothing to change")
    if not values:
        # Every field already holds the value sent (a retried or repeated PATCH): the file as it is, with
        # no new version, history row or event that would say something changed.
        return _out(ctx, loaded)
    before = loaded.snapshot
    await repository.update_household(ctx.session, household_id, values)
    await _rename_head(ctx, loaded, values, patch.reason)
    payload = contracts.HouseholdUpdatedV1(
        household_id=household_id,
        division=current["division"],
        version=current["version"] + 1,
        changed=changed_fields(values),
        reason=_published(patch.reason),
        main_cause=main.value,
        other_causes=[cause.value for cause in others],
    )
    after = await _record(
        ctx, before, household_id, "updated", patch.reason, contracts.HOUSEHOLD_UPDATED, payload
    )
    return _out(ctx, after)


async def change_status(
    ctx: Context,
    household_id: uuid.UUID,
    command: StatusCommand,
    *,
    by_hand: bool = False,
    discovery: str | None = None,
) -> HouseholdOut:
    """`by_hand`: a county officer's command through the API, which the file itself must allow: nobody is
    registered as poor, returned to poverty or monitored in a household nobody lives in any more (exit
    and clearance stay allowed: they end the household's support), and no household exits in the year it
    was registered (domain.md §4), the rule identification's exit applies: the year, in China, of its
    latest registration (or return to poverty) by the registry. The procedure's other checks are
    identification's, whose decisions reach the registry as events (handlers.identification_events) and
    are applied as decided (it applied the year rule itself). `discovery`: how the household came to
    notice, when a monitoring case's decision causes the change; its event carries it, so the feeds
    withhold above the county what a department's pushed list caused."""
    loaded = await _load(ctx, household_id, lock=True)
    require_tier(ctx.actor, STATUS_TIER)
    require_role(ctx.actor, STATUS_ROLE)
    living = any(member["status"] == MemberStatus.ACTIVE.value for member in loaded.members)
    if by_hand and command.action in NEEDS_SOMEONE and not living:
        raise conflict(
            f"the household has no current members: nobody to {command.action.value}",
            code="no-living-members",  # identification's code for the same refusal
        )
    current = HouseholdStatus(loaded.household["status"])
    before_monitoring = None
    if current is HouseholdStatus.MONITORED:
        # Where a monitored household goes depends on what it was before (workflow.MONITORED_EXITS).
        found = await repository.status_before_monitoring(ctx.session, household_id)
        before_monitoring = None if found is None else HouseholdStatus(found)
    try:
        target = next_status(current, command.action, before_monitoring)
    except InvalidTransition as exc:
        raise conflict(str(exc), code="invalid-transition") from None
    if by_hand and command.decided_on is not None:
        await _check_decision_order(ctx, household_id, command.decided_on)
    if by_hand and command.action is StatusAction.EXIT:
        await _check_exit_year(ctx, household_id, command.decided_on)
    before = loaded.snapshot
    await repository.update_household(ctx.session, household_id, {"status": target.value})
    division = loaded.household["division"]
    version = loaded.household["version"] + 1
    # Risk cleared has an event of its own: the status it restores (exited, candidate) was not decided now.
    cleared = command.action is StatusAction.CLEAR  # only a monitored household can be cleared
    if cleared and discovery is None:
        # A county officer's clear by hand ends a monitoring some case began: what the feeds above the
        # county were not told of its beginning, they are not told of its end.
        discovery = await repository.monitoring_discovery(ctx.session, household_id)
    event_type = (
        contracts.HOUSEHOLD_MONITORING_CLEARED if cleared else contracts.STATUS_EVENT_TYPES[target.value]
    )
    payload = contracts.HouseholdStatusChangedV1(
        household_id=household_id,
        division=division,
        version=version,
        from_status=current.value,
        to_status=target.value,
        reason=_published(command.reason),
        decided_on=command.decided_on,
        discovery=discovery,
    )
    after = await _record(
        ctx,
        before,
        household_id,
        command.action.value,
        command.reason,
        event_type,
        payload,
        effective_on=command.decided_on,
        discovery=discovery,
    )
    return _out(ctx, after)


STATUS_ACTIONS = tuple(action.value for action in StatusAction)


async def _check_decision_order(ctx: Context, household_id: uuid.UUID, decided_on: dt.date) -> None:
    """A decision dated by hand follows what it changes: not before the household's registration, nor
    before its latest status decision (a return dated before the exit it reverses would put history out
    of order, and the exit-year rule would read the wrong registration). The rule identification applies
    to its own steps: none dated before what it follows."""
    registered_on, latest = await repository.status_decision_bounds(ctx.session, household_id, STATUS_ACTIONS)
    if registered_on is not None and decided_on < registered_on:
        message = f"decided_on is before the household was registered ({registered_on.isoformat()})"
    elif latest is not None and decided_on < latest:
        message = f"decided_on is before the household's latest status decision ({latest.isoformat()})"
    else:
        return
    error = {"loc": ["body", "decided_on"], "msg": message, "type": "date-too-early"}
    raise unprocessable(message, code="date-too-early", errors=[error])


async def _check_exit_year(ctx: Context, household_id: uuid.UUID, decided_on: dt.date | None) -> None:
    registered, this_year = await repository.registration_years(ctx.session, household_id)
    exit_year = this_year if decided_on is None else decided_on.year
    if registered is not None and registered > exit_year:
        raise conflict(
            f"registered in {registered}: a household cannot exit in a year before it was registered",
            code="exit-in-registration-year",
        )
    if registered is not None and registered == exit_year:
        raise conflict(
            f"registered in {registered}: a household cannot exit in the year it was registered",
            code="exit-in-registration-year",
        )


def _check_single_head(
    loaded: Loaded, relation: Relation | None, except_member: uuid.UUID | None = None
) -> None:
    if relation is not Relation.HEAD:
        return
    for row in loaded.members:
        if (
            row["id"] != except_member
            and row["status"] == MemberStatus.ACTIVE.value
            and row["relation"] == Relation.HEAD.value
        ):
            raise conflict("the household already has a head; change the current head's relation first")


async def _bump(ctx: Context, household_id: uuid.UUID, values: dict[str, Any] | None = None) -> int:
    """The household's member count after a member change (and `values` changed with it: one version)."""
    count = await repository.count_active_members(ctx.session, household_id)
    await repository.update_household(ctx.session, household_id, {"member_count": count, **(values or {})})
    return count


@dataclass
class Recounted:
    """The income records a member change recomputed: as they were and as they are (year order)."""

    before: list[dict[str, Any]]
    after: list[dict[str, Any]]

    def household_values(self, loaded: Loaded) -> dict[str, Any]:
        """The household's own per-capita figure, when the change recomputed its latest year."""
        latest = loaded.household["income_year"]
        for row in self.after:
            if row["year"] == latest:
                return {"per_capita_net_income": row["per_capita_net_income"]}
        return {}


async def _recount_incomes(ctx: Context, household_id: uuid.UUID, since: dt.date) -> Recounted:
    """After a member change effective `since` (the day the member is in the household from, or left
    it): the per-capita income of every recorded year it alters (those whose reference day is on or after
    `since`, so `since`'s year and later; an earlier year's household is not touched), divided again by the
    household's size at that day. The figures recorded stay; a year nobody is left in at its reference day
    keeps the count it had (there is nobody to divide among)."""
    today = china_today()
    recounted = Recounted([], [])
    for row in await repository.list_incomes(ctx.session, household_id):
        if row["year"] < since.year:
            continue
        count = await repository.household_size_on(
            ctx.session, household_id, income_reference_day(row["year"], today)
        )
        if count == 0 or count == row["member_count"]:
            continue
        values = {"member_count": count, "per_capita_net_income": per_capita(row["net_income"], count)}
        recounted.before.append(row)
        recounted.after.append(await repository.update_income(ctx.session, household_id, row["year"], values))
    return recounted


async def _income_events(ctx: Context, loaded: Loaded, rows: list[dict[str, Any]]) -> None:
    """An income_recorded event per year recomputed, carrying the new count and per-capita figure (what
    identification's read model and every consumer of the year's income read), after the change's event."""
    household_id, division = loaded.household["id"], loaded.household["division"]
    for row in rows:
        await record_change(
            ctx.session,
            events.household_event(
                contracts.HOUSEHOLD_INCOME_RECORDED,
                household_id,
                division,
                _income_payload(household_id, division, row),
                ctx.actor,
            ),
        )


def _income_payload(
    household_id: uuid.UUID, division: str, row: dict[str, Any]
) -> contracts.HouseholdIncomeRecordedV1:
    return contracts.HouseholdIncomeRecordedV1(
        household_id=household_id,
        division=division,
        year=row["year"],
        net_income=row["net_income"],
        member_count=row["member_count"],
        per_capita_net_income=row["per_capita_net_income"],
    )


async def add_member(ctx: Context, household_id: uuid.UUID, join: MemberJoin) -> HouseholdOut:
    loaded = await _load(ctx, household_id, lock=True)
    _require_writer(ctx.actor)
    _check_single_head(loaded, join.member.relation)
    row = _member_row(
        ctx, household_id, loaded.household["division"], join.member, join.change, join.effective_on
    )
    # Under the person's lock: a departure from their previous household being written commits first, and
    # the check below reads it (without it, the join could be dated before the day they left).
    await repository.lock_people(ctx.session, [row["person_index"]])
    await _check_joins_after_leaving(ctx, row["person_index"], join.effective_on, ["body", "effective_on"])
    await _insert_members(ctx, [row], [_person_loc(join.member, "member")])
    # A child is in the household from its birth (a late birth join included), anyone else from the join.
    since = row["birth_date"] if join.change is MemberChange.BIRTH else join.effective_on
    recounted = await _recount_incomes(ctx, household_id, since)
    before = with_incomes(loaded.snapshot, recounted.before) if recounted.after else loaded.snapshot
    count = await _bump(ctx, household_id, recounted.household_values(loaded))
    payload = contracts.MemberAddedV1(
        household_id=household_id,
        division=loaded.household["division"],
        change=join.change.value,
        effective_on=join.effective_on,
        reason=_published(join.reason),
        member=_member_summary(row),
        member_count=count,
        joined_in_infancy=birth_days.joined_in_infancy(row),
    )
    action = f"member.{join.change.value}"
    after = await _record(
        ctx,
        before,
        household_id,
        action,
        join.reason,
        contracts.MEMBER_ADDED,
        payload,
        after_incomes=recounted.after or None,
        effective_on=join.effective_on,
    )
    await _income_events(ctx, loaded, recounted.after)
    return _out(ctx, after)


async def _check_joins_after_leaving(
    ctx: Context, person_index: bytes, effective_on: dt.date, loc: Loc
) -> None:
    """A person who left a household (this one or another) joins from the day they left, not before: an
    earlier date would put them in two households at once, and each year's per-capita income would count
    them in both. A new file's members join it on its registered_on. The answer does not say where they
    were. `loc`: the date's field in the request."""
    left = await repository.last_departure(ctx.session, person_index)
    if left is not None and effective_on < left:
        message = "the person left a household after this date: a join is dated on or after the day they left"
        raise unprocessable(message, errors=[{"loc": loc, "msg": message, "type": "value_error"}])


async def _member_leaves(
    ctx: Context,
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    change: MemberChange,
    status: MemberStatus,
    on: dt.date,
    reason: str,
    event_type: str,
    new_head: uuid.UUID | None,
) -> HouseholdOut:
    loaded = await _load(ctx, household_id, lock=True)
    _require_writer(ctx.actor)  # after the load: outside the jurisdiction, a 404 tells nothing
    member = loaded.member(member_id)
    if member["status"] != MemberStatus.ACTIVE.value:
        raise conflict("the member is no longer in the household")
    if on < member["birth_date"]:
        raise unprocessable("the date is before the member's birth date")
    if on < member["joined_on"]:
        raise unprocessable("the date is before the member joined the household")
    # The rule marriage_in applies to the joining person (MemberJoin), on the leaving member's record.
    marriage = marriage_age_problem(change, Sex(member["sex"]), member["birth_date"], on)
    if marriage is not None:
        error = {"loc": ["body", "change"], "msg": marriage, "type": "value_error"}
        raise unprocessable(marriage, errors=[error])
    successor = _successor(loaded, member, new_head)
    # The person's lock (repository.lock_people): a join of theirs elsewhere waits for this change to
    # commit, then reads the day they left.
    await repository.lock_people(ctx.session, [member["person_index"]])
    await repository.update_member(
        ctx.session, member_id, {"status": status.value, "left_on": on, "left_by": change.value}
    )
    if successor is not None:
        # The new head's change is an update of its own (one event per member changed), as for a head
        # named by PATCH; the leaving head keeps the relation they had (history shows who was head).
        head = {"relation": Relation.HEAD.value}
        await _update_other_member(ctx, loaded, successor["id"], head, reason)
        renamed = _head_name_change(loaded, {**successor, **head})
    else:
        renamed = {}
    recounted = await _recount_incomes(ctx, household_id, on)
    before = with_incomes(loaded.snapshot, recounted.before) if recounted.after else loaded.snapshot
    count = await _bump(ctx, household_id, {**recounted.household_values(loaded), **renamed})
    left = {**member, "status": status.value, "left_on": on, "left_by": change.value}
    payload = contracts.MemberLeftV1(
        household_id=household_id,
        division=loaded.household["division"],
        change=change.value,
        effective_on=on,
        reason=_published(reason),
        member=events.member_summary(member_snapshot(left), member["person_index"]),
        member_count=count,
    )
    after = await _record(
        ctx,
        before,
        household_id,
        f"member.{change.value}",
        reason,
        event_type,
        payload,
        after_incomes=recounted.after or None,
        effective_on=on,
    )
    if renamed:
        await _household_renamed(ctx, after, reason)
    await _income_events(ctx, loaded, recounted.after)
    return _out(ctx, after)


NEW_HEAD_HINT = "name the new head (new_head_member_id, an active member) in the same request"


def _successor(loaded: Loaded, member: dict[str, Any], new_head: uuid.UUID | None) -> dict[str, Any] | None:
    """The member who becomes head when `member` leaves or dies: a head who leaves others behind names
    them in the same request, so that the household keeps exactly one head (as creation and MemberPatch's
    former_head_relation keep it) and its head_name never names someone who has left."""
    is_head = member["relation"] == Relation.HEAD.value
    others = [
        row
        for row in loaded.members
        if row["status"] == MemberStatus.ACTIVE.value and row["id"] != member["id"]
    ]
    if new_head is None:
        if is_head and others:
            message = f"the head is leaving the household while others remain; {NEW_HEAD_HINT}"
            error = {"loc": ["body", "new_head_member_id"], "msg": message, "type": "head-required"}
            raise unprocessable(message, code="head-required", errors=[error])
        return None
    if not is_head:
        message = "only the head's departure or death names a new head: leave out new_head_member_id"
    elif not any(row["id"] == new_head for row in others):
        message = "new_head_member_id is not another active member of the household"
    else:
        return next(row for row in others if row["id"] == new_head)
    error = {"loc": ["body", "new_head_member_id"], "msg": message, "type": "value_error"}
    raise unprocessable(message, errors=[error])


async def member_leaves(
    ctx: Context, household_id: uuid.UUID, member_id: uuid.UUID, leave: MemberLeave
) -> HouseholdOut:
    status = MemberStatus.MARRIED_OUT if leave.change is MemberChange.MARRIAGE_OUT else MemberStatus.MOVED_OUT
    return await _member_leaves(
        ctx,
        household_id,
        member_id,
        leave.change,
        status,
        leave.effective_on,
        leave.reason,
        contracts.MEMBER_REMOVED,
        leave.new_head_member_id,
    )


async def member_dies(
    ctx: Context, household_id: uuid.UUID, member_id: uuid.UUID, death: MemberDeath
) -> HouseholdOut:
    return await _member_leaves(
        ctx,
        household_id,
        member_id,
        MemberChange.DEATH,
        MemberStatus.DECEASED,
        death.died_on,
        death.reason,
        contracts.MEMBER_DECEASED,
        death.new_head_member_id,
    )


async def update_member(
    ctx: Context, household_id: uuid.UUID, member_id: uuid.UUID, patch: MemberPatch
) -> HouseholdOut:
    loaded = await _load(ctx, household_id, lock=True)
    _require_writer(ctx.actor)
    member = loaded.member(member_id)
    if member["status"] != MemberStatus.ACTIVE.value:
        raise conflict("the member is no longer in the household")
    sent = _values(patch.changes())
    if not sent:
        raise unprocessable("nothing to change")
    former_head = _head_change(loaded, member, patch)
    # Only the fields whose value differs are written, as for the household's PATCH: a field sent with the
    # value it already holds (a form saved twice, a retry without an Idempotency-Key) is no change.
    values = {key: value for key, value in sent.items() if member[key] != value}
    if not values:
        # Every field already holds the value sent: the file as it is, with no new version, history row or
        # event that would say something changed.
        return _out(ctx, loaded)
    before = loaded.snapshot
    await repository.update_member(ctx.session, member_id, values)
    division = loaded.household["division"]
    if former_head is not None and patch.former_head_relation is not None:
        # The old head's change is an update of its own (one event per member changed); the history row
        # below records both in its before/after snapshots.
        relation = {"relation": patch.former_head_relation.value}
        await _update_other_member(ctx, loaded, former_head, relation, patch.reason)
    updated = {**member, **values}
    renamed = _head_name_change(loaded, updated)
    await repository.update_household(ctx.session, household_id, renamed)
    payload = contracts.MemberUpdatedV1(
        household_id=household_id,
        division=division,
        member_id=member_id,
        changed=sorted(values),
        reason=_published(patch.reason),
        member=_member_summary(updated),
    )
    after = await _record(
        ctx, before, household_id, "member.updated", patch.reason, contracts.MEMBER_UPDATED, payload
    )
    if renamed:
        await _household_renamed(ctx, after, patch.reason)
    return _out(ctx, after)


async def _household_renamed(ctx: Context, after: Loaded, reason: str) -> None:
    """The household's head_name changed with its head (a new head named, a head's name corrected): a
    household.updated of its own after the member change's event, the reverse of _rename_head, so that a
    system keeping households from the feed learns the new head's name without reading member events."""
    household = after.household
    payload = contracts.HouseholdUpdatedV1(
        household_id=household["id"],
        division=household["division"],
        version=household["version"],
        changed=["head_name"],
        reason=_published(reason),
        main_cause=household["main_cause"],
        other_causes=list(household["other_causes"]),
    )
    await record_change(
        ctx.session,
        events.household_event(
            contracts.HOUSEHOLD_UPDATED, household["id"], household["division"], payload, ctx.actor
        ),
    )


async def _update_other_member(
    ctx: Context, loaded: Loaded, member_id: uuid.UUID, values: dict[str, Any], reason: str
) -> None:
    """A member changed as a consequence of another change (the old head's relation when a new head is
    named, the head's name when the household's head_name is corrected): its own member.updated event,
    without a history row of its own (the change's history row shows it in its before/after)."""
    await repository.update_member(ctx.session, member_id, values)
    household_id, division = loaded.household["id"], loaded.household["division"]
    await record_change(
        ctx.session,
        events.household_event(
            contracts.MEMBER_UPDATED,
            household_id,
            division,
            contracts.MemberUpdatedV1(
                household_id=household_id,
                division=division,
                member_id=member_id,
                changed=sorted(values),
                reason=_published(reason),
                member=_member_summary({**loaded.member(member_id), **values}),
            ),
            ctx.actor,
        ),
    )


async def _rename_head(ctx: Context, loaded: Loaded, values: dict[str, Any], reason: str) -> None:
    """The other direction of _head_name_change: head_name corrected on the household is the head's name
    corrected, so the head member is renamed with it and the two never disagree."""
    name = values.get("head_name")
    if name is None:
        return
    for member in loaded.members:
        active_head = (
            member["status"] == MemberStatus.ACTIVE.value and member["relation"] == Relation.HEAD.value
        )
        if active_head and member["name"] != name:
            await _update_other_member(ctx, loaded, member["id"], {"name": name}, reason)


def _member_summary(row: dict[str, Any]) -> contracts.MemberSummaryV1:
    return events.member_summary(member_snapshot(row), row["person_index"])


def _head_name_change(loaded: Loaded, updated: dict[str, Any]) -> dict[str, Any]:
    """The household's head_name follows its head: a member who becomes head, or a head whose name is
    corrected, renames the household (its summary, lists, exports and notices show the head's name)."""
    if updated["relation"] != Relation.HEAD.value or updated["name"] == loaded.household["head_name"]:
        return {}
    return {"head_name": updated["name"]}


HEAD_CHANGE_HINT = (
    "to change the head, make the new head's relation 'head' and give the current head's new relation "
    "as former_head_relation in the same request"
)


def _head_change(loaded: Loaded, member: dict[str, Any], patch: MemberPatch) -> uuid.UUID | None:
    """Check that the update leaves the household with exactly one active head (as it must have after
    creation); the id of the head being replaced, if any. A household left without a head by a death or
    departure may have any member updated, and gets its new head by relation=head alone."""
    heads: list[uuid.UUID] = [
        row["id"]
        for row in loaded.members
        if row["status"] == MemberStatus.ACTIVE.value and row["relation"] == Relation.HEAD.value
    ]
    is_head = member["id"] in heads
    if patch.relation is None or (patch.relation is Relation.HEAD) == is_head:
        if patch.former_head_relation is not None and is_head:
            raise unprocessable("this member is already the head; former_head_relation changes nothing")
        return None
    if is_head:
        raise unprocessable(f"the household would have no head; {HEAD_CHANGE_HINT}")
    others = [head for head in heads if head != member["id"]]
    if not others:
        if patch.former_head_relation is not None:
            raise unprocessable("the household has no current head: leave out former_head_relation")
        return None
    if patch.former_head_relation is None:
        raise unprocessable(f"the household would have two heads; {HEAD_CHANGE_HINT}")
    return others[0]


def net_income(body: IncomeIn) -> Decimal:
    return body.wage + body.business + body.transfer + body.property - body.production_costs


def per_capita(net: Decimal, members: int) -> Decimal:
    return (net / members).quantize(CENT, rounding=ROUND_HALF_UP)


async def record_income(ctx: Context, household_id: uuid.UUID, year: int, body: IncomeIn) -> IncomeOut:
    loaded = await _load(ctx, household_id, lock=True)
    _require_writer(ctx.actor)
    today = china_today()
    if year > today.year + 1:
        # It would become the household's latest income (the figure its card, lists and exit checks use)
        # and no API removes an income: refused before anything is written. Next year's is allowed: the
        # identification round for next year (and its exit checks) may be prepared late in this one.
        raise unprocessable(f"{year} is too far ahead: incomes are recorded up to next year")
    day = income_reference_day(year, today)
    count = await repository.household_size_on(ctx.session, household_id, day)
    if count == 0:
        # Coded as the status commands' refusal of an empty household, so clients and the console can tell it.
        if day == today:
            raise conflict("the household has no current members", code="no-living-members")
        raise conflict(NOBODY_IN_YEAR.format(year=year), code="no-living-members")
    net = net_income(body)
    # A correction overwrites the year's record: the history row below keeps it as it was.
    previous = await repository.get_income(ctx.session, household_id, year)
    figures = body.figures()
    if (
        previous is not None
        and previous["member_count"] == count
        and all(previous[name] == value for name, value in figures.items())
    ):
        # The year's record already holds these figures (a form saved twice, a retry without an
        # Idempotency-Key): no new version, history row or event, as for a PATCH that changes nothing.
        return IncomeOut.model_validate(previous)
    income = await repository.upsert_income(
        ctx.session,
        {
            "household_id": household_id,
            "year": year,
            "division": loaded.household["division"],
            **figures,
            "net_income": net,
            "member_count": count,
            "per_capita_net_income": per_capita(net, count),
            "recorded_by": ctx.actor.subject,
        },
    )
    before = with_incomes(loaded.snapshot, [] if previous is None else [previous])
    latest = loaded.household["income_year"]
    if latest is None or year >= latest:
        values = {"income_year": year, "per_capita_net_income": income["per_capita_net_income"]}
    else:
        values = {}
    await repository.update_household(ctx.session, household_id, values)
    payload = _income_payload(household_id, loaded.household["division"], income)
    reason = body.reason or INCOME_REASON.format(year=year)
    await _record(
        ctx,
        before,
        household_id,
        "income.recorded",
        reason,
        contracts.HOUSEHOLD_INCOME_RECORDED,
        payload,
        after_incomes=[income],
    )
    return IncomeOut.model_validate(income)


# ---- queries ------------------------------------------------------------------------------------------


async def list_incomes(ctx: Context, household_id: uuid.UUID) -> list[IncomeOut]:
    await _load(ctx, household_id)
    return [IncomeOut.model_validate(row) for row in await repository.list_incomes(ctx.session, household_id)]


async def read_history(ctx: Context, household_id: uuid.UUID) -> list[HistoryEntry]:
    loaded = await _load(ctx, household_id)
    lo, hi = ctx.actor.subtree
    rows = await repository.list_history(ctx.session, household_id, lo, hi)
    if not ctx.actor.sees_full_identity:
        # The household's withheld days, not each snapshot's: an entry recorded before a baby joined shows
        # the adult who joined on the day the baby later joined too (QA10 verifier3 NEW-5).
        everyone = [*loaded.members]
        for row in rows:
            for state in (row["before"], row["after"]):
                everyone.extend((state or {}).get("members", []))
        withheld = birth_days.withheld_join_days(everyone)
        rows = [
            {
                **row,
                "reason": mask_texts(row["reason"]),
                "before": mask_texts(_undisclosed(row["before"], withheld)),
                "after": mask_texts(_undisclosed(row["after"], withheld)),
                # A birth's day, or a newborn's join, is (close to) the child's birth date.
                "effective_on": birth_days.disclosed_day(row["effective_on"], withheld),
            }
            for row in rows
        ]
    return [HistoryEntry.model_validate(row) for row in rows]


def _undisclosed(data: Snapshot | None, withheld: frozenset[dt.date]) -> Snapshot | None:
    """A stored snapshot as tiers above the county may see it: without birth dates, which are the very
    digits the masked ID number hides (as render_member leaves them out), without the join days in
    `withheld` (the household's days a member joined in infancy), and with the phone masked."""
    if data is None:
        return None
    members = [
        {**member, "birth_date": None, "joined_on": birth_days.disclosed_join_day(member, withheld)}
        for member in data.get("members", [])
    ]
    return {**data, "phone": mask_phone(data.get("phone")), "members": members}


def encode_cursor(division: str, household_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{division}:{household_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        division, household_id = raw.split(":", 1)
        return divisions.validate(division), uuid.UUID(household_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise unprocessable("the cursor is not valid") from None


async def search(
    ctx: Context, filters: repository.HouseholdFilter, after: str | None, limit: int
) -> HouseholdPage:
    lo, hi = ctx.actor.subtree
    position = None if after is None else decode_cursor(after)
    rows = await repository.search(ctx.session, lo, hi, filters, position, limit)
    more = len(rows) > limit
    rows = rows[:limit]
    full_text = ctx.actor.sees_full_identity
    items = [
        HouseholdSummary(**_summary_fields(snapshot(row, [], _as_is), full_text=full_text)) for row in rows
    ]
    cursor = encode_cursor(rows[-1]["division"], rows[-1]["id"]) if more and rows else None
    return HouseholdPage(items=items, next_cursor=cursor)


async def counts_by_child(ctx: Context, node: str | None) -> CountsOut:
    node = node or ctx.actor.division
    try:
        child = divisions.child_level(node)
    except divisions.InvalidDivisionCode as exc:
        raise unprocessable(str(exc)) from None
    lo, hi = ctx.actor.subtree
    # The nation (the root, not a row of the tree) is visible to a national caller only.
    if not await division_repository.visible(ctx.session, node, lo, hi):
        raise not_found("division")
    length = divisions.PREFIX_LENGTH[child]
    lo, hi = divisions.subtree_range(node)
    totals: dict[str, DivisionCount] = {}
    for row in await repository.counts_by_prefix(ctx.session, lo, hi, length):
        code = str(row["prefix"]).ljust(12, "0")
        entry = totals.setdefault(code, DivisionCount(division=code, total=0, by_status={}))
        status, attribute = str(row["status"]), str(row["attribute"])
        households, people = int(row["households"]), int(row["people"])
        entry.total += households
        entry.people += people
        entry.by_status[status] = entry.by_status.get(status, 0) + households
        entry.people_by_status[status] = entry.people_by_status.get(status, 0) + people
        entry.by_attribute[attribute] = entry.by_attribute.get(attribute, 0) + households
    return CountsOut(node=node, child_level=divisions.TIER_NAMES[child], items=list(totals.values()))

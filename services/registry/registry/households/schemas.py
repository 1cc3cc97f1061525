"""Request and response bodies. Requests carry codes; responses carry each code with its Chinese label."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fupin_kit import divisions
from fupin_kit.pii import InvalidResidentId, validate_resident_id
from registry.households.enums import (
    Cause,
    CodeEnum,
    DrinkingWater,
    Education,
    Ethnicity,
    Fuel,
    Health,
    HouseholdAttribute,
    HousingSafetyGrade,
    HousingStructure,
    IdentificationStandard,
    LabourCapacity,
    MemberChange,
    Relation,
    Schooling,
    Sex,
    WorkStatus,
)
from registry.households.workflow import StatusAction

MAX_OTHER_CAUSES = 2
DISABILITY_CERT_PATTERN = re.compile(r"^(\d{17}[\dX])([1-7][1-4])$")
Reason = Annotated[str, Field(min_length=1, max_length=500)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def check_causes(main: Cause, others: list[Cause]) -> None:
    """One main cause; at most two other causes, distinct and different from the main one."""
    if len(others) > MAX_OTHER_CAUSES:
        raise ValueError(f"at most {MAX_OTHER_CAUSES} other causes")
    if len(set(others)) != len(others):
        raise ValueError("other causes must be distinct")
    if main in others:
        raise ValueError("an other cause must differ from the main cause")


def person_id(resident_id: str | None, certificate: str | None) -> str:
    """The 18-digit resident ID that identifies the person (a disability certificate embeds it)."""
    if certificate is not None:
        match = DISABILITY_CERT_PATTERN.match(certificate)
        assert match is not None
        return match.group(1)
    assert resident_id is not None
    return resident_id


class MemberIn(_In):
    name: str = Field(min_length=1, max_length=60)
    sex: Sex
    resident_id: str | None = Field(default=None, description="18-digit resident ID (GB 11643)")
    disability_certificate: str | None = Field(
        default=None,
        description="20-character disability certificate number (resident ID + category + grade)",
    )
    relation: Relation
    ethnicity: Ethnicity = Ethnicity.HAN
    education: Education | None = None
    schooling: Schooling | None = None
    health: Health
    labour_capacity: LabourCapacity
    work_status: WorkStatus | None = None
    dibao: bool = False
    medical_insurance: bool = False
    pension_insurance: bool = False

    @field_validator("resident_id")
    @classmethod
    def _resident_id(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return validate_resident_id(value)
        except InvalidResidentId as exc:
            raise ValueError(str(exc)) from None

    @field_validator("disability_certificate")
    @classmethod
    def _certificate(cls, value: str | None) -> str | None:
        if value is None:
            return None
        normalised = value.strip().upper()
        match = DISABILITY_CERT_PATTERN.match(normalised)
        if match is None:
            raise ValueError(
                "a disability certificate number is a resident ID followed by category and grade"
            )
        try:
            validate_resident_id(match.group(1))
        except InvalidResidentId as exc:
            raise ValueError(str(exc)) from None
        return normalised

    @model_validator(mode="after")
    def _one_identifier(self) -> Self:
        if (self.resident_id is None) == (self.disability_certificate is None):
            raise ValueError("give exactly one of resident_id or disability_certificate")
        digit = int(self.person_id[16])
        if (Sex.MALE if digit % 2 else Sex.FEMALE) is not self.sex:
            raise ValueError("sex does not match the resident ID")
        return self

    @property
    def person_id(self) -> str:
        return person_id(self.resident_id, self.disability_certificate)

    @property
    def birth_date(self) -> dt.date:
        pid = self.person_id
        return dt.date(int(pid[6:10]), int(pid[10:12]), int(pid[12:14]))


class LivingConditionsIn(_In):
    housing_area: Decimal | None = Field(default=None, ge=0, max_digits=8, decimal_places=2)
    housing_structure: HousingStructure | None = None
    housing_year_built: int | None = Field(default=None, ge=1800, le=2100)
    housing_safety_grade: HousingSafetyGrade | None = None
    has_electricity: bool | None = None
    fuel: Fuel | None = None
    drinking_water: DrinkingWater | None = None
    relocation: bool = False


def _village(value: str) -> str:
    try:
        level = divisions.level(value)
    except divisions.InvalidDivisionCode as exc:
        raise ValueError(str(exc)) from None
    if level is not divisions.Level.VILLAGE:
        raise ValueError("a household's division must be a village-level code")
    return value


class HouseholdIn(_In):
    division: str = Field(pattern=r"^\d{12}$", description="the village's 12-digit code")
    village_group: str = Field(min_length=1, max_length=60, description="组")
    address: str = Field(min_length=1, max_length=300)
    head_name: str = Field(min_length=1, max_length=60)
    phone: str | None = Field(default=None, pattern=r"^[0-9+\- ]{5,30}$")
    bank_name: str | None = Field(default=None, max_length=100)
    bank_account: str | None = Field(default=None, pattern=r"^\d{8,30}$")
    identification_standard: IdentificationStandard
    attribute: HouseholdAttribute
    main_cause: Cause
    other_causes: list[Cause] = Field(default_factory=list)
    living: LivingConditionsIn = Field(default_factory=LivingConditionsIn)
    members: list[MemberIn] = Field(min_length=1, max_length=40)
    registered_on: dt.date | None = Field(default=None, description="date the members joined the file")
    reason: Reason = "建档登记"

    @field_validator("division")
    @classmethod
    def _division(cls, value: str) -> str:
        return _village(value)

    @model_validator(mode="after")
    def _rules(self) -> Self:
        check_causes(self.main_cause, self.other_causes)
        heads = [member for member in self.members if member.relation is Relation.HEAD]
        if len(heads) != 1:
            raise ValueError("exactly one member must be the head of household")
        people = [member.person_id for member in self.members]
        if len(set(people)) != len(people):
            raise ValueError("the same person appears twice")
        return self


class HouseholdPatch(_In):
    village_group: str | None = Field(default=None, min_length=1, max_length=60)
    address: str | None = Field(default=None, min_length=1, max_length=300)
    head_name: str | None = Field(default=None, min_length=1, max_length=60)
    phone: str | None = Field(default=None, pattern=r"^[0-9+\- ]{5,30}$")
    bank_name: str | None = Field(default=None, max_length=100)
    bank_account: str | None = Field(default=None, pattern=r"^\d{8,30}$")
    identification_standard: IdentificationStandard | None = None
    attribute: HouseholdAttribute | None = None
    main_cause: Cause | None = None
    other_causes: list[Cause] | None = None
    living: LivingConditionsIn | None = None
    reason: Reason

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"reason"})


class MemberJoin(_In):
    change: MemberChange = Field(description="birth | marriage_in | move_in")
    effective_on: dt.date
    reason: Reason
    member: MemberIn

    @field_validator("change")
    @classmethod
    def _joining(cls, value: MemberChange) -> MemberChange:
        if value not in (MemberChange.BIRTH, MemberChange.MARRIAGE_IN, MemberChange.MOVE_IN):
            raise ValueError("a member joins by birth, marriage_in or move_in")
        return value


class MemberLeave(_In):
    change: MemberChange = Field(description="marriage_out | move_out")
    effective_on: dt.date
    reason: Reason

    @field_validator("change")
    @classmethod
    def _leaving(cls, value: MemberChange) -> MemberChange:
        if value not in (MemberChange.MARRIAGE_OUT, MemberChange.MOVE_OUT):
            raise ValueError("a member leaves by marriage_out or move_out")
        return value


class MemberDeath(_In):
    died_on: dt.date
    reason: Reason


class MemberPatch(_In):
    name: str | None = Field(default=None, min_length=1, max_length=60)
    relation: Relation | None = None
    ethnicity: Ethnicity | None = None
    education: Education | None = None
    schooling: Schooling | None = None
    health: Health | None = None
    labour_capacity: LabourCapacity | None = None
    work_status: WorkStatus | None = None
    dibao: bool | None = None
    medical_insurance: bool | None = None
    pension_insurance: bool | None = None
    reason: Reason

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"reason"})


class StatusCommand(_In):
    action: StatusAction
    reason: Reason


class IncomeIn(_In):
    wage: Money = Decimal(0)
    business: Money = Decimal(0)
    transfer: Money = Decimal(0)
    property: Money = Decimal(0)
    production_costs: Money = Decimal(0)


# ---- responses ---------------------------------------------------------------------------------------


class CodeLabel(BaseModel):
    # Frozen, so one instance per enumeration member can serve every response (see `of`).
    model_config = ConfigDict(frozen=True)

    code: str
    label: str

    @classmethod
    def of(cls, enum: type[CodeEnum], code: str) -> CodeLabel:
        """The label of `code` in `enum` (ValueError for a code it does not have). A household read renders
        about forty of these; each was an enum lookup and a model validation (~4% of the read's CPU in a
        profile)."""
        known = _CODE_LABELS.get((enum, code))
        if known is None:
            known = _CODE_LABELS[(enum, code)] = cls(code=code, label=enum(code).label)
        return known

    @classmethod
    def maybe(cls, enum: type[CodeEnum], code: str | None) -> CodeLabel | None:
        return None if code is None else cls.of(enum, code)


# Bounded by the members of the enumerations: only codes that exist are stored.
_CODE_LABELS: dict[tuple[type[CodeEnum], str], CodeLabel] = {}


class MemberOut(BaseModel):
    id: uuid.UUID
    name: str
    sex: CodeLabel
    id_kind: CodeLabel
    resident_id: str = Field(description="full at county tier and below, masked above")
    resident_id_masked: bool
    birth_date: dt.date | None
    relation: CodeLabel
    ethnicity: CodeLabel
    education: CodeLabel | None
    schooling: CodeLabel | None
    health: CodeLabel
    labour_capacity: CodeLabel
    work_status: CodeLabel | None
    dibao: bool
    medical_insurance: bool
    pension_insurance: bool
    status: CodeLabel
    joined_on: dt.date
    joined_by: CodeLabel
    left_on: dt.date | None
    left_by: CodeLabel | None


class LivingConditionsOut(BaseModel):
    housing_area: Decimal | None
    housing_structure: CodeLabel | None
    housing_year_built: int | None
    housing_safety_grade: CodeLabel | None
    has_electricity: bool | None
    fuel: CodeLabel | None
    drinking_water: CodeLabel | None
    relocation: bool


class HouseholdSummary(BaseModel):
    id: uuid.UUID
    division: str
    village_group: str
    head_name: str
    status: CodeLabel
    status_colour: CodeLabel | None
    attribute: CodeLabel
    main_cause: CodeLabel
    other_causes: list[CodeLabel]
    member_count: int
    income_year: int | None
    per_capita_net_income: Decimal | None
    version: int


class HouseholdOut(HouseholdSummary):
    address: str
    phone: str | None
    bank_name: str | None
    bank_account: str | None
    identification_standard: CodeLabel
    living: LivingConditionsOut
    created_at: dt.datetime
    updated_at: dt.datetime
    members: list[MemberOut]
    as_of: dt.datetime | None = None


class HouseholdPage(BaseModel):
    items: list[HouseholdSummary]
    next_cursor: str | None


class IncomeOut(BaseModel):
    household_id: uuid.UUID
    year: int
    wage: Decimal
    business: Decimal
    transfer: Decimal
    property: Decimal
    production_costs: Decimal
    net_income: Decimal
    member_count: int
    per_capita_net_income: Decimal
    recorded_by: str
    recorded_at: dt.datetime


class HistoryEntry(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    actor_tier: str
    action: str
    reason: str
    before: dict[str, Any] | None
    after: dict[str, Any]


class DivisionCount(BaseModel):
    division: str
    total: int = Field(description="Households in the division, every status")
    by_status: dict[str, int] = Field(description="Households per status code")
    people: int = Field(0, description="Members counted on those households (户籍人口 of the files)")
    people_by_status: dict[str, int] = Field(default_factory=dict, description="People per status code")
    by_attribute: dict[str, int] = Field(default_factory=dict, description="Households per attribute code")


class CountsOut(BaseModel):
    node: str
    child_level: str
    items: list[DivisionCount]

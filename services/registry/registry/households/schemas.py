"""Request and response bodies. Requests carry codes; responses carry each code with its Chinese label."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from fupin_kit import divisions, text_rules
from fupin_kit.civil_time import china_today
from fupin_kit.pii import InvalidResidentId, validate_resident_id
from registry import patterns
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
DISABILITY_CERT_PATTERN = re.compile(r"^([0-9]{17}[0-9X])([1-7][1-4])$")
# Typed texts (fupin_kit.text_rules): something visible, no control, bidirectional or noncharacter code
# points; a reason may span lines. A person's name (a member's, the head's) holds no digit either: names are
# shown unmasked at every tier, so they may not carry an ID or phone number past the masking.
Reason = Annotated[str, Field(min_length=1, max_length=500), text_rules.text_rule(1, multi_line=True)]
Name = Annotated[
    str, Field(min_length=1, max_length=60), text_rules.text_rule(1), text_rules.person_name_rule()
]
VillageGroup = Annotated[str, Field(min_length=1, max_length=60), text_rules.text_rule(1)]
Address = Annotated[str, Field(min_length=1, max_length=300), text_rules.text_rule(1)]
BankName = Annotated[str, Field(max_length=100), text_rules.text_rule(0)]
# 建档立卡 began with the 2013 national work plan (registration itself in 2014): no file joined earlier.
FILES_BEGIN = dt.date(2013, 1, 1)
# A "birth" join is for a newborn: the child must be born within this many days before the join is
# effective (late registrations happen; a 54-year-old "born" into the household does not).
BIRTH_JOIN_WINDOW_DAYS = 366
# The legal marrying age (民法典 第1047条): a younger person joins by move_in, not marriage_in, and leaves
# by move_out, not marriage_out.
MARRIAGE_AGE: dict[Sex, int] = {Sex.MALE: 22, Sex.FEMALE: 20}
NOT_NULL = "may not be null; omit the field to leave it unchanged"
# A figure written as a string: ASCII digits with at most one decimal point (a JSON number is a number
# already). pydantic's Decimal reads whatever decimal.Decimal() reads, so full-width or Arabic-Indic digits,
# `1_000` and `1E+3`, which nobody writes as an amount, were stored as figures that decide who is poor.
_PLAIN_FIGURE = re.compile(r"[0-9]+(\.[0-9]+)?", re.ASCII)


def plain_figure(value: Any) -> Any:
    """`value` unchanged, unless it is a string that is not a figure in plain digits (ValueError)."""
    if isinstance(value, str) and _PLAIN_FIGURE.fullmatch(value.strip()) is None:
        raise ValueError(
            "must be a number written in plain digits (like 2500 or 2500.50: no sign, exponent, digit "
            f"separator, NaN or Infinity), not {value!r}"
        )
    return value


PlainFigure = BeforeValidator(plain_figure)
Money = Annotated[Decimal, PlainFigure, Field(ge=0, max_digits=12, decimal_places=2)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _not_null(value: Any) -> Any:
    """A patch field that is optional only so it can be omitted: an explicit null would reach a NOT NULL
    column (a 500) or silently mean "unchanged"; refused as the client's error instead."""
    if value is None:
        raise ValueError(NOT_NULL)
    return value


def check_not_future(value: dt.date, what: str) -> dt.date:
    if value > china_today():
        raise ValueError(f"{what} is in the future")
    return value


def birth_of(person: str) -> dt.date:
    """The birth date digits 7–14 of an 18-digit resident ID (already validated as a real date)."""
    return dt.date(int(person[6:10]), int(person[10:12]), int(person[12:14]))


def check_causes(main: Cause, others: list[Cause]) -> None:
    """One main cause; at most two other causes, distinct and different from the main one."""
    if len(others) > MAX_OTHER_CAUSES:
        raise ValueError(f"at most {MAX_OTHER_CAUSES} other causes")
    if len(set(others)) != len(others):
        raise ValueError("other causes must be distinct")
    if main in others:
        raise ValueError("an other cause must differ from the main cause")


HEAD_NAME_RULE = "must be the name of the head member (the member whose relation is 户主)"


def head_name_problem(head_name: str, head_member_name: str) -> str | None:
    """Why a household's head_name cannot stand beside its head member's name, or None. They are one person's
    name: lists, exports, notices and the card show head_name, and correcting either corrects the other
    (households.service), so a file may not start with two. The API and the 登记表 import both ask this."""
    return None if head_name == head_member_name else HEAD_NAME_RULE


def person_id(resident_id: str | None, certificate: str | None) -> str:
    """The 18-digit resident ID that identifies the person (a disability certificate embeds it)."""
    if certificate is not None:
        match = DISABILITY_CERT_PATTERN.match(certificate)
        assert match is not None
        return match.group(1)
    assert resident_id is not None
    return resident_id


class MemberIn(_In):
    name: Name
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
        return birth_of(self.person_id)


class LivingConditionsIn(_In):
    housing_area: Decimal | None = Field(default=None, ge=0, max_digits=8, decimal_places=2)
    housing_structure: HousingStructure | None = None
    housing_year_built: int | None = Field(default=None, ge=1800, le=2100)
    housing_safety_grade: HousingSafetyGrade | None = None
    has_electricity: bool | None = None
    fuel: Fuel | None = None
    drinking_water: DrinkingWater | None = None
    relocation: bool = False

    @field_validator("housing_year_built")
    @classmethod
    def _built_by_now(cls, value: int | None) -> int | None:
        if value is not None and value > china_today().year:
            raise ValueError("housing_year_built is in the future")
        return value


def _village(value: str) -> str:
    try:
        level = divisions.level(value)
    except divisions.InvalidDivisionCode as exc:
        raise ValueError(str(exc)) from None
    if level is not divisions.Level.VILLAGE:
        raise ValueError("a household's division must be a village-level code")
    return value


class HouseholdIn(_In):
    division: str = Field(pattern=patterns.DIVISION_CODE, description="the village's 12-digit code")
    village_group: VillageGroup = Field(description="组")
    address: Address
    head_name: Name | None = Field(
        default=None,
        description="the head's name: that of the member whose relation is head (户主); taken from that "
        "member when omitted, refused (422) when it differs",
    )
    phone: str | None = Field(default=None, pattern=patterns.PHONE)
    bank_name: BankName | None = None
    bank_account: str | None = Field(default=None, pattern=patterns.BANK_ACCOUNT)
    identification_standard: IdentificationStandard
    attribute: HouseholdAttribute
    main_cause: Cause
    other_causes: list[Cause] = Field(default_factory=list)
    living: LivingConditionsIn = Field(default_factory=LivingConditionsIn)
    members: list[MemberIn] = Field(min_length=1, max_length=40)
    registered_on: dt.date | None = Field(
        default=None,
        description="date the members joined the file: from 2013-01-01 (建档立卡 began) to today, "
        "and not before any member's birth date; today when omitted",
    )
    reason: Reason = "建档登记"

    @field_validator("division")
    @classmethod
    def _division(cls, value: str) -> str:
        return _village(value)

    @field_validator("registered_on")
    @classmethod
    def _registered_on(cls, value: dt.date | None) -> dt.date | None:
        if value is None:
            return None
        if value < FILES_BEGIN:
            raise ValueError(f"registered_on is before {FILES_BEGIN.isoformat()}, when 建档立卡 began")
        return check_not_future(value, "registered_on")

    @model_validator(mode="after")
    def _rules(self) -> Self:
        check_causes(self.main_cause, self.other_causes)
        heads = [member for member in self.members if member.relation is Relation.HEAD]
        if len(heads) != 1:
            raise ValueError("exactly one member must be the head of household")
        people = [member.person_id for member in self.members]
        if len(set(people)) != len(people):
            raise ValueError("the same person appears twice")
        if self.registered_on is not None:
            # The same rule as the import's 登记日期 check: nobody joins a file before being born.
            for position, member in enumerate(self.members):
                if member.birth_date > self.registered_on:
                    raise ValueError(
                        f"registered_on is before the birth date of member {position + 1}; "
                        "add a member born later by a birth join"
                    )
        return self


class HouseholdPatch(_In):
    village_group: VillageGroup | None = None
    address: Address | None = None
    head_name: Name | None = None
    phone: str | None = Field(default=None, pattern=patterns.PHONE)
    bank_name: BankName | None = None
    bank_account: str | None = Field(default=None, pattern=patterns.BANK_ACCOUNT)
    identification_standard: IdentificationStandard | None = None
    attribute: HouseholdAttribute | None = None
    main_cause: Cause | None = None
    other_causes: list[Cause] | None = None
    living: LivingConditionsIn | None = None
    reason: Reason

    # Optional only so that they can be omitted; phone, bank_name and bank_account may be cleared with
    # null (nullable columns), as may the nullable fields inside `living` (not relocation, a plain bool).
    @field_validator(
        "village_group",
        "address",
        "head_name",
        "identification_standard",
        "attribute",
        "main_cause",
        "other_causes",
        "living",
    )
    @classmethod
    def _required(cls, value: Any) -> Any:
        return _not_null(value)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"reason"})


def _age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def marriage_age_problem(change: MemberChange, sex: Sex, born: dt.date, on: dt.date) -> str | None:
    """Why a person born on `born` cannot join (marriage_in) or leave (marriage_out) by marriage on `on`,
    or None: under the legal marrying age that day (MARRIAGE_AGE), a younger person moves in or out."""
    if change not in (MemberChange.MARRIAGE_IN, MemberChange.MARRIAGE_OUT):
        return None
    minimum = MARRIAGE_AGE[sex]
    if _age_on(born, on) >= minimum:
        return None
    if change is MemberChange.MARRIAGE_IN:
        what, instead = "join", "joins by move_in"
    else:
        what, instead = "departure", "leaves by move_out"
    return (
        f"a {change.value} {what} is for someone of the legal marrying age on effective_on "
        f"({minimum} for a {sex.value} member); a younger person {instead}"
    )


# The relations a newborn can have to the head: a baby joined by birth as 'spouse' or 'father' is a
# typing error in the relation.
BORN_INTO = frozenset(
    {
        Relation.SON,
        Relation.DAUGHTER,
        Relation.GRANDSON,
        Relation.GRANDDAUGHTER,
        Relation.DAUGHTERS_SON,
        Relation.DAUGHTERS_DAUGHTER,
        Relation.OTHER,
    }
)


class MemberJoin(_In):
    change: MemberChange = Field(description="birth | marriage_in | move_in")
    effective_on: dt.date = Field(
        description="not in the future nor before the member's birth date; for a birth, the child is "
        f"born at most {BIRTH_JOIN_WINDOW_DAYS} days before it"
    )
    reason: Reason
    member: MemberIn

    @field_validator("change")
    @classmethod
    def _joining(cls, value: MemberChange) -> MemberChange:
        if value not in (MemberChange.BIRTH, MemberChange.MARRIAGE_IN, MemberChange.MOVE_IN):
            raise ValueError("a member joins by birth, marriage_in or move_in")
        return value

    @field_validator("effective_on")
    @classmethod
    def _effective(cls, value: dt.date) -> dt.date:
        return check_not_future(value, "effective_on")

    @model_validator(mode="after")
    def _dates(self) -> Self:
        born = self.member.birth_date
        if self.effective_on < born:
            raise ValueError("effective_on is before the member's birth date")
        if self.change is MemberChange.BIRTH and (self.effective_on - born).days > BIRTH_JOIN_WINDOW_DAYS:
            raise ValueError(
                f"a birth join is for a child born at most {BIRTH_JOIN_WINDOW_DAYS} days before "
                "effective_on; someone older joins by marriage_in or move_in"
            )
        if self.change is MemberChange.BIRTH and self.member.relation not in BORN_INTO:
            raise ValueError(
                "a child born into the household is the head's son, daughter or grandchild (or other), "
                f"not {self.member.relation.value}"
            )
        problem = marriage_age_problem(self.change, self.member.sex, born, self.effective_on)
        if problem is not None:
            raise ValueError(problem)
        return self


class MemberLeave(_In):
    change: MemberChange = Field(
        description="marriage_out (for a member of the legal marrying age on effective_on: 22 for a man, "
        "20 for a woman) | move_out"
    )
    effective_on: dt.date = Field(
        description="not in the future (the person is freed for another household at once), nor before "
        "the member joined"
    )
    reason: Reason
    new_head_member_id: uuid.UUID | None = Field(
        default=None,
        description="when the head leaves and other members remain: the member who becomes head (the "
        "leaving head's relation stays as it was); refused otherwise",
    )

    @field_validator("effective_on")
    @classmethod
    def _effective(cls, value: dt.date) -> dt.date:
        return check_not_future(value, "effective_on")

    @field_validator("change")
    @classmethod
    def _leaving(cls, value: MemberChange) -> MemberChange:
        if value not in (MemberChange.MARRIAGE_OUT, MemberChange.MOVE_OUT):
            raise ValueError("a member leaves by marriage_out or move_out")
        return value


class MemberDeath(_In):
    died_on: dt.date = Field(description="not in the future, nor before the member's birth date")
    reason: Reason
    new_head_member_id: uuid.UUID | None = Field(
        default=None,
        description="when the head leaves and other members remain: the member who becomes head (the "
        "leaving head's relation stays as it was); refused otherwise",
    )

    @field_validator("died_on")
    @classmethod
    def _died_on(cls, value: dt.date) -> dt.date:
        return check_not_future(value, "the date of death")


class MemberPatch(_In):
    name: Name | None = None
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
    former_head_relation: Relation | None = Field(
        default=None,
        description="how the head changes: with relation=head, the current head's new relation, set in "
        "the same request so that the household keeps exactly one head",
    )
    reason: Reason

    # education, schooling and work_status are nullable (unknown / not applicable) and may be cleared.
    @field_validator(
        "name",
        "relation",
        "ethnicity",
        "health",
        "labour_capacity",
        "dibao",
        "medical_insurance",
        "pension_insurance",
    )
    @classmethod
    def _required(cls, value: Any) -> Any:
        return _not_null(value)

    @model_validator(mode="after")
    def _head_change(self) -> Self:
        if self.former_head_relation is None:
            return self
        if self.relation is not Relation.HEAD:
            raise ValueError(
                "former_head_relation goes with relation=head (it names the old head's new relation)"
            )
        if self.former_head_relation is Relation.HEAD:
            raise ValueError("former_head_relation must be another relation than head")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True, exclude={"reason", "former_head_relation"})


class StatusCommand(_In):
    action: StatusAction
    reason: Reason
    decided_on: dt.date | None = Field(
        default=None,
        description="The day the decision was taken, for a decision taken outside the platform (a file "
        "registered before the platform existed, a correction): kept in the history row (effective_on) "
        "and the event, and the exit rule reads its year. Not in the future, not before 建档立卡 began. "
        "Without it the decision is today's.",
    )

    @field_validator("decided_on")
    @classmethod
    def _decided_on(cls, value: dt.date | None) -> dt.date | None:
        if value is None:
            return None
        if value < FILES_BEGIN:
            raise ValueError(f"decided_on is before {FILES_BEGIN.isoformat()}, when 建档立卡 began")
        return check_not_future(value, "decided_on")


INCOME_REASON = "{year} income"
NOBODY_IN_YEAR = "nobody lived in the household at the end of {year}: no per-capita income to compute"


def income_reference_day(year: int, today: dt.date) -> dt.date:
    """The day whose household a year's income is divided among (per-capita net income, the
    identification test, compared with that year's line): the members living in it at the end of that
    day (households.repository.household_size_on). Its 31 December, or today for the current year (and
    next year's, recorded ahead), whose end is not known yet. Member changes are never dated in the
    future, so the count at today changes only by a member change, which recomputes it (households.
    service._recount_incomes). The 登记表 import divides by the same members (imports.validation)."""
    return min(dt.date(year, 12, 31), today)


class IncomeIn(_In):
    wage: Money = Decimal(0)
    business: Money = Decimal(0)
    transfer: Money = Decimal(0)
    property: Money = Decimal(0)
    production_costs: Money = Decimal(0)
    reason: Reason | None = Field(
        default=None,
        description="why the year's income is recorded or corrected, kept in the history entry with the "
        f"record before and after; '{INCOME_REASON}' (e.g. '2025 income') when omitted",
    )

    def figures(self) -> dict[str, Decimal]:
        return self.model_dump(exclude={"reason"})


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
    joined_on: dt.date | None = Field(
        description="The day the member is in the household from; withheld (null) above the county tier for a "
        "member joined by birth, whose join is their birth date or close to it: the digits the masked ID hides"
    )
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
    # The day of a status decision a county recorded by hand (StatusCommand.decided_on), if it gave one,
    # or of a member change (its effective_on or died_on).
    effective_on: dt.date | None = None


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

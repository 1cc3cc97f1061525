from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from identification.code_enum import CodeEnum
from identification.text import LongReason


class PushKind(CodeEnum):
    """The kind of a department's list (部门比对名单). Codes and labels: GET /code-lists."""

    # domain.md names the lists in English (§3 step 6: exclusion matches; §4: department pushes); the
    # labels are the Chinese names of what each list holds.
    PRIVATE_VEHICLE = "private_vehicle", "私家车"
    COMMERCIAL_HOUSING = "commercial_housing", "商品房"
    GOVERNMENT_PAYROLL = "government_payroll", "财政供养人员"
    BUSINESS_LICENCE = "business_licence", "工商营业执照"
    MEDICAL_SELF_PAID = "medical_self_paid", "医疗自付费用高"
    EDUCATION_FEES = "education_fees", "教育费用高"
    DISASTER = "disaster", "受灾名单"


EXCLUSION_KINDS = frozenset(
    {
        PushKind.PRIVATE_VEHICLE,
        PushKind.COMMERCIAL_HOUSING,
        PushKind.GOVERNMENT_PAYROLL,
        PushKind.BUSINESS_LICENCE,
    }
)
REASONS: dict[PushKind, str] = {
    PushKind.PRIVATE_VEHICLE: "a member owns a private vehicle",
    PushKind.COMMERCIAL_HOUSING: "a member bought commercial housing",
    PushKind.GOVERNMENT_PAYROLL: "a member is on the government payroll",
    PushKind.BUSINESS_LICENCE: "a member holds a business licence",
    PushKind.MEDICAL_SELF_PAID: "medical self-paid costs above the threshold",
    PushKind.EDUCATION_FEES: "education fees above the threshold",
    PushKind.DISASTER: "on a disaster list",
}


class PushEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resident_id: str = Field(min_length=18, max_length=18)
    amount: Decimal | None = Field(default=None, ge=0, le=Decimal("100000000"))
    detail: str | None = Field(default=None, max_length=500)

    @field_validator("detail")
    @classmethod
    def strip_detail(cls, value: str | None) -> str | None:
        """Spaces an export adds around a detail do not change the entry (a re-pushed entry is compared with
        the one behind a resolved hit by its detail), as a resident ID's are ignored; blank is no detail."""
        if value is None:
            return None
        return value.strip() or None


class PushIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: PushKind
    department: str = Field(min_length=1, max_length=100)
    entries: list[PushEntry] = Field(min_length=1, max_length=50_000)


class SkippedWarnings(BaseModel):
    """Monitoring warnings a push did not open, counted by why (no household is named to the department)."""

    code: str
    reason: str
    households: int


class PushOut(BaseModel):
    """What a push did. A system above the county is told only what it sent (`outcome_withheld`): how many
    entries matched, over lists it makes itself, would tell it which ID numbers belong to people in cases
    (a masked ID completed by trying its hidden digits). The county resolves the hits."""

    id: uuid.UUID
    kind: str
    entries: int
    hits: int | None
    warnings_opened: int | None
    warnings_skipped: int | None = 0
    skipped: list[SkippedWarnings] = []
    outcome_withheld: bool = False


class HitOut(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    division: str
    # The household member the department's list named (the registry's member id).
    member_id: uuid.UUID
    kind: str
    effect: str
    reason: str
    amount: Decimal | None
    # What the list said of them (the entry's detail), masked above the county.
    detail: str | None = None
    status: str
    found_at: dt.datetime
    resolved_by: str | None
    resolution: str | None


class HitOutcome(StrEnum):
    CLEARED = "cleared"
    CONFIRMED = "confirmed"


class HitResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: HitOutcome
    reason: LongReason

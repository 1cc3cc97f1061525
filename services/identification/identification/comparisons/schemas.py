from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from identification.text import LongReason


class PushKind(StrEnum):
    PRIVATE_VEHICLE = "private_vehicle"
    COMMERCIAL_HOUSING = "commercial_housing"
    GOVERNMENT_PAYROLL = "government_payroll"
    BUSINESS_LICENCE = "business_licence"
    MEDICAL_SELF_PAID = "medical_self_paid"
    EDUCATION_FEES = "education_fees"
    DISASTER = "disaster"


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
    id: uuid.UUID
    kind: str
    entries: int
    hits: int
    warnings_opened: int
    warnings_skipped: int = 0
    skipped: list[SkippedWarnings] = []


class HitOut(BaseModel):
    id: uuid.UUID
    case_id: uuid.UUID
    division: str
    kind: str
    effect: str
    reason: str
    amount: Decimal | None
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

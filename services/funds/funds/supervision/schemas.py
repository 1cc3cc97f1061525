from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from funds.codes import Resolution
from funds.text import Reason


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resolution: Resolution
    note: Reason = Field(description="What was done (资金追回凭证号, the justification, the referral).")


class FindingOut(BaseModel):
    id: uuid.UUID
    division: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    raised_by: str = Field(description="write (when the payment was recorded) or scan")
    raised_at: dt.datetime
    payment_id: uuid.UUID
    household_id: uuid.UUID
    head_name: str = Field(description="The household head, masked (张**) above the county.")
    project_id: uuid.UUID | None
    benefit: str
    period: str
    amount: Decimal
    standard: Decimal
    paid_on: dt.date
    note: str | None
    resolved_by: str | None
    resolved_at: dt.datetime | None
    version: int
    allowed_resolutions: list[str] = Field(description="The resolutions the table allows from this status.")


class ScanOut(BaseModel):
    scanned: int = Field(description="The payments of the division's subtree checked.")
    raised: dict[str, int] = Field(description="New findings by kind (those held already are not counted).")

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
    raised_by: str = Field(description="write (when the payment or project was recorded) or scan")
    raised_at: dt.datetime
    payment_id: uuid.UUID | None = Field(
        description="The payment judged (null for idle-funds, outside-category, inspection-issue)."
    )
    household_id: uuid.UUID | None
    head_name: str = Field(
        description="The household head, masked (张**) above the county; empty without a payment."
    )
    project_id: uuid.UUID | None = Field(
        description="The payment's project, the project drawing outside its category, or the project "
        "inspected."
    )
    benefit: str | None
    period: str | None
    amount: Decimal | None
    standard: Decimal | None
    paid_on: dt.date | None
    allocation_id: uuid.UUID | None = Field(
        description="The allocation judged (idle-funds, outside-category)."
    )
    deadline: dt.date | None = Field(description="The allocation's spending deadline.")
    category: str | None = Field(description="outside-category: the project's category.")
    idle_amount: Decimal | None = Field(description="idle-funds: what was idle when the finding was raised.")
    inspection_id: uuid.UUID | None = Field(
        default=None, description="inspection-issue: the joint inspection that found the point failed."
    )
    inspection_point: str | None = Field(
        default=None, description="inspection-issue: the checklist point failed (code list inspection_point)."
    )
    issue_note: str | None = Field(default=None, description="inspection-issue: the inspectors' note.")
    note: str | None
    resolved_by: str | None
    resolved_at: dt.datetime | None
    version: int
    allowed_resolutions: list[str] = Field(description="The resolutions the table allows from this status.")


class ScanOut(BaseModel):
    scanned: int = Field(
        description="The payments of the division's subtree checked (its allocations and the projects "
        "drawing on them are checked too)."
    )
    raised: dict[str, int] = Field(description="New findings by kind (those held already are not counted).")

from __future__ import annotations

import datetime as dt
import uuid
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from funds.codes import InspectionDepartment, InspectionPoint
from funds.projects.schemas import DIVISION_PATTERN
from funds.supervision.schemas import FindingOut
from funds.text import EARLIEST_YEAR, Day, LongText, Reason, Unit


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InspectionIn(_In):
    division: str = Field(
        pattern=DIVISION_PATTERN,
        description="The county inspected (a city without counties counts as one), within the caller's "
        "jurisdiction.",
    )
    year: int = Field(ge=EARLIEST_YEAR, le=2100, description="The year of the projects and funds inspected.")
    departments: list[InspectionDepartment] = Field(
        min_length=1,
        max_length=len(InspectionDepartment),
        description="The departments taking part (code list inspection_department): at least two different "
        "ones (422 joint-inspection otherwise).",
    )
    leader_unit: Unit = Field(description="The unit leading the inspection (牵头单位).")
    starts_on: Day
    ends_on: Day = Field(description="Not before starts_on.")

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class CheckIn(_In):
    point: InspectionPoint
    passed: bool
    note: Reason | None = Field(default=None, description="Required when the point failed.")


class ItemIn(_In):
    project_id: uuid.UUID = Field(description="A project of the inspected county (422 otherwise).")
    checklist: list[CheckIn] = Field(
        min_length=1, max_length=len(InspectionPoint), description="Each point at most once."
    )

    @field_validator("checklist")
    @classmethod
    def _each_point_once(cls, value: list[CheckIn]) -> list[CheckIn]:
        points = [check.point for check in value]
        if len(set(points)) != len(points):
            raise ValueError("each point is checked once")
        return value


class CloseIn(_In):
    conclusion: LongText = Field(description="检查结论: published on the public board.")


class CheckOut(BaseModel):
    point: str
    point_label: str
    passed: bool
    note: str | None


class ItemOut(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    project_name: str
    checklist: list[CheckOut]
    recorded_by: str
    recorded_at: dt.datetime


class InspectionOut(BaseModel):
    id: uuid.UUID
    division: str
    year: int
    departments: list[str]
    leader_unit: str
    starts_on: dt.date
    ends_on: dt.date
    status: str
    status_label: str
    conclusion: str | None
    opened_by: str
    opened_at: dt.datetime
    closed_by: str | None
    closed_at: dt.datetime | None
    version: int
    items: list[ItemOut] | None = Field(
        default=None, description="On GET /inspections/{id} and after a write."
    )
    findings: list[FindingOut] | None = Field(
        default=None, description="The inspection-issue findings it raised (on GET /inspections/{id})."
    )


class PublicInspection(BaseModel):
    """A closed inspection as the public board shows it, without a login: no personal data, no accounts."""

    inspection_id: uuid.UUID
    division: str
    year: int
    departments: list[str]
    department_labels: list[str]
    leader_unit: str
    starts_on: dt.date
    ends_on: dt.date
    projects_inspected: int
    failed_points: dict[str, int] = Field(
        description="Per checklist point failed: how many projects failed it."
    )
    conclusion: str

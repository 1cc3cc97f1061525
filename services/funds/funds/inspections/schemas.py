from __future__ import annotations

import datetime as dt
import uuid
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from funds.codes import InspectionDepartment, InspectionPoint
from funds.projects.schemas import DIVISION_PATTERN
from funds.supervision.schemas import FindingOut
from funds.text import EARLIEST_YEAR, Day, LongText, Reason, Unit
from fupin_kit import civil_time


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InspectionIn(_In):
    division: str = Field(
        pattern=DIVISION_PATTERN,
        description="The county inspected (a city without counties counts as one), within the caller's "
        "jurisdiction.",
    )
    year: int = Field(
        ge=EARLIEST_YEAR,
        le=2100,
        description="The year of the projects and funds inspected: up to next year (China time).",
    )
    departments: list[InspectionDepartment] = Field(
        min_length=1,
        max_length=len(InspectionDepartment),
        description="The departments taking part (code list inspection_department): at least two different "
        "ones (422 joint-inspection otherwise).",
    )
    leader_unit: Unit = Field(description="The unit leading the inspection (牵头单位).")
    starts_on: Day = Field(description="Within the inspection's year, the year before or the year after.")
    ends_on: Day = Field(description="Not before starts_on; within a year of the inspection's year.")

    @field_validator("year")
    @classmethod
    def _not_beyond_next_year(cls, value: int) -> int:
        # An inspection may be planned for next year; a later one is a typing error frozen for good.
        latest = civil_time.china_today().year + 1
        if value > latest:
            raise ValueError(f"the year is at most next year, {latest} (China time)")
        return value

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        # The inspection of a year's projects runs in that year or the next (or prepares in the one before).
        for day in (self.starts_on, self.ends_on):
            if abs(day.year - self.year) > 1:
                raise ValueError(f"the dates lie within a year of the inspection's year {self.year}")
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
    opened_division: str = Field(
        description="The opening officer's division: its officers, or those of a tier above containing it, "
        "add items and close the inspection (403 for anyone else)."
    )
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

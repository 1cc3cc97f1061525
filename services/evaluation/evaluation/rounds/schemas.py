from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from evaluation.codes import SampleAllocation
from evaluation.text import Evaluator, Note, Reason
from fupin_kit import civil_time


def _begun(year: int) -> int:
    """A round or an assessment judges work done: of this year at the latest (China time), never of one to come,
    which nothing could be scored on."""
    if year > civil_time.china_today().year:
        raise ValueError("the year has not begun (China time)")
    return year


# Precision poverty alleviation began in 2013; no evaluation of this platform is dated before it.
Year = Annotated[int, Field(ge=2013, le=2100), AfterValidator(_begun)]
# Bounds that keep one county's sample a survey, not a census run by accident (40 households by the book).
PerCounty = Annotated[int, Field(ge=1, le=100)]
PerTownship = Annotated[int, Field(ge=1, le=100)]
PerVillage = Annotated[int, Field(ge=1, le=1000)]
Seed = Annotated[int, Field(ge=0, le=2**63 - 1)]
CODE = r"^[0-9]{12}$"


class DesignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    townships_per_county: PerCounty
    villages_per_township: PerTownship
    households_per_village: PerVillage
    seed: Seed | None = Field(default=None, description="Generated and recorded when absent.")
    allocation: SampleAllocation = Field(
        default=SampleAllocation.PROPORTIONAL,
        description="How a village's households are split between the strata: proportional (poor and "
        "non-poor in proportion to the village's) or satisfaction_532 (50% registered poor, 30% exited, "
        "20% never registered, by the largest remainder; a short stratum's shortfall goes to the others "
        "in the order poor, exited, non-poor). A code of `sample_allocation` (GET /code-lists).",
    )


class EvaluationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    county: str = Field(
        pattern=CODE,
        description="A county-level division of the caller's province (a city without counties stands for "
        "its county).",
    )
    year: Year
    evaluator: Evaluator
    design: DesignIn


class EvaluationOut(BaseModel):
    id: uuid.UUID
    county: str
    year: int
    evaluator: str
    design: DesignIn
    status: str
    opened_by: str
    opened_at: dt.datetime
    drawn_at: dt.datetime | None
    sample_size: int | None
    split_per_village: dict[str, int] | None = Field(
        default=None,
        description="The 5:3:2 design's households per village and stratum (poor, exited, non_poor) "
        "before any shortfall; none for a proportional design.",
    )
    strata: dict[str, int] | None = Field(
        default=None, description="The split the draw realised: households drawn per stratum."
    )
    closed_at: dt.datetime | None


class SampledOut(BaseModel):
    household_id: uuid.UUID
    division: str
    status: str = Field(description="The household's status when the sample was drawn.")
    member_count: int
    stratum: str = Field(
        description="A code of `sample_stratum`: poor (registered, returned or monitored) or non_poor; under "
        "the 5:3:2 split an exited household is exited."
    )
    has_finding: bool


class DrawOut(BaseModel):
    evaluation: EvaluationOut
    townships: int
    villages: int
    households: int
    poor_households: int
    non_poor_households: int = Field(
        description="Households drawn not registered poor, exited ones included."
    )
    allocation: str = Field(description="A code of `sample_allocation`.")
    strata: dict[str, int] = Field(description="Households drawn per stratum (a code of `sample_stratum`).")
    first: list[SampledOut] = Field(
        description="The sample's first page (up to 100, in village and id order); "
        "GET /evaluations/{evaluation_id}/sample reads all of it."
    )


class FindingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    household_id: uuid.UUID = Field(description="A household of the evaluation's sample (422 otherwise).")
    # Strict: a JSON true or false only, never "yes" or 1 taken as true.
    wrongly_exited: StrictBool = Field(default=False, description="Only for a household that was exited.")
    missed: StrictBool = Field(default=False, description="A non-registered household found poor.")
    people_affected: int = Field(default=0, ge=0, description="≤ the household's member count.")
    satisfied: StrictBool
    note: Note | None = None


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    wrongly_exited: StrictBool = False
    missed: StrictBool = False
    people_affected: int = Field(default=0, ge=0)
    satisfied: StrictBool
    note: Note | None = None
    reason: Reason = Field(description="Why the finding is corrected (kept in its history).")


class FindingOut(BaseModel):
    evaluation_id: uuid.UUID
    household_id: uuid.UUID
    division: str
    wrongly_exited: bool
    missed: bool
    people_affected: int
    satisfied: bool
    note: str | None = Field(description="Personal numbers masked above the county.")
    version: int
    recorded_by: str
    recorded_at: dt.datetime


class IntervalOut(BaseModel):
    low: float
    high: float


class RateOut(BaseModel):
    code: str = Field(description="A code of `rate` (GET /code-lists).")
    numerator: int
    denominator: int
    value: float | None = Field(description="numerator / denominator; none without a denominator.")
    interval_95: IntervalOut | None = Field(description="The 95% Wilson score interval.")
    threshold: float
    sense: str = Field(description="below: passes under the threshold; at_least: at or over it.")
    verdict: str = Field(description="pass | veto | no-data")


class StratumResultOut(BaseModel):
    stratum: str = Field(description="A code of `sample_stratum`.")
    sampled: int
    surveyed: int = Field(description="Sampled households with a finding.")
    approving: int = Field(description="Surveyed households satisfied.")
    approval: float | None = Field(description="approving / surveyed; none when none was surveyed.")
    interval_95: IntervalOut | None = Field(description="The 95% Wilson score interval of `approval`.")


class ResultsOut(BaseModel):
    evaluation_id: uuid.UUID
    county: str
    west: bool = Field(description="A western province's county: 综合贫困发生率 passes under 3%, not 2%.")
    final: bool = Field(description="The evaluation is closed: these rates no longer change.")
    rates: list[RateOut]
    strata: list[StratumResultOut] = Field(
        default_factory=list,
        description="Per stratum of the sample: households surveyed and approving, with 群众认可度 and its "
        "interval (群众认可度 in `rates` stays approving / surveyed over all strata). Empty in the results "
        "frozen by a close before strata were reported.",
    )
    verdict: str = Field(description="veto if any rate vetoes; incomplete if one has no data; else pass.")
    unsurveyed_households: int | None = Field(
        default=None,
        description="Sampled households without a finding (the rates count surveyed households only); none "
        "in the results frozen by a close before it was reported.",
    )
    partial_reason: str | None = Field(
        default=None,
        description="Why the evaluation was closed with households unsurveyed, as the close gave it.",
    )


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rectification_days: int = Field(
        default=30, ge=7, le=180, description="Days from the close (China time) to the tasks' deadline."
    )
    partial_reason: Reason | None = Field(
        default=None,
        description="Why the evaluation closes while sampled households lack a finding (409 "
        "survey-incomplete without it); kept in the results and the close event.",
    )


class CloseOut(BaseModel):
    evaluation: EvaluationOut
    results: ResultsOut
    rectifications: list[uuid.UUID]

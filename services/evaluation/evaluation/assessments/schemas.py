from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from evaluation.codes import AssesseeLevel, AssessmentGrade
from evaluation.rounds.schemas import CODE, Year
from evaluation.text import Note, Reason

Weight = Annotated[int, Field(ge=0, le=100)]


def _unsigned_zero(score: Decimal) -> Decimal:
    # "-0.0" passes ge=0 (it equals zero) but would be stored and echoed with its sign: a score has none.
    return score.copy_abs()


Score = Annotated[
    Decimal, Field(ge=0, le=100, max_digits=4, decimal_places=1), AfterValidator(_unsigned_zero)
]
Code = Annotated[str, Field(pattern=CODE)]
MAX_ASSESSEES = 500


class SourceWeights(BaseModel):
    """日常监管, 年度核查, 第三方评估: integers summing to 100 (422 weights otherwise)."""

    model_config = ConfigDict(extra="forbid")
    daily_supervision: Weight = 40
    annual_check: Weight = 30
    third_party: Weight = 30


class PartWeights(BaseModel):
    """减贫成效, 精准识别, 精准帮扶/群众满意, 资金使用管理: integers summing to 100 (422 weights otherwise)."""

    model_config = ConfigDict(extra="forbid")
    poverty_reduction: Weight = 25
    identification_accuracy: Weight = 25
    assistance_satisfaction: Weight = 25
    funds: Weight = 25


class SchemeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source_weights: SourceWeights = Field(default_factory=SourceWeights)
    part_weights: PartWeights = Field(default_factory=PartWeights)


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: Year
    assessee_level: AssesseeLevel | None = Field(
        default=None,
        description="The level assessed: the tier directly below the caller's by default (a province may "
        "name `county` to assess its counties).",
    )
    scheme: SchemeIn = Field(default_factory=SchemeIn)
    assessees: list[Code] = Field(
        min_length=1,
        max_length=MAX_ASSESSEES,
        description="The divisions assessed, each of `assessee_level` within the caller's jurisdiction, no "
        "code twice (the console lists them from the registry's public children of the caller's division).",
    )


class AssessmentOut(BaseModel):
    id: uuid.UUID
    assessor: str = Field(description="The assessor's division.")
    assessor_tier: str
    year: int
    assessee_level: str = Field(description="A code of `assessee_level` (GET /code-lists).")
    scheme: SchemeIn
    status: str = Field(description="A code of `assessment_status` (GET /code-lists).")
    assessees: list[str] = Field(description="The assessees the caller may read: all, or its own.")
    opened_by: str
    opened_at: dt.datetime
    finalized_by: str | None
    finalized_at: dt.datetime | None


class PartScores(BaseModel):
    """One score 0–100 with at most one decimal per part."""

    model_config = ConfigDict(extra="forbid")
    poverty_reduction: Score
    identification_accuracy: Score
    assistance_satisfaction: Score
    funds: Score


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scores: PartScores
    note: Note | None = None
    reason: Reason | None = Field(
        default=None, description="Why a recorded score is corrected (required then; kept in its history)."
    )


class FromRoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    evaluation_id: uuid.UUID = Field(description="A closed third-party round of the assessee, of the year.")
    reason: Reason | None = Field(default=None, description="Required when it replaces a recorded score.")


class VetoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vetoed: StrictBool = Field(description="一票否决: the assessee is graded 较差 whatever its composite.")
    reason: Reason = Field(description="Why the veto is set or lifted.")


class ScoreVersionOut(BaseModel):
    version: int
    replaced: dict[str, object] = Field(description="The replaced version: scores, note, evaluation_id.")
    reason: str
    corrected_by: str
    corrected_at: dt.datetime


class ScoreOut(BaseModel):
    assessment_id: uuid.UUID
    division: str
    source: str = Field(description="A code of `assessment_source` (GET /code-lists).")
    scores: PartScores
    note: str | None = Field(description="Personal numbers masked above the county.")
    evaluation_id: uuid.UUID | None = Field(description="The third-party round the score was taken from.")
    version: int
    recorded_by: str
    recorded_at: dt.datetime
    history: list[ScoreVersionOut]


class AssesseeOut(BaseModel):
    division: str
    vetoed: bool
    veto_reason: str | None = Field(description="Personal numbers masked above the county.")


class AssesseeResultOut(BaseModel):
    division: str
    sources: dict[str, PartScores] = Field(description="The scores recorded, by source.")
    missing: list[str] = Field(description="The sources without a score yet (incomplete while any).")
    complete: bool
    vetoed: bool
    veto_reason: str | None
    composite: Decimal | None = Field(description="Σ source weight × Σ part weight × score / 10000, half-up.")
    rank: int | None
    grade: AssessmentGrade | None = Field(description="A code of `assessment_grade`; none while incomplete.")
    consequence: str | None = Field(description="A code of `assessment_consequence`, once finalized.")
    rectification_id: uuid.UUID | None


class ResultsOut(BaseModel):
    assessment_id: uuid.UUID
    final: bool = Field(description="Finalized: these results no longer change.")
    assessees: list[AssesseeResultOut] = Field(description="In rank order; the incomplete last.")


class FinalizeOut(BaseModel):
    assessment: AssessmentOut
    results: ResultsOut
    rectifications: list[uuid.UUID]

"""Assessments per tier (年度考核, domain.md §7): the nation, a province, a city or a county assesses the tier
directly below it within its jurisdiction, with its scheme of weights; it records a score per assessee and
source (a correction keeps the version replaced with its reason; the third-party score may be taken from a
closed round), vetoes an assessee with a reason, reads the results and finalizes them, which freezes them
and records each assessee's consequence: a commendation for 好, an interview and a rectification task for
较差 (the arithmetic: assessments.scoring).

Who reads what: the assessor and the tiers above read all of an assessment; an assessee (any caller whose
jurisdiction holds an assessee) reads its own part of it, and only that. Only the assessor's own officers
write. The events: `assessment.opened` with the assessor's division and, beside it, the opening told each
assessee (`assessee.opened_by_<assessor tier>`, the assessee's division, no other assessee); at the
finalization one `assessment.finalized` per assessee with the assessee's division, so that each reaches
its own feed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from evaluation import access, events
from evaluation.assessments import repository, scoring
from evaluation.assessments.schemas import (
    AssesseeResultOut,
    AssessmentIn,
    AssessmentOut,
    FinalizeOut,
    FromRoundIn,
    PartScores,
    ResultsOut,
    SchemeIn,
    ScoreIn,
    ScoreOut,
    ScoreVersionOut,
    VetoIn,
)
from evaluation.codes import (
    AssessmentConsequence,
    AssessmentGrade,
    AssessmentSource,
    AssessmentStatus,
    EvaluationStatus,
    RectificationKind,
    RectificationStatus,
)
from evaluation.context import Context
from evaluation.rectifications import repository as rectification_repository
from evaluation.rectifications.service import DEFAULT_TERM
from evaluation.rounds import repository as round_repository
from fupin_kit import civil_time, divisions
from fupin_kit import division_keyset as keyset
from fupin_kit.audit.chain import AuditEntry
from fupin_kit.audit.changes import stage
from fupin_kit.auth.actor import require_within
from fupin_kit.outbox import record_changes
from fupin_kit.problems import conflict, forbidden, not_found, unprocessable

Row = dict[str, Any]
TYPED = ("note",)


@dataclass(frozen=True)
class Seen:
    """An assessment as the caller may read it: all its assessees (the assessor and above), or its own."""

    row: Row
    assessees: list[Row]
    full: bool


def _scheme(row: Row) -> SchemeIn:
    return SchemeIn.model_validate(
        {"source_weights": row["source_weights"], "part_weights": row["part_weights"]}
    )


def render(row: Row, assessees: list[str]) -> AssessmentOut:
    return AssessmentOut.model_validate(
        {**row, "assessor": row["division"], "scheme": _scheme(row), "assessees": assessees}
    )


def _problem(message: str, loc: list[str | int], *, code: str, **extensions: Any) -> Exception:
    return unprocessable(
        message, code=code, errors=[{"loc": loc, "msg": message, "type": code}], **extensions
    )


# ---- open -----------------------------------------------------------------------------------------------


def _assessee_level(ctx: Context, asked: str | None) -> str:
    allowed = access.assessee_levels(ctx.actor)
    level = asked or allowed[0]
    if level not in allowed:
        raise _problem(
            f"the {ctx.actor.tier} tier assesses {', '.join(allowed)}, not {level}",
            ["body", "assessee_level"],
            code="not-an-assessee",
        )
    return level


def _check_weights(scheme: SchemeIn) -> None:
    wrong = [
        name
        for name, weights in (
            ("source_weights", scheme.source_weights),
            ("part_weights", scheme.part_weights),
        )
        if sum(weights.model_dump().values()) != scoring.WEIGHT_TOTAL
    ]
    if wrong:
        message = "the weights must be integers summing to 100"
        raise unprocessable(
            message,
            code="weights",
            errors=[{"loc": ["body", "scheme", name], "msg": message, "type": "weights"} for name in wrong],
        )


def _check_assessees(ctx: Context, codes: list[str], level: str) -> None:
    """Each once, within the caller's jurisdiction (404 outside, as every place outside it), of the level."""
    seen: set[str] = set()
    for index, code in enumerate(codes):
        if code in seen:
            raise _problem(
                f"{code} is named twice",
                ["body", "assessees", index],
                code="duplicate-assessee",
                division=code,
            )
        seen.add(code)
        require_within(ctx.actor, code, "division")
        if code == ctx.actor.division or not access.is_of_level(code, level):
            raise access.not_an_assessee(code, level, index)


async def open_assessment(ctx: Context, body: AssessmentIn) -> AssessmentOut:
    access.require_assessor_officer(ctx.actor)
    level = _assessee_level(ctx, body.assessee_level)
    _check_weights(body.scheme)
    _check_assessees(ctx, body.assessees, level)
    codes = sorted(body.assessees)
    opened = await repository.add(
        ctx.session,
        {
            "id": uuid.uuid4(),
            "division": ctx.actor.division,
            "assessor_tier": ctx.actor.tier,
            "year": body.year,
            "assessee_level": level,
            "source_weights": body.scheme.source_weights.model_dump(),
            "part_weights": body.scheme.part_weights.model_dump(),
            "status": AssessmentStatus.OPEN.value,
            "opened_by": ctx.actor.subject,
        },
        codes,
    )
    told = events.for_assessees(opened, codes, ctx.actor)
    await record_changes(ctx.session, [events.assessment_opened(opened, codes, ctx.actor), *told])
    return render(opened, codes)


# ---- reading --------------------------------------------------------------------------------------------


async def _seen(ctx: Context, assessment_id: uuid.UUID, *, lock: bool = False) -> Seen:
    row = await repository.get(ctx.session, assessment_id, lock=lock)
    if row is None:
        raise not_found("assessment")
    if ctx.actor.covers(row["division"]):
        return Seen(row, await repository.assessees_of(ctx.session, [assessment_id]), full=True)
    lo, hi = ctx.actor.subtree
    own = await repository.assessees_of(ctx.session, [assessment_id], lo, hi)
    if not own:
        raise not_found("assessment")
    return Seen(row, own, full=False)


async def get(ctx: Context, assessment_id: uuid.UUID) -> AssessmentOut:
    seen = await _seen(ctx, assessment_id)
    return render(seen.row, [assessee["division"] for assessee in seen.assessees])


async def search(
    ctx: Context, division: str | None, year: int | None, after: str | None, limit: int
) -> keyset.Page[AssessmentOut]:
    lo, hi = access.subtree(ctx.actor, division)
    rows = await repository.page(ctx.session, repository.Filter(lo, hi, year), keyset.decode(after), limit)
    # Each with the assessees the caller reads: all when it covers the assessor, else those in its subtree.
    listed = await repository.assessees_of(ctx.session, [row["id"] for row in rows])
    by_assessment: dict[uuid.UUID, list[str]] = {}
    for assessee in listed:
        by_assessment.setdefault(assessee["assessment_id"], []).append(assessee["division"])

    def shown(row: Row) -> AssessmentOut:
        codes = by_assessment.get(row["id"], [])
        if not ctx.actor.covers(row["division"]):
            codes = [code for code in codes if ctx.actor.covers(code)]
        return render(row, codes)

    return keyset.page(rows, limit, shown, "id")


# ---- writing: the assessor's own officers ------------------------------------------------------------------


async def _for_assessor(ctx: Context, assessment_id: uuid.UUID) -> Row:
    """The open assessment, locked (so that no score changes while it is finalized), for its assessor."""
    access.require_assessor_officer(ctx.actor)
    seen = await _seen(ctx, assessment_id, lock=True)
    if ctx.actor.division != seen.row["division"]:
        raise forbidden("only the assessor's officers record an assessment")
    if seen.row["status"] == AssessmentStatus.FINALIZED:
        raise conflict("the assessment is finalized: its results are frozen", code="assessment-finalized")
    return seen.row


async def _assessee(ctx: Context, assessment_id: uuid.UUID, division: str, *, lock: bool = False) -> Row:
    if divisions.CODE_PATTERN.match(division) is None:
        raise not_found("assessee")
    found = await repository.assessee(ctx.session, assessment_id, division, lock=lock)
    if found is None:
        raise not_found("assessee")
    return found


def _audit(ctx: Context, row: Row, action: str, division: str, detail: dict[str, Any]) -> None:
    """A score or a veto publishes no event (only the finalized result goes out), so each is audited on
    its own, in the change's transaction."""
    subject = f"assessment/{row['id']}/{division}"
    stage(ctx.session, [AuditEntry(ctx.actor.subject, action, subject, division, detail)])


def _scores_json(scores: PartScores) -> dict[str, str]:
    # Decimal text with its one decimal, so that the composite is computed from exactly what was typed.
    return {part: _tenths(value) for part, value in scores.model_dump().items()}


def _tenths(value: Decimal) -> str:
    return str(value.quantize(scoring.TENTHS))


def render_score(ctx: Context, row: Row, history: list[Row]) -> ScoreOut:
    shown = access.texts_as_shown(ctx.actor, row, TYPED)
    versions = [ScoreVersionOut.model_validate(version) for version in history]
    return ScoreOut.model_validate({**shown, "history": versions})


async def _record_score(
    ctx: Context, row: Row, division: str, source: str, values: Row, reason: str | None
) -> ScoreOut:
    """The first score, or a correction of it with its reason (the version replaced kept)."""
    key = {"assessment_id": row["id"], "division": division, "source": source}
    current = await repository.score(ctx.session, row["id"], division, source, lock=True)
    if current is None:
        saved = await repository.add_score(ctx.session, {**key, **values, "recorded_by": ctx.actor.subject})
        if saved is None:  # the assessment is locked: only a bug gets here
            raise conflict(
                "the score was recorded meanwhile: correct it with a reason", code="duplicate-score"
            )
        action = "assessment.score_recorded"
    else:
        if reason is None:
            raise _problem(
                "a reason is required to correct a score", ["body", "reason"], code="reason-required"
            )
        replaced = {name: current[name] for name in ("scores", "note", "recorded_by")}
        replaced["evaluation_id"] = (
            None if current["evaluation_id"] is None else str(current["evaluation_id"])
        )
        replaced["recorded_at"] = current["recorded_at"].isoformat()
        history = {
            **key,
            "id": uuid.uuid4(),
            "version": current["version"],
            "replaced": replaced,
            "reason": reason,
            "corrected_by": ctx.actor.subject,
        }
        saved = await repository.correct_score(
            ctx.session, current, {**values, "recorded_by": ctx.actor.subject}, history
        )
        action = "assessment.score_corrected"
    _audit(ctx, row, action, division, {"source": source, "version": saved["version"]})
    history_rows = await repository.score_history(ctx.session, row["id"], division, source)
    return render_score(ctx, saved, history_rows)


async def put_score(
    ctx: Context, assessment_id: uuid.UUID, division: str, source: AssessmentSource, body: ScoreIn
) -> ScoreOut:
    row = await _for_assessor(ctx, assessment_id)
    await _assessee(ctx, assessment_id, division)
    values = {"scores": _scores_json(body.scores), "note": body.note, "evaluation_id": None}
    return await _record_score(ctx, row, division, source.value, values, body.reason)


async def _closed_round(ctx: Context, row: Row, division: str, evaluation_id: uuid.UUID) -> Row:
    """A closed third-party round of the assessee itself (a county-level division) and the same year."""
    lo, hi = ctx.actor.subtree
    found = await round_repository.get(ctx.session, evaluation_id, lo, hi)
    if found is None:
        raise not_found("evaluation")
    if found["division"] != division or found["year"] != row["year"]:
        raise _problem(
            f"the round is of {found['division']} in {found['year']}, not of {division} in {row['year']}",
            ["body", "evaluation_id"],
            code="round-mismatch",
        )
    if found["status"] != EvaluationStatus.CLOSED or found["results"] is None:
        raise conflict("the round is not closed: its results may still change", code="round-not-closed")
    return found


async def score_from_round(
    ctx: Context, assessment_id: uuid.UUID, division: str, body: FromRoundIn
) -> ScoreOut:
    row = await _for_assessor(ctx, assessment_id)
    await _assessee(ctx, assessment_id, division)
    # A round evaluates a county-level division: the other assessees take their score by hand.
    access.county_level(division, ["path", "division"])
    found = await _closed_round(ctx, row, division, body.evaluation_id)
    results = found["results"]
    value = scoring.third_party_score(results["verdict"], [rate["verdict"] for rate in results["rates"]])
    values = {
        "scores": dict.fromkeys(scoring.PARTS, _tenths(value)),
        "note": f"第三方评估 {found['id']}：{results['verdict']}",
        "evaluation_id": found["id"],
    }
    return await _record_score(ctx, row, division, AssessmentSource.THIRD_PARTY.value, values, body.reason)


async def set_veto(ctx: Context, assessment_id: uuid.UUID, division: str, body: VetoIn) -> AssesseeResultOut:
    row = await _for_assessor(ctx, assessment_id)
    await _assessee(ctx, assessment_id, division, lock=True)
    await repository.change_assessee(
        ctx.session,
        assessment_id,
        division,
        {"vetoed": body.vetoed, "veto_reason": body.reason, "veto_by": ctx.actor.subject},
    )
    _audit(ctx, row, "assessment.veto_set" if body.vetoed else "assessment.veto_lifted", division, {})
    found = await results(ctx, assessment_id)
    return next(result for result in found.assessees if result.division == division)


# ---- results and finalization ----------------------------------------------------------------------------


def _score_map(score_rows: list[Row]) -> dict[str, dict[str, dict[str, Decimal]]]:
    """{division: {source: {part: score}}}"""
    found: dict[str, dict[str, dict[str, Decimal]]] = {}
    for score in score_rows:
        parts = {part: Decimal(value) for part, value in score["scores"].items()}
        found.setdefault(score["division"], {})[score["source"]] = parts
    return found


def _computed(row: Row, assessee_rows: list[Row], score_rows: list[Row]) -> list[scoring.Result]:
    scores = _score_map(score_rows)
    return scoring.ranked(
        [
            scoring.result(
                assessee["division"],
                assessee["vetoed"],
                row["source_weights"],
                row["part_weights"],
                scores.get(assessee["division"], {}),
            )
            for assessee in assessee_rows
        ]
    )


def _result_out(
    ctx: Context, found: scoring.Result, assessee: Row, scores: dict[str, Any]
) -> AssesseeResultOut:
    shown = access.texts_as_shown(ctx.actor, assessee, ("veto_reason",))
    return AssesseeResultOut(
        division=found.division,
        sources={source: PartScores.model_validate(parts) for source, parts in scores.items()},
        missing=list(found.missing),
        complete=not found.missing,
        vetoed=found.vetoed,
        veto_reason=shown["veto_reason"],
        composite=found.composite,
        rank=found.rank,
        grade=found.grade,
        consequence=assessee["consequence"],
        rectification_id=assessee["rectification_id"],
    )


async def _results(ctx: Context, seen: Seen) -> ResultsOut:
    """Ranked over every assessee, shown for those the caller reads."""
    every = await repository.assessees_of(ctx.session, [seen.row["id"]])
    score_rows = await repository.scores_of(ctx.session, seen.row["id"])
    computed = _computed(seen.row, every, score_rows)
    readable = {assessee["division"]: assessee for assessee in seen.assessees}
    scores = _score_map(score_rows)
    return ResultsOut(
        assessment_id=seen.row["id"],
        final=seen.row["status"] == AssessmentStatus.FINALIZED,
        assessees=[
            _result_out(ctx, found, readable[found.division], scores.get(found.division, {}))
            for found in computed
            if found.division in readable
        ],
    )


async def results(ctx: Context, assessment_id: uuid.UUID) -> ResultsOut:
    return await _results(ctx, await _seen(ctx, assessment_id))


def _summary(found: scoring.Result, assessee: Row) -> str:
    # Chinese text, so a full-width colon, as the console writes it.
    if found.vetoed:
        return f"{RectificationKind.ASSESSMENT_POOR.label}（一票否决）：{assessee['veto_reason']}"
    return f"{RectificationKind.ASSESSMENT_POOR.label}：{found.composite}分"


def _task(ctx: Context, row: Row, found: scoring.Result, assessee: Row) -> Row:
    return {
        "id": uuid.uuid4(),
        "evaluation_id": None,
        "assessment_id": row["id"],
        "division": found.division,
        "county": None,
        "kind": RectificationKind.ASSESSMENT_POOR.value,
        "household_id": None,
        "summary": _summary(found, assessee),
        "status": RectificationStatus.OPEN.value,
        "deadline": civil_time.china_today() + DEFAULT_TERM,
        "worker_tier": row["assessee_level"],
        "checker_tier": row["assessor_tier"],
        "updated_by": ctx.actor.subject,
    }


def _require_complete(computed: list[scoring.Result]) -> None:
    incomplete = [
        {"division": found.division, "missing": list(found.missing)} for found in computed if found.missing
    ]
    if incomplete:
        raise conflict(
            f"{len(incomplete)} assessee(s) lack scores: every source needs one before the finalization",
            code="assessment-incomplete",
            incomplete=incomplete,
        )


async def finalize(ctx: Context, assessment_id: uuid.UUID) -> FinalizeOut:
    row = await _for_assessor(ctx, assessment_id)
    every = await repository.assessees_of(ctx.session, [assessment_id])
    computed = _computed(row, every, await repository.scores_of(ctx.session, assessment_id))
    _require_complete(computed)
    by_division = {assessee["division"]: assessee for assessee in every}
    tasks = [
        _task(ctx, row, found, by_division[found.division])
        for found in computed
        if scoring.consequence(found.grade or AssessmentGrade.POOR) == AssessmentConsequence.INTERVIEW
    ]
    opened = await rectification_repository.add_all(ctx.session, tasks)
    task_of = {task["division"]: task["id"] for task in opened}
    frozen: list[Row] = []
    for found in computed:
        named = found.grade or AssessmentGrade.POOR
        frozen.append(
            await repository.change_assessee(
                ctx.session,
                assessment_id,
                found.division,
                {
                    "composite": found.composite,
                    "rank": found.rank,
                    "grade": named.value,
                    "consequence": scoring.consequence(named).value,
                    "rectification_id": task_of.get(found.division),
                },
            )
        )
    changed = await repository.change(
        ctx.session,
        assessment_id,
        {
            "status": AssessmentStatus.FINALIZED.value,
            "finalized_by": ctx.actor.subject,
            "finalized_at": civil_time.utc_now(),
        },
    )
    staged = [events.assessment_finalized(changed, assessee, ctx.actor) for assessee in frozen]
    staged += [events.rectification_opened(task, ctx.actor) for task in opened]
    await record_changes(ctx.session, staged)
    seen = Seen(changed, frozen, full=True)
    return FinalizeOut(
        assessment=render(changed, [assessee["division"] for assessee in every]),
        results=await _results(ctx, seen),
        rectifications=[task["id"] for task in opened],
    )

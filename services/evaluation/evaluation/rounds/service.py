"""Third-party sampling evaluations (第三方评估) of a county: opened by the province, the stratified sample
drawn once and frozen, a finding per sampled household (corrections kept in history), the rates with their
intervals, and the close that freezes the findings and opens a rectification task for every failed
threshold and every household found wrongly exited or missed."""

from __future__ import annotations

import datetime as dt
import random
import secrets
import uuid
from typing import Any

from evaluation import access, events, rates, sampling, wilson
from evaluation.codes import EvaluationStatus, RectificationKind, RectificationStatus, SampleStratum
from evaluation.context import Context
from evaluation.rectifications import repository as rectification_repository
from evaluation.rounds import repository
from evaluation.rounds.schemas import (
    CloseIn,
    CloseOut,
    CorrectionIn,
    DrawOut,
    EvaluationIn,
    EvaluationOut,
    FindingIn,
    FindingOut,
    IntervalOut,
    RateOut,
    ResultsOut,
    SampledOut,
    StratumResultOut,
)
from fupin_kit import civil_time
from fupin_kit import division_keyset as keyset
from fupin_kit.audit.chain import AuditEntry
from fupin_kit.audit.changes import stage
from fupin_kit.auth.actor import require_within
from fupin_kit.outbox import record_changes
from fupin_kit.problems import conflict, not_found, unprocessable

TOWNSHIP_DIGITS = 9
VILLAGE_DIGITS = 12
FIRST_PAGE = 100
SEED_BITS = 63
RATE_TASKS = {
    "wrongly_exited": RectificationKind.WRONGLY_EXITED_RATE,
    "missed": RectificationKind.MISSED_RATE,
    "approval": RectificationKind.APPROVAL_RATE,
    "composite_incidence": RectificationKind.COMPOSITE_INCIDENCE_RATE,
}


DESIGN = ("townships_per_county", "villages_per_township", "households_per_village", "seed", "allocation")


def split_per_village(row: repository.Row) -> dict[str, int] | None:
    """The 5:3:2 design's households per village and stratum, before any shortfall."""
    if row["allocation"] != sampling.SATISFACTION_532:
        return None
    shares = sampling.shares_532(row["households_per_village"])
    return {name: share for (name, _), share in zip(sampling.SPLIT_532, shares, strict=True)}


def render(row: repository.Row) -> EvaluationOut:
    design = {name: row[name] for name in DESIGN}
    return EvaluationOut.model_validate(
        {**row, "county": row["division"], "design": design, "split_per_village": split_per_village(row)}
    )


def render_sampled(row: repository.Row) -> SampledOut:
    return SampledOut.model_validate({**row, "has_finding": row.get("satisfied") is not None})


def render_finding(ctx: Context, row: repository.Row) -> FindingOut:
    return FindingOut.model_validate(access.texts_as_shown(ctx.actor, row, ("note",)))


# ---- open -----------------------------------------------------------------------------------------------


async def open_evaluation(ctx: Context, body: EvaluationIn) -> EvaluationOut:
    access.require_province_officer(ctx.actor)
    county = access.county_level(body.county, ["body", "county"])
    require_within(ctx.actor, county, "division")
    design = body.design
    seed = design.seed if design.seed is not None else secrets.randbits(SEED_BITS)
    opened = await repository.add(
        ctx.session,
        {
            "id": uuid.uuid4(),
            "division": county,
            "year": body.year,
            "evaluator": body.evaluator,
            "townships_per_county": design.townships_per_county,
            "villages_per_township": design.villages_per_township,
            "households_per_village": design.households_per_village,
            "seed": seed,
            "allocation": design.allocation.value,
            "status": EvaluationStatus.OPEN.value,
            "opened_by": ctx.actor.subject,
        },
    )
    await record_changes(ctx.session, [events.evaluation_opened(opened, ctx.actor)])
    return render(opened)


async def _evaluation(ctx: Context, evaluation_id: uuid.UUID, *, lock: bool = False) -> repository.Row:
    lo, hi = ctx.actor.subtree
    found = await repository.get(ctx.session, evaluation_id, lo, hi, lock=lock)
    if found is None:
        raise not_found("evaluation")
    return found


async def get(ctx: Context, evaluation_id: uuid.UUID) -> EvaluationOut:
    return render(await _evaluation(ctx, evaluation_id))


async def search(
    ctx: Context, division: str | None, after: str | None, limit: int
) -> keyset.Page[EvaluationOut]:
    lo, hi = access.subtree(ctx.actor, division)
    rows = await repository.page(ctx.session, lo, hi, keyset.decode(after), limit)
    return keyset.page(rows, limit, render, "id")


# ---- draw -----------------------------------------------------------------------------------------------


def _sizes(drawn: list[sampling.Household], allocation: str) -> dict[str, Any]:
    """What the draw realised: households in all, registered poor and not, and per stratum."""
    strata = [household.stratum_under(allocation) for household in drawn]
    poor = strata.count(SampleStratum.POOR.value)
    named = (
        list(SampleStratum)
        if allocation == sampling.SATISFACTION_532
        else [SampleStratum.POOR, SampleStratum.NON_POOR]
    )
    return {
        "households": len(drawn),
        "poor_households": poor,
        "non_poor_households": len(drawn) - poor,
        "allocation": allocation,
        "strata": {code.value: strata.count(code.value) for code in named},
    }


async def _draw(ctx: Context, row: repository.Row) -> tuple[list[sampling.Household], dict[str, Any]]:
    """The stratified sample: one PRNG seeded with the evaluation's seed, consumed in code order."""
    rng = random.Random(row["seed"])
    lo, hi = access.subtree(ctx.actor, row["division"])
    townships = await repository.distinct_prefixes(ctx.session, lo, hi, TOWNSHIP_DIGITS)
    chosen_townships = sampling.choose(rng, townships, row["townships_per_county"])
    drawn: list[sampling.Household] = []
    village_count = 0
    for township in chosen_townships:
        t_lo, t_hi = township.ljust(12, "0"), township.ljust(12, "9")
        villages = await repository.distinct_prefixes(ctx.session, t_lo, t_hi, VILLAGE_DIGITS)
        for village in sampling.choose(rng, villages, row["villages_per_township"]):
            village_count += 1
            households = [
                sampling.Household(**found)
                for found in await repository.village_households(ctx.session, village)
            ]
            wanted = row["households_per_village"]
            drawn.extend(sampling.draw_village(rng, households, wanted, row["allocation"]))
    sizes = {
        "townships": len(chosen_townships),
        "villages": village_count,
        **_sizes(drawn, row["allocation"]),
    }
    return drawn, sizes


def _sampled_row(evaluation_id: uuid.UUID, household: sampling.Household, allocation: str) -> dict[str, Any]:
    return {
        "evaluation_id": evaluation_id,
        "household_id": household.household_id,
        "division": household.division,
        "status": household.status,
        "member_count": household.member_count,
        "stratum": household.stratum_under(allocation),
    }


def _not_open(row: repository.Row) -> None:
    if row["status"] == EvaluationStatus.CLOSED:
        raise conflict("the evaluation is closed", code="evaluation-closed")
    if row["status"] == EvaluationStatus.DRAWN:
        raise conflict("the sample was drawn already and is frozen (domain.md §7)", code="sample-frozen")


async def draw(ctx: Context, evaluation_id: uuid.UUID) -> DrawOut:
    access.require_province_officer(ctx.actor)
    row = await _evaluation(ctx, evaluation_id, lock=True)
    _not_open(row)
    drawn, sizes = await _draw(ctx, row)
    await repository.freeze_sample(
        ctx.session, [_sampled_row(evaluation_id, h, row["allocation"]) for h in drawn]
    )
    changed = await repository.change(
        ctx.session,
        evaluation_id,
        {
            "status": EvaluationStatus.DRAWN.value,
            "drawn_at": civil_time.utc_now(),
            "sample_size": len(drawn),
            "strata": sizes["strata"],
        },
    )
    await record_changes(ctx.session, [events.sample_drawn(changed, sizes, ctx.actor)])
    first = await repository.sample_page(ctx.session, evaluation_id, None, FIRST_PAGE)
    return DrawOut(evaluation=render(changed), first=[render_sampled(r) for r in first[:FIRST_PAGE]], **sizes)


async def sample(
    ctx: Context, evaluation_id: uuid.UUID, after: str | None, limit: int
) -> keyset.Page[SampledOut]:
    await _evaluation(ctx, evaluation_id)
    rows = await repository.sample_page(ctx.session, evaluation_id, keyset.decode(after), limit)
    return keyset.page(rows, limit, render_sampled, "household_id")


# ---- findings -------------------------------------------------------------------------------------------


def _invalid(loc: str, message: str, code: str) -> Exception:
    return unprocessable(message, code=code, errors=[{"loc": ["body", loc], "msg": message, "type": code}])


def _check_finding(household: repository.Row, body: FindingIn | CorrectionIn) -> None:
    """A finding's flags must fit the household as it was sampled, its people its members (422)."""
    status = household["status"]
    if body.wrongly_exited and status != repository.EXITED:
        raise _invalid("wrongly_exited", f"only an exited household is wrongly exited; this one is {status}",
                       "finding-not-applicable")  # fmt: skip
    if body.missed and (status in sampling.POOR_STATUSES or status == repository.EXITED):
        raise _invalid("missed", f"only a non-registered household is missed; this one is {status}",
                       "finding-not-applicable")  # fmt: skip
    if body.people_affected > household["member_count"]:
        raise _invalid(
            "people_affected",
            f"people_affected exceeds the household's {household['member_count']} members",
            "people-affected",
        )


async def _for_findings(ctx: Context, evaluation_id: uuid.UUID, household_id: uuid.UUID) -> repository.Row:
    access.require_province_officer(ctx.actor)
    row = await _evaluation(ctx, evaluation_id, lock=True)
    if row["status"] == EvaluationStatus.OPEN:
        raise conflict("no sample is drawn yet", code="sample-not-drawn")
    if row["status"] == EvaluationStatus.CLOSED:
        raise conflict("the evaluation is closed: its findings are frozen", code="evaluation-closed")
    household = await repository.sampled(ctx.session, evaluation_id, household_id)
    if household is None:
        raise _invalid("household_id", "the household is not in the evaluation's sample", "not-in-sample")
    return household


def _audit_finding(ctx: Context, row: repository.Row, action: str) -> None:
    """A finding publishes no event (it names a household's circumstances before the close judges them),
    so its recording and each correction are audited on their own, in the change's transaction."""
    subject = f"evaluation/{row['evaluation_id']}/household/{row['household_id']}"
    entry = AuditEntry(ctx.actor.subject, action, subject, row["division"], {"version": row["version"]})
    stage(ctx.session, [entry])


def _finding_values(body: FindingIn | CorrectionIn) -> dict[str, Any]:
    return {
        "wrongly_exited": body.wrongly_exited,
        "missed": body.missed,
        "people_affected": body.people_affected,
        "satisfied": body.satisfied,
        "note": body.note,
    }


async def record_finding(ctx: Context, evaluation_id: uuid.UUID, body: FindingIn) -> FindingOut:
    household = await _for_findings(ctx, evaluation_id, body.household_id)
    _check_finding(household, body)
    added = await repository.add_finding(
        ctx.session,
        {
            "evaluation_id": evaluation_id,
            "household_id": body.household_id,
            "division": household["division"],
            "recorded_by": ctx.actor.subject,
            **_finding_values(body),
        },
    )
    if added is None:
        raise conflict(
            "the household has a finding already: correct it with PUT …/findings/{household_id}",
            code="duplicate-finding",
        )
    _audit_finding(ctx, added, "finding.recorded")
    return render_finding(ctx, added)


async def correct_finding(
    ctx: Context, evaluation_id: uuid.UUID, household_id: uuid.UUID, body: CorrectionIn
) -> FindingOut:
    household = await _for_findings(ctx, evaluation_id, household_id)
    current = await repository.get_finding(ctx.session, evaluation_id, household_id, lock=True)
    if current is None:
        raise not_found("finding")
    _check_finding(household, body)
    replaced = {key: current[key] for key in (*_finding_values(body), "recorded_by")}
    replaced["recorded_at"] = current["recorded_at"].isoformat()
    history = {
        "id": uuid.uuid4(),
        "evaluation_id": evaluation_id,
        "household_id": household_id,
        "version": current["version"],
        "replaced": replaced,
        "reason": body.reason,
        "corrected_by": ctx.actor.subject,
    }
    values = {**_finding_values(body), "recorded_by": ctx.actor.subject}
    corrected = await repository.correct_finding(ctx.session, current, values, history)
    _audit_finding(ctx, corrected, "finding.corrected")
    return render_finding(ctx, corrected)


async def finding(ctx: Context, evaluation_id: uuid.UUID, household_id: uuid.UUID) -> FindingOut:
    await _evaluation(ctx, evaluation_id)
    found = await repository.get_finding(ctx.session, evaluation_id, household_id)
    if found is None or not ctx.actor.covers(found["division"]):
        raise not_found("finding")
    return render_finding(ctx, found)


# ---- results and close ----------------------------------------------------------------------------------


def _rate_out(rate: rates.Rate) -> RateOut:
    shown = None if rate.interval is None else IntervalOut(low=rate.interval.low, high=rate.interval.high)
    return RateOut(
        code=rate.code,
        numerator=rate.numerator,
        denominator=rate.denominator,
        value=rate.value,
        interval_95=shown,
        threshold=rate.threshold.limit,
        sense=rate.threshold.sense,
        verdict=rate.verdict.value,
    )


async def _rates(ctx: Context, row: repository.Row) -> list[rates.Rate]:
    counts = rates.Counts(**await repository.counts(ctx.session, row["id"]))
    return rates.rates(row["division"], counts)


def _stratum_out(counted: repository.Row) -> StratumResultOut:
    surveyed, approving = counted["surveyed"], counted["approving"]
    interval = wilson.interval(approving, surveyed)
    return StratumResultOut(
        stratum=counted["stratum"],
        sampled=counted["sampled"],
        surveyed=surveyed,
        approving=approving,
        approval=approving / surveyed if surveyed else None,
        interval_95=None if interval is None else IntervalOut(low=interval.low, high=interval.high),
    )


async def _strata(ctx: Context, row: repository.Row) -> list[StratumResultOut]:
    """Per stratum, in the order of the `sample_stratum` code list."""
    order = [code.value for code in SampleStratum]
    counted = sorted(
        await repository.stratum_counts(ctx.session, row["id"]),
        key=lambda found: order.index(found["stratum"]),
    )
    return [_stratum_out(found) for found in counted]


def _unsurveyed(strata: list[StratumResultOut]) -> int:
    return sum(stratum.sampled - stratum.surveyed for stratum in strata)


def _results(
    row: repository.Row,
    found: list[rates.Rate],
    strata: list[StratumResultOut],
    partial_reason: str | None = None,
) -> ResultsOut:
    return ResultsOut(
        evaluation_id=row["id"],
        county=row["division"],
        west=rates.is_west(row["division"]),
        final=row["status"] == EvaluationStatus.CLOSED,
        rates=[_rate_out(rate) for rate in found],
        strata=strata,
        verdict=rates.overall(found).value,
        unsurveyed_households=_unsurveyed(strata),
        partial_reason=partial_reason,
    )


async def results(ctx: Context, evaluation_id: uuid.UUID) -> ResultsOut:
    row = await _evaluation(ctx, evaluation_id)
    if row["results"] is not None:
        frozen = access.texts_as_shown(ctx.actor, row["results"], ("partial_reason",))
        return ResultsOut.model_validate(frozen)
    return _results(row, await _rates(ctx, row), await _strata(ctx, row))


def _require_surveyed(strata: list[StratumResultOut], partial_reason: str | None) -> None:
    """409 survey-incomplete while sampled households lack a finding, unless the close says why."""
    unsurveyed = _unsurveyed(strata)
    if unsurveyed and partial_reason is None:
        raise conflict(
            f"{unsurveyed} sampled household(s) have no finding yet: record them, or close with "
            "`partial_reason` saying why the survey stays partial",
            code="survey-incomplete",
            unsurveyed_households=unsurveyed,
        )


def _task(row: repository.Row, kind: RectificationKind, division: str, summary: str,
          household_id: uuid.UUID | None) -> dict[str, Any]:  # fmt: skip
    """`row` is the closing evaluation with `closed_by` and `deadline` set."""
    return {
        "updated_by": row["closed_by"],
        "id": uuid.uuid4(),
        "evaluation_id": row["id"],
        "division": division,
        "county": row["division"],
        "kind": kind.value,
        "household_id": household_id,
        "summary": summary,
        "status": RectificationStatus.OPEN.value,
        "deadline": row["deadline"],
    }


async def _tasks(ctx: Context, row: repository.Row, found: list[rates.Rate]) -> list[dict[str, Any]]:
    """A task per failed threshold (for the county) and per household found wrongly exited or missed."""
    tasks = [
        _task(row, RATE_TASKS[rate.code], row["division"],
              f"{RATE_TASKS[rate.code].label}：{rate.value:.2%}", None)
        for rate in found
        if rate.verdict == rates.Verdict.VETO and rate.value is not None
    ]  # fmt: skip
    for flagged in await repository.flagged_findings(ctx.session, row["id"]):
        kind = (
            RectificationKind.WRONGLY_EXITED_HOUSEHOLD
            if flagged["wrongly_exited"]
            else RectificationKind.MISSED_HOUSEHOLD
        )
        # Chinese text, so a full-width colon, as the console writes it.
        summary = f"{kind.label}：{flagged['people_affected']}人"
        tasks.append(_task(row, kind, flagged["division"], summary, flagged["household_id"]))
    return tasks


async def close(ctx: Context, evaluation_id: uuid.UUID, body: CloseIn) -> CloseOut:
    access.require_province_officer(ctx.actor)
    row = await _evaluation(ctx, evaluation_id, lock=True)
    if row["status"] == EvaluationStatus.OPEN:
        raise conflict("no sample is drawn yet: there is nothing to close", code="sample-not-drawn")
    if row["status"] == EvaluationStatus.CLOSED:
        raise conflict("the evaluation is closed already", code="evaluation-closed")
    strata = await _strata(ctx, row)
    _require_surveyed(strata, body.partial_reason)
    # A reason given for a survey that turned out complete explains nothing: it is not kept.
    partial_reason = body.partial_reason if _unsurveyed(strata) else None
    found = await _rates(ctx, row)
    deadline = civil_time.china_today() + dt.timedelta(days=body.rectification_days)
    closer = {**row, "closed_by": ctx.actor.subject, "deadline": deadline}
    opened = await rectification_repository.add_all(ctx.session, await _tasks(ctx, closer, found))
    closing = {**row, "status": EvaluationStatus.CLOSED.value}
    frozen = _results(closing, found, strata, partial_reason)
    changed = await repository.change(
        ctx.session,
        evaluation_id,
        {
            "status": EvaluationStatus.CLOSED.value,
            "closed_at": civil_time.utc_now(),
            "closed_by": ctx.actor.subject,
            "results": frozen.model_dump(mode="json"),
        },
    )
    staged = [events.evaluation_closed(changed, found, frozen, len(opened), ctx.actor)]
    staged += [events.rectification_opened(task, ctx.actor) for task in opened]
    await record_changes(ctx.session, staged)
    return CloseOut(
        evaluation=render(changed), results=frozen, rectifications=[task["id"] for task in opened]
    )

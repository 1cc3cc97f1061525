"""The completion evaluation of a project (项目竣工绩效评价, domain.md §7): once the project is accepted (or
later), a county officer records, per indicator of its performance target (绩效目标), the value achieved and
whether it was met. Where a target is a number with a direction (≥ 2000元, 不低于95%) funds judges `met`
itself from the actual number and refuses a claim contradicting it. The score is the share of indicators
met out of 100, one decimal, rounded half-up (as officials round, not to even); the grade follows
`grade_of`. A correction is a new version with its reason; the versions it replaced stay readable."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from funds import events, workflow
from funds.codes import EvaluationGrade
from funds.context import Context
from funds.projects import repository
from funds.projects.schemas import CompletionEvaluationIn, EvaluatedIndicatorIn
from fupin_kit.outbox import record_changes
from fupin_kit.problems import ProblemError, conflict, unprocessable

Row = dict[str, Any]
S = workflow.Status
EVALUABLE = frozenset({S.ACCEPTED, S.REIMBURSED, S.ANNOUNCED})
TENTH = Decimal("0.1")
# The lowest score of each grade, best first.
GRADE_FLOORS: tuple[tuple[Decimal, EvaluationGrade], ...] = (
    (Decimal(90), EvaluationGrade.EXCELLENT),
    (Decimal(80), EvaluationGrade.GOOD),
    (Decimal(60), EvaluationGrade.FAIR),
)
# A target's direction as officials write it, and the comparison it asks of the actual value.
DIRECTIONS: dict[str, str] = {
    "≥": "ge",
    ">=": "ge",
    "不低于": "ge",
    "不少于": "ge",
    "≤": "le",
    "<=": "le",
    "不高于": "le",
    "不超过": "le",
    "不多于": "le",
    "不小于": "ge",
    "至少": "ge",
    "最多": "le",
    ">": "gt",
    "＞": "gt",
    "大于": "gt",
    "高于": "gt",
    "<": "lt",
    "＜": "lt",
    "小于": "lt",
    "低于": "lt",
}
# A number, its thousands grouped by a comma or a space (1,200 / 1 200) or not at all; what fits neither
# (1,2000 / 1 2) reads as several numbers, which an actual may not hold.
_THOUSANDS_SEPARATORS = ", \u00a0\u2009\u202f"
_NUMBER = rf"[-+]?(?:\d{{1,3}}(?:[{_THOUSANDS_SEPARATORS}]\d{{3}})+|\d+)(?:\.\d+)?"
# Longest first, so that ">=" is not read as ">".
_DIRECTED = re.compile(
    r"^\s*("
    + "|".join(re.escape(d) for d in sorted(DIRECTIONS, key=len, reverse=True))
    + r")\s*("
    + _NUMBER
    + ")"
)
_ANY_NUMBER = re.compile(_NUMBER)


def _number(text: str) -> Decimal:
    return Decimal(re.sub(f"[{_THOUSANDS_SEPARATORS}]", "", text))


def directed_target(target: str) -> tuple[str, Decimal] | None:
    """(comparison, number) of a target such as "≥2000元"; None for one without a direction ("20个")."""
    found = _DIRECTED.match(target)
    return None if found is None else (DIRECTIONS[found.group(1)], _number(found.group(2)))


def actual_number(actual: str) -> Decimal | None:
    """The actual value when the text holds exactly one number ("2300元", "1,200元"); None otherwise, since
    picking one of several ("2025年户均增收1800元") would judge the target on the wrong figure."""
    found = _ANY_NUMBER.findall(actual)
    return _number(found[0]) if len(found) == 1 else None


def judged(comparison: str, bound: Decimal, value: Decimal) -> bool:
    return {
        "ge": value >= bound,
        "le": value <= bound,
        "gt": value > bound,
        "lt": value < bound,
    }[comparison]


def score_of(met: int, total: int) -> Decimal:
    """met / total × 100, one decimal, half-up (1 of 16 is 6.25 → 6.3)."""
    return (Decimal(met * 100) / Decimal(total)).quantize(TENTH, rounding=ROUND_HALF_UP)


def grade_of(score: Decimal) -> EvaluationGrade:
    for floor, grade in GRADE_FLOORS:
        if score >= floor:
            return grade
    return EvaluationGrade.POOR


def _invalid(loc: list[Any], detail: str, code: str) -> ProblemError:
    """`code` written out at each call: the console's labels are checked against the literal codes."""
    return unprocessable(detail, code=code, errors=[{"loc": ["body", *loc], "msg": detail, "type": code}])


def _matched(target: list[Row], body: CompletionEvaluationIn) -> None:
    names = [item["indicator"] for item in target]
    given = [item.indicator for item in body.indicators]
    if names != given:
        raise _invalid(
            ["indicators"],
            f"give one entry per indicator of the performance target, in its order: {names}",
            code="indicators-mismatch",
        )


def _judge(index: int, target: Row, given: EvaluatedIndicatorIn) -> Row:
    """The indicator as recorded; 422 when the claim contradicts a numeric target with a direction."""
    directed = directed_target(target["target"])
    entry = {"indicator": target["indicator"], "target": target["target"], "actual": given.actual}
    if directed is None:
        return {**entry, "met": given.met, "computed": False}
    value = actual_number(given.actual)
    if value is None:
        raise _invalid(
            ["indicators", index, "actual"],
            f"the target {target['target']!r} is a number: give the actual figure alone, as one number "
            "with its unit (e.g. 2300元), without years or other figures beside it",
            code="actual-not-a-number",
        )
    met = judged(*directed, value)
    if met != given.met:
        raise _invalid(
            ["indicators", index, "met"],
            f"{given.actual!r} against the target {target['target']!r} is {'met' if met else 'not met'}",
            code="met-contradicts-target",
        )
    return {**entry, "met": met, "computed": True}


def _version(project: Row, body: CompletionEvaluationIn, held: list[Row]) -> Row:
    if held and body.reason is None:
        raise _invalid(
            ["reason"], "a correction says why it replaces the evaluation", code="correction-reason-required"
        )
    _matched(project["performance_target"], body)
    indicators = [
        _judge(index, target, given)
        for index, (target, given) in enumerate(
            zip(project["performance_target"], body.indicators, strict=True)
        )
    ]
    met = sum(1 for item in indicators if item["met"])
    score = score_of(met, len(indicators))
    return {
        "project_id": project["id"],
        "version": held[0]["version"] + 1 if held else 1,
        "indicators": indicators,
        "met": met,
        "total": len(indicators),
        "score": score,
        "grade": grade_of(score).value,
        # A reason says why a version replaced the one before it: the first replaces none.
        "reason": body.reason if held else None,
    }


async def evaluate(ctx: Context, project: Row, body: CompletionEvaluationIn) -> Row:
    """Record the evaluation of `project` (locked by the caller, within its jurisdiction; the caller's tier
    and role checked before it was looked up)."""
    if S(project["status"]) not in EVALUABLE:
        raise conflict(
            f"a project is evaluated once accepted (验收); this one is {project['status']}",
            code="project-not-accepted",
            project_status=project["status"],
        )
    held = await repository.evaluations_of(ctx.session, project["id"])
    values = _version(project, body, held)
    row = await repository.add_evaluation(ctx.session, {**values, "evaluated_by": ctx.actor.subject})
    await record_changes(ctx.session, [events.project_evaluated(project, row, ctx.actor)])
    return row

"""Rules on members' relations to the head (与户主关系). Pure Python, no I/O.

The API (households.service: create, member joins, member updates) and the 登记表 import
(imports.validation) ask the same questions here, so a file cannot bring in what the API refuses. Each
rule answers a RelationProblem (the member's field it is about, and why) or nothing; the callers place it
in their own answer (a 422's `errors` loc, an import's rejected row). Exactly one head is checked by the
callers themselves.

Relations are to the current head; birth dates are always known (they come from the resident ID).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from registry.households.enums import MemberChange, Relation

# Generation gaps between a member and the head, in years. A parent younger than this when the child
# was born is biologically implausible: such a file is a typing error in the relation or in the birth
# date (the resident ID), and is refused rather than kept. A grandparent is two generations (twice the
# gap). Sons- and daughters-in-law are left out: a spouse's age is not bounded by the head's.
PARENT_GAP_YEARS = 12
GRANDPARENT_GAP_YEARS = 2 * PARENT_GAP_YEARS

PARENTS = frozenset({Relation.FATHER, Relation.MOTHER, Relation.FATHER_IN_LAW, Relation.MOTHER_IN_LAW})
GRANDPARENTS = frozenset({Relation.GRANDFATHER, Relation.GRANDMOTHER})
CHILDREN = frozenset({Relation.SON, Relation.DAUGHTER})
GRANDCHILDREN = frozenset(
    {Relation.GRANDSON, Relation.GRANDDAUGHTER, Relation.DAUGHTERS_SON, Relation.DAUGHTERS_DAUGHTER}
)
# Who can join a household by being born into it: a child or grandchild of the head (or 'other').
BORN_INTO = CHILDREN | GRANDCHILDREN | {Relation.OTHER}

RELATION = "relation"
SECOND_SPOUSE = "the household already has a spouse (配偶); a household has at most one"
BIRTH_RELATION = (
    "a member joining by birth is a child or grandchild of the head "
    "(son, daughter, grandson, granddaughter, daughters_son, daughters_daughter) or other, not {relation}"
)


@dataclass(frozen=True)
class RelationProblem:
    """Why a member's relation cannot stand: `field` is the member's field it is about."""

    field: str
    reason: str


@dataclass(frozen=True)
class Kin:
    """A member as these rules see it: relation to the head and birth date."""

    relation: Relation
    born: dt.date


def _shifted(day: dt.date, years: int) -> dt.date:
    """`day` moved by `years` (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def spouse_problem(relation: Relation, others: Sequence[Kin]) -> RelationProblem | None:
    """A spouse beside another active spouse (`others`: the household's other active members)."""
    if relation is Relation.SPOUSE and any(other.relation is Relation.SPOUSE for other in others):
        return RelationProblem(RELATION, SECOND_SPOUSE)
    return None


def birth_join_problem(change: MemberChange, relation: Relation) -> RelationProblem | None:
    """A newborn (a `birth` join) with a relation nobody is born into: spouse, parent, in-law, sibling…"""
    if change is MemberChange.BIRTH and relation not in BORN_INTO:
        return RelationProblem(RELATION, BIRTH_RELATION.format(relation=relation.value))
    return None


def generation_problem(
    relation: Relation, born: dt.date, head_born: dt.date | None
) -> RelationProblem | None:
    """A parent or grandparent not born enough years before the head, a child or grandchild not enough
    years after (`head_born`: None when the household has no head to compare with)."""
    if head_born is None:
        return None
    if relation in PARENTS or relation in GRANDPARENTS:
        gap = PARENT_GAP_YEARS if relation in PARENTS else GRANDPARENT_GAP_YEARS
        if born > _shifted(head_born, -gap):
            return RelationProblem(
                RELATION,
                f"a {relation.value} is born at least {gap} years before the head "
                f"(born {born.isoformat()}, the head {head_born.isoformat()}): "
                "check the relation or the birth date",
            )
    elif relation in CHILDREN or relation in GRANDCHILDREN:
        gap = PARENT_GAP_YEARS if relation in CHILDREN else GRANDPARENT_GAP_YEARS
        if born < _shifted(head_born, gap):
            return RelationProblem(
                RELATION,
                f"a {relation.value} is born at least {gap} years after the head "
                f"(born {born.isoformat()}, the head {head_born.isoformat()}): "
                "check the relation or the birth date",
            )
    return None


def head_born(members: Sequence[Kin]) -> dt.date | None:
    """The head's birth date, when `members` has exactly one head."""
    heads = [member.born for member in members if member.relation is Relation.HEAD]
    return heads[0] if len(heads) == 1 else None


def joining_problems(
    member: Kin, others: Sequence[Kin], change: MemberChange | None = None
) -> list[RelationProblem]:
    """What is wrong with `member` taking its relation beside `others` (the household's other active
    members, the head among them), joining by `change` when it joins."""
    found = [
        spouse_problem(member.relation, others),
        None if change is None else birth_join_problem(change, member.relation),
        generation_problem(member.relation, member.born, head_born(others)),
    ]
    return [problem for problem in found if problem is not None]


def household_problems(members: Sequence[Kin]) -> list[tuple[int, RelationProblem]]:
    """A new household's members (a create, an imported household), by position: a spouse after the
    first, and every member whose generation does not fit the head's birth date (when there is one head)."""
    born = head_born(members)
    problems: list[tuple[int, RelationProblem]] = []
    for position, member in enumerate(members):
        for problem in (
            spouse_problem(member.relation, members[:position]),
            generation_problem(member.relation, member.born, born),
        ):
            if problem is not None:
                problems.append((position, problem))
    return problems

"""GET /divisions: the tree as the caller's jurisdiction shows it.

Scoping: a node is readable when it lies in the caller's subtree; anything else is a 404 (absent and
forbidden look the same). Ancestors are visible only as the chain returned by /{code}/ancestors for a
node inside the subtree: a village cadre sees the names and codes above its village, but cannot open the
township node itself, list its children (the sibling villages) or search outside its village.

The public notice board reads the whole tree without a token through /divisions/public/… (public.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from fupin_kit import openapi_scope as scope
from fupin_kit.auth.dependencies import CurrentActor
from fupin_kit.db import DbSession
from fupin_kit.problems import not_found, unprocessable
from registry import patterns
from registry.divisions import public, repository
from registry.divisions.schemas import DivisionCode, DivisionList, DivisionNode, DivisionPage, DivisionSummary

router = APIRouter(prefix="/divisions", tags=["divisions"])
# First, so that /divisions/public/… is never taken for a division code by the routes below.
router.include_router(public.router)
CODE_PATTERN = patterns.DIVISION_CODE


@router.get("/search", openapi_extra=scope.caller())
async def search_divisions(
    actor: CurrentActor,
    session: DbSession,
    q: Annotated[str, Query(min_length=1, max_length=50)],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> DivisionList:
    name = q.strip()  # " 榕江 " pasted from a document is 榕江
    if not name:
        raise unprocessable("q holds no name to search for")
    lo, hi = actor.subtree
    # One more than asked tells whether the answer is the whole of what matches.
    rows = await repository.search(session, name, lo, hi, limit + 1)
    return DivisionList(
        items=[DivisionSummary.from_row(row) for row in rows[:limit]], truncated=len(rows) > limit
    )


@router.get("/{code}", openapi_extra=scope.by_division("code", "path"))
async def read_division(code: DivisionCode, actor: CurrentActor, session: DbSession) -> DivisionNode:
    lo, hi = actor.subtree
    row = await repository.get_node(session, code, lo, hi)
    if row is None:
        raise not_found("division")
    return DivisionNode.from_node_row(row)


@router.get("/{code}/children", openapi_extra=scope.by_division("code", "path", "township"))
async def list_children(
    code: DivisionCode,
    actor: CurrentActor,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[str | None, Query(pattern=CODE_PATTERN)] = None,
) -> DivisionPage:
    lo, hi = actor.subtree
    if not await repository.visible(session, code, lo, hi):
        raise not_found("division")
    rows = await repository.children(session, code, lo, hi, after, limit)
    more = len(rows) > limit
    page = rows[:limit]
    return DivisionPage(
        items=[DivisionSummary.from_row(row) for row in page],
        next_after=page[-1]["code"] if more else None,
    )


@router.get("/{code}/ancestors", openapi_extra=scope.by_division("code", "path"))
async def list_ancestors(code: DivisionCode, actor: CurrentActor, session: DbSession) -> DivisionList:
    lo, hi = actor.subtree
    chain = await repository.ancestors(session, code, lo, hi)
    if chain is None:
        raise not_found("division")
    return DivisionList(items=[DivisionSummary.from_row(row) for row in chain])

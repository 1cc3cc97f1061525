"""GET /divisions/public/…: the division tree without a token, for the public notice board.

A villager does not know the 12-digit code of their village: the board lets them walk the tree from the
nation down (node, children) or search a name, each hit carrying its ancestors' names so that two 东门村
of two townships can be told apart. Division names and codes are public statistical data (the NBS
publishes them), so these reads cover the whole tree whoever asks; they depend on no caller, token or
jurisdiction. The authenticated routes of router.py stay scoped to the caller's subtree. Anonymous calls
are rate limited per client IP at the gateway, like every anonymous request.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from fupin_kit import divisions as codes
from fupin_kit import openapi_scope as scope
from fupin_kit.db import DbSession
from fupin_kit.problems import not_found, unprocessable
from registry import patterns
from registry.divisions import repository
from registry.divisions.schemas import (
    DivisionCode,
    DivisionHit,
    DivisionHits,
    DivisionName,
    DivisionNode,
    DivisionPage,
    DivisionSummary,
    PublicDivisionNode,
)

router = APIRouter(prefix="/public", tags=["public divisions"])
# The tree changes only when a new edition of the data is loaded (yearly), and these answers depend on no
# caller: a browser or a proxy may keep them for an hour, so a villager's walk down the tree and the next
# villager's read the same lists without the registry. Set here because the gateway marks every /api/
# answer no-store unless its service chose otherwise; a refusal (404, 422) is not cached.
CACHE_CONTROL = "public, max-age=3600"
WHOLE_TREE = codes.subtree_range(codes.NATION)
LevelName = Literal["province", "city", "county", "township", "village"]
# Deeper than any real chain (province → village is four hops): a guard against a cycle in the data.
MAX_HOPS = 6


@router.get(
    "/search",
    openapi_extra=scope.public(),
    responses={404: {"description": "`within` names no division"}},
)
async def search(
    session: DbSession,
    response: Response,
    q: Annotated[str, Query(min_length=1, max_length=50, description="part of a name")],
    within: Annotated[
        str | None, Query(pattern=patterns.DIVISION_CODE, description="only this division's subtree")
    ] = None,
    level: Annotated[LevelName | None, Query(description="only divisions of this level")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> DivisionHits:
    """Divisions whose name contains `q`, higher levels first, then by code; each with its ancestors."""
    name = q.strip()  # " 东门村 " pasted from a document is 东门村
    if not name:
        raise unprocessable("q holds no name to search for")
    if len(name) < repository.TRIGRAM and within in (None, codes.NATION):
        # Across the whole tree such a name is read from every row (a fifth of a second), which anonymous
        # callers could repeat at the gateway's rate; inside a province it is read from that range only.
        raise unprocessable(
            f"a name of fewer than {repository.TRIGRAM} characters is searched within a division: "
            "give `within` (a province, say)"
        )
    lo, hi = await _search_range(session, within)
    level_number = None if level is None else int(codes.TIER_LEVELS[level])
    # One more than asked tells whether the answer is the whole of what matches.
    rows = await repository.search(session, name, lo, hi, limit + 1, level_number)
    hits = rows[:limit]
    above = await repository.lineage(session, [row["parent_code"] for row in hits if row["parent_code"]])
    response.headers["Cache-Control"] = CACHE_CONTROL
    return DivisionHits(items=[_hit(row, above) for row in hits], truncated=len(rows) > limit)


@router.get("/{code}", openapi_extra=scope.public())
async def read(code: DivisionCode, session: DbSession, response: Response) -> PublicDivisionNode:
    """One division (the nation, 000000000000, is the root) with its ancestors, root → parent."""
    lo, hi = WHOLE_TREE
    row = await repository.get_node(session, code, lo, hi)
    chain = await repository.ancestors(session, code, lo, hi)
    if row is None or chain is None:
        raise not_found("division")
    node = DivisionNode.from_node_row(row).model_dump()
    response.headers["Cache-Control"] = CACHE_CONTROL
    return PublicDivisionNode(**node, ancestors=[DivisionName.from_row(item) for item in chain])


@router.get("/{code}/children", openapi_extra=scope.public())
async def children(
    code: DivisionCode,
    session: DbSession,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after: Annotated[str | None, Query(pattern=patterns.DIVISION_CODE)] = None,
) -> DivisionPage:
    """One page of a division's children by code; pass `next_after` as `after` for the next."""
    lo, hi = WHOLE_TREE
    if not await repository.visible(session, code, lo, hi):
        raise not_found("division")
    rows = await repository.children(session, code, lo, hi, after, limit)
    page = rows[:limit]
    response.headers["Cache-Control"] = CACHE_CONTROL
    return DivisionPage(
        items=[DivisionSummary.from_row(row) for row in page],
        next_after=page[-1]["code"] if len(rows) > limit else None,
    )


async def _search_range(session: DbSession, within: str | None) -> tuple[str, str]:
    if within is None:
        return WHOLE_TREE
    if not await repository.visible(session, within, *WHOLE_TREE):
        raise not_found("division")
    return codes.subtree_range(within)


def _hit(row: dict[str, Any], above: dict[str, dict[str, Any]]) -> DivisionHit:
    chain: list[DivisionName] = []
    parent = row["parent_code"]
    while parent in above and len(chain) < MAX_HOPS:
        chain.append(DivisionName.from_row(above[parent]))
        parent = above[parent]["parent_code"]
    return DivisionHit(**DivisionSummary.from_row(row).model_dump(), ancestors=chain[::-1])

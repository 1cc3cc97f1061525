"""Keyset cursors of the lists ordered by (division, id) — assistance's, funds' and evaluation's: base64url of
"<division>:<id>", the division and id of a page's last row, passed back as `after`. Each such list's index
serves (division, id) within a jurisdiction's range; the next page's cursor travels in the `Next-Cursor`
header, as identification's lists carry theirs, since the lists answer a bare JSON array. (Identification's
own lists page by time and id: identification.keyset.)"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from starlette.responses import Response

from fupin_kit import divisions
from fupin_kit.problems import unprocessable

T = TypeVar("T")
Position = tuple[str, uuid.UUID]
NEXT_CURSOR = "Next-Cursor"
AFTER = "the `Next-Cursor` of the page before (none for the first page)"
# For the OpenAPI document: what a list's 200 answer carries besides its body.
NEXT_CURSOR_HEADER: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            NEXT_CURSOR: {
                "description": "the cursor of the next page, to pass as `after`; absent on the last page",
                "schema": {"type": "string"},
            }
        }
    }
}


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode(position: Position) -> str:
    division, row_id = position
    return base64.urlsafe_b64encode(f"{division}:{row_id}".encode()).decode().rstrip("=")


def decode(cursor: str | None) -> Position | None:
    """The position a cursor names; 422 for anything that is not one of ours."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        division, row_id = raw.split(":", 1)
        return divisions.validate(division), uuid.UUID(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise unprocessable("the cursor is not valid") from None


def page(
    rows: Sequence[dict[str, Any]], limit: int, render: Callable[[dict[str, Any]], T], id_column: str
) -> Page[T]:
    """A page of `limit` rows out of the `limit + 1` a repository read: the extra one says there is more."""
    items = list(rows[:limit])
    more = len(rows) > limit and bool(items)
    cursor = encode((items[-1]["division"], items[-1][id_column])) if more else None
    return Page([render(row) for row in items], cursor)


def answer(response: Response, result: Page[T]) -> list[T]:
    """The page's items as the body, its next cursor (if any) as a header."""
    if result.next_cursor is not None:
        response.headers[NEXT_CURSOR] = result.next_cursor
    return result.items

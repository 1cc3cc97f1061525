"""Keyset cursors of the service's lists: base64url of "<key>:<id>", the key and id of a page's last row,
passed back as `after`. The cases list's key is the division (cases.service); the notices, objections and
batches lists are ordered by a time and then the id, and their next page's cursor travels in the
`Next-Cursor` header because they answer a bare JSON array, which keeps its shape for the clients that
read it."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from starlette.responses import Response

from fupin_kit.problems import unprocessable

T = TypeVar("T")
Position = tuple[dt.datetime, uuid.UUID]
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


def pack(key: str, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{key}:{row_id}".encode()).decode().rstrip("=")


def unpack(cursor: str, parse_key: Callable[[str], T]) -> tuple[T, uuid.UUID]:
    """The key (as `parse_key` reads it) and id a cursor names; 422 for anything that is not one of ours
    (`parse_key` raises ValueError for a key it does not take)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        key, row_id = raw.rsplit(":", 1)  # an id has no colon; a time has several
        return parse_key(key), uuid.UUID(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise unprocessable("the cursor is not valid") from None


def encode(position: Position) -> str:
    moment, row_id = position
    return pack(moment.isoformat(), row_id)


def _aware(moment: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(moment)
    if parsed.tzinfo is None:  # compared with a timestamptz: a time without its zone means nothing
        raise ValueError(moment)
    return parsed


def decode(cursor: str | None) -> Position | None:
    """The position a cursor names; 422 for anything that is not one of ours."""
    return None if cursor is None else unpack(cursor, _aware)


def page(rows: Sequence[dict[str, Any]], limit: int, time_column: str) -> Page[dict[str, Any]]:
    """A page of `limit` rows out of the `limit + 1` a repository read: the extra one says there is more."""
    items = list(rows[:limit])
    more = len(rows) > limit and bool(items)
    cursor = encode((items[-1][time_column], items[-1]["id"])) if more else None
    return Page(items, cursor)


def convert(rows: Page[dict[str, Any]], render: Callable[[dict[str, Any]], T]) -> Page[T]:
    return Page([render(row) for row in rows.items], rows.next_cursor)


def answer(response: Response, result: Page[T]) -> list[T]:
    """The page's items as the body, its next cursor (if any) as a header."""
    if result.next_cursor is not None:
        response.headers[NEXT_CURSOR] = result.next_cursor
    return result.items

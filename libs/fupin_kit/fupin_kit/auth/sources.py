"""Reading a JSON document that the gateway publishes (the JWK set, the revoked subjects) from wherever a
process is told to find it: an http(s) URL, or a file (the keys directory shared by local processes)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

# What a failed read raises; a caller keeps what it last loaded when it sees one of these.
FETCH_ERRORS: tuple[type[Exception], ...] = (OSError, httpx.HTTPError, httpx.InvalidURL, ValueError)
DEFAULT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Fetched:
    # None: the URL answered 304, the document is unchanged since the ETag that was sent.
    document: dict[str, Any] | None
    etag: str | None = None


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


async def fetch_json(
    source: str, *, client: httpx.AsyncClient | None = None, etag: str | None = None
) -> Fetched:
    """The JSON object at `source`. Raises one of FETCH_ERRORS on any failure (unreachable, non-2xx,
    not JSON, not an object), never answers with a partial document."""
    if not is_url(source):
        text = await asyncio.to_thread(Path(source).read_text, encoding="utf-8")
        return Fetched(_object(json.loads(text)))
    headers = {"If-None-Match": etag} if etag else {}
    if client is None:
        async with httpx.AsyncClient(timeout=DEFAULT_TIMEOUT_S) as own:
            response = await own.get(source, headers=headers)
    else:
        response = await client.get(source, headers=headers)
    if response.status_code == 304 and etag:
        return Fetched(None, etag)
    response.raise_for_status()
    return Fetched(_object(response.json()), response.headers.get("etag"))


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError("the document is not a JSON object")
    return data

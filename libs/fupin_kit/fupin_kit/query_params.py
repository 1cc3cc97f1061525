"""A query parameter named twice is refused: no route of the platform takes a list in its query, and
FastAPI would silently keep the last value, so `?division=A&division=B` was answered for B while a log,
a cache or a proxy reading the first value saw a request for A."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from fupin_kit.problems import problem_response, unprocessable


def repeated_names(query: bytes) -> list[str]:
    """The parameter names that occur more than once in a raw query string, in order of first repeat."""
    seen: set[str] = set()
    repeated: list[str] = []
    for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    return repeated


class RepeatedQueryMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query: bytes = scope.get("query_string", b"") if scope["type"] == "http" else b""
        repeated = repeated_names(query) if b"&" in query else []
        if not repeated:
            await self.app(scope, receive, send)
            return
        problem = unprocessable(
            f"query parameter named more than once: {', '.join(repeated)}",
            errors=[
                {"loc": ["query", name], "msg": "named more than once", "type": "value_error"}
                for name in repeated
            ],
        )
        await problem_response(problem, Request(scope))(scope, receive, send)

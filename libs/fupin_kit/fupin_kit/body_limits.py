"""Request-body limits: a default for every route (KitSettings.max_body_bytes) and the larger ones a few
routes declare with FastAPI's `max_body_size`, and the 413 answered as a problem document.

FastAPI's limiter answers 413 in plain text ("Content Too Large") from below the exception handlers, so
the answer is rewritten on its way out rather than by a handler.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fupin_kit.problems import PROBLEM_MEDIA_TYPE, too_large

# A registry import: a county's 登记表 (~300,000 households) as CSV is ~100 MB.
UPLOAD_MAX_BYTES = 512 * 1024 * 1024
# A department's pushed list or a batch decision's findings (tens of thousands of entries).
LIST_MAX_BYTES = 64 * 1024 * 1024

PLAIN_TEXT = b"text/plain"


class TooLargeAsProblem:
    """Rewrite the body limiter's plain-text 413 into application/problem+json."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rewriting = False

        async def send_problem(message: Message) -> None:
            nonlocal rewriting
            if message["type"] == "http.response.start" and message["status"] == 413:
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                rewriting = content_type.startswith(PLAIN_TEXT)
            if not rewriting:
                await send(message)
                return
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                limit = scope.get("starlette.max_body_size")
                body = orjson.dumps(too_large(limit).document(scope.get("path")))
                headers = [
                    (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ]
                await send({"type": "http.response.start", "status": 413, "headers": headers})
                await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, send_problem)

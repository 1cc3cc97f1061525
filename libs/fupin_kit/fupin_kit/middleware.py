"""Pure ASGI middleware (no BaseHTTPMiddleware, which buffers and breaks streaming)."""

from __future__ import annotations

import os
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fupin_kit.request_context import REQUEST_ID as CURRENT_REQUEST_ID

REQUEST_ID_HEADER = b"x-request-id"
# What a caller's request id may be (UUIDs, ULIDs, trace-style ids): it is echoed in a header, written to
# the audit and to logs, so anything else (spaces, markup, control characters) is replaced by our own.
REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
# In the request's state when the request id was minted here rather than sent by the caller: nothing the
# caller typed, so nothing in it to mask (gateway access audit).
MINTED_STATE = "request_id_minted"


class RequestIdMiddleware:
    """Echo the caller's X-Request-ID (or mint one) so a request can be followed across processes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = next((value for key, value in scope["headers"] if key == REQUEST_ID_HEADER), None)
        if request_id is None or not REQUEST_ID.fullmatch(request_id):
            # 128 random bits as 32 hex digits, the form uuid4().hex had, for a sixth of its cost (the
            # gateway mints one for every outside request).
            request_id = os.urandom(16).hex().encode()
            scope.setdefault("state", {})[MINTED_STATE] = True
        scope.setdefault("state", {})["request_id"] = request_id.decode("latin-1")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER, request_id))
                message["headers"] = headers
            await send(message)

        token = CURRENT_REQUEST_ID.set(scope["state"]["request_id"])
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            CURRENT_REQUEST_ID.reset(token)

"""HEAD answered for every GET route (RFC 9110 §9.3.2: a server that supports GET supports HEAD): the
request runs as a GET and the answer goes out with the GET's status and headers (Content-Length and
Content-Type included) but no body.

FastAPI's GET routes do not answer HEAD (405), and declaring HEAD beside every GET would double the OpenAPI
documents' operations; the documents list GET only, as is usual, and HEAD follows from it. Pure ASGI: a
request that is not HEAD costs one comparison.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Set in the scope the app sees when the request is a HEAD run as a GET: a route whose body is expensive to
# make (a county's archive) answers with the GET's headers and makes none of it (`is_head`).
HEAD_SCOPE_KEY = "fupin.head"


def is_head(scope: Scope) -> bool:
    return bool(scope.get(HEAD_SCOPE_KEY))


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        # The server's scope keeps HEAD (so it writes no body either); the app sees a GET.
        as_get = dict(scope)
        as_get["method"] = "GET"
        as_get[HEAD_SCOPE_KEY] = True

        async def send_head(message: Message) -> None:
            if message["type"] != "http.response.body":
                await send(message)
            elif not message.get("more_body", False):
                # One empty, final body message however many pieces the GET sent.
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app(as_get, receive, send_head)

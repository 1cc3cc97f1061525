"""The gateway's own trailing-slash redirects (`/admin/users/` → `/admin/users`, `/console` → `/console/`),
with a relative Location.

Starlette's router builds the Location from the request's Host header: `Host: evil.example` got
`location: http://evil.example/admin/users`, a redirect to any host the request names (and, behind a
caching proxy, one that other callers may be served). A path-only Location keeps the client on the host it
reached. The proxied services' redirects are made relative by the proxy (proxy._public_location).
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import RedirectResponse
from starlette.routing import Match, Router
from starlette.types import Receive, Scope, Send


def install(app: FastAPI) -> None:
    """Replace the router's redirect by the same search, answered relatively. It runs where Starlette's
    did, only once no route matched: nothing is added for a request that finds its route."""
    router = app.router
    fallback = router.default
    router.redirect_slashes = False

    async def default(scope: Scope, receive: Receive, send: Send) -> None:
        location = _slash_twin(router, scope) if scope["type"] == "http" else None
        if location is None:
            await fallback(scope, receive, send)
            return
        await RedirectResponse(location, status_code=307)(scope, receive, send)

    router.default = default


def _slash_twin(router: Router, scope: Scope) -> str | None:
    """The request's path with its trailing slash removed (or one added) if a route answers that, as a
    relative reference with the query; None when none does."""
    path: str = scope["path"]
    if path == "/":
        return None
    # The gateway is served at the root (no root_path): its routes match the path itself.
    twin = dict(scope)
    twin["path"] = path.rstrip("/") if path.endswith("/") else path + "/"
    if not any(route.matches(twin)[0] is not Match.NONE for route in router.routes):
        return None
    path = twin["path"]
    if not path.startswith("/") or path.startswith("//"):
        # `//host/...` would be another host's address (a protocol-relative reference).
        return None
    query: bytes = scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path

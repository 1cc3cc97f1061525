"""The web console: static files (ES modules, no build step) at /console/, and / redirecting there.

Everything the console needs is served from here, nothing from a CDN; it talks only to the gateway's own
API (`/oauth/token`, `/whoami`, `/feeds/...`, `/api/v1/<service>/...`) with the signed-in cadre's token.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from fupin_kit import openapi_scope as scope

STATIC_DIR = Path(__file__).parent / "static"
PREFIX = "/console"
# Same-origin only: no inline script, no third-party origin; blob: for the household card PDF.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; object-src 'none'; frame-src blob:; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(tags=["console"])


class ConsoleFiles(StaticFiles):
    """StaticFiles with the console's security headers, revalidated on every load (no stale app)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        response.headers.setdefault("Cache-Control", "no-cache")
        return response


@router.get(
    "/",
    summary="The web console for cadres (redirects to /console/)",
    response_class=RedirectResponse,
    status_code=307,
    openapi_extra=scope.public(),
)
async def console_root() -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/", status_code=307)


def install(app: FastAPI) -> None:
    """Add the redirect and mount the static console on the gateway app."""
    app.include_router(router)
    app.mount(PREFIX, ConsoleFiles(directory=STATIC_DIR, html=True), name="console")

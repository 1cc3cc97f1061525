"""The public API's one document and docs page: GET /openapi.json is the gateway's own OpenAPI merged
with every service's (openapi_merge.py), GET /docs lists its operations grouped by service.

The services' documents are fetched concurrently and the merge is cached for CACHE_TTL_S (a shorter
while when a service did not answer, so it reappears soon): a docs page must not cost six requests per
view. A service that is down never fails the document: it is named as missing. The page is plain HTML
rendered here, with no script and nothing from a CDN (no package in the environment ships Swagger UI or
ReDoc's files), under a Content-Security-Policy that allows nothing else to load.

FastAPI's own /openapi.json, /docs and /redoc routes are replaced (their pages load Swagger UI and ReDoc
from a CDN); `app.openapi()` still gives the gateway's own document, which the security tests walk.
"""

from __future__ import annotations

import asyncio
import html
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from fupin_gateway.openapi_merge import MISSING_KEY, merge

CACHE_TTL_S = 30.0
INCOMPLETE_TTL_S = 3.0
FETCH_TIMEOUT_S = 3.0
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
REPLACED_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
PAGE_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

router = APIRouter(include_in_schema=False)


@dataclass
class MergedCache:
    document: dict[str, Any] | None = None
    expires_at: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


async def _fetch(client: httpx.AsyncClient, service: str, base: str) -> tuple[str, dict[str, Any] | str]:
    try:
        response = await client.get(f"{base}/openapi.json", timeout=FETCH_TIMEOUT_S)
    except httpx.HTTPError as exc:
        return service, f"unreachable ({type(exc).__name__})"
    if response.status_code != 200:
        return service, f"answered {response.status_code}"
    try:
        document = response.json()
    except ValueError:
        return service, "answered no JSON"
    return (service, document) if isinstance(document, dict) else (service, "answered no OpenAPI document")


async def merged_document(app: FastAPI) -> dict[str, Any]:
    cache: MergedCache = app.state.merged_openapi
    if cache.document is not None and time.monotonic() < cache.expires_at:
        return cache.document
    async with cache.lock:  # one refresh at a time; the others get its result
        if cache.document is not None and time.monotonic() < cache.expires_at:
            return cache.document
        upstreams: dict[str, str] = app.state.settings.upstreams
        results = await asyncio.gather(
            *(_fetch(app.state.http, service, base) for service, base in upstreams.items())
        )
        found = {service: doc for service, doc in results if isinstance(doc, dict)}
        missing = {service: why for service, why in results if isinstance(why, str)}
        cache.document = merge(app.openapi(), found, missing)
        cache.expires_at = time.monotonic() + (INCOMPLETE_TTL_S if missing else CACHE_TTL_S)
        return cache.document


@router.get("/openapi.json")
async def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(await merged_document(request.app))


@router.get("/docs")
async def docs_page(request: Request) -> HTMLResponse:
    return HTMLResponse(
        render_page(await merged_document(request.app)), headers={"Content-Security-Policy": PAGE_CSP}
    )


def _section(path: str, services: list[str]) -> str:
    for service in services:
        if path.startswith(f"/api/v1/{service}/"):
            return service
    return "gateway"


def render_page(document: dict[str, Any]) -> str:
    services = sorted(
        {path.split("/")[3] for path in document.get("paths", {}) if path.startswith("/api/v1/")}
    )
    groups: dict[str, list[str]] = {}
    for path, item in sorted(document.get("paths", {}).items()):
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            row = (
                f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(str(operation.get('summary', '')))}</td></tr>"
            )
            groups.setdefault(_section(path, services), []).append(row)
    info = document.get("info", {})
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(str(info.get('title', 'API')))} — operations</title></head><body>",
        f"<h1>{html.escape(str(info.get('title', 'API')))}</h1>",
        f"<p>{html.escape(str(info.get('description', '')))}</p>",
        "<p>The whole document: <a href='/openapi.json'>/openapi.json</a> (OpenAPI 3).</p>",
    ]
    missing = document.get(MISSING_KEY) or []
    if missing:
        parts.append(f"<p><strong>Unavailable now:</strong> {html.escape(', '.join(missing))}</p>")
    for section in ["gateway", *services]:
        rows = groups.get(section, [])
        parts.append(f"<h2 id='{section}'>{section} ({len(rows)})</h2>")
        parts.append(
            "<table><tr><th>method</th><th>path</th><th>summary</th></tr>" + "".join(rows) + "</table>"
        )
    parts.append("</body></html>")
    return "".join(parts)


def install(app: FastAPI) -> None:
    """Replace FastAPI's document and CDN-backed doc pages with the merged document and this page."""
    app.router.routes = [
        route for route in app.router.routes if getattr(route, "path", None) not in REPLACED_PATHS
    ]
    app.state.merged_openapi = MergedCache()
    app.include_router(router)

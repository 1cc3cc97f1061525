"""The gateway process."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI
from starlette.middleware import Middleware

from fupin_gateway import docs, jwks, proxy, revoked_subjects, slash_redirects
from fupin_gateway.access_lifecycle import ROUTERS, install_access_middleware, start_access, stop_access
from fupin_gateway.admin import idempotent
from fupin_gateway.config import GatewaySettings
from fupin_gateway.console import router as console
from fupin_gateway.feeds import Feeds
from fupin_gateway.models import idempotency_keys
from fupin_gateway.readiness import upstream_readiness
from fupin_gateway.security_headers import SecurityHeadersMiddleware
from fupin_gateway.upstream import UpstreamClient
from fupin_kit.auth.keys import KeyStore, keep_retired_s
from fupin_kit.head_requests import HeadAsGet
from fupin_kit.pii import load_key
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.telemetry import instrument_httpx_client


def _on_startup(settings: GatewaySettings) -> Callable[[FastAPI], Awaitable[None]]:
    async def start(app: FastAPI) -> None:
        assert settings.keys_dir is not None
        store = KeyStore(settings.keys_dir, keep_retired_s(settings.token_lifetime_s, settings.jwt_leeway_s))
        store.ensure()
        app.state.key_store = store
        app.state.idempotency_sealer = idempotent.Sealer(
            idempotent.pepper_from(load_key(settings.pii_key or None, settings.keys_dir))
        )
        # The proxy's client (aiohttp, see upstream.py); httpx for the readiness probes, off the hot path.
        app.state.upstream = UpstreamClient(settings.upstream_timeout_s)
        app.state.http = httpx.AsyncClient(timeout=httpx.Timeout(settings.upstream_timeout_s, connect=3.0))
        instrument_httpx_client(app.state.http)
        app.state.extra_readiness = upstream_readiness

    return start


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings(service="gateway")
    feeds = Feeds(settings)  # validates deploy/feed-policy.yaml now: a bad policy stops the start
    spec = ServiceSpec(
        name="gateway",
        title="Fupin API",
        description="The public API of Fupin, a platform for targeted poverty alleviation (精准扶贫).",
        routers=[jwks.router, revoked_subjects.router, feeds.router, *ROUTERS],
        consumers=[feeds.consumer],
        on_startup=[_on_startup(settings), feeds.start, start_access],
        on_shutdown=[_close_http, feeds.stop, stop_access],
        # Its access guard checks the blocklist itself; services poll what revoked_subjects publishes.
        poll_revoked_subjects=False,
        idempotency_keys=idempotency_keys,
        head_as_get=False,
        edge=True,
    )
    app = create_service_app(spec, settings)
    install_access_middleware(app)
    # Appended after the access guard: innermost, so a proxied call has passed every middleware above.
    app.user_middleware.append(Middleware(proxy.ProxyMiddleware))
    # Inside the proxy: a proxied HEAD goes on as HEAD (the service answers it without a body); the
    # gateway's own GET routes answer HEAD as GET, and the access audit records the HEAD.
    app.user_middleware.append(Middleware(HeadAsGet))
    # Prepended: outermost of the user middleware, so every answer gets them, the guard's 401/429 too.
    app.add_middleware(SecurityHeadersMiddleware)
    console.install(app)
    docs.install(app)
    slash_redirects.install(app)
    return app


async def _close_http(app: FastAPI) -> None:
    upstream: UpstreamClient | None = getattr(app.state, "upstream", None)
    if upstream is not None:
        await upstream.close()
    http: httpx.AsyncClient | None = getattr(app.state, "http", None)
    if http is not None:
        await http.aclose()

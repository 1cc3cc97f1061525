"""The gateway process."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI

from fupin_gateway import jwks, proxy
from fupin_gateway.access_lifecycle import ROUTERS, install_access_middleware, start_access, stop_access
from fupin_gateway.config import GatewaySettings
from fupin_gateway.console import router as console
from fupin_gateway.feeds import Feeds
from fupin_gateway.readiness import upstream_readiness
from fupin_kit.auth.keys import KeyStore
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.telemetry import instrument_httpx_client

# Upstream connections in all, split between the proxy's pools (GatewaySettings.proxy_pools).
MAX_CONNECTIONS = 200
MAX_KEEPALIVE = 50


def _on_startup(settings: GatewaySettings) -> Callable[[FastAPI], Awaitable[None]]:
    async def start(app: FastAPI) -> None:
        assert settings.keys_dir is not None
        store = KeyStore(settings.keys_dir)
        store.ensure()
        app.state.key_store = store
        pools = settings.proxy_pools
        clients = [
            httpx.AsyncClient(
                timeout=httpx.Timeout(settings.upstream_timeout_s, connect=3.0),
                limits=httpx.Limits(
                    max_connections=max(1, MAX_CONNECTIONS // pools),
                    max_keepalive_connections=max(1, MAX_KEEPALIVE // pools),
                ),
                follow_redirects=False,
            )
            for _ in range(pools)
        ]
        for client in clients:
            instrument_httpx_client(client)
        app.state.http = clients[0]
        app.state.http_clients = clients
        app.state.http_next = itertools.cycle(clients).__next__
        app.state.extra_readiness = upstream_readiness

    return start


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings(service="gateway")
    feeds = Feeds(settings)  # validates deploy/feed-policy.yaml now: a bad policy stops the start
    spec = ServiceSpec(
        name="gateway",
        title="Fupin API",
        description="The public API of Fupin, a platform for targeted poverty alleviation (精准扶贫).",
        routers=[jwks.router, proxy.router, feeds.router, *ROUTERS],
        consumers=[feeds.consumer],
        on_startup=[_on_startup(settings), feeds.start, start_access],
        on_shutdown=[_close_http, feeds.stop, stop_access],
    )
    app = create_service_app(spec, settings)
    install_access_middleware(app)
    console.install(app)
    return app


async def _close_http(app: FastAPI) -> None:
    for client in getattr(app.state, "http_clients", []):
        await client.aclose()

"""The gateway process."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fupin_kit.auth.keys import KeyStore
from fupin_kit.service_app import ServiceSpec, create_service_app
from fupin_kit.telemetry import instrument_httpx_client

from gateway import jwks, proxy
from gateway.config import GatewaySettings
from gateway.readiness import upstream_readiness


def _on_startup(settings: GatewaySettings) -> object:
    async def start(app: FastAPI) -> None:
        assert settings.keys_dir is not None
        store = KeyStore(settings.keys_dir)
        store.ensure()
        app.state.key_store = store
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.upstream_timeout_s, connect=3.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            follow_redirects=False,
        )
        instrument_httpx_client(client)
        app.state.http = client
        app.state.extra_readiness = upstream_readiness

    return start


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings(service="gateway")
    spec = ServiceSpec(
        name="gateway",
        title="Fupin API",
        description="The public API of Fupin, a platform for targeted poverty alleviation (精准扶贫).",
        routers=[jwks.router, proxy.router],
        on_startup=[_on_startup(settings)],
        on_shutdown=[_close_http],
    )
    return create_service_app(spec, settings)


async def _close_http(app: FastAPI) -> None:
    client = getattr(app.state, "http", None)
    if client is not None:
        await client.aclose()

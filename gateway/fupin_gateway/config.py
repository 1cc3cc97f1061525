"""Gateway settings: where each service listens."""

from __future__ import annotations

from pydantic import Field

from fupin_kit.settings import DEFAULT_PORTS, SERVICE_NAMES, KitSettings


def default_upstreams() -> dict[str, str]:
    return {name: f"http://127.0.0.1:{DEFAULT_PORTS[name]}" for name in SERVICE_NAMES}


class GatewaySettings(KitSettings):
    # JSON in FUPIN_UPSTREAMS, e.g. {"registry": "http://registry:8001"}.
    upstreams: dict[str, str] = Field(default_factory=default_upstreams)
    token_lifetime_s: int = Field(default=900, ge=60, le=86_400)

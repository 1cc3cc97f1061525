"""The platform's readiness as the gateway sees it: its own, and every service's /readyz."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import Request


async def _service_ready(client: httpx.AsyncClient, name: str, base: str) -> tuple[str, dict[str, Any]]:
    try:
        response = await client.get(f"{base}/readyz", timeout=3.0)
        body: dict[str, Any] = response.json()
        return name, {"ready": response.status_code == 200, "status": body.get("status")}
    except (httpx.HTTPError, ValueError) as exc:
        return name, {"ready": False, "status": f"unreachable ({type(exc).__name__})"}


async def upstream_readiness(request: Request) -> tuple[bool, dict[str, Any]]:
    client: httpx.AsyncClient = request.app.state.http
    upstreams: dict[str, str] = request.app.state.settings.upstreams
    results = await asyncio.gather(*(_service_ready(client, name, base) for name, base in upstreams.items()))
    services = dict(results)
    return all(entry["ready"] for entry in services.values()), {"services": services}

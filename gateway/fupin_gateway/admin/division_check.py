"""Whether a division code names a division of the tree, asked of the registry, which holds the tree.

An account at a code of the right shape and level that names no division (a typo, a village number that
was never issued) signs in and then finds nothing anywhere. The gateway has no tree of its own (665k rows
are the registry's), so it asks the registry, with the admin's own token: the admin may only grant within
its subtree, which is exactly what the registry lets that token read.
"""

from __future__ import annotations

import aiohttp
from starlette.requests import Request
from yarl import URL

from fupin_gateway.upstream import UpstreamClient
from fupin_kit.problems import service_unavailable


async def division_known(request: Request, code: str) -> bool | None:
    """True or False as the registry says; None when this gateway routes to no registry (a gateway run
    alone, as in its own tests), so there is nobody to ask."""
    base: str | None = request.app.state.settings.upstreams.get("registry")
    if base is None:
        return None
    upstream: UpstreamClient = request.app.state.upstream
    headers = [("authorization", request.headers.get("authorization", ""))]
    try:
        response = await upstream.send("GET", URL(f"{base}/divisions/{code}"), headers, None)
    except (aiohttp.ClientError, TimeoutError):
        raise service_unavailable("the registry is unavailable to confirm the division") from None
    status = response.status
    response.release()
    if status == 200:
        return True
    if status == 404:
        return False
    raise service_unavailable(f"the registry could not confirm the division (it answered {status})")

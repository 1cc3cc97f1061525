"""Whether a division code names a division of the tree, asked of the registry, which holds the tree.

An account at a code of the right shape and level that names no division (a typo, a village number that
was never issued) signs in and then finds nothing anywhere. The gateway has no tree of its own (665k rows
are the registry's), so it asks the registry, with the admin's own token: the admin may only grant within
its subtree, which is exactly what the registry lets that token read.

Only the registry's definite "no such division" refuses: a registry that is down or answers anything else
cannot confirm either way, and account administration does not stop for it (a warning is logged).
"""

from __future__ import annotations

import logging

import aiohttp
from starlette.requests import Request
from yarl import URL

from fupin_gateway.upstream import UpstreamClient

log = logging.getLogger(__name__)


async def division_known(request: Request, code: str) -> bool | None:
    """True or False as the registry says; None when nobody can say: this gateway routes to no registry,
    or the registry did not answer the question."""
    base: str | None = request.app.state.settings.upstreams.get("registry")
    if base is None:
        return None
    upstream: UpstreamClient = request.app.state.upstream
    headers = [("authorization", request.headers.get("authorization", ""))]
    try:
        response = await upstream.send("GET", URL(f"{base}/divisions/{code}"), headers, None)
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("division %s not confirmed: the registry is unreachable (%s)", code, type(exc).__name__)
        return None
    status = response.status
    response.release()
    if status in (200, 404):
        return status == 200
    log.warning("division %s not confirmed: the registry answered %d", code, status)
    return None

"""The registry's division tree, as identification asks it: a division's name and its ancestors' names,
and whether a code names a division at all.

Identification keeps no tree of its own (its 665k rows are the registry's) and the registry publishes none
of it as events, so it asks the registry's `GET /divisions/{code}` and `/divisions/{code}/ancestors` with
the caller's own token: the caller only acts within its subtree, which is exactly what the registry lets
that token read (its ancestors' names included). By default it asks through the gateway, the one HTTP
client of the services, so the call is checked and audited like any other use of the token.

Only the registry's definite 404 says "no such division". Anything else (no registry configured, no token,
the registry down or slow, another status, an answer of the wrong shape) is "cannot say": a warning is
logged and the caller goes on without it, so no procedure step ever waits for the registry to come back.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from pydantic import BaseModel, ValidationError

from fupin_kit.auth.sources import is_url
from fupin_kit.settings import KitSettings

log = logging.getLogger(__name__)
REGISTRY_PREFIX = "/api/v1/registry"  # the gateway's route to the registry
# A notice or a quota waits this long at most for names it can do without.
TIMEOUT_S = 3.0


class Node(BaseModel):
    """A division as the registry's division API describes it (the fields used here)."""

    code: str
    name: str
    level: str
    placeholder: bool = False


class _Nodes(BaseModel):
    items: list[Node]


@dataclass(frozen=True)
class Lookup:
    """The registry's answer: `found` True (with the chain root → the division itself), False (the registry
    has no such division), or None (nobody could say)."""

    found: bool | None
    chain: tuple[Node, ...] = field(default=())


UNKNOWN = Lookup(None)
ABSENT = Lookup(False)


def base_url(settings: KitSettings, environ: Mapping[str, str]) -> str | None:
    """Where the registry's API is: FUPIN_REGISTRY_URL if set, else the gateway's route to it (on
    FUPIN_GATEWAY_URL when set, else on the gateway that serves the JWKS), else nowhere (not asked)."""
    explicit = environ.get("FUPIN_REGISTRY_URL", "").strip()
    if explicit:
        return explicit.rstrip("/")
    if "gateway_url" in settings.model_fields_set:
        return settings.gateway_url.rstrip("/") + REGISTRY_PREFIX
    if is_url(settings.jwks_source):
        # The gateway that issues the tokens publishes the JWKS (as the revoked subjects are found).
        parts = urlsplit(settings.jwks_source)
        return f"{parts.scheme}://{parts.netloc}{REGISTRY_PREFIX}"
    return None


def _response(answer: httpx.Response | BaseException) -> httpx.Response:
    if isinstance(answer, BaseException):
        raise answer
    return answer


class RegistryDivisions:
    """An HTTP client of the registry's division API (one per process, on `app.state.registry_divisions`)."""

    def __init__(
        self,
        base: str | None,
        *,
        timeout_s: float = TIMEOUT_S,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base = base
        self._client = (
            None if base is None else httpx.AsyncClient(base_url=base, timeout=timeout_s, transport=transport)
        )

    async def lookup(self, code: str, authorization: str | None) -> Lookup:
        if self._client is None or not authorization:
            return UNKNOWN
        headers = {"authorization": authorization}
        # Both asked at once; both awaited to the end even when one fails (no call left running unseen).
        answers = await asyncio.gather(
            self._client.get(f"/divisions/{code}", headers=headers),
            self._client.get(f"/divisions/{code}/ancestors", headers=headers),
            return_exceptions=True,
        )
        try:
            node, above = [_response(answer) for answer in answers]
        except httpx.HTTPError as exc:
            log.warning(
                "division %s not confirmed, going on without it: the registry is unreachable (%s)",
                code,
                type(exc).__name__,
            )
            return UNKNOWN
        if node.status_code == 404:
            return ABSENT
        if node.status_code != 200 or above.status_code != 200:
            log.warning(
                "division %s not confirmed, going on without it: the registry answered %d / %d",
                code,
                node.status_code,
                above.status_code,
            )
            return UNKNOWN
        try:
            chain = (*_Nodes.model_validate_json(above.content).items, Node.model_validate_json(node.content))
        except ValidationError:
            log.warning(
                "division %s not confirmed, going on without it: the registry's answer has another shape",
                code,
            )
            return UNKNOWN
        return Lookup(True, chain)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def start(app: FastAPI) -> None:
    base = base_url(app.state.settings, os.environ)
    if base is None:
        log.warning(
            "no registry to ask for division names (set FUPIN_REGISTRY_URL): notice documents name villages "
            "by code and quotas are not checked against the division tree"
        )
    app.state.registry_divisions = RegistryDivisions(base)


async def stop(app: FastAPI) -> None:
    client: RegistryDivisions | None = getattr(app.state, "registry_divisions", None)
    if client is not None:
        await client.aclose()


@dataclass(frozen=True)
class RegistryView:
    """The registry as one request may ask it: with the caller's token (none for the platform's own steps,
    which then go on what identification already holds)."""

    client: RegistryDivisions | None
    authorization: str | None

    async def lookup(self, code: str) -> Lookup:
        if self.client is None:
            return UNKNOWN
        return await self.client.lookup(code, self.authorization)


NOBODY = RegistryView(None, None)

"""Wiring of identity, admin, rate limits and the access audit into the gateway app: its routers, the
start and stop hooks of their background tasks, and the access middleware."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.middleware import Middleware

from fupin_gateway.access import AccessGuard, AccessMiddleware
from fupin_gateway.admin import audit_log, clients, evaluators, platform, users
from fupin_gateway.audit.writer import AccessAuditWriter
from fupin_gateway.config import GatewaySettings
from fupin_gateway.identity import router as identity_router
from fupin_gateway.identity.blocklist import Blocklist
from fupin_gateway.ratelimit import RateLimiter

REVOCATION_MARGIN_S = 120

ROUTERS: list[APIRouter] = [
    identity_router.router,
    users.router,
    clients.router,
    evaluators.router,
    platform.router,
    audit_log.router,
]


def revocation_window_s(settings: GatewaySettings) -> int:
    """How long a disabled subject must stay listed: a token issued just before the disable lives for the
    token lifetime, every verifier accepts it for its leeway beyond `exp`, and services learn the list up to
    a poll interval late. The margin covers the services' own leeway and clocks a little apart."""
    return int(settings.token_lifetime_s) + int(settings.jwt_leeway_s) + REVOCATION_MARGIN_S


async def start_access(app: FastAPI) -> None:
    settings: GatewaySettings = app.state.settings
    blocklist = Blocklist(
        app.state.sessionmaker,
        settings.blocklist_refresh_s,
        revocation_window_s(settings),
        settings.revocation_key(),
    )
    # Load once before serving, so a restarted gateway never admits a disabled account's old token.
    await blocklist.reload()
    blocklist.start()
    writer = AccessAuditWriter(app.state.sessionmaker, settings.audit_batch_size, settings.audit_queue_max)
    writer.start()
    app.state.blocklist = blocklist
    app.state.audit_writer = writer
    app.state.access_guard = AccessGuard(
        verifier=app.state.token_verifier,
        limiter=RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst),
        blocklist=blocklist,
        audit=writer,
    )


async def stop_access(app: FastAPI) -> None:
    app.state.access_guard = None
    writer: AccessAuditWriter | None = getattr(app.state, "audit_writer", None)
    if writer is not None:
        await writer.stop()
    blocklist: Blocklist | None = getattr(app.state, "blocklist", None)
    if blocklist is not None:
        await blocklist.stop()


def install_access_middleware(app: FastAPI) -> None:
    # Appended, not add_middleware (which prepends): innermost of the user middleware, so the request id
    # and the trace span already exist when it runs and its own 429/401 answers carry them.
    app.user_middleware.append(Middleware(AccessMiddleware))

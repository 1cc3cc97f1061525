"""The gateway's access guard, as pure ASGI middleware (no BaseHTTPMiddleware, which buffers bodies and
breaks streaming): for every request it

1. verifies the bearer token, if any, to know the caller (services verify again: defence in depth);
2. applies the caller's rate limit (token subject, else client IP): 429 + Retry-After;
3. refuses tokens of disabled accounts, and tokens issued before their account's password or secret was
   reset or its roles or scopes changed, which stay cryptographically valid until they expire;
4. records the access (method, path, status, caller, request id, client IP, time) for the audit chain,
   handed to a background writer so the response never waits for the database. What callers typed (the
   path, the request id, the account of a sign-in) is stored with resident IDs and mobile numbers masked:
   the chain can never be rewritten, so a full ID in it could never be removed (QA9-OP4). A caller that
   went away before any answer (an upload aborted half-way) is recorded as 499, not as a server failure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fupin_gateway.audit.writer import AccessAuditWriter
from fupin_gateway.identity.blocklist import Blocklist
from fupin_gateway.ratelimit import RateLimiter, retry_after_header
from fupin_kit.audit.chain import AuditEntry
from fupin_kit.auth.actor import Actor
from fupin_kit.auth.tokens import TokenVerifier
from fupin_kit.divisions import NATION
from fupin_kit.middleware import MINTED_STATE
from fupin_kit.problems import ProblemError, problem_response, unauthorized
from fupin_kit.server_spans import redacted_query
from fupin_kit.telemetry import scrub_text

# Liveness and readiness probes: neither limited (an orchestrator must always reach them) nor audited
# (they would fill the chain with a row every few seconds and say nothing about access).
# Probes, and the two public key documents every service polls every few seconds (JWKS, revoked subjects):
# auditing or rate-limiting those polls would fill the hash chain with anonymous machine reads and let a
# busy deployment's own services be throttled. Both answers are prebuilt, public and carry no personal data.
UNGUARDED_PATHS = frozenset(
    {"/healthz", "/readyz", "/.well-known/jwks.json", "/.well-known/fupin-revoked-subjects.json"}
)
MAX_FIELD = 200
# The status recorded when the caller closed its request before any answer was started (nginx's 499,
# "client closed request"). The audit's status is whatever number happened, not only those HTTP defines,
# and 499 is the one operators know: it is neither a 4xx the platform sent nor a 5xx that says a server
# failed. Nothing is sent with it (there is no one to send it to).
CLIENT_CLOSED_REQUEST = 499
# An evaluator refused by the blocklist: disabled, or outside its access window (the list holds both).
EVALUATOR_CLOSED = "the evaluator's access is closed: the account is disabled or its access window has ended"
# Set in the request's state by whatever found the caller gone (the proxy, reading an upload).
CLIENT_CLOSED_STATE = "client_closed_request"


@dataclass
class AccessGuard:
    """The per-process collaborators the middleware needs, set up in the lifespan."""

    verifier: TokenVerifier
    limiter: RateLimiter
    blocklist: Blocklist
    audit: AccessAuditWriter


def _clean(value: str) -> str:
    # PostgreSQL text cannot hold NUL (a path may carry %00), and the audit columns are bounded.
    return value.replace("\x00", "\ufffd")[:MAX_FIELD]


def _typed(value: str) -> str:
    """What a caller typed (a path, a request id, an account name), as the audit may keep it: resident IDs
    and mobile numbers masked as telemetry masks them (the same masks as the API's, so the province feed's
    masked request id and the audit's are the same text). Masked before it is cut to MAX_FIELD: a cut could
    leave an ID's first digits too short to be recognised."""
    return _clean(scrub_text(value))


def _typed_query(raw: bytes) -> str:
    """The request's query string as the audit keeps it: what a search asked for (a discipline office
    asks who looked for whom), with credentials redacted as spans redact them and resident IDs, mobiles,
    bank accounts and landlines masked."""
    if not raw:
        return ""
    return _clean(scrub_text(redacted_query(raw.decode("latin-1")), accounts=True))


def note_client_closed(scope: Scope) -> None:
    """Record that the caller went away before any answer (its upload could not be read to the end)."""
    scope.setdefault("state", {})[CLIENT_CLOSED_STATE] = True


# Authorization is a singleton field (RFC 9110 §11.6.2, not a list), and RFC 6750 §3.1 answers a token
# offered more than once with invalid_request (400): taking the first, as before, left which credentials
# count to whichever reader comes next (the services, a log, another proxy).
AMBIGUOUS_CREDENTIALS = ProblemError(
    400,
    "Bad Request",
    "the request carries more than one Authorization header",
    kind="ambiguous-credentials",
)


def _bearer(scope: Scope) -> str | None:
    """The bearer token, if any; raises AMBIGUOUS_CREDENTIALS when Authorization comes more than once."""
    authorization: bytes | None = None
    for key, value in scope["headers"]:
        if key == b"authorization":
            if authorization is not None:
                raise AMBIGUOUS_CREDENTIALS
            authorization = value
    if authorization is None:
        return None
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


class AccessMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guard: AccessGuard | None = (
            getattr(scope["app"].state, "access_guard", None) if "app" in scope else None
        )
        if scope["type"] != "http" or guard is None or scope["path"] in UNGUARDED_PATHS:
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        at = datetime.now(UTC)
        try:
            token, ambiguous = _bearer(scope), None
        except ProblemError as exc:
            token, ambiguous = None, exc
        actor = await self._actor(guard, token)
        client_ip = scope["client"][0] if scope.get("client") else ""
        # No answer started: a failure that escaped as an exception (500), unless the caller went away.
        status: dict[str, int | None] = {"code": None}

        async def send_observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        try:
            # Rate-limited first (by IP, the caller being unknown), like any anonymous request.
            problem = self._refusal(guard, actor, client_ip) or ambiguous
            if problem is not None:
                # With the request, so the problem names its `instance` (the path) like every other one.
                await problem_response(problem, Request(scope))(scope, receive, send_observed)
                return
            await self.app(scope, receive, send_observed)
        finally:
            outcome = status["code"] or _unanswered_status(scope)
            guard.audit.submit(self._entry(scope, actor, client_ip, outcome, at, started))

    @staticmethod
    async def _actor(guard: AccessGuard, token: str | None) -> Actor | None:
        if token is None:
            return None
        try:
            return await guard.verifier.verify(token)
        except ProblemError:
            # An invalid token is the route's (or the service's) to reject with its own answer; here the
            # caller is simply anonymous, limited by IP.
            return None

    @staticmethod
    def _refusal(guard: AccessGuard, actor: Actor | None, client_ip: str) -> ProblemError | None:
        wait = guard.limiter.take(actor.subject if actor else f"ip:{client_ip}")
        if wait is not None:
            retry = retry_after_header(wait)
            return ProblemError(
                429,
                "Too Many Requests",
                f"rate limit exceeded; retry in {retry}s",
                kind="rate-limited",
                headers={"Retry-After": retry},
            )
        if actor is not None and guard.blocklist.refuses(actor.subject, actor.issued_at):
            # The same words as the services for a token ended by a reset or a change of powers.
            if actor.subject not in guard.blocklist:
                return unauthorized("token revoked")
            # An evaluator's subject is listed when the account is disabled and when its access window has
            # closed (identity.repository.blocked_subjects): the list does not say which, so both are named.
            if actor.kind == "evaluator":
                return unauthorized(EVALUATOR_CLOSED)
            return unauthorized("the account is disabled")
        return None

    @staticmethod
    def _entry(
        scope: Scope, actor: Actor | None, client_ip: str, status: int, at: datetime, started: float
    ) -> AuditEntry:
        state: dict[str, Any] = scope.get("state", {})
        request_id = state.get("request_id") or next(
            (value.decode("latin-1") for key, value in scope["headers"] if key == b"x-request-id"), ""
        )
        detail: dict[str, Any] = {
            "method": scope["method"],
            "status": status,
            "tier": actor.tier if actor else None,
            "kind": actor.kind if actor else None,
            # Masked only when the caller sent it: one minted here is random hex, typed by nobody.
            "request_id": str(request_id) if state.get(MINTED_STATE) else _typed(str(request_id)),
            "client_ip": client_ip,
            "duration_ms": int((time.monotonic() - started) * 1000),
        }
        query = _typed_query(scope.get("query_string", b""))
        if query:
            detail["query"] = query
        sign_in: dict[str, str] | None = state.get("sign_in")
        if sign_in is not None and actor is None:
            # A sign-in, granted or refused, names the account tried (the subject when it was granted), so
            # the audit shows which account was tried from where, and when a token was obtained.
            detail.update(grant_type=sign_in["grant_type"], account=_typed(sign_in["account"])[:100])
            return AuditEntry(
                actor=_clean(sign_in.get("subject", "anonymous")),
                action="sign_in" if status < 400 else "sign_in_refused",
                subject=_typed(scope["path"]),
                division=sign_in.get("division", NATION),
                detail=detail,
                at=at,
            )
        return AuditEntry(
            actor=_clean(actor.subject) if actor else "anonymous",
            action="access",
            subject=_typed(scope["path"]),
            division=actor.division if actor else NATION,
            detail=detail,
            at=at,
        )


def _unanswered_status(scope: Scope) -> int:
    """The status audited for a request that got no answer at all."""
    state: dict[str, Any] = scope.get("state", {})
    return CLIENT_CLOSED_REQUEST if state.get(CLIENT_CLOSED_STATE) else 500

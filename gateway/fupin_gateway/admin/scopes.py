"""The scopes a departmental client may be granted: exactly those some route checks (see
fupin_kit.auth.client_scopes), so a misspelt scope is refused when granted instead of leaving a client
that can call nothing."""

from __future__ import annotations

from fupin_contracts import identification
from fupin_gateway.feeds.router import FEED_OPERATION
from fupin_kit.auth import client_scopes
from fupin_kit.auth.actor import sees_full_identity
from fupin_kit.problems import unprocessable
from fupin_kit.settings import SERVICE_NAMES

# The gateway's own routes are a service too (feeds, whoami): `gateway.read` reads them.
SERVICE_SCOPES = frozenset(
    f"{service}.{access}" for service in (*SERVICE_NAMES, "gateway") for access in ("read", "write")
)
# Operation scopes a route declares (client_scopes.operation), each with the `<what>` it may be narrowed to.
OPERATION_SCOPES: dict[str, tuple[str, ...]] = {
    FEED_OPERATION: (),
    identification.PUSH_OPERATION: identification.PUSH_KINDS,
}
KNOWN_SCOPES = SERVICE_SCOPES | {
    f"{operation}:{what}" if what else operation
    for operation, narrowings in OPERATION_SCOPES.items()
    for what in ("", *narrowings)
}


def check_scopes(granted: list[str]) -> None:
    unknown = sorted(set(granted) - KNOWN_SCOPES)
    if unknown:
        raise unprocessable(f"unknown scope(s) {', '.join(unknown)}", known_scopes=sorted(KNOWN_SCOPES))
    if len(set(granted)) != len(granted):
        raise unprocessable("a scope is listed twice")


def _pushes(scope: str) -> bool:
    return client_scopes.is_operation(scope, identification.PUSH_OPERATION)


def _pushes_above_county(granted: list[str], tier: str, division: str) -> bool:
    return not sees_full_identity(tier, division) and any(_pushes(scope) for scope in granted)


def reads_beside_push(granted: list[str], tier: str, division: str) -> bool:
    """Whether a client above the county is granted the push beside anything but feeds.read. Identification
    takes a list above the county only from a client that can do nothing else (403 push-only-account): one
    that also read cases or households could watch what each push of candidate ID numbers changed. A
    client granted feeds.read beside the push before the admin API refused that keeps its push: its feed
    is refused to every token that may push (list-pusher-feed)."""
    return _pushes_above_county(granted, tier, division) and not client_scopes.only(
        frozenset(granted), identification.PUSH_OPERATION, FEED_OPERATION
    )


def granted_beside_push(granted: list[str], tier: str, division: str) -> bool:
    """Whether a client above the county would be granted the push beside anything at all. feeds.read
    included: the gateway refuses every feed to a token that may push there (403 list-pusher-feed), so
    granting it would only make a client that looks able to read a feed and cannot."""
    return _pushes_above_county(granted, tier, division) and not client_scopes.only(
        frozenset(granted), identification.PUSH_OPERATION
    )


def check_push_client(granted: list[str], tier: str, division: str) -> None:
    if granted_beside_push(granted, tier, division):
        raise unprocessable(
            "above the county a client granted comparisons:push may be granted nothing else: one that also "
            "reads would learn which ID numbers of its lists belong to people in cases, and its feed is "
            "refused (list-pusher-feed)",
            code="push-only-client",
        )


def issuable(granted: list[str], tier: str, division: str) -> list[str]:
    """The scopes a client's token may carry: its granted ones, without the push for a client granted it
    beside reading above the county (made before the admin API refused that): otherwise it could push with
    one token and watch with another."""
    if reads_beside_push(granted, tier, division):
        return [scope for scope in granted if not _pushes(scope)]
    return list(granted)


def missing_push(requested: list[str], granted: list[str], tier: str, division: str) -> bool:
    """Whether a token asked for by a client granted the push above the county would carry no push scope.
    The gateway withholds identification events from a token that may push, so a feed-only token of such
    a client would show it what its other token's pushes opened (hits naming their push)."""
    return _pushes_above_county(granted, tier, division) and not any(_pushes(scope) for scope in requested)


def within(requested: str, issued: list[str]) -> bool:
    """Whether a token may carry `requested`: a scope issued, or an operation issued whole narrowed to one
    of the things it names (comparisons:push → comparisons:push:government_payroll)."""
    if requested in issued:
        return True
    operation, _, _ = requested.rpartition(":")
    return operation in OPERATION_SCOPES and operation in issued and requested in KNOWN_SCOPES

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


def check_push_client(granted: list[str], tier: str, division: str) -> None:
    """Above the county identification takes a list only from a client that can do nothing else (but read
    its feed, from which the gateway withholds identification events): one that also read cases or
    households could watch what each push of candidate ID numbers changed (403 push-only-account there)."""
    push = identification.PUSH_OPERATION
    pushes = any(scope == push or scope.startswith(f"{push}:") for scope in granted)
    if not pushes or sees_full_identity(tier, division):
        return
    if not client_scopes.only(frozenset(granted), push, FEED_OPERATION):
        raise unprocessable(
            "above the county a client granted comparisons:push may be granted nothing else but feeds.read: "
            "one that also reads would learn which ID numbers of its lists belong to people in cases",
            code="push-only-client",
        )

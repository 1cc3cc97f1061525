"""What an OAuth2 client's token may call.

A departmental system's token carries the `scope` claim (space-separated) it was granted; the claim
limits it, on top of its roles and jurisdiction, to
- `<service>.read`: the safe methods (GET, HEAD) of that service, e.g. `registry.read`;
- `<service>.write`: every method of that service;
- an operation scope a route declares with `operation("comparisons:push")` in its openapi_extra: that
  operation only (a department pushing its list needs nothing else);
- a narrowed operation scope `<operation>:<what>`, e.g. `comparisons:push:government_payroll`: that
  operation for that one kind of thing only, which the route itself checks with `narrowed()` (the payroll
  office pushes payroll lists, not the vehicle register).
A route declared `operation(ANY)` is open to every scoped token (whoami). Tokens without the claim (people,
evaluators) are limited by roles and jurisdiction only. Every process checks this itself, so a client
calling a service directly gets no more than through the gateway.
"""

from __future__ import annotations

from typing import Any

CLIENT_SCOPE_KEY = "x-fupin-client-scope"
ANY = "*"
# The scope of the gateway's tier feeds (pull and SSE) for a departmental client.
FEED_READ = "feeds.read"
SAFE_METHODS = frozenset({"GET", "HEAD"})


def operation(name: str) -> dict[str, Any]:
    """openapi_extra declaring the operation scope that grants this route (merge with openapi_scope)."""
    return {CLIENT_SCOPE_KEY: name}


def parse(claim: object) -> frozenset[str] | None:
    """The token's granted scopes; None when the token carries no `scope` claim."""
    if claim is None:
        return None
    if not isinstance(claim, str):
        return frozenset()  # a malformed claim grants nothing
    return frozenset(claim.split())


def required(service: str, method: str, declared: str | None) -> list[str]:
    """The scopes any one of which lets a scoped token call this operation."""
    if declared == ANY:
        return [ANY]
    needed = [f"{service}.read", f"{service}.write"] if method in SAFE_METHODS else [f"{service}.write"]
    return needed + ([declared] if declared else [])


def permits(granted: frozenset[str], service: str, method: str, declared: str | None) -> bool:
    if declared == ANY:
        return True
    if not granted.isdisjoint(required(service, method, declared)):
        return True
    # A narrowed scope of the declared operation lets the call through; the route checks what it names.
    return declared is not None and any(scope.startswith(f"{declared}:") for scope in granted)


def narrowed(granted: frozenset[str] | None, service: str, operation: str) -> frozenset[str] | None:
    """What a token may do `operation` of `service` for: None for anything (a token without scopes, one
    granted the whole operation or the service's write scope), else the `<what>` of each
    `<operation>:<what>` it holds (possibly none)."""
    if granted is None or operation in granted or f"{service}.write" in granted:
        return None
    prefix = f"{operation}:"
    return frozenset(scope[len(prefix) :] for scope in granted if scope.startswith(prefix))


def is_operation(scope: str, operation: str) -> bool:
    """Whether `scope` grants `operation`, whole or narrowed (`<operation>:<what>`)."""
    return scope == operation or scope.startswith(f"{operation}:")


def only(granted: frozenset[str], operation: str, *also: str) -> bool:
    """Whether every scope granted is `operation` (whole or narrowed) or one of `also`."""
    return all(scope in also or is_operation(scope, operation) for scope in granted)

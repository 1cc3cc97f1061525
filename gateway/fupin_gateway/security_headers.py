"""A minimal set of security headers on every gateway response, as pure ASGI middleware (streaming stays
untouched): the API's JSON and problem documents, the proxied services' answers, the docs and the console.

Only added when absent, so a route with stricter needs (the console's Content-Security-Policy, a service's
own choice) keeps its value.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    # Browsers must not guess a type: a JSON answer carrying user text is never run as HTML or script.
    (b"x-content-type-options", b"nosniff"),
    # Tokens and divisions travel in paths and queries: never leak them to another origin.
    (b"referrer-policy", b"no-referrer"),
    # No page of the gateway is meant to be framed by another site (clickjacking).
    (b"x-frame-options", b"DENY"),
)
# Answers that carry personal data or credentials (households with full IDs and bank accounts at the county,
# the 户卡 and registers, accounts, tokens, feeds) must not stay in a browser's or a proxy's cache on a
# shared office computer. The console's own files and the docs may be cached.
NO_STORE = (b"cache-control", b"no-store")
PRIVATE_PREFIXES = ("/api/", "/admin/", "/feeds", "/oauth/", "/whoami")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        private = scope["path"].startswith(PRIVATE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in HEADERS if name not in present)
                if private and NO_STORE[0] not in present:
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""The token endpoint's errors, as RFC 6749 §5.2 has them: `{"error", "error_description"}` in
application/json, never cached. Every other route of the platform answers RFC 9457 problem documents; OAuth2
client libraries read these fields and branch on the HTTP status RFC 6749 gives each code:
`invalid_client` is 401 (with a challenge when the client authenticated with HTTP Basic, §5.2), every
other code 400 (a wrong password is `invalid_grant`, not an authentication failure of the client).

`error_uri` names the particular refusal (`…/invalid-credentials`, `…/account-disabled`, …): the console
words its message from it, and a client may branch on it rather than on the English description."""

from __future__ import annotations

import math
from typing import Any

from fastapi.responses import JSONResponse

from fupin_kit.problems import TYPE_BASE

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
BASIC_CHALLENGE = 'Basic realm="fupin"'


class OAuthError(Exception):
    """Raise below the token route; the route answers it (identity.router)."""

    def __init__(
        self,
        error: str,
        description: str,
        kind: str,
        *,
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.kind = kind
        self.status = status
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {
            "error": self.error,
            "error_description": self.description,
            "error_uri": TYPE_BASE + self.kind,
        }

    def response(self, *, basic_auth: bool = False) -> JSONResponse:
        headers = {**NO_STORE, **self.headers}
        if self.status == 401 and basic_auth:
            headers["WWW-Authenticate"] = BASIC_CHALLENGE
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


def invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description, "invalid-token-request")


def unsupported_grant_type(description: str) -> OAuthError:
    return OAuthError("unsupported_grant_type", description, "invalid-token-request")


def invalid_scope(description: str) -> OAuthError:
    return OAuthError("invalid_scope", description, "invalid-token-request")


def invalid_credentials() -> OAuthError:
    # One answer, byte for byte, for an unknown name and a wrong password: nothing tells them apart.
    return OAuthError("invalid_grant", "The credentials are not valid", "invalid-credentials")


def invalid_client() -> OAuthError:
    # The same for an unknown client and a wrong secret.
    return OAuthError("invalid_client", "The credentials are not valid", "invalid-credentials", status=401)


def account_disabled(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description, "account-disabled")


def window_closed() -> OAuthError:
    return OAuthError("invalid_grant", "The evaluator's access window is not open", "access-window-closed")


def account_locked(locked_for_s: float) -> OAuthError:
    # The same for every name, an account's or not (identity/throttle.py); Retry-After says when to retry.
    return OAuthError(
        "invalid_grant",
        "The account is temporarily locked after too many failed sign-ins; try again later",
        "account-locked",
        headers={"Retry-After": str(max(1, math.ceil(locked_for_s)))},
    )

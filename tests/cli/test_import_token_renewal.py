"""`fupin import` follows a long import with tokens of the platform's lifetime, minted again shortly before
each one expires (a token longer than FUPIN_TOKEN_LIFETIME_S is refused by `mint_token`)."""

from __future__ import annotations

import httpx
import pytest

from fupin_cli import import_cmd


def test_the_token_is_renewed_before_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("fupin_cli.import_cmd.time.monotonic", lambda: now[0])
    minted: list[int] = []

    def mint(lifetime_s: int) -> str:
        minted.append(lifetime_s)
        return f"token-{len(minted)}"

    auth = import_cmd.LocalTokenAuth(mint, lifetime_s=900)

    def sent() -> str:
        request = httpx.Request("GET", "http://gateway/api/v1/registry/imports/x")
        return next(auth.auth_flow(request)).headers["Authorization"]

    assert sent() == "Bearer token-1"
    now[0] += 900 - import_cmd.TOKEN_RENEW_MARGIN_S - 1
    assert sent() == "Bearer token-1"
    now[0] += 2
    assert sent() == "Bearer token-2"
    assert minted == [900, 900]

"""Signing keys (ES256) kept as a JWK set; the public half is what `/.well-known/jwks.json` serves.

The private set lives in the gateway's key directory (a mounted secret in production). Rotation appends
a new key and keeps the previous ones in the public set until every token they signed has expired; each
retired key's public JWK then carries `withdraw_at` (epoch seconds, a JWK extension member), after which
every verifier refuses it whether or not it re-read the set, and the gateway publishes it no more. A
rotation that withdraws the previous keys (a leaked key) ends their tokens at once. A key retired before
`withdraw_at` existed (it has `retired` only) is withdrawn at `retired` + the store's `keep_retired_s` (the
platform's token lifetime + leeway, as a rotation keeps it), written back to both files when first read.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from fupin_kit.auth.instants import now_ms_seconds
from fupin_kit.auth.lifetimes import DEFAULT_LEEWAY_S, DEFAULT_TOKEN_LIFETIME_S

ALGORITHM = "ES256"
PRIVATE_FILE = "signing-keys.json"
PUBLIC_FILE = "jwks.json"
# The default token lifetime + leeway (fupin_kit.settings): how long a retired key stays published when the
# store is not told the platform's own figures.
DEFAULT_KEEP_RETIRED_S = DEFAULT_TOKEN_LIFETIME_S + DEFAULT_LEEWAY_S

log = logging.getLogger(__name__)


def new_private_jwk() -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(key))
    jwk.update({"kid": uuid.uuid4().hex[:16], "alg": ALGORITHM, "use": "sig", "created": int(time.time())})
    return jwk


WITHDRAW_AT = "withdraw_at"


def public_jwk(private: dict[str, Any]) -> dict[str, Any]:
    public = {name: private[name] for name in ("kty", "crv", "x", "y", "kid", "alg", "use")}
    if WITHDRAW_AT in private:
        public[WITHDRAW_AT] = private[WITHDRAW_AT]
    return public


def withdraw_time(jwk: dict[str, Any]) -> float | None:
    """When the key stops verifying (epoch seconds), or None for a key not retired."""
    until = jwk.get(WITHDRAW_AT)
    return float(until) if isinstance(until, int | float) and not isinstance(until, bool) else None


def withdrawn(jwk: dict[str, Any], now: float) -> bool:
    until = withdraw_time(jwk)
    return until is not None and now >= until


def keep_retired_s(token_lifetime_s: int, leeway_s: int) -> int:
    """How long a retired key keeps verifying: until the last token it signed has expired, as verifiers
    accept it (lifetime + leeway). What a rotation keeps the previous key for (admin/platform.py)."""
    return int(token_lifetime_s) + int(leeway_s)


class KeyStore:
    def __init__(self, directory: Path, keep_retired_s: int = DEFAULT_KEEP_RETIRED_S) -> None:
        self.directory = directory
        # For a key retired without a `withdraw_at` (retired before that member existed).
        self.keep_retired_s = keep_retired_s

    @property
    def private_path(self) -> Path:
        return self.directory / PRIVATE_FILE

    @property
    def public_path(self) -> Path:
        return self.directory / PUBLIC_FILE

    def load(self) -> list[dict[str, Any]]:
        return self._load()[0]

    def _load(self) -> tuple[list[dict[str, Any]], bool]:
        """The keys, and whether a retired key lacking `withdraw_at` was given one (the files then need
        writing: verifiers reading the public file would otherwise take the key for a current one)."""
        if not self.private_path.exists():
            return [], False
        keys: list[dict[str, Any]] = json.loads(self.private_path.read_text())["keys"]
        backfilled = False
        for key in keys:
            retired = key.get("retired")
            if WITHDRAW_AT not in key and isinstance(retired, int | float) and not isinstance(retired, bool):
                key[WITHDRAW_AT] = int(retired) + self.keep_retired_s
                backfilled = True
        return keys, backfilled

    def ensure(self) -> list[dict[str, Any]]:
        keys, backfilled = self._load()
        if not keys:
            keys = [new_private_jwk()]
            self._write(keys)
        elif backfilled or not self.public_path.exists():
            try:
                self._write(keys)
            except OSError as exc:
                # A read-only key directory: the gateway still publishes `withdraw_at` (public_set), but
                # a verifier reading the public file directly does not see it.
                log.warning(
                    "cannot record withdraw_at of retired signing keys in %s: %s", self.directory, exc
                )
        return keys

    def rotate(self, keep_previous_s: int, *, withdraw_previous: bool = False) -> dict[str, Any]:
        """Add a new current key. The previous current key is withdrawn `keep_previous_s` from now (when its
        last token expires), or now with `withdraw_previous` (every earlier key then too); keys already
        withdrawn are dropped from the file."""
        now = int(time.time())
        keys = self.load()
        for key in keys:
            retired = int(key.setdefault("retired", now))
            key.setdefault(WITHDRAW_AT, retired + keep_previous_s)
            if withdraw_previous:
                key[WITHDRAW_AT] = min(int(key[WITHDRAW_AT]), now)
        keys = [key for key in keys if not withdrawn(key, now)]
        current = new_private_jwk()
        keys.append(current)
        self._write(keys)
        return current

    def current(self) -> dict[str, Any]:
        keys = self.ensure()
        return keys[-1]

    def public_set(self) -> dict[str, Any]:
        """The keys that still verify: a retired key past its `withdraw_at` is published no more."""
        now = time.time()
        return {"keys": [public_jwk(key) for key in self.ensure() if not withdrawn(key, now)]}

    def _write(self, keys: list[dict[str, Any]]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.private_path, json.dumps({"keys": keys}), mode=0o600)
        _atomic_write(self.public_path, json.dumps({"keys": [public_jwk(key) for key in keys]}), mode=0o644)


def _atomic_write(path: Path, content: str, mode: int) -> None:
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(content)
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def sign(private: dict[str, Any], claims: dict[str, Any]) -> str:
    key = ECAlgorithm.from_jwk(json.dumps(private))
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": private["kid"]})  # type: ignore[arg-type]


def mint(
    private: dict[str, Any],
    *,
    subject: str,
    tier: str,
    division: str,
    roles: list[str],
    issuer: str,
    audience: str,
    lifetime_s: int = DEFAULT_TOKEN_LIFETIME_S,
    kind: str = "user",
    extra: dict[str, Any] | None = None,
    issued_at: float | None = None,
) -> str:
    """A signed token. `issued_at` (epoch seconds, to the millisecond) defaults to now; the gateway's
    sign-in passes the database's clock (fupin_gateway.identity.service)."""
    issued_at = now_ms_seconds() if issued_at is None else issued_at
    now = int(issued_at)
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        # To the millisecond: compared with a not-before of the same precision (auth/instants.py).
        "iat": issued_at,
        "nbf": now,
        "exp": now + lifetime_s,
        "jti": uuid.uuid4().hex,
        "tier": tier,
        "division": division,
        "roles": roles,
        "kind": kind,
    }
    claims.update(extra or {})
    return sign(private, claims)

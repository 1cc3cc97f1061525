"""Signing keys (ES256) kept as a JWK set; the public half is what `/.well-known/jwks.json` serves.

The private set lives in the gateway's key directory (a mounted secret in production). Rotation appends
a new key and keeps the previous ones in the public set until every token they signed has expired; each
retired key's public JWK then carries `withdraw_at` (epoch seconds, a JWK extension member), after which
every verifier refuses it whether or not it re-read the set, and the gateway publishes it no more. A
rotation that withdraws the previous keys (a leaked key) ends their tokens at once.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from fupin_kit.auth.instants import now_ms_seconds

ALGORITHM = "ES256"
PRIVATE_FILE = "signing-keys.json"
PUBLIC_FILE = "jwks.json"


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


class KeyStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def private_path(self) -> Path:
        return self.directory / PRIVATE_FILE

    @property
    def public_path(self) -> Path:
        return self.directory / PUBLIC_FILE

    def load(self) -> list[dict[str, Any]]:
        if not self.private_path.exists():
            return []
        keys: list[dict[str, Any]] = json.loads(self.private_path.read_text())["keys"]
        return keys

    def ensure(self) -> list[dict[str, Any]]:
        keys = self.load()
        if not keys:
            keys = [new_private_jwk()]
            self._write(keys)
        elif not self.public_path.exists():
            self._write(keys)
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
    lifetime_s: int = 900,
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

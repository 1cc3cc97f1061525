"""Tokens that must be refused: each one differs from a valid token in exactly one way."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from fupin_kit.auth.keys import mint, new_private_jwk, sign
from fupin_kit.testing import Stack


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "fupin",
        "aud": "fupin-api",
        "sub": "forger",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "tier": "county",
        "division": "520102000000",
        "roles": ["officer"],
        "kind": "user",
    }
    claims.update(overrides)
    return claims


def forged_tokens(stack: Stack) -> dict[str, str]:
    current = stack.keys.current()
    valid = sign(current, _claims())
    header_b64, payload_b64, signature_b64 = valid.split(".")

    none_header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": current["kid"]}).encode())
    alg_none = f"{none_header}.{payload_b64}."

    # Algorithm confusion: HS256 keyed with the public key material a naive verifier would hand to HMAC.
    public_material = json.dumps({k: current[k] for k in ("kty", "crv", "x", "y")}).encode()
    hs_header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": current["kid"]}).encode())
    signing_input = f"{hs_header}.{payload_b64}".encode()
    hs_signature = _b64(hmac.new(public_material, signing_input, hashlib.sha256).digest())
    confusion = f"{hs_header}.{payload_b64}.{hs_signature}"

    tampered_payload = _b64(json.dumps(_claims(division="110000000000", tier="province")).encode())
    tampered = f"{header_b64}.{tampered_payload}.{signature_b64}"

    return {
        "alg-none": alg_none,
        "algorithm-confusion": confusion,
        "wrong-audience": sign(current, _claims(aud="someone-else")),
        "wrong-issuer": sign(current, _claims(iss="https://evil.example")),
        "expired": sign(
            current,
            _claims(iat=int(time.time()) - 7200, nbf=int(time.time()) - 7200, exp=int(time.time()) - 3600),
        ),
        "unknown-key-id": mint(
            new_private_jwk(),
            subject="forger",
            tier="county",
            division="520102000000",
            roles=["officer"],
            issuer="fupin",
            audience="fupin-api",
        ),
        "tampered-claims": tampered,
        # Signed with the real key, but living a year (qa5 security-observability #6) or no iat at all.
        "lifetime-too-long": sign(current, _claims(exp=int(time.time()) + 365 * 86_400)),
        "no-issued-at": sign(current, {k: v for k, v in _claims().items() if k != "iat"}),
        "tier-division-mismatch": sign(current, _claims(tier="province")),
        "garbage": "not-a-token",
    }


def valid_token(stack: Stack) -> str:
    return sign(stack.keys.current(), _claims())

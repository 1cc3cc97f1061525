"""The Idempotency-Key of the admin API's writes, with the services' semantics (fupin_kit.idempotency) and
nothing recoverable in the gateway's database: the gateway holds no password or secret but argon2 hashes,
and its key table must not change that.

- The table holds an HMAC of each key under the gateway's own secret (`Sealer.pepper`, derived from its
  PII key), not the key: the key is what unseals the answer, and without the secret a guessable key (a
  script's "retry-1") cannot be tried against the table.
- An answer (a new client's secret, a reset password) is kept sealed with AES-GCM under a key derived
  (HKDF-SHA256) from the raw Idempotency-Key, the gateway's secret and the caller, so only a retry
  presenting the key, to a gateway holding the secret, reads it.
- A password in a request is fingerprinted as its argon2id digest under a salt derived from the secret,
  the caller and the raw key: a retry with the same password matches, one with another password is refused
  (422), and the stored fingerprint costs a password hash per guess even to someone who knows the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from fupin_gateway.identity import passwords
from fupin_gateway.models import idempotency_keys
from fupin_kit import idempotency
from fupin_kit.auth.actor import Actor

# The fields of the admin API's bodies that carry a password.
PASSWORD_FIELDS = ("password", "current_password")
_NONCE_BYTES = 12
_PEPPER_INFO = b"fupin-gateway idempotency secret"
_ANSWER_KEY_INFO = b"fupin-gateway idempotent answer"
_PASSWORD_SALT_INFO = b"fupin-gateway idempotent password"


def pepper_from(pii_key: bytes) -> bytes:
    """The gateway's secret for its Idempotency-Keys, derived from its PII key (FUPIN_PII_KEY, or the
    development key beside the signing keys): stable across restarts and shared by every replica."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PEPPER_INFO).derive(pii_key)


class Sealer(idempotency.KeptAs):
    """Keys as HMACs, answers sealed under the key (see the module's docstring)."""

    def __init__(self, pepper: bytes) -> None:
        self.pepper = pepper

    def stored_key(self, key: str) -> str:
        return hmac.new(self.pepper, key.encode(), hashlib.sha256).hexdigest()

    def _answer_key(self, actor: Actor, key: str) -> bytes:
        # Salted with the secret and the caller: the same key chosen by two callers seals their answers apart.
        salt = self.pepper + actor.subject.encode()
        kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=_ANSWER_KEY_INFO)
        return kdf.derive(key.encode())

    def _bound_to(self, actor: Actor, key: str) -> bytes:
        # Authenticated with the row it is stored in: a sealed answer copied into another row does not open.
        return f"{actor.subject}\0{self.stored_key(key)}".encode()

    def seal(self, actor: Actor, key: str, body: Any) -> Any:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self._answer_key(actor, key)).encrypt(
            nonce, orjson.dumps(body), self._bound_to(actor, key)
        )
        return {"sealed": base64.b64encode(nonce + sealed).decode()}

    def unseal(self, actor: Actor, key: str, body: Any) -> Any:
        raw = base64.b64decode(body["sealed"])
        nonce, sealed = raw[:_NONCE_BYTES], raw[_NONCE_BYTES:]
        opened = AESGCM(self._answer_key(actor, key)).decrypt(nonce, sealed, self._bound_to(actor, key))
        return orjson.loads(opened)

    def _password_salt(self, actor: Actor, key: str) -> bytes:
        material = _PASSWORD_SALT_INFO + self.pepper + f"\0{actor.subject}\0{key}".encode()
        return hashlib.sha256(material).digest()[:16]

    async def fingerprinted(self, actor: Actor, key: str | None, body: BaseModel) -> dict[str, Any]:
        """The body as the request's fingerprint holds it: each password replaced by its keyed argon2id
        digest. Without a usable key nothing is kept, so nothing is hashed (a blank key is refused by run)."""
        values: dict[str, Any] = body.model_dump(mode="json")
        if key is None or not key.strip():
            return values
        salt = self._password_salt(actor, key)
        for field in PASSWORD_FIELDS:
            if values.get(field) is not None:
                values[field] = await passwords.keyed_digest(values[field], salt)
        return values

    def run(
        self,
        session: AsyncSession,
        actor: Actor,
        key: str | None,
        request: tuple[Any, ...],
        produce: Callable[[], Awaitable[BaseModel | list[Any] | dict[str, Any]]],
        status: int = 200,
    ) -> Awaitable[Response]:
        """An admin write run once per Idempotency-Key, in the write's transaction (fupin_kit.idempotency)."""
        return idempotency.run(idempotency_keys, session, actor, key, request, produce, status, kept=self)

    async def release(self, session: AsyncSession, actor: Actor, key: str) -> None:
        await idempotency.release(idempotency_keys, session, actor, key, kept=self)

"""The subjects whose still-unexpired tokens must be refused (disabled accounts, evaluators past their
access window), and the subjects whose tokens issued before a moment must be refused (their password or
client secret was reset, their roles or scopes changed), as every service learns them from the gateway.

Tokens are self-contained, so a service cannot tell from a token that its account was disabled, or its
credentials or powers changed, after it was issued. The gateway publishes its blocklist at
REVOKED_SUBJECTS_PATH as keyed digests of the subject strings, HMAC-SHA-256 under a key every process
derives from the platform's shared FUPIN_PII_KEY (revocation_key): "subjects" (every token refused) and
"not_before" ({digest: epoch seconds to the millisecond}: a token whose `iat` is earlier is refused). The
document is public, so a plain hash would not do: anyone could hash "user:zhang.san" and read from the list
whether that account is disabled or had its password reset; without the key a digest names nobody.
Documents of gateways from before keyed digests ("algorithm": "sha256", plain SHA-256) are still read, so
a service upgraded before its gateway keeps refusing what that gateway revoked. Each service polls it every few seconds, the same way it reads the JWK set,
and its TokenVerifier refuses accordingly. A failed poll keeps the last set: an outage of the gateway must
never re-admit a disabled account or a token issued before a password reset.

Not-before is compared to the millisecond (auth/instants.py): the gateway publishes the change time
truncated to the millisecond, and a token is refused when its `iat` is earlier. A token issued in the very
millisecond of the change is accepted; a token minted before tokens carried milliseconds has a whole-second
`iat`, which is earlier than any not-before in its second, so it is refused, as it should be.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from fupin_kit.auth.sources import DEFAULT_TIMEOUT_S, FETCH_ERRORS, fetch_json, is_url

log = logging.getLogger(__name__)

REVOKED_SUBJECTS_PATH = "/.well-known/fupin-revoked-subjects.json"
ALGORITHM = "hmac-sha256"
# What gateways published before keyed digests: plain SHA-256 of the subject.
UNKEYED_ALGORITHM = "sha256"
_DIGEST = re.compile(r"[0-9a-f]{64}")
_KEY_LABEL = b"fupin-revoked-subjects"
# Subjects whose digest a poller remembers; past it the memory starts again (a digest is cheap to redo).
_DIGEST_MEMORY = 10_000


def revocation_key(master: bytes) -> bytes:
    """The digest key, derived from the platform's shared PII key (FUPIN_PII_KEY) under its own label, so
    it is the same in every process and tells nothing of the keys that encrypt and index identities."""
    return hmac.new(master, _KEY_LABEL, hashlib.sha256).digest()


def subject_digest(subject: str, key: bytes | None) -> str:
    """What the gateway publishes for a subject ("user:zhang.san") and what a verifier looks up: the
    keyed digest under `key`, or, with None, the plain SHA-256 older gateways published."""
    if key is None:
        return hashlib.sha256(subject.encode("utf-8")).hexdigest()
    return hmac.new(key, subject.encode("utf-8"), hashlib.sha256).hexdigest()


def render_document(
    subjects: Iterable[str],
    generation: int,
    changed_at: datetime,
    not_before: Mapping[str, float] | None = None,
    *,
    key: bytes,
) -> bytes:
    """The published document for these (plain) subjects: {"algorithm", "generation", "changed_at",
    "subjects": sorted digests under `key`, "not_before": {digest: epoch seconds}}. `generation` counts the
    publisher's changes (per gateway process); `not_before` maps plain subjects to the instant (the change
    time, truncated to the millisecond) before which their tokens are refused."""
    document = {
        "algorithm": ALGORITHM,
        "generation": generation,
        "changed_at": changed_at.isoformat(),
        "subjects": sorted(subject_digest(subject, key) for subject in subjects),
        "not_before": dict(
            sorted((subject_digest(subject, key), seconds) for subject, seconds in (not_before or {}).items())
        ),
    }
    return json.dumps(document, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Revocations:
    """A parsed document: the revoked digests, and the not-before (epoch seconds) per digest."""

    subjects: frozenset[str]
    not_before: Mapping[str, float] = field(default_factory=dict)
    # False for a document of a gateway from before keyed digests (plain SHA-256).
    keyed: bool = True


def parse_revocations(document: dict[str, Any]) -> Revocations:
    """Both parts of a published document; ValueError for anything malformed, so that a garbled answer
    is a failed poll (the last set kept), never an empty set that would re-admit everyone. A document
    without "not_before" (from a gateway older than it) has none."""
    subjects = document.get("subjects")
    algorithm = document.get("algorithm")
    if algorithm not in (ALGORITHM, UNKEYED_ALGORITHM) or not isinstance(subjects, list):
        raise ValueError("not a revoked-subjects document")
    if not all(isinstance(digest, str) and _DIGEST.fullmatch(digest) for digest in subjects):
        raise ValueError("a revoked subject is not a lower-case SHA-256 hex digest")
    not_before = document.get("not_before", {})
    if not isinstance(not_before, dict):
        raise ValueError("not_before is not an object")
    for digest, seconds in not_before.items():
        if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
            raise ValueError("a not_before subject is not a lower-case SHA-256 hex digest")
        # Whole seconds from gateways older than millisecond not-befores, fractional ones from newer.
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 <= seconds < math.inf:
            raise ValueError("a not_before time is not a number of epoch seconds")
    return Revocations(
        frozenset(subjects),
        {digest: float(seconds) for digest, seconds in not_before.items()},
        keyed=algorithm == ALGORITHM,
    )


def parse_document(document: dict[str, Any]) -> frozenset[str]:
    """The revoked digests of a published document, after checking all of it (see parse_revocations)."""
    return parse_revocations(document).subjects


class RevokedSubjects:
    """The last known revoked subject digests and not-before times, refreshed from `source` (the gateway's
    URL, or a file) every `refresh_s` seconds by a task between start() and stop(); `key` is the
    revocation_key the gateway digests subjects with."""

    def __init__(
        self, source: str, refresh_s: float, key: bytes, timeout_s: float = DEFAULT_TIMEOUT_S
    ) -> None:
        self.source = source
        self.refresh_s = refresh_s
        self.timeout_s = timeout_s
        self.generation: int | None = None
        self._key = key
        self._keyed = True
        # subject -> its digest in the current document's algorithm: a token check per request is then
        # one dict and one set lookup, not an HMAC.
        self._digest_of: dict[str, str] = {}
        self._digests: frozenset[str] = frozenset()
        self._not_before: Mapping[str, float] = {}
        self._etag: str | None = None
        self._failing = False
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None

    def __contains__(self, digest: str) -> bool:
        return digest in self._digests

    def __len__(self) -> int:
        return len(self._digests)

    def not_before(self, digest: str) -> float | None:
        """The instant (epoch seconds) before which tokens of this subject are refused, if any."""
        return self._not_before.get(digest)

    def digest(self, subject: str) -> str:
        """The subject's digest as the current document lists subjects."""
        digest = self._digest_of.get(subject)
        if digest is None:
            digest = subject_digest(subject, self._key if self._keyed else None)
            if len(self._digest_of) >= _DIGEST_MEMORY:
                self._digest_of.clear()
            self._digest_of[subject] = digest
        return digest

    def refuses(self, subject: str, issued_at: float | None) -> bool:
        """Whether a token of this subject ("user:zhang.san"), issued at `issued_at` (its `iat`), must be
        refused: the subject is revoked, or the token was issued before the subject's not-before (a token
        without `iat` then too: it cannot prove it is newer)."""
        digest = self.digest(subject)
        if digest in self._digests:
            return True
        not_before = self._not_before.get(digest)
        return not_before is not None and (issued_at is None or issued_at < not_before)

    async def refresh(self) -> bool:
        """One poll; True when the set is now the source's. On failure the last set stays in force."""
        try:
            fetched = await fetch_json(self.source, client=self._http(), etag=self._etag)
            parsed = None if fetched.document is None else parse_revocations(fetched.document)
        except FETCH_ERRORS as exc:
            # Once per outage, not on every poll of it.
            if not self._failing:
                log.warning(
                    "revoked subjects: reading %s failed (%s: %s); keeping the last %d",
                    self.source,
                    type(exc).__name__,
                    exc,
                    len(self._digests),
                )
            self._failing = True
            return False
        if fetched.document is not None and parsed is not None:
            if parsed.keyed != self._keyed:
                self._keyed = parsed.keyed
                self._digest_of = {}
            self._digests = parsed.subjects
            self._not_before = parsed.not_before
            self._etag = fetched.etag
            generation = fetched.document.get("generation")
            self.generation = generation if isinstance(generation, int) else None
        if self._failing:
            log.warning("revoked subjects: %s readable again (%d subjects)", self.source, len(self))
        self._failing = False
        return True

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="revoked-subjects")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_s)
            try:
                await self.refresh()
            except Exception:
                # A bug must not end the polling for the life of the process (the set would silently
                # freeze); the expected failures are handled inside refresh().
                log.exception("revoked subjects: refresh failed unexpectedly")

    def _http(self) -> httpx.AsyncClient | None:
        # One client for the life of the poller: a poll every few seconds reuses its connection.
        if self._client is None and is_url(self.source):
            self._client = httpx.AsyncClient(timeout=self.timeout_s)
        return self._client

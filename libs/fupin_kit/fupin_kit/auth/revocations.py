"""The subjects whose still-unexpired tokens must be refused (disabled accounts, evaluators past their
access window), as every service learns them from the gateway.

Tokens are self-contained, so a service cannot tell from a token that its account was disabled after it
was issued. The gateway publishes its blocklist at REVOKED_SUBJECTS_PATH as SHA-256 digests of the subject
strings (so the unauthenticated world learns no account names); each service polls it every few seconds,
the same way it reads the JWK set, and its TokenVerifier refuses any token whose subject's digest is in it.
A failed poll keeps the last set: an outage of the gateway must never re-admit a disabled account.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import httpx

from fupin_kit.auth.sources import DEFAULT_TIMEOUT_S, FETCH_ERRORS, fetch_json, is_url

log = logging.getLogger(__name__)

REVOKED_SUBJECTS_PATH = "/.well-known/fupin-revoked-subjects.json"
ALGORITHM = "sha256"
_DIGEST = re.compile(r"[0-9a-f]{64}")


def subject_digest(subject: str) -> str:
    """What the gateway publishes for a subject ("user:zhang.san") and what a verifier looks up."""
    return hashlib.sha256(subject.encode("utf-8")).hexdigest()


def render_document(subjects: Iterable[str], generation: int, changed_at: datetime) -> bytes:
    """The published document for these (plain) subjects: {"algorithm", "generation", "changed_at",
    "subjects": sorted digests}. `generation` counts the publisher's changes (per gateway process)."""
    document = {
        "algorithm": ALGORITHM,
        "generation": generation,
        "changed_at": changed_at.isoformat(),
        "subjects": sorted(subject_digest(subject) for subject in subjects),
    }
    return json.dumps(document, separators=(",", ":")).encode()


def parse_document(document: dict[str, Any]) -> frozenset[str]:
    """The digests of a published document; ValueError for anything malformed, so that a garbled answer
    is a failed poll (the last set kept), never an empty set that would re-admit everyone."""
    subjects = document.get("subjects")
    if document.get("algorithm") != ALGORITHM or not isinstance(subjects, list):
        raise ValueError("not a revoked-subjects document")
    if not all(isinstance(digest, str) and _DIGEST.fullmatch(digest) for digest in subjects):
        raise ValueError("a revoked subject is not a lower-case SHA-256 hex digest")
    return frozenset(subjects)


class RevokedSubjects:
    """The last known set of revoked subject digests, refreshed from `source` (the gateway's URL, or a
    file) every `refresh_s` seconds by a task between start() and stop()."""

    def __init__(self, source: str, refresh_s: float, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.source = source
        self.refresh_s = refresh_s
        self.timeout_s = timeout_s
        self.generation: int | None = None
        self._digests: frozenset[str] = frozenset()
        self._etag: str | None = None
        self._failing = False
        self._client: httpx.AsyncClient | None = None
        self._task: asyncio.Task[None] | None = None

    def __contains__(self, digest: str) -> bool:
        return digest in self._digests

    def __len__(self) -> int:
        return len(self._digests)

    async def refresh(self) -> bool:
        """One poll; True when the set is now the source's. On failure the last set stays in force."""
        try:
            fetched = await fetch_json(self.source, client=self._http(), etag=self._etag)
            digests = None if fetched.document is None else parse_document(fetched.document)
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
        if fetched.document is not None and digests is not None:
            self._digests = digests
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

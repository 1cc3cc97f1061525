"""The subjects whose tokens the gateway refuses, kept in memory and reloaded every few seconds: the set of
disabled subjects (every token refused), and each subject's not-before (tokens issued before it refused:
its password or secret was reset, or its roles or scopes changed, after they were issued).

Tokens are self-contained: a token issued before its account was disabled, or its credentials or powers
changed, stays valid until it expires. The gateway closes that gap for everything routed through it by
checking refuses() on every request; an admin's change in this process takes effect at once, in other
gateway processes within one refresh interval. Services learn both from their published form (keyed digests
of the subjects, see revoked_subjects.py), which they poll every FUPIN_REVOKED_SUBJECTS_REFRESH_S.

Not-before is kept to the millisecond, the change time truncated, as a token's `iat` is (fupin_kit
auth/instants.py): a token issued a moment before the change is refused, one issued a moment after it (a
user signing in with a new password at once) is not. Only a token issued in the very millisecond of the
change is accepted either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from fupin_gateway.identity import repository
from fupin_kit.auth.instants import floor_ms_seconds
from fupin_kit.auth.revocations import render_document, subject_digest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    """The set as services read it, rendered once per change (they poll it every few seconds)."""

    body: bytes
    # Over the digests and not-befores only (not the generation), so every gateway process holding the same
    # set answers the same ETag.
    etag: str


class Blocklist:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        refresh_s: float,
        window_s: int,
        digest_key: bytes,
    ) -> None:
        self.sessionmaker = sessionmaker
        # The services' revocation key (KitSettings.revocation_key): what the published digests are under.
        self.digest_key = digest_key
        self.refresh_s = refresh_s
        # How long a subject stays listed after it was disabled: until its last token has expired.
        self.window_s = window_s
        self._subjects: frozenset[str] = frozenset()
        # subject -> instant (epoch seconds, to the millisecond) before which its tokens are refused: its
        # tokens_valid_after, truncated to the millisecond.
        self._not_before: dict[str, float] = {}
        # Counts changes of the set in this process, and when the last one was: part of the published form.
        self._generation = 0
        self._changed_at = datetime.now(UTC)
        self._published: Published | None = None
        # Changes made in this process since the last reload started: the reload's snapshot may predate
        # them (their transaction was not yet committed), so they are re-applied on top of it.
        self._pending_block: set[str] = set()
        self._pending_unblock: set[str] = set()
        self._pending_not_before: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def __contains__(self, subject: str) -> bool:
        """Whether the subject is disabled (every token of it refused)."""
        return subject in self._subjects

    def not_before(self, subject: str) -> float | None:
        """The instant (epoch seconds) before which the subject's tokens are refused, if any."""
        return self._not_before.get(subject)

    def refuses(self, subject: str, issued_at: float | None) -> bool:
        """Whether a token of `subject` issued at `issued_at` (its `iat`) must be refused:
        the subject is disabled, or the token was issued before the subject's not-before (a token without
        `iat` then too: it cannot show it is newer)."""
        if subject in self._subjects:
            return True
        not_before = self._not_before.get(subject)
        return not_before is not None and (issued_at is None or issued_at < not_before)

    def block(self, subject: str) -> None:
        self._pending_block.add(subject)
        self._pending_unblock.discard(subject)
        self._set(self._subjects | {subject}, self._not_before)

    def unblock(self, subject: str) -> None:
        self._pending_unblock.add(subject)
        self._pending_block.discard(subject)
        self._set(self._subjects - {subject}, self._not_before)

    def end_tokens_before(self, subject: str, valid_after: datetime) -> None:
        """Refuse the subject's tokens issued before `valid_after` (its committed tokens_valid_after)."""
        seconds = floor_ms_seconds(valid_after)
        self._pending_not_before[subject] = max(self._pending_not_before.get(subject, seconds), seconds)
        self._set(self._subjects, _later(self._not_before, {subject: seconds}))

    async def reload(self) -> None:
        block, unblock = set(self._pending_block), set(self._pending_unblock)
        not_before = dict(self._pending_not_before)
        async with self.sessionmaker() as session:
            loaded = await repository.blocked_subjects(session, self.window_s)
            loaded_not_before = await repository.tokens_not_before(session, self.window_s)
        # Pending local changes older than this reload are now reflected in the database (or rolled back,
        # in which case the database is right); only those made during the reload are re-applied.
        self._pending_block -= block
        self._pending_unblock -= unblock
        for subject, seconds in not_before.items():
            if self._pending_not_before.get(subject) == seconds:
                del self._pending_not_before[subject]
        merged = _later(
            {subject: floor_ms_seconds(at) for subject, at in loaded_not_before.items()},
            self._pending_not_before,
        )
        self._set(frozenset((loaded | self._pending_block) - self._pending_unblock), merged)

    def published(self) -> Published:
        if self._published is None:
            key = self.digest_key
            body = render_document(
                self._subjects, self._generation, self._changed_at, self._not_before, key=key
            )
            # Over the keyed digests: the ETag is public too, and a plain hash of a guessed set would match it.
            material = "\n".join(sorted(subject_digest(subject, key) for subject in self._subjects))
            if self._not_before:
                # Only when there is any, so a set without not-befores keeps the ETag it had.
                material += "\nnot_before\n" + "\n".join(
                    sorted(f"{subject_digest(subject, key)}:{at}" for subject, at in self._not_before.items())
                )
            tag = hashlib.sha256(material.encode()).hexdigest()[:32]
            self._published = Published(body=body, etag=f'"{tag}"')
        return self._published

    def _set(self, subjects: frozenset[str], not_before: dict[str, float]) -> None:
        if subjects != self._subjects or not_before != self._not_before:
            self._subjects = subjects
            self._not_before = not_before
            self._generation += 1
            self._changed_at = datetime.now(UTC)
            self._published = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="gateway-blocklist")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self.reload()
            except (SQLAlchemyError, OSError) as exc:
                # Keep the last known set: an outage must not silently re-admit disabled accounts.
                log.warning("blocklist reload failed: %s", type(exc).__name__)
            await asyncio.sleep(self.refresh_s)


def _later(base: dict[str, float], extra: dict[str, float]) -> dict[str, float]:
    """`base` with `extra` on top, keeping the later not-before of a subject in both."""
    merged = dict(base)
    for subject, seconds in extra.items():
        merged[subject] = max(merged.get(subject, seconds), seconds)
    return merged

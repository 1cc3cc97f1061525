"""Account lockout: after `max_failures` failed sign-ins for one name within `window_s`, every attempt for
that name is refused for `lock_s` seconds, the right secret included, with invalid_grant saying so.

The per-IP rate limits (ratelimit.py) do not stop guesses at one account spread over many addresses; this
does. It is per name tried, not per account: a name no account has locks just the same, so the answer
tells nobody which names exist. People and evaluators share the password grant's names; client ids are
counted apart. A proven secret clears the count (whether or not the account may then sign in).

The counts live in the gateway's database (they survive restarts and are shared by every replica), and
the attempts at one name run one at a time (repository.lock_sign_in_name) from the check to the count, so
parallel guesses cannot all pass the check before any is counted. The sign-in's transaction commits even
when it is refused (identity.router answers OAuth errors instead of raising them), so a failure stays
counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from fupin_gateway.identity import errors, repository
from fupin_kit.audit.append import append_change
from fupin_kit.audit.chain import AuditEntry
from fupin_kit.divisions import NATION

MAX_NAME = 200  # no account name is longer (64); a longer one is kept to this much


@dataclass(frozen=True)
class Policy:
    max_failures: int  # 0: no lockout
    window_s: int
    lock_s: int

    @property
    def enabled(self) -> bool:
        return self.max_failures > 0


OFF = Policy(max_failures=0, window_s=1, lock_s=1)


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt: the grant and the name it tried, and where it came from (for the audit)."""

    policy: Policy
    grant_type: str
    name: str
    client_ip: str = ""

    @property
    def key(self) -> str:
        # PostgreSQL text cannot hold NUL; the name is only a key here, never shown to anyone as an account.
        return self.name.replace("\x00", "\ufffd")[:MAX_NAME]


async def check(session: AsyncSession, attempt: Attempt) -> bool:
    """Refuse (raise) while the name is locked; else hold the name's turn until the transaction ends.
    Whether the name has failures on record (so a success has something to clear)."""
    if not attempt.policy.enabled:
        return False
    await repository.lock_sign_in_name(session, attempt.grant_type, attempt.key)
    on_record, locked_for_s = await repository.sign_in_lock(session, attempt.grant_type, attempt.key)
    if locked_for_s is not None:
        raise errors.account_locked(locked_for_s)
    return on_record


async def failed(session: AsyncSession, attempt: Attempt) -> None:
    """Count a wrong secret; the one that reaches the limit locks the name and is audited."""
    policy = attempt.policy
    if not policy.enabled:
        return
    recent = await repository.record_sign_in_failure(
        session, attempt.grant_type, attempt.key, policy.window_s
    )
    await repository.forget_stale_failures(session, policy.window_s)
    if recent >= policy.max_failures:
        until = await repository.lock_sign_in(session, attempt.grant_type, attempt.key, policy.lock_s)
        await _audit_lock(session, attempt, recent, until)


async def succeeded(session: AsyncSession, attempt: Attempt, on_record: bool) -> None:
    if on_record:
        await repository.clear_sign_in_failures(session, attempt.grant_type, attempt.key)


async def _audit_lock(session: AsyncSession, attempt: Attempt, failures: int, until: datetime) -> None:
    # The refused attempts themselves are in the access audit as sign_in_refused; this row says why.
    # At the locked account's division, where its admins search the audit (the nation's for a name that
    # is no account).
    division = await repository.sign_in_division(session, attempt.grant_type, attempt.key) or NATION
    entry = AuditEntry(
        actor="anonymous",
        action="sign_in_locked",
        subject="/oauth/token",
        division=division,
        detail={
            "grant_type": attempt.grant_type,
            "account": attempt.key[:100],
            "failures": failures,
            "locked_until": until.isoformat(),
            "client_ip": attempt.client_ip,
        },
    )
    await append_change(session, entry)

"""All SQL over the account tables. Every admin query carries the caller's subtree range
(`division BETWEEN lo AND hi`), so an account outside it is simply not found."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, select, text, union_all, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from fupin_gateway.identity.tables import (
    CLIENT,
    EVALUATOR,
    KINDS,
    USER,
    AccountKind,
    clients,
    evaluators,
    people,
)


async def by_name(session: AsyncSession, kind: AccountKind, name: str) -> Any | None:
    """Unscoped: only for sign-in, where the caller has no jurisdiction yet."""
    table = kind.table
    return (await session.execute(select(table).where(table.c[kind.key] == name))).first()


async def share_locked(session: AsyncSession, kind: AccountKind, name: str) -> Any | None:
    """The account as it is now, share-locked until the transaction ends (a sign-in issuing a token: see
    identity.service._proven_account). Unscoped, as by_name."""
    table = kind.table
    query = select(table).where(table.c[kind.key] == name).with_for_update(read=True)
    return (await session.execute(query)).first()


async def lock_for_change(session: AsyncSession, kind: AccountKind, name: str, lo: str, hi: str) -> None:
    """Row-lock the account (if it is in lo..hi) until the transaction ends, waiting for sign-ins that
    hold it share-locked."""
    table = kind.table
    query = (
        select(table.c[kind.key])
        .where(table.c[kind.key] == name, table.c.division.between(lo, hi))
        .with_for_update()
    )
    await session.execute(query)


async def database_clock(session: AsyncSession) -> datetime:
    """The database's clock now (not the transaction's start): the one clock not-befores are taken from."""
    clock: datetime = (await session.execute(select(func.clock_timestamp()))).scalar_one()
    return clock


async def scoped(session: AsyncSession, kind: AccountKind, name: str, lo: str, hi: str) -> Any | None:
    table = kind.table
    query = select(table).where(table.c[kind.key] == name, table.c.division.between(lo, hi))
    return (await session.execute(query)).first()


async def page(
    session: AsyncSession, kind: AccountKind, lo: str, hi: str, after: str | None, limit: int
) -> Sequence[Any]:
    table = kind.table
    query = select(table).where(table.c.division.between(lo, hi))
    if after is not None:
        query = query.where(table.c[kind.key] > after)
    return (await session.execute(query.order_by(table.c[kind.key]).limit(limit))).all()


async def create(session: AsyncSession, kind: AccountKind, values: dict[str, Any]) -> Any | None:
    """Insert; None when the name is taken (the unique constraint decides, not a prior read)."""
    table = kind.table
    query = insert(table).values(**values).on_conflict_do_nothing(index_elements=[kind.key]).returning(table)
    return (await session.execute(query)).first()


async def change(
    session: AsyncSession, kind: AccountKind, name: str, lo: str, hi: str, values: dict[str, Any]
) -> Any | None:
    table = kind.table
    query = (
        update(table)
        .where(table.c[kind.key] == name, table.c.division.between(lo, hi))
        .values(**values, updated_at=func.now())
        .returning(table)
    )
    return (await session.execute(query)).first()


async def rehash(session: AsyncSession, kind: AccountKind, name: str, hashed: str) -> None:
    table = kind.table
    await session.execute(update(table).where(table.c[kind.key] == name).values({kind.secret: hashed}))


async def username_in_use(session: AsyncSession, username: str) -> bool:
    """People and evaluators share the password grant, so a name must be unique across both. Each table's
    unique index guards only itself: the name is locked for the transaction first, so two creations of it
    (a person and an evaluator) run one after the other and the second sees the first."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": f"account-name:{username}"}
    )
    query = select(
        or_(
            exists().where(people.c.username == username),
            exists().where(evaluators.c.username == username),
        )
    )
    return bool(await session.scalar(query))


async def sign_in_division(session: AsyncSession, grant_type: str, name: str) -> str | None:
    """The division of the account a sign-in named (None: no such account), so that a refused or locked
    sign-in is audited where that account's admins can see it. Unscoped, as by_name."""
    if "\x00" in name:  # PostgreSQL text cannot hold it: no account is named so
        return None
    if grant_type == "client_credentials":
        found = await session.execute(select(clients.c.division).where(clients.c.client_id == name))
    else:
        username = name.strip().lower()  # as the password grant reads the name it is given
        found = await session.execute(
            union_all(
                select(people.c.division).where(people.c.username == username),
                select(evaluators.c.division).where(evaluators.c.username == username),
            )
        )
    division: str | None = found.scalars().first()
    return division


async def blocked_subjects(session: AsyncSession, window_s: int) -> set[str]:
    """Subjects whose tokens the gateway refuses: accounts disabled within the last `window_s` seconds, and
    evaluators outside their access window whose window ended, or was changed, within that time. A token is
    only issued to an enabled account inside its window, so every token of a subject disabled, closed or
    re-windowed earlier than that has expired: the list would otherwise only ever grow.

    The change time matters on its own: an admin who moves a window into the past (its end long gone) ends
    tokens issued minutes ago, which must stay refused until they expire."""
    since = func.now() - timedelta(seconds=window_s)
    queries = [
        select(literal(f"{kind.name}:") + kind.table.c[kind.key]).where(
            kind.table.c.disabled, kind.table.c.disabled_at > since
        )
        for kind in (USER, CLIENT, EVALUATOR)
    ]
    outside_window = or_(evaluators.c.valid_until <= func.now(), evaluators.c.valid_from > func.now())
    recently_ended = or_(
        and_(evaluators.c.valid_until <= func.now(), evaluators.c.valid_until > since),
        evaluators.c.window_changed_at > since,
    )
    queries.append(
        select(literal(f"{EVALUATOR.name}:") + evaluators.c.username).where(outside_window, recently_ended)
    )
    rows = await session.execute(union_all(*queries))
    return {str(subject) for (subject,) in rows}


async def tokens_not_before(session: AsyncSession, window_s: int) -> dict[str, datetime]:
    """{subject: tokens_valid_after} of the accounts whose password or secret was reset, or whose roles or
    scopes changed, within the last `window_s` seconds: tokens issued before that moment are refused. Older
    changes are left out, since every token issued before them has expired."""
    since = func.now() - timedelta(seconds=window_s)
    queries = [
        select(literal(f"{kind.name}:") + kind.table.c[kind.key], kind.table.c.tokens_valid_after).where(
            kind.table.c.tokens_valid_after > since
        )
        for kind in KINDS
    ]
    rows = await session.execute(union_all(*queries))
    return {str(subject): valid_after for subject, valid_after in rows}


# ---- failed sign-ins per name (identity/throttle.py) ----------------------------------------------------


async def lock_sign_in_name(session: AsyncSession, grant_type: str, name: str) -> None:
    """Serialise the sign-ins of one name until the transaction ends, in every gateway process: each
    reads the count the previous one left, so a burst of parallel guesses is counted guess by guess."""
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"sign-in:{grant_type}:{name}"},
    )


async def sign_in_lock(session: AsyncSession, grant_type: str, name: str) -> tuple[bool, float | None]:
    """(whether the name has a failure row, seconds its lock still lasts or None when it is not locked)."""
    row = (
        await session.execute(
            text(
                "SELECT extract(epoch FROM locked_until - clock_timestamp()) AS remaining"
                " FROM sign_in_failures WHERE grant_type = :grant_type AND name = :name"
            ),
            {"grant_type": grant_type, "name": name},
        )
    ).first()
    if row is None:
        return False, None
    remaining = None if row.remaining is None else float(row.remaining)
    return True, remaining if remaining is not None and remaining > 0 else None


async def record_sign_in_failure(session: AsyncSession, grant_type: str, name: str, window_s: int) -> int:
    """Add a failure now and forget those older than the window; the failures the window now holds."""
    recent: int = (
        await session.execute(
            text(
                "INSERT INTO sign_in_failures AS f (grant_type, name, failures, updated_at)"
                " VALUES (:grant_type, :name, ARRAY[clock_timestamp()], clock_timestamp())"
                " ON CONFLICT (grant_type, name) DO UPDATE SET"
                "  failures = ARRAY(SELECT t FROM unnest(f.failures) AS t"
                "   WHERE t > clock_timestamp() - make_interval(secs => :window_s) ORDER BY t)"
                "   || clock_timestamp(),"
                "  locked_until = NULL,"
                "  updated_at = clock_timestamp()"
                " RETURNING cardinality(failures)"
            ),
            {"grant_type": grant_type, "name": name, "window_s": window_s},
        )
    ).scalar_one()
    return recent


async def lock_sign_in(session: AsyncSession, grant_type: str, name: str, lock_s: int) -> datetime:
    """Lock the name for `lock_s` seconds from now; its count starts again after the lock."""
    until: datetime = (
        await session.execute(
            text(
                "UPDATE sign_in_failures SET failures = '{}',"
                " locked_until = clock_timestamp() + make_interval(secs => :lock_s),"
                " updated_at = clock_timestamp()"
                " WHERE grant_type = :grant_type AND name = :name RETURNING locked_until"
            ),
            {"grant_type": grant_type, "name": name, "lock_s": lock_s},
        )
    ).scalar_one()
    return until


async def clear_sign_in_failures(session: AsyncSession, grant_type: str, name: str) -> None:
    await session.execute(
        text("DELETE FROM sign_in_failures WHERE grant_type = :grant_type AND name = :name"),
        {"grant_type": grant_type, "name": name},
    )


async def forget_stale_failures(session: AsyncSession, window_s: int) -> None:
    """Rows with no failure left inside the window and no lock in force count nothing: without this, every
    name ever tried (most of them no account's) would stay for good."""
    await session.execute(
        text(
            "DELETE FROM sign_in_failures"
            " WHERE updated_at < clock_timestamp() - make_interval(secs => :window_s)"
            " AND (locked_until IS NULL OR locked_until < clock_timestamp())"
        ),
        {"window_s": window_s},
    )

"""Account administration rules, shared by users, clients and evaluators.

- Only people (kind `user`) holding the `admin` role administer accounts.
- An admin sees and changes accounts only in its own subtree: anything else is 404, as if absent.
- An admin never grants a tier above its own (403), and the tier must be the division's level, because
  every verifier checks exactly that.
- Separation of duties: an admin does not change its own roles, and the admins of a division are made,
  have their roles changed and their passwords reset by an admin of a higher tier (check_admin_grant), so
  no admin gets officer or leader powers through an account of its own making or taking.
- Every change appends to the audit chain in the transaction of the change.
- A reset of a password or client secret and a change of roles or scopes end the account's tokens issued
  before it (tokens_valid_after, see identity/blocklist.py), like a disable ends all of them.
- Every write takes an Idempotency-Key (`once`): a retry answers the first response (a new client's secret
  included) and changes nothing, writes no second audit entry and ends no tokens again.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from fupin_gateway.admin import idempotent
from fupin_gateway.admin.scopes import check_push_client, check_scopes
from fupin_gateway.identity import passwords, repository, throttle
from fupin_gateway.identity.blocklist import Blocklist
from fupin_gateway.identity.errors import OAuthError
from fupin_gateway.identity.schemas import check_password_not_name
from fupin_gateway.identity.tables import EVALUATOR, AccountKind
from fupin_kit import divisions
from fupin_kit.audit.append import append_change
from fupin_kit.audit.chain import AuditEntry
from fupin_kit.auth import roles
from fupin_kit.auth.actor import Actor, require_within
from fupin_kit.problems import conflict, forbidden, not_found, unprocessable

ADMIN_ROLE = roles.ADMIN
# Held only by an evaluator account (the EVALUATOR kind), whose access has a window.
EVALUATOR_ROLE = "evaluator"
MAX_PAGE = 500


@dataclass
class AdminContext:
    session: AsyncSession
    actor: Actor
    blocklist: Blocklist
    # Whether a code names a division of the tree (None: nobody to ask; see admin.division_check).
    division_known: Callable[[str], Awaitable[bool | None]]
    # How the write's Idempotency-Key and answer are kept (admin/idempotent.py).
    sealer: idempotent.Sealer
    # What the write does to this process's blocklist, run by `once` after the commit: the blocklist's
    # reloads never see a change not yet (or never) committed, and a replayed write does none of it.
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    # The Idempotency-Key the write claimed: a refusal that commits gives it up (commit_refused).
    idempotency_key: str | None = None


async def once(
    ctx: AdminContext,
    key: str | None,
    request: tuple[Any, ...],
    produce: Callable[[], Awaitable[BaseModel | list[Any] | dict[str, Any]]],
    status: int = 200,
) -> Response:
    """Run an admin write once per Idempotency-Key, the key row in the write's transaction; commit it, then
    apply what the write does to the in-memory blocklist (nothing, for a replay)."""
    ctx.idempotency_key = key
    response = await ctx.sealer.run(ctx.session, ctx.actor, key, request, produce, status)
    await ctx.session.commit()
    for apply in ctx.after_commit:
        apply()
    ctx.after_commit.clear()
    return response


async def commit_refused(ctx: AdminContext) -> None:
    """Commit what a refused write must keep (a counted failure) without the Idempotency-Key it claimed:
    the refusal is no answer to replay, and the retry must run."""
    if ctx.idempotency_key is not None:
        await ctx.sealer.release(ctx.session, ctx.actor, ctx.idempotency_key)
    await ctx.session.commit()


def check_grant(actor: Actor, tier: str, division: str) -> None:
    # The tier check comes first: asking for a higher tier is refused as such (403), whatever division.
    if divisions.TIER_LEVELS[tier] < actor.level:
        raise forbidden(f"a {actor.tier} admin cannot grant the {tier} tier")
    if divisions.TIER_NAMES[divisions.level(division)] != tier:
        raise unprocessable(f"division {division} is not at the {tier} tier")
    require_within(actor, division, "division")
    if division in divisions.CITY_GROUPINGS:
        # Every verifier refuses a token for one (fupin_kit.auth.tokens): the account could never act.
        raise unprocessable(
            f"division {division} is a statistical grouping (市辖区, 省直辖县级行政区划), not a government: "
            "the counties it groups are governed from their province",
            code="statistical-grouping",
        )


def check_admin_grant(actor: Actor, tier: str, what: str = "") -> None:
    """The `admin` role at a tier is granted (and an admin account there has its password reset) only by
    an admin of a higher tier: a county admin by a province or city admin, and so on up to the nation,
    whose admins, with nobody above them, make the nation's. An admin that could make a fellow admin of
    its own division, with a password it chooses, would have that account give it the officer or leader
    roles it may not give itself (change)."""
    if actor.level != divisions.Level.NATION and divisions.TIER_LEVELS[tier] <= actor.level:
        what = what or f"the {ADMIN_ROLE} role at the {tier} tier is granted"
        raise forbidden(f"{what} by an admin of a higher tier, not by a {actor.tier} admin")


async def check_own_current_password(
    ctx: AdminContext,
    kind: AccountKind,
    name: str,
    current_password: str | None,
    policy: throttle.Policy,
) -> None:
    """An admin resetting its own password proves it knows the current one: otherwise anyone holding one of
    its tokens (a few minutes) would make the account theirs for good, and end the owner's tokens with it
    (QA10 ADM-3). The password of another account is reset under the tier rules alone."""
    if kind.subject(name) != ctx.actor.subject:
        return
    if current_password is None:
        raise forbidden("an admin resetting its own password gives its current one (current_password)")
    row = await find(ctx, kind, name)
    # Counted with the name's failed sign-ins (identity/throttle.py): a stolen token must not make this a
    # way to guess the password without the lockout.
    attempt = throttle.Attempt(policy, "password", name)
    try:
        on_record = await throttle.check(ctx.session, attempt)
    except OAuthError as locked:
        raise forbidden(f"{locked.description}; nothing was changed") from None
    if not await passwords.verify_secret(str(getattr(row, kind.secret)), current_password):
        await throttle.failed(ctx.session, attempt)
        await commit_refused(ctx)  # the failure stays counted although the request is refused
        raise forbidden("current_password is not the account's current password; nothing was changed")
    await throttle.succeeded(ctx.session, attempt, on_record)


def check_new_password(password: str | None, name: str) -> None:
    """The body's rules again with the account's name from the path (a reset's body does not carry it)."""
    try:
        check_password_not_name(password, name)
    except ValueError as exc:
        error = {"loc": ["body", "password"], "msg": str(exc), "type": "value_error"}
        raise unprocessable("The request is not valid", errors=[error]) from None


def check_roles(kind: AccountKind, held: list[str]) -> None:
    unknown = sorted(set(held) - roles.KNOWN_ROLES)
    if unknown:
        raise unprocessable(
            f"unknown role(s) {', '.join(unknown)}; the roles are {', '.join(sorted(roles.KNOWN_ROLES))}"
        )
    if len(set(held)) != len(held):
        raise unprocessable("a role is listed twice")
    # Administration stays with named officials: a departmental system or an outside evaluator that
    # could manage accounts would escape the accountability the audit chain relies on.
    if kind.name != "user" and ADMIN_ROLE in held:
        raise unprocessable(f"a {kind.name} cannot hold the {ADMIN_ROLE} role")
    # The evaluator role comes with an evaluator account's access window and read-only rule; on a person or
    # a departmental client it would have neither (QA8 FW-2: a person with evaluator and officer wrote).
    if kind is not EVALUATOR and EVALUATOR_ROLE in held:
        raise unprocessable(
            f"the {EVALUATOR_ROLE} role is held only by an evaluator account (/admin/evaluators, with an "
            f"access window), not by a {kind.name}"
        )
    # An outside evaluator reads and samples; writing files or deciding cases stays with officials.
    if kind is EVALUATOR and not set(held) <= roles.EVALUATOR_ROLES:
        raise unprocessable(f"an evaluator holds only the roles {', '.join(sorted(roles.EVALUATOR_ROLES))}")


async def _audit(ctx: AdminContext, action: str, kind: AccountKind, row: Any, detail: dict[str, Any]) -> None:
    entry = AuditEntry(
        actor=ctx.actor.subject,
        action=f"{kind.name}.{action}",
        subject=kind.subject(str(getattr(row, kind.key))),
        division=str(row.division),
        detail={"by_tier": ctx.actor.tier, "by_division": ctx.actor.division, **detail},
    )
    await append_change(ctx.session, entry)


async def page(
    ctx: AdminContext, kind: AccountKind, after: str | None, limit: int
) -> tuple[list[Any], str | None]:
    lo, hi = ctx.actor.subtree
    rows = list(await repository.page(ctx.session, kind, lo, hi, after, min(limit, MAX_PAGE)))
    after_next = str(getattr(rows[-1], kind.key)) if len(rows) == min(limit, MAX_PAGE) and rows else None
    return rows, after_next


async def find(ctx: AdminContext, kind: AccountKind, name: str) -> Any:
    lo, hi = ctx.actor.subtree
    row = await repository.scoped(ctx.session, kind, name, lo, hi)
    if row is None:
        raise not_found(kind.name)
    return row


async def find_locked(ctx: AdminContext, kind: AccountKind, name: str) -> Any:
    """The account as a change will find it: row-locked (as change_ending_tokens locks it) until the
    transaction ends, for a choice that depends on its values now."""
    lo, hi = ctx.actor.subtree
    await repository.lock_for_change(ctx.session, kind, name, lo, hi)
    return await find(ctx, kind, name)


async def create(ctx: AdminContext, kind: AccountKind, values: dict[str, Any], detail: dict[str, Any]) -> Any:
    check_grant(ctx.actor, values["tier"], values["division"])
    check_roles(kind, values.get("roles", []))
    if ADMIN_ROLE in values.get("roles", []):
        check_admin_grant(ctx.actor, values["tier"])
    if "scopes" in values:
        check_scopes(values["scopes"])
        check_push_client(values["scopes"], values["tier"], values["division"])
    if await ctx.division_known(values["division"]) is False:
        raise unprocessable(f"division {values['division']} is not in the division tree")
    name = values[kind.key]
    if kind.key == "username" and await repository.username_in_use(ctx.session, name):
        raise conflict(f"the name {name!r} is taken")
    row = await repository.create(ctx.session, kind, {**values, "created_by": ctx.actor.subject})
    if row is None:
        raise conflict(f"the name {name!r} is taken")
    await _audit(ctx, "created", kind, row, detail)
    return row


async def change(
    ctx: AdminContext,
    kind: AccountKind,
    name: str,
    values: dict[str, Any],
    action: str,
    detail: dict[str, Any],
) -> Any:
    if "roles" in values:
        check_roles(kind, values["roles"])
        if kind.subject(name) == ctx.actor.subject:
            # Separation of duties: an admin account alone would otherwise give itself officer or leader
            # powers (approving what it proposes). Another admin of the jurisdiction changes its roles.
            raise forbidden("an admin's own roles are changed by another admin")
    if "scopes" in values:
        check_scopes(values["scopes"])
        held = await find(ctx, kind, name)
        check_push_client(values["scopes"], held.tier, held.division)
    lo, hi = ctx.actor.subtree
    if kind.name == "user" and ("roles" in values or "password_hash" in values):
        await _check_admin_account(ctx, kind, name, values)
    row = await repository.change(ctx.session, kind, name, lo, hi, values)
    if row is None:
        raise not_found(kind.name)
    await _audit(ctx, action, kind, row, detail)
    return row


async def _check_admin_account(
    ctx: AdminContext, kind: AccountKind, name: str, values: dict[str, Any]
) -> None:
    """An account given the admin role, an admin whose roles change, or another admin whose password is
    reset (which hands its sign-in to whoever chose the new one), must be at a tier below the acting
    admin's (check_admin_grant). Read as the change finds it: change_ending_tokens, through which roles and
    passwords change, holds the row lock by now, so the roles checked are the roles changed."""
    if ctx.actor.level == divisions.Level.NATION:
        return
    lo, hi = ctx.actor.subtree
    row = await repository.scoped(ctx.session, kind, name, lo, hi)
    if row is None:
        return  # outside the jurisdiction or absent: the change itself answers 404
    if "roles" in values and ADMIN_ROLE in row.roles:
        # Taking the role away is no less a change of that admin: a peer demoted by its own tier would then
        # have its password reset by it (QA10 ADM-1), the takeover the password rule below refuses.
        check_admin_grant(ctx.actor, str(row.tier), f"the roles of a {row.tier} admin are changed")
    elif ADMIN_ROLE in values.get("roles", []):
        check_admin_grant(ctx.actor, str(row.tier))
    elif "password_hash" in values and ADMIN_ROLE in row.roles and kind.subject(name) != ctx.actor.subject:
        check_admin_grant(ctx.actor, str(row.tier), f"the password of a {row.tier} admin is reset")


async def set_disabled(ctx: AdminContext, kind: AccountKind, name: str, disabled: bool) -> Any:
    values = {"disabled": disabled, "disabled_at": func.now() if disabled else None}
    subject = kind.subject(name)
    if disabled:
        # A disable also ends the tokens issued before it: enabling the account again lets it sign in
        # again, it does not bring back a token that may be why it was disabled.
        row = await change_ending_tokens(ctx, kind, name, values, "disabled", {})
        ctx.after_commit.append(functools.partial(ctx.blocklist.block, subject))
        return row
    row = await change(ctx, kind, name, values, "enabled", {})
    ctx.after_commit.append(functools.partial(ctx.blocklist.unblock, subject))
    return row


async def change_ending_tokens(
    ctx: AdminContext,
    kind: AccountKind,
    name: str,
    values: dict[str, Any],
    action: str,
    detail: dict[str, Any],
) -> Any:
    """A change after which the account's earlier tokens must no longer be accepted (a leaked token
    outliving a password reset, a removed role kept until the token expires): records tokens_valid_after
    with it and, once committed (`once`), refuses those tokens in this process at once."""
    # Locked first, then stamped with the clock (not the transaction's start): a sign-in holding the row
    # share-locked (identity.service) has issued its token by the time the lock is granted, so that token
    # predates the not-before and ends with the others.
    lo, hi = ctx.actor.subtree
    await repository.lock_for_change(ctx.session, kind, name, lo, hi)
    values = {**values, "tokens_valid_after": func.clock_timestamp()}
    row = await change(ctx, kind, name, values, action, detail)
    subject = kind.subject(str(getattr(row, kind.key)))
    ctx.after_commit.append(
        functools.partial(ctx.blocklist.end_tokens_before, subject, row.tokens_valid_after)
    )
    return row

"""The roles an account may hold, and which of them an outside evaluator may hold.

Routes check roles with auth.actor.require_role; these are every name any route asks for, so the admin API
can refuse a typo or an invented role that would silently grant nothing (or, later, something).
"""

from __future__ import annotations

ADMIN = "admin"
# Write powers: a cadre records (village work), an officer decides (township and county steps).
WRITE_ROLES = frozenset({"cadre", "officer", ADMIN})
# Read or act on their own narrow ground: a department pushing lists, an evaluator sampling files, a
# leader or viewer reading.
KNOWN_ROLES = frozenset({*WRITE_ROLES, "department", "evaluator", "leader", "viewer"})
# A third-party evaluator reads and samples; it never writes a household's file or a case.
EVALUATOR_ROLES = frozenset({"evaluator", "viewer"})


def evaluator_roles(roles: frozenset[str]) -> frozenset[str]:
    """What an evaluator's token may use of the roles it carries (a token issued before the admin API
    refused write roles for evaluators still carries them: every process drops them here)."""
    return roles & EVALUATOR_ROLES

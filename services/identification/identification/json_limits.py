"""Bounds on the free-form JSON a request may carry (a case step's `finding`: the survey's findings, the
vote, the household's signature), and a safe rendering of what was stored before they were enforced.

A free-form value is recorded verbatim in the case history and read back by every tier. Unbounded, a
finding nested a few hundred levels deep was accepted and stored, and the history then failed (500) for
everyone, because the JSON encoder refuses such depths (pydantic-core stops at about 254 levels). So every
free-form field of a request schema is declared `FreeJson`: at most MAX_DEPTH levels of nesting, at most
MAX_ENTRIES keys and list items in all, and no string (key or value) longer than MAX_STRING characters.
A value outside the bounds is refused with the request's other validation errors (422).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator

# The finding object itself is level 1: {"notes": ["..."]} is two levels deep.
MAX_DEPTH = 8
MAX_ENTRIES = 200
MAX_STRING = 2000

# Reading back: a stored value nested deeper than this (recorded before the bounds) is shown as a
# placeholder rather than failing the whole history. Far above MAX_DEPTH plus the history's own envelope,
# far below the encoder's limit.
SHOWN_DEPTH = 64
TOO_DEEP = f"[nested deeper than {SHOWN_DEPTH} levels: not shown]"


def check(value: Any) -> Any:
    """`value` unchanged if it is within the bounds; ValueError (a 422 in a request) if not.

    Walked with an explicit stack, not recursion, so a value nested to the parser's limit is refused as
    soon as its depth passes the bound instead of exhausting the interpreter's stack."""
    entries = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if len(item) > MAX_STRING:
                raise ValueError(f"a text in it is longer than {MAX_STRING} characters")
            continue
        if isinstance(item, dict):
            children: list[Any] = [*item.keys(), *item.values()]
            entries += len(item)
        elif isinstance(item, list | tuple):
            children = list(item)
            entries += len(item)
        else:
            continue
        if depth > MAX_DEPTH:
            raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
        if entries > MAX_ENTRIES:
            raise ValueError(f"more than {MAX_ENTRIES} keys and list items in all")
        # Keys are strings (checked for length) at the container's own level; values one level down.
        stack.extend((child, depth + 1) for child in children)
    return value


FreeJson = Annotated[dict[str, Any], AfterValidator(check)]


def shown(value: Any, depth: int = 1) -> Any:
    """A copy of a stored JSON value fit to be answered: any part deeper than SHOWN_DEPTH levels is
    replaced by the TOO_DEEP placeholder (the rest is kept as stored)."""
    if isinstance(value, dict | list | tuple) and depth > SHOWN_DEPTH:
        return TOO_DEEP
    if isinstance(value, dict):
        return {key: shown(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [shown(item, depth + 1) for item in value]
    return value

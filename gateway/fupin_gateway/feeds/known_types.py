"""The event types the platform declares: the keys of `PAYLOADS` in every contract module of
fupin_contracts (one module per producing service). The feed policy is checked against them, so a glob
naming a type nobody emits (a typo, an aggregate renamed) stops the gateway instead of starving a tier."""

from __future__ import annotations

import functools
import importlib
import pkgutil

import fupin_contracts


@functools.cache
def known_event_types() -> frozenset[str]:
    types: set[str] = set()
    for module_info in pkgutil.iter_modules(fupin_contracts.__path__):
        module = importlib.import_module(f"{fupin_contracts.__name__}.{module_info.name}")
        payloads = getattr(module, "PAYLOADS", None)
        if isinstance(payloads, dict):
            types.update(str(event_type) for event_type in payloads)
    return frozenset(types)

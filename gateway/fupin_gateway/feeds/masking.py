"""Masking of event payloads for a tier: the policy's field rules, then a defensive scrubber.

Field rules match keys at any depth of `data` (members[].resident_id is as personal as resident_id).
For tiers above the county a scrubber then masks every resident-ID-shaped run of characters and every
mobile number anywhere in the event, so a producer that adds a new ID field (or writes one into free text:
a reason, an objection, a survey note) does not leak it before the policy catches up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fupin_gateway.feeds.policy import TierPolicy, full_identity
from fupin_kit.civil_time import CHINA
from fupin_kit.pii import mask_name, mask_resident_id, mask_text

# Envelope attributes that can never hold personal data and must stay byte-identical (ids, codes).
UNTOUCHED_ATTRIBUTES = frozenset({"id", "specversion", "time", "division", "extradivisions", "type"})


def apply_rules(value: Any, policy: TierPolicy) -> Any:
    """A masked copy of `value` (the input is never modified: it may be the stored body)."""
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if key in policy.drop:
                continue
            if key in policy.mask_resident_id:
                result[key] = _map_strings(item, mask_resident_id)
            elif key in policy.mask_name:
                result[key] = _map_strings(item, mask_name)
            else:
                result[key] = apply_rules(item, policy)
        return result
    if isinstance(value, list):
        return [apply_rules(item, policy) for item in value]
    return value


def scrub(value: Any) -> Any:
    """Mask every resident ID and mobile number in every string (keys included) of `value`, as the
    services' APIs mask free text above the county (fupin_kit.pii.mask_text)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {scrub(key): scrub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item) for item in value]
    return value


# A member change (registry member.added) whose day is, or is close to, a birth date: a child born into the
# household, or any member joining in the first year of its life (`joined_in_infancy`: a newborn moving
# in). Above the county that day is withheld, as the registry withholds birth dates there: it is the digits
# the masked ID number hides. The contract wants a date, so the day becomes 1 January of the year the join
# was recorded (the event's own time, which every reader has), flagged `effective_on_withheld`.
BIRTH_CHANGE = "birth"
CHANGE_DAY = "effective_on"
WITHHELD_FLAG = "effective_on_withheld"
INFANCY_FLAG = "joined_in_infancy"


def withhold_birth_day(data: Any, recorded_at: Any) -> Any:
    if not isinstance(data, dict) or data.get(CHANGE_DAY) is None:
        return data
    if data.get("change") != BIRTH_CHANGE and data.get(INFANCY_FLAG) is not True:
        return data
    return {**data, CHANGE_DAY: f"{_recorded_year(recorded_at, data[CHANGE_DAY])}-01-01", WITHHELD_FLAG: True}


def _recorded_year(recorded_at: Any, day: Any) -> int:
    """The year in China of the event's time (RFC 3339); that of the day itself if the time is unreadable."""
    try:
        return dt.datetime.fromisoformat(str(recorded_at).replace("Z", "+00:00")).astimezone(CHINA).year
    except ValueError:
        return int(str(day)[:4])


def mask_event(body: dict[str, Any], tier: str, policy: TierPolicy) -> dict[str, Any]:
    """The CloudEvents body as `tier` may see it: rules on `data`, then, above the county, a birth's day
    withheld and the scrubber."""
    masked = dict(body)
    masked["data"] = apply_rules(body.get("data") or {}, policy)
    if full_identity(tier):
        return masked
    masked["data"] = withhold_birth_day(masked["data"], body.get("time"))
    return {key: item if key in UNTOUCHED_ATTRIBUTES else scrub(item) for key, item in masked.items()}


def _map_strings(value: Any, mask: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [_map_strings(item, mask) for item in value]
    if isinstance(value, dict):
        # A structured value under an ID/name key (unusual): mask every string inside it.
        return {key: _map_strings(item, mask) for key, item in value.items()}
    return value

"""Regular expressions shared by the registry's request schemas and parameters.

ASCII digits are spelled `[0-9]`, never `\\d`: both Python's `re` and pydantic's Rust regex match every
Unicode decimal digit with `\\d`, so a full-width code (５２２６…) would pass validation, reach `int()`
(which accepts it too) and be echoed back or stored as a code no table holds."""

from __future__ import annotations

DIVISION_CODE = r"^[0-9]{12}$"
BANK_ACCOUNT = r"^[0-9]{8,30}$"
# Digits with the separators people write (spaces, hyphens) and an optional leading +: it starts and ends
# with a digit, so "-----" or "+ -" is not a phone number.
PHONE = r"^\+?[0-9][0-9\- ]{3,28}[0-9]$"

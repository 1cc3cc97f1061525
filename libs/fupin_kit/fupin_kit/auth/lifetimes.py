"""The platform's default token lifetime and clock leeway, in one place: the settings' defaults, the longest
lifetime a verifier accepts when not told the platform's figure, how long a retired signing key stays
published, and a signed token's default lifetime all follow from these two figures."""

from __future__ import annotations

# Short on purpose: see fupin_kit.settings.Settings.token_lifetime_s.
DEFAULT_TOKEN_LIFETIME_S = 900
DEFAULT_LEEWAY_S = 10

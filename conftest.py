"""Root of every test folder (services' and libs' tests, gateway/tests, tests/): what all of them share."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator

import pytest


@pytest.fixture(scope="session", autouse=True)
async def _shared_browser_closed() -> AsyncIterator[None]:
    """Closes the Chromium the browser tests of this process shared, if any ran (tests/e2e/console_kit)."""
    yield
    console_kit = sys.modules.get("tests.e2e.console_kit")
    if console_kit is not None:
        await console_kit.close_shared_browser()

"""Cross-service tests run on the real stack started by the fupin_kit pytest plugin."""

from pathlib import Path

import pytest

# Run alone, after the rest (`make test` runs the suite in two phases): the reliability scenarios time
# process restarts, broker pauses and consumer-group rebalances, and `fupin up`/`down` wait for readiness
# and for every process to be gone; another test's processes competing for the two cores would make their
# timings, not the platform, decide the outcome.
SERIAL = (Path(__file__).parent / "faults", Path(__file__).parent / "cli" / "test_cli_lifecycle.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.path == place or place in item.path.parents for place in SERIAL):
            item.add_marker(pytest.mark.serial)

"""`python -m fupin_kit.migrate_main <process>`: Alembic upgrade to head for one process's database.

A separate one-shot entry point so a deployment (compose, a Kubernetes Job) migrates each database once,
before any replica of the process starts, instead of racing replicas into the same migration.
"""

from __future__ import annotations

import argparse
import logging

from fupin_kit.log_masking import configure_logging
from fupin_kit.migrations import upgrade_sync
from fupin_kit.settings import PROCESS_MODULES, PROCESS_NAMES, KitSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m fupin_kit.migrate_main", description="Upgrade one Fupin database to head"
    )
    parser.add_argument("process", choices=PROCESS_NAMES)
    process: str = parser.parse_args(argv).process
    configure_logging(logging.INFO, f"%(asctime)s migrate-{process} %(levelname)s %(message)s")
    # The database is named after the process (fupin_gateway) but the migrations live in its importable
    # package, which for the gateway is fupin_gateway, not gateway.
    upgrade_sync(PROCESS_MODULES[process], KitSettings(service=process).service_database_url())


if __name__ == "__main__":
    main()

"""`python -m fupin_kit.topics_init`: create every topic declared in deploy/topics.yaml.

The broker runs with auto-creation off, so this one-shot step must finish before any process produces or
consumes; it reads the same declaration file as `fupin up`, so the two can never disagree.
"""

from __future__ import annotations

import asyncio
import logging

from fupin_kit.log_masking import configure_logging
from fupin_kit.settings import KitSettings
from fupin_kit.topics import ensure_declared_topics

log = logging.getLogger("fupin.topics_init")


def main() -> None:
    configure_logging(logging.INFO, "%(asctime)s topic-init %(levelname)s %(message)s")
    settings = KitSettings()
    created = asyncio.run(ensure_declared_topics(settings))
    log.info("topics from %s: %d created, the rest already existed", settings.topics_file, len(created))


if __name__ == "__main__":
    main()

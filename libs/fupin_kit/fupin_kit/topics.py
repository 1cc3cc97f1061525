"""The topic declaration (deploy/topics.yaml) and its explicit creation: nothing relies on auto-creation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from fupin_kit.envelope import dlq_topic, domain_topic, feed_topic
from fupin_kit.kafka import create_topics
from fupin_kit.settings import KitSettings


def declared_topics(path: Path) -> dict[str, int]:
    """Every topic the platform uses, name → partitions."""
    spec: dict[str, Any] = yaml.safe_load(path.read_text())
    topics: dict[str, int] = {}
    domain = spec["domain"]
    for service in domain["services"]:
        topics[domain_topic(service)] = int(domain["partitions"])
    feeds = spec["feeds"]
    for province in feeds["provinces"]:
        topics[feed_topic(f"{int(province):02d}")] = int(feeds["partitions"])
    dlq = spec["dlq"]
    for group in dlq["consumer_groups"]:
        topics[dlq_topic(group)] = int(dlq["partitions"])
    for name, partitions in (spec.get("extra") or {}).items():
        topics[name] = int(partitions)
    return topics


async def ensure_declared_topics(settings: KitSettings) -> list[str]:
    return await create_topics(settings, declared_topics(settings.topics_file))

"""What `fupin up` runs: the six processes, their modules and ports."""

from __future__ import annotations

import json
from dataclasses import dataclass

from fupin_kit.settings import PROCESS_MODULES, PROCESS_NAMES, SERVICE_NAMES

DEFAULT_BASE_PORT = 8000
DEFAULT_PG_PORT = 55432
DEFAULT_BROKER_PORT = 9092


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    module: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def plan(base_port: int = DEFAULT_BASE_PORT) -> list[ProcessSpec]:
    """Gateway on the base port, the services on the next five, in PROCESS_NAMES order."""
    return [
        ProcessSpec(name, PROCESS_MODULES[name], base_port + index)
        for index, name in enumerate(PROCESS_NAMES)
    ]


def upstreams_json(specs: list[ProcessSpec]) -> str:
    """FUPIN_UPSTREAMS for the gateway: every service → its loopback URL."""
    return json.dumps({spec.name: spec.url for spec in specs if spec.name in SERVICE_NAMES})

"""The registry process: its API, outbox relay and consumers."""

from fastapi import FastAPI
from fupin_kit.service_app import ServiceSpec, create_service_app


def create_app() -> FastAPI:
    spec = ServiceSpec(
        name="registry",
        title="Fupin registry",
        description="Division tree, households and members (建档立卡), poverty standards, registration status and history, bulk import and exports.",
    )
    return create_service_app(spec)

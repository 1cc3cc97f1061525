"""The identification process: its API, outbox relay and consumers."""

from fastapi import FastAPI
from fupin_kit.service_app import ServiceSpec, create_service_app


def create_app() -> FastAPI:
    spec = ServiceSpec(
        name="identification",
        title="Fupin identification",
        description="Quotas, applications and their review workflow, public notices and objections, department comparison, exit, monitoring and return to poverty.",
    )
    return create_service_app(spec)

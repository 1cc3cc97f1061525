"""The evaluation process: its API, outbox relay and consumers."""

from fastapi import FastAPI

from fupin_kit.service_app import ServiceSpec, create_service_app


def create_app() -> FastAPI:
    spec = ServiceSpec(
        name="evaluation",
        title="Fupin evaluation",
        description="Indicators per tier and period, assessments, third-party sampling evaluation, cadre performance and rectification tasks.",
    )
    return create_service_app(spec)

"""A collector that is down does not fill the processes' logs. Observed with the OTLP receiver stopped:
each process with spans to send logged a WARNING for every retry of every batch and an ERROR for every
batch given up (23-40 lines a minute per process, all saying the same), for as long as the collector was
away. The exporter's lines now pass once a minute, the next one saying how many were held back."""

from __future__ import annotations

import logging

import pytest

from fupin_kit.telemetry import EXPORT_LOGGERS, ExportLogThrottle, throttle_export_logs


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("name", EXPORT_LOGGERS)
def test_export_failures_are_logged_once_a_minute_with_a_count(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = _Clock()
    logger = logging.getLogger(name)
    throttle_export_logs(interval_s=60.0, clock=clock)
    throttle_export_logs(interval_s=60.0, clock=clock)  # every app of a process sets tracing up: once
    try:
        with caplog.at_level(logging.WARNING, logger=name):
            for _ in range(40):
                logger.warning("Transient error %s encountered while exporting span batch", "refused")
                clock.now += 1.0
            clock.now += 30.0
            logger.error("Failed to export spans batch due to timeout, max retries or shutdown.")
        messages = [record.getMessage() for record in caplog.records if record.name == name]
        assert messages == [
            "Transient error refused encountered while exporting span batch",
            "Failed to export spans batch due to timeout, max retries or shutdown. "
            "(39 similar lines held back since the last one)",
        ]
    finally:
        for other in map(logging.getLogger, EXPORT_LOGGERS):
            for installed in [f for f in other.filters if isinstance(f, ExportLogThrottle)]:
                other.removeFilter(installed)

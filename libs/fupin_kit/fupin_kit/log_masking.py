"""Log lines leave every process with resident IDs, mobile numbers, landlines and bank accounts masked, as
spans leave it through fupin_kit.telemetry (quality: "no full resident ID number ... in any log line").

What a caller sent reaches a log line through the message (a path, a value refused), an argument, an
exception's text or a traceback, so the handlers' formatters are wrapped (`MaskingFormatter`): the line is
made as before, and the message, exception and stack text in it are masked. The root logger's handler
(`configure_logging`) and uvicorn's own (`uvicorn_log_config`) are wrapped.

Accounts as well as IDs and mobiles, unlike spans: a span's attributes hold nanosecond timestamps and
counters of 15+ digits, a log line's message holds what our code and the caller put there (paths, values
refused, errors), where such a run is a bank account typed into a path or a field; the time stamp of the
line is not masked."""

from __future__ import annotations

import copy
import logging
from pkgutil import resolve_name
from typing import Any

from uvicorn.config import LOGGING_CONFIG

from fupin_kit.telemetry import scrub_text


def mask_log_text(text: str) -> str:
    """`text` with every resident ID, mobile number, landline and bank account in it masked (a text with
    nothing that looks like one, most of them, after one regular-expression search)."""
    return scrub_text(text, accounts=True)


class MaskingFormatter(logging.Formatter):
    """The line `inner` makes with the message, the exception text and the stack in it masked; the rest
    of the line (time, level, logger name) as `inner` writes it."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)  # sets record.message and caches record.exc_text
        for part in (getattr(record, "message", None), record.exc_text, record.stack_info):
            line = _mask_part(line, part)
        return line


def _mask_part(line: str, part: str | None) -> str:
    if not part:
        return line
    masked = mask_log_text(part)
    if masked == part:
        return line
    if part in line:
        return line.replace(part, masked)
    # A formatter that writes the message its own way (uvicorn's access line, from the record's args).
    return mask_log_text(line)


def masking_formatter(inner: str = "logging.Formatter", **options: Any) -> MaskingFormatter:
    """For logging.config.dictConfig ("()"): the formatter `inner` names, made with `options`, wrapped."""
    factory = resolve_name(inner)
    return MaskingFormatter(factory(**options))


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration (its `log_config`) with every formatter wrapped, so its own
    loggers (uvicorn.error: "Exception in ASGI application" and its traceback; uvicorn.access when enabled),
    which do not propagate to the root logger, are masked as well. Lines look as uvicorn writes them."""
    config = copy.deepcopy(LOGGING_CONFIG)
    for formatter in config["formatters"].values():
        formatter["inner"] = formatter.pop("()", "logging.Formatter")
        formatter["()"] = f"{__name__}.masking_formatter"
    return config


def configure_logging(level: int | str, line_format: str) -> None:
    """logging.basicConfig(level, format) with its handler (stderr) masking; like basicConfig, nothing
    when the root logger has a handler already (a test session's)."""
    handler = logging.StreamHandler()
    handler.setFormatter(MaskingFormatter(logging.Formatter(line_format)))
    logging.basicConfig(level=level, handlers=[handler])

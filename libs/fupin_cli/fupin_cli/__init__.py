"""The `fupin` command line."""

from __future__ import annotations

import os
import sys
from types import TracebackType

_previous_hook = sys.excepthook


def _quiet_interrupt(
    kind: type[BaseException], value: BaseException, traceback: TracebackType | None
) -> None:
    # Ctrl-C while Python is still importing the command's modules (most of a second, before any command
    # can catch it) would print a KeyboardInterrupt traceback; nothing has been done yet, so say only that.
    if issubclass(kind, KeyboardInterrupt):
        sys.stderr.write("interrupted\n")
        sys.stderr.flush()
        os._exit(130)
    _previous_hook(kind, value, traceback)


sys.excepthook = _quiet_interrupt

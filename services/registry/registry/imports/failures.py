"""Why an import ended `failed` (ImportOut.error): the words shared by the modules that set it and the
Chinese catalogue (reasons_zh) that renders them for the clerks."""

from __future__ import annotations

# A process died mid-import: its import was found silent and closed.
INTERRUPTED = "the import was interrupted; upload the file again"
# The service was stopped while the import ran.
STOPPED = "the service stopped during the import; upload the file again"
# An unexpected failure: its exception's class name follows (the detail stays in the service's log).
INTERNAL_ERROR = "internal error: "

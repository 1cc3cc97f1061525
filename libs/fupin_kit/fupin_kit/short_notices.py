"""Whether this deployment lets a public notice run shorter than the procedure's minimum.

`fupin up`, the embedded platform for development and demonstration, sets FUPIN_SHORT_NOTICES=1 so that
`fupin demo` can take a county through its notices in minutes; docker-compose, a real deployment, does not,
and there every notice runs its whole days. Each service decides what "shorter" means for its notices
(identification: a fraction of a day; funds: a project notice of fewer than ten days, none at all)."""

from __future__ import annotations

import os


def allowed() -> bool:
    return os.environ.get("FUPIN_SHORT_NOTICES") == "1"

"""CPU time of server processes, read from /proc: a load-independent companion to throughput.

On a shared, noisy machine a round's throughput moves with whatever else runs on it, but the CPU a server
process spends per request hardly does. Both are reported; goals stay on what quality.md defines them on.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds used so far by `pids` (every thread of each process)."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            # The command name (field 2) may hold spaces and parentheses: fields are counted after it.
            fields = stat.read().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    return total / _TICKS_PER_S

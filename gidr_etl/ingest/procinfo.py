"""What the kernel says about a process on this machine: its resident memory, CPU time and
start time, read from Linux's /proc (None where there is no /proc, or the process is gone).

Read from outside, these hold whatever the process is doing: a C library holding the GIL
cannot keep its memory or CPU time from being seen, as it keeps a thread of its own from
running. The start time tells a process from a later one given the same id.
"""

from __future__ import annotations

import os

# Whether this system has Linux's /proc to read.
AVAILABLE = os.path.isdir("/proc/self")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def resident(pid: int) -> int | None:
    """Bytes of the process's memory in RAM now."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of all the process's threads so far."""
    fields = _stat(pid)
    return None if fields is None else (int(fields[11]) + int(fields[12])) / _TICKS


def start_time(pid: int) -> int | None:
    """When the process started, in clock ticks since boot: the same for one process always,
    different for a process that got the id of one that ended."""
    fields = _stat(pid)
    return None if fields is None else int(fields[19])


def _stat(pid: int) -> list[bytes] | None:
    """/proc/PID/stat's fields after the command name (field 3, the state, is [0]); the name
    is in parentheses and may itself hold spaces and parentheses, so split after the last one."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rfind(b")") + 2 :].split()
    return fields if len(fields) > 19 else None

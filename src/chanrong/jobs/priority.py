"""The worker's scheduling group: where the kernel groups each session's processes for fair
scheduling (``/proc/sys/kernel/sched_autogroup_enabled``), a process's own nice value only
weighs it against the processes of its session. A worker started in a session of its own
(a service manager, a benchmark, ``setsid``) would then get as much CPU as the whole API
whatever its nice value, so it lowers its group's too.
"""

from __future__ import annotations

import os
from pathlib import Path

import structlog

log = structlog.get_logger("chanrong.jobs")

_AUTOGROUP = Path("/proc/self/autogroup")


def lower_group(nice: int) -> int | None:
    """Give this process's scheduling group the nice value ``nice`` when the process leads
    its own session (the group is then its own); returns the value set, or None when the
    group was left alone (another session's, no such kernel feature, or refused)."""
    if nice <= 0 or os.getsid(0) != os.getpid() or not _AUTOGROUP.exists():
        return None
    try:
        _AUTOGROUP.write_text(str(nice))
    except OSError as exc:  # a locked-down /proc: the worker still works, without yielding
        log.warning("worker scheduling group left as it was", error=str(exc))
        return None
    return nice

"""The worker's CPU priority: background jobs yield to the requests served beside them.

Two knobs, because Linux has two: the process's nice value, and — where the kernel groups
each session's processes for fair scheduling (``/proc/sys/kernel/sched_autogroup_enabled``)
— the nice value of the worker's group, since there a process's own nice only weighs it
against the processes of its session and a worker started in a session of its own would
otherwise get as much CPU as the whole API.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import structlog

log = structlog.get_logger("chanrong.jobs")

_AUTOGROUP = Path("/proc/self/autogroup")


@dataclass(frozen=True, slots=True)
class Priority:
    """What the worker runs at after ``lower``: its nice value and, when it leads its own
    session's scheduling group, that group's nice value (None when not touched)."""

    nice: int
    group_nice: int | None


def lower(nice: int) -> Priority:
    """Run this process at ``nice`` (never raising its priority: a worker started at a lower
    priority keeps it) and, if it leads its own session, its scheduling group too.

    A refusal (a platform without priorities, a locked-down /proc) is logged, not fatal: the
    worker still works, only without yielding."""
    current = os.getpriority(os.PRIO_PROCESS, 0)
    target = max(current, nice)
    if target != current:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, target)
        except OSError as exc:
            log.warning("worker priority left as it was", nice=current, error=str(exc))
            target = current
    group: int | None = None
    if nice and os.getsid(0) == os.getpid() and _AUTOGROUP.exists():
        try:
            _AUTOGROUP.write_text(str(nice))
            group = nice
        except OSError as exc:
            log.warning("worker scheduling group left as it was", error=str(exc))
    return Priority(os.getpriority(os.PRIO_PROCESS, 0), group)

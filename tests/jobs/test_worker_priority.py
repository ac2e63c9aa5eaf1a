"""The worker yields the CPU to the API: it lowers its own priority unless told not to."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import typer

from chanrong.jobs.cli import lower_priority

_PROBE = (
    "import sys; from chanrong.jobs.cli import lower_priority; "
    "print(lower_priority(int(sys.argv[1])))"
)


def _niceness_after(by: int) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(by)], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def test_the_worker_lowers_its_priority_by_what_it_is_told() -> None:
    base = os.nice(0)
    assert _niceness_after(10) == min(base + 10, 19)
    assert _niceness_after(0) == base


def test_a_worker_never_raises_its_priority() -> None:
    with pytest.raises(typer.BadParameter):
        lower_priority(-5)

"""The worker's scheduling group: lowered with the worker when the worker leads its own
session, and left alone when the group is someone else's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_GROUP = Path("/proc/self/autogroup")
pytestmark = pytest.mark.skipif(not _GROUP.exists(), reason="no scheduling groups here")


def _in_child(code: str, *, new_session: bool) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter (its priority changes must not touch the tests)."""
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=True,
        start_new_session=new_session,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


_PROBE = """
    import json, pathlib
    from chanrong.jobs import priority
    before = pathlib.Path("/proc/self/autogroup").read_text()
    got = priority.lower_group(10)
    print(json.dumps({"got": got, "before": before,
                      "after": pathlib.Path("/proc/self/autogroup").read_text()}))
"""


def test_a_worker_leading_its_session_lowers_its_group() -> None:
    got = _in_child(_PROBE, new_session=True)
    assert got["got"] == 10
    assert str(got["after"]).rstrip().endswith("nice 10")


def test_a_worker_in_someone_elses_session_leaves_that_group_alone() -> None:
    got = _in_child(_PROBE, new_session=False)
    # The group is the session's (the test runner's): lowering it would slow them too.
    assert got["got"] is None and got["after"] == got["before"]


def test_nothing_is_lowered_for_a_worker_told_not_to_yield() -> None:
    from chanrong.jobs import priority

    assert priority.lower_group(0) is None
    assert os.getpriority(os.PRIO_PROCESS, 0) >= 0

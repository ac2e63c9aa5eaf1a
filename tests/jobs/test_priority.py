"""The worker yields the CPU: it lowers its own priority, and never raises it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "getpriority"), reason="no process priorities")


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


def test_the_worker_lowers_its_priority_and_its_sessions_group() -> None:
    got = _in_child(
        """
        import json, os, pathlib
        from chanrong.jobs import priority
        p = priority.lower(10)
        group = pathlib.Path("/proc/self/autogroup")
        print(json.dumps({"nice": os.getpriority(os.PRIO_PROCESS, 0), "reported": p.nice,
                          "group": p.group_nice,
                          "group_file": group.read_text() if group.exists() else None}))
        """,
        new_session=True,
    )
    want = max(10, os.getpriority(os.PRIO_PROCESS, 0))  # the runner may itself be niced
    assert got["nice"] == want and got["reported"] == want
    if got["group_file"] is not None:  # a kernel that groups sessions: the worker's is niced
        assert got["group"] == 10 and str(got["group_file"]).rstrip().endswith("nice 10")


def test_a_worker_in_someone_elses_session_leaves_that_group_alone() -> None:
    got = _in_child(
        """
        import json, os
        from chanrong.jobs import priority
        p = priority.lower(10)
        print(json.dumps({"nice": p.nice, "group": p.group_nice}))
        """,
        new_session=False,
    )
    # The group is the session's (the test runner's): lowering it would slow them too.
    assert got == {"nice": max(10, os.getpriority(os.PRIO_PROCESS, 0)), "group": None}


def test_a_worker_started_lower_stays_lower() -> None:
    got = _in_child(
        """
        import json, os
        os.setpriority(os.PRIO_PROCESS, 0, 15)
        from chanrong.jobs import priority
        print(json.dumps({"nice": priority.lower(10).nice}))
        """,
        new_session=True,
    )
    assert got == {"nice": max(15, os.getpriority(os.PRIO_PROCESS, 0))}

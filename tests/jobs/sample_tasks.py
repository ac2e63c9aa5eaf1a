"""Jobs for the worker tests, loaded into worker processes by ``CHANRONG_JOBS_MODULES``.

Their effects go to the verifiable log in the job's own transaction, so a count of log
entries is a count of committed runs; a file beside the test says when a job has started.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.jobs.registry import WHOLE, Cadence, JobContext, job
from chanrong.lending import service as lending

SUBJECTS = int(os.environ.get("CHANRONG_TEST_SUBJECTS", "24"))
EVERY_SECOND = "* * * * * *"


def _subjects(_s: Session, _settings: Settings, _period: str) -> Iterable[str]:
    return [f"s{n:02d}" for n in range(SUBJECTS)]


@job("sample.daily", cadence=Cadence.DAILY, cron=EVERY_SECOND, subjects=_subjects)
def daily(ctx: JobContext) -> str:
    """Log one entry per subject and day (its cron fires every second: once a day it is)."""
    time.sleep(float(os.environ.get("CHANRONG_TEST_SLEEP", "0.25")))
    governance.append_log(
        ctx.session,
        kind="test.ran",
        actor_org_id=None,
        subject=f"{ctx.subject}:{ctx.period}",
        payload={"job": ctx.job, "period": ctx.period, "pid": os.getpid()},
    )
    return f"ran in {os.getpid()}"


def _lender(_s: Session, _settings: Settings, _period: str) -> Iterable[str]:
    return [os.environ.get("CHANRONG_TEST_LENDER", WHOLE)]


@job(
    "sample.slow_close",
    cadence=Cadence.DAILY,
    cron=EVERY_SECOND,
    subjects=_lender,
    lease=timedelta(seconds=2),
    retry_base=timedelta(seconds=1),
)
def slow_close(ctx: JobContext) -> str:
    """The lending daily close, held up after its first batch while a block file exists."""
    mark = Path(os.environ["CHANRONG_TEST_MARK"])
    block = Path(os.environ["CHANRONG_TEST_BLOCK"])

    def after_batch(done: int, total: int) -> None:
        if done < total:
            mark.write_text(str(os.getpid()))
            while block.exists():
                time.sleep(0.05)

    report = lending.daily_close(
        ctx.session,
        as_of=ctx.day,
        lender_org_id=ctx.subject,
        batch_size=2,
        progress=after_batch,
    )
    if not report.balanced:
        raise RuntimeError("books do not balance")
    return f"{report.loans} loans closed"

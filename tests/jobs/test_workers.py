"""Worker processes against a real database: each periodic job once per period and subject
however many workers run, and a worker killed mid-job leaves the run to another that
finishes it once — a daily close interrupted and retried leaves books that still prove."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.governance.orm import LogEntryRow
from chanrong.jobs.orm import JobRun
from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.builders import Park
from tests.lending import builders as lb

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


class Workers:
    """Worker processes (``python -m chanrong.cli.main worker``) started by one test."""

    def __init__(self, db_url: str, var_dir: Path, env: dict[str, str]) -> None:
        self.env = {
            **os.environ,
            "CHANRONG_DATABASE_URL": db_url,
            "CHANRONG_VAR_DIR": str(var_dir),
            "CHANRONG_JOBS_MODULES": "tests.jobs.sample_tasks",
            "CHANRONG_JOBS_ENABLED": "sample.daily",
            "CHANRONG_JOBS_TICK_SECONDS": "1",
            "CHANRONG_JOBS_HEARTBEAT_SECONDS": "1",
            "PYTHONPATH": str(ROOT),
            **env,
        }
        self.logs = var_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, **env: str) -> subprocess.Popen[bytes]:
        n = len(self.procs)
        log = (self.logs / f"worker-{n}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "chanrong.cli.main", "worker"],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-4000:] for p in self.logs.glob("*.log"))

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture
def workers_for(tmp_path: Path) -> Iterator[Callable[..., Workers]]:
    started: list[Workers] = []

    def make(db_url: str, **env: str) -> Workers:
        w = Workers(db_url, tmp_path / "var", env)
        started.append(w)
        return w

    yield make
    for w in started:
        w.stop()


def wait_for(check: Callable[[], bool], what: str, workers: Workers, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if all(p.poll() is not None for p in workers.procs):
            break
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}; worker output:\n{workers.output()}")


def runs_of(db: Database, name: str) -> list[JobRun]:
    with db.unit_of_work() as s:
        return list(s.scalars(select(JobRun).where(JobRun.name == name, JobRun.subject != "*")))


def log_count(db: Database, kind: str) -> Counter[str]:
    """Committed log entries of one kind, by subject."""
    with db.unit_of_work() as s:
        return Counter(s.scalars(select(LogEntryRow.subject).where(LogEntryRow.kind == kind)))


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_workers_run_each_periodic_job_once_per_period_and_subject(
    db_url: str, db: Database, workers_for: Callable[..., Workers]
) -> None:
    w = workers_for(db_url)
    w.start()
    w.start()
    subjects = 24

    def all_done() -> bool:
        return sum(r.status == "succeeded" for r in runs_of(db, "sample.daily")) == subjects

    wait_for(all_done, "every subject's run", w)
    # Both workers go on ticking every second (the job's cron fires every second):
    # nothing more may run for this period.
    time.sleep(4)
    runs = runs_of(db, "sample.daily")
    period = (shanghai_date(utcnow()) - timedelta(days=1)).isoformat()
    assert {r.period for r in runs} == {period}
    assert len(runs) == subjects
    assert all(r.status == "succeeded" and r.attempts == 1 for r in runs)
    logged = log_count(db, "test.ran")
    assert logged == Counter({f"s{n:02d}:{period}": 1 for n in range(subjects)})
    # The work was shared: both worker processes ran some of it.
    assert len({r.worker for r in runs}) == 2, Counter(r.worker for r in runs)
    with db.unit_of_work() as s:
        fan = s.scalars(
            select(JobRun).where(JobRun.name == "sample.daily", JobRun.subject == "*")
        ).all()
    assert [(f.period, f.status) for f in fan] == [(period, "succeeded")]


@pytest.fixture
def book(db: Database, park: Park) -> tuple[str, int]:
    """A bank with five loans disbursed three weeks ago (the close runs in batches of two)."""
    start = shanghai_date(utcnow()) - timedelta(days=21)
    with db.unit_of_work() as s:
        officer = lb.principal(s, park["bank"]["officer"])
        borrower = lb.principal(s, park["enterprise"]["admin"])
        prod = lb.product(s, officer)
        for _ in range(5):
            lb.active_loan(s, officer, borrower, prod=prod, start=start, amount="12000.00")
    return park["bank"]["officer"].org_id, 5


def test_a_close_killed_mid_way_is_retried_once_and_the_books_prove(
    db_url: str,
    db: Database,
    book: tuple[str, int],
    tmp_path: Path,
    workers_for: Callable[..., Workers],
) -> None:
    lender, loans = book
    mark, block = tmp_path / "started", tmp_path / "block"
    block.write_text("hold")
    w = workers_for(
        db_url,
        CHANRONG_JOBS_ENABLED="sample.slow_close",
        CHANRONG_TEST_LENDER=lender,
        CHANRONG_TEST_MARK=str(mark),
        CHANRONG_TEST_BLOCK=str(block),
    )
    first = w.start()
    wait_for(mark.exists, "the close to start", w)
    # Mid-close: the first batch is written (not committed) when the worker dies.
    assert mark.read_text() == str(first.pid)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    [run] = runs_of(db, "sample.slow_close")
    assert (run.status, run.attempts) == ("running", 1)
    block.unlink()
    w.start()

    def retried() -> bool:
        return [r.status for r in runs_of(db, "sample.slow_close")] == ["succeeded"]

    wait_for(retried, "another worker to finish the close", w)
    [run] = runs_of(db, "sample.slow_close")
    assert run.attempts == 2
    assert run.detail == f"{loans} loans closed"
    as_of = shanghai_date(utcnow()) - timedelta(days=1)
    assert run.period == as_of.isoformat()
    with db.unit_of_work() as s:
        from chanrong.lending.orm import DailyClose, Loan

        closes = s.scalars(select(DailyClose).where(DailyClose.as_of == as_of)).all()
        assert [(c.loans, c.balanced) for c in closes] == [(loans, True)]
        through = s.scalars(select(Loan.closed_through).where(Loan.lender_org_id == lender)).all()
        assert through == [as_of] * loans
        n_logged = s.scalar(
            select(func.count())
            .select_from(LogEntryRow)
            .where(LogEntryRow.kind == "lending.daily_close")
        )
        assert n_logged == 1
    # The proof, once more: closing the same day again finds nothing to do and balances.
    with db.unit_of_work() as s:
        again = lending.daily_close(s, as_of=as_of, lender_org_id=lender)
        assert again.loans == 0 and again.balanced
        assert again.total_debit_fen == again.total_credit_fen > 0
        s.rollback()

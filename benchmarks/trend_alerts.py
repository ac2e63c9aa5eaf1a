"""The borrowing-base trend alert through the worker: lead time before default and healthy
firms alerted, on simulated parks against their truth (issue 20).

    .venv/bin/python benchmarks/trend_alerts.py --seeds 1,2,3,4,5
    .venv/bin/python benchmarks/trend_alerts.py --seeds 6,7,8,9,10   # the held-out parks

Per park (``chanrong.demo.assets_evaluation.park_series``): every non-core firm's open
receivables and un-invoiced orders valued at each month-end with the platform's pure
``borrowing_base``. Each firm gets a pool on the platform (a fresh migrated SQLite database per
park) whose stored history is its month-end revaluations from three month-ends before the
evaluation's pool opening (the reference months) on, with the lendable value the trend rule
follows. The revaluation itself is not replayed through the platform's evidence (intake keeps
a receivable's current balance, not its balance at a past month-end); what runs through the
worker is the rule: ``assets.trend_alerts`` for each month-end after opening, through the job
runner (``run_manually``, the record in ``job_runs``), raising trend alerts from the stored
history. Each pool's first alert is scored against the truth; the same pure rule replayed in
memory (``trend_alert_months``) is printed beside it and must agree firm by firm.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, select

from chanrong.assets.orm import Pool, PoolRevaluation, TrendAlert
from chanrong.core.ids import new_id
from chanrong.core.settings import Settings
from chanrong.demo.assets_evaluation import (
    PRIMARY_TREND,
    REFERENCE_MONTHS,
    ParkSeries,
    SeedResult,
    park_series,
    score_alerts,
    trend_alert_months,
)
from chanrong.identity.orm import Organisation
from chanrong.jobs import catalog
from chanrong.jobs.runner import run_manually
from chanrong.storage import migrate
from chanrong.storage.database import Database

console = Console(width=120)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def load(db: Database, ps: ParkSeries) -> list[str]:
    """A bank, one enterprise and pool per firm, and each pool's month-end revaluations from
    the reference months on (the lendable value and base the evaluation measured)."""
    measure = PRIMARY_TREND.measure
    first = ps.start - REFERENCE_MONTHS
    bank = new_id()
    orgs = [{"id": bank, "name": "基准银行", "kind": "financial_institution",
             "institution_type": "bank", "is_core": False, "created_at": NOW}]  # fmt: skip
    pools, revals = [], []
    for i, (_, values) in enumerate(ps.measured):
        org, pool = new_id(), new_id()
        orgs.append({"id": org, "name": f"企业{i:03d}", "kind": "enterprise", "is_core": False,
                     "created_at": NOW})  # fmt: skip
        pools.append({"id": pool, "org_id": org, "bank_org_id": bank, "limit_fen": 10**10,
                      "drawn_fen": 0, "base_fen": 0, "available_fen": 0, "status": "active",
                      "log_index": 0, "created_at": NOW})  # fmt: skip
        for k in range(first, len(ps.ends)):
            revals.append({"id": new_id(), "pool_id": pool, "as_of": ps.ends[k],
                           "gross_fen": values[measure][k], "base_fen": values["base"][k],
                           "limit_fen": 10**10, "drawn_fen": 0, "available_fen": 0, "lines": [],
                           "lendable_fen": values[measure][k], "created_at": NOW})  # fmt: skip
    with db.unit_of_work() as s:
        s.execute(insert(Organisation), orgs)
        s.execute(insert(Pool), pools)
        for i in range(0, len(revals), 2000):
            s.execute(insert(PoolRevaluation), revals[i : i + 2000])
    return [p["id"] for p in pools]


def through_worker(url: str, var: Path, ps: ParkSeries) -> tuple[list[int | None], float]:
    """Run the monthly trend job for each month-end after the opening; each pool's first
    alert as a month-end index (in ``ps.measured`` order), and the seconds the runs took."""
    db = Database(url)
    settings = Settings(database_url=url, var_dir=var, jwt_secret="bench-" + "x" * 40)
    try:
        pool_ids = load(db, ps)
        jobs = catalog.load(settings)
        t0 = time.perf_counter()
        for k in range(ps.start, len(ps.ends)):
            out = run_manually(
                db, settings, jobs, "assets.trend_alerts", period=f"{ps.ends[k]:%Y-%m}"
            )
            assert out[-1].status == "succeeded", out
        took = time.perf_counter() - t0
        first: dict[str, int] = {}
        with db.unit_of_work() as s:
            for a in s.scalars(select(TrendAlert).order_by(TrendAlert.raised_on)):
                first.setdefault(a.pool_id, ps.ends.index(a.raised_on))
        return [first.get(p) for p in pool_ids], took
    finally:
        db.dispose()


def scale(n: int, months: int = 12, seed: int = 7) -> None:
    """The monthly job's own cost: ``n`` pools with ``months`` month-end revaluations each
    (a random walk, a tenth of them falling by 5 % a month), the job run for the last month
    through the runner; seconds, alerts raised, peak memory."""
    import random
    import resource

    from chanrong.demo.assets_evaluation import _month_ends

    rng = random.Random(seed)
    ends = _month_ends(date(2025, 1, 1), months)
    ps = ParkSeries(seed, n, ends, REFERENCE_MONTHS, [])
    for i in range(n):
        v, walk = 1_000_000 + rng.randrange(1_000_000), []
        falling = i % 10 == 0
        for _ in ends:
            walk.append(v)
            v = int(v * (0.95 if falling else rng.uniform(0.9, 1.1)))
        ps.measured.append(({}, {"lendable": walk, "base": walk}))
    with tempfile.TemporaryDirectory(prefix="chanrong-bench-trend-scale-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'scale.db'}"
        migrate.upgrade(url)
        db = Database(url)
        settings = Settings(database_url=url, var_dir=Path(tmp) / "var", jwt_secret="b" * 48)
        t0 = time.perf_counter()
        load(db, ps)
        loaded = time.perf_counter() - t0
        jobs = catalog.load(settings)
        t0, c0 = time.perf_counter(), time.process_time()
        out = run_manually(db, settings, jobs, "assets.trend_alerts", period=f"{ends[-1]:%Y-%m}")
        took, cpu = time.perf_counter() - t0, time.process_time() - c0
        db.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    console.print(
        f"{n:,} pools × {months} month-ends (loaded in {loaded:.1f} s): the monthly trend job "
        f"took {took:.1f} s wall, {cpu:.1f} CPU s; {out[-1].detail}; max RSS {rss} MB"
    )


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.0f} %"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--enterprises", type=int, default=50)
    ap.add_argument("--months", type=int, default=18)
    ap.add_argument("--scale", type=int, default=0, help="time the job over N synthetic pools")
    args = ap.parse_args()
    if args.scale:
        scale(args.scale)
        return
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    with open("/proc/loadavg") as f:
        load_before = " ".join(f.read().split()[:3])
    t_all = time.perf_counter()
    results: list[SeedResult] = []
    agree = True
    job_s = 0.0
    with tempfile.TemporaryDirectory(prefix="chanrong-bench-trend-") as tmp:
        root = Path(tmp)
        template = root / "template.db"
        migrate.upgrade(f"sqlite:///{template}")
        for seed in seeds:
            ps = park_series(seed, enterprises=args.enterprises, months=args.months)
            path = root / f"seed{seed}.db"
            shutil.copyfile(template, path)
            alerts, took = through_worker(f"sqlite:///{path}", root / "var", ps)
            job_s += took
            replay = trend_alert_months(ps, PRIMARY_TREND)
            same = alerts == replay
            agree &= same
            r = score_alerts(ps, alerts)
            results.append(r)
            console.print(
                f"seed {seed}: {r.alerted_before_default}/{r.defaulters} defaulters alerted "
                f"before default, median lead {r.median_lead_days}, "
                f"{r.healthy_alerted}/{r.healthy} healthy alerted; "
                f"worker = in-memory replay: {same}"
            )
    table = Table(title=f"Trend alert through the worker ({PRIMARY_TREND}), seeds {args.seeds}")
    for col in (
        "defaulters",
        "alerted before default, mean / worst",
        "median lead days, mean / worst",
        "healthy alerted, mean / worst",
    ):
        table.add_column(col, justify="right")
    det = [r.detection for r in results if r.detection is not None]
    fa = [r.false_alarm for r in results if r.false_alarm is not None]
    leads = [r.median_lead_days for r in results if r.median_lead_days is not None]
    table.add_row(
        str(sum(r.defaulters for r in results)),
        f"{_pct(statistics.mean(det) if det else None)} / {_pct(min(det) if det else None)}",
        f"{statistics.mean(leads):.0f} / {min(leads):.0f}" if leads else "—",
        f"{_pct(statistics.mean(fa) if fa else None)} / {_pct(max(fa) if fa else None)}",
    )
    console.print(table)
    with open("/proc/loadavg") as f:
        load_after = " ".join(f.read().split()[:3])
    console.print(
        f"worker and in-memory replay agree on every firm: {agree}; trend job runs "
        f"{job_s:.1f} s in all; {time.perf_counter() - t_all:.0f} s wall; "
        f"load average before {load_before}, after {load_after}"
    )


if __name__ == "__main__":
    main()

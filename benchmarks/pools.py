"""Revaluing the asset pools of N enterprises after a day of new data (default 10,000).

    .venv/bin/python benchmarks/pools.py                    # 10,000 enterprises on SQLite
    .venv/bin/python benchmarks/pools.py --enterprises 2000 # a smaller park
    .venv/bin/python benchmarks/pools.py --quick            # 300 enterprises, a smoke run

Each enterprise has one pool with one bank, securing a lending credit line drawn at 90 % of
the pool's base (the drawn balance is read from lending at revaluation), holding 9 pledges:
5 receivables (5 debtors out of
a park-wide 40, so the debtor concentration limit bites), 3 confirmed orders and 1 valued data
resource. All of it is written in bulk. Then a day of new data lands: a fifth of the
receivables are paid (outstanding 0), a tenth of the datasets' quality scores fall below the
minimum. Two ways of revaluing every pool then run, each in a fresh child process so its peak
memory (max RSS) is its own:

- **service**: what the worker does, ``assets.service.revalue`` per pool (evidence read through
  telemetry's pipeline reads, the day's lines stored, margin alerts raised), committed every
  100 pools;
- **batched**: ``assets.service.revalue_many`` over 500 pools per unit of work: the same
  revaluation (lines stored, alerts raised and logged), the park's evidence read once
  (``pools_evidence``), each batch's credit lines read through lending's batch read and its
  alerts' log entries appended under one lock;
- **baseline**: one set-based pass, four queries for the whole park and the pure
  ``borrowing_base`` per pool, nothing written — the floor the per-pool path is measured
  against.

- **jobs**: the worker's nightly job itself, ``assets.revalue_pools`` through the job runner
  (``run_manually``: the fan-out recorded in ``job_runs``, then one recorded run per batch of
  500 pools, each ``revalue_many`` in its own unit of work, reading its own pools' evidence).

``--ways baseline,batched`` skips the per-pool path (at 10,000 it alone takes minutes).
Pools in shortfall and Σ base are read back from the pools after each way (the ways run one
after another on the same database, so a later way updates the day's rows the earlier wrote).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select, update

from _db import migrated_url
from chanrong.assets import service as assets
from chanrong.assets.borrowing import AssetType, PoolItem, borrowing_base
from chanrong.assets.orm import DataResource, MarginAlert, Pledge, Pool, Valuation
from chanrong.core.ids import new_id
from chanrong.identity.orm import Organisation
from chanrong.jobs import pool_lines  # noqa: F401  (connects the pools' line book to lending)
from chanrong.lending.orm import CreditLine, Loan, Product
from chanrong.storage.database import Database
from chanrong.telemetry.orm import IngestBatch, Order, Receivable

console = Console(width=120)
AS_OF = date(2026, 7, 1)
NOW = datetime(2026, 7, 1, tzinfo=UTC)
CHUNK = 100
BATCH = 500
WAYS = {"baseline": "baseline", "service": "service", "batched": "batched", "jobs": "jobs"}


def build(url: str, n: int, seed: int = 11) -> dict[str, int]:
    """Write the park, its pools and pledges in bulk, then the day's new data."""
    rng = random.Random(seed)
    db = Database(url)
    try:
        with db.unit_of_work() as s:
            bank = new_id()
            orgs = [
                {
                    "id": bank,
                    "name": "基准银行",
                    "kind": "financial_institution",
                    "institution_type": "bank",
                    "is_core": False,
                    "created_at": NOW,
                }
            ]
            ents = [new_id() for _ in range(n)]
            orgs += [
                {
                    "id": e,
                    "name": f"企业{i:05d}",
                    "kind": "enterprise",
                    "is_core": False,
                    "created_at": NOW,
                }
                for i, e in enumerate(ents)
            ]
            s.execute(insert(Organisation), orgs)
            batch = new_id()
            s.execute(
                insert(IngestBatch),
                [
                    {
                        "id": batch,
                        "org_id": bank,
                        "source": "file",
                        "kind": "receivables",
                        "filename": None,
                        "status": "accepted",
                        "rows_received": 0,
                        "rows_accepted": 0,
                        "rows_rejected": 0,
                        "rows_duplicate": 0,
                        "rejected_by_reason": {},
                        "errors": [],
                        "created_at": NOW,
                    }
                ],
            )
            recs, orders, resources, vals, pools, pledges = [], [], [], [], [], []
            for e in ents:
                pool = new_id()
                pools.append(
                    {
                        "id": pool,
                        "org_id": e,
                        "bank_org_id": bank,
                        "limit_fen": 100_000_000,
                        "drawn_fen": 0,
                        "base_fen": 0,
                        "available_fen": 0,
                        "status": "active",
                        "log_index": 0,
                        "created_at": NOW,
                    }
                )
                for k in range(5):
                    rid = f"R{k}"
                    recs.append(
                        {
                            "id": new_id(),
                            "org_id": e,
                            "batch_id": batch,
                            "source": "file",
                            "created_at": NOW,
                            "receivable_id": rid,
                            "invoice_id": None,
                            "debtor_uscc": None,
                            "debtor_name": f"客户{rng.randrange(40)}",
                            "due_date": date(2026, 6, rng.randint(1, 30)),
                            "amount_fen": 10_000_000,
                            "outstanding_fen": 10_000_000,
                        }
                    )
                    pledges.append(_pledge(pool, "receivable", rid, f"receivable:{e}:{rid}"))
                for k in range(3):
                    oid = f"O{k}"
                    orders.append(
                        {
                            "id": new_id(),
                            "org_id": e,
                            "batch_id": batch,
                            "source": "file",
                            "created_at": NOW,
                            "order_id": oid,
                            "buyer_uscc": None,
                            "buyer_name": f"客户{rng.randrange(40)}",
                            "order_date": date(2026, 6, rng.randint(1, 30)),
                            "amount_fen": 5_000_000,
                        }
                    )
                    pledges.append(_pledge(pool, "order", oid, f"order:{e}:{oid}"))
                res = new_id()
                resources.append(
                    {
                        "id": res,
                        "org_id": e,
                        "dataset": "business.orders",
                        "catalog_entry_id": new_id(),
                        "description": "",
                        "category": "management",
                        "grade": 2,
                        "quality_score": "85.00",
                        "consented_reads": 10,
                        "reads_log_indexes": [],
                        "held_for": "own_use",
                        "formed_by": "developed",
                        "controlled": True,
                        "benefits_probable": True,
                        "refreshed_at": NOW,
                        "created_at": NOW,
                    }
                )
                vals.append(
                    {
                        "id": new_id(),
                        "org_id": e,
                        "subject_type": "data",
                        "subject_id": res,
                        "subject_name": "business.orders",
                        "as_of": date(2026, 6, 30),
                        "value_fen": 20_000_000,
                        "approaches": [],
                        "reconciliation": {},
                        "sensitivity": [],
                        "evidence": {},
                        "accounting": None,
                        "valued_by": "bench",
                        "log_index": 0,
                        "created_at": NOW,
                    }
                )
                pledges.append(_pledge(pool, "data", res, f"data:{res}"))
            for table, rows in (
                (Receivable, recs),
                (Order, orders),
                (DataResource, resources),
                (Valuation, vals),
                (Pool, pools),
                (Pledge, pledges),
            ):
                for i in range(0, len(rows), 5000):
                    s.execute(insert(table), rows[i : i + 5000])
        # Before the day: each pool secures a lending credit line with a drawdown of 90 % of its
        # base (computed set-based, as the baseline does), booked on lending, so the drawn
        # balance revaluation reads from lending is real; the day's payments and quality
        # falls then push some pools into shortfall.
        bases = _baseline(db)["by_pool"]
        _lines(db, bank, bases)
        # The day's new data: a fifth of the receivables paid, a tenth of the quality falls.
        with db.unit_of_work() as s:
            ids = list(s.scalars(select(Receivable.id)))
            paid = rng.sample(ids, len(ids) // 5)
            for i in range(0, len(paid), 5000):
                s.execute(
                    update(Receivable)
                    .where(Receivable.id.in_(paid[i : i + 5000]))
                    .values(outstanding_fen=0)
                )
            rids = list(s.scalars(select(DataResource.id)))
            fell = rng.sample(rids, len(rids) // 10)
            s.execute(
                update(DataResource).where(DataResource.id.in_(fell)).values(quality_score="55.00")
            )
        return {
            "enterprises": n,
            "pledges": len(pledges),
            "receivables_paid": len(paid),
            "quality_fell": len(fell),
        }
    finally:
        db.dispose()


def _lines(db: Database, bank: str, bases: dict[str, int]) -> None:
    """A revolving product, then per pool a credit line and one drawdown booked on it."""
    product = new_id()
    with db.unit_of_work() as s:
        s.execute(
            insert(Product),
            [
                {
                    "id": product, "lender_org_id": bank, "code": "RC-BENCH", "name": "资产池额度",
                    "kind": "revolving", "method": "interest_only", "day_count": "act_365",
                    "rate_type": "fixed", "fixed_rate": Decimal("3.65"), "spread": None,
                    "lpr_tenor": None, "repricing": None,
                    "allocation_order": "penalty_interest_principal",
                    "penalty_markup_pct": Decimal(50), "max_term_months": 36,
                    "max_amount_fen": 10**12, "created_at": NOW,
                }
            ],
        )  # fmt: skip
        orgs = {pid: org for pid, org in s.execute(select(Pool.id, Pool.org_id))}
        lines, loans, links = [], [], []
        for pid, b in bases.items():
            line = new_id()
            lines.append(
                {
                    "id": line, "product_id": product, "lender_org_id": bank,
                    "borrower_org_id": orgs[pid], "decision_id": None,
                    "limit_fen": 100_000_000, "annual_rate": None, "opened_on": date(2026, 1, 1),
                    "expires_on": date(2027, 1, 1), "purpose": "working_capital",
                    "sweep_share_pct": Decimal(0), "created_at": NOW,
                }
            )  # fmt: skip
            loans.append(
                {
                    "id": new_id(), "product_id": product, "line_id": line,
                    "lender_org_id": bank, "borrower_org_id": orgs[pid], "decision_id": None,
                    "principal_fen": b * 9 // 10, "term_months": 6, "method": "interest_only",
                    "day_count": "act_365", "allocation_order": "penalty_interest_principal",
                    "annual_rate": Decimal("3.65"), "spread": None, "lpr_tenor": None,
                    "repricing": None, "penalty_markup_pct": Decimal(50),
                    "purpose": "working_capital", "sweep_share_pct": Decimal(0),
                    "collection_account": None, "related_parties": [], "status": "booked",
                    "start_on": None, "schedule_version": 0, "dpd": 0, "bucket": "current",
                    "category": "normal", "cured_on": None, "accrued_interest_fen": 0,
                    "accrued_penalty_fen": 0, "closed_through": None, "closed_on": None,
                    "booked_by_user_id": "bench", "created_at": NOW,
                }
            )  # fmt: skip
            links.append((pid, line, b))
        for table, rows in ((CreditLine, lines), (Loan, loans)):
            for i in range(0, len(rows), 2000):
                s.execute(insert(table), rows[i : i + 2000])
        for pid, line, b in links:
            s.execute(
                update(Pool)
                .where(Pool.id == pid)
                .values(line_id=line, base_fen=b, available_fen=b // 10, drawn_fen=b * 9 // 10)
            )


def _pledge(pool: str, typ: str, ref: str, key: str) -> dict[str, Any]:
    return {
        "id": new_id(),
        "pool_id": pool,
        "asset_type": typ,
        "asset_ref": ref,
        "asset_key": key,
        "active_key": key,
        "declared_value_fen": None,
        "debtor": None,
        "reference_date": None,
        "status": "pledged",
        "pledged_at": NOW,
        "log_index": 0,
    }


def _revalue_all(db: Database, as_of: date = AS_OF) -> dict[str, int]:
    with db.unit_of_work() as s:
        ids = list(assets.active_pool_ids(s))
    alerts = base = 0
    for i in range(0, len(ids), CHUNK):
        with db.unit_of_work() as s:
            for pid in ids[i : i + CHUNK]:
                pool = assets.pool_by_id(s, pid)
                assert pool is not None
                r = assets.revalue(s, pool, as_of=as_of)
                alerts += _short(r)
                base += r.base.base_fen
    return {"pools": len(ids), "alerts": alerts, "base_fen": base}


def _short(r: assets.Revalued) -> bool:
    """In shortfall after the revaluation (its margin alert open, raised now or before)."""
    limit, drawn = int(r.pool.limit_fen), int(r.pool.drawn_fen)
    return bool(r.base.shortfall_fen(limit_fen=limit, drawn_fen=drawn) > 0)


def _revalue_batched(db: Database, as_of: date = AS_OF) -> dict[str, int]:
    """``assets.service.revalue_many``: the same revaluation, the park's evidence read once,
    then 500 pools per unit of work (their pools, pledges and lines read in one go each)."""
    with db.unit_of_work() as s:
        ids = list(assets.active_pool_ids(s))
        ev = assets.pools_evidence(s, assets.pools_by_ids(s, ids), as_of=as_of)
    alerts = base = 0
    for i in range(0, len(ids), BATCH):
        with db.unit_of_work() as s:
            pools = assets.pools_by_ids(s, ids[i : i + BATCH])
            for r in assets.revalue_many(s, pools, as_of=as_of, evidence=ev):
                alerts += _short(r)
                base += r.base.base_fen
    return {"pools": len(ids), "alerts": alerts, "base_fen": base}


_JOBS: dict[str, Any] = {}


def _prepare_jobs(db: Database, var: str) -> None:
    """Load the worker's catalog (every domain's jobs) before the clock starts."""
    from chanrong.core.settings import Settings
    from chanrong.jobs import catalog

    settings = Settings(database_url=db.url, var_dir=Path(var), jwt_secret="bench-" + "x" * 40)
    _JOBS.update(settings=settings, jobs=catalog.load(settings))


def _revalue_jobs(db: Database, as_of: date = AS_OF) -> dict[str, int]:
    """The nightly job through the job runner, for the day ``as_of`` (its period)."""
    from chanrong.jobs.runner import run_manually

    out = run_manually(
        db, _JOBS["settings"], _JOBS["jobs"], "assets.revalue_pools", period=as_of.isoformat()
    )
    failed = [o for o in out if o.status != "succeeded"]
    if failed:
        raise RuntimeError(f"job runs failed: {failed[:3]}")
    with db.unit_of_work() as s:
        pools = list(s.scalars(select(Pool).where(Pool.status == "active")))
        short = s.scalar(
            select(func.count()).select_from(MarginAlert).where(MarginAlert.status == "open")
        )
    return {
        "pools": len(pools),
        "alerts": int(short or 0),
        "base_fen": sum(p.base_fen for p in pools),
        "runs": len(out) - 1,
    }


def _baseline(db: Database) -> dict[str, Any]:
    """Four queries for the park, the pure borrowing base per pool, nothing written."""
    with db.unit_of_work() as s:
        pools = {p.id: p for p in s.scalars(select(Pool))}
        recs = {(r.org_id, r.receivable_id): r for r in s.scalars(select(Receivable))}
        ords = {(o.org_id, o.order_id): o for o in s.scalars(select(Order))}
        res = {r.id: r for r in s.scalars(select(DataResource))}
        vals = {v.subject_id: v for v in s.scalars(select(Valuation))}
        by_pool: dict[str, list[PoolItem]] = {}
        for p in s.scalars(select(Pledge).where(Pledge.status == "pledged")):
            org = pools[p.pool_id].org_id
            if p.asset_type == "receivable":
                r = recs[(org, p.asset_ref)]
                item = PoolItem(
                    p.asset_key,
                    AssetType.RECEIVABLE,
                    r.outstanding_fen,
                    max(0, (AS_OF - r.due_date).days),
                    debtor=r.debtor_name,
                )
            elif p.asset_type == "order":
                o = ords[(org, p.asset_ref)]
                item = PoolItem(
                    p.asset_key,
                    AssetType.ORDER,
                    o.amount_fen,
                    (AS_OF - o.order_date).days,
                    debtor=o.buyer_name,
                )
            else:
                v, d = vals[p.asset_ref], res[p.asset_ref]
                item = PoolItem(
                    p.asset_key,
                    AssetType.DATA,
                    v.value_fen,
                    (AS_OF - v.as_of).days,
                    quality=Decimal(d.quality_score) if d.quality_score else None,
                )
            by_pool.setdefault(p.pool_id, []).append(item)
        short = base = 0
        per_pool = {}
        for pid, items in by_pool.items():
            bb = borrowing_base(items)
            per_pool[pid] = bb.base_fen
            base += bb.base_fen
            short += (
                bb.shortfall_fen(limit_fen=pools[pid].limit_fen, drawn_fen=pools[pid].drawn_fen) > 0
            )
    return {"pools": len(by_pool), "alerts": short, "base_fen": base, "by_pool": per_pool}


def _peak_rss_mb() -> int:
    """This process's own peak RSS since its exec (VmHWM): ``ru_maxrss`` on Linux keeps the
    forking parent's high-water mark across the exec, so it showed the set-up's memory."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def child(url: str, mode: str) -> None:
    """Run one way of revaluing in this (fresh) process; print seconds and max RSS as JSON."""
    db = Database(url)
    var = tempfile.mkdtemp(prefix="chanrong-bench-pools-var-")
    if mode == "jobs":
        _prepare_jobs(db, var)
    t0, c0 = time.perf_counter(), time.process_time()
    run = {
        "service": _revalue_all,
        "batched": _revalue_batched,
        "baseline": _baseline,
        "jobs": _revalue_jobs,
    }[mode]
    out = run(db)
    out.pop("by_pool", None)
    out["seconds"] = round(time.perf_counter() - t0, 2)  # type: ignore[assignment]
    # CPU seconds of the revaluation alone (the imports before it are not counted): on a
    # shared machine wall time includes waiting for a core, CPU time does not.
    out["cpu_s"] = round(time.process_time() - c0, 2)  # type: ignore[assignment]
    out["max_rss_mb"] = _peak_rss_mb()
    db.dispose()
    shutil.rmtree(var, ignore_errors=True)
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--enterprises", type=int, default=10_000)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument(
        "--ways",
        default="baseline,batched,service",
        help="which ways to run, comma-separated (baseline, batched, service)",
    )
    ap.add_argument("--child", nargs=2, metavar=("URL", "MODE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    n = 300 if args.quick else args.enterprises
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    with migrated_url(args.backend, "pools") as url:
        t0 = time.perf_counter()
        counts = build(url, n)
        setup = time.perf_counter() - t0
        runs = {}
        for mode in [w.strip() for w in args.ways.split(",") if w.strip()]:
            if mode not in WAYS:
                ap.error(f"--ways: unknown way {mode!r}")
            proc = subprocess.run(
                [sys.executable, __file__, "--child", url, mode],
                capture_output=True,
                text=True,
                check=True,
            )
            runs[mode] = json.loads(proc.stdout.strip().splitlines()[-1])
    table = Table(title=f"Revaluing {n:,} pools after a day of new data ({args.backend})")
    for col in (
        "way",
        "pools",
        "seconds",
        "CPU s",
        "pools/s",
        "max RSS MB",
        "pools in shortfall",
        "Σ base ¥",
    ):
        table.add_column(col, justify="right")
    for mode, r in runs.items():
        table.add_row(
            mode,
            f"{r['pools']:,}",
            f"{r['seconds']}",
            f"{r['cpu_s']}",
            f"{r['pools'] / max(r['seconds'], 1e-9):,.0f}",
            str(r["max_rss_mb"]),
            f"{r['alerts']:,}",
            f"{r['base_fen'] / 100:,.0f}",
        )
    console.print(table)
    if "baseline" in runs:
        floor = runs["baseline"]["seconds"]
        for mode, r in runs.items():
            if mode != "baseline":
                console.print(f"{mode} / baseline: {r['seconds'] / max(floor, 1e-9):.2f}× the time")
    with open("/proc/loadavg") as f:
        after = f.read().split()[:3]
    console.print(
        f"set-up {setup:.1f} s; {counts}; load average before {' '.join(load)}, "
        f"after {' '.join(after)}"
    )


if __name__ == "__main__":
    main()

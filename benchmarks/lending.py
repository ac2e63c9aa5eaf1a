"""Daily close (interest accrual + delinquency + the balance proof) for 100,000 loans.

    .venv/bin/python benchmarks/lending.py                      # 100,000 loans on SQLite
    .venv/bin/python benchmarks/lending.py --backend postgres   # needs CHANRONG_TEST_POSTGRES_URL
    .venv/bin/python benchmarks/lending.py --quick              # 2,000 loans, a smoke run

The book is written in bulk (schedules from the pure schedule module, a disbursement and
the accrual to yesterday per loan): most loans are current, about a tenth started 31 to 60
days ago and missed their first instalment, so the close also accrues penalty interest and
moves them to 关注. The close itself runs through the real service
(``lending.service.daily_close``) in a fresh child process, so its peak memory (max RSS) is
the close's own and not the set-up's.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import func, insert, select

from _db import migrated_url
from chanrong.core.ids import new_id
from chanrong.core.uscc import make_uscc
from chanrong.identity import service as identity
from chanrong.lending import journal
from chanrong.lending.ledger import Book
from chanrong.lending.orm import Instalment, JournalEntry, JournalLine, Loan, Product
from chanrong.lending.schedule import DayCount, RepaymentMethod, accrued_to, build_schedule
from chanrong.storage.database import Database

console = Console()
AS_OF = date(2025, 6, 30)
METHODS = list(RepaymentMethod)


def build_book(url: str, loans: int, seed: int = 7) -> dict[str, int]:
    """Write a bank, its borrowers, a product and ``loans`` active loans in bulk."""
    rng = random.Random(seed)
    db = Database(url)
    try:
        with db.unit_of_work() as s:
            bank = identity.create_organisation(
                s, name="基准银行", kind="financial_institution", institution_type="bank"
            )
            borrowers = [
                identity.create_organisation(
                    s,
                    name=f"企业{i:04d}",
                    kind="enterprise",
                    uscc=make_uscc("9", "1", "330500", f"MB{i:06d}").code,
                ).id
                for i in range(min(500, loans))
            ]
            product = Product(
                lender_org_id=bank.id,
                code="BENCH",
                name="benchmark",
                kind="term",
                method="equal_instalment",
                day_count="act_360",
                rate_type="fixed",
                fixed_rate=Decimal("4.35"),
                allocation_order="penalty_interest_principal",
                penalty_markup_pct=Decimal(50),
                max_term_months=36,
                max_amount_fen=10**12,
            )
            s.add(product)
            s.flush()
            bank_id, product_id = bank.id, product.id
        yesterday = AS_OF - timedelta(days=1)
        counts = {"instalments": 0, "lines": 0}
        with Progress(
            TextColumn("[bold]writing the book"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as bar:
            task = bar.add_task("", total=loans)
            for start in range(0, loans, 5000):
                rows: dict[str, list[dict[str, Any]]] = {"loans": [], "inst": []}
                book = Book()  # the ledger's own bulk journal writer
                for _ in range(start, min(start + 5000, loans)):
                    late = rng.random() < 0.1
                    begun = AS_OF - timedelta(
                        days=rng.randint(31, 60) if late else rng.randint(1, 30)
                    )
                    method = METHODS[rng.randrange(3)]
                    dc = DayCount.ACT_360 if rng.random() < 0.5 else DayCount.ACT_365
                    rate = Decimal(rng.randint(345, 600)) / 100
                    principal = rng.randint(50_000, 2_000_000) * 100
                    sched = build_schedule(
                        principal,
                        start=begun,
                        method=method,
                        day_count=dc,
                        rate=rate,
                        term_months=12,
                    )
                    loan_id = new_id()
                    accrued = sum(
                        accrued_to(i.interest_fen, 0, i.start, i.due, yesterday)
                        for i in sched.instalments
                    )
                    rows["loans"].append(
                        {
                            "id": loan_id,
                            "product_id": product_id,
                            "line_id": None,
                            "lender_org_id": bank_id,
                            "borrower_org_id": borrowers[rng.randrange(len(borrowers))],
                            "decision_id": None,
                            "principal_fen": principal,
                            "term_months": 12,
                            "method": method.value,
                            "day_count": dc.value,
                            "allocation_order": "penalty_interest_principal",
                            "annual_rate": rate,
                            "spread": None,
                            "lpr_tenor": None,
                            "repricing": None,
                            "penalty_markup_pct": Decimal(50),
                            "purpose": "working_capital",
                            "sweep_share_pct": Decimal(0),
                            "status": "active",
                            "start_on": begun,
                            "schedule_version": 1,
                            "dpd": 0,
                            "bucket": "current",
                            "category": "normal",
                            "accrued_interest_fen": accrued,
                            "accrued_penalty_fen": 0,
                            "closed_through": yesterday,
                            "closed_on": None,
                            "booked_by_user_id": "benchmark",
                            "created_at": datetime.now(UTC),
                        }
                    )
                    for i in sched.instalments:
                        rows["inst"].append(
                            {
                                "id": new_id(),
                                "loan_id": loan_id,
                                "version": 1,
                                "number": i.number,
                                "start_on": i.start,
                                "due_on": i.due,
                                "principal_fen": i.principal_fen,
                                "interest_fen": i.interest_fen,
                                "accrual_start": i.start,
                                "carried_interest_fen": 0,
                            }
                        )
                    book.post(loan_id, journal.disbursement(principal), begun)
                    if accrued:
                        book.post(loan_id, journal.interest_accrual(accrued), yesterday)
                with db.unit_of_work() as s:
                    s.execute(insert(Loan), rows["loans"])
                    s.execute(insert(Instalment), rows["inst"])
                    s.execute(insert(JournalEntry), book.entries)
                    s.execute(insert(JournalLine), book.lines)
                counts["instalments"] += len(rows["inst"])
                counts["lines"] += len(book.lines)
                bar.update(task, completed=min(start + 5000, loans))
        return counts
    finally:
        db.dispose()


def close_only(url: str) -> None:
    """Child process: run one daily close and print its figures as JSON."""
    from chanrong.lending import service

    db = Database(url)
    # What the process holds before the close (interpreter, libraries, an open connection).
    with db.unit_of_work() as s:
        s.execute(select(func.count()).select_from(Loan))
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        t0 = time.perf_counter()
        with db.unit_of_work() as s:
            report = service.daily_close(s, as_of=AS_OF)
        seconds = time.perf_counter() - t0
        with db.unit_of_work() as s:
            lines = s.scalar(select(func.count()).select_from(JournalLine))
    finally:
        db.dispose()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak_kb / 1024,
                "before_mb": before_kb / 1024,
                "loans": report.loans,
                "interest_fen": report.interest_accrued_fen,
                "penalty_fen": report.penalty_accrued_fen,
                "reclassified": report.reclassified,
                "balanced": report.balanced,
                "lines_after": lines,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--loans", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="2,000 loans: a smoke run")
    parser.add_argument("--close-only", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.close_only:
        close_only(args.close_only)
        return
    n = 2_000 if args.quick else args.loans
    with migrated_url(args.backend, "lending") as url:
        t0 = time.perf_counter()
        counts = build_book(url, n)
        setup = time.perf_counter() - t0
        console.print(f"book written in {setup:.1f} s; closing {AS_OF} in a fresh process …")
        proc = subprocess.run(
            [sys.executable, __file__, "--close-only", url],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            console.print(proc.stderr)
            sys.exit("the close failed")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
    t = Table("measure", "value", title=f"lending daily close of {AS_OF} — {args.backend}")
    t.add_row("loans closed", f"{r['loans']:,}")
    t.add_row("instalments in the book", f"{counts['instalments']:,}")
    t.add_row("journal lines before → after", f"{counts['lines']:,} → {r['lines_after']:,}")
    t.add_row("close time (s)", f"{r['seconds']:.2f}")
    t.add_row("loans per second", f"{r['loans'] / r['seconds']:,.0f}")
    t.add_row("max RSS before the close (imports, connection), MB", f"{r['before_mb']:.0f}")
    t.add_row("peak RSS during the close, MB", f"{r['peak_mb']:.0f}")
    t.add_row("memory the close added, MB", f"{r['peak_mb'] - r['before_mb']:.0f}")
    t.add_row("interest accrued", f"¥{r['interest_fen'] / 100:,.2f}")
    t.add_row("penalty interest accrued", f"¥{r['penalty_fen'] / 100:,.2f}")
    t.add_row("loans reclassified (→ 关注)", f"{r['reclassified']:,}")
    t.add_row("books balance (journal = subledger)", "yes" if r["balanced"] else "NO")
    console.print(t)
    if not r["balanced"]:
        sys.exit(1)


if __name__ == "__main__":
    main()

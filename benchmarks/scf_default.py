"""A simulated park where some buyers default at maturity: who lost what, over several seeds.

    .venv/bin/python benchmarks/scf_default.py   # seeds 1-5, 6 buyers, 30 sellers
    .venv/bin/python benchmarks/scf_default.py --seeds 1,2 --buyers 3 --sellers 8

Each seed is one park (``chanrong.demo.scf_default_run``) in its own unit of work on a fresh
SQLite database: core enterprises confirm their suppliers' certificates; the bank discounts
some (with or without recourse, within its exposure limit per buyer), lends on others under a
guarantee (the national fund's re-guarantee scheme); some buyers default at maturity; the bank
turns back to sellers where agreed, claims on the guaranteed loans at 90 days past due and the
guarantor pays (代偿); some defaulted buyers pay late and that is recovered and shared back.
Beside them one seller a buyer (``--pg-sellers``) trades on a statement under a 保付: when
its buyer defaults the guarantor pays the seller directly and takes recourse against the
buyer (instalments flagged as they fall overdue; a late payer repays in full).
The table gives each seed, the mean and the worst (largest per column) of the losses by party
at the end, the payouts and the fees; every tree, journal and book is checked (violations
must be 0).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from statistics import mean

from rich.console import Console
from rich.table import Table

from _db import migrated_database
from chanrong.core.money import fen_to_yuan
from chanrong.demo.scf_default_run import DefaultRun, run_default_park

console = Console()

COLUMNS: list[tuple[str, str]] = [
    ("defaulted buyers", "defaulted_buyers"),
    ("issued ¥", "issued_fen"),
    ("unpaid at maturity ¥", "unpaid_at_maturity_fen"),
    ("paid late ¥", "paid_late_fen"),
    ("refused by limit", "refused_by_limit"),
    ("recourse paid by sellers ¥", "recourse_paid_fen"),
    ("代偿 guarantor→bank ¥", "compensation_fen"),
    ("fund reimbursed ¥", "fund_reimbursed"),
    ("recovered ¥", "recovered_fen"),
    ("discount income ¥", "discount_income_fen"),
    ("guarantee fees ¥", "guarantee_fees"),
    ("loss: bank ¥", "loss_bank"),
    ("loss: guarantor ¥", "loss_guarantor"),
    ("loss: fund ¥", "loss_fund"),
    ("loss: sellers ¥", "loss_sellers"),
    ("保付 guaranteed ¥", "pg_guaranteed_fen"),
    ("保付 fees ¥", "pg_fees_fen"),
    ("保付 代偿 guarantor→sellers ¥", "pg_paid_out_fen"),
    ("保付 recourse repaid ¥", "pg_recourse_repaid_fen"),
    ("recourse instalments flagged", "pg_overdue_flags"),
    ("loss: guarantor 保付 ¥", "loss_guarantor 保付"),
]


def figures(run: DefaultRun) -> dict[str, int]:
    """The table's numbers for one run (fen where the column says ¥)."""
    base = {attr: getattr(run, attr) for _, attr in COLUMNS if hasattr(run, attr)}
    return {
        **base,
        "fund_reimbursed": sum(run.reimbursed.values()),
        "guarantee_fees": sum(run.fees.values()),
        **{f"loss_{party}": fen for party, fen in run.losses.items()},
    }


def _cell(attr: str, value: float) -> str:
    header = dict((a, h) for h, a in COLUMNS)[attr]
    if header.endswith("¥"):
        return f"{fen_to_yuan(round(value)):,.0f}"
    return f"{value:,.1f}" if value != int(value) else f"{int(value):,}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--buyers", type=int, default=6)
    parser.add_argument("--sellers", type=int, default=30)
    parser.add_argument("--default-rate", type=float, default=0.3, help="share of buyers")
    parser.add_argument(
        "--pg-sellers", type=int, default=None, help="sellers under a 保付 (default: one a buyer)"
    )
    parser.add_argument("--scheme", default="national-fund", choices=("national-fund",))
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = parser.parse_args()
    seeds = [int(x) for x in args.seeds.split(",")]
    table = Table(
        title=f"SCF default run: {args.buyers} buyers, {args.sellers} sellers, "
        f"scheme {args.scheme}, seeds {args.seeds}",
    )
    table.add_column("seed")
    for header, _ in COLUMNS:
        table.add_column(header, justify="right")
    table.add_column("uses: disc. rc / no rc / guar. loan / hold")
    table.add_column("violations", justify="right")
    rows: list[dict[str, int]] = []
    bad = 0
    started = time.perf_counter()
    with migrated_database("sqlite", "scfdefault") as db:
        for seed in seeds:
            with db.unit_of_work() as s:
                run = run_default_park(
                    s,
                    seed=seed,
                    buyers=args.buyers,
                    sellers=args.sellers,
                    default_rate=args.default_rate,
                    scheme=args.scheme,
                    pg_sellers=args.pg_sellers,
                )
            row = figures(run)
            rows.append(row)
            bad += len(run.violations)
            uses = "/".join(
                str(run.uses[k])
                for k in (
                    "discount with recourse",
                    "discount without recourse",
                    "guaranteed loan",
                    "hold",
                )
            )
            table.add_row(
                str(seed),
                *(_cell(a, row[a]) for _, a in COLUMNS),
                uses,
                str(len(run.violations)),
            )
            for line in run.violations[:5]:
                console.print(f"[red]seed {seed}: {line}[/]")
    table.add_row("mean", *(_cell(a, mean(r[a] for r in rows)) for _, a in COLUMNS), "", "")
    table.add_row("worst", *(_cell(a, max(r[a] for r in rows)) for _, a in COLUMNS), "", "")
    console.print(table)
    if args.markdown:
        print("| seed | " + " | ".join(h for h, _ in COLUMNS) + " |")
        print("|---" * (len(COLUMNS) + 1) + "|")
        for label, cells in [
            *(
                (str(seed), [_cell(a, r[a]) for _, a in COLUMNS])
                for seed, r in zip(seeds, rows, strict=True)
            ),
            ("mean", [_cell(a, mean(r[a] for r in rows)) for _, a in COLUMNS]),
            ("worst", [_cell(a, max(r[a] for r in rows)) for _, a in COLUMNS]),
        ]:
            print(f"| {label} | " + " | ".join(cells) + " |")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    console.print(
        f"{time.perf_counter() - started:.1f} s; load average at the end (1, 5, 15 min): "
        f"{load} on {os.cpu_count()} CPUs"
    )
    if bad:
        console.print(f"[bold red]{bad} violations[/]")
        return 1
    console.print("[green]0 violations (trees, journals, guarantee books)[/]")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The full market report for 100,000 synthetic financing events: time and peak memory.

    .venv/bin/python benchmarks/market.py                      # 100,000 events on SQLite
    .venv/bin/python benchmarks/market.py --backend postgres   # needs CHANRONG_TEST_POSTGRES_URL
    .venv/bin/python benchmarks/market.py --quick              # 5,000 events, a smoke run

Events (all in the report year by default, ``--years`` to spread them; ~1.2 per company,
1–3 investors each from a pool of 2,000 with 1 in 7 state-owned, amounts written as the
reports write them) go through the real import path:
every row checked and parsed, then bulk-inserted in one transaction. The report is then
computed the way ``chanrong market report`` does it — export to Arrow, DuckDB figures for
one year — and rendered to HTML with SVG charts and to PDF. Each phase prints its wall time,
the process's peak resident memory after it, and how much the phase raised that peak.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.table import Table

from _db import migrated_database
from chanrong.market import service
from chanrong.market.analytics import MarketReport
from chanrong.market.report import render_html, write_pdf
from chanrong.market.tabular import Dataset, Row

console = Console()
T = TypeVar("T")

PROVINCES = (
    ["北京"] * 30 + ["上海"] * 20 + ["广东"] * 16 + ["浙江"] * 11 + ["江苏"] * 11 + ["安徽"] * 2
    + ["四川"] * 3 + ["湖北"] * 3 + ["山东"] * 2 + ["福建"] * 1 + ["陕西"] * 1
)  # fmt: skip
ROUNDS = (
    ["种子轮"] * 4 + ["天使轮"] * 10 + ["Pre-A轮"] * 13 + ["A轮"] * 27 + ["A+轮"] * 6
    + ["Pre-B轮"] * 3 + ["B轮"] * 11 + ["B+轮"] * 3 + ["C轮"] * 5 + ["D轮"] * 2
    + ["战略投资"] * 13 + ["Pre-IPO"] * 2
)  # fmt: skip
AMOUNTS = ["未披露"] * 6 + ["{n}万元", "{y}亿元", "超亿元", "近亿元", "数千万元", "${m}M"]
DESCRIPTIONS = [
    "工业互联网平台与工业软件", "工业机器人系统集成", "工控安全防火墙", "PLC与边缘计算控制器",
    "工业互联网标识解析", "智能制造解决方案与咨询服务", "机器视觉检测与AI算法", "5G工业专网",
]  # fmt: skip


def synthetic_events(n: int, *, last_year: int, years: int, seed: int = 10) -> list[Row]:
    """``n`` event rows as an import file would hold them, spread over ``years`` years."""
    rng = random.Random(seed)
    companies = max(1, int(n / 1.2))
    investors = [f"投资机构{i:04d}" for i in range(2000)]
    start = date(last_year - years + 1, 1, 1)
    rows = []
    for i in range(n):
        c = rng.randrange(companies)
        amount = rng.choice(AMOUNTS).format(
            n=rng.randrange(100, 9000), y=rng.randrange(1, 30), m=rng.randrange(1, 80)
        )
        rows.append(
            Row(
                i + 2,
                {
                    "date": (start + timedelta(days=rng.randrange(years * 365))).isoformat(),
                    "company": f"合成企业{c:06d}",
                    # A rare repeat of a company's (date, round) is dropped below: an
                    # import file holding one would be rejected.
                    "round": rng.choice(ROUNDS),
                    "amount": amount,
                    "investors": "、".join(rng.sample(investors, rng.randint(1, 3))),
                    "province": PROVINCES[c % len(PROVINCES)],
                    "city": "",
                    "description": DESCRIPTIONS[c % len(DESCRIPTIONS)],
                },
            )
        )
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for r in rows:
        key = (r.values["company"], r.values["date"], r.values["round"])
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return unique


def investor_rows() -> list[Row]:
    return [
        Row(
            i + 2,
            {"name": f"投资机构{i:04d}", "kind": "vc", "state_owned": "是" if i % 7 == 0 else "否"},
        )
        for i in range(2000)
    ]


@dataclass
class Phase:
    name: str
    seconds: float
    rss_mb: float
    rss_growth_mb: float
    note: str = ""


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(phases: list[Phase], name: str, fn: Callable[[], T], note: str = "") -> T:
    """Run one phase; record its wall time and how far it raised the peak resident memory.

    The peak is the process's (Python heap, Arrow and DuckDB buffers alike); tracemalloc is
    not used because it sees only the Python heap and slows matplotlib several-fold.
    """
    before = _rss_mb()
    t0 = time.perf_counter()
    with console.status(f"{name} …"):
        result = fn()
    seconds = time.perf_counter() - t0
    after = _rss_mb()
    phases.append(Phase(name, seconds, after, after - before, note))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5,000 events")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument(
        "--years",
        type=int,
        default=1,
        help="spread the events over this many years up to --year (default 1: every event "
        "is in the report year, the heaviest report)",
    )
    parser.add_argument("--no-pdf", action="store_true")
    args = parser.parse_args()
    n = 5_000 if args.quick else args.events
    phases: list[Phase] = []
    rows = measure(
        phases,
        "generate rows",
        lambda: synthetic_events(n, last_year=args.year, years=args.years),
    )
    with migrated_database(args.backend, "market") as db, tempfile.TemporaryDirectory() as out:

        def load() -> None:
            with db.unit_of_work() as s:
                service.import_rows(s, Dataset.INVESTORS, investor_rows())
                service.import_rows(s, Dataset.EVENTS, rows)

        measure(phases, "import (check + write)", load, f"{len(rows):,} events")

        def compute() -> MarketReport:
            with db.unit_of_work() as s:
                return service.market_report(s, args.year)

        report = measure(phases, "report figures (Arrow + DuckDB)", compute, f"year {args.year}")

        def match() -> list[dict[str, object]]:
            with db.unit_of_work() as s:
                return service.match_investors(
                    s, field="intelligent_equipment", stage="early", province="浙江"
                )

        matches = measure(phases, "matchmaking (all years)", match)
        phases[-1].note = f"top: {matches[0]['investor']}" if matches else "no match"
        html = measure(phases, "HTML with SVG charts", lambda: render_html(report))
        phases[-1].note = f"{len(html) / 1024:,.0f} KiB"
        if not args.no_pdf:
            pdf = Path(out) / "report.pdf"
            measure(phases, "PDF", lambda: write_pdf(report, pdf))
            phases[-1].note = f"{pdf.stat().st_size / 1024:,.0f} KiB"

    table = Table(title=f"market report, {len(rows):,} synthetic events, {args.backend}")
    table.add_column("phase")
    table.add_column("seconds", justify="right")
    table.add_column("peak RSS MiB", justify="right")
    table.add_column("peak raised by MiB", justify="right")
    table.add_column("note")
    for p in phases:
        table.add_row(
            p.name, f"{p.seconds:.2f}", f"{p.rss_mb:.0f}", f"{p.rss_growth_mb:.0f}", p.note
        )
    full = sum(
        p.seconds for p in phases if p.name not in ("generate rows", "import (check + write)")
    )
    parts = "figures + HTML" + ("" if args.no_pdf else " + PDF")
    table.add_row(f"full report ({parts})", f"{full:.2f}", "", "", "")
    console.print(table)
    console.print(
        f"report {args.year}: {report.events:,} events, {report.companies:,} companies, "
        f"early {report.early_stage_share:.1%}, state-owned {report.state_owned_share:.1%}"
    )


if __name__ == "__main__":
    main()

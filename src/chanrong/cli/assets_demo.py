"""``chanrong assets evaluate``: does the borrowing base fall before default? (demo code:
simulated parks against their truth; ``chanrong.cli.main`` attaches it to the assets group)."""

from __future__ import annotations

import statistics
from typing import Annotated

import typer
from rich.table import Table

from chanrong.demo.assets_evaluation import (
    PRIMARY_TREND,
    PathBeforeDefault,
    Rule,
    SeedResult,
    TrendRule,
    evaluate_seed,
)
from chanrong.edge.commands import console, friendly_errors


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.0f}%"


def _quantile(xs: list[float], q: float) -> float:
    ys = sorted(xs)
    return ys[min(len(ys) - 1, int(q * len(ys)))]


@friendly_errors
def evaluate(
    seeds: Annotated[str, typer.Option(help="Comma-separated park seeds")] = "1,2,3,4,5",
    enterprises: Annotated[int, typer.Option(help="Firms per park")] = 60,
    months: Annotated[int, typer.Option(help="Months simulated")] = 18,
) -> None:
    """Does the pool's value fall before default? On simulated parks against their truth:
    margin rules (the covenant) and trend rules (the value falling), each with the defaulters
    alerted before default, the median lead and the healthy firms alerted; then the path of
    the base, lendable value and output before default beside healthy firms' spread."""
    per_rule: dict[Rule | TrendRule, list[SeedResult]] = {}
    paths: list[PathBeforeDefault] = []
    with console.status("simulating parks…"):
        for s in (int(x) for x in seeds.split(",") if x.strip()):
            ev = evaluate_seed(s, enterprises=enterprises, months=months)
            for rule, res in ev.results.items():
                per_rule.setdefault(rule, []).append(res)
            paths.append(ev.path)
    table = Table(title=f"Pool alerts against the simulator's truth (seeds {seeds})")
    for col in (
        "rule",
        "defaulters",
        "alerted before default, mean / worst",
        "median lead days, mean / worst",
        "healthy alerted, mean / worst",
    ):
        table.add_column(col, justify="right")
    for rule, results in per_rule.items():
        det = [r.detection for r in results if r.detection is not None]
        fa = [r.false_alarm for r in results if r.false_alarm is not None]
        leads = [r.median_lead_days for r in results if r.median_lead_days is not None]
        kind = "margin" if isinstance(rule, Rule) else "trend"
        table.add_row(
            f"{kind}: {rule}" + (" (primary)" if rule == PRIMARY_TREND else ""),
            str(sum(r.defaulters for r in results)),
            f"{_pct(statistics.mean(det) if det else None)} / {_pct(min(det) if det else None)}",
            f"{statistics.mean(leads):.0f} / {min(leads):.0f}" if leads else "—",
            f"{_pct(statistics.mean(fa) if fa else None)} / {_pct(max(fa) if fa else None)}",
        )
    console.print(table)
    path = Table(
        title="Each measure over its pre-pool average (3 month-ends), median over defaulters "
        "whose default is 2+ months after the pool opened"
    )
    path.add_column("month-end", justify="right")
    measures = ("base", "lendable", "receivables", "output")
    for m in measures:
        path.add_column(m, justify="right")
    for k in range(6, -1, -1):
        label = "first after default" if k == 0 else f"{k} before default"
        cells = []
        for m in measures:
            xs = [x for p in paths for x in p.before.get(m, {}).get(k, [])]
            cells.append(f"{statistics.median(xs):.2f} (n={len(xs)})" if xs else "—")
        path.add_row(label, *cells)
    for q in (0.1, 0.25, 0.5):
        cells = []
        for m in measures:
            xs = [x for p in paths for x in p.healthy.get(m, [])]
            cells.append(f"{_quantile(xs, q):.2f}" if xs else "—")
        path.add_row(f"healthy, {q * 100:.0f}th percentile of month-ends", *cells)
    console.print(path)


@friendly_errors
def story(
    bank: Annotated[str, typer.Option(help="The demo bank's organisation id")],
    as_of: Annotated[str, typer.Option(help="Valuation day, YYYY-MM-DD")],
    pool_every: Annotated[int, typer.Option(help="Open a pool for every n-th enterprise")] = 3,
) -> None:
    """Register and value every enterprise's data resources; pools for a share of them."""
    from datetime import date

    from chanrong.core.money import format_yuan
    from chanrong.demo.assets_story import tell
    from chanrong.edge.commands import unit_of_work

    with unit_of_work() as session:
        s = tell(session, bank_org_id=bank, as_of=date.fromisoformat(as_of), pool_every=pool_every)
    console.print(
        f"{s.registered} data resources registered, {s.valued} valued "
        f"({format_yuan(s.value_fen)} in all); {len(s.pools)} pools opened; "
        f"{len(s.refused)} pledges refused"
    )
    for line in s.refused[:20]:
        console.print(f"  refused {line}")


@friendly_errors
def lift(
    train: Annotated[str, typer.Option(help="Training park seeds")] = "1,2,3",
    test: Annotated[str, typer.Option(help="Test park seeds")] = "4,5",
    enterprises: Annotated[int, typer.Option(help="Firms per park")] = 50,
) -> None:
    """Measure the order records' share of a default model's skill (the income share's evidence)."""
    from chanrong.demo.assets_lift import measure

    def seeds(v: str) -> list[int]:
        return [int(x) for x in v.split(",") if x.strip()]

    with console.status("simulating parks…"):
        r = measure(seeds(train), seeds(test), enterprises=enterprises)
    console.print(
        f"AUC with business.orders {r.auc_with:.4f}, without {r.auc_without:.4f} "
        f"(train {r.train_rows} firms, test {r.test_rows} with {r.test_defaults} defaults): "
        f"share of the skill {r.share:.4f}"
    )

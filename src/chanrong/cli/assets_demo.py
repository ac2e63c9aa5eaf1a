"""``chanrong assets evaluate``: does the borrowing base fall before default? (demo code:
simulated parks against their truth; ``chanrong.cli.main`` attaches it to the assets group)."""

from __future__ import annotations

import statistics
from typing import Annotated

import typer
from rich.table import Table

from chanrong.demo.assets_evaluation import DEFAULT_RULES, Rule, SeedResult, evaluate_seed
from chanrong.edge.commands import console, friendly_errors


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.0f}%"


@friendly_errors
def evaluate(
    seeds: Annotated[str, typer.Option(help="Comma-separated park seeds")] = "1,2,3,4,5",
    enterprises: Annotated[int, typer.Option(help="Firms per park")] = 60,
    months: Annotated[int, typer.Option(help="Months simulated")] = 18,
) -> None:
    """Margin alerts from receivable/order pools on simulated parks, under each alert rule:
    defaulters alerted before default, median lead, healthy firms alerted."""
    per_rule: dict[Rule, list[SeedResult]] = {r: [] for r in DEFAULT_RULES}
    with console.status("simulating parks…"):
        for s in (int(x) for x in seeds.split(",") if x.strip()):
            for rule, res in evaluate_seed(s, enterprises=enterprises, months=months).items():
                per_rule[rule].append(res)
    table = Table(title=f"Pool margin alerts against the simulator's truth (seeds {seeds})")
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
        table.add_row(
            str(rule),
            str(sum(r.defaulters for r in results)),
            f"{_pct(statistics.mean(det) if det else None)} / {_pct(min(det) if det else None)}",
            f"{statistics.mean(leads):.0f} / {min(leads):.0f}" if leads else "—",
            f"{_pct(statistics.mean(fa) if fa else None)} / {_pct(max(fa) if fa else None)}",
        )
    console.print(table)


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

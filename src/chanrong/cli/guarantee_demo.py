"""``chanrong guarantee demo``: guaranteed lending on a simulated park, end to end, with the
figures every party cares about — fees, payouts, losses by party, recoveries, subsidies."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from chanrong.core.errors import ValidationFailed
from chanrong.core.money import format_yuan
from chanrong.demo.guarantee_story import GuaranteeStory, run_story
from chanrong.edge.commands import console, friendly_errors, unit_of_work


def print_story(story: GuaranteeStory) -> None:
    """The run's figures as tables (Rich)."""
    console.print(
        f"[bold]{story.loans}[/] guaranteed loans requested, "
        f"[bold]{story.defaulters}[/] borrowers stop paying"
    )
    for sc in story.schemes:
        rate = "—" if sc.loss_rate is None else f"{sc.loss_rate:.2%}"
        t = Table("", "figure", title=f"{sc.name}")
        t.add_row(
            "loans in / refused", f"{sc.loans_in} / {sum(sc.refused.values())} {sc.refused or ''}"
        )
        t.add_row("principal enrolled", format_yuan(sc.enrolled_fen))
        t.add_row("defaulted principal (claims)", f"{format_yuan(sc.defaulted_fen)} ({sc.claims})")
        t.add_row(
            "loss rate", rate + (" — breaker tripped, no new loans" if sc.breaker_tripped else "")
        )
        for name, fen in sc.fees.items():
            t.add_row(f"fees: {name}", format_yuan(fen))
        t.add_row("payout: guarantor → bank (代偿)", format_yuan(sc.compensation_fen))
        for party, fen in sc.reimbursed.items():
            t.add_row(f"payout: {party} → guarantor", format_yuan(fen))
        for cap, n in sc.limited.items():
            t.add_row(f"claims limited by {cap}", str(n))
        console.print(t)
        p = Table(
            "party", "loss borne", "recovered", "net loss", title=f"losses by party — {sc.code}"
        )
        for party, fen in sc.losses.items():
            back = sc.recovered.get(party, 0)
            p.add_row(party, format_yuan(fen), format_yuan(back), format_yuan(fen - back))
        console.print(p)
    console.print(
        f"interest subsidy: {format_yuan(story.subsidy_paid_fen)} of "
        f"{format_yuan(story.subsidy_budget_fen)} paid to {story.subsidy_loans} loans "
        f"({story.subsidy_status})"
    )
    console.print(
        f"cash across every party's books: {format_yuan(story.cash_total_fen)} (always 0)"
    )


@friendly_errors
def demo(
    loans: Annotated[int, typer.Option(help="Loans requested")] = 40,
    default_rate: Annotated[float, typer.Option(help="Share of borrowers who stop paying")] = 0.15,
    months: Annotated[int, typer.Option(help="Months simulated")] = 12,
    seed: Annotated[int, typer.Option(help="Seed")] = 7,
) -> None:
    """Guaranteed lending under the national-fund and Pingshan schemes: defaults, 代偿, shares."""
    if not 1 <= loans <= 2000:
        raise ValidationFailed("loans: 1 to 2000", field="loans")
    if not 0 <= default_rate <= 1:
        raise ValidationFailed("default-rate: between 0 and 1", field="default_rate")
    if not 3 <= months <= 36:
        raise ValidationFailed("months: 3 to 36", field="months")
    with unit_of_work() as s:
        story = run_story(s, loans=loans, default_rate=default_rate, months=months, seed=seed)
    print_story(story)

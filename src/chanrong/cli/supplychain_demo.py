"""``chanrong scf story``: the supply-chain finance story, told on its own and printed as the
settled certificate tree. ``chanrong.cli.main`` attaches it to the ``scf`` commands; ``chanrong
demo`` prints its own telling with ``print_story``."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session

from chanrong.core.i18n import t
from chanrong.core.money import format_yuan
from chanrong.demo.scf_default_run import DefaultRun
from chanrong.demo.scf_story import Story, demo_story, story_cast
from chanrong.edge.commands import console, friendly_errors, unit_of_work
from chanrong.supplychain import service as scf
from chanrong.supplychain.cli import render_tree


def print_story(session: Session, story: Story, *, locale: str | None = None) -> None:
    """Print what ``demo_story`` did as a Rich tree (for ``chanrong demo`` too)."""
    core = scf.principal_for_org(session, story.core_org_id)
    console.print(
        render_tree(session, scf.payable_tree(session, core, story.payable_id), locale=locale)
    )
    summary = t(
        "scf.settled_summary",
        locale,
        amount=format_yuan(story.settled_fen),
        holders=len(story.settlements),
    )
    console.print(summary)


@friendly_errors
def story(
    lang: Annotated[str, typer.Option(help="zh-CN or en")] = "zh-CN",
) -> None:
    """Run the supply-chain story: confirm, split to two tier-2 suppliers, finance, settle."""
    with unit_of_work() as session:
        ids = story_cast(session)
        with console.status("confirming, splitting, financing and settling…"):
            result = demo_story(
                session,
                core_org_id=ids["core"],
                tier1_org_id=ids["tier1"],
                tier2_org_ids=(ids["tier2a"], ids["tier2b"]),
                bank_org_id=ids["bank"],
            )
        print_story(session, result, locale=lang)


def print_default_run(run: DefaultRun) -> None:
    """Print what ``run_default_park`` did: who defaulted, who paid whom, who lost what."""
    console.print(
        f"{run.defaulted_buyers} of {run.buyers} buyers did not pay "
        f"{format_yuan(run.unpaid_at_maturity_fen)} at maturity "
        f"({format_yuan(run.paid_late_fen)} paid late); "
        f"{run.refused_by_limit} financings refused by the bank's exposure limit; "
        f"recourse paid by sellers {format_yuan(run.recourse_paid_fen)}; "
        f"payout: guarantor → bank (代偿) {format_yuan(run.compensation_fen)} "
        f"on {run.claims} claims, recovered {format_yuan(run.recovered_fen)}"
    )
    console.print(
        f"保付: {run.pg_sellers} sellers guaranteed {format_yuan(run.pg_guaranteed_fen)} "
        f"(fees {format_yuan(run.pg_fees_fen)}); the guarantor paid sellers (代偿) "
        f"{format_yuan(run.pg_paid_out_fen)}, buyers repaid its recourse "
        f"{format_yuan(run.pg_recourse_repaid_fen)}; "
        f"{run.pg_overdue_flags} recourse instalments flagged overdue"
    )
    console.print(
        "losses at the end: "
        + ", ".join(f"{party} {format_yuan(fen)}" for party, fen in run.losses.items())
        + f"; fees: discount {format_yuan(run.discount_income_fen)}, guarantee "
        + format_yuan(sum(run.fees.values()))
    )
    console.print(f"invariant violations: {len(run.violations)}")

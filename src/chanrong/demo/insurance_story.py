"""The insurer's year in the demo: a pricing model fitted to claims, a policy priced by it,
bound by the enterprise, its first premium paid, and the day's safety alerts pushed to both.

Small on purpose (a few seconds): the claims model is fitted on a 20-firm simulated book, the
policy is one enterprise's, the profile is one day's.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.clock import month_start
from chanrong.core.money import format_yuan
from chanrong.core.settings import Settings
from chanrong.demo.insurance_pricing import evaluate, simulated_book
from chanrong.demo.stories import Told
from chanrong.identity import service as identity
from chanrong.insurance import calibration, lifecycle, notices, policies, risk
from chanrong.insurance import service as insurance
from chanrong.telemetry import service as telemetry


def policy_story(
    session: Session, settings: Settings, *, insurer_org: str, org_id: str, today: date
) -> Told:
    """Fit, quote, bind, pay the first instalment, push the day's alerts; what it printed."""
    told = Told("保单 insurer's policy: claims-fitted pricing → bind → premium → alerts")
    insurer = identity.system_principal(session, insurer_org)
    insured = identity.system_principal(session, org_id)
    ev = evaluate(simulated_book(20, seed=7))
    model = calibration.register(
        session,
        insurer,
        model=ev.model.to_json(),
        validation=ev.to_json(),
        exposures=ev.train_rows,
        claims=ev.train_claims,
    )
    doc = ev.to_json()
    told.say(
        f"pricing model v{model.version} fitted on {ev.train_rows} machine-years "
        f"({ev.train_claims} claims): AUC {doc['model']['auc']} vs the hand-set index's "
        f"{doc['handset']['auc']}, Spearman with the true risk {doc['model']['spearman_truth']} "
        f"vs {doc['handset']['spearman_truth']}"
    )
    start = month_start(today, -3)
    q = insurance.quote(
        session,
        insurer,
        telemetry.open_store(settings),
        org_id=org_id,
        base_premium=Decimal("20000"),
        start=start,
        end=start + timedelta(days=365),
    )
    p = policies.bind(session, insured, q.id, instalments=4)
    first = policies.policy_view(session, insured, p.id).instalments[0]
    lifecycle.pay_premium(
        session,
        insurer,
        p.id,
        amount=Decimal(first.amount_fen) / 100,
        paid_on=first.due_date,
        reference="DEMO-PREMIUM-1",
    )
    told.say(
        f"quote priced by {q.pricing}: ×{q.multiplier} → {format_yuan(q.premium_fen)}; bound in "
        f"4 instalments, the first ({format_yuan(first.amount_fen)}) paid on {first.due_date}"
    )
    states = lifecycle.schedule_status(session, insurer, p.id, today)
    told.say("schedule today: " + ", ".join(f"#{s.seq} {s.state}" for s in states))
    prof = risk.compute_profile(session, telemetry.open_store(settings), org_id, today)
    notices.queue(session, org_id, notices.day_alerts(session, org_id, today))
    sent = notices.deliver(session, org_id)
    told.say(
        f"safety profile {prof.day}: score {prof.score} ({prof.band}); "
        f"{sent['delivered']} alert notice(s) delivered to the enterprise and its insurer, "
        f"{sent['withheld']} withheld"
    )
    return told

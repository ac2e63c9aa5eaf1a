"""The credit side of the demo: a champion trained on a park's past, registered and promoted;
profiles for every firm; the bank's live decisions, and how they compare with the truth.

Training reads a *separate* simulated park (another seed) whose history ends before the
decision date, so no firm's future relative to the decision is ever learnt from. Decisions go
through the platform's own path: ``credit.service.apply`` in the demo (as the API does),
``credit.domain.decide`` on the registered champion in the evaluation (``credit_evaluation``).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from chanrong.core.clock import month_start
from chanrong.core.errors import ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.credit.metrics import auc
from chanrong.credit.registry import ModelEntry
from chanrong.demo.park_outcomes import TRUTH, ParkOutcomes
from chanrong.identity import service as identity
from chanrong.lending import service as lending
from chanrong.storage.database import Database

if TYPE_CHECKING:
    from chanrong.simulate import ParkConfig

MODEL = "sme-operating"
PRODUCT = "op-loan"
HORIZON_DAYS = 180
# The demo park is simulated this many months past the decision date (then cut at it), so the
# truth knows which firms default within the horizon.
FUTURE_MONTHS = 6
# The demo's training park: another seed than the demo park, the same share of firms on a
# deteriorating path, 18 months ending with the month before the decision date; readings every
# 4 hours (6 a day, still inside and outside the shifts) keep simulating and profiling it cheap.
TRAIN_FIRMS = 120
TRAIN_MONTHS = 18
TRAIN_INTERVAL = 240
TRAIN_SEED_OFFSET = 1000
# Six months of history behind every training profile; the last (test) as-of date leaves the
# 180-day horizon inside the park.
HISTORY_MONTHS = 6


def training_config(decision_date: date, *, seed: int, deteriorating_share: float) -> ParkConfig:
    """The training park of the demo: it ends on the first of the decision date's month."""
    from chanrong.simulate import ParkConfig

    return ParkConfig(
        enterprises=TRAIN_FIRMS,
        months=TRAIN_MONTHS,
        interval_minutes=TRAIN_INTERVAL,
        seed=seed + TRAIN_SEED_OFFSET,
        deteriorating_share=deteriorating_share,
        start=month_start(decision_date, -TRAIN_MONTHS),
    ).validated()


def park_span(park_dir: Path) -> tuple[date, int]:
    """The first day and the number of months of a simulated park (its ``park.json``)."""
    config = json.loads((park_dir / "park.json").read_text("utf-8"))["config"]
    return date.fromisoformat(config["start"]), int(config["months"])


def training_dates(start: date, months: int) -> tuple[list[date], list[date]]:
    """As-of dates to train on (every other month after six months of history) and the one to
    measure on (six months before the park's end, so its 180-day labels are all observed)."""
    last = months - 6
    if last <= HISTORY_MONTHS:
        raise ValidationFailed(
            f"train_park: {months} months are too few (at least {HISTORY_MONTHS + 7})",
            field="train_park",
        )
    train_at = range(HISTORY_MONTHS, last, 2)
    return [month_start(start, k) for k in train_at], [month_start(start, last)]


@dataclass(frozen=True)
class TrainedOnPark:
    """What training registered, and how many defaulters each period held."""

    model: credit.Trained
    train_bad: int
    test_bad: int


def train(
    settings: Settings,
    park_dir: Path,
    *,
    train_dates: Sequence[date],
    test_dates: Sequence[date],
    horizon_days: int = HORIZON_DAYS,
    seed: int = 42,
) -> TrainedOnPark:
    """Champion (scorecard) and challenger (LightGBM) fitted on a park's labelled profiles of
    ``train_dates``, measured on ``test_dates``, registered as candidates."""
    train_frame, test_frame = credit.training_frames(
        ParkOutcomes(park_dir),
        train_dates=train_dates,
        test_dates=test_dates,
        horizon_days=horizon_days,
    )
    model = credit.train_on_frames(
        settings,
        MODEL,
        train_frame,
        test_frame,
        seed=seed,
        description=f"simulated park {park_dir.name}, as of {train_dates[0]}–{test_dates[-1]}",
    )
    return TrainedOnPark(model, int(train_frame["bad"].sum()), int(test_frame["bad"].sum()))


def make_champion(
    session: Session, settings: Settings, entry: ModelEntry, *, actor_org_id: str | None
) -> ModelEntry:
    """Approve and promote a registered candidate to champion (each step on the verifiable
    log); the previous champion of the name retires."""
    credit.promote(session, settings, entry.ref, to="approved", actor_org_id=actor_org_id)
    return credit.promote(session, settings, entry.ref, to="champion", actor_org_id=actor_org_id)


def seed_offer(session: Session, settings: Settings, bank_org_id: str) -> str:
    """The bank's lending product behind the demo's credit product (``op-loan``), so an
    enterprise sees it among the offers and can apply for itself: a fixed-rate term loan whose
    rate the decision sets, up to the credit product's cap. Found again on a rerun. Returns
    its id."""
    prod = credit.product(settings, PRODUCT)
    officer = identity.system_principal(session, bank_org_id, user_id="demo-officer")
    for found in lending.list_products(session, officer):
        if found.code == prod.lending_code:
            return str(found.id)
    made = lending.create_product(
        session,
        officer,
        code=prod.lending_code,
        name=f"{prod.name_zh} {prod.name_en}",
        kind="term",
        method="equal_instalment",
        day_count="act_365",
        rate_type="fixed",
        # The product's own rate; a decision's rate (grade and green pricing) replaces it.
        fixed_rate="4.35",
        max_term_months=36,
        max_amount=Decimal(prod.limit.cap_fen) / 100,
    )
    return str(made.id)


def profile_all(
    session: Session,
    settings: Settings,
    org_ids: Iterable[str],
    as_of: date,
    *,
    tick: Callable[[int, int], None] | None = None,
) -> tuple[int, list[str]]:
    """Each enterprise's profile as of ``as_of`` from the platform's data (as the worker's
    ``credit.profile_nightly`` builds it); returns how many were stored and who had none."""
    ids = list(org_ids)
    stored, none = 0, []
    for n, org_id in enumerate(ids, start=1):
        try:
            credit.build_profile_from_platform(session, settings, org_id, as_of)
            stored += 1
        except ValidationFailed as exc:
            if exc.field != "as_of":
                raise
            none.append(org_id)
        if tick:
            tick(n, len(ids))
    return stored, none


# --- live decisions against the truth ------------------------------------------------------


@dataclass(frozen=True)
class LiveDecision:
    """One decided application with what the simulator knows about its firm."""

    enterprise: str  # USCC
    outcome: str  # approve | refer | decline
    knockouts: tuple[str, ...]
    pd: float | None
    reasons: tuple[str, ...]  # reason codes against the applicant, strongest first
    deteriorating: bool
    default_date: date | None


@dataclass(frozen=True)
class Truth:
    """The simulator's hidden truth for one firm."""

    deteriorating: bool
    default_date: date | None


def read_truth(park_dir: Path) -> dict[str, Truth]:
    """Who was on a deteriorating path and when each firm defaulted, by USCC."""
    frame = pd.read_parquet(park_dir / TRUTH, columns=["uscc", "deteriorating", "default_date"])
    when = pd.to_datetime(frame["default_date"]).dt.date
    return {
        str(u): Truth(bool(d), None if pd.isna(w) else w)
        for u, d, w in zip(frame["uscc"], frame["deteriorating"], when, strict=True)
    }


GROUPS = ("healthy", "deteriorating", "defaulted before")
OUTCOMES = ("approve", "refer", "decline")


@dataclass(frozen=True)
class LiveSummary:
    """The distribution of decisions by the firms' true state, and how well their PD ranked
    the firms that went on to default within the horizon."""

    as_of: date
    horizon_days: int
    counts: dict[str, dict[str, int]]  # group → outcome → firms
    knockouts: dict[str, int]
    top_reasons: list[tuple[str, int]]  # strongest reason of each refer / decline
    scored: int  # firms performing on the day with a PD
    later_defaults: int  # of those, defaulted within the horizon
    auc: float  # PD against later default; NaN with one class only

    def firms(self, group: str) -> int:
        return sum(self.counts[group].values())

    def approval_rate(self, group: str) -> float:
        n = self.firms(group)
        return self.counts[group]["approve"] / n if n else math.nan


def group_of(d: LiveDecision, as_of: date) -> str:
    if d.default_date is not None and d.default_date < as_of:
        return "defaulted before"
    return "deteriorating" if d.deteriorating else "healthy"


def summarise(
    decisions: Sequence[LiveDecision], as_of: date, *, horizon_days: int = HORIZON_DAYS
) -> LiveSummary:
    """Tally decisions by true state and measure the PD's ranking of later defaults."""
    counts = {g: dict.fromkeys(OUTCOMES, 0) for g in GROUPS}
    kos: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    end = as_of + timedelta(days=horizon_days)
    y: list[int] = []
    p: list[float] = []
    for d in decisions:
        group = group_of(d, as_of)
        counts[group][d.outcome] += 1
        kos.update(d.knockouts)
        if d.outcome != "approve":
            if d.knockouts:
                reasons[f"KO_{d.knockouts[0]}"] += 1
            elif d.reasons:
                reasons[d.reasons[0]] += 1
        if group != "defaulted before" and d.pd is not None:
            y.append(int(d.default_date is not None and d.default_date < end))
            p.append(d.pd)
    quality = auc(np.asarray(y), np.asarray(p)) if len(set(y)) == 2 else math.nan
    return LiveSummary(
        as_of=as_of,
        horizon_days=horizon_days,
        counts=counts,
        knockouts=dict(kos),
        top_reasons=reasons.most_common(5),
        scored=len(y),
        later_defaults=sum(y),
        auc=quality,
    )


def apply_for_all(
    session: Session,
    settings: Settings,
    *,
    bank_org_id: str,
    org_by_uscc: Mapping[str, str],
    truth: Mapping[str, Truth],
    as_of: date | None = None,
) -> list[LiveDecision]:
    """The bank applies for every firm through ``credit.service.apply`` (what
    ``POST /credit/applications`` runs), as one of its officers; each decision is logged."""
    officer = identity.system_principal(session, bank_org_id, user_id="demo-officer")
    out = []
    for uscc, org_id in org_by_uscc.items():
        app = credit.apply(
            session,
            officer,
            settings,
            enterprise_org_id=org_id,
            product_code=PRODUCT,
            as_of=as_of,
        )
        fact = truth.get(uscc, Truth(False, None))
        out.append(
            LiveDecision(
                enterprise=uscc,
                outcome=app.outcome,
                knockouts=tuple(app.knockouts),
                pd=float(app.pd) if app.pd is not None else None,
                reasons=tuple(str(r["code"]) for r in app.reasons),
                deteriorating=fact.deteriorating,
                default_date=fact.default_date,
            )
        )
    return out


@dataclass(frozen=True)
class DemoCredit:
    """What the demo's credit step did."""

    trained: TrainedOnPark
    champion: ModelEntry
    profiles: int
    without_profile: list[str]
    decisions: list[LiveDecision]
    summary: LiveSummary


def demo_credit(
    db: Database,
    settings: Settings,
    *,
    decide_on: date,
    train_park: Path,
    truth_park: Path,
    org_by_uscc: Mapping[str, str],
    bank_org_id: str,
    operator_org_id: str,
    say: Callable[[str], None] = lambda _: None,
    tick: Callable[[int, int], None] | None = None,
) -> DemoCredit:
    """Train on ``train_park`` (history before ``decide_on``), promote the champion as the
    platform operator, profile every firm from the platform's data, have the bank apply for
    each, and compare the decisions with ``truth_park``'s truth."""
    start, months = park_span(train_park)
    train_dates, test_dates = training_dates(start, months)
    if test_dates[-1] + timedelta(days=HORIZON_DAYS) > decide_on:
        raise ValidationFailed(
            "train_park: its labels reach past the decision date", field="train_park"
        )
    trained = train(settings, train_park, train_dates=train_dates, test_dates=test_dates)
    with db.unit_of_work() as session:
        champion = make_champion(
            session, settings, trained.model.champion, actor_org_id=operator_org_id
        )
    say(f"champion {champion.ref} promoted (candidate → approved → champion, logged)")
    with db.unit_of_work() as session:
        seed_offer(session, settings, bank_org_id)
    say(f"the bank offers {PRODUCT} to the park's enterprises (they apply for themselves)")
    with db.unit_of_work() as session:
        stored, none = profile_all(session, settings, org_by_uscc.values(), decide_on, tick=tick)
    with db.unit_of_work() as session:
        decisions = apply_for_all(
            session,
            settings,
            bank_org_id=bank_org_id,
            org_by_uscc=org_by_uscc,
            truth=read_truth(truth_park),
            as_of=decide_on,
        )
    return DemoCredit(trained, champion, stored, none, decisions, summarise(decisions, decide_on))

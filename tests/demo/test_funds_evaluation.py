"""The fund's portfolio-alert evaluation: the lead and false-alarm definitions, and one small
park loaded, watched month by month through the stored-alert pass and judged."""

from __future__ import annotations

from datetime import date

import pytest

from chanrong.demo.funds_evaluation import CompanyOutcome, FundParkResult, evaluate_seed
from chanrong.funds.orm import PortfolioAlert
from chanrong.simulate import ParkConfig
from chanrong.storage.database import Database


def company(
    *, default: date | None = None, alert: date | None = None, deteriorating: bool = False
) -> CompanyOutcome:
    return CompanyOutcome("x", default is not None, deteriorating, default, alert, ())


def test_lead_counts_only_alerts_before_the_default_and_misses_as_zero() -> None:
    r = FundParkResult(
        seed=1,
        companies=(
            company(default=date(2025, 6, 30), alert=date(2025, 3, 31)),  # 91 days ≈ 2.99
            company(default=date(2025, 6, 10), alert=date(2025, 6, 30)),  # after: no warning
            company(default=date(2025, 8, 1)),  # never alerted
            company(alert=date(2025, 1, 31)),  # a healthy firm alerted: a false alarm
            company(),
            company(deteriorating=True, alert=date(2025, 2, 28)),  # on neither side
        ),
        passes=12,
        alerts_stored=4,
    )
    assert [round(c.lead_months, 2) for c in r.defaulters] == [2.99, 0.0, 0.0]
    assert r.alerted_share == pytest.approx(1 / 3)
    assert r.median_lead == 0.0 and r.mean_lead == pytest.approx(91 / 30.4375 / 3)
    assert r.false_alarms == 0.5
    empty = FundParkResult(seed=2, companies=(), passes=0, alerts_stored=0)
    assert (empty.alerted_share, empty.median_lead, empty.false_alarms) == (None, None, None)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_small_park_is_watched_through_the_stored_alerts(db: Database) -> None:
    park = ParkConfig(enterprises=6, months=12, interval_minutes=240, deteriorating_share=0.5)
    r = evaluate_seed(db, 3, park=park, warmup_months=8)
    assert r.passes == 4
    with db.unit_of_work() as s:
        stored = s.query(PortfolioAlert).all()
    assert r.alerts_stored == len(stored)
    # Each company's first alert is the earliest stored one, on a pass's month end.
    firsts = {c.first_alert for c in r.companies if c.first_alert is not None}
    assert firsts <= {a.first_detected_on for a in stored}
    assert all(d.day >= 28 for d in firsts)
    # Seed 3: three firms defaulted before the watch began; of the other three, both
    # defaulters were alerted at the September month-end, days before their October defaults
    # (output and energy falling; one also paying its own suppliers later and later, read from
    # the invoices they hold), and the healthy firm never.
    assert (len(r.companies), len(r.defaulters), len(r.healthy), r.alerts_stored) == (3, 2, 1, 7)
    assert r.alerted_share == 1.0 and r.false_alarms == 0.0
    assert all(c.lead_months > 0 for c in r.defaulters)
    assert {c.kinds for c in r.defaulters} == {
        ("energy_collapse", "output_drop"),
        ("energy_collapse", "output_drop", "payment_delays_rising"),
    }

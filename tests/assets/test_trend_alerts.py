"""The borrowing-base trend rule: the pure rule on hand-worked figures, and the worker's
monthly run over the pools' stored month-end revaluations — raised once per breach to both
parties with its evidence, never for a pool that holds its value."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from chanrong.assets import service as assets
from chanrong.assets.trend import TrendRule, assess, first_breach, level, ratio, seasonal_factor
from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from tests.assets.trend_scenario import MONTHS, alerts, month, pools_of, receivable
from tests.builders import Park

RULE = TrendRule()


def test_the_rule_by_hand() -> None:
    # Reference: the first three month-ends (100, 110, 90 → 100); level: the last two.
    s = [100, 110, 90, 80, 50]
    assert level(s, 4, RULE) == Decimal(65)
    assert ratio(s, 4, RULE) == Decimal("0.65")
    assert ratio(s, 2, RULE) is None  # still in the reference months
    assert ratio([100, None, 90, 80], 3, RULE) is None  # a reference month unknown: no reading
    assert ratio([0, 0, 0, 10], 3, RULE) is None  # nothing to fall from
    # The season: every pool at 60 % of its level → factor 0.6, nobody breaches.
    assert seasonal_factor([Decimal("0.6")] * 5, RULE) == Decimal("0.6")
    assert not assess(Decimal("0.6"), Decimal("0.6"), RULE).breached
    reading = assess(Decimal("0.42"), Decimal("0.6"), RULE)
    assert reading.adjusted == Decimal("0.7") and not reading.breached  # at the threshold
    reading = assess(Decimal("0.41"), Decimal("0.6"), RULE)
    assert reading.adjusted == Decimal("0.683333") and reading.breached
    # Too few pools for a median: unknown, never a breach.
    assert seasonal_factor([Decimal("0.1")] * 4, RULE) is None
    assert not assess(Decimal("0.1"), None, RULE).breached
    assert assess(Decimal("0.1"), None, TrendRule(seasonal=False)).breached
    # Replayed over a history: only the falling pool, at its first breach.
    flat = [[100, 100, 100, 100, 100, 100]] * 5
    falling = [100, 100, 100, 90, 50, 20]
    out = first_breach([*flat, falling], RULE)
    assert out[:5] == [None] * 5
    # (90 + 50) / 2 = 70 % is not below 70 %; (50 + 20) / 2 = 35 % is.
    assert out[5] is not None and out[5][0] == 5 and out[5][1].ratio == Decimal("0.35")
    with pytest.raises(ValueError, match="threshold"):
        TrendRule(threshold=Decimal("1.2"))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_worker_raises_a_trend_alert_once_per_breach(
    db: Database, park: Park, settings: Settings
) -> None:
    pools = pools_of(db, park, 6)
    falling_org, falling_pool = pools[-1]
    for day in MONTHS[:3]:
        detail = month(db, settings, day)
        assert detail is not None and "0 trend alert(s) raised" in detail
    assert alerts(db) == []  # the reference months: no reading yet
    # April: the falling firm's receivable is mostly paid and not replaced.
    receivable(db, falling_org, 5, "30000")
    detail = month(db, settings, MONTHS[3])
    assert detail == (
        "2026-04-30: 6/6 pool(s) read, seasonal factor 1.000000, 1 trend alert(s) raised, "
        "0 resolved, 0 without a month-end value"
    )
    [alert] = alerts(db)
    assert (alert.pool_id, alert.org_id, alert.status) == (falling_pool, falling_org, "open")
    assert alert.raised_on == date(2026, 4, 30)
    assert (alert.ratio, alert.seasonal_factor, alert.adjusted) == (
        "0.650000",
        "1.000000",
        "0.650000",
    )
    # Its evidence: the two month-end values, the three reference ones, the factor.
    ev = alert.evidence
    full, part = alert.reference_fen, ev["month_ends"][1]["lendable_fen"]
    assert [m["as_of"] for m in ev["month_ends"]] == ["2026-03-31", "2026-04-30"]
    assert [m["as_of"] for m in ev["reference"]] == MONTHS[:3]
    assert {m["lendable_fen"] for m in ev["reference"]} == {full} and full > 0
    assert part * 10 == full * 3  # ¥30,000 of ¥100,000 still open
    assert alert.level_fen == (full + part) // 2
    assert (ev["seasonal_factor"], ev["pools_in_factor"], ev["threshold"]) == ("1.000000", 6, "0.7")
    # The log entry carries the same figures, for the bank (actor) and the enterprise.
    with db.unit_of_work() as s:
        bank = identity.system_principal(s, park["bank"]["officer"].org_id)
        entry = governance.get_log_entry(s, bank, alert.log_index)
        payload = json.loads(entry.data)["payload"]
        assert entry.kind == "assets.trend_alert"
        assert entry.actor_org_id == park["bank"]["officer"].org_id
        assert entry.subject == f"{falling_org}:asset.pool:{falling_pool}"
        assert payload["month_ends"] == ev["month_ends"]
        assert payload["reference_fen"] == full and payload["seasonal_factor"] == "1.000000"
        # Both parties see it; another bank does not.
        for who in (park["bank"]["officer"].org_id, falling_org):
            me = identity.system_principal(s, who)
            assert [a.id for a in assets.list_trend_alerts(s, me)] == [alert.id]
            assert assets.get_trend_alert(s, me, alert.id).id == alert.id
        other = identity.system_principal(s, park["other_bank"]["officer"].org_id)
        assert assets.list_trend_alerts(s, other) == []
        # The same month-end run again (e.g. by hand): nothing raised twice.
        again = assets.check_trends(s, month_end=date(2026, 4, 30))
        assert again.raised == [] and again.readings[falling_pool].breached
    # May: still below (the same breach): no second alert; healthy pools never alerted.
    detail = month(db, settings, MONTHS[4])
    assert detail is not None and "0 trend alert(s) raised" in detail
    assert [a.id for a in alerts(db)] == [alert.id]
    # June and July: it recovers; the alert is resolved once the level is back.
    receivable(db, falling_org, 5, "100000")
    month(db, settings, "2026-06-30")
    assert alerts(db)[0].status == "open"  # (30 % + 100 %) / 2: still below
    month(db, settings, "2026-07-31")
    [done] = alerts(db)
    assert (done.status, done.resolved_on) == ("resolved", date(2026, 7, 31))
    # A new fall is a new breach: raised again.
    receivable(db, falling_org, 5, "0")
    month(db, settings, "2026-08-31")
    assert [a.status for a in alerts(db)] == ["resolved", "open"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_healthy_pools_and_a_season_raise_nothing(
    db: Database, park: Park, settings: Settings
) -> None:
    pools = pools_of(db, park, 5)
    for day in MONTHS[:3]:
        month(db, settings, day)
    # April: every firm's receivables halve together (the Spring Festival, say).
    for i, (org, _) in enumerate(pools):
        receivable(db, org, i, "50000")
    detail = month(db, settings, MONTHS[3])
    assert detail is not None
    assert "5/5 pool(s) read, seasonal factor 0.750000, 0 trend alert(s) raised" in detail
    assert alerts(db) == []
    with pytest.raises(Exception, match="month_end"), db.unit_of_work() as s:
        assets.check_trends(s, month_end=date(2026, 4, 29))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_trend_job_waits_for_the_month_ends_revaluation(
    db: Database, park: Park, settings: Settings
) -> None:
    from datetime import UTC, datetime, time, timedelta

    from chanrong.assets import tasks
    from chanrong.jobs.registry import JobContext

    pools_of(db, park, 6)
    for day in MONTHS[:2]:
        month(db, settings, day)
    end = date.fromisoformat(MONTHS[2])  # its nightly revaluation has not run yet
    with db.unit_of_work() as s:
        assert assets.pools_awaiting_month_end(s, month_end=end) == 6
        ctx = JobContext(
            session=s,
            settings=settings,
            job="assets.trend_alerts",
            period=MONTHS[2][:7],
            subject="-",
            attempt=1,
            now=datetime.combine(end + timedelta(days=1), time(1), UTC),
        )
        # The morning after: the job fails, and the worker tries it again after its back-off.
        with pytest.raises(assets.MonthEndNotRevalued, match="6 pool"):
            tasks.trend_alerts(ctx)
        # Days later a pool still without a value is read as unknown, not waited for.
        ctx.now = datetime.combine(end + timedelta(days=4), time(1), UTC)
        assert "6 without a month-end value" in str(tasks.trend_alerts(ctx))
    month(db, settings, MONTHS[2])
    with db.unit_of_work() as s:
        assert assets.pools_awaiting_month_end(s, month_end=end) == 0

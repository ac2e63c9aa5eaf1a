"""On the embedded SQLite default one worker runs every job the domains declare, against a
park with data, a loan, a lease and landed payments; ``chanrong jobs run`` runs one by hand."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from chanrong.assets import service as assets
from chanrong.cli.main import app
from chanrong.core.clock import month_start, shanghai_date, utcnow
from chanrong.core.settings import Settings
from chanrong.funds import service as funds
from chanrong.governance import service as governance
from chanrong.guarantee import service as guarantee
from chanrong.identity import service as identity
from chanrong.jobs import catalog, local, queue
from chanrong.jobs.orm import JobRun
from chanrong.lending.orm import Repayment
from chanrong.storage.database import Database
from chanrong.supplychain import service as scf
from chanrong.telemetry import service as telemetry
from tests.builders import Park, add_member, add_org
from tests.credit.book import install_monitored_champion
from tests.leasing.builders import running_lease
from tests.lending import builders as lb
from tests.web.builders import seed_operating_data

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _park_with_work(db: Database, settings: Settings, park: Park) -> str:
    """The enterprise sends data up to yesterday, has a loan with a sweep share, leases a
    machine, and a customer paid it yesterday; a credit model is champion (monitored daily)."""
    install_monitored_champion(settings)
    ent = park["enterprise"]["admin"]
    today = shanghai_date(utcnow())
    yesterday = today - timedelta(days=1)
    last_month = month_start(today, -1)
    # The day the overdue sweep's latest firing covers: "yesterday" by the wall clock, except
    # between midnight and its 00:30 firing in Shanghai, when it is the day before.
    sweep = catalog.load(settings)["supplychain.flag_recourse_overdue"]
    fired = sweep.last_firing(utcnow())
    assert fired is not None
    recourse_day = date.fromisoformat(sweep.period_of(fired))
    with db.unit_of_work() as s:
        seed_operating_data(
            s,
            settings,
            ent.org_id,
            start=datetime.combine(today - timedelta(days=5), datetime.min.time(), UTC),
        )
        assert telemetry.import_records(
            s,
            org_id=ent.org_id,
            kind="energy_bills",
            source="test",
            rows=[
                (
                    1,
                    {
                        "month": last_month.strftime("%Y-%m"),
                        "electricity_kwh": "36000",
                        "cost": "25000.00",
                        "output_value": "900000.00",
                    },
                )
            ],
        ).ok
        assert telemetry.import_records(
            s,
            org_id=ent.org_id,
            kind="payments",
            source="test",
            rows=[
                (
                    1,
                    {
                        "payment_id": "PAY-1",
                        "invoice_id": "INV-1",
                        "paid_date": yesterday.isoformat(),
                        "amount": "5000.00",
                    },
                )
            ],
        ).ok
        assert telemetry.import_records(
            s,
            org_id=ent.org_id,
            kind="outgoing_payments",
            source="test",
            rows=[
                (
                    1,
                    {
                        "payment_id": "OUT-1",
                        "payee_name": "钢材供应商",
                        "paid_date": yesterday.isoformat(),
                        "amount": "3000.00",
                        "channel": "transfer",
                    },
                )
            ],
        ).ok
        queue.publish(s, queue.DATA_LANDED, ent.org_id)
        queue.publish(s, queue.PAYMENTS_LANDED, ent.org_id)
        officer = lb.principal(s, park["bank"]["officer"])
        borrower = lb.principal(s, ent)
        loan = lb.active_loan(
            s, officer, borrower, start=today - timedelta(days=21), sweep_share_pct="30"
        )
        _guarantee_and_subsidise(s, park, loan.id, today)
        # A fund of the bank holds the enterprise (its daily portfolio-monitoring pass).
        fund = funds.create_fund(s, officer.org_id, name="VC", kind="vc", vintage=2024)
        funds.add_investment(
            s, officer.org_id, fund.id, funds.InvestmentInput(on=today, company_org_id=ent.org_id)
        )
        funds.watch_company(s, officer, fund.id, "甲智能")  # its deal pipeline's market sync
        p = identity.authenticate_api_key(s, ent.key)
        governance.grant_consent(
            s,
            p,
            grantee_org_id=park["lessor"]["officer"].org_id,
            categories=["production"],
            max_grade=2,
            purpose="leasing_billing",
            valid_from=None,
            valid_until=utcnow() + timedelta(days=365),
        )
        # A certificate the core enterprise left unpaid at maturity (yesterday).
        issued = datetime.combine(today - timedelta(days=30), datetime.min.time(), UTC)
        payable = scf.submit_payable(
            s,
            scf.principal_for_org(s, ent.org_id),
            core_org_id=park["core"]["officer"].org_id,
            amount_fen=1_000_000,
            maturity_date=yesterday,
            contract_ref="HT-JOBS",
            invoice_ref="INV-JOBS",
            now=issued,
        )
        scf.confirm_payable(
            s, scf.principal_for_org(s, park["core"]["officer"].org_id), payable.id, now=issued
        )
        # A statement the core confirmed and should have paid by yesterday.
        contract = scf.create_contract(
            s,
            scf.principal_for_org(s, ent.org_id),
            counterparty_org_id=park["core"]["officer"].org_id,
            we_are="seller",
            reference="HT-JOBS",
            goods="bolts",
            quantity=1,
            unit_price_fen=1_000,
            delivery_terms="EXW",
            payment_days=0,
        )
        statement = scf.issue_statement(
            s,
            scf.principal_for_org(s, ent.org_id),
            contract.id,
            period_start=yesterday - timedelta(days=30),
            period_end=yesterday - timedelta(days=1),
            lines=[scf.LineIn("GRN-JOBS", "lot", 1_000)],
        )
        scf.answer_line(
            s,
            scf.principal_for_org(s, park["core"]["officer"].org_id),
            statement.lines[0].id,
            confirm=True,
        )
        # A guarantor guarantees it (保付): overdue, it is flagged to the guarantor and the
        # seller, and the buyer is watched while the guarantee stands.
        trade_guarantor = add_org(s, "financial_institution", institution_type="guarantor")
        pg = scf.request_payment_guarantee(
            s,
            scf.principal_for_org(s, ent.org_id),
            statement.statement.id,
            guarantor_org_id=trade_guarantor,
        )
        scf.accept_payment_guarantee(
            s, scf.principal_for_org(s, trade_guarantor), pg.id, fee_rate_percent=Decimal("0.5")
        )
        # Another the guarantor paid out (代偿) weeks ago: the one instalment of its recourse
        # claim fell due yesterday unpaid (flagged to guarantor and buyer; the buyer is still
        # watched while the claim is open). Its own lateness was flagged back then.
        due2 = yesterday - timedelta(days=40)
        st2 = scf.issue_statement(
            s,
            scf.principal_for_org(s, ent.org_id),
            contract.id,
            period_start=due2 - timedelta(days=20),
            period_end=due2,
            lines=[scf.LineIn("GRN-JOBS-2", "lot", 2_000)],
        )
        scf.answer_line(
            s,
            scf.principal_for_org(s, park["core"]["officer"].org_id),
            st2.lines[0].id,
            confirm=True,
        )
        assert scf.flag_late_payment(s, st2.statement.id, day=due2)
        g2 = scf.request_payment_guarantee(
            s,
            scf.principal_for_org(s, ent.org_id),
            st2.statement.id,
            guarantor_org_id=trade_guarantor,
        )
        scf.accept_payment_guarantee(
            s, scf.principal_for_org(s, trade_guarantor), g2.id, fee_rate_percent=Decimal("0.5")
        )
        after = datetime.combine(due2 + timedelta(days=2), datetime.min.time(), UTC)
        scf.call_payment_guarantee(s, scf.principal_for_org(s, ent.org_id), g2.id, now=after)
        scf.pay_out(
            s,
            scf.principal_for_org(s, trade_guarantor),
            g2.id,
            instalments=1,
            first_due_on=recourse_day,
            now=after + timedelta(hours=4),
        )
        lessor = lb.principal(s, park["lessor"]["officer"])
        running_lease(
            s,
            lessor,
            borrower,
            device_id="cnc-1",
            unit="runtime_h",
            price_per_unit="12.5",
            minimum_charge="100.00",
            cost="200000.00",
            design_life_units=40000,
            start=month_start(today, -2),
            end=month_start(today, 10),
        )
        # An asset pool, so the nightly revaluation has a subject.
        assets.open_pool(s, officer, enterprise_org_id=ent.org_id, limit_fen=1_000_000)
    return ent.org_id


def _guarantee_and_subsidise(s: Session, park: Park, loan_id: str, today: date) -> None:
    """The loan is guaranteed under a scheme (monthly fees) and a programme subsidises it."""
    org = add_org(s, "financial_institution", institution_type="guarantor")
    guarantor = lb.principal(s, add_member(s, org, "officer"))
    gov = lb.principal(s, park["analyst"]["officer"])
    start = month_start(today, -3)
    guarantee.create_scheme(
        s,
        gov,
        preset="pingshan-pool",
        code="jobs",
        starts_on=start,
        ends_on=month_start(today, 24),
        sharer_orgs={"pool": gov.org_id},
    )
    g = guarantee.request_guarantee(
        s,
        lb.principal(s, park["bank"]["officer"]),
        loan_id=loan_id,
        guarantor_org_id=org,
        scheme_code="jobs",
    )
    guarantee.accept_guarantee(s, guarantor, g.id)
    guarantee.create_programme(
        s,
        gov,
        name="jobs",
        mode="share",
        value=Decimal("0.5"),
        eligibility={},
        starts_on=start,
        ends_on=month_start(today, 24),
        budget_fen=100_000,
    )


@sqlite_only
def test_one_worker_runs_every_job(db: Database, settings: Settings, park: Park) -> None:
    org_id = _park_with_work(db, settings, park)
    jobs = catalog.load(settings)
    stop = threading.Event()
    local.serve(db, settings, jobs, stop=stop, until_idle=True)
    # The events' windows are debounced: let their time come, as it would. Twice: what the
    # first windows' jobs append to the log opens the head-signing job's window again.
    for _ in range(2):
        with db.unit_of_work() as s:
            s.execute(
                update(JobRun)
                .where(JobRun.status == "pending")
                .values(not_before=utcnow() - timedelta(seconds=1))
            )
        local.serve(db, settings, jobs, stop=stop, until_idle=True)
    with db.unit_of_work() as s:
        rows = list(s.scalars(select(JobRun).where(JobRun.subject != "*")))
        swept = s.scalars(select(Repayment).where(Repayment.source == "sweep")).all()
    bad = [(r.name, r.subject, r.status, r.error) for r in rows if r.status != "succeeded"]
    assert bad == []
    ran = {r.name for r in rows}
    assert ran == set(jobs), f"never ran: {set(jobs) - ran}"
    by = {(r.name, r.subject): r for r in rows}
    # The quality run's period (the day its 08:30 firing scored): yesterday, or the day before
    # between midnight and 08:30 Shanghai time.
    quality = jobs["telemetry.daily_quality"]
    fired = quality.last_firing(utcnow())
    assert fired is not None
    assert by[("telemetry.compact", org_id)].period == quality.period_of(fired)
    assert by[("credit.profile_on_data", org_id)].detail.startswith("profile as of")
    assert (
        by[("lending.collections_sweep", org_id)].detail
        == "1 payment(s) seen, 0 collected, 1 sweep(s)"
    )
    assert len(swept) == 1 and swept[0].amount_fen > 0
    # No monitoring grant from the borrower to the bank in this park: listed, not read.
    assert by[("lending.fund_use", org_id)].detail == (
        "0 loan(s) checked, 0 alert(s); not read, no monitoring grant: 1 loan(s)"
    )
    assert "graded" in by[("carbon.monthly_assessment", "-")].detail
    assert [r.detail for r in rows if r.name == "assets.revalue_pools"] == [
        "1 pool(s): base 0 fen, available 0 fen, 0 margin alert(s) raised, 0 resolved"
    ]
    assert by[("credit.model_monitoring", "sme-operating@1")].detail.startswith("stable: PSI —")
    [overdue] = [r for r in rows if r.name == "supplychain.mark_overdue"]
    assert overdue.detail == "marked overdue"
    [late] = [r for r in rows if r.name == "supplychain.flag_late_payments"]
    assert late.detail == "flagged to the seller"
    [guaranteed] = [r for r in rows if r.name == "supplychain.flag_guaranteed_overdue"]
    assert guaranteed.detail == "flagged to guarantor and seller"
    watched = [r.detail for r in rows if r.name == "supplychain.watch_guaranteed_buyers"]
    assert watched == ["not read: no_grant"] * 2  # the standing guarantee, the open claim
    [recourse] = [r for r in rows if r.name == "supplychain.flag_recourse_overdue"]
    assert recourse.detail == "flagged to guarantor and buyer"
    bills = [r for r in rows if r.name == "leasing.billing"]
    assert len(bills) == 1 and "fen" in (bills[0].detail or "")
    # A second pass finds everything done: nothing runs twice.
    local.serve(db, settings, jobs, stop=stop, until_idle=True)
    with db.unit_of_work() as s:
        again = list(s.scalars(select(JobRun).where(JobRun.subject != "*")))
    assert sorted((r.name, r.period, r.subject, r.attempts) for r in again) == sorted(
        (r.name, r.period, r.subject, r.attempts) for r in rows
    )


@sqlite_only
def test_jobs_run_by_hand(
    db: Database, settings: Settings, park: Park, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHANRONG_DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(settings.var_dir))
    from chanrong.core.settings import get_settings

    get_settings.cache_clear()
    try:
        runner = CliRunner()
        carbon = ["jobs", "run", "carbon.monthly_assessment", "--period"]
        first = runner.invoke(app, [*carbon, "2026-01"])
        assert first.exit_code == 0, first.output
        assert "succeeded" in first.output
        again = runner.invoke(app, [*carbon, "2026-01"])
        assert again.exit_code == 0 and "done" in again.output
        bad = runner.invoke(app, [*carbon, "2026-1-5"])
        assert bad.exit_code == 2 and "period" in bad.output
        unknown = runner.invoke(app, ["jobs", "run", "no.such.job"])
        assert unknown.exit_code == 2 and "no job 'no.such.job'" in unknown.output
        status = runner.invoke(app, ["jobs", "status", "--job", "carbon.monthly_assessment"])
        assert status.exit_code == 0 and "2026-01" in status.output
        listed = runner.invoke(app, ["jobs", "list", "--json"])
        assert '"lending.daily_close"' in listed.output
    finally:
        get_settings.cache_clear()
    with db.unit_of_work() as s:
        [run] = s.scalars(
            select(JobRun).where(JobRun.name == "carbon.monthly_assessment", JobRun.subject == "-")
        ).all()
    assert (run.period, run.status, run.attempts) == ("2026-01", "succeeded", 1)


@sqlite_only
def test_the_demo_starts_the_worker_beside_the_api_and_stops_it(
    db: Database, settings: Settings
) -> None:
    import time

    from chanrong.cli.demo import worker_beside

    with worker_beside(settings) as proc:
        deadline = time.monotonic() + 60
        fanned: list[JobRun] = []
        while time.monotonic() < deadline and not fanned:
            assert proc.poll() is None, "the worker exited"
            with db.unit_of_work() as s:
                fanned = list(s.scalars(select(JobRun).where(JobRun.subject == "*")))
            time.sleep(0.3)
        assert fanned, "the worker never ticked"
    assert proc.returncode is not None  # stopped with the block

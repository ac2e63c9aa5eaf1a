"""At maturity and after: overdue marking (the worker's job), who sees it, recourse with and
without recourse agreed, a late payment settling it, exposure limits, and the journal."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.core.settings import Settings
from chanrong.jobs import catalog
from chanrong.jobs.runner import run_manually
from chanrong.storage.database import Database
from chanrong.supplychain import service
from chanrong.supplychain.certificates import DayCount
from chanrong.supplychain.orm import Certificate
from tests.supplychain.builders import START, Chain, acting, build_chain, confirmed_certificate

FACE = 100_000_000
MATURITY = (START + timedelta(days=90)).date()


def _financed(
    s: Session, chain: Chain, root: Certificate, *, recourse: bool, now: datetime = START
) -> Certificate:
    """The tier-1 discounts ``root`` with the bank; answers the bank's certificate."""
    t1 = acting(s, chain.tier1)
    fin = service.request_financing(s, t1, root.id, bank_org_id=chain.bank, now=now)
    service.quote_financing(
        s,
        acting(s, chain.bank),
        fin.id,
        annual_rate_percent=Decimal("3.65"),
        day_count=DayCount.ACT_360,
        recourse=recourse,
        now=now,
    )
    done = service.accept_financing(s, t1, fin.id, now=now)
    assert done.recourse is recourse and done.bank_certificate_id is not None
    cert = service.get_certificate(s, acting(s, chain.bank), done.bank_certificate_id)
    return cert


def test_unpaid_at_maturity_becomes_overdue_once_and_is_seen_by_the_parties(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        root = confirmed_certificate(s, chain, face_fen=FACE, days=90)
        t1 = acting(s, chain.tier1)
        a, b = service.split_certificate(s, t1, root.id, [60_000_000], now=START)
        bank_cert = _financed_part(s, chain, a)
        payable_id = root.payable_id
    with db.unit_of_work() as s:
        # Not matured yet on the day before maturity: nothing to mark.
        assert service.matured_unpaid(s, MATURITY - timedelta(days=1)) == []
        due = service.matured_unpaid(s, MATURITY)
        assert sorted(due) == sorted([bank_cert.id, b.id])
        assert service.mark_overdue(s, bank_cert.id, day=MATURITY) is True
        # Once per certificate: a second mark (a retried job) changes nothing.
        assert service.mark_overdue(s, bank_cert.id, day=MATURITY + timedelta(days=1)) is False
        assert service.mark_overdue(s, b.id, day=MATURITY) is True
    with db.unit_of_work() as s:
        assert service.get_payable(s, acting(s, chain.core), payable_id).state == "overdue"
        seen = {
            who: {c.id for c in service.overdue_certificates(s, acting(s, who))}
            for who in (chain.core, chain.bank, chain.tier1, chain.outsider, chain.other_bank)
        }
        assert seen[chain.core] == {bank_cert.id, b.id}
        assert seen[chain.bank] == {bank_cert.id}
        # The tier-1 holds b and sold a to the bank: it sees both.
        assert seen[chain.tier1] == {bank_cert.id, b.id}
        assert seen[chain.outsider] == set() and seen[chain.other_bank] == set()
        got = service.get_certificate(s, acting(s, chain.bank), bank_cert.id)
        assert (got.state, got.overdue_since) == ("overdue", MATURITY)
        # The holder can no longer act on an overdue certificate.
        with pytest.raises(Conflict):
            service.split_certificate(s, acting(s, chain.tier1), b.id, [1], now=START)
        assert service.tree_violations(s, payable_id) == []


def _financed_part(
    s: Session, chain: Chain, part: Certificate, *, recourse: bool = True
) -> Certificate:
    return _financed(s, chain, part, recourse=recourse)


def test_recourse_with_and_without_then_a_late_payment_settles(db: Database) -> None:
    late = START + timedelta(days=95)
    with db.unit_of_work() as s:
        chain = build_chain(s)
        root = confirmed_certificate(s, chain, face_fen=FACE, days=90)
        a, b = service.split_certificate(
            s, acting(s, chain.tier1), root.id, [70_000_000], now=START
        )
        with_rc = _financed(s, chain, a, recourse=True)
        without = _financed(s, chain, b, recourse=False)
        for c in (with_rc, without):
            assert service.mark_overdue(s, c.id, day=MATURITY) is True
        payable_id = root.payable_id
    with db.unit_of_work() as s:
        bank = acting(s, chain.bank)
        with pytest.raises(Conflict, match="without recourse"):
            service.execute_recourse(s, bank, without.id, now=late)
    with db.unit_of_work() as s:
        # Only the bank holding it may turn back to the seller: the core enterprise sees the
        # certificate but may not; the other bank does not see it at all.
        with pytest.raises(Forbidden):
            service.execute_recourse(s, acting(s, chain.core), with_rc.id, now=late)
        with pytest.raises(NotFound):
            service.execute_recourse(s, acting(s, chain.other_bank), with_rc.id, now=late)
    with db.unit_of_work() as s:
        back = service.execute_recourse(s, acting(s, chain.bank), with_rc.id, now=late)
        assert (back.holder_org_id, back.face_fen, back.state) == (
            chain.tier1,
            70_000_000,
            "overdue",
        )
        assert back.origin == "recourse"
        with pytest.raises(Conflict):
            service.execute_recourse(s, acting(s, chain.bank), with_rc.id, now=late)
        assert service.tree_violations(s, payable_id) == []
        cash = service.journal_balances(s)
        # The bank got back the face from the seller: it paid proceeds for both parts,
        # received 70,000,000 on recourse.
        assert cash[(chain.bank, "cash")] + cash[(chain.tier1, "cash")] == 0
    with db.unit_of_work() as s:
        paid = service.settle_payable(s, acting(s, chain.core), payable_id, now=late)
        assert {p.payee_org_id: p.amount_fen for p in paid} == {
            chain.tier1: 70_000_000,
            chain.bank: 30_000_000,
        }
        assert service.get_payable(s, acting(s, chain.core), payable_id).state == "settled"
        assert service.tree_violations(s, payable_id) == []
        bal = service.journal_balances(s)
        # Everyone's cash nets to zero across the platform; the core paid the whole face.
        assert sum(v for (_o, acct), v in bal.items() if acct == "cash") == 0
        assert bal[(chain.core, "cash")] == -FACE
        assert bal[(chain.core, "certificate_payable")] == 0
        assert service.overdue_certificates(s, acting(s, chain.core)) == []


def test_exposure_limit_refuses_financing_beyond_headroom(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        bank = acting(s, chain.bank)
        lim = service.set_exposure_limit(s, bank, core_org_id=chain.core, limit_fen=50_000_000)
        assert (lim.limit_fen, lim.used_fen, lim.headroom_fen) == (50_000_000, 0, 50_000_000)
        root = confirmed_certificate(s, chain, face_fen=FACE, days=90)
        a, b, _c = service.split_certificate(
            s, acting(s, chain.tier1), root.id, [40_000_000, 30_000_000], now=START
        )
        _financed(s, chain, a, recourse=False)
        [row] = service.exposure_limits(s, bank)
        assert (row.used_fen, row.headroom_fen) == (40_000_000, 10_000_000)
        fin = service.request_financing(
            s, acting(s, chain.tier1), b.id, bank_org_id=chain.bank, now=START
        )
    with db.unit_of_work() as s:
        with pytest.raises(Conflict, match=r"headroom ¥100,000\.00") as err:
            service.quote_financing(
                s,
                acting(s, chain.bank),
                fin.id,
                annual_rate_percent=Decimal("3"),
                day_count=DayCount.ACT_360,
                now=START,
            )
        assert err.value.field == "exposure_limit" and err.value.extra["headroom"] == "100000.00"
    with db.unit_of_work() as s:
        # Another bank's limit is its own; raising this bank's limit lets it through.
        service.set_exposure_limit(
            s, acting(s, chain.bank), core_org_id=chain.core, limit_fen=70_000_000
        )
        service.quote_financing(
            s,
            acting(s, chain.bank),
            fin.id,
            annual_rate_percent=Decimal("3"),
            day_count=DayCount.ACT_360,
            now=START,
        )
        # Lowered after the quote: acceptance checks again and refuses.
        service.set_exposure_limit(
            s, acting(s, chain.bank), core_org_id=chain.core, limit_fen=60_000_000
        )
    with db.unit_of_work() as s, pytest.raises(Conflict, match=r"headroom ¥200,000\.00"):
        service.accept_financing(s, acting(s, chain.tier1), fin.id, now=START)
    with db.unit_of_work() as s:
        service.set_exposure_limit(
            s, acting(s, chain.bank), core_org_id=chain.core, limit_fen=70_000_000
        )
        service.accept_financing(s, acting(s, chain.tier1), fin.id, now=START)
        [row] = service.exposure_limits(s, acting(s, chain.bank))
        assert (row.used_fen, row.headroom_fen) == (70_000_000, 0)
        assert service.tree_violations(s, root.payable_id) == []


def test_exposure_limit_input_and_roles(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        bank = acting(s, chain.bank)
        with pytest.raises(ValidationFailed) as err:
            service.set_exposure_limit(s, bank, core_org_id=chain.core, limit_fen=-1)
        assert err.value.field == "limit"
        with pytest.raises(ValidationFailed) as err:
            service.set_exposure_limit(s, bank, core_org_id=chain.tier1, limit_fen=1)
        assert err.value.field == "core_org_id"
        for who in (chain.tier1, chain.insurer):
            with pytest.raises(Forbidden):
                service.set_exposure_limit(s, acting(s, who), core_org_id=chain.core, limit_fen=1)
            with pytest.raises(Forbidden):
                service.exposure_limits(s, acting(s, who))


def test_the_worker_marks_overdue_once_per_day_and_certificate(
    db: Database, settings: Settings
) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        root = confirmed_certificate(s, chain, face_fen=FACE, days=90)
        early = confirmed_certificate(s, chain, face_fen=FACE, days=120)
    jobs = catalog.load(settings)
    period = MATURITY.isoformat()
    first = run_manually(db, settings, jobs, "supplychain.mark_overdue", period=period)
    assert [(o.subject, o.status) for o in first if o.subject != "*"] == [(root.id, "succeeded")]
    assert "marked overdue" in (first[-1].detail or "")
    again = run_manually(db, settings, jobs, "supplychain.mark_overdue", period=period)
    # The period's run for that certificate is done: it is not run (nor marked) twice.
    assert all(o.status != "succeeded" or o.subject == "*" for o in again)
    with db.unit_of_work() as s:
        cert = service.get_certificate(s, acting(s, chain.tier1), root.id)
        assert (cert.state, cert.overdue_since) == ("overdue", MATURITY)
        assert service.get_certificate(s, acting(s, chain.tier1), early.id).state == "live"


def test_exposure_follows_overdue_recourse_and_late_payment(db: Database) -> None:
    """An overdue certificate still uses the bank's limit (it still bears the core's risk);
    recourse frees that room, a late payment frees the rest; a holder who got its part by
    transfer sees it overdue; each step is journalled to the fen."""
    late = START + timedelta(days=95)
    with db.unit_of_work() as s:
        chain = build_chain(s)
        bank = acting(s, chain.bank)
        service.set_exposure_limit(s, bank, core_org_id=chain.core, limit_fen=FACE)
        root = confirmed_certificate(s, chain, face_fen=FACE, days=90)
        a, b, c = service.split_certificate(
            s, acting(s, chain.tier1), root.id, [50_000_000, 30_000_000], now=START
        )
        with_rc = _financed(s, chain, a, recourse=True)
        without = _financed(s, chain, b, recourse=False)
        given = service.transfer_certificate(
            s, acting(s, chain.tier1), c.id, to_org_id=chain.tier2a, now=START
        )
        for cert_id in service.matured_unpaid(s, MATURITY):
            assert service.mark_overdue(s, cert_id, day=MATURITY) is True
        payable_id = root.payable_id
    with db.unit_of_work() as s:
        [row] = service.exposure_limits(s, acting(s, chain.bank))
        assert (row.used_fen, row.headroom_fen) == (80_000_000, 20_000_000)
        # The tier-2 that was paid with a part sees it overdue; the core sees every part.
        assert {x.id for x in service.overdue_certificates(s, acting(s, chain.tier2a))} == {
            given.id
        }
        assert len(service.overdue_certificates(s, acting(s, chain.core))) == 3
        before = service.journal_balances(s)
    with db.unit_of_work() as s:
        service.execute_recourse(s, acting(s, chain.bank), with_rc.id, now=late)
        [row] = service.exposure_limits(s, acting(s, chain.bank))
        assert (row.used_fen, row.headroom_fen) == (30_000_000, 70_000_000)
        after = service.journal_balances(s)
        # Recourse: the seller paid the bank the face and holds the claim again.
        assert after[(chain.bank, "cash")] - before[(chain.bank, "cash")] == 50_000_000
        assert after[(chain.tier1, "cash")] - before[(chain.tier1, "cash")] == -50_000_000
        assert after[(chain.bank, "certificate")] == 30_000_000
        # Transfers are not money on the journal, so the tier-1's claim account still
        # carries the part it paid the tier-2 with: 20,000,000 + 50,000,000 taken back.
        assert after[(chain.tier1, "certificate")] == 70_000_000
        claims = sum(v for (_o, acct), v in after.items() if acct == "certificate")
        assert claims == FACE == -after[(chain.core, "certificate_payable")]
        assert service.journal_violations(s) == []
    with db.unit_of_work() as s:
        paid = service.settle_payable(s, acting(s, chain.core), payable_id, now=late)
        assert sorted((p.payee_org_id, p.amount_fen) for p in paid) == sorted(
            [(chain.tier1, 50_000_000), (chain.bank, 30_000_000), (chain.tier2a, 20_000_000)]
        )
        [row] = service.exposure_limits(s, acting(s, chain.bank))
        assert (row.used_fen, row.headroom_fen) == (0, FACE)
        assert service.tree_violations(s, payable_id) == []
        assert without.id not in {
            x.id for x in service.overdue_certificates(s, acting(s, chain.bank))
        }

"""The whole flow through the service on SQLite and PostgreSQL: confirm, split, transfer,
finance, settle, with the lineage and its place in the verifiable log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.storage.database import Database
from chanrong.supplychain import service
from chanrong.supplychain.certificates import DayCount
from tests.builders import Park
from tests.supplychain.builders import START, acting, build_chain, confirmed_certificate


def test_confirm_split_transfer_finance_settle(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        root = confirmed_certificate(s, chain, face_fen=100_000_000, days=90)
        payable_id = root.payable_id
        assert root.holder_org_id == chain.tier1
        assert root.identifier.startswith("88.608.8889/SCF.20260302.")
        t1 = acting(s, chain.tier1)
        parts = service.split_certificate(s, t1, root.id, [35_000_000, 25_000_000], now=START)
        assert [p.face_fen for p in parts] == [35_000_000, 25_000_000, 40_000_000]
        assert [p.identifier for p in parts] == [root.identifier + f".{i}" for i in (1, 2, 3)]
        a = service.transfer_certificate(s, t1, parts[0].id, to_org_id=chain.tier2a, now=START)
        b = service.transfer_certificate(s, t1, parts[1].id, to_org_id=chain.tier2b, now=START)
        assert (a.holder_org_id, a.face_fen) == (chain.tier2a, 35_000_000)
        assert b.identifier == parts[1].identifier + ".1"
        t2a = acting(s, chain.tier2a)
        fin = service.request_financing(s, t2a, a.id, bank_org_id=chain.bank, now=START)
        bank = acting(s, chain.bank)
        quoted = service.quote_financing(
            s,
            bank,
            fin.id,
            annual_rate_percent=Decimal("3.65"),
            day_count=DayCount.ACT_360,
            now=START,
        )
        assert (quoted.state, quoted.days, quoted.discount_fen) == ("quoted", 90, 319_375)
        done = service.accept_financing(s, t2a, fin.id, now=START)
        assert done.state == "accepted"
        assert done.proceeds_fen == 35_000_000 - 319_375
        assert service.tree_violations(s, payable_id) == []

    maturity = START + timedelta(days=90)
    with db.unit_of_work() as s:
        core = acting(s, chain.core)
        with pytest.raises(Conflict, match="matures on"):
            service.settle_payable(s, core, payable_id, now=maturity - timedelta(days=1))
    with db.unit_of_work() as s:
        paid = service.settle_payable(s, acting(s, chain.core), payable_id, now=maturity)
        by_payee = {p.payee_org_id: p.amount_fen for p in paid}
        assert by_payee == {
            chain.bank: 35_000_000,
            chain.tier2b: 25_000_000,
            chain.tier1: 40_000_000,
        }
        assert service.tree_violations(s, payable_id) == []
        assert service.get_payable(s, core, payable_id).state == "settled"
        # Lineage as the core sees it: every step, each in the verifiable log.
        lin = service.payable_tree(s, core, payable_id)
        kinds = [e.kind for e in lin.events]
        assert kinds == [
            "payable.submitted",
            "payable.confirmed",
            "certificate.split",
            "certificate.transferred",
            "certificate.transferred",
            "financing.requested",
            "financing.quoted",
            "certificate.financed",
            "certificate.settled",
            "certificate.settled",
            "certificate.settled",
            "payable.settled",
        ]
        op = acting(s, add_operator(s))
        for e in lin.events:
            assert e.log_index is not None
            entry = governance.get_log_entry(s, op, e.log_index)
            assert entry.kind == f"supplychain.{e.kind}"
            assert entry.actor_org_id == e.actor_org_id
        # The recipient of a transfer and each payee may read the entries that concern them.
        moved = next(e for e in lin.events if e.kind == "certificate.transferred")
        recipient = acting(s, moved.payload["to_org_id"])
        assert governance.get_log_entry(s, recipient, moved.log_index).index == moved.log_index  # type: ignore[arg-type]
        for e in lin.events:
            if e.kind == "certificate.settled":
                payee = acting(s, e.payload["payee_org_id"])
                assert governance.get_log_entry(s, payee, e.log_index) is not None  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            governance.get_log_entry(s, acting(s, chain.outsider), moved.log_index)  # type: ignore[arg-type]
        assert len(list(lin.root.walk())) == 7  # root, 3 parts, 2 transfers, 1 financing


def add_operator(s: object) -> str:
    from tests.builders import add_org

    return add_org(s, "platform_operator")  # type: ignore[arg-type]


def test_nothing_but_settlement_after_maturity(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        root = confirmed_certificate(s, chain, days=10)
        t1 = acting(s, chain.tier1)
        late = START + timedelta(days=10)
        with pytest.raises(Conflict, match="matured"):
            service.split_certificate(s, t1, root.id, [100], now=late)
        with pytest.raises(Conflict, match="matured"):
            service.transfer_certificate(s, t1, root.id, to_org_id=chain.tier2a, now=late)
        with pytest.raises(Conflict, match="matured"):
            service.request_financing(s, t1, root.id, bank_org_id=chain.bank, now=late)
        assert service.tree_violations(s, root.payable_id) == []


def test_a_certificate_is_used_once(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        root = confirmed_certificate(s, chain)
        t1 = acting(s, chain.tier1)
        fin = service.request_financing(s, t1, root.id, bank_org_id=chain.bank, now=START)
        service.transfer_certificate(s, t1, root.id, to_org_id=chain.tier2a, now=START)
        with pytest.raises(Conflict, match="already transferred"):
            service.split_certificate(s, t1, root.id, [100], now=START)
        with pytest.raises(Conflict, match="already transferred"):
            service.transfer_certificate(s, t1, root.id, to_org_id=chain.tier2b, now=START)
        # The open financing request died with the transfer: the bank cannot quote it.
        assert service.get_financing(s, t1, fin.id).state == "cancelled"
        with pytest.raises(Conflict):
            service.quote_financing(
                s,
                acting(s, chain.bank),
                fin.id,
                annual_rate_percent=Decimal(4),
                day_count=DayCount.ACT_365,
                now=START,
            )
        assert service.tree_violations(s, root.payable_id) == []


def test_only_the_holder_acts_and_strangers_see_nothing(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        root = confirmed_certificate(s, chain)
        # The core sees the certificate but may not act on it: 403.
        with pytest.raises(Forbidden):
            service.transfer_certificate(
                s, acting(s, chain.core), root.id, to_org_id=chain.tier2a, now=START
            )
        # An outsider does not even see it: 404.
        for org in (chain.outsider, chain.bank):
            with pytest.raises(NotFound):
                service.split_certificate(s, acting(s, org), root.id, [1], now=START)
            with pytest.raises(NotFound):
                service.get_certificate(s, acting(s, org), root.id)
        # Once offered, the bank sees the certificate (and only its ancestry).
        t1 = acting(s, chain.tier1)
        service.request_financing(s, t1, root.id, bank_org_id=chain.bank, now=START)
        assert service.get_certificate(s, acting(s, chain.bank), root.id).id == root.id
        with pytest.raises(NotFound):
            service.get_certificate(s, acting(s, chain.other_bank), root.id)


def test_bad_input_names_the_field_and_writes_nothing(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        t1 = acting(s, chain.tier1)
        cases = [
            ({"core_org_id": chain.tier2a}, "core_org_id"),
            ({"amount_fen": 0}, "amount"),
            ({"maturity_date": START.date()}, "maturity_date"),
            ({"invoice_ref": "  "}, "invoice_ref"),
        ]
        for override, field in cases:
            kwargs = {
                "core_org_id": chain.core,
                "amount_fen": 100,
                "contract_ref": "HT",
                "maturity_date": (START + timedelta(days=30)).date(),
                "invoice_ref": "X-1",
            }
            kwargs.update(override)
            with pytest.raises(ValidationFailed) as info:
                service.submit_payable(s, t1, now=START, **kwargs)  # type: ignore[arg-type]
            assert info.value.field == field
        assert service.list_payables(s, t1) == []
        root = confirmed_certificate(s, chain)
        with pytest.raises(ValidationFailed) as err:
            service.transfer_certificate(s, t1, root.id, to_org_id=chain.bank, now=START)
        assert err.value.field == "to_org_id"
        with pytest.raises(ValidationFailed) as err:
            service.request_financing(s, t1, root.id, bank_org_id=chain.insurer, now=START)
        assert err.value.field == "bank_org_id"
        assert root.state == "live"


def test_one_invoice_is_one_payable(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        t1 = acting(s, chain.tier1)
        args = {
            "core_org_id": chain.core,
            "amount_fen": 100,
            "contract_ref": "HT",
            "maturity_date": (START + timedelta(days=30)).date(),
            "invoice_ref": "DUP-1",
        }
        service.submit_payable(s, t1, now=START, **args)  # type: ignore[arg-type]
        with pytest.raises(Conflict) as info:
            service.submit_payable(s, t1, now=START, **args)  # type: ignore[arg-type]
        assert info.value.field == "invoice_ref"


def test_settlement_sweeps_into_the_payees_loan(db: Database, park: Park) -> None:
    """回款自动还款: a settled certificate repays the holder's loan by its agreed sweep share."""
    from chanrong.lending import service as lending
    from tests.lending.builders import active_loan, principal

    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        loan = active_loan(s, officer, borrower, sweep_share_pct="30", start=date(2025, 1, 10))
        core = acting(s, park["core"]["admin"].org_id)
        on = datetime(2025, 1, 15, 2, tzinfo=UTC)
        p = service.submit_payable(
            s,
            borrower,
            core_org_id=core.org_id,
            amount_fen=500_000,
            maturity_date=date(2025, 2, 10),
            contract_ref="HT",
            invoice_ref="SW-1",
            now=on,
        )
        service.confirm_payable(s, core, p.id, now=on)
        paid = service.settle_payable(s, core, p.id, now=datetime(2025, 2, 10, 2, tzinfo=UTC))
        assert [x.amount_fen for x in paid] == [500_000]
        view = lending.loan_view(s, officer, loan.id)
        first = view.instalments[0]
        # 30 % of ¥5,000.00 = ¥1,500.00 went to the first instalment.
        assert first.paid_interest_fen + first.paid_principal_fen == 150_000

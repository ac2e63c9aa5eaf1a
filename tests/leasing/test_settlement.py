"""Multi-party leases: shares that sum to every payment to the fen (property), signatures over
the contract's hash as log leaves, activation only when all have signed and the lessee
accepted, and every payment journalled double-entry across the parties."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.errors import Conflict, Forbidden, ValidationFailed
from chanrong.core.ledger import Posting, trial_balance
from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.leasing import service as leasing
from chanrong.leasing.settlement import (
    PAYEE_ROLES,
    Account,
    PartyShare,
    check_shares,
    journal,
    split,
)
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park, add_member, add_org
from tests.leasing.test_leasing_flow import _setup


@st.composite
def splits(draw: st.DrawFn) -> tuple[list[PartyShare], str]:
    """Any valid split: some payees fixed fen, the others basis points summing to 10,000."""
    fixed_roles = draw(st.lists(st.sampled_from(PAYEE_ROLES), unique=True, max_size=2))
    bps_roles = [r for r in PAYEE_ROLES if r not in fixed_roles]
    cuts = sorted(
        draw(
            st.lists(
                st.integers(0, 10_000), min_size=len(bps_roles) - 1, max_size=len(bps_roles) - 1
            )
        )
    )
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 10_000], strict=True)]
    if all(p == 0 for p in parts):
        parts[0] = 10_000
    shares = [PartyShare(r, f"org-{r}", bps=p) for r, p in zip(bps_roles, parts, strict=True)]
    shares += [
        PartyShare(r, f"org-{r}", fixed_fen=draw(st.integers(0, 10**7))) for r in fixed_roles
    ]
    shares.append(PartyShare("lessee", "org-lessee"))
    remainder = draw(st.sampled_from([s.role for s in shares if s.bps > 0]))
    return shares, remainder


@settings(max_examples=400, deadline=None)
@given(splits(), st.integers(0, 10**12))
def test_shares_sum_to_every_payment_to_the_fen(
    split_rule: tuple[list[PartyShare], str], amount: int
) -> None:
    shares, remainder = split_rule
    check_shares(shares, remainder)  # every drawn split is a valid contract term
    out = split(amount, shares, remainder)
    assert sum(out.values()) == amount
    assert all(v >= 0 for v in out.values())
    by_role = {s.role: s for s in shares}
    fixed_total = sum(s.fixed_fen for s in shares)
    if amount >= fixed_total:
        # Every fixed share is paid in full, and a basis-point party gets its floor (the
        # remainder party at most one fen per basis-point party more).
        left = amount - fixed_total
        for role in PAYEE_ROLES:
            s = by_role[role]
            if s.fixed_fen:
                assert out[role] == s.fixed_fen
            elif role != remainder:
                assert out[role] == left * s.bps // 10_000
        assert out[remainder] - left * by_role[remainder].bps // 10_000 < len(PAYEE_ROLES)
    # The journal balances in every party's books and moves no more than was paid.
    entries = journal(amount, out) if amount else []
    for _, e in entries:
        assert e.debits == e.credits
    cash_in = sum(
        p.debit_fen for _, e in entries[1:] for p in e.postings if p.account == Account.CASH
    )
    assert cash_in == amount


def test_a_split_that_cannot_divide_payments_is_refused_naming_the_field() -> None:
    base = [
        PartyShare("funder", "f", bps=8_500),
        PartyShare("manufacturer", "m", bps=1_500),
        PartyShare("dealer", "d", fixed_fen=5_000),
        PartyShare("lessee", "l"),
    ]
    check_shares(base, "funder")
    with pytest.raises(ValidationFailed, match="sum to 9500"):
        check_shares([PartyShare("funder", "f", bps=8_000), *base[1:]], "funder")
    with pytest.raises(ValidationFailed) as e:
        check_shares(base, "dealer")  # a fixed-fen party cannot take the remainder
    assert e.value.field == "remainder_role"
    with pytest.raises(ValidationFailed, match="missing dealer"):
        check_shares([s for s in base if s.role != "dealer"], "funder")
    with pytest.raises(ValidationFailed, match="lessee pays"):
        check_shares([*base[:3], PartyShare("lessee", "l", bps=1)], "funder")
    with pytest.raises(ValidationFailed, match="each role once"):
        check_shares([*base, PartyShare("dealer", "d2", fixed_fen=1)], "funder")


SEPT = date(2026, 9, 1)
BEFORE = datetime(2026, 8, 31, 2, tzinfo=UTC)


def test_parties_sign_the_hash_then_payments_are_divided_and_journalled(
    db: Database, settings: Settings, park: Park
) -> None:
    lessee_org, _ = _setup(db, settings, park)
    with db.unit_of_work() as s:
        lessor = identity.authenticate_api_key(s, park["lessor"]["officer"].key)
        lessee = identity.authenticate_api_key(s, park["enterprise"]["admin"].key)
        maker_org = add_org(s, "enterprise", name="缝纫机厂")
        dealer_org = add_org(s, "enterprise", name="经销商")
        maker = identity.principal_of(
            identity.create_user(s, org_id=maker_org, username="m", roles=["officer"]),
            identity.find_organisation(s, maker_org),  # type: ignore[arg-type]
        )
        dealer = identity.principal_of(
            identity.create_user(s, org_id=dealer_org, username="d", roles=["officer"]),
            identity.find_organisation(s, dealer_org),  # type: ignore[arg-type]
        )
        leasing.register_asset(
            s,
            lessor,
            lessee_org_id=lessee_org,
            device_id="sew-01",
            relation="finances",
            reference="FL-1",
        )
        parties = [
            leasing.PartyShare("funder", lessor.org_id, bps=7_000),
            leasing.PartyShare("manufacturer", maker_org, bps=3_000),
            leasing.PartyShare("dealer", dealer_org, fixed_fen=500),
            leasing.PartyShare("lessee", lessee_org),
        ]
        terms = {
            "lessee_org_id": lessee_org,
            "device_id": "sew-01",
            "unit": "stitches",
            "price_per_unit": "0.0002",
            "minimum_charge": "50.00",
            "cost": "48000.00",
            "design_life_units": 500_000_000,
            "start_date": SEPT,
            "end_date": date(2027, 8, 31),
            "now": BEFORE,
        }
        with pytest.raises(ValidationFailed) as e:
            leasing.create_contract(s, lessor, parties=parties, **terms)
        assert e.value.field == "remainder_role"
        c = leasing.create_contract(s, lessor, parties=parties, remainder_role="funder", **terms)
        view = leasing.parties_of(s, lessee, c.id)
        assert view is not None and [p.role for p in view.parties] == [
            "funder",
            "manufacturer",
            "dealer",
            "lessee",
        ]
        h = view.contract_hash
        # The manufacturer sees the contract it is party to.
        assert leasing.get_contract(s, maker, c.id).id == c.id
        # Accepted but unsigned: not active, so nothing can be billed or locked.
        c = leasing.accept_contract(s, lessee, c.id, now=BEFORE)
        assert c.state == "accepted"
        with pytest.raises(ValidationFailed) as e:
            leasing.sign_contract(s, maker, c.id, role="manufacturer", contract_hash="0" * 64)
        assert e.value.field == "contract_hash"
        with pytest.raises(Forbidden):
            leasing.sign_contract(s, maker, c.id, role="dealer", contract_hash=h)
        for who, role in ((lessor, "funder"), (maker, "manufacturer"), (dealer, "dealer")):
            c = leasing.sign_contract(s, who, c.id, role=role, contract_hash=h, now=BEFORE)
            assert c.state == "accepted"
        with pytest.raises(Conflict):
            leasing.sign_contract(s, dealer, c.id, role="dealer", contract_hash=h, now=BEFORE)
        c = leasing.sign_contract(s, lessee, c.id, role="lessee", contract_hash=h, now=BEFORE)
        assert c.state == "active"
        cid = c.id
        # Each signature is its own log leaf over the same hash.
        leaves = governance.list_log_entries(s, lessee, kind="lease.signed")
        payloads = [json.loads(e.data)["payload"] for e in leaves]
        assert sorted(p["role"] for p in payloads) == ["dealer", "funder", "lessee", "manufacturer"]
        assert {p["contract_hash"] for p in payloads} == {h}
        view = leasing.parties_of(s, lessee, cid)
        assert view is not None
        assert all(p.signed_hash == h and p.sign_log_index is not None for p in view.parties)
        assert len({p.sign_log_index for p in view.parties}) == 4

    with db.unit_of_work() as s:
        lessor = identity.authenticate_api_key(s, park["lessor"]["officer"].key)
        b = leasing.issue_bill(s, lessor, telemetry.open_store(settings), cid, SEPT)
        amount = b.amount_fen
        # Two payments: one smaller than the dealer's fixed share, then the rest.
        leasing.record_payment(s, lessor, b.id, "3.33")
        rest = amount - 333
        leasing.record_payment(s, lessor, b.id, f"{rest // 100}.{rest % 100:02d}")
        lines = leasing.journal_of(s, lessor, cid)
    debit, credit = trial_balance(_posting(ln.account, ln.debit_fen, ln.credit_fen) for ln in lines)
    assert debit == credit
    income = {
        role: sum(ln.credit_fen for ln in lines if ln.role == role and ln.account == "lease_income")
        for role in ("funder", "manufacturer", "dealer")
    }
    paid = sum(
        ln.debit_fen for ln in lines if ln.role == "lessee" and ln.account == "lease_expense"
    )
    assert paid == amount == sum(income.values())
    # First payment 333 fen: all to the dealer (fixed 500 first). Second: dealer's 500, then
    # 70/30 of the rest, the rounding fen to the funder.
    left = rest - 500
    assert income["dealer"] == 333 + 500
    assert income["manufacturer"] == left * 3_000 // 10_000
    assert income["funder"] == left - left * 3_000 // 10_000


def _posting(account: str, debit: int, credit: int) -> Posting[Account]:
    return Posting(Account(account), debit_fen=debit, credit_fen=credit)


def test_multi_party_lease_over_the_api(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    lessee_org, _ = _setup(db, settings, park)
    lessor, lessee = park["lessor"]["officer"], park["enterprise"]["admin"]
    with db.unit_of_work() as s:
        maker = add_member(s, add_org(s, "enterprise", name="厂商"), "officer")
        dealer = add_member(s, add_org(s, "enterprise", name="代理商"), "officer")
    r = app_client.post(
        "/leasing/assets",
        json={
            "lessee_org_id": lessee_org,
            "device_id": "sew-01",
            "relation": "owns",
            "reference": "INV-9",
        },
        headers=lessor.headers,
    )
    assert r.status_code == 201, r.text
    tomorrow = shanghai_date(utcnow()) + timedelta(days=1)
    parties = [
        {"role": "funder", "org_id": lessor.org_id, "bps": 6000},
        {"role": "manufacturer", "org_id": maker.org_id, "bps": 4000},
        {"role": "dealer", "org_id": dealer.org_id, "fixed_fen": 2000},
        {"role": "lessee", "org_id": lessee_org},
    ]
    body = {
        "lessee_org_id": lessee_org,
        "device_id": "sew-01",
        "unit": "stitches",
        "price_per_unit": "0.0002",
        "minimum_charge": "50.00",
        "cost": "48000.00",
        "design_life_units": 500_000_000,
        "start_date": tomorrow.isoformat(),
        "end_date": (tomorrow + timedelta(days=365)).isoformat(),
        "remainder_role": "funder",
    }
    bad = [{**parties[0], "bps": 5000}, *parties[1:]]
    r = app_client.post("/leasing/contracts", json={**body, "parties": bad}, headers=lessor.headers)
    assert r.status_code == 422 and "parties" in r.text and "9000" in r.text
    r = app_client.post(
        "/leasing/contracts", json={**body, "parties": parties}, headers=lessor.headers
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json()["remainder_role"] == "funder"
    view = app_client.get(f"/leasing/contracts/{cid}/parties", headers=maker.headers)
    assert view.status_code == 200, view.text
    h = view.json()["contract_hash"]
    assert len(h) == 64 and [p["signed_at"] for p in view.json()["parties"]] == [None] * 4
    r = app_client.post(
        f"/leasing/contracts/{cid}/sign",
        json={"role": "manufacturer", "contract_hash": "f" * 64},
        headers=maker.headers,
    )
    assert r.status_code == 422 and r.json()["field"] == "contract_hash"
    for who, role in ((lessor, "funder"), (maker, "manufacturer"), (dealer, "dealer")):
        r = app_client.post(
            f"/leasing/contracts/{cid}/sign",
            json={"role": role, "contract_hash": h},
            headers=who.headers,
        )
        assert r.status_code == 200 and r.json()["state"] == "proposed", r.text
    r = app_client.post(f"/leasing/contracts/{cid}/accept", headers=lessee.headers)
    assert r.json()["state"] == "accepted"
    r = app_client.post(
        f"/leasing/contracts/{cid}/sign",
        json={"role": "lessee", "contract_hash": h},
        headers=lessee.headers,
    )
    assert r.status_code == 200 and r.json()["state"] == "active"
    assert app_client.get(f"/leasing/contracts/{cid}/journal", headers=dealer.headers).json() == []

"""Random sequences of issue / split / transfer / finance / settle, and after maturity overdue
marking, recourse and late settlement under exposure limits, against a real database.

A plain-Python model says what each action should do; after every step the stored trees must
match the model and hold every invariant (``service.tree_violations``). Actions by the wrong
organisation, on used or matured certificates, with bad amounts, must fail and change nothing.
The journal must stay balanced: no fen created or lost (every entry, and cash platform-wide).
"""

from __future__ import annotations

import itertools
import shutil
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from chanrong.core.clock import shanghai_date
from chanrong.core.errors import ChanrongError, Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.storage.database import Database
from chanrong.supplychain import service
from chanrong.supplychain.certificates import DayCount
from tests.builders import add_org
from tests.supplychain.builders import START, Chain, acting, build_chain

_invoices = itertools.count(1)


@dataclass
class Held:
    """The model of one certificate."""

    payable_id: str
    holder: str
    face: int
    state: str
    maturity_day: int  # days after START


@dataclass
class Due:
    face: int
    core: str
    maturity_day: int
    settled: bool = False


def _machine(db: Database, chain: Chain) -> type[RuleBasedStateMachine]:
    enterprises = [chain.tier1, chain.tier2a, chain.tier2b, chain.outsider]
    # Each example owes to a core enterprise of its own, so its exposure limit and its bank
    # exposure start empty ("CORE" stands for it among the actors).
    actors = [*enterprises, "CORE", chain.bank]

    class Certificates(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.day = 0
            self.certs: dict[str, Held] = {}
            self.payables: dict[str, Due] = {}
            self.recourse: dict[str, tuple[str, bool]] = {}  # bank cert → (seller, agreed)
            self.limit: int | None = None
            with db.unit_of_work() as s:
                self.core = add_org(s, "enterprise", is_core=True)

        def who(self, actor: str) -> str:
            return self.core if actor == "CORE" else actor

        def exposure(self) -> int:
            return sum(
                v.face
                for v in self.certs.values()
                if v.holder == chain.bank and v.state in ("live", "overdue")
            )

        @property
        def now(self):  # type: ignore[no-untyped-def]
            return START + timedelta(days=self.day)

        def act(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
            """Run one use case in its own transaction; return its result or the error."""
            try:
                with db.unit_of_work() as s:
                    return fn(s, *args, **kwargs)
            except ChanrongError as exc:
                return exc

        def pick(self, data: st.DataObject) -> str:
            """Mostly a live certificate before its maturity, sometimes any (to be refused)."""
            usable = sorted(
                k for k, v in self.certs.items() if v.state == "live" and self.day < v.maturity_day
            )
            pool = usable if usable and data.draw(st.integers(0, 4)) else sorted(self.certs)
            return data.draw(st.sampled_from(pool))

        def expect_refusal(self, cert: Held, actor: str) -> type | tuple[type, ...] | None:
            """The error an action on ``cert`` by ``actor`` must raise, or None if it may act."""
            if actor != cert.holder:
                return (NotFound, Forbidden)  # strangers see nothing; the core may only look
            if actor not in enterprises:
                return Forbidden  # a bank holds its financed certificate to maturity
            if cert.state != "live" or self.day >= cert.maturity_day:
                return Conflict
            return None

        @rule(
            face=st.integers(2, 10**9),
            days=st.integers(10, 90),
            supplier=st.sampled_from(enterprises),
        )
        def issue(self, face: int, days: int, supplier: str) -> None:
            def run(s):  # type: ignore[no-untyped-def]
                p = service.submit_payable(
                    s,
                    acting(s, supplier),
                    core_org_id=self.core,
                    amount_fen=face,
                    maturity_date=shanghai_date(self.now) + timedelta(days=days),
                    contract_ref="HT",
                    invoice_ref=f"S-{next(_invoices)}",
                    now=self.now,
                )
                return service.confirm_payable(s, acting(s, self.core), p.id, now=self.now)

            root = self.act(run)
            assert not isinstance(root, ChanrongError), root
            self.payables[root.payable_id] = Due(face, self.core, self.day + days)
            self.certs[root.id] = Held(root.payable_id, supplier, face, "live", self.day + days)

        @precondition(lambda self: self.certs)
        @rule(data=st.data(), actor=st.sampled_from(actors))
        def split(self, data: st.DataObject, actor: str) -> None:
            actor = self.who(actor)
            cid = self.pick(data)
            held = self.certs[cid]
            if data.draw(st.integers(0, 3)):
                actor = held.holder  # mostly let the holder try
            # Mostly cuts that fit the face value, sometimes ones that cannot.
            top = held.face if data.draw(st.integers(0, 4)) else 2 * held.face
            cuts = data.draw(st.lists(st.integers(1, max(1, top // 2)), min_size=1, max_size=3))
            out = self.act(
                lambda s: service.split_certificate(s, acting(s, actor), cid, cuts, now=self.now)
            )
            refusal = self.expect_refusal(held, actor)
            if refusal is None and actor in enterprises and sum(cuts) > held.face:
                refusal = ValidationFailed
            if (
                refusal is None
                and actor in enterprises
                and sum(cuts) == held.face
                and len(cuts) < 2
            ):
                refusal = ValidationFailed
            if refusal is not None or actor not in enterprises:
                assert isinstance(out, ChanrongError), f"split by {actor} should fail"
                if refusal is not None:
                    assert isinstance(out, refusal), out
                return
            assert not isinstance(out, ChanrongError), out
            event("split done")
            held.state = "split"
            assert sum(c.face_fen for c in out) == held.face
            for c in out:
                self.certs[c.id] = Held(
                    held.payable_id, actor, c.face_fen, "live", held.maturity_day
                )

        @precondition(lambda self: self.certs)
        @rule(data=st.data(), actor=st.sampled_from(actors), to=st.sampled_from(enterprises))
        def transfer(self, data: st.DataObject, actor: str, to: str) -> None:
            actor = self.who(actor)
            cid = self.pick(data)
            held = self.certs[cid]
            if data.draw(st.integers(0, 3)):
                actor = held.holder
            out = self.act(
                lambda s: service.transfer_certificate(
                    s, acting(s, actor), cid, to_org_id=to, now=self.now
                )
            )
            refusal = self.expect_refusal(held, actor)
            if refusal is None and to == actor:
                refusal = ValidationFailed
            if refusal is not None or actor not in enterprises:
                assert isinstance(out, ChanrongError), f"transfer by {actor} should fail"
                return
            assert not isinstance(out, ChanrongError), out
            event("transferred")
            held.state = "transferred"
            self.certs[out.id] = Held(held.payable_id, to, held.face, "live", held.maturity_day)

        @precondition(lambda self: self.certs)
        @rule(
            data=st.data(),
            actor=st.sampled_from(actors),
            rate=st.decimals(Decimal("0.5"), Decimal(12), places=2),
            recourse=st.booleans(),
        )
        def finance(self, data: st.DataObject, actor: str, rate: Decimal, recourse: bool) -> None:
            actor = self.who(actor)
            cid = self.pick(data)
            held = self.certs[cid]
            if data.draw(st.integers(0, 3)):
                actor = held.holder

            def run(s):  # type: ignore[no-untyped-def]
                fin = service.request_financing(
                    s, acting(s, actor), cid, bank_org_id=chain.bank, now=self.now
                )
                service.quote_financing(
                    s,
                    acting(s, chain.bank),
                    fin.id,
                    annual_rate_percent=rate,
                    day_count=DayCount.ACT_360,
                    recourse=recourse,
                    now=self.now,
                )
                return service.accept_financing(s, acting(s, actor), fin.id, now=self.now)

            out = self.act(run)
            refusal = self.expect_refusal(held, actor)
            if (
                refusal is None
                and actor in enterprises
                and self.limit is not None
                and self.exposure() + held.face > self.limit
            ):
                assert isinstance(out, Conflict) and out.field == "exposure_limit", out
                event("refused over the limit")
                return
            if refusal is not None or actor not in enterprises:
                assert isinstance(out, ChanrongError), f"financing by {actor} should fail"
                return
            assert not isinstance(out, ChanrongError), out
            days = held.maturity_day - self.day
            assert out.days == days
            assert out.discount_fen + out.proceeds_fen == held.face
            event("financed")
            held.state = "financed"
            self.certs[out.bank_certificate_id] = Held(
                held.payable_id, chain.bank, held.face, "live", held.maturity_day
            )
            self.recourse[out.bank_certificate_id] = (actor, recourse)

        @rule(limit=st.one_of(st.none(), st.integers(0, 3 * 10**9)))
        def set_limit(self, limit: int | None) -> None:
            if limit is None:
                return
            out = self.act(
                lambda s: service.set_exposure_limit(
                    s, acting(s, chain.bank), core_org_id=self.core, limit_fen=limit, now=self.now
                )
            )
            assert not isinstance(out, ChanrongError), out
            assert out.used_fen == self.exposure()
            self.limit = limit

        @rule()
        def worker_marks_overdue(self) -> None:
            """The daily job for yesterday: live certificates matured by then become overdue."""
            yesterday = shanghai_date(self.now) - timedelta(days=1)

            def run(s):  # type: ignore[no-untyped-def]
                due = service.matured_unpaid(s, yesterday)
                return due, [service.mark_overdue(s, c, day=yesterday, now=self.now) for c in due]

            due, marked = self.act(run)
            expected = {
                k for k, v in self.certs.items() if v.state == "live" and v.maturity_day < self.day
            }
            # Earlier examples' trees share the database: only this example's are modelled.
            assert set(due) & set(self.certs) == expected and all(marked)
            for k in expected:
                self.certs[k].state = "overdue"
            if expected:
                event("marked overdue")

        @precondition(lambda self: self.recourse)
        @rule(data=st.data())
        def turn_back(self, data: st.DataObject) -> None:
            cid = data.draw(st.sampled_from(sorted(self.recourse)))
            seller, agreed = self.recourse[cid]
            held = self.certs[cid]
            out = self.act(
                lambda s: service.execute_recourse(s, acting(s, chain.bank), cid, now=self.now)
            )
            if held.state != "overdue" or not agreed:
                assert isinstance(out, Conflict), out
                return
            assert not isinstance(out, ChanrongError), out
            assert (out.holder_org_id, out.face_fen, out.state) == (seller, held.face, "overdue")
            event("recourse")
            held.state = "recoursed"
            self.certs[out.id] = Held(
                held.payable_id, seller, held.face, "overdue", held.maturity_day
            )

        @rule(days=st.sampled_from([1, 7, 30, 90]))
        def advance(self, days: int) -> None:
            self.day += days

        @precondition(lambda self: self.payables)
        @rule(data=st.data(), by_core=st.booleans())
        def settle(self, data: st.DataObject, by_core: bool) -> None:
            pid = data.draw(st.sampled_from(sorted(self.payables)))
            due = self.payables[pid]
            actor = due.core if by_core else chain.tier1
            out = self.act(lambda s: service.settle_payable(s, acting(s, actor), pid, now=self.now))
            if not by_core or due.settled or self.day < due.maturity_day:
                assert isinstance(out, ChanrongError), "settlement should fail"
                return
            assert not isinstance(out, ChanrongError), out
            live = {
                k: v
                for k, v in self.certs.items()
                if v.payable_id == pid and v.state in ("live", "overdue")
            }
            assert {s.certificate_id: s.amount_fen for s in out} == {
                k: v.face for k, v in live.items()
            }
            assert {s.certificate_id: s.payee_org_id for s in out} == {
                k: v.holder for k, v in live.items()
            }
            assert sum(s.amount_fen for s in out) == due.face
            event("settled")
            due.settled = True
            for v in live.values():
                v.state = "settled"

        @invariant()
        def stored_trees_hold_and_match_the_model(self) -> None:
            with db.unit_of_work() as s:
                balances = service.journal_balances(s)
                # Cash only moves between organisations: platform-wide it nets to zero.
                assert sum(v for (_org, a), v in balances.items() if a == "cash") == 0
                # The example's core owes exactly its outstanding certificates.
                owed = -balances.get((self.core, "certificate_payable"), 0)
                outstanding = sum(
                    v.face for v in self.certs.values() if v.state in ("live", "overdue")
                )
                assert owed == outstanding
                for pid in self.payables:
                    # Per tree (tree_violations): entries balanced, claims = outstanding.
                    assert service.tree_violations(s, pid) == []
                    core = acting(s, self.core)
                    stored = service.payable_tree(s, core, pid).certificates
                    mine = {k: v for k, v in self.certs.items() if v.payable_id == pid}
                    assert set(stored) == set(mine)
                    for k, c in stored.items():
                        assert (c.holder_org_id, c.face_fen, c.state) == (
                            mine[k].holder,
                            mine[k].face,
                            mine[k].state,
                        )

    return Certificates


def test_random_certificate_sequences_keep_every_invariant(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "stateful.db"
    shutil.copyfile(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    try:
        with db.unit_of_work() as s:
            chain = build_chain(s)
        run_state_machine_as_test(
            _machine(db, chain),
            settings=settings(
                max_examples=20,
                stateful_step_count=40,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    finally:
        db.dispose()


pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")

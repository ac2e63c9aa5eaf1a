"""A concurrent workload against the certificate service: many clients, overlapping certificates.

Used by the concurrency test and ``benchmarks/supplychain.py``. Each client is a thread with
its own unit of work per action; it reads the live certificates, picks one of the first few
(so clients collide on purpose), and acts as that certificate's holder as it was read: split,
transfer, or finance it in three transactions (request, bank quote, accept). Stale reads make
clients race for the same certificate; the losers must get a refusal, never a second spend.
At the end every client tries to settle every payable at maturity, and every tree is checked.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from chanrong.core.errors import ChanrongError, Conflict
from chanrong.core.uscc import make_uscc
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from chanrong.supplychain import service

START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
TERM_DAYS = 60
_run = iter(range(1, 10**9))
_run_lock = threading.Lock()


@dataclass
class WorkloadResult:
    """What happened: committed actions by kind, refusals, unexpected errors, invariants."""

    clients: int
    seconds: float
    committed: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    settled_fen: int = 0
    payable_fen: int = 0

    @property
    def attempts(self) -> int:
        return sum(self.committed.values()) + sum(self.refused.values()) + len(self.unexpected)

    @property
    def ops_per_second(self) -> float:
        """Committed state changes per second of wall time."""
        return sum(self.committed.values()) / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Cast:
    core: str
    enterprises: tuple[str, ...]
    bank: str


def _cast(db: Database, tag: str) -> Cast:
    with db.unit_of_work() as s:

        def org(kind: str, name: str, n: int, **kw: Any) -> str:
            body = f"W{tag}{n:02d}"
            uscc = make_uscc("9", "1", "330500", body).code if kind == "enterprise" else None
            return identity.create_organisation(
                s, name=f"{name} {tag}", kind=kind, uscc=uscc, **kw
            ).id

        core = org("enterprise", "core", 0, is_core=True)
        ents = tuple(org("enterprise", f"supplier {i}", i) for i in range(1, 7))
        bank = org("financial_institution", "bank", 99, institution_type="bank")
    return Cast(core, ents, bank)


def _act(db: Database, fn: Callable[..., object]) -> object:
    with db.unit_of_work() as s:
        return fn(s)


def _issue(db: Database, cast: Cast, payables: int, face_fen: int, tag: str) -> list[str]:
    maturity = (START + timedelta(days=TERM_DAYS)).date()
    ids = []
    with db.unit_of_work() as s:
        for i in range(payables):
            holder = cast.enterprises[i % 2]
            p = service.submit_payable(
                s,
                service.principal_for_org(s, holder),
                core_org_id=cast.core,
                amount_fen=face_fen,
                maturity_date=maturity,
                contract_ref=f"HT-{tag}",
                invoice_ref=f"W-{tag}-{i}",
                now=START,
            )
            service.confirm_payable(s, service.principal_for_org(s, cast.core), p.id, now=START)
            ids.append(p.id)
    return ids


def _client(
    db: Database,
    cast: Cast,
    payable_ids: list[str],
    ops: int,
    seed: int,
    result: WorkloadResult,
    lock: threading.Lock,
    tick: Callable[[], None],
    hot: int | None,
) -> None:
    rng = random.Random(seed)
    now = START + timedelta(hours=1)

    def record(kind: str, outcome: object) -> None:
        with lock:
            if isinstance(outcome, ChanrongError):
                result.refused[f"{kind}: {type(outcome).__name__}"] += 1
            elif isinstance(outcome, BaseException):
                result.unexpected.append(f"{kind}: {type(outcome).__name__}: {outcome}")
            else:
                result.committed[kind] += 1

    def attempt(kind: str, fn: Callable[..., object]) -> object:
        try:
            out = _act(db, fn)
        except Exception as exc:  # every failure is counted, the unexpected ones fail the run
            record(kind, exc)
            return exc
        record(kind, out)
        return out

    for _ in range(ops):
        found = _act(db, lambda s: service.live_certificates(s, payable_ids))
        assert isinstance(found, list)
        # Banks hold what they financed to maturity: the clients are the enterprises.
        live = [row for row in found if row[1] != cast.bank]
        if not live:
            break
        # ``hot``: only the first few live certificates, so clients pile onto the same ones.
        pool = min(len(live), hot) if hot else len(live)
        cert_id, holder, face = live[rng.randrange(pool)]
        action = rng.choices(("split", "transfer", "finance"), weights=(4, 3, 3))[0]
        if action == "split" and face >= 2:
            part = rng.randint(1, face - 1)
            attempt(
                "split",
                lambda s, c=cert_id, h=holder, part=part: service.split_certificate(
                    s, service.principal_for_org(s, h), c, [part], now=now
                ),
            )
        elif action in ("split", "transfer"):
            to = rng.choice([e for e in cast.enterprises if e != holder])
            attempt(
                "transfer",
                lambda s, c=cert_id, h=holder, t=to: service.transfer_certificate(
                    s, service.principal_for_org(s, h), c, to_org_id=t, now=now
                ),
            )
        else:
            fin = attempt(
                "finance request",
                lambda s, c=cert_id, h=holder: service.request_financing(
                    s, service.principal_for_org(s, h), c, bank_org_id=cast.bank, now=now
                ),
            )
            if not isinstance(fin, BaseException):
                fid = getattr(fin, "id", "")
                rate = Decimal(rng.randint(250, 600)) / 100
                q = attempt(
                    "finance quote",
                    lambda s, f=fid, r=rate: service.quote_financing(
                        s,
                        service.principal_for_org(s, cast.bank),
                        f,
                        annual_rate_percent=r,
                        day_count=service.DayCount.ACT_360,
                        now=now,
                    ),
                )
                if not isinstance(q, BaseException):
                    attempt(
                        "finance accept",
                        lambda s, h=holder, f=fid: service.accept_financing(
                            s, service.principal_for_org(s, h), f, now=now
                        ),
                    )
        tick()


def _settle_all(
    db: Database, cast: Cast, payable_ids: list[str], result: WorkloadResult, lock: threading.Lock
) -> None:
    at = START + timedelta(days=TERM_DAYS)
    for pid in payable_ids:
        try:
            with db.unit_of_work() as s:
                paid = service.settle_payable(
                    s, service.principal_for_org(s, cast.core), pid, now=at
                )
            with lock:
                result.committed["settle"] += 1
                result.settled_fen += sum(p.amount_fen for p in paid)
        except Conflict:
            with lock:
                result.refused["settle: Conflict"] += 1
        except Exception as exc:
            with lock:
                result.unexpected.append(f"settle: {type(exc).__name__}: {exc}")


def run_workload(
    db: Database,
    *,
    clients: int = 32,
    ops_per_client: int = 10,
    payables: int = 4,
    face_fen: int = 10_000_000,
    seed: int = 0,
    hot: int | None = 4,
    tick: Callable[[], None] = lambda: None,
) -> WorkloadResult:
    """Hammer ``payables`` fresh certificate trees with ``clients`` threads; check the trees.

    ``hot`` limits each pick to the first ``hot`` live certificates (heavy overlap); None
    lets clients pick any live certificate (overlap only by chance).

    ``tick`` is called after each client action (a progress bar hook). Timing covers the
    hammering and the settlement rush, not the set-up or the final invariant check.
    """
    with _run_lock:
        tag = f"{next(_run) % 100:02d}{seed % 1000:03d}"
    cast = _cast(db, tag)
    payable_ids = _issue(db, cast, payables, face_fen, tag)
    result = WorkloadResult(clients=clients, seconds=0.0, payable_fen=payables * face_fen)
    lock = threading.Lock()
    threads = [
        threading.Thread(
            target=_client,
            args=(db, cast, payable_ids, ops_per_client, seed * 1000 + i, result, lock, tick, hot),
            name=f"scf-client-{i}",
        )
        for i in range(clients)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    settlers = [
        threading.Thread(target=_settle_all, args=(db, cast, payable_ids, result, lock))
        for _ in range(clients)
    ]
    for t in settlers:
        t.start()
    for t in settlers:
        t.join()
    result.seconds = time.perf_counter() - started
    with db.unit_of_work() as s:
        for pid in payable_ids:
            result.violations.extend(service.tree_violations(s, pid))
    return result

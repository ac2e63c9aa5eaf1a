"""A concurrent workload against the certificate service: many clients, overlapping certificates.

Used by the concurrency test and ``benchmarks/supplychain.py``. Each client is a thread with
its own unit of work per action; it reads the live certificates, picks one of the first few
(so clients collide on purpose), and acts as that certificate's holder as it was read: split,
transfer, or finance it in three transactions (request, bank quote with or without recourse,
accept). Stale reads make clients race for the same certificate; the losers must get a
refusal, never a second spend. The bank has an exposure limit on the core enterprise, so
financing past it is refused.

At maturity the core enterprise pays half the payables; the other half go unpaid: the
worker's job marks their certificates overdue, the bank turns back to the sellers where it
financed with recourse (refused where it did not), and the core enterprise pays late. Every
client tries every settlement at once. Then every tree and its journal is checked.

Each client acts as its organisations' officers, resolved once when it starts (as an API
client authenticates once per session, not per certificate).
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
from functools import partial
from typing import Any, Protocol

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
    cpu_seconds: float = 0.0  # this process's CPU time over the same span (all threads)
    committed: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    settled_fen: int = 0
    payable_fen: int = 0
    batches: int = 0  # transactions of the group committer (0: one per use case)
    # The group committer's writer thread's own CPU time (0 without one): the serial part,
    # which bounds what one writer can commit per second on a free core.
    writer_cpu_seconds: float = 0.0

    @property
    def attempts(self) -> int:
        return sum(self.committed.values()) + sum(self.refused.values()) + len(self.unexpected)

    @property
    def cpu_ms_per_op(self) -> float:
        """CPU milliseconds this process spent per committed state change (load-independent
        where wall time is not: on a shared machine the process gets a fraction of a core)."""
        done = sum(self.committed.values())
        return 1000 * self.cpu_seconds / done if done else 0.0

    @property
    def writer_cpu_ms_per_op(self) -> float:
        """The writer thread's CPU milliseconds per committed state change (group commit)."""
        done = sum(self.committed.values())
        return 1000 * self.writer_cpu_seconds / done if done else 0.0

    @property
    def ops_per_second(self) -> float:
        """Committed state changes per second of wall time."""
        return sum(self.committed.values()) / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Cast:
    core: str
    enterprises: tuple[str, ...]
    bank: str

    @property
    def everyone(self) -> tuple[str, ...]:
        return (self.core, *self.enterprises, self.bank)


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


# How a client's write use case reaches the database: its own unit of work (``_act``), or
# handed to a group committer's writer thread, with the use case's read-only first checks
# (``check``) that the writer runs before it, to refuse a lost race cheaply.
class Write(Protocol):
    def __call__(
        self, fn: Callable[..., object], *, check: Callable[..., object] | None = None
    ) -> object: ...


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
    write: Write,
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
    with db.unit_of_work() as s:
        officer = {org: service.principal_for_org(s, org) for org in cast.everyone}

    def record(kind: str, outcome: object) -> None:
        _count(result, lock, kind, outcome)

    def attempt(
        kind: str, fn: Callable[..., object], check: Callable[..., object] | None = None
    ) -> object:
        try:
            out = write(fn, check=check)
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
        # Split, transfer and financing request start with the same checks of the holder.
        held = partial(service.check_can_act, principal=officer[holder], cert_id=cert_id, now=now)
        if action == "split" and face >= 2:
            part = rng.randint(1, face - 1)
            attempt(
                "split",
                lambda s, c=cert_id, h=holder, part=part: service.split_certificate(
                    s, officer[h], c, [part], now=now
                ),
                held,
            )
        elif action in ("split", "transfer"):
            to = rng.choice([e for e in cast.enterprises if e != holder])
            attempt(
                "transfer",
                lambda s, c=cert_id, h=holder, t=to: service.transfer_certificate(
                    s, officer[h], c, to_org_id=t, now=now
                ),
                held,
            )
        else:
            fin = attempt(
                "finance request",
                lambda s, c=cert_id, h=holder: service.request_financing(
                    s, officer[h], c, bank_org_id=cast.bank, now=now
                ),
                held,
            )
            if not isinstance(fin, BaseException):
                fid = getattr(fin, "id", "")
                rate = Decimal(rng.randint(250, 600)) / 100
                recourse = rng.random() < 0.5
                q = attempt(
                    "finance quote",
                    lambda s, f=fid, r=rate, rc=recourse: service.quote_financing(
                        s,
                        officer[cast.bank],
                        f,
                        annual_rate_percent=r,
                        day_count=service.DayCount.ACT_360,
                        recourse=rc,
                        now=now,
                    ),
                )
                if not isinstance(q, BaseException):
                    attempt(
                        "finance accept",
                        lambda s, h=holder, f=fid: service.accept_financing(
                            s, officer[h], f, now=now
                        ),
                    )
        tick()


def _count(result: WorkloadResult, lock: threading.Lock, kind: str, outcome: object) -> None:
    with lock:
        if isinstance(outcome, ChanrongError):
            result.refused[f"{kind}: {type(outcome).__name__}"] += 1
        elif isinstance(outcome, BaseException):
            result.unexpected.append(f"{kind}: {type(outcome).__name__}: {outcome}")
        else:
            result.committed[kind] += 1


def _unpaid(payable_ids: list[str]) -> list[str]:
    """The payables the core enterprise leaves unpaid at maturity (every second one)."""
    return payable_ids[1::2]


def _after_maturity(
    db: Database,
    write: Write,
    cast: Cast,
    payable_ids: list[str],
    result: WorkloadResult,
    lock: threading.Lock,
) -> None:
    """The day after maturity: the worker marks the unpaid certificates overdue (one
    transaction per certificate, as its jobs run), the bank turns back to the sellers."""
    day = (START + timedelta(days=TERM_DAYS)).date()
    at = START + timedelta(days=TERM_DAYS + 1)
    with db.unit_of_work() as s:
        due = service.matured_unpaid(s, day)
    for cert_id in due:
        try:
            marked = write(lambda s, c=cert_id: service.mark_overdue(s, c, day=day, now=at))
            _count(result, lock, "mark overdue", None if marked else Conflict("not overdue"))
        except Exception as exc:  # counted; the unexpected ones fail the run
            _count(result, lock, "mark overdue", exc)
    with db.unit_of_work() as s:
        bank = service.principal_for_org(s, cast.bank)
        held = [c.id for c in service.overdue_certificates(s, bank) if c.holder_org_id == cast.bank]
    for cert_id in held:
        try:
            out: object = write(lambda s, c=cert_id: service.execute_recourse(s, bank, c, now=at))
        except Exception as exc:
            out = exc
        # Refused where the bank financed without recourse: it waits for the core to pay.
        _count(result, lock, "recourse", out)


def _settle_all(
    db: Database,
    write: Write,
    cast: Cast,
    payable_ids: list[str],
    result: WorkloadResult,
    lock: threading.Lock,
    *,
    late: bool,
) -> None:
    unpaid = set(_unpaid(payable_ids))
    at = START + timedelta(days=TERM_DAYS + (5 if late else 0))
    # Resolved once, as an API client authenticates once, not inside each write.
    with db.unit_of_work() as s:
        core = service.principal_for_org(s, cast.core)
    for pid in payable_ids:
        if (pid in unpaid) != late:
            continue
        try:
            paid = write(lambda s, p=pid: service.settle_payable(s, core, p, now=at))
            assert isinstance(paid, list)
            with lock:
                result.committed["settle late" if late else "settle"] += 1
                result.settled_fen += sum(p.amount_fen for p in paid)
        except Conflict:
            with lock:
                result.refused["settle: Conflict"] += 1
        except Exception as exc:
            with lock:
                result.unexpected.append(f"settle: {type(exc).__name__}: {exc}")


def _rush(fn: Callable[[], None], clients: int) -> None:
    threads = [threading.Thread(target=fn) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def prepare(
    db: Database, payables: int, face_fen: int, seed: int, limit_share: Decimal
) -> tuple[Cast, list[str]]:
    """A fresh cast (core enterprise, suppliers, bank), ``payables`` confirmed payables of
    ``face_fen`` each (their certificates live), and the bank's exposure limit on the core:
    room for ``limit_share`` of what is issued."""
    with _run_lock:
        tag = f"{next(_run) % 100:02d}{seed % 1000:03d}"
    cast = _cast(db, tag)
    payable_ids = _issue(db, cast, payables, face_fen, tag)
    with db.unit_of_work() as s:
        service.set_exposure_limit(
            s,
            service.principal_for_org(s, cast.bank),
            core_org_id=cast.core,
            limit_fen=int(payables * face_fen * limit_share),
            now=START,
        )
    return cast, payable_ids


def unpaid(payable_ids: list[str]) -> list[str]:
    """The payables the core enterprise leaves unpaid at maturity (every second one)."""
    return _unpaid(payable_ids)


def run_workload(
    db: Database,
    *,
    clients: int = 32,
    ops_per_client: int = 10,
    payables: int = 4,
    face_fen: int = 10_000_000,
    seed: int = 0,
    hot: int | None = 4,
    limit_share: Decimal = Decimal("0.6"),
    tick: Callable[[], None] = lambda: None,
    group_commit: int = 0,
) -> WorkloadResult:
    """Hammer ``payables`` fresh certificate trees with ``clients`` threads; check the trees.

    ``hot`` limits each pick to the first ``hot`` live certificates (heavy overlap); None
    lets clients pick any live certificate (overlap only by chance).

    ``tick`` is called after each client action (a progress bar hook). Timing covers the
    hammering and the settlement rush, not the set-up or the final invariant check.

    ``group_commit``: 0 runs each write use case in its own unit of work; N > 0 hands them
    to one writer thread (``supplychain.group_commit``) that commits up to N at a time.
    """
    cast, payable_ids = prepare(db, payables, face_fen, seed, limit_share)
    result = WorkloadResult(clients=clients, seconds=0.0, payable_fen=payables * face_fen)
    lock = threading.Lock()
    writer = service.GroupCommitter(db, max_batch=group_commit) if group_commit else None

    def per_op(fn: Callable[..., object], *, check: Callable[..., object] | None = None) -> object:
        return _act(db, fn)  # its own transaction: the use case checks as it goes

    write: Write = writer.run if writer else per_op
    threads = [
        threading.Thread(
            target=_client,
            args=(
                *(db, write, cast, payable_ids, ops_per_client, seed * 1000 + i),
                *(result, lock, tick, hot),
            ),
            name=f"scf-client-{i}",
        )
        for i in range(clients)
    ]
    started, cpu = time.perf_counter(), time.process_time()
    if writer:
        writer.start()
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        _rush(lambda: _settle_all(db, write, cast, payable_ids, result, lock, late=False), clients)
        _after_maturity(db, write, cast, payable_ids, result, lock)
        _rush(lambda: _settle_all(db, write, cast, payable_ids, result, lock, late=True), clients)
    finally:
        if writer:
            writer.close()
            result.batches = writer.batches
            result.writer_cpu_seconds = writer.cpu_seconds
    result.seconds = time.perf_counter() - started
    result.cpu_seconds = time.process_time() - cpu
    with db.unit_of_work() as s:
        for pid in payable_ids:
            result.violations.extend(service.tree_violations(s, pid))
        result.violations.extend(service.journal_violations(s))
    return result

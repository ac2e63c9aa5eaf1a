"""The certificate workload with its clients in other processes than the writer.

``run_workload_procs`` runs what ``scf_workload.run_workload`` runs (the same cast, picks,
actions, settlement rush, maturity, recourse and late settlement, the same invariant check)
with the writer alone in this process: a ``CommandServer`` on a Unix socket commits the
commands of every client, many per transaction (``supplychain.command_link``). The clients
are ``procs`` child processes (``python -m chanrong.demo.scf_procs``), each running its share
of the client threads; they read the live certificates from the SQLite file themselves (WAL
readers never block the writer) and send their writes as JSON commands. Each client acts as
real users: an officer of each organisation of the cast, and an officer of a platform operator
for the worker's job (``mark_overdue``), each with an API key made here and sent with every
command, which the writer checks as the HTTP API would (``supplychain.commands.authorise``).

Parent and children speak JSON lines over the children's stdin and stdout (no pickle): the
child's configuration, then one line per phase ("act", "settle", "mature", "late") that the
parent sends once every child finished the one before, and at the end each child's counts and
its own CPU time.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from chanrong.core.errors import ChanrongError, Conflict
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from chanrong.supplychain import service
from chanrong.supplychain.command_link import CommandClient, CommandServer
from chanrong.supplychain.commands import CommandFailed

from .scf_workload import START, TERM_DAYS, Cast, WorkloadResult, prepare, unpaid

PHASES = ("act", "settle", "mature", "late")
OPERATOR = "operator"  # the platform operator's key, in the children's table of keys


@dataclass
class ProcsResult(WorkloadResult):
    """``WorkloadResult`` with the client processes' own CPU time (this process's is the
    writer's: ``cpu_seconds``), the writer's CPU time authorising the commands' users, and
    how many commands that refused (0 when every client acts as the right user)."""

    client_cpu_seconds: float = 0.0
    procs: int = 0
    auth_cpu_seconds: float = 0.0
    denied: int = 0

    @property
    def auth_cpu_ms_per_op(self) -> float:
        """The writer's CPU milliseconds authorising users, per committed state change."""
        done = sum(self.committed.values())
        return 1000 * self.auth_cpu_seconds / done if done else 0.0

    @property
    def client_cpu_ms_per_op(self) -> float:
        """The client processes' CPU milliseconds per committed state change."""
        done = sum(self.committed.values())
        return 1000 * self.client_cpu_seconds / done if done else 0.0


def run_workload_procs(
    db: Database,
    *,
    procs: int = 2,
    clients: int = 32,
    ops_per_client: int = 10,
    payables: int = 4,
    face_fen: int = 10_000_000,
    seed: int = 0,
    hot: int | None = 4,
    limit_share: Decimal = Decimal("0.6"),
    max_batch: int = 64,
) -> ProcsResult:
    """``run_workload``'s workload, ``clients`` threads spread over ``procs`` processes
    sending commands to a writer in this process. ``db`` must be an SQLite file. Timing and
    CPU cover the four phases, not the children's start nor the invariant check."""
    if db.dialect != "sqlite" or db.engine.url.database in (None, "", ":memory:"):
        raise ValueError("db: the clients read the database file, so an SQLite file is needed")
    cast, payable_ids = prepare(db, payables, face_fen, seed, limit_share)
    keys = officer_keys(db, cast)
    result = ProcsResult(clients=clients, seconds=0.0, payable_fen=payables * face_fen, procs=procs)
    seeds = [seed * 1000 + i for i in range(clients)]
    with tempfile.TemporaryDirectory(prefix="scf-cmd-") as tmp:
        address = str(Path(tmp) / "writer.sock")
        key = secrets.token_bytes(32)
        with CommandServer(db, address, authkey=key, max_batch=max_batch) as server:
            children = [
                _spawn(
                    {
                        "url": db.url,
                        "address": address,
                        "authkey": key.hex(),
                        "cast": [cast.core, list(cast.enterprises), cast.bank],
                        "keys": keys,
                        "payable_ids": payable_ids,
                        "ops": ops_per_client,
                        "seeds": seeds[i::procs],
                        "hot": hot,
                        "leader": i == 0,
                    }
                )
                for i in range(procs)
            ]
            try:
                for child in children:
                    _expect(child, "ready")
                started, cpu = time.perf_counter(), time.process_time()
                for phase in PHASES:
                    for child in children:
                        _say(child, {"phase": phase})
                    for child in children:
                        _expect(child, phase)
                result.seconds = time.perf_counter() - started
                result.cpu_seconds = time.process_time() - cpu
                for child in children:
                    _say(child, {"phase": "report"})
                    _merge(result, _expect(child, "report"))
            finally:
                for child in children:
                    _end(child)
            result.batches = server.committer.batches
            result.writer_cpu_seconds = server.committer.cpu_seconds
            result.auth_cpu_seconds = server.auth_cpu_seconds
            result.denied = server.denied
    with db.unit_of_work() as s:
        for pid in payable_ids:
            result.violations.extend(service.tree_violations(s, pid))
        result.violations.extend(service.journal_violations(s))
    return result


def officer_keys(db: Database, cast: Cast) -> dict[str, str]:
    """An officer with an API key for each organisation of ``cast`` and for a platform
    operator made here (under ``OPERATOR``): the users the clients act as, by organisation.

    Each key is also verified once here, in the writer's process: argon2 runs once per key
    per process (identity's verified-key cache), as in a long-running writer or API server,
    and a run of a few seconds should not charge that start-up to its operations. What is
    checked per batch (the key not revoked, the user active, the roles) is not cached."""
    keys: dict[str, str] = {}
    with db.unit_of_work() as s:
        operator = identity.create_organisation(
            s, name=f"operator {cast.core[:8]}", kind="platform_operator"
        ).id
        for org in (*cast.everyone, operator):
            user = identity.create_user(
                s, org_id=org, username=f"officer-{org[:8]}", roles=["officer"]
            )
            _, raw = identity.create_api_key(s, user_id=user.id, name="scf load")
            keys[OPERATOR if org == operator else org] = raw
    with db.unit_of_work() as s:
        for raw in keys.values():
            identity.authenticate_api_key(s, raw)
    return keys


def _spawn(config: dict[str, Any]) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-m", "chanrong.demo.scf_procs"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    _say(child, config)
    return child


def _say(child: subprocess.Popen[str], message: dict[str, Any]) -> None:
    assert child.stdin is not None
    child.stdin.write(json.dumps(message) + "\n")
    child.stdin.flush()


def _expect(child: subprocess.Popen[str], phase: str) -> dict[str, Any]:
    assert child.stdout is not None
    line = child.stdout.readline()
    if not line:
        raise RuntimeError(f"a client process ended before {phase} (exit {child.wait()})")
    message: dict[str, Any] = json.loads(line)
    if message.get("done") != phase:
        raise RuntimeError(f"a client process answered {message!r}, not {phase} done")
    return message


def _end(child: subprocess.Popen[str]) -> None:
    if child.stdin is not None:
        child.stdin.close()
    try:
        child.wait(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def _merge(result: ProcsResult, report: dict[str, Any]) -> None:
    result.committed.update(report["committed"])
    result.refused.update(report["refused"])
    result.unexpected.extend(report["unexpected"])
    result.settled_fen += report["settled_fen"]
    result.client_cpu_seconds += report["cpu_seconds"]


# -- the client process ---------------------------------------------------------------------


class _Tally:
    """One client process's counts, shared by its threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.committed: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.unexpected: list[str] = []
        self.settled_fen = 0

    def count(self, kind: str, outcome: object) -> None:
        with self.lock:
            if isinstance(outcome, ChanrongError) and not isinstance(outcome, CommandFailed):
                self.refused[f"{kind}: {type(outcome).__name__}"] += 1
            elif isinstance(outcome, BaseException):
                self.unexpected.append(f"{kind}: {type(outcome).__name__}: {outcome}")
            else:
                self.committed[kind] += 1


def _attempt(
    link: CommandClient, keys: dict[str, str], tally: _Tally, kind: str, op: str, org: str,
    **args: Any,
) -> Any:  # fmt: skip
    """Run ``op`` as ``org``'s officer, counting its outcome."""
    try:
        out = link.call(op, org, api_key=keys[org], **args)
    except Exception as exc:  # counted; the unexpected ones fail the run
        tally.count(kind, exc)
        return exc
    tally.count(kind, out)
    return out


def _act(
    db: Database, link: CommandClient, keys: dict[str, str], cast: Cast, payable_ids: list[str],
    ops: int, seed: int, hot: int | None, tally: _Tally,
) -> None:  # fmt: skip
    """One client's actions: the picks and choices of ``scf_workload._client``, as commands."""
    rng = random.Random(seed)
    now = START + timedelta(hours=1)
    # One session for the client's reads, each its own read transaction (ended at once, so
    # the next read sees what committed since): no session built per action.
    reader = db.sessions()
    try:
        for _ in range(ops):
            found = service.live_certificates(reader, payable_ids)
            reader.rollback()
            if not _one_action(link, keys, cast, found, rng, now, hot, tally):
                break
    finally:
        reader.close()


def _one_action(
    link: CommandClient,
    keys: dict[str, str],
    cast: Cast,
    found: list[tuple[str, str, int]],
    rng: random.Random,
    now: datetime,
    hot: int | None,
    tally: _Tally,
) -> bool:
    """One pick and its action; False when nothing is left to act on."""
    live = [row for row in found if row[1] != cast.bank]
    if not live:
        return False
    pool = min(len(live), hot) if hot else len(live)
    cert_id, holder, face = live[rng.randrange(pool)]
    action = rng.choices(("split", "transfer", "finance"), weights=(4, 3, 3))[0]
    if action == "split" and face >= 2:
        part = rng.randint(1, face - 1)
        _attempt(
            link, keys, tally, "split", "split", holder, cert_id=cert_id, parts_fen=[part], at=now
        )
        return True
    if action in ("split", "transfer"):
        to = rng.choice([e for e in cast.enterprises if e != holder])
        _attempt(
            link, keys, tally, "transfer", "transfer", holder, cert_id=cert_id, to_org_id=to, at=now
        )
        return True
    fin = _attempt(
        link, keys, tally, "finance request", "finance_request", holder,
        cert_id=cert_id, bank_org_id=cast.bank, at=now,
    )  # fmt: skip
    if isinstance(fin, BaseException):
        return True
    rate = Decimal(rng.randint(250, 600)) / 100
    recourse = rng.random() < 0.5
    q = _attempt(
        link, keys, tally, "finance quote", "finance_quote", cast.bank,
        financing_id=fin["id"], annual_rate_percent=rate,
        day_count=service.DayCount.ACT_360.value, recourse=recourse, at=now,
    )  # fmt: skip
    if not isinstance(q, BaseException):
        _attempt(
            link, keys, tally, "finance accept", "finance_accept", holder,
            financing_id=fin["id"], at=now,
        )  # fmt: skip
    return True


def _settle(
    link: CommandClient,
    keys: dict[str, str],
    cast: Cast,
    payable_ids: list[str],
    tally: _Tally,
    *,
    late: bool,
) -> None:
    owed = set(unpaid(payable_ids))
    at = START + timedelta(days=TERM_DAYS + (5 if late else 0))
    kind = "settle late" if late else "settle"
    for pid in payable_ids:
        if (pid in owed) != late:
            continue
        try:
            paid = link.call("settle", cast.core, api_key=keys[cast.core], payable_id=pid, at=at)
        except Conflict:
            with tally.lock:
                tally.refused["settle: Conflict"] += 1
            continue
        except Exception as exc:
            with tally.lock:
                tally.unexpected.append(f"settle: {type(exc).__name__}: {exc}")
            continue
        with tally.lock:
            tally.committed[kind] += 1
            tally.settled_fen += sum(p["amount_fen"] for p in paid)


def _mature(
    db: Database, link: CommandClient, keys: dict[str, str], cast: Cast, tally: _Tally
) -> None:
    """The day after maturity (``scf_workload._after_maturity``): mark what is unpaid overdue,
    one command per certificate as the worker's job does, then the bank's recourse."""
    day: date = (START + timedelta(days=TERM_DAYS)).date()
    at: datetime = START + timedelta(days=TERM_DAYS + 1)
    with db.unit_of_work() as s:
        due = service.matured_unpaid(s, day)
    for cert_id in due:
        try:
            marked = link.call(
                "mark_overdue", api_key=keys[OPERATOR], cert_id=cert_id, day=day.isoformat(), at=at
            )
            tally.count("mark overdue", None if marked else Conflict("not overdue"))
        except Exception as exc:
            tally.count("mark overdue", exc)
    with db.unit_of_work() as s:
        bank = service.principal_for_org(s, cast.bank)
        held = [c.id for c in service.overdue_certificates(s, bank) if c.holder_org_id == cast.bank]
    for cert_id in held:
        _attempt(link, keys, tally, "recourse", "recourse", cast.bank, cert_id=cert_id, at=at)


def _child() -> None:
    config = json.loads(sys.stdin.readline())
    core, enterprises, bank = config["cast"]
    cast = Cast(core, tuple(enterprises), bank)
    payable_ids: list[str] = config["payable_ids"]
    keys: dict[str, str] = config["keys"]
    seeds: list[int] = config["seeds"]
    db = Database(config["url"], pool_size=len(seeds) + 1, max_overflow=0)
    key = bytes.fromhex(config["authkey"])
    links = [CommandClient(config["address"], key) for _ in seeds]
    tally = _Tally()

    def done(phase: str, **extra: Any) -> None:
        print(json.dumps({"done": phase, **extra}), flush=True)

    def rush(fn: Any) -> None:
        threads = [
            threading.Thread(target=fn, args=(link, seed))
            for link, seed in zip(links, seeds, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    done("ready")
    cpu = 0.0
    for line in sys.stdin:
        phase = json.loads(line)["phase"]
        began = time.process_time()
        if phase == "act":
            rush(
                lambda link, seed: _act(
                    db, link, keys, cast, payable_ids, config["ops"], seed, config["hot"], tally
                )
            )
        elif phase in ("settle", "late"):
            rush(
                lambda link, seed, late=phase == "late": _settle(
                    link, keys, cast, payable_ids, tally, late=late
                )
            )
        elif phase == "mature" and config["leader"]:
            _mature(db, links[0], keys, cast, tally)
        if phase == "report":
            done(
                "report",
                committed=dict(tally.committed),
                refused=dict(tally.refused),
                unexpected=tally.unexpected,
                settled_fen=tally.settled_fen,
                cpu_seconds=cpu,
            )
            break
        cpu += time.process_time() - began
        done(phase)
    for link in links:
        link.close()
    db.dispose()


if __name__ == "__main__":
    _child()

"""Certificate operations over HTTP at 32 concurrent clients: per-request commit vs group commit.

    .venv/bin/python benchmarks/supplychain_api.py                 # 32 clients x 20 rounds
    .venv/bin/python benchmarks/supplychain_api.py --clients 32 --rounds 10
    .venv/bin/python benchmarks/supplychain_api.py --rounds 10 --only group   # group commit only

The API runs in this process (``httpx.ASGITransport``, no sockets): each of 32 suppliers holds
its own confirmed certificate and, round after round, splits 1.00 off it and transfers that
part to the next supplier (two committed operations a round), as 32 concurrent clients on one
event loop. Once with every request in its own unit of work (``app.state.scf_group_commit =
False``: the per-op path) and once through the database's group committer (the routes'
default on SQLite), each on a fresh SQLite database, in the same process one after the other.
Afterwards every tree and the journal are checked (must be 0 violations) and the outstanding
leaves must add up to what was issued, to the fen. "CPU ms / op" is the process's CPU time per
committed operation (HTTP handling, authentication, the use case, the commit); "writer CPU" is
the group committer's thread alone.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from chanrong.api.app import create_app
from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.logs import configure_logging
from chanrong.core.settings import Settings
from chanrong.core.uscc import make_uscc
from chanrong.identity import service as identity
from chanrong.storage import migrate
from chanrong.storage.database import Database
from chanrong.supplychain import service

console = Console()
FACE_FEN = 10_000_000  # ¥100,000.00 per supplier


@dataclass
class Run:
    mode: str
    clients: int
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    writer_cpu_seconds: float = 0.0
    batches: int = 0
    committed: int = 0
    refused: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def ops_per_second(self) -> float:
        return self.committed / self.seconds if self.seconds else 0.0

    def per_op_ms(self, seconds: float) -> float:
        return 1000 * seconds / self.committed if self.committed else 0.0


def _seed(db: Database, clients: int) -> tuple[str, list[tuple[str, str]]]:
    """A core enterprise's officer key, and each supplier's (org id, officer key)."""
    with db.unit_of_work() as s:

        def org_with_key(name: str, n: int, **kw: object) -> tuple[str, str]:
            uscc = make_uscc("9", "1", "330500", f"MC{n:06d}").code
            org = identity.create_organisation(s, name=name, kind="enterprise", uscc=uscc, **kw)
            user = identity.create_user(s, org_id=org.id, username="officer", roles=["officer"])
            _, key = identity.create_api_key(s, user_id=user.id, name="bench")
            return org.id, key

        core = org_with_key("核心企业", 0, is_core=True)
        suppliers = [org_with_key(f"供应商{i}", i + 1) for i in range(clients)]
    return core[1], [(core[0], core[1]), *suppliers]


async def _client(
    c: httpx.AsyncClient, key: str, cert_id: str, to_org: str, rounds: int, run: Run
) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    for _ in range(rounds):
        r = await c.post(
            f"/supplychain/certificates/{cert_id}/split", json={"parts": ["1.00"]}, headers=headers
        )
        if r.status_code != 201:
            run.refused += 1
            run.violations.append(f"split answered {r.status_code}: {r.text[:200]}")
            return
        run.committed += 1
        small, rest = r.json()
        r = await c.post(
            f"/supplychain/certificates/{small['id']}/transfer",
            json={"to_org_id": to_org},
            headers=headers,
        )
        if r.status_code != 201:
            run.refused += 1
            run.violations.append(f"transfer answered {r.status_code}: {r.text[:200]}")
            return
        run.committed += 1
        cert_id = rest["id"]


async def _measure(
    app: object, core_key: str, orgs: list[tuple[str, str]], rounds: int, run: Run
) -> list[str]:
    suppliers = orgs[1:]
    core_org = orgs[0][0]
    maturity = (shanghai_date(utcnow()) + timedelta(days=90)).isoformat()
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as c:
        certs, payables = [], []
        for i, (_, key) in enumerate(suppliers):
            r = await c.post(
                "/supplychain/payables",
                json={
                    "core_org_id": core_org,
                    "amount": f"{FACE_FEN // 100}.00",
                    "maturity_date": maturity,
                    "contract_ref": "HT-BENCH",
                    "invoice_ref": f"FP-{i}",
                },
                headers={"Authorization": f"Bearer {key}"},
            )
            assert r.status_code == 201, r.text
            payables.append(r.json()["id"])
            r = await c.post(
                f"/supplychain/payables/{payables[-1]}/confirm",
                headers={"Authorization": f"Bearer {core_key}"},
            )
            assert r.status_code == 201, r.text
            certs.append(r.json()["certificate"]["id"])
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(
            *(
                _client(c, key, certs[i], suppliers[(i + 1) % len(suppliers)][0], rounds, run)
                for i, (_, key) in enumerate(suppliers)
            )
        )
        run.seconds = time.perf_counter() - started
        run.cpu_seconds = time.process_time() - cpu
    return payables


def measure(mode: str, clients: int, rounds: int) -> Run:
    run = Run(mode, clients)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'scf_api.db'}"
        migrate.upgrade(url)
        db = Database(url, pool_size=clients + 8, max_overflow=0)
        settings = Settings(
            database_url=url,
            var_dir=Path(tmp) / "var",
            api_concurrency=clients * 2,
            jwt_secret="bench-secret-0123456789abcdef0123456789abcdef",
        )
        app = create_app(settings, db)
        app.state.scf_group_commit = mode == "group"
        core_key, orgs = _seed(db, clients)
        writer = service.committer_for(db)
        assert writer is not None
        batches0, cpu0 = writer.batches, writer.cpu_seconds
        payables = asyncio.run(_measure(app, core_key, orgs, rounds, run))
        if mode == "group":
            run.batches = writer.batches - batches0
            run.writer_cpu_seconds = writer.cpu_seconds - cpu0
        with db.unit_of_work() as s:
            for pid in payables:
                run.violations.extend(service.tree_violations(s, pid))
            run.violations.extend(service.journal_violations(s))
        writer.close()
        db.dispose()
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=20, help="split + transfer rounds a client")
    parser.add_argument(
        "--only",
        choices=("per op", "group"),
        default=None,
        help="run one mode only (to alternate code versions in one period)",
    )
    args = parser.parse_args()
    # Warnings only: a log line per request would be much of the CPU measured.
    configure_logging(json=False, level="WARNING")
    start_load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    modes = (args.only,) if args.only else ("per op", "group")
    runs = [measure(mode, args.clients, args.rounds) for mode in modes]
    table = Table(title=f"certificates over HTTP: {args.clients} clients x {args.rounds} rounds")
    for col in (
        "commit",
        "committed",
        "refused",
        "ops/s",
        "CPU ms / op",
        "writer CPU ms / op",
        "transactions",
        "violations",
    ):
        table.add_column(col, justify="left" if col == "commit" else "right")
    for run in runs:
        table.add_row(
            run.mode,
            f"{run.committed:,}",
            str(run.refused),
            f"{run.ops_per_second:,.1f}",
            f"{run.per_op_ms(run.cpu_seconds):.2f}",
            f"{run.per_op_ms(run.writer_cpu_seconds):.2f}" if run.batches else "—",
            f"{run.batches:,}" if run.batches else f"{run.committed:,}",
            str(len(run.violations)),
        )
        for line in run.violations[:5]:
            console.print(f"[red]{run.mode}: {line}[/]")
    console.print(table)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    console.print(f"load average (1, 5, 15 min) at the start: {start_load}; at the end: {load}")
    bad = sum(len(r.violations) for r in runs)
    console.print("[green]0 invariant violations[/]" if not bad else f"[red]{bad} violations[/]")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

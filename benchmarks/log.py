"""The verifiable log at scale: appends/s, proof generation and verification at 1,000,000 entries.

    .venv/bin/python benchmarks/log.py                      # 1,000,000 entries on SQLite
    .venv/bin/python benchmarks/log.py --backend postgres   # needs CHANRONG_TEST_POSTGRES_URL
    .venv/bin/python benchmarks/log.py --quick              # 10,000 entries, a smoke run

The log is filled through the real append path (``append_many`` in batches of
``--batch``, each batch one transaction), then single-entry transactions measure the rate a
request that logs one event sees. Proofs come from stored perfect subtrees (O(log n) rows);
the baseline row recomputes the same inclusion proof from every leaf hash, which is what a
log without stored subtrees would have to do, and the ratio compares the two in this process.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import select

from _db import migrated_database
from chanrong.governance import keys, merkle
from chanrong.governance import service as governance
from chanrong.governance.orm import LogEntryRow
from chanrong.storage.database import Database

console = Console()


def _payload(i: int) -> dict[str, object]:
    # Shaped like a data.access entry, the most frequent kind.
    return {
        "owner_org_id": "01a2007e-0000-7000-8000-000000000001",
        "accessor_org_id": "01a2007e-0000-7000-8000-000000000002",
        "dataset": "telemetry.equipment",
        "purpose": "post_loan_monitoring",
        "grade": 2,
        "n": i,
    }


def fill(db: Database, total: int, batch: int) -> float:
    """Append ``total`` entries in transactions of ``batch``; returns seconds."""
    start = time.perf_counter()
    with Progress(
        TextColumn("[bold]appending"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("fill", total=total)
        done = 0
        while done < total:
            n = min(batch, total - done)
            items = [
                ("data.access", "bench", f"bench:{done + i}", _payload(done + i)) for i in range(n)
            ]
            with db.unit_of_work() as s:
                governance.append_many(s, items)
            done += n
            bar.update(task, completed=done)
    return time.perf_counter() - start


def single_appends(db: Database, count: int) -> float:
    """Seconds for ``count`` appends, one transaction each (a request that logs one event)."""
    start = time.perf_counter()
    for i in range(count):
        with db.unit_of_work() as s:
            governance.append_log(
                s, kind="data.access", actor_org_id="bench", subject=f"one:{i}", payload=_payload(i)
            )
    return time.perf_counter() - start


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _ms(samples: list[float]) -> tuple[str, str, str]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"{statistics.mean(samples) * 1000:.3f}",
        f"{statistics.median(samples) * 1000:.3f}",
        f"{p95 * 1000:.3f}",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--proofs", type=int, default=200, help="proofs of each kind to time")
    parser.add_argument("--single", type=int, default=1000, help="one-entry transactions to time")
    parser.add_argument("--verify", action="store_true", help="also time `log verify` (slow)")
    parser.add_argument("--quick", action="store_true", help="10,000 entries, fewer samples")
    args = parser.parse_args()
    if args.quick:
        args.entries, args.proofs, args.single = 10_000, 30, 100
    rng = random.Random(9162)
    rows: list[tuple[str, str, str, str]] = []

    with migrated_database(args.backend, "log") as db:
        fill_s = fill(db, args.entries, args.batch)
        rows.append(
            (f"append, batches of {args.batch}", f"{args.entries / fill_s:,.0f} /s", "", "")
        )
        one_s = single_appends(db, args.single)
        rows.append(("append, one per transaction", f"{args.single / one_s:,.0f} /s", "", ""))
        size = args.entries + args.single
        signer = keys.Signer(Ed25519PrivateKey.generate())

        with db.unit_of_work() as s:
            head = governance.sign_tree_head(s, signer)
            root = bytes.fromhex(head.root_hash)
            picks = [rng.randrange(size) for _ in range(args.proofs)]
            proofs: list[governance.InclusionProof] = []

            def one_inclusion() -> None:
                proofs.append(governance.inclusion_proof(s, picks[len(proofs)], size))

            gen = timed(one_inclusion, args.proofs)
            rows.append(("inclusion proof, generate (ms)", *_ms(gen)))
            decoded = [
                (p.index, bytes.fromhex(p.leaf_hash), [bytes.fromhex(h) for h in p.path])
                for p in proofs
            ]
            it = iter(decoded)

            def one_check() -> None:
                index, leaf, path = next(it)
                assert merkle.verify_inclusion(index, size, leaf, path, root)

            rows.append(("inclusion proof, verify (ms)", *_ms(timed(one_check, len(decoded)))))

            olds = [rng.randrange(1, size) for _ in range(args.proofs)]
            cons: list[governance.ConsistencyProof] = []

            def one_consistency() -> None:
                cons.append(governance.consistency_proof(s, olds[len(cons)], size))

            rows.append(
                ("consistency proof, generate (ms)", *_ms(timed(one_consistency, args.proofs)))
            )
            cit = iter(cons)

            def one_cons_check() -> None:
                c = next(cit)
                assert merkle.verify_consistency(
                    c.old_size,
                    c.new_size,
                    bytes.fromhex(c.old_root),
                    root,
                    [bytes.fromhex(h) for h in c.path],
                )

            rows.append(("consistency proof, verify (ms)", *_ms(timed(one_cons_check, len(cons)))))

            # Baseline: the same inclusion proof recomputed from every leaf hash.
            def naive() -> None:
                leaves = [
                    bytes(h)
                    for h in s.scalars(select(LogEntryRow.leaf_hash).order_by(LogEntryRow.index))
                ]
                index = picks[0]
                path = [
                    merkle.tree_root(leaves[lo:hi])
                    for lo, hi in merkle.inclusion_ranges(index, size)
                ]
                assert merkle.verify_inclusion(index, size, leaves[index], path, root)

            base = timed(naive, 3 if not args.quick else 2)
            rows.append(("inclusion proof, baseline: recompute from all leaves (ms)", *_ms(base)))
            ratio = statistics.median(base) / statistics.median(gen)
            if args.verify:
                t = time.perf_counter()
                report = governance.verify_log(s, signer.private_key.public_key())
                assert report.ok, report.problems
                rows.append(("log verify, whole log (s)", f"{time.perf_counter() - t:.1f}", "", ""))

    table = Table(
        "measure", "mean", "median", "p95",
        title=f"verifiable log: {size:,} entries on {args.backend}",
    )  # fmt: skip
    for row in rows:
        table.add_row(*row)
    console.print(table)
    console.print(
        f"stored subtrees vs recompute, inclusion proof median: [bold]{ratio:,.0f}×[/] faster"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(f"peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()

"""Schema fuzzing of the whole API at benchmark size (issue 25): at least 10,000 cases.

    .venv/bin/python benchmarks/fuzz.py                       # SQLite, 10 cases per op and caller
    .venv/bin/python benchmarks/fuzz.py --backend postgres    # needs CHANRONG_TEST_POSTGRES_URL
    .venv/bin/python benchmarks/fuzz.py --examples 2          # the suite's bounded run

Every operation of the OpenAPI description, as an anonymous caller and a member of each
organisation kind (``chanrong.demo.schema_fuzz``), through the ASGI app in process. Prints the
answers by status class and caller, and every failed check (5xx, undeclared status or content
type, a body or header off its schema, an invalid input accepted). The goal is 0 failures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from _db import migrated_database
from chanrong.api.app import create_app
from chanrong.core.settings import Settings
from chanrong.demo.schema_fuzz import fuzz, seed_callers


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--examples", type=int, default=10, help="cases per operation and caller")
    args = ap.parse_args()
    console = Console(width=200)
    with migrated_database(args.backend, "fuzz") as db, tempfile.TemporaryDirectory() as var:
        settings = Settings(
            database_url=db.url,
            var_dir=Path(var),
            jwt_secret="bench-secret-0123456789abcdef0123456789abcdef",
        )
        with db.unit_of_work() as s:
            callers, enterprise = seed_callers(s)
        report = fuzz(create_app(settings, db), callers, enterprise, max_examples=args.examples)
    table = Table(title=f"schema fuzzing on {args.backend}: {report.operations} operations")
    for col in ("caller", "cases"):
        table.add_column(col, justify="right")
    for caller, n in sorted(report.by_caller.items()):
        table.add_row(caller, f"{n:,}")
    table.add_row("all", f"{report.cases:,}")
    console.print(table)
    statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(report.by_status.items()))
    console.print(
        f"answers: {statuses}; {report.seconds:.0f} s ({report.cases / report.seconds:.0f} "
        f"cases/s); failed checks: {len(report.failures)}; 5xx: {report.server_errors}"
    )
    for f in report.failures:
        console.print(f"[red]{f.operation}[/] as {f.caller} ({f.status}): {f.message}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""What fresh evidence costs a decision: ``credit.apply`` on a fresh profile, on a stale one
referred without refresh, and on a stale one rebuilt from the platform's data first.

A small simulated park is loaded into a throwaway SQLite database through the ingestion door;
each enterprise grants the bank its profile; its only profile is older than the product
accepts. Every measured decision runs in its own transaction, rolled back afterwards, so each
refresh starts from the same stale profile. Prints milliseconds per decision (median, p95).

    .venv/bin/python benchmarks/profile_refresh.py            # 4 enterprises, 6 months, 5 rounds
    .venv/bin/python benchmarks/profile_refresh.py --quick    # 2 enterprises, 3 months, 2 rounds
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from chanrong.core.clock import month_start, utcnow
from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.demo.credit_workload import install_champion
from chanrong.demo.park_loader import load_park_enterprise, read_tables
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.simulate.config import FaultRates, ParkConfig
from chanrong.simulate.service import write_park
from chanrong.storage import migrate
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry

console = Console()


def _seed(db: Database, settings: Settings, root: Path) -> tuple[str, list[str]]:
    """Load the park, a bank, grants and one stale profile per enterprise."""
    tables = read_tables(root)
    store = telemetry.open_store(settings)
    today = utcnow().date()
    product = credit.product(settings, "op-loan")
    assert product.max_evidence_age_days is not None
    stale = today - timedelta(days=product.max_evidence_age_days + 30)
    with db.unit_of_work() as s:
        bank = identity.create_organisation(
            s, name="bench bank", kind="financial_institution", institution_type="bank"
        )
        orgs = []
        for firm in tables["enterprises"].to_pylist():
            loaded = load_park_enterprise(s, store, root, firm, tables, create_org=True)
            assert loaded.org_id is not None
            orgs.append(loaded.org_id)
    with db.unit_of_work() as s:
        for org_id in orgs:
            snap = credit.build_profile_from_platform(s, settings, org_id, stale)
            assert snap.as_of == stale
            governance.grant_consent(
                s,
                identity.system_principal(s, org_id),
                grantee_org_id=bank.id,
                categories=["external"],
                max_grade=2,
                purpose="credit_assessment",
                valid_from=None,
                valid_until=utcnow() + timedelta(days=30),
            )
    return bank.id, orgs


def _time(
    db: Database, settings: Settings, bank_id: str, orgs: list[str], rounds: int, *, mode: str
) -> tuple[list[float], dict[str, int]]:
    """Milliseconds per decision; each in a transaction rolled back afterwards."""
    out: list[float] = []
    outcomes: dict[str, int] = {}
    for _ in range(rounds):
        for org_id in orgs:
            s = db.sessions()
            try:
                officer = identity.system_principal(s, bank_id)
                if mode == "fresh":
                    # A profile as of yesterday (built outside the timing), then decide.
                    credit.build_profile_from_platform(
                        s, settings, org_id, utcnow().date() - timedelta(days=1)
                    )
                t0 = time.perf_counter()
                app = credit.apply(
                    s,
                    officer,
                    settings,
                    enterprise_org_id=org_id,
                    product_code="op-loan",
                    refresh=mode != "refer",
                )
                out.append((time.perf_counter() - t0) * 1000)
                key = app.knockouts[0] if app.knockouts else app.outcome
                outcomes[key] = outcomes.get(key, 0) + 1
            finally:
                s.rollback()
                s.close()
    return out, outcomes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--enterprises", type=int, default=4)
    ap.add_argument("--months", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if args.quick:
        args.enterprises, args.months, args.rounds = 2, 3, 2
    console.print(measure(enterprises=args.enterprises, months=args.months, rounds=args.rounds))


def measure(*, enterprises: int, months: int, rounds: int) -> Table:
    """The table of decision times on fresh, stale-referred and stale-rebuilt evidence."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "park"
        write_park(
            ParkConfig(
                enterprises=enterprises,
                months=months,
                interval_minutes=240,
                seed=5,
                start=month_start(utcnow().date(), -months),
                faults=FaultRates.none(),
            ),
            root,
        )
        settings = Settings(
            database_url=f"sqlite:///{tmp}/bench.db",
            var_dir=Path(tmp) / "var",
            jwt_secret="bench-secret-0123456789abcdef0123456789abcdef",
        )
        migrate.upgrade(settings.effective_database_url)
        install_champion(settings)
        db = Database(settings.effective_database_url)
        bank_id, orgs = _seed(db, settings, root)
        table = Table(title=f"credit.apply, {len(orgs)} enterprises × {rounds} rounds (ms)")
        for col in ("evidence", "decisions", "median", "p95", "outcomes"):
            table.add_column(col)
        for mode, label in (
            ("fresh", "fresh profile (no refresh)"),
            ("refer", "stale, referred stale_profile"),
            ("refresh", "stale, rebuilt from platform data"),
        ):
            ms, outcomes = _time(db, settings, bank_id, orgs, rounds, mode=mode)
            ms.sort()
            p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
            table.add_row(
                label,
                str(len(ms)),
                f"{statistics.median(ms):.1f}",
                f"{p95:.1f}",
                ", ".join(f"{k}={v}" for k, v in sorted(outcomes.items())),
            )
        db.dispose()
    return table


if __name__ == "__main__":
    main()

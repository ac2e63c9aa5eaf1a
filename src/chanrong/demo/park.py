"""Load a simulated park into the platform, as an operator onboarding its enterprises would:
each firm is registered with an admin user and its standard data catalog, then its devices,
telemetry and business records arrive through the telemetry domain's ingestion doors
(``park_loader``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chanrong.demo.park_loader import load_park_enterprise, read_tables
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from chanrong.telemetry.store import TelemetryStore

Progress = Callable[[int, int], None]


@dataclass
class LoadedPark:
    """Organisation ids by USCC, and how much data arrived."""

    org_by_uscc: dict[str, str] = field(default_factory=dict)
    points: int = 0


def load_park(
    db: Database,
    store: TelemetryStore,
    park_dir: Path,
    *,
    password: str,
    progress: Progress | None = None,
) -> LoadedPark:
    """Onboard every firm of the park in ``park_dir``; one transaction per firm, so an
    interrupted load keeps what it did and a second run adds nothing twice."""
    tables = read_tables(park_dir)
    firms = tables["enterprises"].to_pylist()
    out = LoadedPark()
    for n, firm in enumerate(firms, start=1):
        with db.unit_of_work() as session:
            res = load_park_enterprise(session, store, park_dir, firm, tables, create_org=True)
            assert res.org_id is not None
            if res.created:
                identity.create_user(
                    session,
                    org_id=res.org_id,
                    username="admin",
                    roles=["admin"],
                    password=password,
                )
            governance.ensure_default_catalog(session, res.org_id)
        out.org_by_uscc[str(firm["uscc"])] = res.org_id
        out.points += res.points
        if progress:
            progress(n, len(firms))
    return out

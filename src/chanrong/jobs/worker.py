"""``chanrong worker``: the engine for the configured database, with every domain's jobs."""

from __future__ import annotations

import asyncio
import gc
import signal
import threading

from chanrong.core.errors import Conflict
from chanrong.core.settings import Settings
from chanrong.jobs import catalog, local
from chanrong.storage import migrate
from chanrong.storage.database import Database


def engine_name(db: Database) -> str:
    """``procrastinate`` on PostgreSQL (several workers share the work), ``local`` on SQLite."""
    return "procrastinate" if db.dialect == "postgresql" else "local"


def serve(settings: Settings, *, until_idle: bool = False) -> None:
    """Run the worker until SIGINT/SIGTERM (or, ``until_idle``, until nothing is due)."""
    db = Database(settings.effective_database_url)
    try:
        if not migrate.is_current(db.engine):
            raise Conflict(
                "database: the schema is not at the latest version; run `chanrong db upgrade`",
                field="database",
            )
        jobs = catalog.load(settings)
        # The domains' imports leave some 360,000 long-lived objects (pandas, scikit-learn,
        # LightGBM, SQLAlchemy's mappers); a full collection walks them all, a pause of a
        # tenth of a second or more that, inside a transaction, holds SQLite's write turn and
        # stalls every request waiting to write. Frozen, they are left out of collections.
        gc.collect()
        gc.freeze()
        if engine_name(db) == "procrastinate":
            from chanrong.jobs.distributed import Engine

            # procrastinate stops gracefully on SIGINT/SIGTERM: the running job finishes.
            asyncio.run(Engine(db, settings, jobs).serve(until_idle=until_idle))
            return
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # The running job finishes; the loop takes nothing new.
            signal.signal(sig, lambda *_: stop.set())
        local.serve(db, settings, jobs, stop=stop, until_idle=until_idle)
    finally:
        db.dispose()

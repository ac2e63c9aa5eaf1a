"""SQLite checkpoints run beside the commits, not inside them, and the write-ahead log stays
bounded."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from chanrong.storage.checkpoint import CHECKPOINTER, Checkpointer
from chanrong.storage.database import Database

ROW = "x" * 5000


def _write_rounds(db: Database, rounds: int, rows: int, after_round: Checkpointer | None) -> None:
    with db.unit_of_work() as s:
        s.execute(text("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)"))
    for _ in range(rounds):
        for _ in range(rows):
            with db.unit_of_work() as s:
                s.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": ROW})
        if after_round is not None:
            after_round.run_once()


def test_commits_do_not_checkpoint(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.db'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    db.engine.dispose()


def test_the_log_stays_bounded_with_the_checkpointer(tmp_path: Path) -> None:
    """About 4 MB written in 20 rounds; checkpointed after each round, the log restarts and
    never holds much more than one round. Without the checkpointer (commits no longer
    checkpoint) it would hold everything."""
    db = Database(f"sqlite:///{tmp_path / 'c.db'}")
    passes = CHECKPOINTER.passes
    _write_rounds(db, rounds=20, rows=40, after_round=CHECKPOINTER)
    wal = tmp_path / "c.db-wal"
    assert CHECKPOINTER.passes >= passes + 20
    assert wal.stat().st_size < 1_500_000
    with db.unit_of_work() as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == 800
    db.engine.dispose()


def test_without_a_pass_the_log_keeps_growing(tmp_path: Path) -> None:
    """The control for the test above: the same writes with no checkpoint pass in between."""
    idle = Checkpointer(interval_s=3600)  # never started; CHECKPOINTER's thread may still run
    db = Database(f"sqlite:///{tmp_path / 'c.db'}")
    CHECKPOINTER.unwatch(str((tmp_path / "c.db").resolve()))  # its thread may be running
    _write_rounds(db, rounds=20, rows=40, after_round=idle)
    assert (tmp_path / "c.db-wal").stat().st_size > 3_000_000
    db.engine.dispose()


def test_a_removed_database_is_not_created_again(tmp_path: Path) -> None:
    cp = Checkpointer(interval_s=3600)
    db = Database(f"sqlite:///{tmp_path / 'gone.db'}")
    cp.watch(db.engine, str((tmp_path / "gone.db").resolve()))
    _write_rounds(db, rounds=1, rows=5, after_round=None)
    db.engine.dispose()
    for f in tmp_path.glob("gone.db*"):
        f.unlink()
    cp.run_once()
    assert not (tmp_path / "gone.db").exists()

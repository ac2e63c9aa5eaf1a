"""The SQLite write queue never stops an event loop: a write there that finds the turn taken is
refused with a 503 error, and ``Database.write_turn`` waits for it while the loop runs on (the
holder's commit, which needs the loop in a request, goes through)."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from anyio import to_thread
from sqlalchemy import text

from chanrong.core.errors import ServiceUnavailable
from chanrong.storage.database import Database


def test_a_write_on_the_event_loop_waits_for_its_turn_without_blocking_the_loop(
    tmp_path: Path,
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'turn.db'}")
    with db.unit_of_work() as s:
        s.execute(text("CREATE TABLE t (n INTEGER)"))
    holder = db.sessions()
    holder.execute(text("INSERT INTO t VALUES (1)"))  # holds the turn until it commits
    order: list[str] = []

    async def scenario() -> None:
        eager = db.sessions()
        with pytest.raises(ServiceUnavailable) as refused:
            eager.execute(text("INSERT INTO t VALUES (2)"))
        assert refused.value.retry_after == 1
        eager.rollback()
        eager.close()

        async def commit_holder() -> None:
            await anyio.sleep(0)  # after write_turn has started waiting
            order.append("holder commits")
            await to_thread.run_sync(holder.commit)

        waiting = db.sessions()
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(commit_holder)
                await db.write_turn(waiting)
                order.append("turn taken")
        waiting.execute(text("INSERT INTO t VALUES (3)"))
        waiting.commit()
        waiting.close()

    anyio.run(scenario)
    holder.close()
    assert order == ["holder commits", "turn taken"]
    with db.unit_of_work() as s:
        assert s.execute(text("SELECT n FROM t ORDER BY n")).scalars().all() == [1, 3]
    db.dispose()

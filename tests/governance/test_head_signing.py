"""Tree heads are signed by the worker as entries are integrated, never by a reader.

Before, every ``GET /log/head`` after growth signed and stored a new head: a read that wrote
(taking the database's write lock under load) and a head per poll.
"""

from __future__ import annotations

import threading
import time

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chanrong.core.settings import Settings
from chanrong.governance import keys, merkle
from chanrong.governance import service as governance
from chanrong.governance.orm import SignedTreeHeadRow
from chanrong.governance.tasks import SIGN_HEAD
from chanrong.jobs import catalog, local, runner
from chanrong.storage.database import Database
from tests.builders import Park
from tests.governance.builders import sign_head_now


def _append(db: Database, n: int) -> None:
    with db.unit_of_work() as s:
        for i in range(n):
            governance.append_log(
                s, kind="test.entry", actor_org_id=None, subject=f"x:{i}", payload={"i": i}
            )


def _heads(db: Database) -> int:
    with db.unit_of_work() as s:
        return int(s.scalar(select(func.count()).select_from(SignedTreeHeadRow)) or 0)


def test_reading_the_head_writes_nothing(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    bank = park["bank"]["officer"]
    before = _heads(db)
    _append(db, 3)
    # Nothing signed the grown tree yet: the reader gets the newest signed head, not a new one.
    for _ in range(5):
        app_client.get("/log/head", headers=bank.headers)
    assert _heads(db) == before
    sign_head_now(db, settings)
    head = app_client.get("/log/head", headers=bank.headers).json()
    with db.unit_of_work() as s:
        assert head["size"] == governance.current_root(s).size
    key = keys.load_or_create(settings.var_dir).private_key.public_key()
    msg = merkle.tree_head_message(
        head["size"], bytes.fromhex(head["root_hash"]), head["timestamp_ms"]
    )
    assert keys.verify(key, msg, bytes.fromhex(head["signature"]))
    # Signing again with no growth keeps the same head.
    sign_head_now(db, settings)
    assert _heads(db) == before + 1


def test_no_head_yet_is_a_404_that_says_why(
    app_client: TestClient, park: Park, db: Database
) -> None:
    with db.unit_of_work() as s:
        assert governance.tree_heads(s) == []
    r = app_client.get("/log/head", headers=park["bank"]["officer"].headers)
    assert r.status_code == 404
    assert "worker" in r.json()["detail"]


def test_the_worker_signs_the_head_once_appends_pause(db: Database, settings: Settings) -> None:
    jobs = {SIGN_HEAD: catalog.load(settings)[SIGN_HEAD]}
    _append(db, 2)
    _append(db, 3)  # two transactions, one window: one head for both
    stop = threading.Event()
    deadline = time.monotonic() + 30
    while _heads(db) == 0 and time.monotonic() < deadline:
        runner.tick(db, settings, jobs, worker="w")
        local.run_due(db, settings, jobs, worker="w", stop=stop)
        time.sleep(0.2)
    with db.unit_of_work() as s:
        heads = governance.tree_heads(s)
        size = governance.current_root(s).size
    assert [h.size for h in heads] == [size] == [5]

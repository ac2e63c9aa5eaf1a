"""The request edge commits before answering: a failed commit is never reported as success."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.api import problems
from chanrong.core.settings import Settings
from chanrong.edge import SessionDep
from chanrong.storage.database import Database
from chanrong.storage.idempotency import IdempotencyRecord


def _record(key: str) -> IdempotencyRecord:
    return IdempotencyRecord(
        org_id="o", key=key, method="POST", path="/", request_hash="h", status_code=201, response={}
    )


def test_commit_failure_is_an_error_and_nothing_is_kept(db: Database, settings: Settings) -> None:
    app = FastAPI()
    app.state.db = db
    app.state.settings = settings
    problems.install(app)

    @app.post("/twice")
    def twice(session: Session = SessionDep) -> dict[str, bool]:
        session.add(_record("b"))
        # "a" already exists in the database but not in this session: the primary-key clash
        # surfaces only when the edge commits, after the route has returned.
        session.add(_record("a"))
        return {"ok": True}

    @app.post("/once")
    def once(session: Session = SessionDep) -> dict[str, bool]:
        session.add(_record("z"))
        return {"ok": True}

    with db.unit_of_work() as s:
        s.add(_record("a"))

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post("/twice")
        assert r.status_code == 500
        assert r.headers["content-type"] == "application/problem+json"
        assert client.post("/once").status_code == 200
    with db.unit_of_work() as s:
        keys = s.scalars(select(IdempotencyRecord.key).order_by(IdempotencyRecord.key)).all()
        assert keys == ["a", "z"]  # "b" was rolled back with the failed commit
        assert s.scalar(select(func.count()).select_from(IdempotencyRecord)) == 2

"""Shedding past capacity: requests beyond the admission limit are answered 503 with
Retry-After instead of queueing, probes still answer, and the server serves normally again
once the burst has passed."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx
from fastapi import FastAPI

from chanrong.api.app import create_app
from chanrong.core.settings import Settings
from chanrong.storage.database import Database

LIMIT = 2


def _app(tmp_path: Path, db: Database) -> tuple[FastAPI, dict[str, anyio.Event | int]]:
    """The real app with an admission limit of 2 and a route that holds until released."""
    settings = Settings(
        database_url=db.url,
        var_dir=tmp_path / "var",
        jwt_secret="test-secret-0123456789abcdef0123456789abcdef",
        api_concurrency=LIMIT,
        api_queue_seconds=0.05,
    )
    app = create_app(settings, db)
    state: dict[str, anyio.Event | int] = {"inside": 0}

    async def held() -> dict[str, bool]:
        state["inside"] = int(state["inside"]) + 1
        if int(state["inside"]) >= LIMIT:
            entered = state["all_inside"]
            assert isinstance(entered, anyio.Event)
            entered.set()
        gate = state["gate"]
        assert isinstance(gate, anyio.Event)
        await gate.wait()
        return {"ok": True}

    app.add_api_route("/test/held", held, methods=["GET"])
    return app, state


def test_past_the_limit_requests_are_shed_with_retry_after_then_served_again(
    tmp_path: Path, db: Database
) -> None:
    app, state = _app(tmp_path, db)
    results: dict[str, list[httpx.Response]] = {"held": [], "burst": [], "after": []}

    async def scenario() -> None:
        state["gate"] = anyio.Event()
        state["all_inside"] = anyio.Event()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

            async def call(kind: str, path: str) -> None:
                results[kind].append(await client.get(path))

            async with anyio.create_task_group() as holders:
                for _ in range(LIMIT):
                    holders.start_soon(call, "held", "/test/held")
                all_inside = state["all_inside"]
                assert isinstance(all_inside, anyio.Event)
                await all_inside.wait()
                # Every place taken: a burst beyond it is refused, not queued behind them (if it
                # were queued it would wait for the gate, and the test fails here instead).
                with anyio.fail_after(30):
                    async with anyio.create_task_group() as burst:
                        for _ in range(6):
                            burst.start_soon(call, "burst", "/test/held")
                # The liveness probe is never queued.
                results["after"].append(await client.get("/healthz"))
                gate = state["gate"]
                assert isinstance(gate, anyio.Event)
                gate.set()
            # After the burst: normal requests are admitted again, on their own and in parallel.
            async with anyio.create_task_group() as again:
                for _ in range(LIMIT):
                    again.start_soon(call, "after", "/test/held")
            results["after"].append(await client.get("/metrics"))

    anyio.run(scenario)
    assert [r.status_code for r in results["held"]] == [200] * LIMIT
    assert [r.status_code for r in results["burst"]] == [503] * 6
    for r in results["burst"]:
        assert r.headers["retry-after"] == "1"
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["status"] == 503
        assert r.headers["x-request-id"]  # shed inside the observer: counted and traceable
    health, *served, metrics = results["after"]
    assert health.status_code == 200
    assert [r.status_code for r in served] == [200] * LIMIT
    assert 'status="503"' in metrics.text

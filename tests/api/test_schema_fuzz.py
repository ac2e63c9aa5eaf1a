"""Schema fuzzing in the suite (bounded): every operation, as every kind of caller, answers
only what the API description declares, never a 5xx (``benchmarks/fuzz.py`` runs ≥ 10,000)."""

from __future__ import annotations

import pytest

from chanrong.api.app import create_app
from chanrong.core.settings import Settings
from chanrong.demo.schema_fuzz import fuzz, seed_callers
from chanrong.storage.database import Database


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_operation_as_every_caller_answers_as_described(
    settings: Settings, db: Database
) -> None:
    with db.unit_of_work() as s:
        callers, enterprise = seed_callers(s)
    # One generated case per operation and caller keeps every route × role in the suite at half
    # the cost of two; the benchmark runs the many-case version.
    report = fuzz(create_app(settings, db), callers, enterprise, max_examples=1)
    assert report.operations > 150
    assert report.cases > 1_500
    # The run reaches past authentication: every kind of answer occurs.
    assert {"2xx", "4xx"} <= set(report.by_status)
    failures = [f"{f.operation} as {f.caller} ({f.status}):\n{f.message}" for f in report.failures]
    assert failures == [], "\n\n".join(failures[:10])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_route_that_does_not_declare_its_refusals_fails_the_run(
    settings: Settings, db: Database
) -> None:
    # Without the declared problem responses, a refusal is an undeclared status: the check bites.
    app = create_app(settings, db)
    app.openapi_schema = None
    app.openapi = lambda: app.__class__.openapi(app)  # type: ignore[method-assign]
    with db.unit_of_work() as s:
        callers, enterprise = seed_callers(s)
    report = fuzz(
        app,
        callers[:3],
        enterprise,
        max_examples=2,
        select=lambda method, path: path == "/credit/applications",
    )
    assert any("Undocumented" in f.message for f in report.failures), report.failures

"""The operator's jobs page: each job's runs by state, its failures and lag, in both languages."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.jobs import catalog, runner
from chanrong.storage.database import Database
from tests.builders import Park
from tests.web.console import HTML, sign_in


def seed_runs(db: Database, settings: Settings) -> None:
    """One run that succeeded, one that failed (a loan that does not exist)."""
    jobs = catalog.load(settings)
    [fan, done] = runner.run_manually(
        db, settings, jobs, "carbon.monthly_assessment", period="2026-01"
    )
    assert (fan.status, done.status) == ("succeeded", "succeeded")
    [failed] = runner.run_manually(
        db, settings, jobs, "lending.watch", subject="nobank/noloan", period="2026-02-01"
    )
    assert failed.status == "failed"


def test_operator_sees_runs_failures_and_lag(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    seed_runs(db, settings)
    sign_in(app_client, park["operator"]["viewer"].key)
    r = app_client.get("/console/operator/jobs", headers=HTML)
    assert r.status_code == 200
    assert 'href="/console/operator/jobs"' in r.text  # in the operator's menu
    assert f'id="kpi-jobs">{len(catalog.load(settings))}<' in r.text
    assert 'id="kpi-failures">1<' in r.text
    assert "lending.daily_close" in r.text and "30 0 * * *" in r.text
    failures = r.text.split('id="job-failures"')[1].split("</table>")[0]
    assert "nobank/noloan" in failures and "NotFound" in failures and "失败待重试" in failures
    runs = r.text.split('id="job-runs"')[1].split("</table>")[0]
    assert "enterprise(s) graded for 2026-01" in runs
    app_client.get("/console/lang", params={"to": "en", "next": "/console/operator/jobs"})
    en = app_client.get("/console/operator/jobs", headers=HTML).text
    assert 'lang="en"' in en and "Background jobs" in en and "failed, to retry" in en


def test_other_organisations_are_refused(app_client: TestClient, park: Park) -> None:
    sign_in(app_client, park["bank"]["officer"].key)
    assert app_client.get("/console/operator/jobs", headers=HTML).status_code == 403

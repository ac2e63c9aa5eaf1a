"""Every domain's jobs, assembled: importing a domain's ``tasks.py`` declares its jobs."""

from __future__ import annotations

import importlib

from chanrong.assets import tasks as assets_tasks
from chanrong.carbon import tasks as carbon_tasks
from chanrong.core.settings import Settings
from chanrong.credit import tasks as credit_tasks
from chanrong.funds import tasks as funds_tasks
from chanrong.governance import tasks as governance_tasks
from chanrong.guarantee import tasks as guarantee_tasks
from chanrong.insurance import tasks as insurance_tasks
from chanrong.jobs import (
    housekeeping,
    pool_lines,  # noqa: F401  (connects assets' line book to lending)
)
from chanrong.jobs.registry import Job, registered
from chanrong.leasing import tasks as leasing_tasks
from chanrong.lending import tasks as lending_tasks
from chanrong.supplychain import tasks as supplychain_tasks
from chanrong.telemetry import tasks as telemetry_tasks

DOMAIN_TASKS = (
    carbon_tasks,
    credit_tasks,
    leasing_tasks,
    lending_tasks,
    telemetry_tasks,
    guarantee_tasks,
    assets_tasks,
    supplychain_tasks,
    insurance_tasks,
    governance_tasks,
    housekeeping,
    funds_tasks,
)


def _names(value: str) -> list[str]:
    return [m.strip() for m in value.split(",") if m.strip()]


def load(settings: Settings) -> dict[str, Job]:
    """Every job this deployment runs: the domains', plus those of ``CHANRONG_JOBS_MODULES``,
    narrowed to ``CHANRONG_JOBS_ENABLED`` (names, or prefixes ending in a dot) if it is set.
    Every worker sharing a database must run with the same two settings."""
    for module in _names(settings.jobs_modules):
        importlib.import_module(module)
    enabled = _names(settings.jobs_enabled)
    return {
        name: j
        for name, j in sorted(registered().items())
        if not enabled
        or any(name == e or (e.endswith(".") and name.startswith(e)) for e in enabled)
    }

"""Every domain's jobs, assembled: importing a domain's ``tasks.py`` declares its jobs."""

from __future__ import annotations

import importlib

from chanrong.carbon import tasks as carbon_tasks
from chanrong.core.settings import Settings
from chanrong.credit import tasks as credit_tasks
from chanrong.jobs.registry import Job, registered
from chanrong.leasing import tasks as leasing_tasks
from chanrong.lending import tasks as lending_tasks
from chanrong.telemetry import tasks as telemetry_tasks

DOMAIN_TASKS = (carbon_tasks, credit_tasks, leasing_tasks, lending_tasks, telemetry_tasks)


def load(settings: Settings) -> dict[str, Job]:
    """Every job the worker runs: the domains', plus those of ``CHANRONG_JOBS_MODULES``."""
    for module in filter(None, (m.strip() for m in settings.jobs_modules.split(","))):
        importlib.import_module(module)
    return dict(sorted(registered().items()))

"""The worker: every domain's recurring and event-driven jobs, run once per period and subject.

Domains declare jobs in their ``tasks.py`` with ``chanrong.jobs.registry.job`` and hand work
over with ``chanrong.jobs.queue`` (``publish``, ``enqueue``); ``catalog`` assembles them;
``runner`` and ``runs`` keep the exactly-once record; ``distributed`` (procrastinate, on
PostgreSQL) and ``local`` (one loop, on SQLite) are the engines; ``cli`` and ``service``
show it to the operator.
"""

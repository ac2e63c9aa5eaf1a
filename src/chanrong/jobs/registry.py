"""How a domain declares its jobs for the worker (imported by each ``<domain>/tasks.py``).

A job does one subject's work for one period: ``run(ctx)`` gets an open session (the runner
commits it, together with the record that the run is done, or rolls both back) and returns
a one-line summary. A periodic job names a cron schedule (Asia/Shanghai) and, for fan-out, a
function that finds the subjects due in a period: the worker then records and runs one small
job per subject, so each is retried alone. An event-driven job names the topics that trigger
it (``chanrong.jobs.queue.publish``), with a debounce.

Pure declarations: this module imports no engine, no database driver and no domain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from croniter import croniter

from chanrong.core.clock import SHANGHAI, month_start, shanghai_date
from chanrong.core.errors import ValidationFailed

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from chanrong.core.settings import Settings

# The subject of a job that has one run per period (the whole park, the whole book).
WHOLE = "-"
# The subject under which a periodic job's fan-out for a period is itself recorded.
FAN_OUT = "*"


class Cadence(StrEnum):
    """What a period is: a Shanghai calendar day, a month, or one debounce window."""

    DAILY = "daily"
    MONTHLY = "monthly"
    EVENT = "event"


@dataclass
class JobContext:
    """What a job's ``run`` is given: one subject, one period, one open unit of work."""

    session: Session
    settings: Settings
    job: str
    period: str
    subject: str
    attempt: int
    now: datetime

    @property
    def day(self) -> date:
        """The period as a day (daily jobs)."""
        return parse_period(Cadence.DAILY, self.period)

    @property
    def month(self) -> date:
        """The period's month as its first day (monthly jobs)."""
        return parse_period(Cadence.MONTHLY, self.period)

    @property
    def today(self) -> date:
        """The Shanghai calendar day the run happens on."""
        return shanghai_date(self.now)


JobFn = Callable[[JobContext], str | None]
SubjectsFn = Callable[["Session", "Settings", str], Iterable[str]]


@dataclass(frozen=True, slots=True)
class Job:
    """One kind of recurring or triggered work, as the worker sees it."""

    name: str
    run: JobFn
    summary: str
    cadence: Cadence
    cron: str | None = None  # when the period's work becomes due (Asia/Shanghai)
    offset: int = -1  # which period a firing covers: -1 the day/month just ended, 0 the current
    subjects: SubjectsFn | None = None  # fan-out: the subjects due in a period
    triggers: tuple[str, ...] = ()  # topics that enqueue it (or none: another job enqueues it)
    debounce: timedelta = timedelta(0)  # events within this of each other make one run
    max_wait: timedelta = timedelta(minutes=10)  # …but a steady stream still runs this often
    max_attempts: int = 5
    lease: timedelta = timedelta(minutes=5)  # a run silent this long is taken as dead
    retry_base: timedelta = timedelta(seconds=30)

    @property
    def periodic(self) -> bool:
        return self.cron is not None

    def backoff(self, attempts: int) -> timedelta:
        """How long after its ``attempts``-th failure a run is tried again (doubling, ≤ 1 h)."""
        wait: timedelta = self.retry_base * (2 ** max(attempts - 1, 0))
        return min(wait, timedelta(hours=1))

    def last_firing(self, now: datetime) -> datetime | None:
        """The latest scheduled time at or before ``now`` (None for event-driven jobs)."""
        if self.cron is None:
            return None
        local = now.astimezone(SHANGHAI)
        # croniter's get_prev is strictly before its start: step a second on to include now.
        it = croniter(self.cron, local + timedelta(seconds=1))
        prev: datetime = it.get_prev(datetime)
        return prev

    def period_of(self, fired: datetime) -> str:
        """The period a firing at ``fired`` covers (see ``offset``)."""
        day = shanghai_date(fired)
        if self.cadence is Cadence.DAILY:
            return (day + timedelta(days=self.offset)).isoformat()
        if self.cadence is Cadence.MONTHLY:
            return month_start(day, self.offset).strftime("%Y-%m")
        raise ValidationFailed(f"job: {self.name} is event-driven, it has no schedule", field="job")


def parse_period(cadence: Cadence, value: str) -> date:
    """A period key as a date (a daily key is YYYY-MM-DD, a monthly one YYYY-MM)."""
    try:
        if cadence is Cadence.DAILY:
            return date.fromisoformat(value)
        if cadence is Cadence.MONTHLY:
            return date.fromisoformat(f"{value}-01")
    except ValueError:
        pass
    shape = {Cadence.DAILY: "YYYY-MM-DD", Cadence.MONTHLY: "YYYY-MM"}.get(cadence, "a window")
    raise ValidationFailed(f"period: {value!r} is not a {cadence} period ({shape})", field="period")


_REGISTRY: dict[str, Job] = {}


def job(
    name: str,
    *,
    cadence: Cadence,
    cron: str | None = None,
    offset: int = -1,
    subjects: SubjectsFn | None = None,
    triggers: Iterable[str] = (),
    debounce: timedelta = timedelta(0),
    max_wait: timedelta = timedelta(minutes=10),
    max_attempts: int = 5,
    lease: timedelta = timedelta(minutes=5),
    retry_base: timedelta = timedelta(seconds=30),
) -> Callable[[JobFn], JobFn]:
    """Declare the decorated function as the job ``name`` (``<domain>.<what>``)."""
    if cron is not None and not croniter.is_valid(cron):
        raise ValueError(f"job {name}: {cron!r} is not a cron expression")
    if (cron is None) == (cadence is not Cadence.EVENT):
        raise ValueError(f"job {name}: a periodic job has a cron, an event job has none")

    def register(fn: JobFn) -> JobFn:
        doc = (fn.__doc__ or name).strip().splitlines()[0]
        spec = Job(
            name=name,
            run=fn,
            summary=doc,
            cadence=cadence,
            cron=cron,
            offset=offset,
            subjects=subjects,
            triggers=tuple(triggers),
            debounce=debounce,
            max_wait=max_wait,
            max_attempts=max_attempts,
            lease=lease,
            retry_base=retry_base,
        )
        known = _REGISTRY.get(name)
        # Re-importing the same module (a test's reload) re-registers the same function.
        if known is not None and known.run.__qualname__ != fn.__qualname__:
            raise ValueError(f"job {name} is declared twice")
        _REGISTRY[name] = spec
        return fn

    return register


def registered() -> dict[str, Job]:
    """Every job declared so far (``chanrong.jobs.catalog.load`` imports the domains' tasks)."""
    return dict(_REGISTRY)


def subscribers(topic: str) -> list[Job]:
    """The event jobs a topic triggers."""
    return [j for j in _REGISTRY.values() if topic in j.triggers]


def describe(j: Job) -> dict[str, Any]:
    """A job as plain data (for ``chanrong jobs list`` and the console)."""
    return {
        "name": j.name,
        "summary": j.summary,
        "cadence": j.cadence.value,
        "cron": j.cron,
        "fan_out": j.subjects is not None,
        "triggers": list(j.triggers),
        "debounce_s": int(j.debounce.total_seconds()),
        "max_attempts": j.max_attempts,
    }

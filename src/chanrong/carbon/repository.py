"""Every carbon query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session

from chanrong.carbon.orm import CarbonAssessment
from chanrong.storage.statements import connection, table_of

_ASSESSMENTS = table_of(CarbonAssessment)
# Read by every credit decision (green pricing): a Core statement built once.
_LATEST_GRADE = (
    select(_ASSESSMENTS.c.grade)
    .where(_ASSESSMENTS.c.org_id == bindparam("org"))
    .order_by(_ASSESSMENTS.c.period.desc())
    .limit(1)
)


class CarbonRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def replace_period(self, period: date, rows: Sequence[CarbonAssessment]) -> None:
        """A period is reassessed as a whole (new factors or late bills): old codes go."""
        self.session.execute(delete(CarbonAssessment).where(CarbonAssessment.period == period))
        self.session.add_all(rows)
        self.session.flush()

    def of_org(self, org_id: str) -> Sequence[CarbonAssessment]:
        return self.session.scalars(
            select(CarbonAssessment)
            .where(CarbonAssessment.org_id == org_id)
            .order_by(CarbonAssessment.period)
        ).all()

    def latest_grade(self, org_id: str) -> int | None:
        grade = connection(self.session).execute(_LATEST_GRADE, {"org": org_id}).scalar()
        return None if grade is None else int(grade)

    def grade_counts(self, period: date, scope: str | None = None) -> dict[int, int]:
        stmt = (
            select(CarbonAssessment.grade, func.count())
            .where(CarbonAssessment.period == period)
            .group_by(CarbonAssessment.grade)
        )
        if scope:
            stmt = stmt.where(CarbonAssessment.benchmark_scope == scope)
        return {int(g): int(n) for g, n in self.session.execute(stmt).all()}

    def periods(self) -> list[date]:
        return list(
            self.session.scalars(
                select(CarbonAssessment.period).distinct().order_by(CarbonAssessment.period)
            )
        )

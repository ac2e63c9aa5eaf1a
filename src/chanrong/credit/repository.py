"""Every credit query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from chanrong.credit.orm import Application, DefaultEvent, ProfileSnapshot
from chanrong.storage.bulk import insert_rows

# Built once: every decision runs these, and building a statement cost more than running it.
_LATEST = (
    select(ProfileSnapshot)
    .where(ProfileSnapshot.org_id == bindparam("org"))
    .order_by(ProfileSnapshot.as_of.desc(), ProfileSnapshot.created_at.desc())
    .limit(1)
)
_LATEST_AS_OF = _LATEST.where(ProfileSnapshot.as_of <= bindparam("as_of"))
_LAST_DEFAULT = select(func.max(DefaultEvent.occurred_on)).where(
    DefaultEvent.org_id == bindparam("org"), DefaultEvent.occurred_on <= bindparam("as_of")
)


class CreditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: ProfileSnapshot | Application) -> None:
        self.session.add(obj)
        self.session.flush()

    def insert_decided(self, app: Application) -> None:
        """Insert a just-decided application past the unit of work: it is written once, inside
        the database's write lock, and the flush cost more than the insert."""
        insert_rows(self.session, [app])

    def latest_profile(self, org_id: str, as_of: date | None = None) -> ProfileSnapshot | None:
        """The newest snapshot dated on or before ``as_of`` (any date when None)."""
        if as_of is None:
            return self.session.scalars(_LATEST, {"org": org_id}).first()
        return self.session.scalars(_LATEST_AS_OF, {"org": org_id, "as_of": as_of}).first()

    def add_default(self, event: DefaultEvent) -> bool:
        """Store a default event unless the same (source, reference, day) is already there."""
        exists = self.session.scalars(
            select(DefaultEvent.id).where(
                DefaultEvent.source == event.source,
                DefaultEvent.reference == event.reference,
                DefaultEvent.occurred_on == event.occurred_on,
            )
        ).first()
        if exists is not None:
            return False
        self.session.add(event)
        self.session.flush()
        return True

    def last_default_on(self, org_id: str, as_of: date) -> date | None:
        """The latest default on or before ``as_of``."""
        return self.session.scalar(_LAST_DEFAULT, {"org": org_id, "as_of": as_of})

    def application(self, app_id: str) -> Application | None:
        return self.session.get(Application, app_id)

    def applications(
        self,
        *,
        bank_org_id: str | None = None,
        enterprise_org_id: str | None = None,
        status: str | None = None,
    ) -> Sequence[Application]:
        q = select(Application)
        if bank_org_id is not None:
            q = q.where(Application.bank_org_id == bank_org_id)
        if enterprise_org_id is not None:
            q = q.where(Application.enterprise_org_id == enterprise_org_id)
        if status is not None:
            q = q.where(Application.status == status)
        return self.session.scalars(q.order_by(Application.created_at.desc())).all()

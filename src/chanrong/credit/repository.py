"""Every credit query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session, defer

from chanrong.credit.orm import Application, DefaultEvent, ModelMonitoring, ProfileSnapshot
from chanrong.storage.bulk import insert_rows
from chanrong.storage.statements import AnyRow, connection, table_of

_LATEST = (
    select(ProfileSnapshot)
    .where(ProfileSnapshot.org_id == bindparam("org"))
    .order_by(ProfileSnapshot.as_of.desc(), ProfileSnapshot.created_at.desc())
    .limit(1)
)

_PROFILES, _DEFAULTS = table_of(ProfileSnapshot), table_of(DefaultEvent)
# What a decision reads of an enterprise in one Core statement built once (every decision runs
# it; building it, and the ORM's execution around it, cost more than SQLite took to answer):
# the newest profile on or before the date, and the latest default recorded by then.
_EVIDENCE = (
    select(
        _PROFILES.c.id,
        _PROFILES.c.as_of,
        _PROFILES.c.features,
        _PROFILES.c.revenue_12m_fen,
        _PROFILES.c.open_orders_fen,
        _PROFILES.c.receivables_fen,
        _PROFILES.c.last_default_on,
        select(func.max(_DEFAULTS.c.occurred_on))
        .where(
            _DEFAULTS.c.org_id == _PROFILES.c.org_id,
            _DEFAULTS.c.occurred_on <= bindparam("as_of"),
        )
        .scalar_subquery()
        .label("recorded_default_on"),
    )
    .where(_PROFILES.c.org_id == bindparam("org"), _PROFILES.c.as_of <= bindparam("as_of"))
    .order_by(_PROFILES.c.as_of.desc(), _PROFILES.c.created_at.desc())
    .limit(1)
)


# The columns of an application a list shows (not its inputs: every feature it read).
PAGE_COLUMNS = (
    "id",
    "enterprise_org_id",
    "bank_org_id",
    "product_code",
    "as_of",
    "outcome",
    "status",
    "knockouts",
    "grade",
    "score",
    "pd",
    "limit_fen",
    "rate_pct",
    "carbon_grade",
    "green_adjust_bp",
    "requested_fen",
    "term_months",
    "reasons",
    "model_ref",
    "model_manifest_sha256",
    "inputs_sha256",
    "log_index",
    "log_leaf_hash",
    "officer_note",
    "officer_log_index",
    "review_inputs_sha256",
    "decided_at",
    "created_at",
)

_PAGES: dict[tuple[bool, bool, bool, bool], Select[Any]] = {}


def _page_statement(bank: bool, enterprise: bool, status: bool, limited: bool) -> Select[Any]:
    """The page query for one combination of filters, built once: building it per call (28
    columns, the filters) cost more than running it."""
    q = select(*(getattr(Application, c) for c in PAGE_COLUMNS))
    if bank:
        q = q.where(Application.bank_org_id == bindparam("bank"))
    if enterprise:
        q = q.where(Application.enterprise_org_id == bindparam("enterprise"))
    if status:
        q = q.where(Application.status == bindparam("status"))
    q = q.order_by(Application.created_at.desc(), Application.id.desc())
    return (q.limit(bindparam("limit")) if limited else q).offset(bindparam("offset"))


class CreditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: ProfileSnapshot | Application | ModelMonitoring) -> None:
        self.session.add(obj)
        self.session.flush()

    def insert_decided(self, app: Application) -> None:
        """Insert a just-decided application past the unit of work: it is written once, inside
        the database's write lock, and the flush cost more than the insert."""
        insert_rows(self.session, [app])

    def latest_profile(self, org_id: str) -> ProfileSnapshot | None:
        """The newest snapshot."""
        return self.session.scalars(_LATEST, {"org": org_id}).first()

    def decision_evidence(self, org_id: str, as_of: date) -> AnyRow | None:
        """The newest profile dated on or before ``as_of`` with the latest recorded default
        by then, or None without a profile. Columns: id, as_of, features, revenue_12m_fen,
        open_orders_fen, receivables_fen, last_default_on (as the profile reported it),
        recorded_default_on (from default events)."""
        return (
            connection(self.session)
            .execute(_EVIDENCE, {"org": org_id, "as_of": as_of})
            .one_or_none()
        )

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

    def applications_by_ids(self, ids: Sequence[str]) -> list[Application]:
        """The applications with these ids (those that exist), read in chunks."""
        out: list[Application] = []
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            out.extend(self.session.scalars(select(Application).where(Application.id.in_(chunk))))
        return out

    def default_dates(self, org_ids: set[str]) -> dict[str, list[date]]:
        """Every default on record of these enterprises, by enterprise, ascending."""
        out: dict[str, list[date]] = {}
        ids = sorted(org_ids)
        for i in range(0, len(ids), 500):
            q = (
                select(DefaultEvent.org_id, DefaultEvent.occurred_on)
                .where(DefaultEvent.org_id.in_(ids[i : i + 500]))
                .order_by(DefaultEvent.occurred_on)
            )
            for org, day in self.session.execute(q):
                out.setdefault(org, []).append(day)
        return out

    def application(self, app_id: str) -> Application | None:
        return self.session.get(Application, app_id)

    def applications(
        self,
        *,
        bank_org_id: str | None = None,
        enterprise_org_id: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> Sequence[Application]:
        """Applications newest first (a page of them with ``limit`` and ``offset``).

        The decision's inputs (every feature it read, the largest column) are left unread
        until asked for: a list shows outcomes and reasons, and parsing a page's inputs was a
        third of the list's CPU."""
        q = select(Application).options(defer(Application.inputs), defer(Application.review_inputs))
        if bank_org_id is not None:
            q = q.where(Application.bank_org_id == bank_org_id)
        if enterprise_org_id is not None:
            q = q.where(Application.enterprise_org_id == enterprise_org_id)
        if status is not None:
            q = q.where(Application.status == status)
        q = q.order_by(Application.created_at.desc(), Application.id.desc()).offset(offset)
        return self.session.scalars(q.limit(limit) if limit is not None else q).all()

    def application_page(
        self,
        *,
        bank_org_id: str | None = None,
        enterprise_org_id: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> Sequence[AnyRow]:
        """What a list of applications shows, as plain rows in the order and page of
        ``applications`` (its columns: ``PAGE_COLUMNS``). A page of ORM objects spent most of
        the list's CPU building and reading instances that are only turned into JSON."""
        key = (
            bank_org_id is not None,
            enterprise_org_id is not None,
            status is not None,
            limit is not None,
        )
        stmt = _PAGES.get(key)
        if stmt is None:
            stmt = _PAGES[key] = _page_statement(*key)
        params = {
            "bank": bank_org_id,
            "enterprise": enterprise_org_id,
            "status": status,
            "limit": limit,
            "offset": offset,
        }
        return connection(self.session).execute(stmt, params).all()

    def scored_by(self, model_ref: str, first: date, last: date) -> Sequence[AnyRow]:
        """Applications dated in [first, last] that ``model_ref`` scored, as champion or in the
        shadow: model_ref, score, shadow_model_ref, shadow_score, inputs."""
        q = select(
            Application.model_ref,
            Application.score,
            Application.shadow_model_ref,
            Application.shadow_score,
            Application.inputs,
        ).where(
            or_(Application.model_ref == model_ref, Application.shadow_model_ref == model_ref),
            Application.as_of >= first,
            Application.as_of <= last,
        )
        return self.session.execute(q).all()

    def shadowed(self, bank_org_id: str, limit: int) -> Sequence[Application]:
        """A bank's newest decisions that a challenger shadow-scored."""
        q = (
            select(Application)
            .where(Application.bank_org_id == bank_org_id, Application.shadow_pd.is_not(None))
            .order_by(Application.created_at.desc())
            .limit(limit)
        )
        return self.session.scalars(q).all()

    def monitoring(self, model_ref: str, as_of: date) -> ModelMonitoring | None:
        return self.session.scalars(
            select(ModelMonitoring).where(
                ModelMonitoring.model_ref == model_ref, ModelMonitoring.as_of == as_of
            )
        ).first()

    def monitoring_history(self, model_ref: str | None = None) -> Sequence[ModelMonitoring]:
        """Stored monitoring figures (of one model), oldest first."""
        q = select(ModelMonitoring)
        if model_ref is not None:
            q = q.where(ModelMonitoring.model_ref == model_ref)
        return self.session.scalars(
            q.order_by(ModelMonitoring.as_of, ModelMonitoring.model_ref)
        ).all()

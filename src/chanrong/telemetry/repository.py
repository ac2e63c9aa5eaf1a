"""Every telemetry SQL query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chanrong.telemetry.orm import (
    RECORD_TABLES,
    Device,
    IngestBatch,
    Invoice,
    MetricSetting,
    Payment,
    QualityScore,
)


class TelemetryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: object) -> None:
        self.session.add(obj)
        self.session.flush()

    # devices and metrics
    def device(self, org_id: str, device_id: str) -> Device | None:
        return self.session.scalars(
            select(Device).where(Device.org_id == org_id, Device.device_id == device_id)
        ).one_or_none()

    def devices(self, org_id: str) -> Sequence[Device]:
        return self.session.scalars(
            select(Device).where(Device.org_id == org_id).order_by(Device.device_id)
        ).all()

    def metric_setting(self, org_id: str, metric: str) -> MetricSetting | None:
        return self.session.scalars(
            select(MetricSetting).where(
                MetricSetting.org_id == org_id, MetricSetting.metric == metric
            )
        ).one_or_none()

    def metric_settings(self, org_id: str) -> Sequence[MetricSetting]:
        return self.session.scalars(
            select(MetricSetting)
            .where(MetricSetting.org_id == org_id)
            .order_by(MetricSetting.metric)
        ).all()

    # batches
    def batch(self, org_id: str, batch_id: str) -> IngestBatch | None:
        return self.session.scalars(
            select(IngestBatch).where(IngestBatch.org_id == org_id, IngestBatch.id == batch_id)
        ).one_or_none()

    def has_accepted_batch(self, org_id: str) -> bool:
        """Whether any batch for the enterprise had a row accepted."""
        found = self.session.scalars(
            select(IngestBatch.id)
            .where(IngestBatch.org_id == org_id, IngestBatch.rows_accepted > 0)
            .limit(1)
        ).first()
        return found is not None

    def batches(self, org_id: str, limit: int = 100) -> Sequence[IngestBatch]:
        return self.session.scalars(
            select(IngestBatch)
            .where(IngestBatch.org_id == org_id)
            .order_by(IngestBatch.created_at.desc(), IngestBatch.id.desc())
            .limit(limit)
        ).all()

    # business records
    def records_by_key(self, kind: str, org_id: str, keys: Sequence[Any]) -> dict[Any, Any]:
        table = RECORD_TABLES[kind]
        key_col = getattr(table, _KEYS[kind])
        found: dict[Any, Any] = {}
        for i in range(0, len(keys), 500):
            chunk = list(keys[i : i + 500])
            for rec in self.session.scalars(
                select(table).where(table.org_id == org_id, key_col.in_(chunk))
            ):
                found[getattr(rec, _KEYS[kind])] = rec
        return found

    def records(
        self, kind: str, org_id: str | None, *, start: date | None = None, end: date | None = None
    ) -> Sequence[Any]:
        """Records of one kind dated in [start, end): one organisation's, or (None) all."""
        table = RECORD_TABLES[kind]
        date_col = getattr(table, _DATES[kind])
        stmt = select(table)
        if org_id is not None:
            stmt = stmt.where(table.org_id == org_id)
        if start:
            stmt = stmt.where(date_col >= start)
        if end:
            stmt = stmt.where(date_col < end)
        return self.session.scalars(stmt.order_by(date_col, table.id)).all()

    def records_of(self, kind: str, org_ids: Sequence[str]) -> list[Any]:
        """Every record of one kind of these organisations (one query per 500 of them)."""
        table = RECORD_TABLES[kind]
        date_col = getattr(table, _DATES[kind])
        out: list[Any] = []
        for i in range(0, len(org_ids), 500):
            stmt = select(table).where(table.org_id.in_(list(org_ids[i : i + 500])))
            out.extend(self.session.scalars(stmt.order_by(date_col, table.id)))
        return out

    def payables(
        self, uscc: str, *, due_from: date, before: date
    ) -> list[tuple[date, int, list[tuple[date, int]]]]:
        """The invoices other platform enterprises issued the one with ``uscc``, due in
        [due_from, before), each as (due date, amount in fen, [(paid date, amount)] of its
        payments made before ``before``), by due date."""
        invoices = self.session.execute(
            select(Invoice.org_id, Invoice.invoice_id, Invoice.due_date, Invoice.amount_fen)
            .where(
                Invoice.buyer_uscc == uscc,
                Invoice.due_date >= due_from,
                Invoice.due_date < before,
            )
            .order_by(Invoice.due_date, Invoice.id)
        ).all()
        paid: dict[tuple[str, str], list[tuple[date, int]]] = {}
        for org_id, invoice_id, paid_date, amount in self.session.execute(
            select(Payment.org_id, Payment.invoice_id, Payment.paid_date, Payment.amount_fen)
            .where(Payment.payer_uscc == uscc, Payment.paid_date < before)
            .order_by(Payment.paid_date, Payment.id)
        ):
            paid.setdefault((org_id, invoice_id), []).append((paid_date, int(amount)))
        return [
            (due, int(amount), paid.get((org_id, invoice_id), []))
            for org_id, invoice_id, due, amount in invoices
        ]

    # quality
    def replace_scores(self, org_id: str, day: date, scores: Sequence[QualityScore]) -> None:
        self.session.execute(
            delete(QualityScore).where(QualityScore.org_id == org_id, QualityScore.day == day)
        )
        self.session.add_all(scores)
        self.session.flush()

    def scores(
        self,
        org_id: str,
        *,
        start: date | None = None,
        end: date | None = None,
        scope: str | None = None,
    ) -> Sequence[QualityScore]:
        stmt = select(QualityScore).where(QualityScore.org_id == org_id)
        if start:
            stmt = stmt.where(QualityScore.day >= start)
        if end:
            stmt = stmt.where(QualityScore.day < end)
        if scope:
            stmt = stmt.where(QualityScore.scope == scope)
        return self.session.scalars(
            stmt.order_by(QualityScore.day, QualityScore.scope, QualityScore.subject)
        ).all()


_KEYS = {
    "orders": "order_id",
    "invoices": "invoice_id",
    "receivables": "receivable_id",
    "payments": "payment_id",
    "outgoing_payments": "payment_id",
    "energy_bills": "month",
    "cloud_usage": "day",
    "claims": "claim_id",
    "stock_movements": "movement_id",
}
_DATES = {
    "orders": "order_date",
    "invoices": "issue_date",
    "receivables": "due_date",
    "payments": "paid_date",
    "outgoing_payments": "paid_date",
    "energy_bills": "month",
    "cloud_usage": "day",
    "claims": "loss_date",
    "stock_movements": "moved_on",
}

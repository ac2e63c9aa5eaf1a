"""Every insurance query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from chanrong.insurance.orm import (
    DeviceSite,
    InsuranceQuote,
    JournalLine,
    Policy,
    PremiumInstalment,
    PremiumPayment,
    PricingModel,
    Rating,
    SafetyAlert,
    SafetyProfileRow,
)


class InsuranceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    def quotes_of(self, org_id: str) -> Sequence[InsuranceQuote]:
        """Quotes an organisation issued (insurer) or received (enterprise)."""
        return self.session.scalars(
            select(InsuranceQuote)
            .where(or_(InsuranceQuote.insurer_org_id == org_id, InsuranceQuote.org_id == org_id))
            .order_by(InsuranceQuote.created_at)
        ).all()

    def quote(self, quote_id: str) -> InsuranceQuote | None:
        return self.session.get(InsuranceQuote, quote_id)

    def policy(self, policy_id: str) -> Policy | None:
        return self.session.get(Policy, policy_id)

    def policy_of_quote(self, quote_id: str) -> Policy | None:
        return self.session.scalars(select(Policy).where(Policy.quote_id == quote_id)).first()

    def policies_of(self, org_id: str) -> Sequence[Policy]:
        """Policies an organisation wrote (insurer) or holds (enterprise)."""
        return self.session.scalars(
            select(Policy)
            .where(or_(Policy.insurer_org_id == org_id, Policy.org_id == org_id))
            .order_by(Policy.bound_at)
        ).all()

    def insured_orgs(self) -> Sequence[str]:
        """Every enterprise holding a policy or a quote (whose safety is watched)."""
        a = set(self.session.scalars(select(Policy.org_id).distinct()).all())
        b = set(self.session.scalars(select(InsuranceQuote.org_id).distinct()).all())
        return sorted(a | b)

    def instalments(self, policy_id: str) -> Sequence[PremiumInstalment]:
        return self.session.scalars(
            select(PremiumInstalment)
            .where(PremiumInstalment.policy_id == policy_id)
            .order_by(PremiumInstalment.seq)
        ).all()

    def payments(self, policy_id: str) -> Sequence[PremiumPayment]:
        return self.session.scalars(
            select(PremiumPayment)
            .where(PremiumPayment.policy_id == policy_id)
            .order_by(PremiumPayment.paid_on, PremiumPayment.created_at)
        ).all()

    def payment_by_reference(self, policy_id: str, reference: str) -> PremiumPayment | None:
        return self.session.scalars(
            select(PremiumPayment).where(
                PremiumPayment.policy_id == policy_id, PremiumPayment.reference == reference
            )
        ).first()

    def balance(self, policy_id: str, account: str) -> int:
        """An account's debit balance over the policy's postings (credit balances negative)."""
        total = self.session.scalar(
            select(func.sum(JournalLine.debit_fen - JournalLine.credit_fen)).where(
                JournalLine.policy_id == policy_id, JournalLine.account == account
            )
        )
        return int(total or 0)

    def policies_in_state(self, state: str, insurer_org_id: str | None = None) -> Sequence[Policy]:
        stmt = select(Policy).where(Policy.state == state)
        if insurer_org_id is not None:
            stmt = stmt.where(Policy.insurer_org_id == insurer_org_id)
        return self.session.scalars(stmt.order_by(Policy.id)).all()

    def ratings(self, policy_id: str) -> Sequence[Rating]:
        return self.session.scalars(
            select(Rating).where(Rating.policy_id == policy_id).order_by(Rating.created_at)
        ).all()

    def journal(self, policy_id: str) -> Sequence[JournalLine]:
        return self.session.scalars(
            select(JournalLine)
            .where(JournalLine.policy_id == policy_id)
            .order_by(JournalLine.created_at, JournalLine.id)
        ).all()

    def latest_model(self, insurer_org_id: str) -> PricingModel | None:
        return self.session.scalars(
            select(PricingModel)
            .where(PricingModel.insurer_org_id == insurer_org_id)
            .order_by(PricingModel.version.desc())
        ).first()

    def models(self, insurer_org_id: str) -> Sequence[PricingModel]:
        return self.session.scalars(
            select(PricingModel)
            .where(PricingModel.insurer_org_id == insurer_org_id)
            .order_by(PricingModel.version.desc())
        ).all()

    def next_model_version(self, insurer_org_id: str) -> int:
        top = self.session.scalar(
            select(func.max(PricingModel.version)).where(
                PricingModel.insurer_org_id == insurer_org_id
            )
        )
        return int(top or 0) + 1

    def replace_profile(
        self, row: SafetyProfileRow, alerts: list[SafetyAlert], sites: list[SafetyProfileRow]
    ) -> None:
        """The day's profile (whole and per site) and alerts of an enterprise, replacing an
        earlier run's."""
        self.session.execute(
            delete(SafetyAlert).where(SafetyAlert.org_id == row.org_id, SafetyAlert.day == row.day)
        )
        self.session.execute(
            delete(SafetyProfileRow).where(
                SafetyProfileRow.org_id == row.org_id, SafetyProfileRow.day == row.day
            )
        )
        self.session.add(row)
        self.session.add_all(sites)
        self.session.add_all(alerts)
        self.session.flush()

    def latest_profile(self, org_id: str) -> SafetyProfileRow | None:
        """The enterprise's latest whole profile (site "")."""
        return self.session.scalars(
            select(SafetyProfileRow)
            .where(SafetyProfileRow.org_id == org_id, SafetyProfileRow.site == "")
            .order_by(SafetyProfileRow.day.desc())
        ).first()

    def site_profiles(self, org_id: str, day: date) -> Sequence[SafetyProfileRow]:
        """The enterprise's per-site profiles of one day (none if it has no sites)."""
        return self.session.scalars(
            select(SafetyProfileRow)
            .where(
                SafetyProfileRow.org_id == org_id,
                SafetyProfileRow.day == day,
                SafetyProfileRow.site != "",
            )
            .order_by(SafetyProfileRow.site)
        ).all()

    def device_sites(self, org_id: str) -> dict[str, str]:
        """Device id -> site, for the devices the enterprise has placed."""
        rows = self.session.scalars(select(DeviceSite).where(DeviceSite.org_id == org_id))
        return {r.device_id: r.site for r in rows}

    def device_site(self, org_id: str, device_id: str) -> DeviceSite | None:
        return self.session.scalars(
            select(DeviceSite).where(DeviceSite.org_id == org_id, DeviceSite.device_id == device_id)
        ).first()

    def alerts(self, org_id: str, since: date | None = None) -> Sequence[SafetyAlert]:
        stmt = select(SafetyAlert).where(SafetyAlert.org_id == org_id)
        if since is not None:
            stmt = stmt.where(SafetyAlert.day >= since)
        return self.session.scalars(
            stmt.order_by(SafetyAlert.day.desc(), SafetyAlert.severity, SafetyAlert.code)
        ).all()

    def alert(self, alert_id: str) -> SafetyAlert | None:
        return self.session.get(SafetyAlert, alert_id)

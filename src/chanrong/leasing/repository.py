"""Every leasing query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chanrong.leasing.orm import (
    DeviceCommand,
    LeaseAsset,
    LeaseBill,
    LeaseContract,
    LeaseJournalEntry,
    LeaseJournalLine,
    LeaseParty,
    LeasePayment,
)


class LeasingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        obj: LeaseContract
        | LeaseBill
        | LeasePayment
        | DeviceCommand
        | LeaseAsset
        | LeaseParty
        | LeaseJournalEntry
        | LeaseJournalLine,
    ) -> None:
        self.session.add(obj)
        self.session.flush()

    def contract(self, contract_id: str) -> LeaseContract | None:
        return self.session.get(LeaseContract, contract_id)

    def contracts_for(self, org_id: str) -> Sequence[LeaseContract]:
        """Contracts where the organisation is lessor, lessee or a named party."""
        as_party = select(LeaseParty.contract_id).where(LeaseParty.org_id == org_id)
        return self.session.scalars(
            select(LeaseContract)
            .where(
                or_(
                    LeaseContract.lessor_org_id == org_id,
                    LeaseContract.lessee_org_id == org_id,
                    LeaseContract.id.in_(as_party),
                )
            )
            .order_by(LeaseContract.created_at)
        ).all()

    def contracts_of_lessor(self, org_id: str) -> Sequence[LeaseContract]:
        return self.session.scalars(
            select(LeaseContract).where(LeaseContract.lessor_org_id == org_id)
        ).all()

    def bill(self, bill_id: str) -> LeaseBill | None:
        return self.session.get(LeaseBill, bill_id)

    def bill_for(self, contract_id: str, period: date) -> LeaseBill | None:
        return self.session.scalars(
            select(LeaseBill).where(
                LeaseBill.contract_id == contract_id, LeaseBill.period == period
            )
        ).one_or_none()

    def bills(self, contract_id: str) -> Sequence[LeaseBill]:
        return self.session.scalars(
            select(LeaseBill).where(LeaseBill.contract_id == contract_id).order_by(LeaseBill.period)
        ).all()

    def commands(self, contract_id: str) -> Sequence[DeviceCommand]:
        return self.session.scalars(
            select(DeviceCommand)
            .where(DeviceCommand.contract_id == contract_id)
            .order_by(DeviceCommand.sent_at)
        ).all()

    def asset(self, lessee_org_id: str, device_id: str) -> LeaseAsset | None:
        return self.session.scalars(
            select(LeaseAsset).where(
                LeaseAsset.lessee_org_id == lessee_org_id, LeaseAsset.device_id == device_id
            )
        ).one_or_none()

    def assets_for(self, org_id: str) -> Sequence[LeaseAsset]:
        """Assets the organisation registered as lessor, or registered on its devices."""
        return self.session.scalars(
            select(LeaseAsset)
            .where(or_(LeaseAsset.lessor_org_id == org_id, LeaseAsset.lessee_org_id == org_id))
            .order_by(LeaseAsset.registered_at)
        ).all()

    def parties(self, contract_id: str) -> Sequence[LeaseParty]:
        return self.session.scalars(
            select(LeaseParty).where(LeaseParty.contract_id == contract_id).order_by(LeaseParty.id)
        ).all()

    def journal(self, contract_id: str) -> Sequence[tuple[LeaseJournalEntry, LeaseJournalLine]]:
        """Every journal line of the contract's payments with its entry, oldest first."""
        rows = self.session.execute(
            select(LeaseJournalEntry, LeaseJournalLine)
            .join(LeaseJournalLine, LeaseJournalLine.entry_id == LeaseJournalEntry.id)
            .join(LeasePayment, LeasePayment.id == LeaseJournalEntry.payment_id)
            .join(LeaseBill, LeaseBill.id == LeasePayment.bill_id)
            .where(LeaseBill.contract_id == contract_id)
            .order_by(LeaseJournalEntry.created_at, LeaseJournalEntry.id, LeaseJournalLine.id)
        ).all()
        return [(e, line) for e, line in rows]

    def leased_devices(self) -> Sequence[tuple[str, str]]:
        """``(lessee_org_id, device_id)`` of every contract that is or may become running."""
        rows = self.session.execute(
            select(LeaseContract.lessee_org_id, LeaseContract.device_id)
            .where(LeaseContract.state.in_(("proposed", "accepted", "active", "locked")))
            .distinct()
        ).all()
        return [(org, device) for org, device in rows]

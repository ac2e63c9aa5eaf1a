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
    LeasePayment,
)


class LeasingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self, obj: LeaseContract | LeaseBill | LeasePayment | DeviceCommand | LeaseAsset
    ) -> None:
        self.session.add(obj)
        self.session.flush()

    def contract(self, contract_id: str) -> LeaseContract | None:
        return self.session.get(LeaseContract, contract_id)

    def contracts_for(self, org_id: str) -> Sequence[LeaseContract]:
        return self.session.scalars(
            select(LeaseContract)
            .where(
                or_(LeaseContract.lessor_org_id == org_id, LeaseContract.lessee_org_id == org_id)
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

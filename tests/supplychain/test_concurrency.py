"""32 clients hammer overlapping certificates on SQLite and PostgreSQL: zero violations.

Each client acts in its own unit of work on certificates it read moments earlier, so many
act on the same certificate at once; exactly one may win each race. Afterwards 32 clients
rush to settle every payable: each is paid exactly once, in full, the unpaid one after its
certificates were marked overdue and the bank turned back to sellers where it financed with
recourse. The bank's exposure limit holds throughout.
"""

from __future__ import annotations

from sqlalchemy import func, select

from chanrong.demo.scf_workload import run_workload
from chanrong.storage.database import Database
from chanrong.supplychain.orm import Certificate, Financing


def test_32_clients_on_overlapping_certificates(db_url: str) -> None:
    db = Database(db_url, pool_size=33, max_overflow=0)
    try:
        result = run_workload(db, clients=32, ops_per_client=6, payables=3, seed=7)
        assert result.unexpected == []
        assert result.violations == []
        # Real contention happened and real work was done.
        assert sum(result.refused.values()) > 0
        assert result.committed["split"] + result.committed["transfer"] > 0
        # Each payable settled once, in full, however many clients rushed to settle it: two
        # at maturity, the third (left unpaid) late, after its certificates went overdue.
        assert result.committed["settle"] == 2
        assert result.committed["settle late"] == 1
        assert result.refused["settle: Conflict"] == 3 * 31
        assert result.settled_fen == result.payable_fen
        assert result.committed["mark overdue"] > 0
        with db.unit_of_work() as s:
            live = s.scalar(
                select(func.count()).select_from(Certificate).where(Certificate.state == "live")
            )
            assert live == 0
            # A certificate is financed at most once: one accepted request per certificate.
            accepted = s.execute(
                select(Financing.certificate_id, func.count())
                .where(Financing.state == "accepted")
                .group_by(Financing.certificate_id)
            ).all()
            assert all(n == 1 for _, n in accepted)
            assert len(accepted) == result.committed["finance accept"]
            # Never more financed on the core enterprise than the limit (60 % of the face).
            financed = s.scalar(
                select(func.coalesce(func.sum(Certificate.face_fen), 0)).where(
                    Certificate.origin == "financing"
                )
            )
            assert financed <= result.payable_fen * 6 // 10
    finally:
        db.dispose()

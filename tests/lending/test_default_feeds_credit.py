"""A loan turning non-performing puts a default on the borrower's credit record, and the next
credit decision knocks it out for the product's look-back period (point in time)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.credit.domain import DEFAULT_PRODUCT
from chanrong.credit.orm import DefaultEvent
from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.builders import Park
from tests.credit.builders import GOOD, add_profile, consent, install_champion
from tests.lending.builders import active_loan, principal


def _close_days(db: Database, first: date, last: date) -> None:
    with db.unit_of_work() as s:
        day = first
        while day <= last:
            lending.daily_close(s, as_of=day)
            day += timedelta(days=1)


def test_substandard_loan_knocks_out_the_next_decision(
    db: Database, settings: Settings, park: Park
) -> None:
    install_champion(settings)
    enterprise = park["enterprise"]["officer"]
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, enterprise)
        loan_id = active_loan(s, officer, borrower, term_months=6).id
        add_profile(s, enterprise.org_id, as_of=date(2025, 4, 30), features=GOOD)
        add_profile(s, enterprise.org_id, as_of=date(2025, 6, 1), features=GOOD)
        consent(s, enterprise, park["bank"]["officer"].org_id)
    # The first instalment falls due on 10 February and is never paid: 91 days past due on
    # 12 May, when the loan becomes 次级 (substandard).
    _close_days(db, date(2025, 2, 10), date(2025, 5, 20))
    _close_days(db, date(2025, 5, 12), date(2025, 5, 13))  # a rerun adds nothing
    with db.unit_of_work() as s:
        events = s.query(DefaultEvent).filter_by(org_id=enterprise.org_id).all()
        assert [(e.occurred_on, e.source, e.reference) for e in events] == [
            (date(2025, 5, 12), "lending", f"loan/{loan_id}")
        ]
        officer = principal(s, park["bank"]["officer"])
        after = credit.apply(
            s,
            officer,
            settings,
            enterprise_org_id=enterprise.org_id,
            product_code=DEFAULT_PRODUCT.code,
            as_of=date(2025, 6, 2),
        )
        before = credit.apply(
            s,
            officer,
            settings,
            enterprise_org_id=enterprise.org_id,
            product_code=DEFAULT_PRODUCT.code,
            as_of=date(2025, 5, 1),
        )
    assert (after.outcome, after.knockouts) == ("decline", ["recent_default"])
    assert after.inputs["last_default_on"] == "2025-05-12"
    # As of 1 May the default had not happened: the same enterprise is scored normally.
    assert before.knockouts == [] and before.inputs["last_default_on"] is None
    assert before.pd is not None


def test_recording_a_default_checks_its_fields(db: Database, park: Park) -> None:
    org = park["enterprise"]["officer"].org_id
    with db.unit_of_work() as s:
        with pytest.raises(NotFound) as nf:
            credit.record_default(
                s,
                org_id=park["bank"]["officer"].org_id,
                occurred_on=date(2025, 1, 1),
                source="bureau",
                reference="x",
            )
        assert nf.value.field == "org_id"
        with pytest.raises(ValidationFailed) as bad:
            credit.record_default(
                s, org_id=org, occurred_on=date(2025, 1, 1), source="", reference="x"
            )
        assert bad.value.field == "source"
        assert credit.record_default(
            s, org_id=org, occurred_on=date(2025, 1, 1), source="bureau", reference="case-1"
        )
        assert not credit.record_default(
            s, org_id=org, occurred_on=date(2025, 1, 1), source="bureau", reference="case-1"
        )

"""IP identifiers, legal life, fees and pledge states."""

from __future__ import annotations

from datetime import date

import pytest

from chanrong.assets.ipr import (
    FeeState,
    IpKind,
    LegalStatus,
    PledgeState,
    effective_status,
    fee_state,
    legal_expiry,
    move_pledge,
    normalise_number,
    parse_patent_number,
    patent_check_char,
    remaining_life_years,
)
from chanrong.core.errors import Conflict, ValidationFailed


def test_new_format_check_digit() -> None:
    """201710601862: 2·2+0·3+1·4+7·5+1·6+0·7+6·8+0·9+1·2+8·3+6·4+2·5 = 157; 157 mod 11 = 3."""
    assert patent_check_char("201710601862") == "3"
    pn = parse_patent_number("ZL 2017 1 0601862.3")
    assert (pn.kind, pn.year, str(pn)) == (IpKind.INVENTION_PATENT, 2017, "201710601862.3")


def test_old_format_check_x() -> None:
    """95115608: 9·2+5·3+1·4+1·5+5·6+6·7+0·8+8·9 = 186; 186 mod 11 = 10 → X."""
    assert patent_check_char("95115608") == "X"
    assert parse_patent_number("95115608.X").year == 1995


def test_wrong_check_digit_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as e:
        parse_patent_number("201710601862.4")
    assert e.value.field == "number"
    assert "should be 3" in e.value.detail


def test_kind_must_match_the_number() -> None:
    with pytest.raises(ValidationFailed):
        normalise_number(IpKind.UTILITY_MODEL, "201710601862.3")  # kind digit 1: invention


def test_other_formats() -> None:
    assert normalise_number(IpKind.SOFTWARE_COPYRIGHT, "2019sr0123456") == "2019SR0123456"
    assert normalise_number(IpKind.TRADEMARK, "12345678") == "12345678"
    for kind, bad in [
        (IpKind.SOFTWARE_COPYRIGHT, "2019-123"),
        (IpKind.TRADEMARK, "TM12"),
        (IpKind.LAYOUT_DESIGN, "BS.123"),
    ]:
        with pytest.raises(ValidationFailed):
            normalise_number(kind, bad)


def test_legal_terms() -> None:
    filed = date(2015, 3, 10)
    assert legal_expiry(
        IpKind.INVENTION_PATENT, filed_on=filed, registered_on=None, published_on=None
    ) == date(2035, 3, 10)
    assert legal_expiry(
        IpKind.UTILITY_MODEL, filed_on=filed, registered_on=None, published_on=None
    ) == date(2025, 3, 10)
    # Designs filed before 2021-06-01 keep 10 years, later ones get 15.
    assert legal_expiry(
        IpKind.DESIGN_PATENT, filed_on=filed, registered_on=None, published_on=None
    ) == date(2025, 3, 10)
    assert legal_expiry(
        IpKind.DESIGN_PATENT, filed_on=date(2022, 1, 1), registered_on=None, published_on=None
    ) == date(2037, 1, 1)
    assert legal_expiry(
        IpKind.SOFTWARE_COPYRIGHT, filed_on=None, registered_on=None, published_on=date(2019, 5, 1)
    ) == date(2069, 12, 31)
    with pytest.raises(ValidationFailed) as e:
        legal_expiry(IpKind.TRADEMARK, filed_on=filed, registered_on=None, published_on=None)
    assert e.value.field == "registered_on"
    assert remaining_life_years(date(2035, 3, 10), date(2026, 3, 11)) == 8
    assert remaining_life_years(date(2035, 3, 10), date(2026, 3, 10)) == 9
    assert remaining_life_years(date(2025, 3, 10), date(2026, 1, 1)) == 0


def test_fees_and_lapse() -> None:
    paid = date(2026, 3, 9)
    assert fee_state(IpKind.INVENTION_PATENT, paid, date(2026, 3, 9)) is FeeState.PAID
    assert fee_state(IpKind.INVENTION_PATENT, paid, date(2026, 9, 9)) is FeeState.GRACE
    assert fee_state(IpKind.INVENTION_PATENT, paid, date(2026, 9, 10)) is FeeState.UNPAID
    assert fee_state(IpKind.TRADEMARK, None, date(2026, 9, 10)) is FeeState.NOT_APPLICABLE
    expiry = date(2035, 3, 10)
    assert (
        effective_status(
            LegalStatus.VALID,
            IpKind.INVENTION_PATENT,
            expiry=expiry,
            paid_until=paid,
            as_of=date(2026, 10, 1),
        )
        is LegalStatus.LAPSED
    )
    assert (
        effective_status(
            LegalStatus.VALID,
            IpKind.INVENTION_PATENT,
            expiry=expiry,
            paid_until=date(2040, 1, 1),
            as_of=date(2035, 3, 10),
        )
        is LegalStatus.EXPIRED
    )


def test_pledge_states_move_one_way() -> None:
    assert move_pledge(PledgeState.REGISTERED, PledgeState.RELEASED) is PledgeState.RELEASED
    assert move_pledge(PledgeState.REGISTERED, PledgeState.ENFORCED) is PledgeState.ENFORCED
    with pytest.raises(Conflict):
        move_pledge(PledgeState.RELEASED, PledgeState.REGISTERED)
    with pytest.raises(Conflict):
        move_pledge(PledgeState.ENFORCED, PledgeState.RELEASED)

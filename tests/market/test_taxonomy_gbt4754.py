"""The taxonomy's six fields in GB/T 4754-2017: every field maps to real divisions, and a
registered industry code finds the fields that hold it."""

from __future__ import annotations

import pytest

from chanrong.core.codes import validate_industry
from chanrong.market import service
from chanrong.market.taxonomy import FIELD_GBT4754, Field, fields_for_industry


@pytest.mark.parametrize("field", list(Field))
def test_every_field_maps_to_real_divisions(field: Field) -> None:
    divisions = FIELD_GBT4754[field]
    assert divisions, f"{field} has no GB/T 4754 division"
    for code in divisions:
        industry = validate_industry(code)
        assert industry.code == code and len(code) == 3  # division level


def test_codes_find_their_fields() -> None:
    assert fields_for_industry("C3411") == (Field.INTELLIGENT_EQUIPMENT,)
    assert set(fields_for_industry("i65")) == {
        Field.PLATFORM_SOFTWARE, Field.SECURITY, Field.RELATED_SERVICES,
    }  # fmt: skip
    assert fields_for_industry("A01") == ()
    assert service.field_industries("Intelligent_Equipment") == ("C34", "C35")
    assert service.field_industries("C34") is None
    assert service.industry_fields("C39") == ("network_identifier", "automation_edge")

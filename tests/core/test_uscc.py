from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chanrong.core.uscc import (
    CHARSET,
    InvalidUSCC,
    USCCRule,
    make_uscc,
    org_code_check_char,
    uscc_check_char,
    validate_uscc,
)

REAL = [
    "91110000710926094P",  # 中国石油化工股份有限公司
    "91310000631696382C",  # 宝山钢铁股份有限公司
    "9144030071526726XG",  # 腾讯科技(深圳)有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91350100M000100Y43",  # GB 32100 worked example
]


@pytest.mark.parametrize("code", REAL)
def test_real_codes_are_accepted(code: str) -> None:
    assert validate_uscc(code).code == code


def test_lowercase_and_spaces_are_normalised() -> None:
    assert validate_uscc(" 91110000710926094p ").code == "91110000710926094P"


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("9111000071092609", USCCRule.LENGTH),
        ("91110000710926094PX", USCCRule.LENGTH),
        ("91110000710926094I", USCCRule.CHARSET),  # I is never used
        ("9111000071092609-P", USCCRule.CHARSET),
        ("B1110000710926094P", USCCRule.AUTHORITY),
        ("94110000710926094P", USCCRule.CATEGORY),  # authority 9 has categories 1-3 only
        ("911A0000710926094P", USCCRule.REGION),
        ("91110000710926095P", USCCRule.ORG_CODE_CHECK),
        ("91110000710926094Q", USCCRule.CHECK_DIGIT),
        ("91350100M000100Y4Z", USCCRule.CHARSET),  # the invalid Z variant: Z is never used
    ],
)
def test_each_rule_is_named_when_broken(code: str, rule: USCCRule) -> None:
    with pytest.raises(InvalidUSCC) as info:
        validate_uscc(code)
    assert info.value.rule is rule
    assert rule.value in info.value.detail
    assert info.value.field == "uscc"


def test_codes_starting_with_letters_are_not_rejected() -> None:
    # A common bug is to require positions 1-8 to be digits.
    for authority, category in (("N", "2"), ("Y", "1"), ("A", "1")):
        code = make_uscc(authority, category, "330500", "MA2B0C1D").code
        assert validate_uscc(code).authority == authority


def test_check_char_matches_the_worked_formula() -> None:
    # Σ value·weight mod 31 computed by hand for the standard's example.
    first17 = "91350100M000100Y4"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, weights, strict=True))
    assert uscc_check_char(first17) == CHARSET[(31 - total % 31) % 31] == "3"
    assert org_code_check_char("71092609") == "4"


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8))
def test_built_codes_always_validate_and_any_single_change_is_caught(body: str) -> None:
    code = make_uscc("9", "1", "330500", body).code
    assert validate_uscc(code).code == code
    wrong = CHARSET[(CHARSET.index(code[17]) + 1) % 31]
    with pytest.raises(InvalidUSCC):
        validate_uscc(code[:17] + wrong)

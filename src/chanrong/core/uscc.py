"""Unified Social Credit Code (统一社会信用代码, GB 32100-2015) validation and construction.

Rules are checked in order and the first one broken is reported by name, so a user learns
exactly what is wrong with the code they typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chanrong.core.errors import ValidationFailed

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CHARSET)}
# Wi = 3^(i-1) mod 31
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))

_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CODE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# Registration authority -> allowed organisation categories.
AUTHORITY_CATEGORIES: dict[str, str] = {
    "1": "1239",
    "2": "19",
    "3": "19",
    "4": "19",
    "5": "1239",
    "6": "129",
    "7": "129",
    "8": "19",
    "9": "123",
    "A": "19",
    "N": "1239",
    "Y": "1",
}


class USCCRule(StrEnum):
    """The rule a code broke; a stable machine name for each."""

    LENGTH = "length"
    CHARSET = "charset"
    AUTHORITY = "authority"
    CATEGORY = "category"
    REGION = "region"
    ORG_CODE_CHECK = "org_code_check"
    CHECK_DIGIT = "check_digit"


_MESSAGES = {
    USCCRule.LENGTH: "must be exactly 18 characters",
    USCCRule.CHARSET: "contains a character outside 0-9 and A-Y without I, O, S, V, Z",
    USCCRule.AUTHORITY: "position 1 is not a known registration authority",
    USCCRule.CATEGORY: "position 2 is not an organisation category of that authority",
    USCCRule.REGION: "positions 3-8 must be a 6-digit administrative division code",
    USCCRule.ORG_CODE_CHECK: "positions 9-17 fail the GB 11714 organisation-code check",
    USCCRule.CHECK_DIGIT: "the 18th check character is wrong",
}


class InvalidUSCC(ValidationFailed):
    """A USCC that breaks one of the GB 32100 rules; ``rule`` says which."""

    type_slug = "invalid-uscc"
    title = "Invalid Unified Social Credit Code"

    def __init__(self, code: str, rule: USCCRule, *, field: str = "uscc") -> None:
        super().__init__(
            f"{field}: {code!r} {_MESSAGES[rule]} (rule: {rule.value})",
            field=field,
            extra={"rule": rule.value},
        )
        self.rule = rule


@dataclass(frozen=True, slots=True)
class USCC:
    """A validated code, with its parts."""

    code: str

    @property
    def authority(self) -> str:
        return self.code[0]

    @property
    def category(self) -> str:
        return self.code[1]

    @property
    def region_code(self) -> str:
        return self.code[2:8]

    @property
    def organisation_code(self) -> str:
        return self.code[8:17]

    def __str__(self) -> str:
        return self.code


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17 (mod 31 over the 31-character set)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str | None:
    """The GB 11714 check character for an 8-character organisation-code body."""
    try:
        total = sum(
            _ORG_CODE_CHARS.index(c) * w for c, w in zip(body8, _ORG_CODE_WEIGHTS, strict=True)
        )
    except ValueError:
        return None
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_uscc(raw: str, *, field: str = "uscc") -> USCC:
    """Validate a USCC and return it, or raise ``InvalidUSCC`` naming the broken rule."""
    code = raw.strip().upper()
    if len(code) != 18:
        raise InvalidUSCC(raw, USCCRule.LENGTH, field=field)
    if any(c not in _VALUE for c in code):
        raise InvalidUSCC(raw, USCCRule.CHARSET, field=field)
    if code[0] not in AUTHORITY_CATEGORIES:
        raise InvalidUSCC(raw, USCCRule.AUTHORITY, field=field)
    if code[1] not in AUTHORITY_CATEGORIES[code[0]]:
        raise InvalidUSCC(raw, USCCRule.CATEGORY, field=field)
    if not code[2:8].isdigit():
        raise InvalidUSCC(raw, USCCRule.REGION, field=field)
    if org_code_check_char(code[8:16]) != code[16]:
        raise InvalidUSCC(raw, USCCRule.ORG_CODE_CHECK, field=field)
    if uscc_check_char(code[:17]) != code[17]:
        raise InvalidUSCC(raw, USCCRule.CHECK_DIGIT, field=field)
    return USCC(code)


def make_uscc(authority: str, category: str, region: str, org_body8: str) -> USCC:
    """Build a valid code from its parts (computes both check characters).

    ``org_body8`` must use only characters that are legal in a USCC, so the whole
    result validates.
    """
    org_check = org_code_check_char(org_body8)
    if org_check is None:
        raise ValueError("organisation-code body must be 8 characters of 0-9/A-Z")
    first17 = f"{authority}{category}{region}{org_body8}{org_check}"
    return validate_uscc(first17 + uscc_check_char(first17))

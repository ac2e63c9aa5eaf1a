"""Intellectual-property rules (pure): kinds, identifiers, legal life, legal status, fees,
pledge registration states.

Identifier checks:
- **CN patent application number** (专利申请号): since 2003 twelve digits — year (4), kind (1),
  serial (7) — then ``.`` and a check character: Σ digit_i × w_i with weights
  2,3,4,5,6,7,8,9,2,3,4,5, mod 11, 10 written ``X`` (e.g. 201710601862.3). Before 2003 eight
  digits — year (2), kind (1), serial (5) — with weights 2…9 (e.g. 95115608.X). Kind digit:
  1 invention, 2 utility model, 3 design, 8 PCT invention, 9 PCT utility model. ``ZL``/``CN``
  prefixes and spaces are accepted and dropped.
- **Software copyright** registration number: ``YYYYSR`` + 7 digits (format only; no check
  character exists).
- **Trademark** registration number: 1–9 digits (format only).
- **Layout design** (集成电路布图设计) registration number: ``BS.`` + 8 digits, optionally a
  ``.`` and a check character; the check rule is not published, so only the format is checked.

Legal terms (专利法 2020 amendment, 商标法, 计算机软件保护条例, 集成电路布图设计保护条例) are
kept as data in ``LEGAL_TERMS`` so a change is a data edit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from chanrong.core.errors import Conflict, ValidationFailed


class IpKind(StrEnum):
    INVENTION_PATENT = "invention_patent"  # 发明专利
    UTILITY_MODEL = "utility_model"  # 实用新型
    DESIGN_PATENT = "design_patent"  # 外观设计
    TRADEMARK = "trademark"  # 注册商标
    SOFTWARE_COPYRIGHT = "software_copyright"  # 软件著作权
    LAYOUT_DESIGN = "layout_design"  # 集成电路布图设计


PATENT_KINDS = {IpKind.INVENTION_PATENT, IpKind.UTILITY_MODEL, IpKind.DESIGN_PATENT}

_KIND_DIGIT = {
    "1": IpKind.INVENTION_PATENT,
    "2": IpKind.UTILITY_MODEL,
    "3": IpKind.DESIGN_PATENT,
    "8": IpKind.INVENTION_PATENT,
    "9": IpKind.UTILITY_MODEL,
}
_WEIGHTS_12 = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
_WEIGHTS_8 = (2, 3, 4, 5, 6, 7, 8, 9)


def patent_check_char(body: str) -> str:
    """The check character of a patent application number's 8 or 12 digits."""
    if not body.isdigit() or len(body) not in (8, 12):
        raise ValidationFailed("number: 8 or 12 digits before the check", field="number")
    weights = _WEIGHTS_12 if len(body) == 12 else _WEIGHTS_8
    r = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
    return "X" if r == 10 else str(r)


@dataclass(frozen=True, slots=True)
class PatentNumber:
    """A checked CN patent application number."""

    body: str  # 8 or 12 digits
    check: str
    kind: IpKind
    year: int

    def __str__(self) -> str:
        return f"{self.body}.{self.check}"


def parse_patent_number(raw: str) -> PatentNumber:
    """Validate a CN patent application number (check character included) and read its kind
    and year. Raises ``ValidationFailed`` naming ``number``."""
    s = re.sub(r"[\s\u00b7]", "", raw.strip().upper())
    for prefix in ("ZL", "CN"):
        s = s.removeprefix(prefix)
    m = re.fullmatch(r"(\d{8}|\d{12})\.?([0-9X])", s)
    if not m:
        raise ValidationFailed(
            f"number: {raw!r} is not a patent application number (e.g. 201710601862.3)",
            field="number",
        )
    body, check = m.groups()
    expected = patent_check_char(body)
    if check != expected:
        raise ValidationFailed(
            f"number: check character of {raw!r} should be {expected}", field="number"
        )
    kind_digit = body[4] if len(body) == 12 else body[2]
    kind = _KIND_DIGIT.get(kind_digit)
    if kind is None:
        raise ValidationFailed(f"number: unknown kind digit {kind_digit}", field="number")
    year = int(body[:4]) if len(body) == 12 else 1900 + int(body[:2])
    return PatentNumber(body, check, kind, year)


def normalise_number(kind: IpKind, raw: str) -> str:
    """The canonical registration number of a right of ``kind`` (validated where the format
    allows; see the module docstring)."""
    s = raw.strip().upper()
    if kind in PATENT_KINDS:
        pn = parse_patent_number(s)
        if pn.kind is not kind:
            raise ValidationFailed(
                f"number: {raw!r} is a {pn.kind.value} number, not {kind.value}", field="number"
            )
        return str(pn)
    patterns = {
        IpKind.SOFTWARE_COPYRIGHT: (r"\d{4}SR\d{7}", "2019SR0123456"),
        IpKind.TRADEMARK: (r"\d{1,9}", "12345678"),
        IpKind.LAYOUT_DESIGN: (r"BS\.\d{8}(\.[0-9X])?", "BS.20500123.4"),
    }
    pattern, example = patterns[kind]
    s = s.replace(" ", "")
    if not re.fullmatch(pattern, s):
        raise ValidationFailed(
            f"number: {raw!r} is not a {kind.value} number (e.g. {example})", field="number"
        )
    return s


@dataclass(frozen=True, slots=True)
class LegalTerm:
    years: int
    from_: str  # "filing" | "registration" | "publication"
    renewable: bool = False


LEGAL_TERMS: dict[IpKind, LegalTerm] = {
    IpKind.INVENTION_PATENT: LegalTerm(20, "filing"),
    # 15 years for designs filed from 2021-06-01 (10 before): see legal_expiry.
    IpKind.UTILITY_MODEL: LegalTerm(10, "filing"),
    IpKind.DESIGN_PATENT: LegalTerm(15, "filing"),
    IpKind.TRADEMARK: LegalTerm(10, "registration", renewable=True),
    IpKind.SOFTWARE_COPYRIGHT: LegalTerm(50, "publication"),
    IpKind.LAYOUT_DESIGN: LegalTerm(10, "filing"),
}
DESIGN_15_YEARS_FROM = date(2021, 6, 1)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def legal_expiry(
    kind: IpKind, *, filed_on: date | None, registered_on: date | None, published_on: date | None
) -> date:
    """The day the protection ends (a trademark: the end of its current 10-year term)."""
    term = LEGAL_TERMS[kind]
    start = {"filing": filed_on, "registration": registered_on, "publication": published_on}[
        term.from_
    ]
    if start is None:
        field = {
            "filing": "filed_on",
            "registration": "registered_on",
            "publication": "published_on",
        }[term.from_]
        raise ValidationFailed(f"{field}: required for a {kind.value}", field=field)
    years = term.years
    if kind is IpKind.DESIGN_PATENT and start < DESIGN_15_YEARS_FROM:
        years = 10
    if kind is IpKind.SOFTWARE_COPYRIGHT:
        # Ends on 31 December of the 50th year after first publication.
        return date(start.year + years, 12, 31)
    return _add_years(start, years)


def remaining_life_years(expiry: date, as_of: date) -> int:
    """Whole years of protection left (a part year counts as none: conservative)."""
    if expiry <= as_of:
        return 0
    years = expiry.year - as_of.year
    if (expiry.month, expiry.day) < (as_of.month, as_of.day):
        years -= 1
    return max(0, years)


class LegalStatus(StrEnum):
    PENDING = "pending"  # 申请中 / 审查中
    VALID = "valid"  # 有效 (granted / registered)
    IN_DISPUTE = "in_dispute"  # 无效宣告请求中 / 异议中
    LAPSED = "lapsed"  # 未缴年费终止
    EXPIRED = "expired"  # 期限届满
    INVALIDATED = "invalidated"  # 被宣告无效


# Legal-status factor applied to an IP value (assumptions, configurable data): a pending
# application may not be granted; a right under an invalidation request may be lost.
LEGAL_FACTOR: dict[LegalStatus, Decimal] = {
    LegalStatus.VALID: Decimal(1),
    LegalStatus.PENDING: Decimal("0.5"),
    LegalStatus.IN_DISPUTE: Decimal("0.5"),
    LegalStatus.LAPSED: Decimal(0),
    LegalStatus.EXPIRED: Decimal(0),
    LegalStatus.INVALIDATED: Decimal(0),
}
PLEDGEABLE = {LegalStatus.VALID}

FEE_GRACE_MONTHS = 6  # 专利法实施细则: annual fee late within 6 months, with a surcharge


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class FeeState(StrEnum):
    PAID = "paid"
    GRACE = "grace"  # past due, still payable with a surcharge
    UNPAID = "unpaid"  # past the grace period: the right lapses
    NOT_APPLICABLE = "not_applicable"


def fee_state(kind: IpKind, paid_until: date | None, as_of: date) -> FeeState:
    """Whether a patent's annual fees keep it alive on ``as_of`` (other kinds pay no annual
    fee). ``paid_until`` is the end of the last year paid for."""
    if kind not in PATENT_KINDS:
        return FeeState.NOT_APPLICABLE
    if paid_until is None:
        raise ValidationFailed("fees_paid_until: required for a patent", field="fees_paid_until")
    if as_of <= paid_until:
        return FeeState.PAID
    if as_of <= _add_months(paid_until, FEE_GRACE_MONTHS):
        return FeeState.GRACE
    return FeeState.UNPAID


def effective_status(
    status: LegalStatus, kind: IpKind, *, expiry: date, paid_until: date | None, as_of: date
) -> LegalStatus:
    """The status as of a day: a valid right past its term is expired, a patent past the fee
    grace period has lapsed (as the register would show after the office's notice)."""
    if status is not LegalStatus.VALID:
        return status
    if as_of >= expiry:
        return LegalStatus.EXPIRED
    if fee_state(kind, paid_until, as_of) is FeeState.UNPAID:
        return LegalStatus.LAPSED
    return status


class PledgeState(StrEnum):
    """A pledge registration (质押登记) at the IP office."""

    REGISTERED = "registered"
    RELEASED = "released"  # 注销
    ENFORCED = "enforced"  # 质权实现


_PLEDGE_MOVES = {
    PledgeState.REGISTERED: {PledgeState.RELEASED, PledgeState.ENFORCED},
    PledgeState.RELEASED: set(),
    PledgeState.ENFORCED: set(),
}


def move_pledge(current: PledgeState, to: PledgeState) -> PledgeState:
    """A pledge moves from registered to released or enforced, and never back."""
    if to not in _PLEDGE_MOVES[current]:
        raise Conflict(f"pledge: cannot move from {current.value} to {to.value}", field="state")
    return to

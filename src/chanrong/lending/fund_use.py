"""Fund-use tracking (贷款资金用途监测): where the loan money went. Pure: no framework.

The enterprise's outgoing payments after disbursement are traced oldest first up to the
disbursed amount (later money is its own), within a window. Each traced payment is checked
against the rules; a rule that fires carries the payments that made it fire, so the alert
the bank receives shows its own evidence.

| rule | fires when loan money |
|---|---|
| ``related_party`` | goes to a party related to the borrower (declared by the bank) |
| ``back_to_borrower`` | comes back to the borrower's own accounts (回流) |
| ``cash`` | is taken out in cash (提现) |
| ``off_purpose`` | pays a payee outside the declared purpose, or says so in its purpose text |
| ``forbidden`` | flows to finance or real estate (监管禁止流入), whatever the purpose |
| ``too_fast`` | leaves too fast: a large share of the disbursement gone within days |
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from chanrong.lending.domain import FORBIDDEN_PAYEES, PURPOSE_PAYEES, Purpose


class FundRule(StrEnum):
    RELATED_PARTY = "related_party"
    BACK_TO_BORROWER = "back_to_borrower"
    CASH = "cash"
    OFF_PURPOSE = "off_purpose"
    FORBIDDEN = "forbidden"
    TOO_FAST = "too_fast"


# Rules a bank must act on at once (high) and those it should look into (medium).
HIGH_RULES = frozenset({FundRule.RELATED_PARTY, FundRule.BACK_TO_BORROWER, FundRule.FORBIDDEN})

# Purpose text that names a use no operating loan may have (理财, securities, property,
# lending on, repaying other debt): an off-purpose finding even without the payee's industry.
OFF_PURPOSE_WORDS: tuple[str, ...] = (
    "理财",
    "证券",
    "股票",
    "期货",
    "基金",
    "购房",
    "房产",
    "房地产",
    "委托贷款",
    "借款",
    "还贷",
    "归还贷款",
    "分红",
    "投资",
    "securities",
    "stocks",
    "real estate",
    "loan repayment",
    "dividend",
)


@dataclass(frozen=True, slots=True)
class Outflow:
    """One outgoing payment of the borrower, as the platform received it."""

    reference: str
    payee_name: str
    amount_fen: int
    paid_on: date
    channel: str = "transfer"
    payee_uscc: str | None = None
    payee_account: str | None = None
    payee_industry: str | None = None
    purpose: str | None = None


@dataclass(frozen=True, slots=True)
class Party:
    """A party related to the borrower (same legal representative, shareholder, affiliate)."""

    name: str
    uscc: str | None = None


@dataclass(frozen=True, slots=True)
class FundUseCase:
    """The loan and what is known of its borrower."""

    purpose: Purpose
    disbursed_fen: int
    disbursed_on: date
    borrower_name: str
    borrower_uscc: str | None = None
    borrower_accounts: frozenset[str] = frozenset()
    related: tuple[Party, ...] = ()


@dataclass(frozen=True, slots=True)
class FundUseConfig:
    """How long after disbursement money is loan money, and what counts as too fast."""

    window_days: int = 90
    fast_days: int = 3
    fast_share: Decimal = Decimal("0.8")


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that fired, with the traced payments (and the part of each that was loan money)."""

    rule: FundRule
    payments: tuple[tuple[Outflow, int], ...]
    note: str = ""

    @property
    def amount_fen(self) -> int:
        return sum(fen for _, fen in self.payments)

    @property
    def high(self) -> bool:
        return self.rule in HIGH_RULES


@dataclass(frozen=True, slots=True)
class Traced:
    """Where the traced loan money went, and the rules that fired."""

    traced_fen: int
    consistent_fen: int
    unknown_fen: int
    inconsistent_fen: int
    forbidden_fen: int
    hits: tuple[Hit, ...] = field(default=())

    @property
    def consistent_share(self) -> Decimal:
        """The share of the traced money seen paying for the declared purpose."""
        if self.traced_fen == 0:
            return Decimal(0)
        return (Decimal(self.consistent_fen) / self.traced_fen).quantize(Decimal("0.0001"))

    def hit(self, rule: FundRule) -> Hit | None:
        return next((h for h in self.hits if h.rule is rule), None)


def _norm(name: str) -> str:
    """Names compared without spaces, brackets' width or case (（有限公司） = (有限公司))."""
    return (
        name.strip().replace(" ", "").replace("（", "(").replace("）", ")").casefold()
        if name
        else ""
    )


def _starts(industry: str, prefixes: Sequence[str]) -> bool:
    return any(industry.startswith(p) for p in prefixes)


def off_purpose_words(text: str | None) -> list[str]:
    """The words of a payment's purpose text that name a use no operating loan may have."""
    if not text:
        return []
    low = text.casefold()
    return [w for w in OFF_PURPOSE_WORDS if w in low]


def trace(
    case: FundUseCase, outflows: Iterable[Outflow], config: FundUseConfig | None = None
) -> Traced:
    """Trace the loan money through the borrower's outgoing payments and apply every rule."""
    cfg = config or FundUseConfig()
    allowed = PURPOSE_PAYEES[case.purpose]
    related_uscc = {p.uscc for p in case.related if p.uscc}
    related_names = {_norm(p.name) for p in case.related if p.name}
    own_name = _norm(case.borrower_name)
    found: dict[FundRule, list[tuple[Outflow, int]]] = {r: [] for r in FundRule}
    notes: dict[FundRule, list[str]] = {r: [] for r in FundRule}
    consistent = unknown = inconsistent = forbidden = 0
    fast = 0
    left = case.disbursed_fen
    for pay in sorted(outflows, key=lambda p: (p.paid_on, p.reference)):
        if left <= 0:
            break
        after = (pay.paid_on - case.disbursed_on).days
        if not 0 <= after <= cfg.window_days or pay.amount_fen <= 0:
            continue
        fen = min(pay.amount_fen, left)
        left -= fen
        part = (pay, fen)
        if after <= cfg.fast_days:
            fast += fen
            found[FundRule.TOO_FAST].append(part)
        name = _norm(pay.payee_name)
        if (pay.payee_uscc and pay.payee_uscc in related_uscc) or name in related_names:
            found[FundRule.RELATED_PARTY].append(part)
        if (
            (pay.payee_uscc and pay.payee_uscc == case.borrower_uscc)
            or (pay.payee_account and pay.payee_account in case.borrower_accounts)
            or (own_name and name == own_name)
        ):
            found[FundRule.BACK_TO_BORROWER].append(part)
        if pay.channel == "cash":
            found[FundRule.CASH].append(part)
        words = off_purpose_words(pay.purpose)
        industry = pay.payee_industry
        if industry and _starts(industry, FORBIDDEN_PAYEES):
            forbidden += fen
            found[FundRule.FORBIDDEN].append(part)
            notes[FundRule.FORBIDDEN].append(f"{pay.reference}: {industry}")
        elif industry and not _starts(industry, allowed):
            inconsistent += fen
            found[FundRule.OFF_PURPOSE].append(part)
            notes[FundRule.OFF_PURPOSE].append(f"{pay.reference}: {industry}")
        elif words:
            inconsistent += fen
            found[FundRule.OFF_PURPOSE].append(part)
            notes[FundRule.OFF_PURPOSE].append(f"{pay.reference}: {'、'.join(words)}")
        elif industry:
            consistent += fen
        else:
            unknown += fen
    if case.disbursed_fen <= 0 or Decimal(fast) < cfg.fast_share * case.disbursed_fen:
        found[FundRule.TOO_FAST] = []
    else:
        share = (Decimal(fast) / case.disbursed_fen * 100).quantize(Decimal("0.1"))
        notes[FundRule.TOO_FAST].append(f"{share}% within {cfg.fast_days} days")
    hits = tuple(
        Hit(rule, tuple(parts), "; ".join(notes[rule])) for rule, parts in found.items() if parts
    )
    traced = case.disbursed_fen - left
    return Traced(traced, consistent, unknown, inconsistent, forbidden, hits)

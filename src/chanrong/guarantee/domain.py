"""Risk-sharing schemes as data, and the one engine that runs them. Pure: no framework.

A guaranteed loan has a lender (the bank), a guarantor (融资担保机构) and, under a scheme,
upstream sharers (the national fund's re-guarantee, a district risk-compensation pool, a
provincial re-guarantor). On default the unpaid principal is split:

- the bank keeps ``bank_share`` of it (its own risk);
- the guarantor pays the bank the rest (代偿), up to its per-loan guarantee cap (what the
  cap leaves unpaid stays with the bank);
- each sharer then reimburses the guarantor its share of the unpaid principal, limited by the
  sharer's per-loan cap, its total (pool) cap, its fee-multiple cap (payouts at most a multiple
  of the fees collected) and its loss-rate stop (it compensates defaulted principal only while
  the scheme's loss rate over the cooperation period stays at or under the threshold); what a
  cap withholds is the guarantor's to bear.

Every figure is integer fen; every split adds up to the amount split (``Split.total``).
Recoveries are shared back in proportion to the loss each party actually bore (largest
remainder, never more than a party's unrecovered loss). Fees accrue per period on a base
(the loan, or a sharer's share of it) at an annual rate, ACT/365.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from chanrong.core.money import round_fen

BANK = "bank"
GUARANTOR = "guarantor"
BORROWER = "borrower"
YEAR_DAYS = 365  # fees and subsidies: ACT/365 (stated on every scheme and programme)


class SchemeError(ValueError):
    """A scheme definition or an operation on it that breaks its rules; ``field`` names it."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Sharer:
    """An upstream party that reimburses the guarantor a share of each default's unpaid
    principal, within its caps (``None`` = no such cap)."""

    party: str  # "fund", "pool", "reguarantor" … (a role in the scheme, not an org id)
    share: Decimal  # fraction of unpaid principal, 0 < share < 1
    per_loan_cap_fen: int | None = None
    total_cap_fen: int | None = None  # 资金池上限: total payouts over the cooperation period
    fee_multiple_cap: Decimal | None = None  # payouts ≤ multiple × scheme fees collected
    loss_rate_stop: Decimal | None = None  # fraction: compensates while loss rate ≤ this


@dataclass(frozen=True, slots=True)
class FeeRule:
    """A fee one party pays another: ``annual_rate_pct`` a year of ``base_share`` × the loan's
    principal; loans at or under ``small_loan_limit_fen`` pay ``small_loan_rate_pct``."""

    name: str  # "guarantee" (担保费) or "reguarantee" (再担保费) …
    payer: str
    payee: str
    annual_rate_pct: Decimal
    base_share: Decimal = Decimal(1)
    small_loan_limit_fen: int | None = None
    small_loan_rate_pct: Decimal | None = None
    counts_for_caps: bool = False  # fees collected that a fee-multiple cap is measured on

    def rate_for(self, principal_fen: int) -> Decimal:
        """The annual rate (per cent) that applies to a loan of ``principal_fen``."""
        if (
            self.small_loan_limit_fen is not None
            and self.small_loan_rate_pct is not None
            and principal_fen <= self.small_loan_limit_fen
        ):
            return self.small_loan_rate_pct
        return self.annual_rate_pct


@dataclass(frozen=True, slots=True)
class Scheme:
    """A risk-sharing scheme: who bears what share of a default, within which caps, for which
    fees; and the loss rate past which no new loan may enter."""

    code: str
    name: str
    bank_share: Decimal
    sharers: tuple[Sharer, ...]
    fees: tuple[FeeRule, ...]
    guarantee_cap_fen: int | None = None  # the guarantor's most 代偿 per loan
    max_loan_fen: int | None = None  # larger loans may not enter
    breaker_loss_rate: Decimal | None = None  # loss rate past which new loans are refused

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.bank_share < 1:
            raise SchemeError("bank_share: must be at least 0 and below 1", field="bank_share")
        parties = [s.party for s in self.sharers]
        if len(set(parties)) != len(parties) or {BANK, GUARANTOR, BORROWER} & set(parties):
            raise SchemeError(
                "sharers: parties must be distinct and not bank/guarantor", field="sharers"
            )
        for s in self.sharers:
            if not Decimal(0) < s.share < 1:
                raise SchemeError(f"sharers.{s.party}.share: must be in (0, 1)", field="sharers")
        if self.bank_share + sum((s.share for s in self.sharers), Decimal(0)) > 1:
            raise SchemeError(
                "sharers: the bank's and sharers' shares exceed the whole", field="sharers"
            )

    @property
    def guarantor_share(self) -> Decimal:
        """What the guarantor bears when no cap binds: the rest."""
        return 1 - self.bank_share - sum((s.share for s in self.sharers), Decimal(0))


@dataclass(frozen=True, slots=True)
class Position:
    """A scheme's running figures over its cooperation period (all fen)."""

    enrolled_fen: int = 0  # principal of every loan that entered
    defaulted_fen: int = 0  # unpaid principal of every claim
    cap_fees_fen: int = 0  # fees collected that fee-multiple caps are measured on
    paid_by: Mapping[str, int] = field(default_factory=dict)  # sharer → payouts so far

    @property
    def loss_rate(self) -> Decimal | None:
        """Defaulted principal over enrolled principal; absent before any loan entered."""
        if self.enrolled_fen == 0:
            return None
        return Decimal(self.defaulted_fen) / Decimal(self.enrolled_fen)


class Refusal(StrEnum):
    """Why a loan may not enter a scheme."""

    BREAKER = "loss_rate_breaker"
    TOO_LARGE = "loan_too_large"
    NOT_POSITIVE = "principal_not_positive"


def floor_fen(value: Decimal) -> int:
    """A cap in whole fen: rounded down, so a payout never passes it by a fraction."""
    return int(value.to_integral_value(rounding=ROUND_FLOOR))


def admission(scheme: Scheme, position: Position, principal_fen: int) -> Refusal | None:
    """None when a loan of ``principal_fen`` may enter now, else why not."""
    if principal_fen <= 0:
        return Refusal.NOT_POSITIVE
    if scheme.max_loan_fen is not None and principal_fen > scheme.max_loan_fen:
        return Refusal.TOO_LARGE
    rate = position.loss_rate
    if (
        scheme.breaker_loss_rate is not None
        and rate is not None
        and rate > scheme.breaker_loss_rate
    ):
        return Refusal.BREAKER
    return None


def enrol(position: Position, principal_fen: int) -> Position:
    """The position after a loan entered."""
    return replace(position, enrolled_fen=position.enrolled_fen + principal_fen)


@dataclass(frozen=True, slots=True)
class Fee:
    """One fee for one period."""

    name: str
    payer: str
    payee: str
    rate_pct: Decimal
    base_fen: int
    days: int
    amount_fen: int
    counts_for_caps: bool


def fees_for(scheme: Scheme, principal_fen: int, days: int) -> list[Fee]:
    """Each fee of the scheme on a loan of ``principal_fen`` for ``days`` (ACT/365, half-up)."""
    if days < 0:
        raise SchemeError("days: must not be negative", field="days")
    out = []
    for rule in scheme.fees:
        base = round_fen(Decimal(principal_fen) * rule.base_share)
        rate = rule.rate_for(principal_fen)
        amount = round_fen(Decimal(base) * rate / 100 * days / YEAR_DAYS)
        out.append(
            Fee(rule.name, rule.payer, rule.payee, rate, base, days, amount, rule.counts_for_caps)
        )
    return out


def collect(position: Position, fees: Sequence[Fee]) -> Position:
    """The position after fees were paid."""
    extra = sum(f.amount_fen for f in fees if f.counts_for_caps)
    return replace(position, cap_fees_fen=position.cap_fees_fen + extra)


@dataclass(frozen=True, slots=True)
class Split:
    """Who bears how much of one default's unpaid principal."""

    unpaid_fen: int
    bank_fen: int  # the bank's own loss
    compensation_fen: int  # 代偿: the guarantor pays the bank this
    sharers: Mapping[str, int]  # each sharer reimburses the guarantor
    guarantor_fen: int  # the guarantor's net loss
    limited_by: Mapping[str, str]  # sharer (or "guarantor") → the cap that bound it

    @property
    def total(self) -> int:
        """bank + guarantor + sharers: always the unpaid principal."""
        return self.bank_fen + self.guarantor_fen + sum(self.sharers.values())

    def losses(self) -> dict[str, int]:
        """Every party's loss on this default (fen)."""
        return {BANK: self.bank_fen, GUARANTOR: self.guarantor_fen, **dict(self.sharers)}


def split_default(scheme: Scheme, position: Position, unpaid_fen: int) -> Split:
    """Split one default's unpaid principal between the bank, the guarantor and the sharers,
    within every cap (the claim's own principal counts in the loss rate it is judged by)."""
    if unpaid_fen <= 0:
        raise SchemeError("unpaid: must be positive", field="unpaid")
    limited: dict[str, str] = {}
    guaranteed = unpaid_fen - round_fen(Decimal(unpaid_fen) * scheme.bank_share)
    compensation = guaranteed
    if scheme.guarantee_cap_fen is not None and guaranteed > scheme.guarantee_cap_fen:
        compensation = scheme.guarantee_cap_fen
        limited[GUARANTOR] = "guarantee_cap"
    bank = unpaid_fen - compensation
    shares: dict[str, int] = {}
    for s in scheme.sharers:
        covered = unpaid_fen
        if s.loss_rate_stop is not None:
            # Only defaulted principal that keeps the loss rate at or under the stop is covered.
            room = floor_fen(Decimal(position.enrolled_fen) * s.loss_rate_stop)
            covered = max(0, min(unpaid_fen, room - position.defaulted_fen))
            if covered < unpaid_fen:
                limited[s.party] = "loss_rate_stop"
        want = round_fen(Decimal(covered) * s.share)
        paid = position.paid_by.get(s.party, 0)
        for cap_name, cap in (
            ("per_loan_cap", s.per_loan_cap_fen),
            ("total_cap", None if s.total_cap_fen is None else s.total_cap_fen - paid),
            (
                "fee_multiple_cap",
                None
                if s.fee_multiple_cap is None
                else floor_fen(Decimal(position.cap_fees_fen) * s.fee_multiple_cap) - paid,
            ),
        ):
            if cap is not None and want > max(cap, 0):
                want = max(cap, 0)
                limited[s.party] = cap_name
        shares[s.party] = want
    # A sharer reimburses only what the guarantor paid; never more than its compensation.
    over = sum(shares.values()) - compensation
    for party in reversed(list(shares)):
        if over <= 0:
            break
        cut = min(over, shares[party])
        shares[party] -= cut
        over -= cut
        limited[party] = "compensation"
    guarantor = compensation - sum(shares.values())
    return Split(unpaid_fen, bank, compensation, shares, guarantor, limited)


def record_default(position: Position, split: Split) -> Position:
    """The position after a claim was paid."""
    paid = dict(position.paid_by)
    for party, fen in split.sharers.items():
        paid[party] = paid.get(party, 0) + fen
    return replace(position, defaulted_fen=position.defaulted_fen + split.unpaid_fen, paid_by=paid)


def share_recovery(
    losses: Mapping[str, int], recovered: Mapping[str, int], amount_fen: int
) -> dict[str, int]:
    """Share ``amount_fen`` recovered from the borrower back to the parties in proportion to the
    loss each bore (largest remainder; ties by name), never past a party's unrecovered loss."""
    if amount_fen <= 0:
        raise SchemeError("amount: must be positive", field="amount")
    open_ = {p: losses[p] - recovered.get(p, 0) for p in sorted(losses) if losses[p] > 0}
    outstanding = sum(open_.values())
    if amount_fen > outstanding:
        raise SchemeError(
            f"amount: {amount_fen} fen exceeds the unrecovered loss of {outstanding} fen",
            field="amount",
        )
    total = sum(losses[p] for p in open_)
    out = {p: amount_fen * losses[p] // total for p in open_}
    # Hand the remainder fen out largest fractional part first, then by name.
    order = sorted(open_, key=lambda p: (-(amount_fen * losses[p] % total), p))
    left = amount_fen - sum(out.values())
    while left:
        moved = False
        for p in order:
            if left and out[p] < open_[p]:
                out[p] += 1
                left -= 1
                moved = True
        if not moved:  # pragma: no cover - outstanding ≥ amount makes this unreachable
            raise SchemeError("amount: cannot be shared", field="amount")
    # A party whose proportional part passes its unrecovered loss gives the excess to others.
    excess = sum(max(0, out[p] - open_[p]) for p in out)
    for p in out:
        out[p] = min(out[p], open_[p])
    for p in order:
        take = min(excess, open_[p] - out[p])
        out[p] += take
        excess -= take
    return out


# -- partner eligibility (国家融资担保基金 再担保合作) -------------------------------------


@dataclass(frozen=True, slots=True)
class PartnerBook:
    """A guarantor's business mix over the assessment period (fen)."""

    total_fen: int
    small_agri_fen: int  # to small/micro firms and agriculture (支小支农)
    single_small_loans_fen: int  # single loans at or under the small-loan limit


@dataclass(frozen=True, slots=True)
class PartnerRule:
    min_small_agri: Decimal = Decimal("0.80")
    min_single_small: Decimal = Decimal("0.50")


def partner_shortfalls(book: PartnerBook, rule: PartnerRule = PartnerRule()) -> list[str]:
    """Which eligibility tests a partner guarantor fails ([] = eligible)."""
    if book.total_fen <= 0:
        return ["no_business"]
    out = []
    if Decimal(book.small_agri_fen) / book.total_fen < rule.min_small_agri:
        out.append("small_agri_share")
    if Decimal(book.single_small_loans_fen) / book.total_fen < rule.min_single_small:
        out.append("single_small_loan_share")
    return out


def days_between(start: date, end: date) -> int:
    """Days from ``start`` to ``end`` (ACT)."""
    return (end - start).days

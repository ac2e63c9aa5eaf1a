"""The schemes shipped as data. Pure: no framework.

Figures from the national financing-guarantee fund's re-guarantee rules (2019, restated by
财金〔2025〕11号) and the Shenzhen Pingshan district risk-compensation pool; every figure is a
field of the scheme, so another local pool is another value, not new code.
"""

from __future__ import annotations

from decimal import Decimal

from chanrong.guarantee.domain import BORROWER, GUARANTOR, FeeRule, Scheme, Sharer

FIVE_MILLION_FEN = 5_000_000_00


def national_fund(
    *,
    bank_share: Decimal = Decimal("0.20"),
    provincial_share: Decimal = Decimal(0),
    guarantee_fee_pct: Decimal = Decimal("1.0"),
) -> Scheme:
    """国家融资担保基金 re-guarantee: the fund bears 20 %, the bank at least 20 %, the guarantor
    (with a provincial re-guarantor, by their agreement) the rest. The guarantor pays the fund
    0.5 % a year of the fund's share, 0.3 % for single loans of ¥5 M or less."""
    if bank_share < Decimal("0.20"):
        raise ValueError("bank_share: the bank bears at least 20 % under the national fund")
    sharers = [Sharer("fund", Decimal("0.20"))]
    if provincial_share:
        sharers.append(Sharer("provincial", provincial_share))
    return Scheme(
        code="national-fund",
        name="国家融资担保基金再担保 National financing-guarantee fund re-guarantee",
        bank_share=bank_share,
        sharers=tuple(sharers),
        fees=(
            FeeRule("guarantee", BORROWER, GUARANTOR, guarantee_fee_pct),
            FeeRule(
                "reguarantee",
                GUARANTOR,
                "fund",
                Decimal("0.5"),
                base_share=Decimal("0.20"),
                small_loan_limit_fen=FIVE_MILLION_FEN,
                small_loan_rate_pct=Decimal("0.3"),
            ),
        ),
    )


def pingshan_pool() -> Scheme:
    """坪山区风险补偿资金池: of a default's unpaid principal the pool pays 40 %, the guarantor
    40 %, the bank keeps 20 %; guarantee fee 1 % a year; the pool stops compensating once the
    loss rate over the cooperation period passes 2.5 % (and no new loan enters), and its total
    payouts are at most twice the guarantee fees collected."""
    return Scheme(
        code="pingshan-pool",
        name="坪山区风险补偿资金池 Pingshan district risk-compensation pool",
        bank_share=Decimal("0.20"),
        sharers=(
            Sharer(
                "pool",
                Decimal("0.40"),
                fee_multiple_cap=Decimal(2),
                loss_rate_stop=Decimal("0.025"),
            ),
        ),
        fees=(FeeRule("guarantee", BORROWER, GUARANTOR, Decimal("1.0"), counts_for_caps=True),),
        breaker_loss_rate=Decimal("0.025"),
    )


PRESETS = {"national-fund": national_fund, "pingshan-pool": pingshan_pool}

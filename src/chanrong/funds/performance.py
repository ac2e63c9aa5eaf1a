"""Fund performance from dated cash flows and a NAV: IRR, DPI, RVPI, TVPI, KS-PME, direct alpha.

Pure: no framework. Money is integer fen (contributions negative, distributions positive, as
the fund's LPs see them); multiples are exact Decimal ratios of fen. Rates come from pyxirr's
XIRR (actual/365), the maintained library, wrapped so that a rate that does not converge or
cannot exist is a :class:`RateNotFound` naming why, never a null.

Definitions (see the shared finance notes):
- paid-in = the sum of contributions; DPI = distributions / paid-in; RVPI = NAV / paid-in;
  TVPI = DPI + RVPI.
- IRR: XIRR of the flows with the NAV as a final distribution on the NAV date.
- Kaplan–Schoar PME = (distributions compounded by the index to the NAV date + NAV) /
  (contributions compounded by the index to the NAV date).
- Direct alpha: the XIRR of the same index-compounded flows with the NAV (an annual rate; when
  the index grows at a constant rate g, it equals (1 + IRR) / (1 + g) − 1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


class FundMetricError(ValueError):
    """The inputs cannot give the figure; ``field`` names the input at fault."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class RateNotFound(FundMetricError):
    """XIRR did not converge, or the flows admit no rate (e.g. no sign change)."""


@dataclass(frozen=True, slots=True)
class CashFlow:
    """One dated flow between the fund and its LPs, in fen: negative is a capital call
    (contribution), positive a distribution."""

    on: date
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Performance:
    """Every figure for one fund at one NAV date (rates as annual fractions)."""

    paid_in_fen: int
    distributed_fen: int
    nav_fen: int
    dpi: Decimal
    rvpi: Decimal
    tvpi: Decimal
    irr: Decimal
    ks_pme: Decimal | None  # None only when no index was given
    direct_alpha: Decimal | None


def _checked(flows: Sequence[CashFlow], nav_fen: int, nav_date: date) -> None:
    if not flows:
        raise FundMetricError("flows", "give at least one cash flow")
    if nav_fen < 0:
        raise FundMetricError("nav", "a NAV cannot be negative")
    for f in flows:
        if f.on > nav_date:
            raise FundMetricError("flows", f"a flow on {f.on} is after the NAV date {nav_date}")


def paid_in(flows: Sequence[CashFlow]) -> int:
    """Contributions, in fen, as a positive number."""
    return -sum(f.amount_fen for f in flows if f.amount_fen < 0)


def distributed(flows: Sequence[CashFlow]) -> int:
    """Distributions, in fen."""
    return sum(f.amount_fen for f in flows if f.amount_fen > 0)


def _per_paid_in(flows: Sequence[CashFlow], value_fen: int) -> Decimal:
    base = paid_in(flows)
    if base == 0:
        raise FundMetricError("flows", "no contribution yet: the multiples divide by paid-in")
    return Decimal(value_fen) / Decimal(base)


def dpi(flows: Sequence[CashFlow]) -> Decimal:
    """Distributions over paid-in."""
    return _per_paid_in(flows, distributed(flows))


def rvpi(flows: Sequence[CashFlow], nav_fen: int) -> Decimal:
    """NAV over paid-in."""
    return _per_paid_in(flows, nav_fen)


def tvpi(flows: Sequence[CashFlow], nav_fen: int) -> Decimal:
    """(Distributions + NAV) over paid-in."""
    return _per_paid_in(flows, distributed(flows) + nav_fen)


def _xirr(dates: list[date], amounts: list[Decimal], what: str) -> Decimal:
    import pyxirr

    if not any(a < 0 for a in amounts) or not any(a > 0 for a in amounts):
        raise RateNotFound(what, "needs both a contribution and a distribution or NAV")
    try:
        # pyxirr works in binary floating point; the rate is a ratio, not money, and is read
        # back through its shortest decimal form.
        rate = pyxirr.xirr(dates, [float(a) for a in amounts], silent=True)
    except pyxirr.InvalidPaymentsError as exc:
        raise RateNotFound(what, str(exc)) from None
    if rate is None or rate != rate:  # None or NaN: no convergence
        raise RateNotFound(what, "XIRR did not converge: these flows have no rate")
    return Decimal(repr(rate))


def _with_nav(flows: Sequence[CashFlow], nav_fen: int, nav_date: date) -> list[CashFlow]:
    return [*flows, CashFlow(nav_date, nav_fen)] if nav_fen else list(flows)


def irr(flows: Sequence[CashFlow], nav_fen: int, nav_date: date) -> Decimal:
    """XIRR of the flows with the NAV as a final distribution; :class:`RateNotFound` when
    there is none."""
    _checked(flows, nav_fen, nav_date)
    all_flows = _with_nav(flows, nav_fen, nav_date)
    return _xirr([f.on for f in all_flows], [Decimal(f.amount_fen) for f in all_flows], "irr")


def _growth(index: Mapping[date, Decimal], on: date, nav_date: date) -> Decimal:
    try:
        start, end = index[on], index[nav_date]
    except KeyError as exc:
        raise FundMetricError("index", f"no index level on {exc.args[0]}") from None
    if start <= 0:
        raise FundMetricError("index", f"the index level on {on} must be positive")
    return end / start


def _compounded(
    flows: Sequence[CashFlow], nav_date: date, index: Mapping[date, Decimal]
) -> list[Decimal]:
    return [Decimal(f.amount_fen) * _growth(index, f.on, nav_date) for f in flows]


def ks_pme(
    flows: Sequence[CashFlow], nav_fen: int, nav_date: date, index: Mapping[date, Decimal]
) -> Decimal:
    """Kaplan–Schoar PME, exact in Decimal; ``index`` gives the public index's level on each
    flow date and on the NAV date. Above 1: the fund beat the index."""
    _checked(flows, nav_fen, nav_date)
    fv = _compounded(flows, nav_date, index)
    contributions = -sum((v for v in fv if v < 0), Decimal(0))
    if contributions == 0:
        raise FundMetricError("flows", "no contribution yet: KS-PME divides by contributions")
    gains = sum((v for v in fv if v > 0), Decimal(0)) + Decimal(nav_fen)
    return gains / contributions


def direct_alpha(
    flows: Sequence[CashFlow], nav_fen: int, nav_date: date, index: Mapping[date, Decimal]
) -> Decimal:
    """The annual rate of the index-compounded flows plus the NAV (Gredil, Griffiths and
    Stucke's direct alpha, discrete form)."""
    _checked(flows, nav_fen, nav_date)
    fv = _compounded(flows, nav_date, index)
    dates = [f.on for f in flows]
    if nav_fen:
        dates.append(nav_date)
        fv.append(Decimal(nav_fen))
    return _xirr(dates, fv, "direct_alpha")


def performance(
    flows: Sequence[CashFlow],
    nav_fen: int,
    nav_date: date,
    index: Mapping[date, Decimal] | None = None,
) -> Performance:
    """Every figure at once (the PMEs only with an ``index``)."""
    _checked(flows, nav_fen, nav_date)
    return Performance(
        paid_in_fen=paid_in(flows),
        distributed_fen=distributed(flows),
        nav_fen=nav_fen,
        dpi=dpi(flows),
        rvpi=rvpi(flows, nav_fen),
        tvpi=tvpi(flows, nav_fen),
        irr=irr(flows, nav_fen, nav_date),
        ks_pme=ks_pme(flows, nav_fen, nav_date, index) if index is not None else None,
        direct_alpha=direct_alpha(flows, nav_fen, nav_date, index) if index is not None else None,
    )

"""Pure rules of confirmed-payable certificates (凭证): split, transfer, finance, settle.

A confirmed payable issues one root certificate. Each certificate is consumed at most once:
split into children held by the same holder, transferred (one child held by the recipient)
or financed (one child held by the bank). Consumption never deletes anything, so the tree
of a payable is its whole lineage. At maturity the issuer pays the holders of the leaves.

No framework imports here: this module is tested without a database and is the yardstick
the stateful and concurrency tests measure the stored trees against.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from chanrong.core.errors import Conflict, Forbidden, ValidationFailed
from chanrong.core.money import fen_to_yuan, format_yuan, round_fen


class PayableState(StrEnum):
    SUBMITTED = "submitted"  # the supplier asked the core enterprise to confirm
    CONFIRMED = "confirmed"  # 确权: the root certificate exists
    REJECTED = "rejected"
    SETTLED = "settled"  # paid at maturity; the tree is closed
    OVERDUE = "overdue"  # unpaid after maturity; a later payment still settles it


class CertState(StrEnum):
    LIVE = "live"  # held; the holder may act on it
    SPLIT = "split"
    TRANSFERRED = "transferred"
    FINANCED = "financed"
    SETTLED = "settled"  # paid out to its holder at maturity
    OVERDUE = "overdue"  # unpaid after maturity: still a claim on the core enterprise
    RECOURSED = "recoursed"  # the bank was repaid by the seller, who holds the claim again


class Origin(StrEnum):
    """How a certificate came to exist."""

    ISSUE = "issue"
    SPLIT = "split"
    TRANSFER = "transfer"
    FINANCING = "financing"
    RECOURSE = "recourse"


class FinancingState(StrEnum):
    REQUESTED = "requested"
    QUOTED = "quoted"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # the certificate was consumed another way first


class DayCount(StrEnum):
    """Day-count basis of a discount: actual days over 360 or over 365."""

    ACT_360 = "ACT/360"
    ACT_365 = "ACT/365"

    @property
    def year_days(self) -> int:
        return 360 if self is DayCount.ACT_360 else 365


CONSUMED = {
    CertState.SPLIT: Origin.SPLIT,
    CertState.TRANSFERRED: Origin.TRANSFER,
    CertState.FINANCED: Origin.FINANCING,
    CertState.RECOURSED: Origin.RECOURSE,
}
# States that are a claim still to be paid (the leaves besides settled ones).
OUTSTANDING = (CertState.LIVE, CertState.OVERDUE)

MAX_SPLIT_PARTS = 50
MAX_RATE_PERCENT = Decimal(36)  # above this a quote is surely a typo (and usurious)
MAX_TERM_DAYS = 366 * 3  # a confirmed payable longer than three years is not trade credit


@dataclass(frozen=True, slots=True)
class CertView:
    """The facts about one certificate that the rules need."""

    id: str
    parent_id: str | None
    holder_org_id: str
    face_fen: int
    state: CertState
    origin: Origin
    maturity: date


def require_positive_fen(amount_fen: int, *, field: str = "amount") -> int:
    """Amounts are whole, positive fen."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationFailed(f"{field}: must be a positive amount", field=field)
    return amount_fen


def check_can_act(cert: CertView, actor_org_id: str, today: date) -> None:
    """Only the holder, only on a live certificate, only before maturity."""
    if cert.holder_org_id != actor_org_id:
        raise Forbidden("only the certificate's holder can act on it")
    if cert.state is not CertState.LIVE:
        raise Conflict(f"the certificate is already {cert.state.value}; it cannot be used again")
    if today >= cert.maturity:
        raise Conflict(
            f"the certificate matured on {cert.maturity.isoformat()}; only settlement remains"
        )


def check_maturity(maturity: date, today: date, *, field: str = "maturity_date") -> None:
    """A payable must mature after the day it is submitted, and within ``MAX_TERM_DAYS``."""
    if maturity <= today:
        raise ValidationFailed(f"{field}: must be after {today.isoformat()}", field=field)
    if (maturity - today).days > MAX_TERM_DAYS:
        raise ValidationFailed(
            f"{field}: at most {MAX_TERM_DAYS} days after {today.isoformat()}", field=field
        )


def plan_split(face_fen: int, parts_fen: Sequence[int]) -> tuple[int, ...]:
    """The children of a split; a remainder is kept by the holder as the last part.

    Parts are positive fen; they may add up to less than the face value (the rest becomes one
    more part) but never more, and the result has at least two parts.
    """
    if not parts_fen:
        raise ValidationFailed("parts: give at least one part to split off", field="parts")
    for i, part in enumerate(parts_fen):
        require_positive_fen(part, field=f"parts.{i}")
    total = sum(parts_fen)
    if total > face_fen:
        raise ValidationFailed(
            f"parts: add up to {format_yuan(total)}, more than the face value "
            f"{format_yuan(face_fen)}",
            field="parts",
        )
    planned = tuple(parts_fen) if total == face_fen else (*parts_fen, face_fen - total)
    if len(planned) < 2:
        raise ValidationFailed("parts: a split needs at least two parts", field="parts")
    if len(planned) > MAX_SPLIT_PARTS:
        raise ValidationFailed(f"parts: at most {MAX_SPLIT_PARTS} parts", field="parts")
    return planned


def check_rate(annual_rate_percent: Decimal) -> Decimal:
    """A quoted annual discount rate in percent: above 0, at most ``MAX_RATE_PERCENT``."""
    if not annual_rate_percent.is_finite() or not (
        Decimal(0) < annual_rate_percent <= MAX_RATE_PERCENT
    ):
        raise ValidationFailed(
            f"annual_rate_percent: must be above 0 and at most {MAX_RATE_PERCENT}",
            field="annual_rate_percent",
        )
    return annual_rate_percent


def days_between(start: date, end: date) -> int:
    """Actual days from ``start`` to ``end``."""
    return (end - start).days


def discount_fen(face_fen: int, annual_rate_percent: Decimal, days: int, basis: DayCount) -> int:
    """Discount interest: face × rate × days / (360 or 365), rounded half-up to whole fen."""
    require_positive_fen(face_fen, field="face")
    check_rate(annual_rate_percent)
    if days <= 0:
        raise Conflict("the certificate has matured; it can no longer be financed")
    exact = Decimal(face_fen) * annual_rate_percent / 100 * days / basis.year_days
    discount = round_fen(exact)
    if discount >= face_fen:
        raise ValidationFailed(
            "annual_rate_percent: the discount would take the whole face value",
            field="annual_rate_percent",
        )
    return discount


def tree_violations(payable_face_fen: int, nodes: Iterable[CertView]) -> list[str]:
    """Every way the stored tree of one payable breaks the certificate invariants.

    An empty list means: one root with the payable's face; every certificate positive; live
    and settled certificates have no children; every consumed certificate has exactly the
    children its consumption makes (≥2 split parts, or one transfer/financing child) whose
    faces sum to its own; so the leaves always add up to the payable.
    """
    items = list(nodes)
    by_id = {n.id: n for n in items}
    children: dict[str, list[CertView]] = defaultdict(list)
    problems: list[str] = []
    roots = [n for n in items if n.parent_id is None]
    if len(roots) != 1:
        problems.append(f"expected one root certificate, found {len(roots)}")
    elif roots[0].face_fen != payable_face_fen:
        problems.append(
            f"root face {roots[0].face_fen} differs from payable face {payable_face_fen}"
        )
    for n in items:
        if n.face_fen <= 0:
            problems.append(f"{n.id}: face {n.face_fen} is not positive")
        if n.parent_id is not None:
            if n.parent_id not in by_id:
                problems.append(f"{n.id}: parent {n.parent_id} is missing")
            children[n.parent_id].append(n)
        elif n.origin is not Origin.ISSUE:
            problems.append(f"{n.id}: a root must be issued, not {n.origin.value}")
    for n in items:
        kids = children.get(n.id, [])
        expected = CONSUMED.get(n.state)
        if expected is None:
            if kids:
                problems.append(f"{n.id}: {n.state.value} but has {len(kids)} children")
            continue
        if not kids:
            problems.append(f"{n.id}: {n.state.value} but has no children")
            continue
        wrong = [k.id for k in kids if k.origin is not expected]
        if wrong:
            problems.append(f"{n.id}: children {wrong} do not come from its {n.state.value}")
        if expected is Origin.SPLIT and len(kids) < 2:
            problems.append(f"{n.id}: split into {len(kids)} part")
        if expected is not Origin.SPLIT and len(kids) != 1:
            problems.append(f"{n.id}: {n.state.value} {len(kids)} times")
        total = sum(k.face_fen for k in kids)
        if total != n.face_fen:
            problems.append(f"{n.id}: children sum to {total}, not its face {n.face_fen}")
    leaves = sum(n.face_fen for n in items if n.state in (*OUTSTANDING, CertState.SETTLED))
    if items and leaves != payable_face_fen:
        problems.append(f"leaves sum to {leaves}, not the payable's {payable_face_fen}")
    return problems


def settled_tree_violations(nodes: Iterable[CertView]) -> list[str]:
    """After settlement nothing may be left live or overdue."""
    return [
        f"{n.id}: still {n.state.value} after settlement" for n in nodes if n.state in OUTSTANDING
    ]


def is_overdue_on(maturity: date, day: date) -> bool:
    """A certificate unpaid at the end of ``day`` is overdue when it matured on or before it."""
    return maturity <= day


def check_headroom(limit_fen: int, used_fen: int, face_fen: int) -> None:
    """Financing ``face_fen`` more must stay within a bank's limit on the core enterprise
    (授信额度); the refusal names what is left."""
    headroom = max(limit_fen - used_fen, 0)
    if face_fen > headroom:
        raise Conflict(
            f"exposure limit: financing {format_yuan(face_fen)} exceeds the remaining headroom "
            f"{format_yuan(headroom)} (limit {format_yuan(limit_fen)}, "
            f"outstanding {format_yuan(used_fen)}) on this core enterprise",
            field="exposure_limit",
            extra={"headroom": f"{fen_to_yuan(headroom)}", "limit": f"{fen_to_yuan(limit_fen)}"},
        )

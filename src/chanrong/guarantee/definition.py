"""A scheme as JSON (stored with the scheme, shown to every party) and back. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from chanrong.guarantee.domain import FeeRule, Scheme, SchemeError, Sharer


def _dec(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


def to_json(s: Scheme) -> dict[str, Any]:
    """Every figure of the scheme; decimals as strings."""
    return {
        "code": s.code,
        "name": s.name,
        "bank_share": str(s.bank_share),
        "guarantee_cap_fen": s.guarantee_cap_fen,
        "max_loan_fen": s.max_loan_fen,
        "breaker_loss_rate": _dec(s.breaker_loss_rate),
        "sharers": [
            {
                "party": x.party,
                "share": str(x.share),
                "per_loan_cap_fen": x.per_loan_cap_fen,
                "total_cap_fen": x.total_cap_fen,
                "fee_multiple_cap": _dec(x.fee_multiple_cap),
                "loss_rate_stop": _dec(x.loss_rate_stop),
            }
            for x in s.sharers
        ],
        "fees": [
            {
                "name": f.name,
                "payer": f.payer,
                "payee": f.payee,
                "annual_rate_pct": str(f.annual_rate_pct),
                "base_share": str(f.base_share),
                "small_loan_limit_fen": f.small_loan_limit_fen,
                "small_loan_rate_pct": _dec(f.small_loan_rate_pct),
                "counts_for_caps": f.counts_for_caps,
            }
            for f in s.fees
        ],
    }


def _d(data: Mapping[str, Any], key: str, where: str) -> Decimal | None:
    v = data.get(key)
    if v is None:
        return None
    try:
        return Decimal(str(v))
    except InvalidOperation:
        raise SchemeError(f"{where}.{key}: not a number", field=f"{where}.{key}") from None


def from_json(data: Mapping[str, Any]) -> Scheme:
    """The scheme stored as ``to_json`` wrote it."""
    bank = _d(data, "bank_share", "definition")
    if bank is None:
        raise SchemeError("definition.bank_share: required", field="definition.bank_share")
    sharers = []
    for x in data.get("sharers", []):
        share = _d(x, "share", "sharers")
        if share is None:
            raise SchemeError("sharers.share: required", field="sharers.share")
        sharers.append(
            Sharer(
                str(x["party"]),
                share,
                per_loan_cap_fen=x.get("per_loan_cap_fen"),
                total_cap_fen=x.get("total_cap_fen"),
                fee_multiple_cap=_d(x, "fee_multiple_cap", "sharers"),
                loss_rate_stop=_d(x, "loss_rate_stop", "sharers"),
            )
        )
    fees = []
    for f in data.get("fees", []):
        rate = _d(f, "annual_rate_pct", "fees")
        if rate is None:
            raise SchemeError("fees.annual_rate_pct: required", field="fees.annual_rate_pct")
        fees.append(
            FeeRule(
                str(f["name"]),
                str(f["payer"]),
                str(f["payee"]),
                rate,
                base_share=_d(f, "base_share", "fees") or Decimal(1),
                small_loan_limit_fen=f.get("small_loan_limit_fen"),
                small_loan_rate_pct=_d(f, "small_loan_rate_pct", "fees"),
                counts_for_caps=bool(f.get("counts_for_caps", False)),
            )
        )
    return Scheme(
        code=str(data["code"]),
        name=str(data["name"]),
        bank_share=bank,
        sharers=tuple(sharers),
        fees=tuple(fees),
        guarantee_cap_fen=data.get("guarantee_cap_fen"),
        max_loan_fen=data.get("max_loan_fen"),
        breaker_loss_rate=_d(data, "breaker_loss_rate", "definition"),
    )

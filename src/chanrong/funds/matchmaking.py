"""Matchmaking both ways: enterprises post financing needs, investors and banks post mandates;
each side sees its matches with the score's reasons. Flushes, never commits.

A need is written and its matches read only by its enterprise; a mandate only by its
organisation. What a match shows of the other side is what was posted to be matched (the
need's amount, instrument, stage, sector and region; the mandate's terms) and the other
organisation's name — never its operating data, which stays behind consent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.core.codes import validate_industry, validate_region
from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.funds import matching
from chanrong.funds.orm import FinancingNeed, Mandate
from chanrong.identity import service as identity
from chanrong.market import service as market


def _one_of(values: Sequence[str], allowed: Sequence[str], field: str) -> tuple[str, ...]:
    out = tuple(v.strip().lower() for v in values if v.strip())
    bad = [v for v in out if v not in allowed]
    if bad:
        raise ValidationFailed(
            f"{field}: {bad[0]!r} is not one of {', '.join(allowed)}", field=field
        )
    return out


def post_need(
    session: Session,
    org_id: str,
    *,
    instrument: str,
    amount_fen: int,
    stage: str | None,
    use_of_funds: str,
) -> FinancingNeed:
    """Record an enterprise's need; its sector and region are its registration's."""
    inst = instrument.strip().lower()
    if inst not in matching.INSTRUMENTS:
        raise ValidationFailed(
            f"instrument: {instrument!r} is not one of {', '.join(matching.INSTRUMENTS)}",
            field="instrument",
        )
    if stage is not None and stage.strip().lower() not in matching.STAGES:
        raise ValidationFailed(
            f"stage: {stage!r} is not one of {', '.join(matching.STAGES)}", field="stage"
        )
    stage = stage.strip().lower() if stage else None
    if amount_fen <= 0:
        raise ValidationFailed("amount_yuan: a need is positive", field="amount_yuan")
    org = identity.find_organisation(session, org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id}")
    need = FinancingNeed(
        org_id=org_id,
        instrument=inst,
        amount_fen=amount_fen,
        stage=stage,
        use_of_funds=use_of_funds.strip(),
        sector_code=org.industry_code,
        region_code=org.region_code,
    )
    session.add(need)
    session.flush()
    return need


@dataclass(frozen=True, slots=True)
class MandateInput:
    name: str
    instruments: tuple[str, ...]
    sectors: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    ticket_min_fen: int | None = None
    ticket_max_fen: int | None = None


def post_mandate(session: Session, org_id: str, m: MandateInput) -> Mandate:
    """Record an investor's or a bank's mandate (codes validated; empty lists mean any)."""
    instruments = _one_of(m.instruments, matching.INSTRUMENTS, "instruments")
    if not instruments:
        raise ValidationFailed("instruments: name at least one", field="instruments")
    # A sector is a GB/T 4754 code or a taxonomy field (its GB/T 4754 divisions).
    sectors: list[str] = []
    for s in m.sectors:
        codes = market.field_industries(s) or (validate_industry(s, field="sectors").code,)
        sectors += [c for c in codes if c not in sectors]
    regions = [validate_region(r, field="regions").code for r in m.regions]
    stages = _one_of(m.stages, matching.STAGES, "stages")
    low, high = m.ticket_min_fen, m.ticket_max_fen
    if low is not None and high is not None and low > high:
        raise ValidationFailed("ticket_max_yuan: below the minimum", field="ticket_max_yuan")
    row = Mandate(
        org_id=org_id,
        name=m.name.strip(),
        instruments=",".join(instruments),
        sectors=",".join(sectors),
        stages=",".join(stages),
        regions=",".join(regions),
        ticket_min_fen=low,
        ticket_max_fen=high,
    )
    session.add(row)
    session.flush()
    return row


def _split(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split(",") if v)


def _need(n: FinancingNeed) -> matching.Need:
    return matching.Need(n.id, n.instrument, n.amount_fen, n.stage, n.sector_code, n.region_code)


def _mandate(m: Mandate) -> matching.Mandate:
    return matching.Mandate(
        m.id,
        _split(m.instruments),
        _split(m.sectors),
        _split(m.stages),
        _split(m.regions),
        m.ticket_min_fen,
        m.ticket_max_fen,
    )


def needs_of(session: Session, org_id: str) -> Sequence[FinancingNeed]:
    """The enterprise's needs, newest first."""
    return session.scalars(
        select(FinancingNeed)
        .where(FinancingNeed.org_id == org_id)
        .order_by(FinancingNeed.created_at.desc(), FinancingNeed.id)
    ).all()


def mandates_of(session: Session, org_id: str) -> Sequence[Mandate]:
    """The organisation's mandates by name."""
    return session.scalars(
        select(Mandate).where(Mandate.org_id == org_id).order_by(Mandate.name)
    ).all()


@dataclass(frozen=True, slots=True)
class NeedMatch:
    """A mandate matching one of the enterprise's needs."""

    match: matching.Match
    mandate: Mandate
    org_name: str


@dataclass(frozen=True, slots=True)
class MandateMatch:
    """A need matching one of the organisation's mandates."""

    match: matching.Match
    need: FinancingNeed
    org_name: str


def matches_for_need(session: Session, org_id: str, need_id: str) -> list[NeedMatch]:
    """The mandates matching the enterprise's need, best first, with the reasons."""
    need = session.get(FinancingNeed, need_id)
    if need is None or need.org_id != org_id:
        raise NotFound(f"no financing need {need_id}")
    mandates = {m.id: m for m in session.scalars(select(Mandate)).all() if m.org_id != org_id}
    found = matching.ranked([matching.score(_need(need), _mandate(m)) for m in mandates.values()])
    names = identity.organisation_names(session, [mandates[x.mandate_id].org_id for x in found])
    return [
        NeedMatch(x, mandates[x.mandate_id], names.get(mandates[x.mandate_id].org_id, ""))
        for x in found
    ]


def matches_for_mandate(session: Session, org_id: str, mandate_id: str) -> list[MandateMatch]:
    """The needs matching the organisation's mandate, best first, with the reasons."""
    mandate = session.get(Mandate, mandate_id)
    if mandate is None or mandate.org_id != org_id:
        raise NotFound(f"no mandate {mandate_id}")
    needs = {n.id: n for n in session.scalars(select(FinancingNeed)).all() if n.org_id != org_id}
    found = matching.ranked([matching.score(_need(n), _mandate(mandate)) for n in needs.values()])
    names = identity.organisation_names(session, [needs[x.need_id].org_id for x in found])
    return [
        MandateMatch(x, needs[x.need_id], names.get(needs[x.need_id].org_id, "")) for x in found
    ]

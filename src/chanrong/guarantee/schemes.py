"""Schemes: set up from a preset, read with their running position and each party's figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.guarantee import definition
from chanrong.guarantee.access import require_scheme_owner
from chanrong.guarantee.domain import BANK, GUARANTOR, Position, Scheme
from chanrong.guarantee.orm import SchemeRow
from chanrong.guarantee.presets import PRESETS
from chanrong.guarantee.repository import GuaranteeRepository
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal


def scheme_of(row: SchemeRow) -> Scheme:
    """The scheme's rules as stored."""
    return definition.from_json(row.definition)


def create_scheme(
    session: Session,
    principal: Principal,
    *,
    preset: str,
    code: str,
    starts_on: date,
    ends_on: date,
    sharer_orgs: Mapping[str, str],
) -> SchemeRow:
    """A government body (or the platform operator) sets up a scheme from a preset, naming the
    organisation that plays each sharer (the fund, the pool …). Logged."""
    require_scheme_owner(session, principal)
    make = PRESETS.get(preset)
    if make is None:
        raise ValidationFailed(
            f"preset: unknown; expected one of {', '.join(sorted(PRESETS))}", field="preset"
        )
    if not code.strip():
        raise ValidationFailed("code: required", field="code")
    if ends_on <= starts_on:
        raise ValidationFailed("ends_on: must be after starts_on", field="ends_on")
    scheme = make()
    parties = {s.party for s in scheme.sharers}
    if set(sharer_orgs) != parties:
        raise ValidationFailed(
            f"sharer_orgs: name an organisation for exactly {sorted(parties)}", field="sharer_orgs"
        )
    for party, org_id in sharer_orgs.items():
        if identity.find_organisation(session, org_id) is None:
            raise ValidationFailed(
                f"sharer_orgs.{party}: no such organisation", field="sharer_orgs"
            )
    repo = GuaranteeRepository(session)
    if repo.scheme_by_code(code) is not None:
        raise ValidationFailed(f"code: a scheme {code!r} exists", field="code")
    data = definition.to_json(scheme)
    data["code"] = code
    ref = governance.append_log(
        session,
        kind="guarantee.scheme.created",
        actor_org_id=principal.org_id,
        subject=f"{principal.org_id}:scheme:{code}",
        payload={"definition": data, "sharer_orgs": dict(sharer_orgs), "preset": preset},
    )
    row = SchemeRow(
        code=code,
        name=scheme.name,
        owner_org_id=principal.org_id,
        definition=data,
        sharer_orgs=dict(sharer_orgs),
        starts_on=starts_on,
        ends_on=ends_on,
        log_index=ref.index,
    )
    repo.add(row)
    session.flush()
    return row


def get_scheme(session: Session, code_or_id: str) -> SchemeRow:
    """A scheme by code or id (schemes are public rules: every party may read them)."""
    repo = GuaranteeRepository(session)
    row = repo.scheme_by_code(code_or_id) or repo.scheme(code_or_id)
    if row is None:
        raise NotFound(f"no scheme {code_or_id}")
    return row


def list_schemes(session: Session) -> Sequence[SchemeRow]:
    return GuaranteeRepository(session).schemes()


def position_of(session: Session, row: SchemeRow) -> Position:
    """The scheme's running figures, from its guarantees, fees and claims."""
    repo = GuaranteeRepository(session)
    paid: dict[str, int] = {}
    defaulted = 0
    for c in repo.claims_of_scheme(row.id):
        defaulted += c.unpaid_fen
        for party, fen in c.sharers.items():
            paid[party] = paid.get(party, 0) + int(fen)
    return Position(
        enrolled_fen=repo.enrolled_fen(row.id),
        defaulted_fen=defaulted,
        cap_fees_fen=repo.cap_fees_fen(row.id),
        paid_by=paid,
    )


@dataclass(frozen=True, slots=True)
class SchemeReport:
    """A scheme's position and, per party, losses borne, recoveries and fees (fen)."""

    row: SchemeRow
    scheme: Scheme
    position: Position
    claims: int
    losses: dict[str, int]
    recovered: dict[str, int]
    fees: dict[str, int]
    breaker_tripped: bool

    @property
    def net_losses(self) -> dict[str, int]:
        return {p: v - self.recovered.get(p, 0) for p, v in self.losses.items()}


def scheme_report(session: Session, row: SchemeRow) -> SchemeReport:
    """Everything a party needs to see where a scheme stands."""
    repo = GuaranteeRepository(session)
    scheme = scheme_of(row)
    pos = position_of(session, row)
    losses: dict[str, int] = {BANK: 0, GUARANTOR: 0, **{s.party: 0 for s in scheme.sharers}}
    recovered: dict[str, int] = dict.fromkeys(losses, 0)
    claims = repo.claims_of_scheme(row.id)
    for c in claims:
        losses[BANK] += c.bank_fen
        losses[GUARANTOR] += c.guarantor_fen
        for party, fen in c.sharers.items():
            losses[party] = losses.get(party, 0) + int(fen)
        for r in repo.recoveries(c.id):
            for party, fen in r.shares.items():
                recovered[party] = recovered.get(party, 0) + int(fen)
    rate = pos.loss_rate
    tripped = bool(
        scheme.breaker_loss_rate is not None
        and rate is not None
        and rate > scheme.breaker_loss_rate
    )
    return SchemeReport(
        row, scheme, pos, len(claims), losses, recovered, repo.fees_fen_by_name(row.id), tripped
    )

"""Two-way matchmaking (供需对接): an enterprise's financing need against an investor's or a
bank's mandate, scored with the reason for every point. Pure: no framework.

The instrument is a hard condition (an equity investor does not answer a lease request):
without it the score is 0. Otherwise each criterion adds its weight when met; a mandate that
states no preference on a criterion accepts any value (and says so); a need whose value is
unknown (e.g. no sector recorded) does not meet a stated preference and the reason says
"unknown", never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

INSTRUMENTS = ("equity", "loan", "lease", "supply_chain")
STAGES = ("seed", "angel", "a", "b", "c", "growth", "pre_ipo", "mature")
WEIGHTS = {"sector": 30, "stage": 20, "region": 20, "ticket": 30}


@dataclass(frozen=True, slots=True)
class Need:
    id: str
    instrument: str
    amount_fen: int
    stage: str | None
    sector_code: str | None
    region_code: str | None


@dataclass(frozen=True, slots=True)
class Mandate:
    id: str
    instruments: tuple[str, ...]
    sectors: tuple[str, ...]  # GB/T 4754 prefixes; empty: any
    stages: tuple[str, ...]  # empty: any
    regions: tuple[str, ...]  # GB/T 2260 codes (a province or city covers its parts); empty: any
    ticket_min_fen: int | None
    ticket_max_fen: int | None


@dataclass(frozen=True, slots=True)
class Reason:
    criterion: str  # instrument | sector | stage | region | ticket
    met: bool
    points: int
    detail: str  # machine-readable: any | match | mismatch | unknown | below | above


@dataclass(frozen=True, slots=True)
class Match:
    need_id: str
    mandate_id: str
    score: int  # 0..100
    reasons: tuple[Reason, ...]


def _region_prefix(code: str) -> str:
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _criterion(name: str, wanted: Sequence[str], value: str | None, covers: bool) -> Reason:
    w = WEIGHTS[name]
    if not wanted:
        return Reason(name, True, w, "any")
    if value is None:
        return Reason(name, False, 0, "unknown")
    return Reason(name, covers, w if covers else 0, "match" if covers else "mismatch")


def score(need: Need, mandate: Mandate) -> Match:
    """The match of one need with one mandate and the reason for each point."""
    if need.instrument not in mandate.instruments:
        reason = Reason("instrument", False, 0, "mismatch")
        return Match(need.id, mandate.id, 0, (reason,))
    reasons = [Reason("instrument", True, 0, "match")]
    sector = need.sector_code.upper() if need.sector_code else None
    reasons.append(
        _criterion(
            "sector",
            mandate.sectors,
            sector,
            sector is not None and sector.startswith(tuple(s.upper() for s in mandate.sectors)),
        )
    )
    reasons.append(_criterion("stage", mandate.stages, need.stage, need.stage in mandate.stages))
    region = need.region_code
    reasons.append(
        _criterion(
            "region",
            mandate.regions,
            region,
            region is not None
            and region.startswith(tuple(_region_prefix(r) for r in mandate.regions)),
        )
    )
    low, high = mandate.ticket_min_fen, mandate.ticket_max_fen
    if low is None and high is None:
        reasons.append(Reason("ticket", True, WEIGHTS["ticket"], "any"))
    elif low is not None and need.amount_fen < low:
        reasons.append(Reason("ticket", False, 0, "below"))
    elif high is not None and need.amount_fen > high:
        reasons.append(Reason("ticket", False, 0, "above"))
    else:
        reasons.append(Reason("ticket", True, WEIGHTS["ticket"], "match"))
    return Match(need.id, mandate.id, sum(r.points for r in reasons), tuple(reasons))


def ranked(matches: Sequence[Match]) -> list[Match]:
    """Matches with a positive score, best first (ties by id, so the order is stable)."""
    return sorted(
        (m for m in matches if m.score > 0), key=lambda m: (-m.score, m.need_id, m.mandate_id)
    )

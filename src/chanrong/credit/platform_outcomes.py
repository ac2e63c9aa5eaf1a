"""The platform's own outcomes: booked loans' decisions joined point-in-time to the defaults that
followed them — an ``OutcomeSource`` for training on what actually happened here.

An observation is one booked credit decision: the enterprise that applied, the application's
as-of date, and the profile that decision read — taken from the decision's recorded inputs
(the ``DecisionInputs`` record stored with the application, whose SHA-256 the verifiable log
holds), so a profile built or back-filled after the application can never leak into it. Its
label is whether a default went on the enterprise's record (``profiles.record_default``: a loan
turning 次级 or worse, 90+ days past due, or a reported default) in ``[as_of, as_of + horizon)``.

Censoring: an application younger than the horizon (as of ``today``) with no default yet has
not shown its outcome and is left out — never counted as good. One that already defaulted is
labelled bad whatever its age.

Which decisions were booked is lending's knowledge: the caller hands it over as a mapping of
application id → loan id (``lending.service.booked_decisions``), so credit does not import
lending (lending imports credit).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from chanrong.credit.features import FEATURES
from chanrong.credit.outcomes import Label
from chanrong.credit.record import record_sha256
from chanrong.credit.repository import CreditRepository


@dataclass
class PlatformCounts:
    """What the source found: booked decisions, those usable, and why the rest were left out."""

    booked: int = 0
    observed: int = 0  # with a profile in their recorded inputs
    no_profile: int = 0  # decided without a profile (knocked out, then booked by hand)
    inputs_altered: int = 0  # recorded inputs no longer match their SHA-256: not trusted
    not_found: int = 0  # a booked decision id credit does not hold
    duplicate: int = 0  # a second booked decision of the same enterprise on the same day
    censored: int = 0  # younger than the horizon and no default yet
    bads: int = 0
    goods: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class PlatformOutcomes:
    """Booked decisions and their outcomes on this platform (an ``outcomes.OutcomeSource``).

    ``booked`` maps each credit application id that a loan was booked on to that loan's id;
    ``today`` is the day outcomes are read as of (censoring)."""

    session: Session
    booked: Mapping[str, str]
    today: date
    counts: PlatformCounts = field(default_factory=PlatformCounts)
    _rows: list[dict[str, Any]] | None = field(default=None, repr=False)

    def _observations(self) -> list[dict[str, Any]]:
        """One row per usable booked decision: enterprise, as_of, the recorded characteristics,
        in application order (as-of date, then when decided)."""
        if self._rows is not None:
            return self._rows
        counts = PlatformCounts(booked=len(self.booked))
        apps = CreditRepository(self.session).applications_by_ids(sorted(self.booked))
        counts.not_found = len(self.booked) - len(apps)
        rows: list[dict[str, Any]] = []
        seen: set[tuple[str, date]] = set()
        for app in sorted(apps, key=lambda a: (a.as_of, a.created_at, a.id)):
            if record_sha256(app.inputs) != app.inputs_sha256:
                counts.inputs_altered += 1
                continue
            features = app.inputs.get("features")
            profile_as_of = app.inputs.get("profile_as_of")
            # The profile the decision read, as it read it; one dated after the application
            # (which no decision reads) is refused all the same.
            if (
                features is None
                or profile_as_of is None
                or (date.fromisoformat(profile_as_of) > app.as_of)
            ):
                counts.no_profile += 1
                continue
            key = (app.enterprise_org_id, app.as_of)
            if key in seen:
                counts.duplicate += 1
                continue
            seen.add(key)
            row: dict[str, Any] = {"enterprise": key[0], "as_of": key[1]}
            row.update({f: _number(features.get(f)) for f in FEATURES})
            row["application_id"] = app.id
            rows.append(row)
        counts.observed = len(rows)
        self.counts, self._rows = counts, rows
        return rows

    def dates(self) -> list[date]:
        """Every application date observed, ascending."""
        return sorted({r["as_of"] for r in self._observations()})

    def profiles(self, dates: Sequence[date]) -> pd.DataFrame:
        """The recorded profile of each booked decision dated on one of ``dates``."""
        wanted = set(dates)
        rows = [r for r in self._observations() if r["as_of"] in wanted]
        return pd.DataFrame(rows, columns=["enterprise", "as_of", *FEATURES, "application_id"])

    def labels(self, dates: Sequence[date], *, horizon_days: int) -> Iterable[Label]:
        """Defaulted within ``[as_of, as_of + horizon)``; censored observations left out."""
        if horizon_days < 1:
            raise ValueError("horizon_days: at least one day")
        wanted = set(dates)
        rows = [r for r in self._observations() if r["as_of"] in wanted]
        defaults = CreditRepository(self.session).default_dates({r["enterprise"] for r in rows})
        horizon = timedelta(days=horizon_days)
        out: list[Label] = []
        censored = bads = 0
        for r in rows:
            start, end = r["as_of"], r["as_of"] + horizon
            bad = any(start <= d < end for d in defaults.get(r["enterprise"], ()))
            if not bad and end > self.today:
                censored += 1
                continue
            bads += bad
            out.append(Label(r["enterprise"], start, bad))
        self.counts.censored, self.counts.bads = censored, bads
        self.counts.goods = len(out) - bads
        return out


def _number(value: Any) -> float | None:
    return None if value is None else float(value)

"""An enterprise's operating picture as chart panels, read through the telemetry service.

The same function serves the enterprise looking at itself and a bank looking under a grant:
every read goes through ``chanrong.telemetry.service``, which calls the governance policy check
(so a bank's reads are refused without a live grant and logged when allowed). Each panel is
fetched on its own, so a grant covering only some data categories shows what it covers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
from sqlalchemy.orm import Session

from chanrong.carbon import service as carbon
from chanrong.core.errors import ConsentRequired, NotFound
from chanrong.core.i18n import t
from chanrong.core.money import fen_to_yuan
from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal
from chanrong.telemetry import service as telemetry
from chanrong.web import charts

DAYS_SHOWN = 90


@dataclass
class Panel:
    """One chart of the profile, or why it is not shown."""

    key: str
    title: str
    option: dict[str, Any] | None = None
    refused: bool = False
    empty: bool = False
    facts: dict[str, str] = field(default_factory=dict)


def _daily_totals(table: pa.Table, metric: str) -> dict[date, float]:
    """Sum over devices of a counter's daily increase."""
    out: dict[date, float] = defaultdict(float)
    rows = table.select(["metric", "day", "increase"]).to_pylist()
    for row in rows:
        if row["metric"] == metric:
            out[row["day"]] += float(row["increase"] or 0.0)
    return dict(out)


def _utilisation(table: pa.Table) -> dict[date, float]:
    """Mean over devices of runtime hours per day ÷ 24, in percent (capped at 100)."""
    per_day: dict[date, list[float]] = defaultdict(list)
    for row in table.select(["metric", "day", "increase"]).to_pylist():
        if row["metric"] == "runtime_h":
            per_day[row["day"]].append(min(float(row["increase"] or 0.0) / 24.0, 1.0))
    return {d: round(100.0 * sum(v) / len(v), 1) for d, v in per_day.items() if v}


def _last_days(series: dict[date, float]) -> tuple[list[str], list[float]]:
    days = sorted(series)[-DAYS_SHOWN:]
    return [d.isoformat() for d in days], [round(series[d], 2) for d in days]


def _monthly_yuan(items: Sequence[tuple[date, int]]) -> tuple[list[str], list[float]]:
    months: dict[str, int] = defaultdict(int)
    for day, fen in items:
        months[day.strftime("%Y-%m")] += fen
    keys = sorted(months)[-12:]
    # Charts plot numbers; amounts stay exact Decimal yuan until this last display step.
    return keys, [float(fen_to_yuan(months[k]).quantize(Decimal("0.01"))) for k in keys]


def operating_panels(
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    org_id: str,
    purpose: str | None,
    locale: str,
    route: str,
) -> list[Panel]:
    """Utilisation, output, energy, orders and payments of ``org_id`` as seen by ``principal``.

    A panel refused for want of consent is shown as refused, and the refusal is kept for the
    enterprise to see (``route`` is the page it was attempted from), as the API keeps its own.
    """
    store = telemetry.open_store(settings)
    panels: list[Panel] = []

    def attempt(key: str, title_key: str, build: Callable[[], dict[str, Any] | None]) -> None:
        panel = Panel(key=key, title=t(title_key, locale))
        try:
            option = build()
        except ConsentRequired as exc:
            governance.record_denial(session, principal, exc, route=route)
            panel.refused = True
        else:
            panel.option = option
            panel.empty = option is None
        panels.append(panel)

    def equipment() -> pa.Table:
        return telemetry.daily_metrics(
            session,
            principal,
            store,
            org_id=org_id,
            metrics=["runtime_h", "output_count"],
            purpose=purpose,
        )

    equipment_table: list[pa.Table] = []

    def utilisation() -> dict[str, Any] | None:
        equipment_table.append(equipment())
        x, y = _last_days(_utilisation(equipment_table[0]))
        return charts.line(x, {t("web.bank.utilisation", locale): y}, unit="%") if x else None

    def output() -> dict[str, Any] | None:
        table = equipment_table[0] if equipment_table else equipment()
        x, y = _last_days(_daily_totals(table, "output_count"))
        return charts.bar(x, {t("web.bank.output", locale): y}) if x else None

    def energy() -> dict[str, Any] | None:
        table = telemetry.daily_metrics(
            session, principal, store, org_id=org_id, metrics=["energy_kwh"], purpose=purpose
        )
        x, y = _last_days(_daily_totals(table, "energy_kwh"))
        return charts.line(x, {"kWh": y}, unit="kWh", area=True) if x else None

    def orders() -> dict[str, Any] | None:
        rows = telemetry.records(session, principal, org_id=org_id, kind="orders", purpose=purpose)
        x, y = _monthly_yuan([(r.order_date, r.amount_fen) for r in rows])
        return charts.bar(x, {t("web.bank.orders", locale): y}, unit="¥") if x else None

    def payments() -> dict[str, Any] | None:
        rows = telemetry.records(
            session, principal, org_id=org_id, kind="payments", purpose=purpose
        )
        x, y = _monthly_yuan([(r.paid_date, r.amount_fen) for r in rows])
        return charts.bar(x, {t("web.bank.payments", locale): y}, unit="¥") if x else None

    attempt("utilisation", "web.bank.utilisation", utilisation)
    attempt("output", "web.bank.output", output)
    attempt("energy", "web.bank.energy", energy)
    attempt("orders", "web.bank.orders", orders)
    attempt("payments", "web.bank.payments", payments)
    return panels


@dataclass
class Derived:
    """The credit profile's characteristics and the carbon grade, each read under the check."""

    features: list[dict[str, Any]] | None = None  # None: not granted or no profile yet
    features_refused: bool = False
    carbon_grade: int | None = None
    carbon_refused: bool = False


def derived_facts(
    session: Session,
    principal: Principal,
    *,
    org_id: str,
    purpose: str | None,
    locale: str,
    route: str,
) -> Derived:
    """What the platform derived about ``org_id`` that ``principal`` may read for ``purpose``
    (a refused read is kept for the enterprise to see, attempted from ``route``)."""
    out = Derived()
    wanted = governance.Purpose(purpose) if purpose else None
    try:
        governance.authorize_read(
            session, principal, owner_org_id=org_id, dataset="derived.profile", purpose=wanted
        )
    except ConsentRequired as exc:
        governance.record_denial(session, principal, exc, route=route)
        out.features_refused = True
    else:
        try:
            out.features = credit.profile_view(credit.latest_profile(session, org_id), locale)
        except NotFound:
            out.features = None
    try:
        governance.authorize_read(
            session, principal, owner_org_id=org_id, dataset=carbon.DATASET, purpose=wanted
        )
    except ConsentRequired as exc:
        governance.record_denial(session, principal, exc, route=route)
        out.carbon_refused = True
    else:
        out.carbon_grade = carbon.latest_grade(session, org_id)
    return out

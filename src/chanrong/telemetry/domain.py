"""Telemetry rules: units and their conversion, the metric catalog, business-record shapes.

Pure: no framework imports, so the rules can be tested and reused anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from chanrong.core.errors import ValidationFailed
from chanrong.core.uscc import validate_uscc


class MetricKind(StrEnum):
    GAUGE = "gauge"  # a reading at an instant (power, state)
    COUNTER = "counter"  # monotone total that may reset to zero (energy, runtime, output)


# Every unit we accept, as (canonical unit, factor): value_in_canonical = value * factor.
UNITS: dict[str, tuple[str, Decimal]] = {
    "kWh": ("kWh", Decimal(1)),
    "MWh": ("kWh", Decimal(1000)),
    "Wh": ("kWh", Decimal("0.001")),
    "kW": ("kW", Decimal(1)),
    "MW": ("kW", Decimal(1000)),
    "W": ("kW", Decimal("0.001")),
    "m3": ("m3", Decimal(1)),
    "m³": ("m3", Decimal(1)),
    "L": ("m3", Decimal("0.001")),
    "t": ("t", Decimal(1)),
    "kg": ("t", Decimal("0.001")),
    "h": ("h", Decimal(1)),
    "min": ("h", Decimal(1) / Decimal(60)),
    "s": ("h", Decimal(1) / Decimal(3600)),
    "count": ("count", Decimal(1)),
    "state": ("state", Decimal(1)),
}


class UnitError(ValueError):
    """A unit we do not know, or one that does not measure what the metric measures."""


def conversion_factor(from_unit: str, to_unit: str) -> float:
    """The factor turning values in ``from_unit`` into ``to_unit`` (same dimension only)."""
    try:
        base_from, f_from = UNITS[from_unit]
        base_to, f_to = UNITS[to_unit]
    except KeyError as exc:
        known = ", ".join(sorted(UNITS))
        raise UnitError(f"unknown unit {exc.args[0]!r}; known units: {known}") from None
    if base_from != base_to:
        raise UnitError(f"cannot convert {from_unit} to {to_unit}: they measure different things")
    return float(f_from / f_to)


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """What a metric means and what values are plausible for it."""

    name: str
    unit: str
    kind: MetricKind
    low: float | None = None
    high: float | None = None
    expected_interval_s: int = 60
    # Largest believable increase of a counter per hour (per rated kW for energy).
    max_rate_per_h: float | None = None


CATALOG: dict[str, MetricSpec] = {
    m.name: m
    for m in (
        MetricSpec("run_state", "state", MetricKind.GAUGE, 0, 3),
        MetricSpec("runtime_h", "h", MetricKind.COUNTER, 0, None, max_rate_per_h=1.01),
        MetricSpec("output_count", "count", MetricKind.COUNTER, 0, None),
        MetricSpec("power_kw", "kW", MetricKind.GAUGE, 0, 5000),
        MetricSpec("stitches", "count", MetricKind.COUNTER, 0, None),
        MetricSpec("thread_cuts", "count", MetricKind.COUNTER, 0, None),
        MetricSpec("energy_kwh", "kWh", MetricKind.COUNTER, 0, None),
        MetricSpec("gas_m3", "m3", MetricKind.COUNTER, 0, None),
        MetricSpec("coal_t", "t", MetricKind.COUNTER, 0, None),
        MetricSpec("steam_t", "t", MetricKind.COUNTER, 0, None),
    )
}


def default_spec(metric: str) -> MetricSpec:
    """The catalog entry of a metric, or an open gauge for metrics we do not know yet."""
    return CATALOG.get(metric) or MetricSpec(metric, "count", MetricKind.GAUGE)


DEVICE_KINDS = (
    "cnc",
    "injection_moulder",
    "sewing_machine",
    "compressor",
    "press",
    "meter_electricity",
    "meter_gas",
    "meter_coal",
    "meter_steam",
)


# ---------------------------------------------------------------------------------------------
# Business records: the columns each kind has, their types, and which are required.


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    MONEY = "money"  # yuan at the edge (Decimal, 2 places) -> integer fen inside
    QUANTITY = "quantity"  # a non-negative decimal amount (kWh, m³, hours)
    USCC = "uscc"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: FieldType
    required: bool = True


@dataclass(frozen=True, slots=True)
class RecordSpec:
    kind: str
    key: str  # the column that identifies a record within an enterprise
    fields: tuple[FieldSpec, ...]
    dataset: str  # governance catalog key


def _f(name: str, type_: FieldType, required: bool = True) -> FieldSpec:
    return FieldSpec(name, type_, required)


T, D, M, Q, U = FieldType.TEXT, FieldType.DATE, FieldType.MONEY, FieldType.QUANTITY, FieldType.USCC

RECORD_SPECS: dict[str, RecordSpec] = {
    s.kind: s
    for s in (
        RecordSpec(
            "orders",
            "order_id",
            (
                _f("order_id", T),
                _f("buyer_uscc", U, False),
                _f("buyer_name", T),
                _f("order_date", D),
                _f("amount", M),
            ),
            "business.orders",
        ),
        RecordSpec(
            "invoices",
            "invoice_id",
            (
                _f("invoice_id", T),
                _f("order_id", T, False),
                _f("buyer_uscc", U, False),
                _f("buyer_name", T),
                _f("issue_date", D),
                _f("due_date", D),
                _f("amount", M),
            ),
            "business.invoices",
        ),
        RecordSpec(
            "receivables",
            "receivable_id",
            (
                _f("receivable_id", T),
                _f("invoice_id", T, False),
                _f("debtor_uscc", U, False),
                _f("debtor_name", T),
                _f("due_date", D),
                _f("amount", M),
                _f("outstanding", M),
            ),
            "business.receivables",
        ),
        RecordSpec(
            "payments",
            "payment_id",
            (
                _f("payment_id", T),
                _f("invoice_id", T),
                _f("payer_uscc", U, False),
                _f("paid_date", D),
                _f("amount", M),
                # The account it was paid into: a loan's collection account (回款账户) repays it.
                _f("account", T, False),
            ),
            "business.payments",
        ),
        RecordSpec(
            "outgoing_payments",
            "payment_id",
            (
                _f("payment_id", T),
                _f("payee_name", T),
                _f("payee_uscc", U, False),
                _f("payee_account", T, False),
                _f("payee_industry", T, False),
                _f("paid_date", D),
                _f("amount", M),
                _f("channel", T),
                _f("purpose", T, False),
            ),
            "business.outgoing_payments",
        ),
        RecordSpec(
            "energy_bills",
            "month",
            (
                _f("month", D),
                _f("electricity_kwh", Q),
                _f("gas_m3", Q, False),
                _f("coal_t", Q, False),
                _f("steam_t", Q, False),
                _f("cost", M),
                _f("output_value", M, False),
            ),
            "business.energy_bills",
        ),
        RecordSpec(
            "cloud_usage",
            "day",
            (
                _f("day", D),
                _f("compute_hours", Q),
                _f("api_calls", Q),
                _f("storage_gb", Q),
            ),
            "business.cloud_usage",
        ),
        # An insurance claim paid on a policy: which machine (device_id) or site was hurt, the
        # date of the loss, its cause, and what the insurer paid (the claims that pricing fits).
        RecordSpec(
            "claims",
            "claim_id",
            (
                _f("claim_id", T),
                _f("policy", T),
                _f("device_id", T, False),
                _f("site", T, False),
                _f("loss_date", D),
                _f("cause", T),
                _f("amount", M),
            ),
            "business.claims",
        ),
        # A stock movement of an inventory lot or a warehouse receipt (仓单), named by its
        # industrial-internet identifier: goods in, goods out, or a count that sets the balance;
        # ``unit_value`` (yuan per unit) is the lot's price on that day, required in and counted.
        RecordSpec(
            "stock_movements",
            "movement_id",
            (
                _f("movement_id", T),
                _f("item", T),
                _f("moved_on", D),
                _f("direction", T),
                _f("quantity", Q),
                _f("unit", T, False),
                _f("unit_value", M, False),
            ),
            "business.stock_movements",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one cell of an uploaded row was refused: row number as the user counts it, or
    None when the refusal concerns the upload as a whole (a column missing, a piece that
    cannot be read) and names no row."""

    row: int | None
    column: str
    reason: str


class RecordError(ValueError):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


def _parse_date(raw: object) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    for sep in ("-", "/", "."):
        parts = text.split(sep)
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
    if len(text) == 8 and text.isdigit():
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)")


def _parse_decimal(raw: object) -> Decimal:
    if isinstance(raw, float):
        # Spreadsheets hand us binary floats; go through repr so 12.3 stays 12.3.
        raw = repr(raw)
    text = str(raw).strip().replace(",", "").replace("¥", "").replace("￥", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    return value


def parse_record(spec: RecordSpec, raw: dict[str, object]) -> dict[str, object]:
    """Validate one raw row against ``spec``; money becomes ``<name>_fen`` integers.

    Raises ``RecordError`` naming the first bad column.
    """
    out: dict[str, object] = {}
    for f in spec.fields:
        value = raw.get(f.name)
        if spec.kind == "energy_bills" and f.name == "month" and isinstance(value, str):
            # A bill's month is often written 2026-02 or 2026/02.
            parts = value.strip().replace("/", "-").split("-")
            if len(parts) == 2 and all(p.isdigit() for p in parts):
                value = f"{parts[0]}-{parts[1]}-01"
        if value is None or (isinstance(value, str) and not value.strip()):
            if f.required:
                raise RecordError(f.name, "is required")
            out[f.name if f.type is not FieldType.MONEY else f"{f.name}_fen"] = None
            continue
        try:
            if f.type is FieldType.TEXT:
                text = str(value).strip()
                if len(text) > 200:
                    raise ValueError("is longer than 200 characters")
                out[f.name] = text
            elif f.type is FieldType.DATE:
                out[f.name] = _parse_date(value)
            elif f.type is FieldType.MONEY:
                amount = _parse_decimal(value)
                if amount < 0:
                    raise ValueError("must not be negative")
                if amount != amount.quantize(Decimal("0.01")):
                    raise ValueError(f"{amount} has more than 2 decimal places (yuan, fen)")
                out[f"{f.name}_fen"] = int(amount * 100)
            elif f.type is FieldType.QUANTITY:
                qty = _parse_decimal(value)
                if qty < 0:
                    raise ValueError("must not be negative")
                out[f.name] = qty
            else:
                out[f.name] = validate_uscc(str(value).strip(), field=f.name).code
        except ValueError as exc:
            raise RecordError(f.name, str(exc)) from None
        except ValidationFailed as exc:
            raise RecordError(f.name, exc.detail.removeprefix(f"{f.name}: ")) from None
    if spec.kind == "invoices" and out["due_date"] < out["issue_date"]:  # type: ignore[operator]
        raise RecordError("due_date", "is before issue_date")
    if spec.kind == "receivables" and out["outstanding_fen"] > out["amount_fen"]:  # type: ignore[operator]
        raise RecordError("outstanding", "is larger than amount")
    if spec.kind == "outgoing_payments":
        _check_outgoing(out)
    if spec.kind == "claims" and out["device_id"] is None and out["site"] is None:
        raise RecordError("device_id", "a claim names the device or the site it was for")
    if spec.kind == "stock_movements":
        _check_movement(out)
    if spec.kind == "energy_bills":
        month = out["month"]
        assert isinstance(month, date)
        out["month"] = month.replace(day=1)
    return out


STOCK_DIRECTIONS = ("in", "out", "count")


def _check_movement(out: dict[str, object]) -> None:
    direction = str(out["direction"]).lower()
    if direction not in STOCK_DIRECTIONS:
        raise RecordError("direction", f"{direction!r} is not one of in, out, count")
    out["direction"] = direction
    if direction != "out" and out.get("unit_value_fen") is None:
        raise RecordError("unit_value", f"required when goods come {direction}")


# How money left the enterprise (an outgoing payment's channel).
PAYMENT_CHANNELS = ("transfer", "cash", "bill", "card", "other")


def _check_outgoing(out: dict[str, object]) -> None:
    channel = str(out["channel"]).lower()
    if channel not in PAYMENT_CHANNELS:
        raise RecordError("channel", f"{channel!r} is not one of {', '.join(PAYMENT_CHANNELS)}")
    out["channel"] = channel
    industry = out.get("payee_industry")
    if industry is not None:
        code = str(industry).upper()
        # GB/T 4754: a section letter, optionally followed by up to four digits (C, C34, C3411).
        if not (
            1 <= len(code) <= 5 and code[0].isalpha() and code[0].isascii() and code[1:].isdigit()
        ):
            raise RecordError("payee_industry", f"{industry!r} is not a GB/T 4754 code (e.g. C34)")
        out["payee_industry"] = code


# ---------------------------------------------------------------------------------------------
# Data quality (数据质量): accuracy, completeness, consistency, timeliness.


class Rule(StrEnum):
    """Each rule's name is what a user sees next to a lowered score."""

    OUT_OF_RANGE = "out_of_range"  # accuracy: outside the metric's plausible range
    UNIT_SUSPECT = "unit_suspect"  # accuracy: off by a factor that looks like kWh vs MWh
    COUNTER_DECREASE = "counter_decrease"  # accuracy: a monotone counter went down (not a reset)
    GAP = "gap"  # completeness: readings missing against the expected interval
    DUPLICATE = "duplicate"  # consistency: the same reading sent more than once
    OFF_GRID = "off_grid"  # timeliness: timestamp off the device's reporting grid (clock skew)
    LATE = "late"  # timeliness: arrived after newer readings of the same series
    ENERGY_VS_OUTPUT = "energy_vs_output"  # consistency: output counted with no power drawn
    INVOICE_VS_ORDER = "invoice_vs_order"  # consistency: invoice without order or above it
    BILL_VS_METER = "bill_vs_meter"  # consistency: energy bill disagrees with the meters


DIMENSION = {
    Rule.OUT_OF_RANGE: "accuracy",
    Rule.UNIT_SUSPECT: "accuracy",
    Rule.COUNTER_DECREASE: "accuracy",
    Rule.GAP: "completeness",
    Rule.DUPLICATE: "consistency",
    Rule.OFF_GRID: "timeliness",
    Rule.LATE: "timeliness",
    Rule.ENERGY_VS_OUTPUT: "consistency",
    Rule.INVOICE_VS_ORDER: "consistency",
    Rule.BILL_VS_METER: "consistency",
}
WEIGHTS = {"accuracy": 0.35, "completeness": 0.30, "consistency": 0.20, "timeliness": 0.15}
# A unit mix-up is a factor of about 1000 (Wh/kWh/MWh, kg/t, L/m³); 50 keeps normal swings out.
UNIT_FACTOR = 50.0
# A counter drop to below this share of its last value is a reset (meter replaced, rollover).
RESET_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class Finding:
    """How often one rule fired on what was checked."""

    rule: Rule
    count: int
    checked: int

    @property
    def share(self) -> float:
        return self.count / self.checked if self.checked else 0.0


def quality_score(findings: list[Finding]) -> float:
    """A 0-100 score: each dimension scores 1 minus the share of its failures (worst rule
    counts), weighted by ``WEIGHTS``. Dimensions nobody checked count as perfect."""
    worst: dict[str, float] = {}
    for f in findings:
        dim = DIMENSION[f.rule]
        worst[dim] = max(worst.get(dim, 0.0), min(1.0, f.share))
    total = sum(WEIGHTS[d] * (1.0 - worst.get(d, 0.0)) for d in WEIGHTS)
    return round(100.0 * total, 2)


def reasons(findings: list[Finding]) -> list[dict[str, object]]:
    """The findings that lowered the score, worst first, ready to show or store."""
    hits = [f for f in findings if f.count > 0]
    hits.sort(key=lambda f: -f.share)
    return [
        {
            "rule": f.rule.value,
            "dimension": DIMENSION[f.rule],
            "count": f.count,
            "checked": f.checked,
            "share": round(f.share, 6),
        }
        for f in hits
    ]

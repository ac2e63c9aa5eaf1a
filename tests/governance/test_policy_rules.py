"""Pure rules: grant matching, refusal reasons, classification suggestions, canonical JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chanrong.governance.classification import suggest
from chanrong.governance.domain import (
    DEFAULT_CATALOG,
    NATIONAL_LEVEL_OF_GRADE,
    Category,
    Grade,
    GrantTerms,
    NationalLevel,
    Purpose,
    Refusal,
    canonical_json,
    check_grant,
    decide,
)

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def _grant(**kw: object) -> GrantTerms:
    base: dict[str, object] = {
        "grant_id": "g1",
        "owner_org_id": "ent",
        "grantee_org_id": "bank",
        "categories": frozenset({Category.PRODUCTION, Category.EXTERNAL}),
        "max_grade": Grade.TWO,
        "purpose": Purpose.CREDIT_ASSESSMENT,
        "valid_from": NOW - timedelta(days=1),
        "valid_until": NOW + timedelta(days=1),
        "revoked_at": None,
    }
    base.update(kw)
    return GrantTerms(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("grant_kw", "read_kw", "expected"),
    [
        ({}, {}, None),
        ({"purpose": Purpose.INSURANCE_PRICING}, {}, Refusal.WRONG_PURPOSE),
        ({"revoked_at": NOW - timedelta(seconds=1)}, {}, Refusal.REVOKED),
        ({"revoked_at": NOW + timedelta(hours=1)}, {}, None),  # revocation not yet effective
        ({"valid_until": NOW}, {}, Refusal.EXPIRED),  # the end instant is excluded
        ({"valid_from": NOW + timedelta(seconds=1)}, {}, Refusal.NOT_YET_VALID),
        ({}, {"category": Category.MANAGEMENT}, Refusal.CATEGORY),
        ({"max_grade": Grade.ONE}, {}, Refusal.GRADE),
        ({"max_grade": Grade.THREE}, {"grade": Grade.THREE}, Refusal.AGGREGATE_ONLY),
        ({"max_grade": Grade.THREE}, {"grade": Grade.THREE, "aggregate": True}, None),
    ],
)
def test_check_grant_table(
    grant_kw: dict[str, object], read_kw: dict[str, object], expected: Refusal | None
) -> None:
    read: dict[str, object] = {
        "category": Category.PRODUCTION,
        "grade": Grade.TWO,
        "purpose": Purpose.CREDIT_ASSESSMENT,
        "aggregate": False,
        "now": NOW,
    }
    read.update(read_kw)
    assert check_grant(_grant(**grant_kw), **read) == expected  # type: ignore[arg-type]


def test_decide_picks_a_matching_grant_or_the_most_telling_refusal() -> None:
    read = {
        "category": Category.PRODUCTION,
        "grade": Grade.TWO,
        "purpose": Purpose.CREDIT_ASSESSMENT,
        "aggregate": False,
        "now": NOW,
    }
    assert decide([], **read) == (None, Refusal.NO_GRANT)  # type: ignore[arg-type]
    expired = _grant(grant_id="old", valid_until=NOW - timedelta(days=1))
    other = _grant(grant_id="ins", purpose=Purpose.INSURANCE_PRICING)
    assert decide([other, expired], **read) == (None, Refusal.EXPIRED)  # type: ignore[arg-type]
    live = _grant(grant_id="live")
    granted, why = decide([expired, live], **read)  # type: ignore[arg-type]
    assert granted is not None and granted.grant_id == "live" and why is None
    assert _grant().is_live(NOW) and not expired.is_live(NOW)


def test_default_catalog_holds_every_shared_dataset_name() -> None:
    names = {
        "telemetry.equipment", "telemetry.energy", "business.orders", "business.invoices",
        "business.receivables", "business.payments", "business.outgoing_payments",
        "business.energy_bills",
        "business.cloud_usage", "derived.quality", "derived.profile", "derived.score",
        "derived.alerts", "derived.carbon", "derived.equipment_quality", "derived.certificates",
        "business.claims", "derived.safety_risk", "business.stock_movements",
    }  # fmt: skip
    assert set(DEFAULT_CATALOG) == names
    assert DEFAULT_CATALOG["telemetry.equipment"].category is Category.PRODUCTION
    assert DEFAULT_CATALOG["business.orders"].category is Category.MANAGEMENT
    assert DEFAULT_CATALOG["derived.score"].grade is Grade.THREE
    assert all(
        spec.derived == name.startswith("derived.") for name, spec in DEFAULT_CATALOG.items()
    )
    assert NATIONAL_LEVEL_OF_GRADE[Grade.THREE] is NationalLevel.IMPORTANT
    assert NATIONAL_LEVEL_OF_GRADE[Grade.ONE] is NationalLevel.GENERAL


@pytest.mark.parametrize(
    ("name", "schema", "category", "grade"),
    [
        ("telemetry.equipment", {}, Category.PRODUCTION, Grade.TWO),
        ("business.energy_bills", {}, Category.MANAGEMENT, Grade.ONE),
        ("business.energy_bills", {"buyer_name": "str"}, Category.MANAGEMENT, Grade.TWO),
        ("plant.maintenance_log", {}, Category.OPERATIONS, Grade.TWO),
        ("plant.sensor_readings", {"plc_setpoint": "float"}, Category.PRODUCTION, Grade.THREE),
        ("rd.mould_design", {}, Category.RD, Grade.TWO),
        ("derived.risk_band", {"score": "int"}, Category.EXTERNAL, Grade.THREE),
        ("misc.things", {"updated_at": "ts"}, Category.MANAGEMENT, Grade.TWO),  # "pd" ≠ "updated"
    ],
)
def test_suggestions(name: str, schema: dict[str, str], category: Category, grade: Grade) -> None:
    s = suggest(name, schema=schema)
    assert (s.category, s.grade) == (category, grade)
    assert s.reasons  # the operator always sees why


def test_canonical_json_is_byte_stable_and_refuses_unknown_types() -> None:
    a = canonical_json({"b": Decimal("1.50"), "a": NOW, "c": Purpose.LEASING_BILLING, "z": "产融"})
    assert a == '{"a":"2026-06-01T08:00:00+00:00","b":"1.50","c":"leasing_billing","z":"产融"}'
    with pytest.raises(TypeError):
        canonical_json({"x": object()})
    with pytest.raises(ValueError, match="JSON compliant"):
        canonical_json({"x": float("nan")})


def test_rules_reproduce_the_default_catalog_from_its_schemas() -> None:
    for name, spec in DEFAULT_CATALOG.items():
        s = suggest(name, schema=dict(spec.schema))
        assert (s.category, s.grade) == (spec.category, spec.grade), name
    assert dict(DEFAULT_CATALOG["business.orders"].schema)["amount_fen"] == "int"


def test_every_refusal_reads_in_both_languages() -> None:
    from chanrong.core.i18n import t

    for reason in Refusal:
        zh, en = (
            t(f"governance.refusal.{reason.value}"),
            t(f"governance.refusal.{reason.value}", "en"),
        )
        assert zh != en and not zh.startswith("governance.")
    assert (
        t("governance.refusal.grade_3_aggregate_only", "en")
        == "grade-3 data leaves only as aggregates"
    )

"""Rules that suggest a category and grade for a dataset; the operator confirms or overrides.

Pure. A suggestion says which rules fired so the operator can judge it. The rules follow the
MIIT guide's domains and GB/T 43697's "grade high when in doubt" (就高从严): every rule can
only raise the grade, and a dataset no rule recognises starts at grade 2, not 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from chanrong.governance.domain import DEFAULT_CATALOG, Category, Grade


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A suggested category and grade with the reasons behind them."""

    category: Category
    grade: Grade
    reasons: tuple[str, ...] = field(default_factory=tuple)


# (keyword in name/description/source, category) — first match wins; order is specific first.
CATEGORY_RULES: tuple[tuple[str, Category, str], ...] = (
    ("design", Category.RD, "design or R&D data → 研发数据域"),
    ("recipe", Category.RD, "process recipe → 研发数据域"),
    ("rd.", Category.RD, "R&D dataset → 研发数据域"),
    ("maintenance", Category.OPERATIONS, "maintenance records → 运维数据域"),
    ("after_sales", Category.OPERATIONS, "after-sales service → 运维数据域"),
    ("logistics", Category.OPERATIONS, "logistics → 运维数据域"),
    ("cloud", Category.OPERATIONS, "cloud usage → 运维数据域"),
    ("telemetry", Category.PRODUCTION, "device telemetry → 生产数据域"),
    ("sensor", Category.PRODUCTION, "sensor readings → 生产数据域"),
    ("process", Category.PRODUCTION, "process parameters → 生产数据域"),
    ("energy", Category.PRODUCTION, "energy metering → 生产数据域"),
    ("order", Category.MANAGEMENT, "orders → 管理数据域 (customers & products)"),
    ("invoice", Category.MANAGEMENT, "invoices → 管理数据域 (business statistics)"),
    ("receivable", Category.MANAGEMENT, "receivables → 管理数据域 (supply chain)"),
    ("payment", Category.MANAGEMENT, "payments → 管理数据域"),
    ("customer", Category.MANAGEMENT, "customer records → 管理数据域"),
    ("supplier", Category.MANAGEMENT, "supplier records → 管理数据域"),
    ("asset", Category.MANAGEMENT, "assets → 管理数据域"),
    ("derived.", Category.EXTERNAL, "derived for other parties → 外部数据域"),
    ("shared", Category.EXTERNAL, "shared with other parties → 外部数据域"),
)

# Schema column names that raise the grade: the MIIT guide's grade-2 criterion names mass
# leakage of customer/supplier or personal information; control data can cause incidents.
GRADE_RULES: tuple[tuple[str, Grade, str], ...] = (
    ("control", Grade.THREE, "control commands can cause safety incidents if tampered with"),
    ("setpoint", Grade.THREE, "setpoints can cause safety incidents if tampered with"),
    ("formula", Grade.THREE, "core process know-how"),
    ("score", Grade.THREE, "credit decisions rely on it; tampering moves money"),
    ("pd", Grade.THREE, "credit decisions rely on it; tampering moves money"),
    ("id_number", Grade.THREE, "personal identity numbers"),
    ("phone", Grade.TWO, "personal contact information"),
    ("customer", Grade.TWO, "customer information"),
    ("buyer", Grade.TWO, "customer information"),
    ("supplier", Grade.TWO, "supplier information"),
    ("amount", Grade.TWO, "commercial amounts"),
    ("price", Grade.TWO, "commercial prices"),
)


def suggest(
    name: str,
    *,
    description: str = "",
    source: str = "",
    schema: Mapping[str, str] | None = None,
) -> Suggestion:
    """Suggest a category and grade for a dataset from its name, description, source and schema."""
    known = DEFAULT_CATALOG.get(name)
    if known is not None:
        grade, more = _raise_by_schema(known.grade, schema)
        return Suggestion(known.category, grade, (f"standard platform dataset {name}", *more))
    text = f"{name} {description} {source}".lower()
    category = Category.EXTERNAL if name.startswith("derived.") else None
    reasons: list[str] = []
    if category is not None:
        reasons.append("derived for other parties → 外部数据域")
    else:
        for keyword, cat, why in CATEGORY_RULES:
            if keyword in text:
                category = cat
                reasons.append(why)
                break
    if category is None:
        category = Category.MANAGEMENT
        reasons.append("no rule matched; 管理数据域 until an operator decides")
    grade = Grade.TWO
    reasons.append("unrecognised dataset starts at grade 2 (就高从严)")
    grade, more = _raise_by_schema(grade, schema)
    return Suggestion(category, grade, tuple(reasons + more))


def _raise_by_schema(grade: Grade, schema: Mapping[str, str] | None) -> tuple[Grade, list[str]]:
    reasons: list[str] = []
    for column in sorted(schema or {}):
        col = column.lower()
        for keyword, level, why in GRADE_RULES:
            if _word_in(keyword, col) and level > grade:
                grade = level
                reasons.append(f"column {column!r}: {why} → grade {int(level)}")
    return grade, reasons


def _word_in(keyword: str, column: str) -> bool:
    # Short keywords ("pd") match whole underscore-separated words only, so "updated" is not PD.
    if len(keyword) <= 3:
        return keyword in column.split("_")
    return keyword in column

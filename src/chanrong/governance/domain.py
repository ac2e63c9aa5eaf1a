"""Governance rules: purposes, MIIT categories and grades, the default catalog, grant matching.

Pure: no SQLAlchemy, FastAPI, Pydantic or DuckDB. The service layer feeds these rules with
rows it loaded and acts on the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum
from typing import Any, TypeVar
from uuid import UUID

from chanrong.core.errors import ValidationFailed
from chanrong.core.i18n import register

E = TypeVar("E", bound=Enum)


class Purpose(StrEnum):
    """Why another organisation reads an enterprise's data (the purpose a grant is for)."""

    CREDIT_ASSESSMENT = "credit_assessment"  # 授信评估
    POST_LOAN_MONITORING = "post_loan_monitoring"  # 贷后监控
    INSURANCE_PRICING = "insurance_pricing"  # 保险定价
    LEASING_BILLING = "leasing_billing"  # 租赁计费
    SUPPLY_CHAIN_FINANCE = "supply_chain_finance"  # 供应链金融
    JOINT_MODELLING = "joint_modelling"  # 联合建模 (federated: features stay on the platform)
    INVESTMENT_MONITORING = "investment_monitoring"  # 投后管理 (a fund's portfolio company)
    INVESTMENT_DUE_DILIGENCE = "investment_due_diligence"  # 投资尽调 (a match's data room)
    TRADE_GUARANTEE_MONITORING = "trade_guarantee_monitoring"  # 保付预警 (the guaranteed buyer)


class Category(StrEnum):
    """Data domains of the MIIT 工业数据分类分级指南 (industrial enterprises)."""

    RD = "rd"  # 研发数据域
    PRODUCTION = "production"  # 生产数据域
    OPERATIONS = "operations"  # 运维数据域
    MANAGEMENT = "management"  # 管理数据域
    EXTERNAL = "external"  # 外部数据域


CATEGORY_LABELS: dict[Category, str] = {
    Category.RD: "研发数据域",
    Category.PRODUCTION: "生产数据域",
    Category.OPERATIONS: "运维数据域",
    Category.MANAGEMENT: "管理数据域",
    Category.EXTERNAL: "外部数据域",
}


class Grade(IntEnum):
    """MIIT grades; three is the most sensitive (impact of leakage or tampering)."""

    ONE = 1  # 一级
    TWO = 2  # 二级
    THREE = 3  # 三级


class NationalLevel(StrEnum):
    """GB/T 43697-2024 levels: 一般数据 < 重要数据 < 核心数据."""

    GENERAL = "general"
    IMPORTANT = "important"
    CORE = "core"


# GB/T 43697 notes that data affecting only one organisation is generally not 重要数据, so an
# enterprise's own operating data maps to 一般数据 at grades 1–2; grade 3 is raised to 重要数据
# because the standard grades high when in doubt (就高从严). Kept as data, not buried in code.
NATIONAL_LEVEL_OF_GRADE: dict[Grade, NationalLevel] = {
    Grade.ONE: NationalLevel.GENERAL,
    Grade.TWO: NationalLevel.GENERAL,
    Grade.THREE: NationalLevel.IMPORTANT,
}


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    """A catalog entry's defining facts: what it is, where it comes from, how sensitive it is."""

    name: str
    category: Category
    grade: Grade
    description: str
    source: str
    derived: bool = False
    schema: tuple[tuple[str, str], ...] = ()


# Columns of the standard datasets (the shared simulator/ingestion contract in DEVELOPING.md).
_LONG_TELEMETRY = {"device_id": "str", "metric": "str", "ts": "timestamp", "value": "float"}
DEFAULT_SCHEMAS: dict[str, dict[str, str]] = {
    "telemetry.equipment": _LONG_TELEMETRY,
    "telemetry.energy": _LONG_TELEMETRY,
    "business.orders": {
        "order_id": "str", "buyer_uscc": "str", "buyer_name": "str",
        "order_date": "date", "amount_fen": "int",
    },
    "business.invoices": {
        "invoice_id": "str", "order_id": "str", "buyer_uscc": "str", "buyer_name": "str",
        "issue_date": "date", "due_date": "date", "amount_fen": "int",
    },
    "business.receivables": {
        "receivable_id": "str", "debtor_uscc": "str", "debtor_name": "str",
        "due_date": "date", "amount_fen": "int", "outstanding_fen": "int",
    },
    "business.payments": {
        "payment_id": "str", "invoice_id": "str", "payer_uscc": "str",
        "paid_date": "date", "amount_fen": "int", "account": "str",
    },
    "business.outgoing_payments": {
        "payment_id": "str", "payee_name": "str", "payee_uscc": "str", "payee_account": "str",
        "payee_industry": "str", "paid_date": "date", "amount_fen": "int", "channel": "str",
        "purpose": "str",
    },
    "business.energy_bills": {
        "month": "date", "electricity_kwh": "decimal", "gas_m3": "decimal", "coal_t": "decimal",
        "steam_t": "decimal", "cost_fen": "int", "output_value_fen": "int",
    },
    "business.cloud_usage": {
        "day": "date", "compute_hours": "decimal", "api_calls": "decimal", "storage_gb": "decimal",
    },
    "business.claims": {
        "claim_id": "str", "policy": "str", "device_id": "str", "site": "str",
        "loss_date": "date", "cause": "str", "amount_fen": "int",
    },
    "business.stock_movements": {
        "movement_id": "str", "item": "str", "moved_on": "date", "direction": "str",
        "quantity": "decimal", "unit": "str", "unit_value_fen": "int",
    },
}  # fmt: skip


def _spec(name: str, category: Category, grade: int, description: str, source: str) -> DatasetSpec:
    return DatasetSpec(
        name=name,
        category=category,
        grade=Grade(grade),
        description=description,
        source=source,
        derived=name.startswith("derived."),
        schema=tuple(DEFAULT_SCHEMAS.get(name, {}).items()),
    )


# The dataset names every domain uses (docs/DEVELOPING.md, "Governance").
DEFAULT_CATALOG: dict[str, DatasetSpec] = {
    s.name: s
    for s in (
        _spec(
            "telemetry.equipment",
            Category.PRODUCTION,
            2,
            "设备运行遥测 (run state, runtime, output, power)",
            "telemetry",
        ),
        _spec(
            "telemetry.energy",
            Category.PRODUCTION,
            2,
            "能源计量遥测 (electricity, gas, coal, steam meters)",
            "telemetry",
        ),
        _spec("business.orders", Category.MANAGEMENT, 2, "订单 (sales orders)", "telemetry"),
        _spec("business.invoices", Category.MANAGEMENT, 2, "发票 (invoices issued)", "telemetry"),
        _spec(
            "business.receivables",
            Category.MANAGEMENT,
            2,
            "应收账款 (open receivables)",
            "telemetry",
        ),
        _spec("business.payments", Category.MANAGEMENT, 2, "回款 (payments received)", "telemetry"),
        _spec(
            "business.outgoing_payments",
            Category.MANAGEMENT,
            2,
            "对外支付 (payments made)",
            "telemetry",
        ),
        _spec(
            "business.energy_bills",
            Category.MANAGEMENT,
            1,
            "能源账单 (monthly energy bills)",
            "telemetry",
        ),
        _spec(
            "business.cloud_usage",
            Category.OPERATIONS,
            1,
            "上云用云 (daily cloud usage)",
            "telemetry",
        ),
        _spec("derived.quality", Category.OPERATIONS, 1, "数据质量评分", "telemetry"),
        _spec("derived.profile", Category.EXTERNAL, 2, "企业经营画像 (features)", "credit"),
        _spec("derived.score", Category.EXTERNAL, 3, "信用评分与违约概率", "credit"),
        _spec("derived.alerts", Category.EXTERNAL, 2, "贷后预警", "lending"),
        _spec("derived.carbon", Category.EXTERNAL, 1, "碳效码", "carbon"),
        _spec(
            "derived.equipment_quality",
            Category.EXTERNAL,
            2,
            "设备质量指数",
            "insurance",
        ),
        _spec("derived.certificates", Category.EXTERNAL, 2, "供应链凭证", "supplychain"),
        _spec(
            "business.claims", Category.MANAGEMENT, 2, "保险理赔 (insurance claims)", "telemetry"
        ),
        _spec("derived.safety_risk", Category.EXTERNAL, 2, "安全风险画像与预警", "insurance"),
        _spec(
            "business.stock_movements",
            Category.MANAGEMENT,
            2,
            "存货与仓单出入库 (stock movements)",
            "telemetry",
        ),
    )
}


def _datasets(*names: str) -> frozenset[str]:
    unknown = set(names) - set(DEFAULT_CATALOG)
    assert not unknown, f"not in the default catalog: {unknown}"
    return frozenset(names)


_EQUIPMENT = ("telemetry.equipment", "telemetry.energy", "derived.quality")
_TRADE = (
    "business.orders",
    "business.invoices",
    "business.receivables",
    "business.payments",
    "business.outgoing_payments",
)

# Which of the catalog's datasets each purpose may read: a grant names categories and a grade,
# and its purpose then narrows them to the datasets that purpose needs (an insurer pricing
# equipment cover reads the machines, not the credit profile). Shown to the enterprise when
# it grants (``GET /consents/purposes``, the console's grant form). Datasets an enterprise
# registers itself are governed by category and grade alone.
PURPOSE_DATASETS: dict[Purpose, frozenset[str]] = {
    Purpose.CREDIT_ASSESSMENT: frozenset(DEFAULT_CATALOG),
    Purpose.POST_LOAN_MONITORING: frozenset(DEFAULT_CATALOG),
    Purpose.INSURANCE_PRICING: _datasets(
        *_EQUIPMENT,
        "business.energy_bills",
        "derived.equipment_quality",
        "derived.carbon",
        "business.claims",
        "derived.safety_risk",
    ),
    Purpose.LEASING_BILLING: _datasets(*_EQUIPMENT, "derived.equipment_quality"),
    Purpose.SUPPLY_CHAIN_FINANCE: _datasets(
        *_TRADE,
        "business.stock_movements",  # inventory and warehouse-receipt financing
        "derived.quality",
        "derived.certificates",
        "derived.profile",
        "derived.score",
        "derived.carbon",
    ),
    # Joint modelling reads the operating profile the platform derives; its values only ever
    # enter encrypted arithmetic and partial scores (chanrong.federated.protocol).
    Purpose.JOINT_MODELLING: _datasets("derived.profile", "derived.quality", "derived.carbon"),
    # A fund watching a portfolio company reads its operating indicators, not its credit score.
    Purpose.INVESTMENT_MONITORING: _datasets(
        "business.energy_bills",
        "business.orders",
        "business.invoices",
        "business.payments",
        "business.cloud_usage",
        "derived.quality",
        "derived.profile",
        "derived.carbon",
    ),
    # An investor or bank matched with an enterprise's financing need reads, in the data room
    # the enterprise opens for it, the business records the enterprise chose (funds.dataroom).
    Purpose.INVESTMENT_DUE_DILIGENCE: _datasets(
        "business.energy_bills",
        "business.orders",
        "business.invoices",
        "business.payments",
        "business.cloud_usage",
    ),
    # A guarantor or seller of a guaranteed trade watches the buyer's operating records for
    # signs of trouble before the payment falls due (default prevention), nothing else.
    Purpose.TRADE_GUARANTEE_MONITORING: _datasets(
        "business.energy_bills",
        "business.orders",
        "business.invoices",
        "business.payments",
    ),
}


def purpose_allows(purpose: Purpose, dataset: str) -> bool:
    """True when ``purpose`` may read ``dataset`` (datasets outside the default catalog:
    category and grade decide)."""
    return dataset not in DEFAULT_CATALOG or dataset in PURPOSE_DATASETS[purpose]


def datasets_for(
    purpose: Purpose,
    categories: frozenset[Category],
    max_grade: Grade,
    only: frozenset[str] | None = None,
) -> list[str]:
    """The catalog datasets a grant of ``categories`` up to ``max_grade`` for ``purpose``
    (naming ``only`` these datasets, when it does) lets its grantee read (grade-3 ones as
    aggregates only), sorted."""
    return sorted(
        name
        for name in PURPOSE_DATASETS[purpose]
        if DEFAULT_CATALOG[name].category in categories
        and DEFAULT_CATALOG[name].grade <= max_grade
        and (only is None or name in only)
    )


@dataclass(frozen=True, slots=True)
class GrantTerms:
    """What a consent grant allows, as the policy check sees it."""

    grant_id: str
    owner_org_id: str
    grantee_org_id: str
    categories: frozenset[Category]
    max_grade: Grade
    purpose: Purpose
    valid_from: datetime
    valid_until: datetime
    revoked_at: datetime | None = None
    # None: any dataset of the categories; else only these.
    datasets: frozenset[str] | None = None

    def is_live(self, now: datetime) -> bool:
        """True between the start and end of the period, unless revoked before ``now``."""
        if self.revoked_at is not None and self.revoked_at <= now:
            return False
        return self.valid_from <= now < self.valid_until


class Refusal(StrEnum):
    """Why a read was refused; the most specific reason is reported to the caller."""

    NO_GRANT = "no_grant"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_PURPOSE = "wrong_purpose"
    CATEGORY = "category_not_granted"
    GRADE = "grade_above_grant"
    AGGREGATE_ONLY = "grade_3_aggregate_only"
    NO_PURPOSE = "purpose_required"
    UNKNOWN_DATASET = "unknown_dataset"
    DATASET_NOT_FOR_PURPOSE = "dataset_not_for_purpose"
    DATASET = "dataset_not_granted"


REFUSAL_TEXT: dict[Refusal, str] = {
    Refusal.NO_GRANT: "the enterprise has not granted your organisation access",
    Refusal.REVOKED: "the enterprise revoked the grant",
    Refusal.EXPIRED: "the grant has expired",
    Refusal.NOT_YET_VALID: "the grant is not valid yet",
    Refusal.WRONG_PURPOSE: "no grant covers this purpose",
    Refusal.CATEGORY: "no grant covers this data category",
    Refusal.GRADE: "the data's grade is above what the grant allows",
    Refusal.AGGREGATE_ONLY: "grade-3 data leaves only as aggregates",
    Refusal.NO_PURPOSE: "a purpose is required to read another organisation's data",
    Refusal.UNKNOWN_DATASET: "the dataset is not in the catalog, so no grant can cover it",
    Refusal.DATASET_NOT_FOR_PURPOSE: "this purpose does not cover this dataset",
    Refusal.DATASET: "the grant names the datasets it covers, and this is not one of them",
}

# When several grants fail for different reasons, report the one closest to matching.
_REFUSAL_RANK = [
    Refusal.NO_GRANT,
    Refusal.WRONG_PURPOSE,
    Refusal.NOT_YET_VALID,
    Refusal.EXPIRED,
    Refusal.REVOKED,
    Refusal.CATEGORY,
    Refusal.DATASET,
    Refusal.GRADE,
    Refusal.AGGREGATE_ONLY,
]


def check_grant(
    grant: GrantTerms,
    *,
    category: Category,
    grade: Grade,
    purpose: Purpose,
    aggregate: bool,
    now: datetime,
    dataset: str | None = None,
) -> Refusal | None:
    """None when ``grant`` allows this read of ``dataset``, else the reason it does not. A
    grant naming its datasets covers no other (``dataset`` None is then refused)."""
    if grant.purpose is not purpose:
        return Refusal.WRONG_PURPOSE
    if grant.revoked_at is not None and grant.revoked_at <= now:
        return Refusal.REVOKED
    if now < grant.valid_from:
        return Refusal.NOT_YET_VALID
    if now >= grant.valid_until:
        return Refusal.EXPIRED
    if category not in grant.categories:
        return Refusal.CATEGORY
    if grant.datasets is not None and dataset not in grant.datasets:
        return Refusal.DATASET
    if grade > grant.max_grade:
        return Refusal.GRADE
    if grade >= Grade.THREE and not aggregate:
        return Refusal.AGGREGATE_ONLY
    return None


def decide(
    grants: list[GrantTerms],
    *,
    category: Category,
    grade: Grade,
    purpose: Purpose,
    aggregate: bool,
    now: datetime,
    dataset: str | None = None,
) -> tuple[GrantTerms | None, Refusal | None]:
    """The first grant that allows the read, or the most telling refusal among all of them."""
    best: Refusal = Refusal.NO_GRANT
    for grant in grants:
        why = check_grant(
            grant,
            category=category,
            grade=grade,
            purpose=purpose,
            aggregate=aggregate,
            now=now,
            dataset=dataset,
        )
        if why is None:
            return grant, None
        if _REFUSAL_RANK.index(why) > _REFUSAL_RANK.index(best):
            best = why
    return None, best


def parse_enum(enum_cls: type[E], value: object, field_name: str) -> E:
    """``value`` as a member of ``enum_cls``, or a 422 naming ``field_name`` and the choices."""
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(str(e.value) for e in enum_cls)
        raise ValidationFailed(
            f"{field_name}: {value!r} is not one of {allowed}", field=field_name
        ) from None


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable in a log entry")


def canonical_json(value: Any) -> str:
    """The one byte-stable JSON form used for log leaves and signed manifests."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_json_default,
        allow_nan=False,
    )


register(
    {
        f"governance.refusal.{reason.value}": {"zh-CN": zh, "en": REFUSAL_TEXT[reason]}
        for reason, zh in {
            Refusal.NO_GRANT: "该企业未向贵机构授权",
            Refusal.REVOKED: "该企业已撤回授权",
            Refusal.EXPIRED: "授权已过期",
            Refusal.NOT_YET_VALID: "授权尚未生效",
            Refusal.WRONG_PURPOSE: "没有覆盖该用途的授权",
            Refusal.CATEGORY: "没有覆盖该数据类别的授权",
            Refusal.GRADE: "数据级别高于授权的最高级别",
            Refusal.AGGREGATE_ONLY: "三级数据仅以汇总形式提供",
            Refusal.NO_PURPOSE: "读取其他机构的数据须说明用途",
            Refusal.UNKNOWN_DATASET: "该数据集不在数据目录中，无法授权",
            Refusal.DATASET_NOT_FOR_PURPOSE: "该用途不涵盖此数据集",
            Refusal.DATASET: "授权限定了数据集，此数据集不在其中",
        }.items()
    }
)

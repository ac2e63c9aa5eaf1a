"""Who is in the park: enterprises (with valid USCCs and supplier trees) and their devices.

Each enterprise's own attributes come from a random generator seeded by (seed, index), so
enterprise 17 is the same firm whatever else is generated around it. Only the supplier tree
(who supplies whom) is drawn park-wide, in index order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from chanrong.core.uscc import make_uscc

# Stream tags keep each kind of randomness of one enterprise independent of the others.
STREAM_PROFILE = 1
STREAM_HEALTH = 2
STREAM_TELEMETRY = 3
STREAM_FAULTS = 4
STREAM_BUSINESS = 5
STREAM_CLOUD = 6
STREAM_PARK = 7
STREAM_CYCLE = 8


def rng_for(seed: int, *keys: int) -> np.random.Generator:
    """A generator for one (seed, keys…) stream; independent of every other stream."""
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))


# Production device kinds and what one running hour makes, and what a unit is worth (fen).
THROUGHPUT_PER_HOUR = {"cnc": 8.0, "injection_moulder": 90.0, "sewing_machine": 6.0, "press": 120.0}
UNIT_VALUE_FEN = {"cnc": 6000, "injection_moulder": 150, "sewing_machine": 3000, "press": 300}
RATED_KW = {
    "cnc": (7.5, 30.0),
    "injection_moulder": (15.0, 90.0),
    "sewing_machine": (0.4, 0.75),
    "press": (5.5, 45.0),
    "compressor": (11.0, 75.0),
}
KIND_CODE = {
    "cnc": "CNC",
    "injection_moulder": "IMM",
    "sewing_machine": "SEW",
    "press": "PRS",
    "compressor": "CMP",
    "meter_electricity": "MEL",
    "meter_gas": "MGS",
    "meter_coal": "MCL",
    "meter_steam": "MST",
}
PRODUCTION_KINDS = ("cnc", "injection_moulder", "sewing_machine", "press")
METER_KINDS = ("meter_electricity", "meter_gas", "meter_coal", "meter_steam")

_SEWING = {"17", "18", "19"}
_MOULDING = {"29", "39", "41"}
_MACHINING = {"21", "33", "34", "35", "36", "37", "40", "43", "38", "24"}


def production_kind(division: str) -> str:
    """The main production machine of an industry division."""
    if division in _SEWING:
        return "sewing_machine"
    if division in _MOULDING:
        return "injection_moulder"
    if division in _MACHINING:
        return "cnc"
    return "press"


# Fuel use per kWh of production electricity: (gas m³, coal t, steam t). Rough, by division.
FUEL_INTENSITY: dict[str, tuple[float, float, float]] = {
    "13": (0.04, 0.0, 0.0020),
    "14": (0.05, 0.0, 0.0025),
    "15": (0.03, 0.0, 0.0020),
    "17": (0.0, 0.0, 0.0030),
    "18": (0.0, 0.0, 0.0008),
    "22": (0.0, 0.00020, 0.0030),
    "25": (0.02, 0.00050, 0.0),
    "26": (0.03, 0.00030, 0.0030),
    "27": (0.02, 0.0, 0.0025),
    "28": (0.0, 0.0, 0.0030),
    "29": (0.0, 0.0, 0.0),
    "30": (0.06, 0.00060, 0.0),
    "31": (0.08, 0.00080, 0.0),
    "32": (0.08, 0.00040, 0.0),
    "33": (0.03, 0.0, 0.0),
    "36": (0.03, 0.0, 0.0),
}

CORE_DIVISIONS = ("36", "34", "38", "18", "39", "35")
SUPPLIERS_OF: dict[str, tuple[str, ...]] = {
    "36": ("33", "29", "38", "17", "34", "32", "39"),
    "34": ("33", "31", "32", "38", "29", "40"),
    "38": ("33", "29", "32", "39", "26", "22"),
    "18": ("17", "18", "19", "22", "26", "41"),
    "39": ("29", "38", "39", "33", "40", "22"),
    "35": ("33", "34", "38", "40", "31", "29"),
}
ALL_DIVISIONS = tuple(f"{d}" for d in range(13, 44) if d != 16)

# Huzhou and its districts/counties dominate; some suppliers sit in neighbouring cities.
REGIONS = (
    ("330502", "湖州"),
    ("330503", "湖州"),
    ("330521", "德清"),
    ("330522", "长兴"),
    ("330523", "安吉"),
    ("330400", "嘉兴"),
    ("320500", "苏州"),
    ("330100", "杭州"),
)
REGION_WEIGHTS = np.array([0.22, 0.16, 0.14, 0.14, 0.1, 0.1, 0.08, 0.06])

_BRAND = "恒达华兴瑞泰鑫隆博盛诚丰永宏美佳信源创科富金宝立新晟远航凯益"
_TRADE = {
    "13": "农产品加工",
    "14": "食品",
    "15": "饮品",
    "17": "纺织",
    "18": "服饰",
    "19": "鞋业",
    "20": "木业",
    "21": "家具",
    "22": "纸业",
    "23": "印务",
    "24": "文体用品",
    "25": "燃料",
    "26": "化工",
    "27": "药业",
    "28": "化纤",
    "29": "塑胶",
    "30": "建材",
    "31": "钢材",
    "32": "有色金属",
    "33": "五金",
    "34": "机械",
    "35": "装备",
    "36": "汽车部件",
    "37": "船舶配件",
    "38": "电气",
    "39": "电子",
    "40": "仪表",
    "41": "工艺品",
    "42": "再生资源",
    "43": "设备维修",
}
_USCC_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"

SIZES = ("micro", "small", "medium")
SIZE_WEIGHTS = np.array([0.3, 0.5, 0.2])
DEVICE_RANGE = {"micro": (5, 12), "small": (10, 30), "medium": (25, 50)}


@dataclass(frozen=True, slots=True)
class Device:
    device_id: str
    uscc: str
    enterprise: int
    kind: str
    identifier: str
    rated_kw: float
    installed_on: date


@dataclass(frozen=True, slots=True)
class Enterprise:
    """One firm and the hidden parameters that shape its data."""

    index: int
    uscc: str
    name: str
    industry_code: str
    region_code: str
    size: str
    is_core: bool
    tier: int
    core_index: int
    customer_index: int  # -1: none on the platform
    secondary_customers: tuple[int, ...]
    onboarded_on: date
    shifts: int  # 1, 2 or 3 eight-hour shifts
    six_day_week: bool
    festival_before: int  # days the Spring Festival shutdown starts before New Year
    festival_after: int  # days it lasts after
    payment_habit_days: float  # how late this firm pays when healthy
    devices: tuple[Device, ...]

    @property
    def division(self) -> str:
        return self.industry_code[1:3]

    @property
    def production_kind(self) -> str:
        return production_kind(self.division)

    @property
    def fuel(self) -> tuple[float, float, float]:
        return FUEL_INTENSITY.get(self.division, (0.0, 0.0, 0.0))

    @property
    def capacity_value_fen_per_hour(self) -> float:
        """Output value per hour with every production machine running."""
        n = sum(1 for d in self.devices if d.kind in PRODUCTION_KINDS)
        kind = self.production_kind
        return n * THROUGHPUT_PER_HOUR[kind] * UNIT_VALUE_FEN[kind]


def _uscc_for(rng: np.random.Generator, region: str) -> str:
    # New-style codes mostly start "MA" after the region; the rest is a serial.
    body = "MA" + "".join(_USCC_BODY[i] for i in rng.integers(0, len(_USCC_BODY), 6))
    return make_uscc("9", "1", region, body).code


def _devices(
    rng: np.random.Generator, index: int, uscc: str, division: str, size: str, start: date
) -> tuple[Device, ...]:
    lo, hi = DEVICE_RANGE[size]
    total = int(rng.integers(lo, hi + 1))
    gas, coal, steam = FUEL_INTENSITY.get(division, (0.0, 0.0, 0.0))
    meters = ["meter_electricity"]
    meters += ["meter_gas"] if gas else []
    meters += ["meter_coal"] if coal else []
    meters += ["meter_steam"] if steam else []
    compressors = {"micro": 1, "small": int(rng.integers(1, 3)), "medium": int(rng.integers(2, 4))}[
        size
    ]
    kind = production_kind(division)
    n_prod = max(2, total - len(meters) - compressors)
    kinds = [kind] * n_prod + ["compressor"] * compressors + meters
    out = []
    prefix = f"88.{100 + int(division)}.{10000 + index}"
    for n, k in enumerate(kinds, start=1):
        code = KIND_CODE[k]
        lo_kw, hi_kw = RATED_KW.get(k, (0.0, 0.0))
        rated = round(float(rng.uniform(lo_kw, hi_kw)), 2) if hi_kw else 0.0
        installed = start - timedelta(days=int(rng.integers(30, 3650)))
        out.append(
            Device(
                device_id=f"{uscc}-{code}-{n:03d}",
                uscc=uscc,
                enterprise=index,
                kind=k,
                identifier=f"{prefix}/{code}-{installed:%Y%m}-{n:04d}",
                rated_kw=rated,
                installed_on=installed,
            )
        )
    return tuple(out)


def build_population(
    seed: int, enterprises: int, core_share: float, start: date
) -> list[Enterprise]:
    """Generate the park's enterprises and devices, cores first, in index order."""
    n_core = min(enterprises, max(1, round(enterprises * core_share)))
    park = rng_for(seed, STREAM_PARK)
    # Tree: each supplier picks a customer among earlier firms; tier-1 to a core most often.
    tier = np.zeros(enterprises, dtype=np.int64)
    core_of = np.arange(enterprises)
    customer = np.full(enterprises, -1)
    secondary: list[tuple[int, ...]] = [() for _ in range(enterprises)]
    # One row of draws per firm, so firm i's place in the tree does not depend on N.
    park_draws = park.random((enterprises, 5))
    eligible = list(range(n_core))  # firms that may still take suppliers (tier < 3)
    for i in range(n_core, enterprises):
        u = park_draws[i]
        if u[0] < 0.5 or len(eligible) == n_core:
            parent = int(u[1] * n_core)
        else:
            parent = eligible[int(u[1] * len(eligible))]
        customer[i] = parent
        tier[i] = tier[parent] + 1
        core_of[i] = core_of[parent]
        if tier[i] < 3:
            eligible.append(i)
        # One or two other on-platform buyers (earlier firms), for a denser trade graph.
        picks = {int(u[3] * i)} | ({int(u[4] * i)} if u[2] < 0.4 else set())
        picks -= {parent}
        secondary[i] = tuple(sorted(picks))
    seen_uscc: set[str] = set()
    seen_names: dict[str, int] = {}
    out: list[Enterprise] = []
    for i in range(enterprises):
        rng = rng_for(seed, STREAM_PROFILE, i)
        is_core = i < n_core
        if is_core:
            division = CORE_DIVISIONS[int(rng.integers(0, len(CORE_DIVISIONS)))]
        else:
            parent_div = out[int(customer[i])].division
            choices = SUPPLIERS_OF.get(parent_div, ALL_DIVISIONS)
            if rng.random() < 0.25:
                choices = ALL_DIVISIONS
            division = choices[int(rng.integers(0, len(choices)))]
        ri = int(rng.choice(len(REGIONS), p=REGION_WEIGHTS))
        region, city = REGIONS[ri]
        size = "medium" if is_core else SIZES[int(rng.choice(3, p=SIZE_WEIGHTS))]
        uscc = _uscc_for(rng, region)
        while uscc in seen_uscc:
            uscc = _uscc_for(rng, region)
        seen_uscc.add(uscc)
        brand = "".join(_BRAND[j] for j in rng.integers(0, len(_BRAND), 2))
        base = f"{city}{brand}{_TRADE.get(division, '制造')}"
        count = seen_names.get(base, 0)
        seen_names[base] = count + 1
        suffix = "集团有限公司" if is_core else "有限公司"
        name = f"{base}{suffix}" if count == 0 else f"{base}{count + 1}号{suffix}"
        out.append(
            Enterprise(
                index=i,
                uscc=uscc,
                name=name,
                industry_code=f"C{division}",
                region_code=region,
                size=size,
                is_core=is_core,
                tier=int(tier[i]),
                core_index=int(core_of[i]),
                customer_index=int(customer[i]),
                secondary_customers=secondary[i],
                onboarded_on=start - timedelta(days=int(rng.integers(1, 3 * 365))),
                shifts=3 if is_core else int(rng.choice([1, 2, 3], p=[0.45, 0.4, 0.15])),
                six_day_week=bool(rng.random() < 0.6),
                festival_before=int(rng.integers(3, 11)),
                festival_after=int(rng.integers(6, 16)),
                payment_habit_days=float(rng.gamma(1.3, 8.0)),
                devices=_devices(rng, i, uscc, division, size, start),
            )
        )
    return out

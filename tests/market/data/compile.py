"""Compile the market test data set from the public facts of the AII sector reports.

Run ``.venv/bin/python tests/market/data/compile.py`` to rewrite the CSV files beside it.

- ``star_2019.csv``: the 16 industrial-internet companies listed on the STAR market in 2019,
  exactly as the 2019 report's table 3 gives them (code, short name, board, date).
- ``investors.csv``: the 20 most active investors of 2019 (table 5) plus the state-owned
  funds used below; 深创投 is flagged state-owned (Shenzhen Capital Group is a Shenzhen
  state-owned investment company).
- ``events_2019.csv`` and ``events_2024.csv``: the reports' event-level data are not public,
  so these events are *reconstructed* to agree with every aggregate the reports state
  (``report_facts.csv``): the number of events and companies, companies with two or more
  rounds, round shares, events by province and cluster, disclosed events and their total,
  the top investors' deal counts, early-stage and state-owned shares, the intelligent-
  equipment figures. Company names are placeholders (行业企业0001 …); the aggregates are real.
  Amounts are written the ways the reports and news write them, so the import's parser is
  part of what the reproduction checks.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parents[3] / "src" / "chanrong" / "market" / "data" / "reports"

TOP_2019 = [
    ("红杉资本（中国）", 14), ("深创投", 14), ("中科创星", 11), ("同创伟业", 13),
    ("金沙江创投", 8), ("联想创投", 9), ("百度风投", 9), ("高瓴资本", 10), ("中金", 10),
    ("国中创投", 9), ("源码资本", 7), ("东方富海", 9), ("IDG 资本", 8), ("达晨资本", 9),
    ("线性资本", 9), ("银杏谷资本", 6), ("真格基金", 8), ("经纬中国", 6), ("北极光创投", 8),
    ("腾讯", 8),
]  # fmt: skip
STATE_FUNDS = [f"国资产业基金{i:02d}" for i in range(1, 9)]
OTHER_INVESTORS = [f"创投机构{i:03d}" for i in range(1, 241)]
FORMATS = ("{yi}亿元", "{wan}万元", "{wan}万人民币", "人民币{yi}亿元", "{wan_comma}万元")


def _split(total_wan: int, n: int, rng: random.Random) -> list[int]:
    """``n`` positive amounts in 万元 (multiples of 100万) summing exactly to ``total_wan``."""
    weights = [rng.randint(1, 30) for _ in range(n)]
    unit_total = total_wan // 100
    parts = [max(1, unit_total * w // sum(weights)) for w in weights]
    parts[-1] += unit_total - sum(parts)
    assert parts[-1] > 0 and sum(parts) * 100 == total_wan
    return [p * 100 for p in parts]


def _amount_text(wan: int, rng: random.Random) -> str:
    fmt = rng.choice(FORMATS)
    yi = (Decimal(wan) / 10000).normalize()
    return fmt.format(yi=format(yi, "f"), wan=wan, wan_comma=f"{wan:,}")


def _dates(year: int, n: int, rng: random.Random) -> list[date]:
    start = date(year, 1, 1)
    return [start + timedelta(days=rng.randrange(365)) for _ in range(n)]


def events_2019() -> list[dict[str, str]]:
    rng = random.Random(2019)
    rounds = (
        ["种子轮"] * 25 + ["天使轮"] * 80 + ["Pre-A轮"] * 99 + ["A轮"] * 206 + ["A+轮"] * 46
        + ["战略投资"] * 100 + ["Pre-B轮"] * 20 + ["B轮"] * 80 + ["B+轮"] * 20 + ["C轮"] * 40
        + ["C+轮"] * 10 + ["D轮"] * 10 + ["E轮"] * 6 + ["Pre-IPO"] * 10
    )  # fmt: skip
    capacity = {
        "上海": 144, "浙江": 82, "江苏省": 80, "安徽": 5, "北京市": 230, "广东": 115,
        "四川": 30, "湖北": 20, "山东": 16, "福建": 15, "陕西": 15,
    }  # fmt: skip
    assert len(rounds) == sum(capacity.values()) == 752
    rng.shuffle(rounds)
    # 607 companies with one event, 68 with two and 3 with three: 678 companies, 71 repeat.
    sizes = [3] * 3 + [2] * 68 + [1] * 607
    events: list[dict[str, str]] = []
    pos = 0
    for c, size in enumerate(sizes, start=1):
        # All events of a company are in its province and differ in round.
        province = rng.choice(sorted(p for p, left in capacity.items() if left >= size))
        capacity[province] -= size
        taken: set[str] = set()
        for _ in range(size):
            if rounds[pos] in taken:
                swap = next(j for j in range(pos + 1, 752) if rounds[j] not in taken)
                rounds[pos], rounds[swap] = rounds[swap], rounds[pos]
            taken.add(rounds[pos])
            events.append(
                {"company": f"行业企业{c:04d}", "round": rounds[pos], "province": province}
            )
            pos += 1
    assert not any(capacity.values())
    for d, e in zip(_dates(2019, 752, rng), events, strict=True):
        e["date"] = d.isoformat()
    disclosed = rng.sample(range(752), 270)
    amounts = _split(11_944_000, 270, rng)  # 1194.4 亿元 in 万元
    for e in events:
        e["amount"] = rng.choice(["未披露", "", "未披露"])
    for i, wan in zip(disclosed, amounts, strict=True):
        events[i]["amount"] = _amount_text(wan, rng)
    # The top investors' deals, on distinct events each; others share the rest, ≤ 5 each.
    investors: list[list[str]] = [[] for _ in events]
    for name, deals in TOP_2019:
        for i in rng.sample(range(752), deals):
            investors[i].append(name)
    other_load: dict[str, int] = {}
    for inv in investors:
        if not inv:
            name = rng.choice([o for o in OTHER_INVESTORS if other_load.get(o, 0) < 5])
            other_load[name] = other_load.get(name, 0) + 1
            inv.append(name)
    for e, inv in zip(events, investors, strict=True):
        e["investors"] = "、".join(inv)
        e["city"] = ""
        e["description"] = ""
    return events


def events_2024() -> list[dict[str, str]]:
    rng = random.Random(2024)
    early = ["种子轮"] * 10 + ["天使轮"] * 50 + ["Pre-A轮"] * 30 + ["A轮"] * 70 + ["A+轮"] * 9
    later = ["B轮"] * 60 + ["B+轮"] * 10 + ["C轮"] * 30 + ["战略融资"] * 40 + ["D轮"] * 12
    rounds = early + later
    rng.shuffle(rounds)
    # (province, companies with one event, companies with two events, intelligent equipment)
    groups = [
        ("上海市", 48, 4, 0), ("江苏", 30, 1, 0), ("浙江", 35, 1, 0), ("安徽", 16, 0, 0),
        ("北京", 50, 6, 10), ("广东", 45, 5, 20), ("四川", 20, 1, 10), ("湖北", 15, 1, 6),
        ("山东", 16, 1, 6), ("福建", 6, 0, 0),
    ]  # fmt: skip
    companies: list[tuple[str, int, bool]] = []
    for province, singles, doubles, equipment in groups:
        companies += [(province, 1, i < equipment) for i in range(singles)]
        companies += [(province, 2, False) for _ in range(doubles)]
    assert len(companies) == 301 and sum(n for _, n, _ in companies) == 321
    events: list[dict[str, str]] = []
    pos = 0
    for c, (province, n, equipment) in enumerate(companies, start=1):
        taken: set[str] = set()
        for _ in range(n):
            if rounds[pos] in taken:
                swap = next(j for j in range(pos + 1, 321) if rounds[j] not in taken)
                rounds[pos], rounds[swap] = rounds[swap], rounds[pos]
            taken.add(rounds[pos])
            events.append(
                {
                    "company": f"产业企业{c:04d}",
                    "round": rounds[pos],
                    "province": province,
                    "description": "工业机器人与智能装备研发制造"
                    if equipment
                    else "工业互联网平台与工业软件",
                }
            )
            pos += 1
    for d, e in zip(_dates(2024, 321, rng), events, strict=True):
        e["date"] = d.isoformat()
        e["amount"] = "未披露"
        e["city"] = ""
    shanghai = [i for i, e in enumerate(events) if e["province"] == "上海市"]
    equipment = [i for i, e in enumerate(events) if e["description"].startswith("工业机器人")]
    rest = [i for i in range(321) if i not in set(shanghai) | set(equipment)]
    plan = [
        (rng.sample(shanghai, 40), 1_120_000),  # Shanghai: over 110 亿元
        (rng.sample(equipment, 36), 420_000),  # intelligent equipment: over 41.7 亿元
        (rng.sample(rest, 124), 5_530_000 - 1_120_000 - 420_000),  # the rest of 553 亿元
    ]
    for idx, total in plan:
        for i, wan in zip(idx, _split(total, len(idx), rng), strict=True):
            events[i]["amount"] = _amount_text(wan, rng)
    # State-owned participation: 96 of 321 events (29.9 %, "about 30 %").
    for k, i in enumerate(rng.sample(range(321), 96)):
        others = rng.sample(OTHER_INVESTORS, rng.randint(0, 2))
        events[i]["investors"] = "、".join([STATE_FUNDS[k % len(STATE_FUNDS)], *others])
    for e in events:
        e.setdefault("investors", "、".join(rng.sample(OTHER_INVESTORS, rng.randint(1, 3))))
    return events


def write(name: str, rows: list[dict[str, str]], columns: list[str]) -> None:
    with (HERE / name).open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    cols = ["date", "company", "round", "amount", "investors", "province", "city", "description"]
    header_zh = {
        "date": "融资日期", "company": "企业名称", "round": "融资轮次", "amount": "融资金额",
        "investors": "投资方", "province": "省份", "city": "城市", "description": "主营业务",
    }  # fmt: skip
    write("events_2019.csv", events_2019(), cols)
    # The 2024 file uses the Chinese headers, as a spreadsheet from the field would.
    write(
        "events_2024.csv",
        [{header_zh[k]: v for k, v in e.items()} for e in events_2024()],
        [header_zh[c] for c in cols],
    )
    from chanrong.core.settings import get_settings

    star_path = get_settings().shared_data_path("market", "star_market_2019_listings.csv")
    with star_path.open(encoding="utf-8") as f:
        star = [
            {"stock_code": r["stock_code"], "company": r["short_name"], "board": r["board"],
             "listing_date": r["listing_date"]}
            for r in csv.DictReader(f)
        ]  # fmt: skip
    write("star_2019.csv", star, ["stock_code", "company", "board", "listing_date"])
    investors = [
        {"name": n, "kind": "vc", "state_owned": "是" if n == "深创投" else "否"}
        for n, _ in TOP_2019
    ] + [{"name": n, "kind": "government_fund", "state_owned": "是"} for n in STATE_FUNDS]
    write("investors.csv", investors, ["name", "kind", "state_owned"])


if __name__ == "__main__":
    main()

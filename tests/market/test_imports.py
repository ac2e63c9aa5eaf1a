"""Imports against a real database: all or nothing, duplicates, links to what exists, Excel."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from chanrong.core.errors import ValidationFailed
from chanrong.market import service
from chanrong.market.orm import MarketCompany, MarketEvent, MarketEventInvestor, MarketInvestor
from chanrong.market.service import ImportRejected
from chanrong.market.tabular import Dataset
from chanrong.storage.database import Database
from tests.market.builders import EVENT_HEADER, csv_bytes, xlsx_bytes

ROWS = [
    ["2024-01-10", "甲智能", "A轮", "超亿元", "红杉资本（中国）、深创投", "浙江", "杭州"],
    ["2024-02-11", "乙软件", "天使轮", "未披露", "深创投", "上海", ""],
]


def _count(db: Database, table: type) -> int:
    with db.unit_of_work() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def test_one_bad_row_rejects_the_whole_file_and_nothing_is_written(db: Database) -> None:
    bad = [*ROWS, ["2024-13-01", "丙装备", "Q轮", "很多", "", "火星", ""]]
    with pytest.raises(ImportRejected) as caught, db.unit_of_work() as s:
        service.import_file(s, Dataset.EVENTS, csv_bytes(EVENT_HEADER, bad), "e.csv")
    errors = [(e.row, e.column) for e in caught.value.errors]
    assert errors == [(4, "date"), (4, "round"), (4, "amount"), (4, "province")]
    assert caught.value.field == "date"
    assert caught.value.to_problem()["errors"][1] == {
        "row": 4,
        "column": "round",
        "reason": "'Q轮' is not a known round (种子/天使/Pre-A/A/A+/B/…/战略投资/IPO)",
    }
    for table in (MarketCompany, MarketEvent, MarketInvestor, MarketEventInvestor):
        assert _count(db, table) == 0


def test_events_import_creates_companies_investors_and_links(db: Database) -> None:
    with db.unit_of_work() as s:
        report = service.import_file(s, Dataset.EVENTS, csv_bytes(EVENT_HEADER, ROWS), "e.csv")
    assert (report.rows, report.created, report.skipped) == (2, 2, 0)
    assert sorted(report.new_companies) == ["乙软件", "甲智能"]
    assert report.new_investors == ["深创投", "红杉资本（中国）"]
    assert _count(db, MarketEventInvestor) == 3
    with db.unit_of_work() as s:
        ev = s.scalars(select(MarketEvent).where(MarketEvent.round == "a")).one()
        assert (ev.amount_kind, ev.cny_low_fen, ev.cny_high_fen) == ("at_least", 10**10, None)
        assert (ev.province_code, ev.city, ev.event_date) == ("330000", "杭州", date(2024, 1, 10))
        undisclosed = s.scalars(select(MarketEvent).where(MarketEvent.round == "angel")).one()
        assert (undisclosed.amount_kind, undisclosed.amount_text) == ("undisclosed", "未披露")
    # Loading the same file again is harmless: every row is already there.
    with db.unit_of_work() as s:
        again = service.import_file(s, Dataset.EVENTS, csv_bytes(EVENT_HEADER, ROWS), "e.csv")
    assert (again.created, again.skipped) == (0, 2)
    assert _count(db, MarketEvent) == 2


def test_a_row_repeated_in_one_file_is_an_error(db: Database) -> None:
    rows = [ROWS[0], ROWS[1], ["2024/1/10", "甲智能", "Series A", "1亿", "", "浙江", ""]]
    with pytest.raises(ImportRejected) as caught, db.unit_of_work() as s:
        service.import_file(s, Dataset.EVENTS, csv_bytes(EVENT_HEADER, rows), "e.csv")
    assert [(e.row, e.column, e.reason) for e in caught.value.errors] == [
        (4, "round", "duplicate of row 2")
    ]


def test_excel_rows_are_numbered_as_in_the_sheet_and_date_cells_read(db: Database) -> None:
    rows: list[list[object]] = [
        [date(2024, 5, 6), "丁网络", "Pre-A", 50000000, "某基金", "广东", "深圳"],
        [date(2024, 5, 7), "戊安全", "B+", "数千万元", "", "江苏", "南京"],
        [date(2024, 5, 8), "己平台", "C", "1.5亿", "", "北京", ""],
    ]
    with db.unit_of_work() as s:
        report = service.import_file(s, Dataset.EVENTS, xlsx_bytes(EVENT_HEADER, rows), "e.xlsx")
    assert report.created == 3
    with db.unit_of_work() as s:
        ev = s.scalars(select(MarketEvent).where(MarketEvent.round == "pre_a")).one()
        assert ev.cny_low_fen == 5_000_000_000 and ev.event_date == date(2024, 5, 6)
    bad = [*rows, [date(2024, 5, 9), "庚", "x", "", "", "北京", ""]]
    with pytest.raises(ImportRejected) as caught, db.unit_of_work() as s:
        service.import_file(s, Dataset.EVENTS, xlsx_bytes(EVENT_HEADER, bad), "e.xlsx")
    assert [(e.row, e.column) for e in caught.value.errors] == [(5, "round")]


def test_whole_file_problems_name_the_column(db: Database) -> None:
    with pytest.raises(ValidationFailed) as caught, db.unit_of_work() as s:
        service.import_file(s, Dataset.EVENTS, b"date,round\n2024-01-01,A\n", "e.csv")
    assert caught.value.field == "company"
    assert "missing required column(s): company" in caught.value.detail
    with pytest.raises(ValidationFailed, match="no data rows"), db.unit_of_work() as s:
        service.import_file(s, Dataset.EVENTS, csv_bytes(EVENT_HEADER, []), "e.csv")


def test_investors_import_upserts_the_state_owned_flag(db: Database) -> None:
    with db.unit_of_work() as s:
        service.import_file(s, Dataset.EVENTS, csv_bytes(EVENT_HEADER, ROWS), "e.csv")
    data = csv_bytes(
        ["name", "kind", "state_owned"], [["深创投", "vc", "是"], ["某引导基金", "引导基金", "1"]]
    )
    with db.unit_of_work() as s:
        report = service.import_file(s, Dataset.INVESTORS, data, "i.csv")
    assert (report.created, report.updated) == (1, 1)
    with db.unit_of_work() as s:
        inv = s.scalars(select(MarketInvestor).where(MarketInvestor.name == "深创投")).one()
        assert (inv.kind, inv.state_owned) == ("vc", True)
    dup = csv_bytes(["name", "state_owned"], [["A", "是"], ["A", "否"]])
    with pytest.raises(ImportRejected) as caught, db.unit_of_work() as s:
        service.import_file(s, Dataset.INVESTORS, dup, "i.csv")
    assert [(e.row, e.column, e.reason) for e in caught.value.errors] == [
        (3, "name", "duplicate of row 2")
    ]


LISTING_HEADER = ["stock_code", "company", "board", "listing_date", "ipo_proceeds", "province"]


def test_listings_financials_and_proceeds_link_by_stock_code(db: Database) -> None:
    listings = csv_bytes(
        LISTING_HEADER,
        [
            ["688001", "华兴源创", "科创板", "2019-07-22", "10.09亿元", "江苏"],
            ["300001", "某创业板公司", "创业板", "2020-01-01", "", ""],
        ],
    )
    with db.unit_of_work() as s:
        assert service.import_file(s, Dataset.LISTINGS, listings, "l.csv").created == 2
    fin = csv_bytes(
        ["stock_code", "year", "revenue", "profit"],
        [["688001", "2023", "10亿", "1亿"], ["688001", "2024", "12亿", "-2000万"]],
    )
    with db.unit_of_work() as s:
        assert service.import_file(s, Dataset.FINANCIALS, fin, "f.csv").created == 2
    proceeds = csv_bytes(["stock_code", "project", "amount"], [["688001", "研发中心", "2亿元"]])
    with db.unit_of_work() as s:
        assert service.import_file(s, Dataset.PROCEEDS, proceeds, "p.csv").created == 1
    with db.unit_of_work() as s:
        report = service.market_report(s, 2024)
    (growth,) = report.listings.growth
    assert growth.stock_code == "688001"
    assert growth.revenue_growth == pytest.approx(0.2)
    assert growth.profit_growth == pytest.approx(-1.2)
    assert report.listings.listed_total == 2
    with db.unit_of_work() as s:
        lf = service.market_report(s, 2019).listings
    assert (lf.new_listings, lf.ipo_proceeds_average_fen) == (1, 100_900_000_000)
    assert [(b.label, b.companies, b.amount_fen, b.share) for b in lf.proceeds_uses] == [
        ("研发中心", 1, 20_000_000_000, 1.0)
    ]


@pytest.mark.parametrize(
    ("dataset", "header", "rows", "expected"),
    [
        (
            Dataset.FINANCIALS,
            ["stock_code", "year", "revenue", "profit"],
            [["600000", "2024", "1亿", "1000万"]],
            (2, "stock_code", "600000 is not a listed company here; import it first"),
        ),
        (
            Dataset.PROCEEDS,
            ["stock_code", "project", "amount"],
            [["688001", "扩产", "1亿"], ["688001", "扩产", "2亿"]],
            (3, "project", "duplicate of row 2"),
        ),
        (
            Dataset.LISTINGS,
            LISTING_HEADER,
            [["688001", "别的公司", "科创板", "2019-07-22", "", ""]],
            (2, "stock_code", "already listed for another company"),
        ),
        (
            Dataset.LISTINGS,
            LISTING_HEADER,
            [["688002", "华兴源创", "科创板", "2019-07-22", "", ""]],
            (2, "company", "already listed under code 688001"),
        ),
        (
            Dataset.LISTINGS,
            LISTING_HEADER,
            [
                ["688003", "甲", "科创板", "2019-07-22", "", ""],
                ["688003", "乙", "科创板", "2019-07-22", "", ""],
            ],
            (3, "stock_code", "duplicate of row 2"),
        ),
    ],
)
def test_rows_that_clash_with_the_database(
    db: Database, dataset: Dataset, header: list[str], rows: list[list[str]], expected: tuple
) -> None:
    with db.unit_of_work() as s:
        service.import_file(
            s,
            Dataset.LISTINGS,
            csv_bytes(LISTING_HEADER, [["688001", "华兴源创", "科创板", "2019-07-22", "", ""]]),
            "l.csv",
        )
    with pytest.raises(ImportRejected) as caught, db.unit_of_work() as s:
        service.import_file(s, dataset, csv_bytes(header, rows), "x.csv")
    assert (
        caught.value.errors[0].row,
        caught.value.errors[0].column,
        caught.value.errors[0].reason,
    ) == expected


def test_operator_override_survives_reimport_and_reclassify_restores_rules(db: Database) -> None:
    rows = [["2024-01-10", "甲智能", "A轮", "1亿", "", "浙江", "", "工业机器人系统集成"]]
    header = [*EVENT_HEADER, "description"]
    with db.unit_of_work() as s:
        service.import_file(s, Dataset.EVENTS, csv_bytes(header, rows), "e.csv")
        company = s.scalars(select(MarketCompany)).one()
        assert (company.field, company.field_method) == ("intelligent_equipment", "rules")
        company_id = company.id
    with db.unit_of_work() as s:
        service.override_classification(s, company_id, field="平台与工业软件", tags="ai")
    rows2 = [["2024-06-10", "甲智能", "B轮", "2亿", "", "浙江", "", "工业机器人系统集成"]]
    with db.unit_of_work() as s:
        service.import_file(s, Dataset.EVENTS, csv_bytes(header, rows2), "e.csv")
        company = s.get(MarketCompany, company_id)
        assert company is not None
        assert (company.field, company.field_method, company.tags) == (
            "platform_software",
            "operator",
            ["ai"],
        )
    with db.unit_of_work() as s:
        assert service.reclassify(s, company_id).field == "intelligent_equipment"
    with pytest.raises(ValidationFailed) as caught, db.unit_of_work() as s:
        service.override_classification(s, company_id, field="农业")
    assert caught.value.field == "field"


class _Recorder:
    def __init__(self) -> None:
        self.total = -1
        self.done = 0

    def start(self, total: int) -> None:
        self.total = total

    def advance(self, rows: int) -> None:
        self.done += rows


def test_progress_counts_every_checked_row(db: Database) -> None:
    rows = [[f"2024-01-{d:02d}", f"企业{d}", "A轮", "1亿", "", "上海", ""] for d in range(1, 29)]
    recorder = _Recorder()
    with db.unit_of_work() as s:
        service.import_file(
            s, Dataset.EVENTS, csv_bytes(EVENT_HEADER, rows), "e.csv", progress=recorder
        )
    assert (recorder.total, recorder.done) == (28, 28)

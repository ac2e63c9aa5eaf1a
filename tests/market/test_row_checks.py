"""Every rule a single imported row can break, with the row, column and reason it reports."""

from __future__ import annotations

import pytest

from chanrong.market.domain import Board, Exchange
from chanrong.market.rounds import Round
from chanrong.market.rows import (
    EventRecord,
    ListingRecord,
    RowError,
    check_event,
    check_financials,
    check_investor,
    check_listing_row,
    check_proceeds,
    parse_date,
)
from chanrong.market.tabular import Dataset, Row, TableError, read_table

GOOD_EVENT = {
    "date": "2024-03-05",
    "company": "甲智能",
    "round": "A轮",
    "amount": "超亿元",
    "investors": "红杉资本（中国）、深创投",
    "province": "浙江",
    "city": "杭州",
}


def _errors(result: object) -> list[tuple[int, str, str]]:
    assert isinstance(result, list), f"expected errors, got {result!r}"
    return [(e.row, e.column, e.reason) for e in result if isinstance(e, RowError)]


def test_a_good_event_row_becomes_a_record() -> None:
    rec = check_event(Row(7, GOOD_EVENT))
    assert isinstance(rec, EventRecord)
    assert rec.round is Round.A
    assert rec.investors == ("红杉资本（中国）", "深创投")
    assert rec.place.province_code == "330000"
    assert rec.cny_low_fen == 10_000_000_000 and rec.cny_high_fen is None


def test_a_usd_amount_is_converted_at_the_years_rate() -> None:
    rec = check_event(Row(2, {**GOOD_EVENT, "amount": "$10M"}))
    assert isinstance(rec, EventRecord)
    assert rec.amount.currency == "USD"
    assert rec.cny_low_fen == 7_121_700_000  # 10 M × 7.1217 (2024) in fen


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("date", "", "is required"),
        ("date", "2024-02-30", "not a calendar date"),
        ("date", "March 5", "not a date"),
        ("company", "", "is required"),
        ("company", "x" * 201, "longer than 200"),
        ("round", "Z轮", "not a known round"),
        ("amount", "很多钱", "cannot read"),
        ("amount", "1亿美元港元", "two currencies"),
        ("amount", "9" * 101, "longer than 100"),
        ("province", "火星", "not a province"),
        ("province", "990000", "not a province"),
        ("city", "c" * 51, "longer than 50"),
        ("field", "农业", "not a field"),
        ("tags", "ai,iot", "not a tag"),
    ],
)
def test_each_event_rule_names_row_column_and_reason(column: str, value: str, reason: str) -> None:
    errors = _errors(check_event(Row(12, {**GOOD_EVENT, column: value})))
    assert len(errors) == 1
    row, col, why = errors[0]
    assert (row, col) == (12, column)
    assert reason in why


def test_all_errors_of_a_row_are_reported_together() -> None:
    bad = {**GOOD_EVENT, "date": "x", "round": "?", "province": "火星"}
    errors = _errors(check_event(Row(3, bad)))
    assert [c for _, c, _ in errors] == ["date", "round", "province"]


def test_an_empty_province_is_unknown_not_an_error_and_not_invented() -> None:
    rec = check_event(Row(3, {**GOOD_EVENT, "province": "", "city": "", "amount": ""}))
    assert not isinstance(rec, list)
    assert rec.place is None
    assert rec.amount.low_minor is None and rec.cny_low_fen is None
    no_round = check_event(Row(4, {**GOOD_EVENT, "round": ""}))
    assert not isinstance(no_round, list) and no_round.round is Round.UNDISCLOSED


@pytest.mark.parametrize(
    ("values", "column", "reason"),
    [
        ({"name": "", "state_owned": "是"}, "name", "is required"),
        ({"name": "某资本", "state_owned": "maybe"}, "state_owned", "not yes/no"),
        ({"name": "某资本", "kind": "hedge", "state_owned": "否"}, "kind", "not an investor kind"),
    ],
)
def test_investor_rules(values: dict[str, str], column: str, reason: str) -> None:
    errors = _errors(check_investor(Row(4, values)))
    assert errors[0][1] == column and reason in errors[0][2]


GOOD_LISTING = {
    "stock_code": "688001",
    "company": "华兴源创",
    "board": "科创板",
    "listing_date": "2019-07-22",
    "ipo_proceeds": "10.09亿元",
}


def test_a_listing_row_fills_the_exchange_from_the_code() -> None:
    rec = check_listing_row(Row(2, GOOD_LISTING))
    assert isinstance(rec, ListingRecord)
    assert (rec.exchange, rec.board) == (Exchange.SSE, Board.STAR)
    assert rec.ipo_proceeds_fen == 100_900_000_000
    # A 002 code was on the SME board; naming it main board (since 2021) is also right.
    rec = check_listing_row(Row(2, {**GOOD_LISTING, "stock_code": "002001", "board": "主板"}))
    assert isinstance(rec, ListingRecord) and rec.board is Board.MAIN


@pytest.mark.parametrize(
    ("values", "column", "reason"),
    [
        ({"stock_code": ""}, "stock_code", "is required"),
        ({"stock_code": "68800"}, "stock_code", "six digits"),
        ({"stock_code": "999999"}, "stock_code", "not an A-share code"),
        ({"board": "创业板"}, "board", "is on 科创板, not 创业板"),
        ({"board": ""}, "board", "is required"),
        ({"board": "新三板"}, "board", "not a board"),
        ({"exchange": "深交所"}, "exchange", "trades on sse"),
        ({"exchange": "LSE"}, "exchange", "not an exchange"),
        ({"listing_date": ""}, "listing_date", "is required"),
        ({"ipo_proceeds": "数亿元"}, "ipo_proceeds", "must be an exact amount"),
        ({"ipo_proceeds": "$100M"}, "ipo_proceeds", "must be in CNY"),
        ({"market_value": "很多"}, "market_value", "cannot read"),
        ({"stock_code": "AAPL", "board": "境外"}, "exchange", "must name its exchange"),
    ],
)
def test_listing_rules(values: dict[str, str], column: str, reason: str) -> None:
    errors = _errors(check_listing_row(Row(9, {**GOOD_LISTING, **values})))
    assert errors[0][1] == column, errors
    assert reason in errors[0][2]


def test_financials_allow_a_loss_and_check_the_year() -> None:
    rec = check_financials(
        Row(2, {"stock_code": "688001", "year": "2024", "revenue": "10亿元", "profit": "-3500万"})
    )
    assert not isinstance(rec, list)
    assert rec.profit_fen == -3_500_000_000
    errors = _errors(
        check_financials(
            Row(3, {"stock_code": "688001", "year": "24", "revenue": "", "profit": "1"})
        )
    )
    assert [(c, r) for _, c, r in errors] == [
        ("year", "'24' is not a four-digit year"),
        ("revenue", "is required"),
    ]


def test_proceeds_need_an_exact_amount() -> None:
    errors = _errors(
        check_proceeds(Row(5, {"stock_code": "688001", "project": "研发中心", "amount": "超亿元"}))
    )
    assert errors == [(5, "amount", "'超亿元' must be an exact amount, not a range or undisclosed")]


def test_dates_in_the_usual_spellings() -> None:
    assert parse_date("2019年7月22日").isoformat() == "2019-07-22"
    assert parse_date("2019/7/22").isoformat() == "2019-07-22"
    assert parse_date("2019-07-22 00:00:00").isoformat() == "2019-07-22"


def test_files_that_cannot_be_read_as_a_whole() -> None:
    with pytest.raises(TableError, match="missing required column"):
        read_table(Dataset.EVENTS, b"date,round\n2024-01-01,A\n", "e.csv")
    with pytest.raises(TableError, match="empty"):
        read_table(Dataset.EVENTS, b"", "e.csv")
    with pytest.raises(TableError, match=r"\.csv or \.xlsx"):
        read_table(Dataset.EVENTS, b"x", "e.pdf")
    with pytest.raises(TableError, match="not a readable Excel"):
        read_table(Dataset.EVENTS, b"not a zip", "e.xlsx")
    with pytest.raises(TableError, match="not UTF-8 or GB18030"):
        read_table(Dataset.EVENTS, b"\xff\xfe\x00\x81\x30", "e.csv")
    with pytest.raises(TableError, match="two columns mean 'company'"):
        read_table(Dataset.EVENTS, "date,company,公司,round,province\n".encode(), "e.csv")


def test_gb18030_csv_with_chinese_headers_reads() -> None:
    text = "融资日期,企业名称,轮次,省份\n2024-01-02,乙科技,天使轮,上海\n\n"
    rows = read_table(Dataset.EVENTS, text.encode("gb18030"), "e.csv")
    assert [(r.number, r.values["company"], r.values["round"]) for r in rows] == [
        (2, "乙科技", "天使轮")
    ]

"""Reading tables never drops a column: unknown ones are errors naming them, or are mapped."""

from __future__ import annotations

import pytest

from chanrong.market.tabular import (
    Dataset,
    TableError,
    parse_mapping,
    read_table,
    rows_from_dicts,
)
from tests.market.builders import csv_bytes

ISSUE_HEADER = ["date", "company", "round", "investor"]
ISSUE_ROWS = [["2024-03-01", "甲智能", "A轮", "某资本"], ["2024-06-01", "乙软件", "B轮", "某资本"]]


def test_an_unknown_column_is_an_error_naming_it_with_close_matches_and_accepted_names() -> None:
    with pytest.raises(TableError) as caught:
        read_table(Dataset.EVENTS, csv_bytes(ISSUE_HEADER, ISSUE_ROWS), "t.csv")
    assert caught.value.column == "investor"
    reason = caught.value.reason
    assert "unknown column 'investor'" in reason
    assert "did you mean investors" in reason
    assert "date, company, round, amount, investors, province" in reason


def test_an_explicit_mapping_takes_the_column_and_province_and_amount_may_be_absent() -> None:
    rows = read_table(
        Dataset.EVENTS,
        csv_bytes(ISSUE_HEADER, ISSUE_ROWS),
        "t.csv",
        parse_mapping(["investor=investors"]),
    )
    assert [r.values["investors"] for r in rows] == ["某资本", "某资本"]
    assert "province" not in rows[0].values and "amount" not in rows[0].values


def test_a_mapping_must_name_a_real_column_on_both_sides() -> None:
    data = csv_bytes(ISSUE_HEADER, ISSUE_ROWS)
    with pytest.raises(TableError, match="'investorz' is not a column of events; did you mean"):
        read_table(Dataset.EVENTS, data, "t.csv", {"investor": "investorz"})
    with pytest.raises(TableError, match="the file has no column 'lp'") as caught:
        read_table(Dataset.EVENTS, data, "t.csv", {"lp": "investors", "investor": "investors"})
    assert caught.value.column == "map"
    with pytest.raises(TableError, match="is not SOURCE=COLUMN"):
        parse_mapping(["investor"])


def test_data_under_a_blank_header_is_an_error_not_dropped() -> None:
    data = csv_bytes(["date", "company", "round", ""], [["2024-01-01", "甲", "A轮", "秘密"]])
    with pytest.raises(TableError, match="row 2: a value in column 4, which has no header"):
        read_table(Dataset.EVENTS, data, "t.csv")
    # A blank header with nothing under it is harmless.
    ok = csv_bytes(["date", "company", "round", ""], [["2024-01-01", "甲", "A轮", ""]])
    assert len(read_table(Dataset.EVENTS, ok, "t.csv")) == 1


def test_json_rows_name_the_unknown_key_or_take_the_mapping() -> None:
    record = {"date": "2024-01-01", "company": "甲", "round": "A轮", "investor": "某资本"}
    with pytest.raises(TableError, match="row 1: unknown column 'investor'; did you mean"):
        rows_from_dicts(Dataset.EVENTS, [record])
    rows = rows_from_dicts(Dataset.EVENTS, [record], {"investor": "investors"})
    assert rows[0].values["investors"] == "某资本"
    with pytest.raises(TableError, match="two fields mean 'investors'"):
        rows_from_dicts(Dataset.EVENTS, [{**record, "investors": "x"}], {"investor": "investors"})

"""Reading CSV and Excel sheets into rows keyed by canonical column names.

Headers may be written in Chinese or English ("融资轮次", "round"); each data set declares
its aliases. Rows carry the number the user sees in a spreadsheet (the header is row 1).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from chanrong.core import sheets
from chanrong.core.errors import ValidationFailed


class Dataset(StrEnum):
    EVENTS = "events"
    INVESTORS = "investors"
    LISTINGS = "listings"
    FINANCIALS = "financials"
    PROCEEDS = "proceeds"


class TableError(ValueError):
    """The file as a whole cannot be read (format, encoding, missing required columns)."""

    def __init__(self, reason: str, column: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.column = column


# canonical column → (required, accepted header spellings)
COLUMNS: dict[Dataset, dict[str, tuple[bool, tuple[str, ...]]]] = {
    Dataset.EVENTS: {
        "date": (True, ("date", "event_date", "日期", "融资日期", "融资时间", "时间")),
        "company": (True, ("company", "公司", "企业", "公司名称", "企业名称", "融资企业")),
        # A table may print no round: the round is then unknown (未披露), never guessed.
        "round": (False, ("round", "轮次", "融资轮次")),
        "amount": (False, ("amount", "金额", "融资金额")),
        "investors": (False, ("investors", "投资方", "投资机构")),
        # Public tables often print no province: it may be unknown (stored as NULL).
        "province": (False, ("province", "省份", "地区", "所在省份")),
        "city": (False, ("city", "城市", "所在城市")),
        "description": (False, ("description", "业务", "简介", "主营业务", "业务描述")),
        "field": (False, ("field", "领域", "细分领域")),
        "tags": (False, ("tags", "标签")),
    },
    Dataset.INVESTORS: {
        "name": (True, ("name", "investor", "投资方", "投资机构", "名称")),
        "kind": (False, ("kind", "type", "类型", "机构类型")),
        "state_owned": (True, ("state_owned", "国资", "国资背景", "是否国资")),
    },
    Dataset.LISTINGS: {
        "stock_code": (True, ("stock_code", "code", "股票代码", "证券代码")),
        "company": (True, ("company", "short_name", "公司", "证券简称", "公司名称", "简称")),
        "exchange": (False, ("exchange", "交易所")),
        "board": (True, ("board", "板块", "上市板块")),
        "listing_date": (True, ("listing_date", "上市日期", "上市时间")),
        "ipo_proceeds": (False, ("ipo_proceeds", "募集资金", "首发募资", "募资金额")),
        "market_value": (False, ("market_value", "市值", "总市值")),
        "province": (False, ("province", "省份", "地区", "注册地")),
        "city": (False, ("city", "城市")),
        "description": (False, ("description", "主营业务", "业务", "简介")),
        "field": (False, ("field", "领域", "细分领域")),
        "tags": (False, ("tags", "标签")),
    },
    Dataset.FINANCIALS: {
        "stock_code": (True, ("stock_code", "code", "股票代码", "证券代码")),
        "year": (True, ("year", "年度", "年份")),
        "revenue": (True, ("revenue", "营业收入", "营收")),
        "profit": (True, ("profit", "净利润", "利润")),
    },
    Dataset.PROCEEDS: {
        "stock_code": (True, ("stock_code", "code", "股票代码", "证券代码")),
        "project": (True, ("project", "募投项目", "项目", "项目名称")),
        "amount": (True, ("amount", "拟投入金额", "金额", "投资金额")),
    },
}


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    values: dict[str, str]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # Excel stores numbers as doubles; read their shortest decimal form, never the float.
        d = Decimal(repr(value))
        return format(d.normalize(), "f") if d == d.to_integral_value() else str(d)
    return str(value).strip()


def accepted_names(dataset: Dataset) -> list[str]:
    """Every header spelling the data set accepts, canonical names first."""
    spec = COLUMNS[dataset]
    names = list(spec)
    names += [a for _, aliases in spec.values() for a in aliases if a not in spec]
    return names


def _unknown_column(dataset: Dataset, name: str, *, where: str = "") -> TableError:
    """An error naming a column the data set does not know, its close matches and every
    accepted name, and how to map it: nothing is ever dropped silently."""
    accepted = accepted_names(dataset)
    close = difflib.get_close_matches(name.strip().lower(), accepted, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    canonical = ", ".join(COLUMNS[dataset])
    return TableError(
        f"{where}unknown column {name!r}{hint} Accepted columns: {canonical} "
        f"(or their Chinese names); map it explicitly, e.g. {name}={close[0] if close else '…'}",
        column=name,
    )


def check_mapping(dataset: Dataset, mapping: Mapping[str, str]) -> dict[str, str]:
    """A user's column mapping (header as written → canonical column), checked: every target
    must be a column of the data set. Answers it keyed by the lower-cased header."""
    spec = COLUMNS[dataset]
    checked: dict[str, str] = {}
    for source, target in mapping.items():
        if not source.strip():
            raise TableError("map: a mapping needs a source column name", column="map")
        if target not in spec:
            close = difflib.get_close_matches(target, list(spec), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise TableError(
                f"map: {source}={target}: {target!r} is not a column of {dataset.value}{hint} "
                f"(columns: {', '.join(spec)})",
                column="map",
            )
        checked[source.strip().lower()] = target
    return checked


def parse_mapping(items: list[str]) -> dict[str, str]:
    """``["investor=investors", …]`` as written on the command line, into a dict."""
    mapping: dict[str, str] = {}
    for item in items:
        source, sep, target = item.partition("=")
        if not sep or not source.strip() or not target.strip():
            raise TableError(f"map: {item!r} is not SOURCE=COLUMN", column="map")
        mapping[source.strip()] = target.strip()
    return mapping


def _header_map(
    dataset: Dataset, header: list[str], mapping: Mapping[str, str] | None = None
) -> dict[int, str]:
    spec = COLUMNS[dataset]
    lookup = {alias.lower(): col for col, (_, aliases) in spec.items() for alias in aliases}
    explicit = check_mapping(dataset, mapping or {})
    present = {name.strip().lower() for name in header}
    for source in explicit:
        if source not in present:
            raise TableError(
                f"map: the file has no column {source!r} (columns: {', '.join(header)})",
                column="map",
            )
    result: dict[int, str] = {}
    for i, name in enumerate(header):
        key = name.strip().lower()
        if not key:
            continue  # a blank header cell: checked below for data under it
        col = explicit.get(key) or lookup.get(key)
        if col is None:
            raise _unknown_column(dataset, name)
        if col in result.values():
            raise TableError(f"two columns mean {col!r}", column=col)
        result[i] = col
    missing = [c for c, (req, _) in spec.items() if req and c not in result.values()]
    if missing:
        raise TableError(f"missing required column(s): {', '.join(missing)}", column=missing[0])
    return result


def _rows(
    dataset: Dataset, grid: list[list[str]], mapping: Mapping[str, str] | None = None
) -> list[Row]:
    if not grid:
        raise TableError("the file is empty")
    header = grid[0]
    columns = _header_map(dataset, header, mapping)
    rows = []
    for n, cells in enumerate(grid[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        for i, cell in enumerate(cells):
            # Data under a blank header (or past the header's end) would be dropped silently.
            if i not in columns and cell.strip():
                raise TableError(
                    f"row {n}: a value in column {i + 1}, which has no header", column="file"
                )
        rows.append(
            Row(n, {col: (cells[i] if i < len(cells) else "") for i, col in columns.items()})
        )
    return rows


def read_table(
    dataset: Dataset, data: bytes, filename: str, mapping: Mapping[str, str] | None = None
) -> list[Row]:
    """Rows of a CSV (UTF-8, with or without BOM, or GB18030) or Excel (.xlsx) file.

    Every column must be known or mapped by ``mapping`` (header as written → column)."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _rows(dataset, _excel_grid(data), mapping)
    if suffix not in (".csv", ".txt", ""):
        raise TableError(f"{filename}: give a .csv or .xlsx file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise TableError(f"{filename}: not UTF-8 or GB18030 text") from None
    grid = [[c.strip() for c in r] for r in sheets.csv_rows(text)]
    return _rows(dataset, grid, mapping)


def _excel_grid(data: bytes) -> list[list[str]]:
    # Unzipped size, rows, cells and field length are bounded by chanrong.core.sheets.
    try:
        return [[_cell(v) for v in row] for row in sheets.xlsx_rows(data)]
    except ValidationFailed as exc:  # unreadable; a limit passed (413) propagates as is
        raise TableError(exc.detail.removeprefix("file: ")) from None


def rows_from_dicts(
    dataset: Dataset, records: list[dict[str, str]], mapping: Mapping[str, str] | None = None
) -> list[Row]:
    """Rows given as JSON objects keyed by canonical names (the API's batch form), or by names
    ``mapping`` maps to them; any other key is an error naming it."""
    spec = COLUMNS[dataset]
    explicit = check_mapping(dataset, mapping or {})
    rows = []
    for n, rec in enumerate(records, start=1):
        values: dict[str, str] = {}
        for key, value in rec.items():
            col = explicit.get(key.strip().lower()) or (key if key in spec else None)
            if col is None:
                raise _unknown_column(dataset, key, where=f"row {n}: ")
            if col in values:
                raise TableError(f"row {n}: two fields mean {col!r}", column=col)
            values[col] = "" if value is None else str(value).strip()
        rows.append(Row(n, values))
    return rows

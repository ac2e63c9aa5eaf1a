"""Reading CSV and Excel sheets into rows keyed by canonical column names.

Headers may be written in Chinese or English ("融资轮次", "round"); each data set declares
its aliases. Rows carry the number the user sees in a spreadsheet (the header is row 1).
"""

from __future__ import annotations

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
        "round": (True, ("round", "轮次", "融资轮次")),
        "amount": (False, ("amount", "金额", "融资金额")),
        "investors": (False, ("investors", "投资方", "投资机构")),
        "province": (True, ("province", "省份", "地区", "所在省份")),
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


def _header_map(dataset: Dataset, header: list[str]) -> dict[int, str]:
    spec = COLUMNS[dataset]
    lookup = {alias.lower(): col for col, (_, aliases) in spec.items() for alias in aliases}
    mapping: dict[int, str] = {}
    for i, name in enumerate(header):
        col = lookup.get(name.strip().lower())
        if col is not None:
            if col in mapping.values():
                raise TableError(f"two columns mean {col!r}", column=col)
            mapping[i] = col
    missing = [c for c, (req, _) in spec.items() if req and c not in mapping.values()]
    if missing:
        raise TableError(f"missing required column(s): {', '.join(missing)}", column=missing[0])
    return mapping


def _rows(dataset: Dataset, grid: list[list[str]]) -> list[Row]:
    if not grid:
        raise TableError("the file is empty")
    mapping = _header_map(dataset, grid[0])
    rows = []
    for n, cells in enumerate(grid[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        rows.append(
            Row(n, {col: (cells[i] if i < len(cells) else "") for i, col in mapping.items()})
        )
    return rows


def read_table(dataset: Dataset, data: bytes, filename: str) -> list[Row]:
    """Rows of a CSV (UTF-8, with or without BOM, or GB18030) or Excel (.xlsx) file."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _rows(dataset, _excel_grid(data))
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
    return _rows(dataset, grid)


def _excel_grid(data: bytes) -> list[list[str]]:
    # Unzipped size, rows, cells and field length are bounded by chanrong.core.sheets.
    try:
        return [[_cell(v) for v in row] for row in sheets.xlsx_rows(data)]
    except ValidationFailed as exc:  # unreadable; a limit passed (413) propagates as is
        raise TableError(exc.detail.removeprefix("file: ")) from None


def rows_from_dicts(dataset: Dataset, records: list[dict[str, str]]) -> list[Row]:
    """Rows given as JSON objects already keyed by canonical names (the API's batch form)."""
    spec = COLUMNS[dataset]
    rows = []
    for n, rec in enumerate(records, start=1):
        unknown = sorted(set(rec) - set(spec))
        if unknown:
            raise TableError(f"row {n}: unknown field(s) {', '.join(unknown)}", column=unknown[0])
        rows.append(Row(n, {k: "" if v is None else str(v).strip() for k, v in rec.items()}))
    return rows

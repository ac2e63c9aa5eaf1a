"""Reading business records from the CSV and Excel files finance staff actually have.

A column-mapping template says which column of the file holds which field; rows come out
numbered as the user sees them in the spreadsheet (the header is row 1), so every error can
name its row and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from chanrong.core import sheets
from chanrong.core.errors import ValidationFailed
from chanrong.telemetry.domain import RECORD_SPECS, RowError


class FileFormatError(ValueError):
    """The file or the mapping cannot be used at all (not a row-level problem)."""


@dataclass
class Mapping:
    """Field name → column header in the file, for one kind of record."""

    kind: str
    columns: dict[str, str]
    sheet: str | None = None
    header_row: int = 1
    encoding: str | None = None
    # Fields whose column may be absent from the file (optional fields under the default map).
    may_be_absent: frozenset[str] = frozenset()


def template(kind: str) -> str:
    """A YAML mapping template for ``kind``: edit the right-hand sides to your headers."""
    spec = RECORD_SPECS.get(kind)
    if spec is None:
        raise FileFormatError(f"kind: {kind!r} is not one of {', '.join(RECORD_SPECS)}")
    lines = [
        f"# Column mapping for {kind}: field: column header in your file",
        f"kind: {kind}",
        "sheet: null        # Excel sheet name; null = the first sheet",
        "header_row: 1      # the row holding the column headers",
        "columns:",
    ]
    for f in spec.fields:
        note = f"  # {f.type.value}{', optional' if not f.required else ''}"
        if f.type.value == "money":
            note += " (yuan, 2 decimals)"
        lines.append(f"  {f.name}: {f.name}{note}")
    return "\n".join(lines) + "\n"


def load_mapping(path: Path | None, kind: str) -> Mapping:
    """Read a mapping file, or map each field to a column of the same name."""
    spec = RECORD_SPECS.get(kind)
    if spec is None:
        raise FileFormatError(f"kind: {kind!r} is not one of {', '.join(RECORD_SPECS)}")
    if path is None:
        return Mapping(
            kind,
            {f.name: f.name for f in spec.fields},
            may_be_absent=frozenset(f.name for f in spec.fields if not f.required),
        )
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FileFormatError(f"mapping: cannot read {path}: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("columns"), dict):
        raise FileFormatError("mapping: needs a 'columns:' section (field: column header)")
    if doc.get("kind") not in (None, kind):
        raise FileFormatError(f"mapping: it is for {doc['kind']!r}, not {kind!r}")
    known = {f.name for f in spec.fields}
    unknown = sorted(set(doc["columns"]) - known)
    if unknown:
        raise FileFormatError(f"mapping: {unknown[0]!r} is not a field of {kind}")
    columns = {k: str(v) for k, v in doc["columns"].items() if v is not None}
    return Mapping(
        kind,
        columns,
        sheet=doc.get("sheet"),
        header_row=int(doc.get("header_row") or 1),
        encoding=doc.get("encoding"),
    )


@dataclass
class ReadRows:
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def _decode(data: bytes, encoding: str | None) -> str:
    if encoding:
        return data.decode(encoding)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel in China saves CSV as GBK (GB18030 is its superset).
        return data.decode("gb18030")


def _raw_rows(data: bytes, filename: str, mapping: Mapping) -> Iterator[list[object]]:
    # Row, cell, field and unzipped-size limits are enforced by chanrong.core.sheets.
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            yield from sheets.xlsx_rows(data, mapping.sheet)
        except ValidationFailed as exc:  # unreadable; a limit passed (413) propagates as is
            raise FileFormatError(exc.detail) from None
    elif suffix in (".csv", ".txt", ""):
        try:
            text = _decode(data, mapping.encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise FileFormatError(f"file: cannot decode {filename}: {exc}") from None
        for row in sheets.csv_rows(text):
            yield list[object](row)
    else:
        raise FileFormatError(f"file: {filename} must be .csv or .xlsx")


def read_rows(data: bytes, filename: str, mapping: Mapping) -> ReadRows:
    """Rows of the file as field dicts, numbered like the spreadsheet, blank rows skipped."""
    out = ReadRows()
    header: list[str] | None = None
    index: dict[str, int] = {}
    for n, raw in enumerate(_raw_rows(data, filename, mapping), start=1):
        if n < mapping.header_row:
            continue
        if header is None:
            header = ["" if c is None else str(c).strip() for c in raw]
            missing = [
                col
                for name, col in mapping.columns.items()
                if col not in header and name not in mapping.may_be_absent
            ]
            if missing:
                raise FileFormatError(
                    f"columns: {missing[0]!r} not found in the header row "
                    f"(row {n}: {', '.join(h for h in header if h)})"
                )
            index = {
                name: header.index(col) for name, col in mapping.columns.items() if col in header
            }
            continue
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in raw):
            continue
        values = {name: (raw[i] if i < len(raw) else None) for name, i in index.items()}
        out.rows.append((n, values))
    if header is None:
        raise FileFormatError(f"file: {filename} has no header row")
    return out

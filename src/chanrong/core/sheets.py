"""Reading the CSV and Excel files people upload, within limits.

A spreadsheet is a small file that can stand for a very large amount of work: an .xlsx is
a zip whose XML may unzip to gigabytes, and a sheet may declare (or hold a single cell at)
row 1,048,576 and column XFD, which a reader pads out cell by cell. So every read here is
bounded before the work is done: the unzipped size from the archive's directory (zipfile
never returns more than an entry declares), then rows, cells and the length of one field
as they are read. A limit passed is a 413 (`PayloadTooLarge`) naming the limit and its
value; a file that cannot be read at all is a 422 naming the file.

Both readers are plain blocking code: callers on an event loop run them in a worker thread.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TextIO

from chanrong.core.errors import PayloadTooLarge, ValidationFailed


@dataclass(frozen=True, slots=True)
class SheetLimits:
    """How much one uploaded table may hold."""

    max_rows: int = 100_000
    max_cells: int = 2_000_000
    # Python's csv module refuses fields past 128 KiB by default; the same bound for .xlsx.
    max_field_chars: int = 128 * 1024
    max_unzipped_bytes: int = 64 * 1024 * 1024
    max_zip_entries: int = 2_000


DEFAULT_LIMITS = SheetLimits()


def _too_large(limit: str, value: int, detail: str) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"file: {detail} (limit {limit} = {value})",
        field="file",
        extra={"limit": limit, "max": value},
    )


class _Counter:
    """Rows and cells read so far, refused at the first one past a limit."""

    def __init__(self, limits: SheetLimits) -> None:
        self.limits = limits
        self.rows = 0
        self.cells = 0

    def add(self, row: list[object]) -> None:
        self.rows += 1
        self.cells += len(row)
        lim = self.limits
        if self.rows > lim.max_rows:
            raise _too_large("max_rows", lim.max_rows, f"more than {lim.max_rows} rows")
        if self.cells > lim.max_cells:
            raise _too_large("max_cells", lim.max_cells, f"more than {lim.max_cells} cells")
        for i, value in enumerate(row):
            if isinstance(value, str) and len(value) > lim.max_field_chars:
                raise _too_large(
                    "max_field_chars",
                    lim.max_field_chars,
                    f"row {self.rows} column {i + 1} holds a field longer than "
                    f"{lim.max_field_chars} characters",
                )


def csv_rows(text: str, limits: SheetLimits = DEFAULT_LIMITS) -> Iterator[list[str]]:
    """The rows of CSV ``text``, refused past ``limits``."""
    counter = _Counter(limits)
    reader = csv.reader(io.StringIO(text))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" in str(exc):
                # The csv module's own guard (128 KiB by default) fired before ours could.
                raise _too_large(
                    "max_field_chars",
                    min(limits.max_field_chars, csv.field_size_limit()),
                    f"line {reader.line_num} holds a field longer than the limit",
                ) from None
            raise ValidationFailed(
                f"file: not readable as CSV at line {reader.line_num} ({exc})", field="file"
            ) from None
        counter.add(list(row))
        yield row


def check_zip(data: bytes, limits: SheetLimits = DEFAULT_LIMITS) -> None:
    """Refuse an .xlsx whose archive would unzip past ``limits`` before anything is unzipped."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationFailed(
            "file: not a readable Excel workbook (.xlsx: not a zip)", field="file"
        ) from None
    if len(entries) > limits.max_zip_entries:
        raise _too_large(
            "max_zip_entries", limits.max_zip_entries, f"{len(entries)} parts in the workbook"
        )
    total = sum(e.file_size for e in entries)
    if total > limits.max_unzipped_bytes:
        raise _too_large(
            "max_unzipped_bytes",
            limits.max_unzipped_bytes,
            f"the workbook unzips to {total} bytes",
        )


def xlsx_rows(
    data: bytes, sheet: str | None = None, limits: SheetLimits = DEFAULT_LIMITS
) -> Iterator[list[object]]:
    """The rows of an .xlsx sheet (the first unless ``sheet`` names one), refused past
    ``limits``. Cell values as openpyxl reads them (formulas as their cached values)."""
    check_zip(data, limits)
    from openpyxl import load_workbook  # heavy; only importers of spreadsheets pay for it

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ValidationFailed(
            f"file: not a readable Excel workbook ({type(exc).__name__})", field="file"
        ) from None
    try:
        if sheet and sheet not in wb.sheetnames:
            raise ValidationFailed(
                f"sheet: {sheet!r} not in the workbook ({', '.join(wb.sheetnames)})",
                field="sheet",
            )
        ws = wb[sheet] if sheet else wb.worksheets[0]
        # The sheet's declared dimension is not trusted: "A1:XFD1048576" would pad every row
        # to 16,384 cells. Rows are read as stored, and counted.
        reset = getattr(ws, "reset_dimensions", None)
        if reset is not None:
            reset()
        counter = _Counter(limits)
        for values in ws.iter_rows(values_only=True):
            row = list(values)
            counter.add(row)
            yield row
    finally:
        wb.close()


# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets
# (``=HYPERLINK(…)``, ``+cmd|…``, ``@SUM(…)``); tab and carriage return hide the prefix.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A value to write into a CSV or spreadsheet cell that a spreadsheet will not run as a
    formula: text starting like one gets a leading apostrophe (OWASP's CSV-injection
    advice); numbers and other values are left as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(fh: TextIO, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a CSV whose every text cell is neutralised with :func:`safe_cell`."""
    w = csv.writer(fh)
    w.writerow([safe_cell(h) for h in header])
    w.writerows([safe_cell(v) for v in row] for row in rows)

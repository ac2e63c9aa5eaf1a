"""Load any tabular credit data set with a binary label: CSV, whitespace-separated text or ARFF.

Nothing here knows a particular data set. The label column is the one named like a label
(``bad``, ``default``, ``class``, ``target``, ``label``, ``y``, ``bankruptcy``) or else the
last column; its two values are mapped so that 1 means the bad outcome.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from chanrong.core.errors import ValidationFailed

LABEL_NAMES = ("bad", "default", "defaulted", "class", "target", "label", "y", "bankruptcy")
BAD_WORDS = ("1", "bad", "yes", "true", "default", "defaulted", "bankrupt", "y", "t")
MISSING_MARKS = ("", "?", "NA", "N/A", "NaN", "nan", "null", "NULL")


@dataclass(frozen=True)
class CreditDataset:
    """Characteristics ``x`` (numeric or categorical columns) and label ``y`` (1 = bad)."""

    name: str
    x: pd.DataFrame
    y: np.ndarray
    label: str

    @property
    def bad_rate(self) -> float:
        return float(self.y.mean())


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for raw in names:
        name = raw.strip() or "col"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out


def _read_arff(text: str) -> pd.DataFrame:
    names: list[str] = []
    data_at = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        s = line.strip()
        low = s.lower()
        if low.startswith("@attribute"):
            m = re.match(r"@attribute\s+('([^']*)'|\"([^\"]*)\"|(\S+))", s, re.IGNORECASE)
            if m is None:
                raise ValidationFailed(
                    f"file: unreadable ARFF attribute line {i + 1}", field="file"
                )
            names.append(m.group(2) or m.group(3) or m.group(4))
        elif low.startswith("@data"):
            data_at = i + 1
            break
    if data_at is None or not names:
        raise ValidationFailed("file: ARFF without @attribute/@data sections", field="file")
    body = "\n".join(ln for ln in lines[data_at:] if ln.strip() and not ln.startswith("%"))
    frame = pd.read_csv(
        io.StringIO(body),
        header=None,
        names=_unique(names),
        na_values=list(MISSING_MARKS),
        keep_default_na=True,
        quotechar="'",
        skipinitialspace=True,
    )
    return frame


def _looks_numeric(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return cell.strip() in MISSING_MARKS
    return True


def _read_delimited(text: str) -> pd.DataFrame:
    sample = "\n".join(text.splitlines()[:50])
    first = text.splitlines()[0] if text else ""
    if "," in first or ";" in first or "\t" in first:
        try:
            sep = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            sep = ","
        fields = first.split(sep)
    else:
        sep = r"\s+"
        fields = first.split()
    # A first row made only of numbers is data, not a header.
    header = None if all(_looks_numeric(f) for f in fields) else 0
    frame = pd.read_csv(
        io.StringIO(text),
        sep=sep,
        header=header,
        na_values=list(MISSING_MARKS),
        engine="python" if sep == r"\s+" else "c",
    )
    if header is None:
        frame.columns = [f"A{i + 1}" for i in range(frame.shape[1] - 1)] + ["class"]
    frame.columns = _unique([str(c) for c in frame.columns])
    return frame


def _label_column(frame: pd.DataFrame, label: str | None) -> str:
    if label is not None:
        if label not in frame.columns:
            raise ValidationFailed(f"label: no column named {label!r}", field="label")
        return label
    by_lower = {str(c).strip().lower(): str(c) for c in frame.columns}
    for name in LABEL_NAMES:
        if name in by_lower:
            return by_lower[name]
    return str(frame.columns[-1])


def binary_label(values: pd.Series, name: str) -> np.ndarray:
    """Map a two-valued column to 0/1 with 1 = bad (by name, else 1/True, else the rarer value)."""
    present = values.dropna()
    if len(present) != len(values):
        raise ValidationFailed(f"label: column {name!r} has missing values", field="label")
    distinct = sorted({str(v).strip() for v in present})
    if len(distinct) != 2:
        raise ValidationFailed(
            f"label: column {name!r} must have exactly two values, found {len(distinct)}",
            field="label",
        )
    as_text = values.astype(str).str.strip()
    bad = [d for d in distinct if d.lower() in BAD_WORDS or _is_one(d)]
    positive = bad[0] if len(bad) == 1 else str(as_text.value_counts().idxmin())
    return np.asarray(as_text == positive, dtype=np.int8)


def _is_one(text: str) -> bool:
    try:
        return float(text) == 1.0
    except ValueError:
        return False


def load_dataset(path: Path | str, *, label: str | None = None) -> CreditDataset:
    """Read ``path`` (CSV / whitespace text / ARFF) into characteristics and a 0/1 label."""
    path = Path(path)
    if not path.exists():
        raise ValidationFailed(f"file: {path} does not exist", field="file")
    text = path.read_text(encoding="utf-8", errors="replace")
    is_arff = path.suffix.lower() == ".arff" or text.lstrip().lower().startswith(("@relation", "%"))
    frame = _read_arff(text) if is_arff else _read_delimited(text)
    target = _label_column(frame, label)
    y = binary_label(frame[target], target)
    x = frame.drop(columns=[target])
    for col in x.columns:
        if x[col].dtype == object or str(x[col].dtype).startswith("str"):
            converted = pd.to_numeric(x[col], errors="coerce")
            # Keep text columns categorical unless every present value is a number.
            if converted.notna().sum() == x[col].notna().sum():
                x[col] = converted
            else:
                x[col] = x[col].astype(object)
    x = x.dropna(axis=1, how="all")
    if x.shape[1] == 0:
        raise ValidationFailed("file: no characteristic columns besides the label", field="file")
    return CreditDataset(name=path.stem, x=x.reset_index(drop=True), y=y, label=target)

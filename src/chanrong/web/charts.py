"""ECharts options built from plain series: one look for every chart in the console.

Pure functions returning JSON-ready dicts; the browser draws them (static/console/console.js).
Values are passed as numbers for plotting only; money shown in tables stays Decimal/fen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

PALETTE = ["#0a58ca", "#b3261e", "#1a7f37", "#9a6700", "#8250df", "#57606a"]

Number = int | float


def _base(title: str | None = None) -> dict[str, Any]:
    option: dict[str, Any] = {
        "color": PALETTE,
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 48, "right": 16, "top": 36, "bottom": 32, "containLabel": True},
        "legend": {"top": 0, "type": "scroll"},
    }
    if title:
        option["title"] = {"text": title, "show": False}
    return option


def line(
    x: Sequence[str],
    series: Mapping[str, Sequence[Number | None]],
    *,
    unit: str = "",
    area: bool = False,
) -> dict[str, Any]:
    """A time-series line chart: one line per named series over the ``x`` labels."""
    option = _base()
    option["xAxis"] = {"type": "category", "data": list(x), "boundaryGap": False}
    option["yAxis"] = {"type": "value", "name": unit, "scale": True}
    option["series"] = [
        {
            "name": name,
            "type": "line",
            "data": list(values),
            "showSymbol": len(x) <= 40,
            "connectNulls": False,
            **({"areaStyle": {"opacity": 0.15}} if area else {}),
        }
        for name, values in series.items()
    ]
    return option


def bar(
    x: Sequence[str],
    series: Mapping[str, Sequence[Number | None]],
    *,
    unit: str = "",
    stacked: bool = False,
    horizontal: bool = False,
) -> dict[str, Any]:
    """A bar chart: one bar group per ``x`` label."""
    option = _base()
    cat = {"type": "category", "data": list(x)}
    val = {"type": "value", "name": unit}
    option["xAxis"], option["yAxis"] = (val, cat) if horizontal else (cat, val)
    option["series"] = [
        {"name": name, "type": "bar", "data": list(values), **({"stack": "all"} if stacked else {})}
        for name, values in series.items()
    ]
    return option


def pie(parts: Mapping[str, Number]) -> dict[str, Any]:
    """A doughnut of named parts."""
    option = _base()
    option["tooltip"] = {"trigger": "item"}
    option.pop("grid")
    option["series"] = [
        {
            "type": "pie",
            "radius": ["40%", "68%"],
            "top": 24,
            "data": [{"name": k, "value": v} for k, v in parts.items()],
        }
    ]
    return option


def gauge(
    value: Number, *, minimum: Number = 0, maximum: Number = 100, name: str = ""
) -> dict[str, Any]:
    """A single score on a dial (for a credit score or a quality score)."""
    return {
        "animation": False,
        "series": [
            {
                "type": "gauge",
                "min": minimum,
                "max": maximum,
                "progress": {"show": True},
                "detail": {"valueAnimation": False, "fontSize": 22},
                "data": [{"value": value, "name": name}],
            }
        ],
    }


def band(
    x: Sequence[str],
    *,
    value: Sequence[Number | None],
    baseline: Sequence[Number | None],
    low: Sequence[Number | None],
    high: Sequence[Number | None],
    marked: Sequence[Number | None],
    names: Mapping[str, str],
    unit: str = "",
) -> dict[str, Any]:
    """A daily series against its expected value and band, with some days marked.

    The band is drawn as an area between ``low`` and ``high`` (a transparent base stacked with
    the band's height); ``marked`` holds the values of the days to highlight (None elsewhere).
    ``names`` gives the legend text of "value", "baseline", "band" and "marked".
    """
    option = line(x, {names["value"]: value, names["baseline"]: baseline}, unit=unit)
    height = [
        None if lo is None or hi is None else round(hi - lo, 6)
        for lo, hi in zip(low, high, strict=True)
    ]
    option["series"][1]["lineStyle"] = {"type": "dashed"}
    option["series"] += [
        {
            "name": names["band"],
            "type": "line",
            "data": list(low),
            "stack": "band",
            "showSymbol": False,
            "lineStyle": {"opacity": 0},
            "tooltip": {"show": False},
        },
        {
            "name": names["band"],
            "type": "line",
            "data": height,
            "stack": "band",
            "showSymbol": False,
            "lineStyle": {"opacity": 0},
            "areaStyle": {"opacity": 0.15},
            "tooltip": {"show": False},
        },
        {
            "name": names["marked"],
            "type": "line",
            "data": list(marked),
            "showSymbol": True,
            "symbolSize": 5,
            "connectNulls": False,
            "lineStyle": {"width": 3},
        },
    ]
    return option

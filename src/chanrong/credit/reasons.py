"""Reason codes a credit officer and the enterprise can read, in zh-CN and en.

Scorecard: the characteristics that cost the most points against their best band.
Boosted model: the characteristics whose contributions raised the log-odds of default most.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from chanrong.core.i18n import register, t
from chanrong.credit.boosting import BoostedModel
from chanrong.credit.scorecard import Columns, PointsBreakdown, ScorecardTable

register(
    {
        "credit.reason.points": {
            "zh-CN": "{feature}（{band}）比最优档少 {lost} 分",
            "en": "{feature} ({band}) scored {lost} points below its best band",
        },
        "credit.reason.best_bands": {
            "zh-CN": "各项特征均在最优档，评分已是模型最高分；违约概率为模型的基准水平",
            "en": "Every characteristic is in its best band: the score is the model's highest "
            "and the PD its base level",
        },
        "credit.reason.contribution": {
            "zh-CN": "{feature} 为 {value}，使违约几率上升 {effect}%",
            "en": "{feature} of {value} raised the odds of default by {effect}%",
        },
    }
)


@dataclass(frozen=True)
class Reason:
    """One factor against the applicant: a stable code, its weight, and readable text."""

    code: str
    feature: str
    weight: float
    text_zh: str
    text_en: str

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "feature": self.feature,
            "weight": round(self.weight, 4),
            "text": {"zh-CN": self.text_zh, "en": self.text_en},
        }


def feature_label(name: str, locale: str) -> str:
    """The registered display name of a characteristic, else its own name; a two-way table
    (``A × B``) is named by its two characteristics."""
    if " × " in name:
        return " × ".join(feature_label(part, locale) for part in name.split(" × ", 1))
    key = f"credit.feature.{name}"
    text = t(key, locale)
    return name if text == key else text


def _value_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def scorecard_reasons(
    table: ScorecardTable,
    x: Columns,
    *,
    top: int = 4,
    breakdown: PointsBreakdown | None = None,
) -> list[list[Reason]]:
    """Per row, up to ``top`` characteristics ordered by points lost (only those that lost any);
    a row that lost nothing gets the one reason ``SC_BEST_BANDS``."""
    bd = breakdown if breakdown is not None else table.breakdown(x)
    out: list[list[Reason]] = []
    chars = table.parts
    lost = np.column_stack([ch.best_points - bd.points[ch.name] for ch in chars])
    for r in range(len(bd.score)):
        order = np.argsort(-lost[r], kind="mergesort")[:top]
        row: list[Reason] = []
        for j in order:
            if lost[r, j] <= 1e-9:
                break
            ch = chars[j]
            band = ch.label_of(int(bd.bins[ch.name][r]))
            pts = f"{lost[r, j]:.1f}"
            row.append(
                Reason(
                    code=f"SC_{ch.name}",
                    feature=ch.name,
                    weight=float(lost[r, j]),
                    text_zh=t(
                        "credit.reason.points",
                        "zh-CN",
                        feature=feature_label(ch.name, "zh-CN"),
                        band=band,
                        lost=pts,
                    ),
                    text_en=t(
                        "credit.reason.points",
                        "en",
                        feature=feature_label(ch.name, "en"),
                        band=band,
                        lost=pts,
                    ),
                )
            )
        if not row:
            # Nothing lost anywhere: said, so that a decline or referral on a model whose best
            # still carries a high PD (a small or high-default training set) is never silent.
            row.append(
                Reason(
                    code="SC_BEST_BANDS",
                    feature="",
                    weight=0.0,
                    text_zh=t("credit.reason.best_bands", "zh-CN"),
                    text_en=t("credit.reason.best_bands", "en"),
                )
            )
        out.append(row)
    return out


def boosted_reasons(model: BoostedModel, x: pd.DataFrame, *, top: int = 4) -> list[list[Reason]]:
    """Per row, up to ``top`` characteristics with the largest positive contributions."""
    contrib = model.contributions(x)[:, : len(model.features)]
    out: list[list[Reason]] = []
    for r in range(len(x)):
        order = np.argsort(-contrib[r], kind="mergesort")[:top]
        row: list[Reason] = []
        for j in order:
            c = float(contrib[r, j])
            if c <= 1e-9:
                break
            name = model.features[j]
            value = _value_text(x[name].iloc[r])
            effect = f"{(np.exp(c) - 1.0) * 100:.0f}"
            row.append(
                Reason(
                    code=f"GB_{name}",
                    feature=name,
                    weight=c,
                    text_zh=t(
                        "credit.reason.contribution",
                        "zh-CN",
                        feature=feature_label(name, "zh-CN"),
                        value=value,
                        effect=effect,
                    ),
                    text_en=t(
                        "credit.reason.contribution",
                        "en",
                        feature=feature_label(name, "en"),
                        value=value,
                        effect=effect,
                    ),
                )
            )
        out.append(row)
    return out

"""Financing rounds: the many ways a round is written, normalised to one ordered set.

"天使轮", "Pre-A轮", "A+轮", "Series B", "战略融资", "首发上市" … each map to one :class:`Round`;
each round belongs to a :class:`Stage`. Text that names no known round raises
:class:`RoundError` rather than being filed under a guess.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class RoundError(ValueError):
    """The text names no round this normaliser knows."""


class Stage(StrEnum):
    EARLY = "early"  # seed to A+: the reports' "A+ and earlier" / early stage
    GROWTH = "growth"  # Pre-B to C+
    LATE = "late"  # D and later, Pre-IPO
    STRATEGIC = "strategic"
    PUBLIC = "public"  # IPO and placements of listed companies
    ACQUISITION = "acquisition"
    UNKNOWN = "unknown"


class Round(StrEnum):
    """Rounds in their usual order."""

    SEED = "seed"
    ANGEL = "angel"
    PRE_A = "pre_a"
    A = "a"
    A_PLUS = "a_plus"
    PRE_B = "pre_b"
    B = "b"
    B_PLUS = "b_plus"
    C = "c"
    C_PLUS = "c_plus"
    D = "d"
    E_AND_LATER = "e_and_later"
    PRE_IPO = "pre_ipo"
    STRATEGIC = "strategic"
    IPO = "ipo"
    PRIVATE_PLACEMENT = "private_placement"
    ACQUISITION = "acquisition"
    UNDISCLOSED = "undisclosed"

    @property
    def stage(self) -> Stage:
        """The stage this round belongs to."""
        return _STAGE[self]

    @property
    def is_early(self) -> bool:
        """Seed to A+: the reports' early stage."""
        return self.stage is Stage.EARLY

    @property
    def label_zh(self) -> str:
        """The round as the reports write it (A+轮, 战略投资 …)."""
        return _LABEL_ZH[self]


_STAGE = {
    Round.SEED: Stage.EARLY, Round.ANGEL: Stage.EARLY, Round.PRE_A: Stage.EARLY,
    Round.A: Stage.EARLY, Round.A_PLUS: Stage.EARLY,
    Round.PRE_B: Stage.GROWTH, Round.B: Stage.GROWTH, Round.B_PLUS: Stage.GROWTH,
    Round.C: Stage.GROWTH, Round.C_PLUS: Stage.GROWTH,
    Round.D: Stage.LATE, Round.E_AND_LATER: Stage.LATE, Round.PRE_IPO: Stage.LATE,
    Round.STRATEGIC: Stage.STRATEGIC, Round.IPO: Stage.PUBLIC,
    Round.PRIVATE_PLACEMENT: Stage.PUBLIC, Round.ACQUISITION: Stage.ACQUISITION,
    Round.UNDISCLOSED: Stage.UNKNOWN,
}  # fmt: skip

_LABEL_ZH = {
    Round.SEED: "种子轮", Round.ANGEL: "天使轮", Round.PRE_A: "Pre-A轮", Round.A: "A轮",
    Round.A_PLUS: "A+轮", Round.PRE_B: "Pre-B轮", Round.B: "B轮", Round.B_PLUS: "B+轮",
    Round.C: "C轮", Round.C_PLUS: "C+轮", Round.D: "D轮", Round.E_AND_LATER: "E轮及以后",
    Round.PRE_IPO: "Pre-IPO", Round.STRATEGIC: "战略投资", Round.IPO: "IPO",
    Round.PRIVATE_PLACEMENT: "定向增发", Round.ACQUISITION: "并购",
    Round.UNDISCLOSED: "未披露",
}  # fmt: skip

ORDER: tuple[Round, ...] = tuple(Round)
_BY_VALUE = {r.value: r for r in Round}

_WORDS: dict[str, Round] = {
    "种子": Round.SEED, "SEED": Round.SEED, "PRE天使": Round.SEED, "PREANGEL": Round.SEED,
    "天使": Round.ANGEL, "ANGEL": Round.ANGEL, "天使+": Round.ANGEL, "ANGEL+": Round.ANGEL,
    "PREA": Round.PRE_A, "PREA+": Round.PRE_A, "PREB": Round.PRE_B, "PREB+": Round.PRE_B,
    "PREC": Round.B_PLUS, "种子+": Round.SEED,
    "PREIPO": Round.PRE_IPO,
    "战略投资": Round.STRATEGIC, "战略": Round.STRATEGIC, "战投": Round.STRATEGIC,
    "STRATEGIC": Round.STRATEGIC, "STRATEGICINVESTMENT": Round.STRATEGIC,
    "IPO": Round.IPO, "首发": Round.IPO, "首发上市": Round.IPO, "上市": Round.IPO,
    "首次公开发行": Round.IPO, "IPO上市": Round.IPO,
    "定增": Round.PRIVATE_PLACEMENT, "定向增发": Round.PRIVATE_PLACEMENT,
    "非公开发行": Round.PRIVATE_PLACEMENT, "PIPE": Round.PRIVATE_PLACEMENT,
    "并购": Round.ACQUISITION, "收购": Round.ACQUISITION, "M&A": Round.ACQUISITION,
    "ACQUISITION": Round.ACQUISITION,
    "未披露": Round.UNDISCLOSED, "未知": Round.UNDISCLOSED, "不明确": Round.UNDISCLOSED,
    "UNDISCLOSED": Round.UNDISCLOSED,
    # "股权融资" (an equity round, stage not stated) is a real round of unknown stage.
    "股权": Round.UNDISCLOSED,
}  # fmt: skip

_LETTER = {"A": Round.A, "B": Round.B, "C": Round.C, "D": Round.D}
_LETTER_PLUS = {"A": Round.A_PLUS, "B": Round.B_PLUS, "C": Round.C_PLUS, "D": Round.D}
_LETTER_ROUND = re.compile(r"^(?P<letter>[A-Z])(?P<sub>\d*)(?P<plus>\+*)$")


def _clean(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip().upper()
    text = re.sub(r"[\s\-_·.]", "", text)
    for noise in ("轮融资", "系列", "融资", "轮", "ROUND", "SERIES"):
        text = text.replace(noise, "")
    return text


def normalise_round(raw: str | None) -> Round:
    """Map a round as written to a :class:`Round`; raise :class:`RoundError` if unknown."""
    if raw is None or not raw.strip():
        raise RoundError("the round is empty (write 未披露 when it is not known)")
    if raw.strip().lower() in _BY_VALUE:
        return _BY_VALUE[raw.strip().lower()]
    text = _clean(raw)
    if text in _WORDS:
        return _WORDS[text]
    if m := _LETTER_ROUND.match(text):
        letter, plus = m.group("letter"), m.group("plus")
        if letter in _LETTER:
            return (_LETTER_PLUS if plus else _LETTER)[letter]
        if "E" <= letter <= "H":
            return Round.E_AND_LATER
    raise RoundError(f"{raw!r} is not a known round (种子/天使/Pre-A/A/A+/B/…/战略投资/IPO)")

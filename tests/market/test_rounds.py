"""The round normaliser: every spelling of a round, its stage, and the errors."""

from __future__ import annotations

import pytest

from chanrong.market.rounds import Round, RoundError, Stage, normalise_round


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("种子轮", Round.SEED),
        ("Seed", Round.SEED),
        ("天使轮", Round.ANGEL),
        ("Angel Round", Round.ANGEL),
        ("Pre-A轮", Round.PRE_A),
        ("pre a", Round.PRE_A),
        ("A轮", Round.A),
        ("A1轮", Round.A),
        ("A+轮", Round.A_PLUS),
        ("A++", Round.A_PLUS),
        ("Ａ＋轮", Round.A_PLUS),
        ("Pre-B轮", Round.PRE_B),
        ("Series B", Round.B),
        ("B 轮", Round.B),
        ("B+轮", Round.B_PLUS),
        ("Pre-C", Round.B_PLUS),
        ("C轮", Round.C),
        ("C+轮", Round.C_PLUS),
        ("D轮", Round.D),
        ("E轮", Round.E_AND_LATER),
        ("F轮", Round.E_AND_LATER),
        ("Pre-IPO", Round.PRE_IPO),
        ("战略投资", Round.STRATEGIC),
        ("战略融资", Round.STRATEGIC),
        ("IPO", Round.IPO),
        ("首发上市", Round.IPO),
        ("定向增发", Round.PRIVATE_PLACEMENT),
        ("并购", Round.ACQUISITION),
        ("未披露", Round.UNDISCLOSED),
        ("a_plus", Round.A_PLUS),
        ("Pre-A+轮", Round.PRE_A),
        ("种子+轮", Round.SEED),
        ("股权融资", Round.UNDISCLOSED),
    ],
)
def test_rounds_normalise(text: str, expected: Round) -> None:
    assert normalise_round(text) is expected


@pytest.mark.parametrize("text", ["x轮", "Z轮", "股权转让", "A-B", "123"])
def test_unknown_rounds_are_errors_not_guesses(text: str) -> None:
    with pytest.raises(RoundError, match="not a known round"):
        normalise_round(text)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_an_empty_round_is_an_error_that_says_what_to_write(text: str | None) -> None:
    with pytest.raises(RoundError, match="未披露"):
        normalise_round(text)


def test_stages_follow_the_reports() -> None:
    early = [r for r in Round if r.is_early]
    # The 2019 report's "A+ and earlier": seed, angel, Pre-A, A, A+.
    assert early == [Round.SEED, Round.ANGEL, Round.PRE_A, Round.A, Round.A_PLUS]
    assert Round.B.stage is Stage.GROWTH
    assert Round.PRE_IPO.stage is Stage.LATE
    assert Round.STRATEGIC.stage is Stage.STRATEGIC
    assert Round.IPO.stage is Stage.PUBLIC
    assert Round.A_PLUS.label_zh == "A+轮"

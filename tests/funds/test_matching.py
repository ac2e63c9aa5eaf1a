"""Match scores with the reason for each point; the instrument is a hard condition."""

from __future__ import annotations

from chanrong.funds.matching import Mandate, Need, ranked, score

Y = 100
NEED = Need("n", "equity", 5_000_000 * Y, "a", "C3411", "330502")


def _mandate(**kw: object) -> Mandate:
    base: dict[str, object] = {
        "id": "m", "instruments": ("equity",), "sectors": ("C34",), "stages": ("a", "b"),
        "regions": ("330000",), "ticket_min_fen": 1_000_000 * Y, "ticket_max_fen": 10_000_000 * Y,
    }  # fmt: skip
    base.update(kw)
    return Mandate(**base)  # type: ignore[arg-type]


def test_every_criterion_met_scores_100_with_its_reasons() -> None:
    m = score(NEED, _mandate())
    assert m.score == 100
    assert [(r.criterion, r.detail, r.points) for r in m.reasons] == [
        ("instrument", "match", 0),
        ("sector", "match", 30),
        ("stage", "match", 20),
        ("region", "match", 20),
        ("ticket", "match", 30),
    ]


def test_partial_matches_unknowns_and_the_hard_instrument() -> None:
    assert score(NEED, _mandate(instruments=("loan",))).score == 0
    off = score(NEED, _mandate(sectors=("I65",), ticket_max_fen=2_000_000 * Y))
    assert off.score == 40  # stage 20 + region 20
    assert {r.criterion: r.detail for r in off.reasons}["ticket"] == "above"
    unknown = Need("u", "equity", 5_000_000 * Y, None, None, None)
    u = score(unknown, _mandate())
    assert u.score == 30 and {r.criterion: r.detail for r in u.reasons}["sector"] == "unknown"
    anything = score(unknown, _mandate(sectors=(), stages=(), regions=(), ticket_min_fen=None,
                                       ticket_max_fen=None))  # fmt: skip
    assert anything.score == 100 and all(r.detail in ("any", "match") for r in anything.reasons)
    assert [m.mandate_id for m in ranked([u, off, score(NEED, _mandate(id="z"))])] == [
        "z", "m", "m",
    ]  # fmt: skip
    assert ranked([score(NEED, _mandate(instruments=("lease",)))]) == []

"""The MQTT JSON batch: the fast column-wise read of [metric, ms, value] triples agrees with
the reading-by-reading one, and leaves to it (to be named) every reading it would misread."""

from __future__ import annotations

import orjson
import pytest

from chanrong.telemetry.adapters.payload import PayloadError, _general, decode_batch


def _body(points: list[object]) -> bytes:
    return orjson.dumps({"points": points})


def _lists(arrays: tuple[object, ...]) -> list[list[object]]:
    return [a.to_pylist() for a in arrays]  # type: ignore[attr-defined]


def test_triples_read_column_wise_equal_the_general_reading() -> None:
    points: list[object] = [["power_kw", 1767225600000 + i, float(i) / 3] for i in range(500)]
    points.append(["energy_kwh", 1767225600999, 7])  # an integer value is a number too
    got = decode_batch(_body(points))
    assert _lists(got) == _lists(_general(points))
    assert got[1].to_pylist()[0] == 1767225600000 * 1000  # epoch µs
    assert got[2].to_pylist()[-1] == 7.0


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (["power_kw", 1767225600000, True], "points[1].value"),  # a bool is no reading
        (["power_kw", 1767225600000.5, 1.0], "points[1].ts"),  # a float stamp is not cut
        (["", 1767225600000, 1.0], "points[1].metric"),
        ([None, 1767225600000, 1.0], "points[1].metric"),
        (["power_kw", 1767225600000, None], "points[1].value"),
        (["power_kw", 1767225600000, "12"], "points[1].value"),
        (["power_kw", 1767225600000], "points[1]"),
    ],
)
def test_a_triple_the_fast_read_would_misread_is_named_by_the_general_one(
    bad: list[object], field: str
) -> None:
    with pytest.raises(PayloadError) as err:
        decode_batch(_body([["power_kw", 1767225599000, 1.0], bad]))
    assert str(err.value).startswith(field)


def test_triples_mixed_with_objects_and_iso_times_are_read() -> None:
    points = [
        ["power_kw", 1767225600000, 1.5],
        {"metric": "power_kw", "ts": "2026-01-01T00:00:01Z", "value": 2},
    ]
    metrics, stamps, values = decode_batch(_body(points))
    assert metrics.to_pylist() == ["power_kw", "power_kw"]
    assert stamps.to_pylist() == [1767225600000000, 1767225601000000]
    assert values.to_pylist() == [1.5, 2.0]

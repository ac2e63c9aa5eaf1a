"""The MQTT JSON batch: the fast column-wise read of [metric, ms, value] triples agrees with
the reading-by-reading one, and leaves to it (to be named) every reading it would misread.
The binary body (Arrow IPC, version 1) reads as the JSON one does and is refused whole, naming
the field, when it breaks its layout."""

from __future__ import annotations

import orjson
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

from chanrong.telemetry.adapters.payload import (
    VERSION,
    VERSION_KEY,
    PayloadError,
    _general,
    decode_batch,
    encode_arrow,
    encode_batch,
)


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


# --- the binary body (Arrow IPC stream, version 1) ------------------------------------------


def _arrow(table: pa.Table, metadata: dict[bytes, bytes] | None = None) -> bytes:
    meta = {VERSION_KEY: VERSION} if metadata is None else metadata
    table = table.replace_schema_metadata(meta)
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def _good(n: int = 5, **override: object) -> pa.Table:
    cols: dict[str, object] = {
        "metric": pa.array(["power_kw"] * n),
        "ts": pa.array([1767225600000 + i for i in range(n)], pa.int64()).cast(
            pa.timestamp("ms", tz="UTC")
        ),
        "value": pa.array([float(i) for i in range(n)]),
    }
    cols.update(override)
    return pa.table({k: v for k, v in cols.items() if v is not None})


def test_the_binary_body_reads_as_the_json_one_does() -> None:
    points = [("power_kw", 1767225600000 + i, float(i) / 3) for i in range(300)]
    points += [("energy_kwh", 1767225600000 + i, float(i)) for i in range(200)]
    body = encode_arrow(*(list(c) for c in zip(*points, strict=True)))
    assert body[:4] == b"\xff\xff\xff\xff"
    assert _lists(decode_batch(body)) == _lists(decode_batch(encode_batch(points)))


def test_a_binary_body_of_several_batches_in_microseconds_is_read_whole() -> None:
    schema = pa.schema(
        [("metric", pa.string()), ("ts", pa.timestamp("us", tz="UTC")), ("value", pa.float64())],
        metadata={VERSION_KEY: VERSION},
    )
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, schema) as writer:
        for k in range(3):
            writer.write_batch(
                pa.record_batch(
                    [pa.array(["a", "b"]), pa.array([k * 10, k * 10 + 1]), pa.array([1.0, 2.0])],
                    schema=schema,
                )
            )
    metrics, stamps, values = decode_batch(bytes(sink.getvalue().to_pybytes()))
    assert metrics.to_pylist() == ["a", "b"] * 3
    assert stamps.to_pylist() == [0, 1, 10, 11, 20, 21]
    assert values.to_pylist() == [1.0, 2.0] * 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_arrow(_good(), metadata={}), "body: binary layout version none"),
        (_arrow(_good(), metadata={VERSION_KEY: b"2"}), "body: binary layout version '2'"),
        (b"\xff\xff\xff\xff" + b"\x00" * 3, "body: not an Arrow IPC stream"),
        (_arrow(_good()), None),  # the good one, for contrast
        (_arrow(_good(unit=pa.array(["kW"] * 5))), "points.unit: not a column"),
        (_arrow(_good(value=None)), "points.value: column missing"),
        (_arrow(_good(value=pa.array([1.0, 2.0, None, 4.0, 5.0]))), "points[2].value: is null"),
        (_arrow(_good(value=pa.array([1.0, 2.0, 3.0, float("nan"), 5.0]))), "points[3].value"),
        (_arrow(_good(value=pa.array([1.0, float("inf"), 3.0, 4.0, 5.0]))), "points[1].value"),
        (_arrow(_good(value=pa.array([1, 2, 3, 4, 5]))), "points.value: must be float64"),
        (_arrow(_good(metric=pa.array(["a", "b", "", "c", "d"]))), "points[2].metric"),
        (_arrow(_good(metric=pa.array([1, 2, 3, 4, 5]))), "points.metric: must be utf8"),
        (_arrow(_good(ts=pa.array(range(5), pa.int64()))), "points.ts: must be timestamp"),
        (_arrow(_good(ts=pa.array(range(5), pa.timestamp("ms")))), "points.ts: must be timestamp"),
    ],
)
def test_a_bad_binary_body_is_refused_whole_naming_the_field(
    body: bytes, field: str | None
) -> None:
    if field is None:
        assert len(decode_batch(body)[0]) == 5
        return
    with pytest.raises(PayloadError) as err:
        decode_batch(body)
    assert str(err.value).startswith(field)

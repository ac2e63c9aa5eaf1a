"""The wire check shared by the in-process and the HTTP tests: every message holds only
ciphertexts, PSI messages, row positions or ids, and the aggregates the design allows."""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

# Keys a message may carry, by what they hold (see chanrong.federated.protocol's table).
CIPHERTEXT_LISTS = {"residuals", "masked", "packed", "histograms"}
PSI_FIELDS = {"request", "setup", "response"}
# ``parts``: the platform's partial scores of held-out rows; ``ks``: the bank's KS on them.
AGGREGATES = {"partial", "masked_sums", "loss", "auc", "rows_used", "parts", "ks"}
# ``reasons``: the names of the platform's features that raised a partial score most — names
# of its columns, never a number (no value, weight or contribution).
NAMES = {"reasons"}
PLAIN = {
    "rows",
    "boost",
    "bins",
    "split",
    "split_id",
    "left",
    "ids",
    "public_key",
    "run_id",
    "round",
    "model",
    "name",
    "features",
    "fingerprint",
    "bank_features",
    "bank_fingerprint",
    "platform_features",
    "platform_fingerprint",
    "config",
    "iterations",
    "batch_size",
    "learning_rate",
    "l2",
    "seed",
    "key_bits",
    "excluded",
    "leaf",
    "status",
    "uscc",
    "accepted",
    "count",
    "metrics",
    "version",
    "manifest_sha256",
    "state",
    "enterprises",
    "created_at",
    "finished_at",
    "rounds",
    "partial_count",
    "exchange",
    "bads",
    "to",
    "state_by",
    "state_at",
    # the validation summary a model carries: counts, the exchange's leaf, AUC and KS
    "validation",
}


def _numbers(value: Any) -> Iterable[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)


def assert_wire_clean(
    wire: Sequence[tuple[str, dict[str, Any]]],
    *,
    raw: Sequence[np.ndarray],
    labels: np.ndarray,
    modulus: int,
) -> None:
    """Fail naming the first message that carries something outside the allowed set."""
    # Exact floats: JSON carries a float unchanged, so a leaked value arrives bit for bit (a
    # rounded comparison would flag chance near-misses among hundreds of thousands of values).
    raw_values = {float(v) for x in raw for v in np.ravel(x) if not math.isnan(v)}
    raw_values -= {0.0, 1.0}  # too common to tell apart from positions and counts
    label_list = [float(v) for v in labels]
    for i, (direction, message) in enumerate(wire):
        for key, value in message.items():
            where = f"message {i} ({direction}) key {key!r}"
            if key in CIPHERTEXT_LISTS:
                flat = [c for v in value for c in (v if isinstance(v, list) else [v])]
                for c in flat:
                    if c is None:  # an empty histogram bin
                        continue
                    number = int(c, 16)
                    # A Paillier ciphertext lives in Z*_{n²} and is about twice n's size.
                    assert 0 < number < modulus * modulus, where
                    assert number.bit_length() > modulus.bit_length() + 8, where
            elif key in NAMES:
                assert isinstance(value, list), where
                for v in value:
                    assert isinstance(v, str) and v.isidentifier(), f"{where}: {v!r}"
            elif key in PSI_FIELDS:
                base64.b64decode(value, validate=True)
            elif key in AGGREGATES:
                for v in _numbers(value):
                    assert v not in raw_values, f"{where}: raw value {v}"
            else:
                # Positions, counts, ids and settings: integers and names, never a float.
                assert key in PLAIN, f"{where}: not an allowed field"
                for v in _numbers(value):
                    assert v == int(v) or key in {
                        "learning_rate",
                        "l2",
                        "metrics",
                        "validation",
                        "config",
                        "boost",
                    }, where
            if isinstance(value, list) and len(value) >= 4:
                floats = [float(v) for v in value if isinstance(v, int | float)]
                # A constant list (e.g. the partial scores of round one, all 0) says nothing.
                if len(floats) == len(value) and len(set(floats)) > 1:
                    n = len(floats)
                    for start in range(0, len(label_list) - n + 1, max(1, n)):
                        assert floats != label_list[start : start + n], f"{where}: labels"

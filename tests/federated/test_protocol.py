"""The protocol in one process: parity with central training on the shared credit data sets,
what crosses the wire, PSI, and malformed messages refused naming the field."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from chanrong.core.settings import get_settings
from chanrong.credit.datasets import load_dataset
from chanrong.federated.protocol import (
    ProtocolError,
    Standardiser,
    TrainingConfig,
    central_fit,
    local_run,
    sigmoid,
)
from chanrong.federated.psi import BankPsi, platform_answer
from tests.federated.wire import assert_wire_clean

# 512-bit keys keep CI fast; production runs use protocol.DEFAULT_KEY_BITS (2048).
KEY_BITS = 512
CONFIG = TrainingConfig(iterations=20, batch_size=40, learning_rate=0.5)


def _split(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = load_dataset(get_settings().shared_data_path("credit", name))
    x = d.x.select_dtypes("number").to_numpy(float)
    half = x.shape[1] // 2
    return x[:, :half], x[:, half:], d.y.astype(float)


# AUC the central model must reach, so that parity is not parity of noise (Polish
# bankruptcy's ratios are heavy-tailed: 20 rounds of plain gradient steps learn little).
FLOOR = {"hmeq.csv": 0.65, "statlog_australian.dat": 0.8, "polish_bankruptcy_1year.arff": 0.53}


@pytest.mark.parametrize(
    "name",
    [
        "hmeq.csv",
        "statlog_australian.dat",
        pytest.param("polish_bankruptcy_1year.arff", marks=pytest.mark.slow),
    ],
)
def test_federated_auc_within_001_of_central_in_the_same_run(name: str) -> None:
    xb_raw, xp_raw, y = _split(name)
    xb = Standardiser.fit(xb_raw).apply(xb_raw)
    xp = Standardiser.fit(xp_raw).apply(xp_raw)
    run = local_run(xb, y, xp, CONFIG, key_bits=KEY_BITS)
    run.train()
    w, b = central_fit(np.hstack([xb, xp]), y, CONFIG)
    central = roc_auc_score(y, sigmoid(np.hstack([xb, xp]) @ w + b))
    federated = roc_auc_score(y, run.bank.score(xb, run.platform.partial(xp)))
    assert abs(federated - central) < 0.01, (federated, central)
    assert central > FLOOR[name]
    # Weights agree up to fixed-point rounding: the same model, not merely a similar AUC.
    assert np.abs(run.platform.weights - w[xb.shape[1] :]).max() < 1e-3
    assert_wire_clean(run.wire, raw=[xb_raw, xp_raw], labels=y, modulus=run.bank.public_key.n)


def test_wire_check_catches_a_leaked_label_or_feature() -> None:
    xb_raw, xp_raw, y = _split("statlog_australian.dat")
    run = local_run(
        Standardiser.fit(xb_raw).apply(xb_raw),
        y,
        Standardiser.fit(xp_raw).apply(xp_raw),
        TrainingConfig(iterations=2, batch_size=8),
        key_bits=KEY_BITS,
    )
    run.train()
    leaky = [*run.wire, ("bank→platform", {"labels": [float(v) for v in y[:8]]})]
    with pytest.raises(AssertionError, match="labels"):
        assert_wire_clean(leaky, raw=[xb_raw, xp_raw], labels=y, modulus=run.bank.public_key.n)
    column = max(range(xp_raw.shape[1]), key=lambda j: len(np.unique(xp_raw[:, j])))
    value = float(next(v for v in xp_raw[:, column] if v not in (0.0, 1.0)))
    assert value not in (0.0, 1.0)
    leaky = [*run.wire, ("platform→bank", {"partial": [value]})]
    with pytest.raises(AssertionError, match="raw value"):
        assert_wire_clean(leaky, raw=[xb_raw, xp_raw], labels=y, modulus=run.bank.public_key.n)
    # A scoring answer's reasons are names; a value smuggled among them is caught.
    named = [*run.wire, ("platform→bank", {"reasons": ["x3"]})]
    assert_wire_clean(named, raw=[xb_raw, xp_raw], labels=y, modulus=run.bank.public_key.n)
    leaky = [*run.wire, ("platform→bank", {"reasons": ["x3", str(value)]})]
    with pytest.raises(AssertionError, match="reasons"):
        assert_wire_clean(leaky, raw=[xb_raw, xp_raw], labels=y, modulus=run.bank.public_key.n)


def test_psi_gives_the_bank_the_intersection_in_its_order() -> None:
    bank = BankPsi(["A", "B", "C", "D"])
    answer = platform_answer(bank.request(), ["D", "X", "B"])
    assert bank.intersection(answer) == ["B", "D"]


def test_malformed_messages_are_refused_naming_the_field() -> None:
    xb = np.zeros((10, 2))
    run = local_run(xb, np.zeros(10), np.ones((10, 2)), TrainingConfig(), key_bits=KEY_BITS)
    with pytest.raises(ProtocolError) as exc:
        run.platform.forward([0, 0])
    assert exc.value.field == "rows"
    with pytest.raises(ProtocolError) as exc:
        run.platform.masked_gradient(run.bank.public_key, [0, 1], ["zz", "1"])
    assert exc.value.field == "residuals[0]"
    with pytest.raises(ProtocolError) as exc:
        run.platform.apply(["1", "2"])
    assert exc.value.field == "masked_sums"

"""SecureBoost-style trees in one process: the same trees as central boosting on the same
bins, and only packed ciphertexts, histogram sums, node rows and split indices cross."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from chanrong.core.settings import get_settings
from chanrong.credit.datasets import load_dataset
from chanrong.federated.protocol import ProtocolError, sigmoid
from chanrong.federated.secureboost import (
    BankBooster,
    BoostConfig,
    LocalBoost,
    PlatformBooster,
    bin_columns,
    central_boost,
    pack,
    unpack,
)
from tests.federated.wire import assert_wire_clean

KEY_BITS = 512  # CI speed only
CONFIG = BoostConfig(trees=2, depth=3, bins=8)


@pytest.mark.parametrize(("name", "rows"), [("statlog_australian.dat", 690), ("hmeq.csv", 800)])
def test_federated_trees_match_central_boosting(name: str, rows: int) -> None:
    d = load_dataset(get_settings().shared_data_path("credit", name))
    x = d.x.select_dtypes("number").to_numpy(float)[:rows]
    y = d.y[:rows].astype(float)
    half = x.shape[1] // 2
    bank_bins, _ = bin_columns(x[:, :half], CONFIG.bins)
    platform_bins, _ = bin_columns(x[:, half:], CONFIG.bins)
    run = LocalBoost(
        BankBooster(bank_bins, y, CONFIG, key_bits=KEY_BITS), PlatformBooster(platform_bins)
    )
    run.train()
    federated = roc_auc_score(y, run.predict(bank_bins, platform_bins))
    central = roc_auc_score(
        y, sigmoid(central_boost(np.hstack([bank_bins, platform_bins]), y, CONFIG))
    )
    assert abs(federated - central) < 0.01 and central > 0.7, (federated, central)
    assert any(m.get("split") for _, m in run.wire), "the platform's columns were never used"
    assert_wire_clean(run.wire, raw=[x], labels=y, modulus=run.bank.public_key.n)


def test_packing_round_trips_sums() -> None:
    g = np.array([0.5, -0.25, -1.0, 1.0])
    h = np.array([0.25, 0.1875, 0.0, 0.25])
    total = sum(pack(g, h))
    assert unpack(total) == (0.25, 0.6875, 4)


def test_platform_refuses_a_wrong_number_of_ciphertexts() -> None:
    bins = np.zeros((3, 1), dtype=np.int64)
    bank = BankBooster(bins, np.zeros(3), CONFIG, key_bits=KEY_BITS)
    with pytest.raises(ProtocolError) as exc:
        PlatformBooster(bins).receive(bank.public_key, ["01"])
    assert exc.value.field == "packed"

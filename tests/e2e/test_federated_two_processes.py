"""The bank and the platform in two processes: ``chanrong serve``'s app on loopback and the
bank's ``chanrong federated …`` commands in a subprocess with the bank's API key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pandas as pd
import pytest

from chanrong.federated.protocol import TrainingConfig
from tests.builders import build_park
from tests.e2e.conftest import LiveServer
from tests.federated.test_http import BANK_COLUMNS, Setup

pytestmark = pytest.mark.slow  # five command processes: each imports the whole CLI

CHANRONG = str(Path(sys.executable).with_name("chanrong"))


def test_bank_commands_train_and_score_against_a_running_platform(
    live_server: LiveServer, tmp_path: Path
) -> None:
    with live_server.db.unit_of_work() as session:
        park = build_park(session)
    with httpx.Client(base_url=live_server.url) as http:
        setup = Setup(live_server.db, http, park)  # type: ignore[arg-type]
    frame = pd.DataFrame(setup.bank_data.x)
    frame.insert(0, "uscc", setup.bank_data.usccs)
    frame["bad"] = setup.bank_data.y
    data = tmp_path / "bank.csv"
    frame.to_csv(data, index=False)
    env = {
        **os.environ,
        "CHANRONG_SERVER": live_server.url,
        "CHANRONG_API_KEY": park["bank"]["officer"].key,
        "COLUMNS": "200",
    }
    parts = tmp_path / "parts"

    def run(*args: str) -> str:
        done = subprocess.run(
            [CHANRONG, "federated", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr + done.stdout
        return done.stdout

    assert "35 of 42 enterprises in common" in run("align", "--data", str(data))
    cfg = TrainingConfig(iterations=3, batch_size=16)
    out = run(
        "train",
        "--data",
        str(data),
        "--name",
        "jm",
        "--iterations",
        str(cfg.iterations),
        "--batch-size",
        str(cfg.batch_size),
        "--key-bits",
        "512",
        "--parts",
        str(parts),
    )
    assert "registered jm@1 (35 enterprises, 0 excluded, 3 rounds" in out
    apps = frame.iloc[:2][["uscc", *BANK_COLUMNS]]
    apps.to_csv(tmp_path / "apps.csv", index=False)
    scored = json.loads(
        run("score", "--data", str(tmp_path / "apps.csv"), "--model", "jm@1", "--parts", str(parts))
    )
    assert [s["uscc"] for s in scored] == setup.usccs[:2]
    assert all(0 < s["pd"] < 1 for s in scored)
    out = run(
        "train",
        "--data",
        str(data),
        "--name",
        "trees",
        "--kind",
        "boost",
        "--trees",
        "1",
        "--depth",
        "2",
        "--bins",
        "4",
        "--key-bits",
        "512",
        "--parts",
        str(parts),
    )
    assert "registered trees@1 (35 enterprises" in out
    scored = json.loads(
        run(
            "score",
            "--data",
            str(tmp_path / "apps.csv"),
            "--model",
            "trees@1",
            "--parts",
            str(parts),
        )
    )
    assert all(0 < s["pd"] < 1 for s in scored)
    assert "jm@1" in run("models")
    assert "finished" in run("runs")
    denied = subprocess.run(
        [
            CHANRONG,
            "federated",
            "score",
            "--data",
            str(tmp_path / "apps.csv"),
            "--model",
            "jm@1",
            "--parts",
            str(parts),
        ],
        env={**env, "CHANRONG_API_KEY": park["other_bank"]["officer"].key},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert denied.returncode == 2 and "404" in denied.stderr


def test_bank_commands_validate_and_approve_a_joint_model(
    live_server: LiveServer, tmp_path: Path
) -> None:
    from chanrong.federated.client import BankClient
    from tests.federated.test_http import CONFIG, KEY_BITS
    from tests.federated.test_lifecycle import _split

    with live_server.db.unit_of_work() as session:
        park = build_park(session)
    parts = tmp_path / "parts"
    with httpx.Client(base_url=live_server.url) as http:
        setup = Setup(live_server.db, http, park)  # type: ignore[arg-type]
        http.headers.update(park["bank"]["officer"].headers)
        train, held = _split(setup.bank_data)
        BankClient(http).train("jm", train, CONFIG, key_bits=KEY_BITS).part.save(parts)
    frame = pd.DataFrame(held.x)
    frame.insert(0, "uscc", held.usccs)
    frame["bad"] = held.y
    frame.to_csv(tmp_path / "held.csv", index=False)

    def run(key: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "CHANRONG_SERVER": live_server.url, "CHANRONG_API_KEY": key}
        return subprocess.run(
            [CHANRONG, "federated", *args],
            env={**env, "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    officer, admin = park["bank"]["officer"].key, park["bank"]["admin"].key
    done = run(
        officer, "validate", "--data", str(tmp_path / "held.csv"), "--model", "jm@1",
        "--parts", str(parts),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "jm@1: held-out AUC" in done.stdout and "on 15 enterprises" in done.stdout
    refused = run(officer, "approve", "--model", "jm@1", "--to", "approved")
    assert refused.returncode == 2 and "403" in refused.stderr
    done = run(admin, "approve", "--model", "jm@1", "--to", "approved")
    assert done.returncode == 0 and "jm@1 is now approved" in done.stdout, done.stderr

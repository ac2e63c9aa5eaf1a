"""``chanrong credit``: plain-worded errors naming the field; models listed and promoted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import Settings, get_settings
from chanrong.credit import service
from tests.credit.builders import install_champion, synthetic_scorecard


@pytest.fixture
def cli_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_template: Path
) -> Iterator[Settings]:
    import shutil

    db = tmp_path / "cli.db"
    shutil.copyfile(sqlite_template, db)
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CHANRONG_DATABASE_URL", f"sqlite:///{db}")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_train_park_names_the_bad_option(cli_env: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(
        app,
        ["credit", "train-park", "--park", str(tmp_path / "nope"), "--train-from", "2024-01-01"],
    )
    assert r.exit_code == 2
    assert "park: no simulated park" in r.output
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "enterprises.parquet").write_bytes(b"")
    r = runner.invoke(
        app, ["credit", "train-park", "--park", str(tmp_path / "p"), "--train-from", "2024-13-01"]
    )
    assert r.exit_code == 2 and "train_from" in r.output


def test_models_are_listed_and_promotion_is_explicit(cli_env: Settings) -> None:
    reg = service.model_registry(cli_env)
    entry = reg.register("m", synthetic_scorecard(), training_fingerprint="fp", metrics={})
    runner = CliRunner()
    r = runner.invoke(app, ["credit", "promote", entry.ref, "--to", "champion"])
    assert r.exit_code == 2 and "cannot become champion" in r.output
    r = runner.invoke(app, ["credit", "promote", entry.ref, "--to", "approved"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["credit", "promote", entry.ref, "--to", "champion"])
    assert r.exit_code == 0 and "champion" in r.output
    assert reg.entry("m").version == 1
    r = runner.invoke(app, ["credit", "models"])
    assert "m@1" in r.output and "champion" in r.output
    install_champion(cli_env)
    r = runner.invoke(app, ["credit", "promote", "sme-operating@7", "--to", "approved"])
    assert r.exit_code == 2 and "not registered" in r.output


def test_train_on_platform_outcomes_refuses_naming_the_counts(cli_env: Settings) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["credit", "train", "--source", "platform", "--horizon", "365"])
    assert r.exit_code == 2, r.output
    assert "too few outcomes" in r.output and "0 booked decisions" in r.output
    assert "0 labelled outcomes of which 0 defaulted" in r.output
    r = runner.invoke(app, ["credit", "train", "--source", "simulated-park"])
    assert r.exit_code == 2 and "train-park" in r.output
    r = runner.invoke(app, ["credit", "train", "--source", "platform", "--horizon", "0"])
    assert r.exit_code == 2 and "horizon" in r.output


def test_monitor_measures_a_model_and_names_an_unmonitorable_one(cli_env: Settings) -> None:
    from tests.credit.book import install_monitored_champion

    ref = install_monitored_champion(cli_env)
    old = service.model_registry(cli_env).register(
        "old", synthetic_scorecard(), training_fingerprint="fp", metrics={}
    )
    runner = CliRunner()
    r = runner.invoke(app, ["credit", "monitor", ref, "--as-of", "2025-06-30"])
    assert r.exit_code == 0, r.output
    assert f"{ref}: stable" in r.output and "on 0 applications, 30 days to 2025-06-30" in r.output
    r = runner.invoke(app, ["credit", "monitor", old.ref])
    assert r.exit_code == 2 and "without its development distribution" in r.output
    r = runner.invoke(app, ["credit", "models"])
    assert "simulated-park" in r.output


def test_profiles_name_an_unknown_engine(cli_env: Settings, tmp_path: Path) -> None:
    from chanrong.simulate.config import preset
    from chanrong.simulate.service import write_park

    park = tmp_path / "tiny"
    write_park(preset("tiny"), park)
    runner = CliRunner()
    args = ["credit", "profiles", "--park", str(park), "--as-of", "2024-03-01"]
    r = runner.invoke(app, [*args, "--engine", "flink"])
    assert r.exit_code == 2 and "engine" in r.output, r.output
    r = runner.invoke(app, [*args, "--engine", "duckdb"])
    assert r.exit_code == 0 and "stored" in r.output, r.output

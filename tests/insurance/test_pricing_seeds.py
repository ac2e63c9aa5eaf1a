"""``chanrong insurance pricing --seeds``: the evaluation over several parks, mean and worst."""

from __future__ import annotations

from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.demo.insurance_pricing import evaluate_seeds

runner = CliRunner()


def test_mean_and_worst_over_seeds() -> None:
    s = evaluate_seeds(12, [3, 5])
    assert [r["seed"] for r in s.rows] == [3, 5]
    for metric in ("auc", "gini", "spearman_truth"):
        values = [r["model"][metric] for r in s.rows]
        assert s.stat("model", metric, "worst") == min(values)
        assert abs(s.stat("model", metric, "mean") - sum(values) / 2) < 1e-12
        gains = [r["model"][metric] - r["handset"][metric] for r in s.rows]
        assert s.stat("gain", metric, "worst") == min(gains)


def test_the_command_prints_each_seed_then_mean_and_worst() -> None:
    out = runner.invoke(app, ["insurance", "pricing", "--enterprises", "12", "--seeds", "3,5"])
    assert out.exit_code == 0, out.output
    assert "mean" in out.output and "worst" in out.output and "gain" in out.output
    bad = runner.invoke(app, ["insurance", "pricing", "--seeds", "3,x"])
    assert bad.exit_code == 2 and "seeds" in bad.output

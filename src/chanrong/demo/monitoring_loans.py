"""The loans of a monitoring park: the firms the platform's credit decision approves on the
day the watch begins.

Post-loan monitoring watches loans, and a bank lends to the firms its credit decision
approves. Scoring the early warnings on every firm of a park, as ``monitoring_evaluation``
does by default, also counts firms already failing on the first day watched: no bank would
have lent to them, and their short or missing lead says nothing about watching a loan. Here
each park's firms are decided on the watch's first day through the platform's own path
(``credit_evaluation.decide_park``: profiles from the park's files with credit's feature
definitions, the registered champion, ``credit.domain.decide`` with the product), and only
the approved ones are watched as loans.

The champion is trained once on a separate training park (``TRAINING_PARK``, a seed in no
evaluation or tuning set) and promoted in a registry that a cache directory keeps; nothing of
an evaluated park is learnt from. Each park's decisions are kept as JSON beside its cached
figures (nothing executable is loaded back).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from chanrong.core.errors import DataUnavailable
from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.credit.registry import Approval
from chanrong.demo.credit_evaluation import decide_park
from chanrong.demo.credit_live import train, training_dates
from chanrong.lending.schedule import add_months
from chanrong.simulate import ParkConfig
from chanrong.simulate.service import write_park

# The champion's training park: the evaluation parks' shape, more firms for more defaults to
# learn from, and a seed that is in no evaluation or tuning set (1–5, 11–15, 21–25, 101–105).
TRAINING_PARK = ParkConfig(
    enterprises=240, months=24, interval_minutes=240, deteriorating_share=0.3, seed=9001
)
# Bump when what is kept changes: older cached decisions are then made afresh.
LOANS_VERSION = 1


@dataclass(frozen=True, slots=True)
class Originations:
    """One park's credit decisions on the watch's first day (USCC → approve/refer/decline)."""

    model: str
    decided_on: date
    outcomes: dict[str, str]

    @property
    def approved(self) -> frozenset[str]:
        """The firms lent to: approved by the decision (a referral waits for an officer)."""
        return frozenset(u for u, o in self.outcomes.items() if o == "approve")

    def counts(self) -> Counter[str]:
        """How many firms got each outcome."""
        return Counter(self.outcomes.values())


def _key(config: ParkConfig) -> str:
    return hashlib.sha256(f"{LOANS_VERSION}{config.validated()!r}".encode()).hexdigest()[:16]


@contextmanager
def _workdir(cache: Path | None, name: str) -> Iterator[Path]:
    """``cache / name`` when caching (kept), else a throwaway directory."""
    if cache is not None:
        path = cache / name
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="chanrong-loans-") as tmp:
        yield Path(tmp)


def champion(var_dir: Path, training: ParkConfig = TRAINING_PARK) -> tuple[Settings, str]:
    """Settings whose registry holds a champion of ``sme-operating`` trained on ``training``
    (trained and promoted here unless ``var_dir`` already holds it), and its reference."""
    settings = Settings(var_dir=var_dir)
    done = var_dir / "champion.json"
    if done.is_file():
        return settings, str(json.loads(done.read_text("utf-8"))["model"])
    cfg = training.validated()
    with tempfile.TemporaryDirectory(prefix="chanrong-train-park-") as tmp:
        park_dir = Path(tmp) / "park"
        write_park(cfg, park_dir)
        train_at, test_at = training_dates(cfg.start, cfg.months)
        trained = train(settings, park_dir, train_dates=train_at, test_dates=test_at)
    reg = credit.model_registry(settings)
    # Promoted by the registry's own transitions (no database here to log the act on).
    reg.set_state(trained.model.champion.ref, Approval.APPROVED)
    entry = reg.set_state(trained.model.champion.ref, Approval.CHAMPION)
    done.write_text(
        json.dumps(
            {"model": entry.ref, "training_park": repr(cfg), "auc": trained.model.champion_auc}
        ),
        "utf-8",
    )
    return settings, entry.ref


def originate(
    config: ParkConfig,
    *,
    warmup_months: int,
    cache: Path | None = None,
    training: ParkConfig = TRAINING_PARK,
) -> Originations:
    """Decide for every firm of ``config``'s park still performing on the watch's first day
    (``warmup_months`` after the park starts) with the champion trained on ``training``."""
    cfg = config.validated()
    decided_on = add_months(cfg.start, warmup_months)
    with _workdir(cache, f"loans-model-{_key(training)}") as var_dir:
        settings, model = champion(var_dir, training)
        kept = var_dir / f"originations-{cfg.seed}-{_key(cfg)}-{decided_on}.json"
        if kept.is_file():
            data = json.loads(kept.read_text("utf-8"))
            return Originations(
                data["model"], date.fromisoformat(data["decided_on"]), data["outcomes"]
            )
        tmp = Path(tempfile.mkdtemp(prefix="chanrong-loans-park-"))
        try:
            park_dir = tmp / "park"
            write_park(cfg, park_dir)
            decisions = decide_park(settings, park_dir, decided_on)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if not decisions:
            raise DataUnavailable(f"park: no firm to decide on {decided_on}", field="park")
        out = Originations(model, decided_on, {d.enterprise: d.outcome for d in decisions})
        kept.write_text(
            json.dumps(
                {"model": model, "decided_on": decided_on.isoformat(), "outcomes": out.outcomes}
            ),
            "utf-8",
        )
        return out

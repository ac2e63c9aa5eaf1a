"""The bank's side of joint modelling: a client of a running ``chanrong serve`` (the platform)
that authenticates with the bank's API key.

The bank's features, labels, weights, intercept and Paillier private key stay in this process
and in the part file it writes; only the messages in ``protocol``'s table cross to the
platform. Any ``httpx.Client`` serves as transport (a real one against a server, or the
FastAPI test client), so the tests capture exactly the bytes a server would see.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score, roc_curve

from chanrong.core.errors import ChanrongError, ValidationFailed
from chanrong.federated.protocol import (
    DEFAULT_KEY_BITS,
    BankTrainer,
    Standardiser,
    TrainingConfig,
    fingerprint,
    raising,
    sigmoid,
)
from chanrong.federated.psi import BankPsi, ServerAnswer
from chanrong.federated.secureboost import (
    BankBooster,
    BoostConfig,
    LocalBoost,
    apply_edges,
    bin_columns,
    margin_of,
    node_from_json,
    node_json,
)


class PlatformRefused(ChanrongError):
    """The platform answered with an error (its problem detail is the message)."""

    type_slug = "federated-refused"
    status = 502
    title = "The platform refused the exchange"

    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(f"platform said {status}: {detail}", field=field)
        self.http_status = status


def connect(server: str, api_key: str, timeout: float = 120.0) -> httpx.Client:
    """An HTTP client for the platform at ``server`` with the bank's API key."""
    return httpx.Client(
        base_url=server.rstrip("/"),
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=timeout,
    )


@dataclass(frozen=True, slots=True)
class BankData:
    """The bank's table: USCC, its own numeric features and the label (1 = bad)."""

    usccs: list[str]
    x: pd.DataFrame
    y: np.ndarray | None

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, id_column: str, label: str | None) -> BankData:
        """Split a frame; every other column must be numeric."""
        if id_column not in frame:
            raise ValidationFailed(f"id_column: no column {id_column!r}", field="id_column")
        y = None
        drop = [id_column]
        if label is not None:
            if label not in frame:
                raise ValidationFailed(f"label: no column {label!r}", field="label")
            y = frame[label].to_numpy(dtype=float)
            drop.append(label)
        x = frame.drop(columns=drop)
        bad = [c for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
        if bad:
            raise ValidationFailed(f"data: non-numeric columns {bad}", field="data")
        return cls([str(u) for u in frame[id_column]], x.astype(float), y)


@dataclass(frozen=True, slots=True)
class BankPart:
    """The bank's half of a joint model, kept by the bank (the platform sees its fingerprint)."""

    model: str
    features: list[str]
    means: list[float]
    scales: list[float]
    weights: list[float]
    intercept: float

    def as_json(self) -> dict[str, Any]:
        """The part without its model name (what the fingerprint covers)."""
        d = asdict(self)
        d.pop("model")
        return d

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.as_json())

    def save(self, folder: Path) -> Path:
        """Write ``<folder>/<name@version>.json``."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.model}.json"
        path.write_text(json.dumps({"model": self.model, **self.as_json()}, indent=1), "utf-8")
        return path

    @classmethod
    def load(cls, folder: Path, model: str) -> BankPart:
        """Read a saved part."""
        path = folder / f"{model}.json"
        if not path.exists():
            raise ValidationFailed(f"model: no bank part {path}", field="model")
        return cls(**json.loads(path.read_text("utf-8")))


@dataclass(frozen=True, slots=True)
class BoostPart:
    """The bank's half of joint trees: its bin edges and the trees (leaf weights and its own
    splits; the platform's splits are only ids)."""

    model: str
    features: list[str]
    edges: list[list[float]]
    trees: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        """The part without its model name (what the fingerprint covers)."""
        d = asdict(self)
        d.pop("model")
        return d

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.as_json())

    def save(self, folder: Path) -> Path:
        """Write ``<folder>/<name@version>.json``."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.model}.json"
        path.write_text(json.dumps({"model": self.model, **self.as_json()}, indent=1), "utf-8")
        return path


def load_part(folder: Path, model: str) -> BankPart | BoostPart:
    """Read a saved part of either kind."""
    path = folder / f"{model}.json"
    if not path.exists():
        raise ValidationFailed(f"model: no bank part {path}", field="model")
    data = json.loads(path.read_text("utf-8"))
    return BoostPart(**data) if "trees" in data else BankPart(**data)


def _bank_reasons(part: BankPart | BoostPart, x: np.ndarray) -> list[list[Any]]:
    """The bank's features that raised the log-odds of default most on its row ``x``: per
    feature [name, contribution w_j·z_j, the bank's own value or None] (trees: none)."""
    if isinstance(part, BoostPart):
        return []
    z = Standardiser(tuple(part.means), tuple(part.scales)).apply(x)[0]
    raised = raising(part.features, (z * np.asarray(part.weights)).tolist())
    column = {f: j for j, f in enumerate(part.features)}
    values = [float(x[0, column[name]]) for name, _ in raised]
    return [[n, c, None if np.isnan(v) else v] for (n, c), v in zip(raised, values, strict=True)]


def _combine(part: BankPart | BoostPart, x: np.ndarray, platform_part: Any) -> float:
    """PD from the bank's part on its row ``x`` (one row) and the platform's part."""
    if isinstance(part, BoostPart):
        trees = [node_from_json(t) for t in part.trees]
        u = margin_of(trees, apply_edges(x, part.edges)[0], platform_part)
    else:
        z = Standardiser(tuple(part.means), tuple(part.scales)).apply(x)
        u = float((z @ np.asarray(part.weights))[0]) + part.intercept + float(platform_part)
    return float(sigmoid(np.asarray([u]))[0])


class _HttpBoostPlatform:
    """The platform's tree steps over HTTP (``secureboost.BoostPlatform``)."""

    def __init__(self, client: BankClient, run_id: str) -> None:
        self.client, self.run_id = client, run_id

    def receive(self, pk: Any, packed: Sequence[str]) -> None:
        self.client._post(f"/federated/runs/{self.run_id}/packed", {"packed": list(packed)})

    def histograms(self, rows: Sequence[int], nbins: int) -> list[list[str | None]]:
        got = self.client._post(
            f"/federated/runs/{self.run_id}/histograms", {"rows": list(rows), "bins": nbins}
        )
        out: list[list[str | None]] = got["histograms"]
        return out

    def split(self, rows: Sequence[int], feature: int, bin_: int) -> tuple[int, list[int]]:
        got = self.client._post(
            f"/federated/runs/{self.run_id}/split", {"rows": list(rows), "split": [feature, bin_]}
        )
        return int(got["split_id"]), [int(r) for r in got["left"]]


@dataclass
class TrainingResult:
    run_id: str
    model: dict[str, Any]
    part: BankPart | BoostPart
    accepted: int
    excluded: int
    auc: float
    seconds_per_round: list[float]


class BankClient:
    """The bank's commands against the platform."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        r = self.http.post(path, json=body)
        return self._checked(r)

    def _get(self, path: str) -> Any:
        return self._checked(self.http.get(path))

    @staticmethod
    def _checked(r: httpx.Response) -> Any:
        if r.status_code >= 400:
            try:
                problem = r.json()
                raise PlatformRefused(
                    r.status_code, str(problem.get("detail")), problem.get("field")
                )
            except ValueError:
                raise PlatformRefused(r.status_code, r.text[:200]) from None
        return r.json()

    def align(self, usccs: Sequence[str]) -> list[str]:
        """PSI: the bank's ids the platform may contribute features for, in the bank's order."""
        psi = BankPsi(usccs)
        got = self._post("/federated/psi", {"request": psi.request()})
        return psi.intersection(ServerAnswer(got["setup"], got["response"]))

    def train(
        self,
        name: str,
        data: BankData,
        config: TrainingConfig,
        *,
        key_bits: int = DEFAULT_KEY_BITS,
    ) -> TrainingResult:
        """Align, open a run, train every round of ``config`` and register the joint model."""
        import time

        if data.y is None:
            raise ValidationFailed("label: training needs the label column", field="label")
        aligned = self.align(data.usccs)
        if len(aligned) < 2:
            raise ValidationFailed("data: fewer than two enterprises in common", field="data")
        position = {u: i for i, u in enumerate(data.usccs)}
        raw = data.x.to_numpy(dtype=float)
        trainer_x_raw = raw[[position[u] for u in aligned]]
        bank = BankTrainer(
            np.zeros((0, raw.shape[1])), np.zeros(0), config, key_bits=key_bits
        )  # key pair first, rows once the platform says which take part
        opened = self._post(
            "/federated/runs",
            {
                "name": name,
                "ids": aligned,
                "public_key": bank.public_key_hex,
                "config": asdict(config),
            },
        )
        run_id = opened["run_id"]
        keep = [position[u] for u in opened["accepted"]]
        trainer_x_raw = raw[keep]
        std = Standardiser.fit(trainer_x_raw)
        bank.x = std.apply(trainer_x_raw)
        bank.y = data.y[keep]
        timings = []
        for rows in config.batches(len(keep)):
            t0 = time.perf_counter()
            body = {"rows": [int(r) for r in rows]}
            partial = self._post(f"/federated/runs/{run_id}/forward", body)["partial"]
            cts, _ = bank.residuals(rows, partial)
            masked = self._post(f"/federated/runs/{run_id}/gradient", {**body, "residuals": cts})[
                "masked"
            ]
            self._post(f"/federated/runs/{run_id}/update", {"masked_sums": bank.unmask(masked)})
            timings.append(time.perf_counter() - t0)
        part = BankPart(
            model="",
            features=[str(c) for c in data.x.columns],
            means=list(std.means),
            scales=list(std.scales),
            weights=[float(w) for w in bank.weights],
            intercept=float(bank.intercept),
        )
        # In-sample AUC needs the platform's partial scores of every row: one more forward
        # pass (partial scores are an allowed aggregate), in batches the platform accepts.
        partial_all: list[float] = []
        n = len(keep)
        for start in range(0, n, 4096):
            rows_ = list(range(start, min(n, start + 4096)))
            partial_all += self._post(f"/federated/runs/{run_id}/forward", {"rows": rows_})[
                "partial"
            ]
        p = bank.score(bank.x, np.asarray(partial_all))
        auc = float(roc_auc_score(bank.y, p)) if 0 < bank.y.sum() < len(bank.y) else float("nan")
        metrics = {"auc_in_sample": auc} if auc == auc else {}
        model = self._post(
            f"/federated/runs/{run_id}/finish",
            {
                "bank_features": part.features,
                "bank_fingerprint": part.fingerprint,
                "metrics": metrics,
            },
        )
        part = BankPart(**{**asdict(part), "model": model["model"]})
        return TrainingResult(run_id, model, part, len(keep), opened["excluded"], auc, timings)

    def train_boost(
        self, name: str, data: BankData, config: BoostConfig, *, key_bits: int = DEFAULT_KEY_BITS
    ) -> TrainingResult:
        """Align, open a tree run, grow ``config.trees`` trees with the platform, register."""
        import time

        if data.y is None:
            raise ValidationFailed("label: training needs the label column", field="label")
        aligned = self.align(data.usccs)
        if len(aligned) < 2:
            raise ValidationFailed("data: fewer than two enterprises in common", field="data")
        position = {u: i for i, u in enumerate(data.usccs)}
        raw = data.x.to_numpy(dtype=float)
        bank = BankBooster(
            np.zeros((0, raw.shape[1]), dtype=np.int64), np.zeros(0), config, key_bits=key_bits
        )
        opened = self._post(
            "/federated/runs",
            {
                "name": name,
                "ids": aligned,
                "public_key": format(bank.public_key.n, "x"),
                "boost": asdict(config),
            },
        )
        run_id = opened["run_id"]
        keep = [position[u] for u in opened["accepted"]]
        bank.bins, edges = bin_columns(raw[keep], config.bins)
        bank.y = data.y[keep]
        bank.margin = np.zeros(len(keep))
        t0 = time.perf_counter()
        LocalBoost(bank, _HttpBoostPlatform(self, run_id)).train()
        seconds = (time.perf_counter() - t0) / max(1, config.trees)
        y = bank.y
        auc = (
            float(roc_auc_score(y, sigmoid(bank.margin))) if 0 < y.sum() < len(y) else float("nan")
        )
        part = BoostPart(
            model="",
            features=[str(c) for c in data.x.columns],
            edges=[[float(v) for v in e] for e in edges],
            trees=[node_json(t) for t in bank.trees],
        )
        model = self._post(
            f"/federated/runs/{run_id}/finish",
            {
                "bank_features": part.features,
                "bank_fingerprint": part.fingerprint,
                "metrics": {"auc_in_sample": auc} if auc == auc else {},
            },
        )
        part = BoostPart(**{**asdict(part), "model": model["model"]})
        return TrainingResult(
            run_id, model, part, len(keep), opened["excluded"], auc, [seconds] * config.trees
        )

    def score(self, part: BankPart | BoostPart, uscc: str, row: pd.Series) -> dict[str, Any]:
        """Probability of default of one application: the platform's part (a logged
        exchange: its partial score, or its trees' directions) plus the bank's own part."""
        got = self._post(f"/federated/models/{part.model}/score", {"uscc": uscc})
        missing = [f for f in part.features if f not in row.index]
        if missing:
            raise ValidationFailed(f"data: missing bank features {missing}", field="data")
        x = np.asarray([[float(row[f]) for f in part.features]])
        if got["bank_fingerprint"] != part.fingerprint:
            raise ValidationFailed(
                f"model: the bank part on file is not the one {part.model} was registered with",
                field="model",
            )
        return {
            "uscc": uscc,
            "pd": _combine(part, x, got["partial"]),
            "model": part.model,
            "state": got["state"],
            "manifest_sha256": got["manifest_sha256"],
            "bank_fingerprint": part.fingerprint,
            "platform_fingerprint": got["platform_fingerprint"],
            "platform_partial": got["partial"],
            "leaf": got["leaf"],
            # Reasons: the bank's own (kept here) and the names the platform gave for its part.
            "bank_reasons": _bank_reasons(part, x),
            "platform_reasons": list(got.get("reasons", [])),
        }

    def validate(self, part: BankPart | BoostPart, data: BankData) -> dict[str, Any]:
        """Validate a joint model on the bank's held-out labelled rows, the federated way: PSI
        first, then one exchange for the platform's parts of the common ids (ids the model
        trained on are refused by the platform), the bank's own parts added here, AUC and KS
        computed here on the bank's labels, and the report sent to be kept with the model."""
        if data.y is None:
            raise ValidationFailed("label: validation needs the label column", field="label")
        aligned = self.align(data.usccs)
        if not aligned:
            raise ValidationFailed("data: no enterprise in common with the platform", field="data")
        got = self._post(f"/federated/models/{part.model}/held-out", {"ids": aligned})
        position = {u: i for i, u in enumerate(data.usccs)}
        missing = [f for f in part.features if f not in data.x.columns]
        if missing:
            raise ValidationFailed(f"data: missing bank features {missing}", field="data")
        x_all = data.x[part.features].to_numpy(dtype=float)
        pds: list[float] = []
        ys: list[float] = []
        for uscc, platform_part in zip(aligned, got["parts"], strict=True):
            if platform_part is None:  # no live grant: not in the validation, counted
                continue
            i = position[uscc]
            pds.append(_combine(part, x_all[i : i + 1], platform_part))
            ys.append(float(data.y[i]))
        y, p = np.asarray(ys), np.asarray(pds)
        bads = int(y.sum())
        if not 0 < bads < len(y):
            raise ValidationFailed(
                "data: the held-out rows need defaulters and non-defaulters", field="data"
            )
        fpr, tpr, _ = roc_curve(y, p)
        report = {
            "exchange": int(got["leaf"]),
            "rows": len(y),
            "bads": bads,
            "auc": float(roc_auc_score(y, p)),
            "ks": float(np.max(tpr - fpr)),
        }
        out: dict[str, Any] = self._post(f"/federated/models/{part.model}/validation", report)
        out["not_scored"] = len(aligned) - len(y)
        return out

    def set_state(self, model: str, to: str) -> dict[str, Any]:
        """Move a joint model to ``approved``, ``champion`` or ``retired`` on the platform."""
        out: dict[str, Any] = self._post(f"/federated/models/{model}/state", {"to": to})
        return out

    def runs(self) -> list[dict[str, Any]]:
        """The bank's runs on the platform."""
        out: list[dict[str, Any]] = self._get("/federated/runs")
        return out

    def models(self) -> list[dict[str, Any]]:
        """The bank's joint models on the platform."""
        out: list[dict[str, Any]] = self._get("/federated/models")
        return out

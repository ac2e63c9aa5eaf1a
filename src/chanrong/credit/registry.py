"""Model registry on disk: versioned models as data files with a manifest of SHA-256 prints.

Layout under the registry root::

    <name>/<version>/manifest.json          what the model is, its files and their SHA-256
    <name>/<version>/scorecard.json         champion scorecard table, or
    <name>/<version>/booster.txt + header.json   LightGBM text model and its JSON header
    index.json                               versions, manifest SHA-256 and approval state

``index.json`` pins each manifest's hash, and each manifest pins its files' hashes, so a model
that was edited, truncated or deleted after registration refuses to load. Approval states move
only by explicit calls: ``candidate`` → ``approved`` → ``champion`` (the previous champion of
the same name becomes ``retired``).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from chanrong.core.errors import ChanrongError, Conflict, NotFound, ValidationFailed
from chanrong.credit.boosting import BoostedModel
from chanrong.credit.scorecard import ScorecardTable

Model = ScorecardTable | BoostedModel


class ModelIntegrityError(ChanrongError):
    """A registered model's files are missing or no longer match their recorded fingerprints."""

    type_slug = "model-integrity"
    # The service cannot decide until the model is restored: unavailable, not a client error.
    status = 503
    title = "Model files failed their integrity check"


class Approval(StrEnum):
    CANDIDATE = "candidate"
    APPROVED = "approved"
    CHAMPION = "champion"
    RETIRED = "retired"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def frame_fingerprint(x: pd.DataFrame, y: np.ndarray | None = None) -> str:
    """SHA-256 of a training frame's columns, types and values (order-sensitive)."""
    h = hashlib.sha256()
    h.update(json.dumps([[str(c), str(x[c].dtype)] for c in x.columns]).encode())
    h.update(pd.util.hash_pandas_object(x, index=False).to_numpy().tobytes())
    if y is not None:
        h.update(np.asarray(y, dtype=np.int64).tobytes())
    return h.hexdigest()


@dataclass(frozen=True)
class ModelEntry:
    name: str
    version: int
    kind: str
    state: Approval
    manifest_sha256: str
    manifest: dict[str, Any]

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def parse_ref(ref: str) -> tuple[str, int | None]:
    """``name@3`` → (name, 3); ``name`` → (name, None) meaning the champion."""
    name, _, version = ref.partition("@")
    if not name:
        raise ValidationFailed("model: name is empty", field="model")
    if not version:
        return name, None
    if not version.isdigit():
        raise ValidationFailed(f"model: version {version!r} is not a number", field="model")
    return name, int(version)


class ModelRegistry:
    """Files-on-disk registry; safe to share between processes that only read."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._cached: tuple[tuple[int, int], dict[str, Any]] | None = None

    # --- index --------------------------------------------------------------------------
    def _current_index(self) -> dict[str, Any]:
        """The index as on disk, shared with the cache: for reading only."""
        path = self.root / "index.json"
        try:
            st = path.stat()
        except FileNotFoundError:
            return {"models": {}}
        # Decisions look the champion up on every request; re-read only when the file changed.
        stamp = (st.st_mtime_ns, st.st_size)
        if self._cached is None or self._cached[0] != stamp:
            self._cached = (stamp, json.loads(path.read_text("utf-8")))
        return self._cached[1]

    def _index(self) -> dict[str, Any]:
        """A copy of the index for a writer to change and save (the cache stays as read)."""
        copied: dict[str, Any] = copy.deepcopy(self._current_index())
        return copied

    def _save_index(self, index: Mapping[str, Any]) -> None:
        _write_atomic(self.root / "index.json", _dumps(index))

    def entries(self, name: str | None = None) -> list[ModelEntry]:
        """Every registered version (of one name), oldest first."""
        out = []
        for key, rec in self._current_index()["models"].items():
            n, _, v = key.rpartition("@")
            if name is None or n == name:
                out.append(
                    ModelEntry(
                        n,
                        int(v),
                        rec["kind"],
                        Approval(rec["state"]),
                        rec["manifest_sha256"],
                        dict(rec.get("manifest", {})),
                    )
                )
        return sorted(out, key=lambda e: (e.name, e.version))

    def entry(self, ref: str) -> ModelEntry:
        """The entry for ``name@version``, or for ``name`` its champion."""
        name, version = parse_ref(ref)
        candidates = self.entries(name)
        if version is None:
            champs = [e for e in candidates if e.state is Approval.CHAMPION]
            if not champs:
                raise NotFound(f"model: {name} has no champion version", field="model")
            return champs[-1]
        for e in candidates:
            if e.version == version:
                return e
        raise NotFound(f"model: {name}@{version} is not registered", field="model")

    # --- write --------------------------------------------------------------------------
    def register(
        self,
        name: str,
        model: Model,
        *,
        training_fingerprint: str,
        metrics: Mapping[str, Any],
        description: str = "",
        source: str | None = None,
        counts: Mapping[str, int] | None = None,
        development: Mapping[str, Any] | None = None,
    ) -> ModelEntry:
        """Store a new version as a ``candidate``; returns its entry.

        ``source`` says what the model learnt from (``platform`` or ``simulated-park``),
        ``counts`` how many observations and defaulters, ``development`` the development
        sample's distribution (``stability.development_distribution``) monitoring compares
        live applications with."""
        if not name or "@" in name or "/" in name:
            raise ValidationFailed("name: a model name has no '@' or '/'", field="name")
        index = self._index()
        version = 1 + max((e.version for e in self.entries(name)), default=0)
        files: dict[str, bytes]
        if isinstance(model, ScorecardTable):
            kind = "scorecard"
            files = {"scorecard.json": _dumps(model.to_json())}
        else:
            kind = "lightgbm"
            files = {
                "booster.txt": model.model_text.encode("utf-8"),
                "header.json": _dumps(model.header()),
            }
        features = list(model.features)
        manifest: dict[str, Any] = {
            "name": name,
            "version": version,
            "kind": kind,
            "created_at": datetime.now(UTC).isoformat(),
            "features": features,
            "training_data_sha256": training_fingerprint,
            "metrics": dict(metrics),
            "description": description,
            "files": {fn: sha256_bytes(data) for fn, data in files.items()},
            "format": "chanrong-model/1",
        }
        if source is not None:
            manifest["source"] = source
        if counts is not None:
            manifest["counts"] = dict(counts)
        if development is not None:
            manifest["development"] = dict(development)
        folder = self.root / name / str(version)
        for fn, data in files.items():
            _write_atomic(folder / fn, data)
        manifest_bytes = _dumps(manifest)
        _write_atomic(folder / "manifest.json", manifest_bytes)
        index["models"][f"{name}@{version}"] = {
            "kind": kind,
            "state": Approval.CANDIDATE.value,
            "manifest_sha256": sha256_bytes(manifest_bytes),
            "manifest": {
                k: manifest[k]
                for k in (
                    "created_at",
                    "features",
                    "metrics",
                    "training_data_sha256",
                    "source",
                    "counts",
                )
                if k in manifest
            },
        }
        self._save_index(index)
        return self.entry(f"{name}@{version}")

    def check_transition(self, ref: str, state: Approval) -> ModelEntry:
        """The entry, if it may move to ``state``; ``Conflict`` naming the states otherwise."""
        entry = self.entry(ref)
        allowed = {
            Approval.CANDIDATE: {Approval.APPROVED, Approval.RETIRED},
            Approval.APPROVED: {Approval.CHAMPION, Approval.RETIRED},
            Approval.CHAMPION: {Approval.RETIRED},
            Approval.RETIRED: set(),
        }
        if state not in allowed[entry.state]:
            raise Conflict(
                f"state: {entry.ref} is {entry.state.value}; cannot become {state.value}",
                field="state",
            )
        return entry

    def set_state(self, ref: str, state: Approval) -> ModelEntry:
        """Move a version to ``state``; promoting to champion retires the previous champion."""
        entry = self.check_transition(ref, state)
        # Verify before promoting: a damaged model must never become the champion.
        self.load(entry.ref)
        index = self._index()
        if state is Approval.CHAMPION:
            for other in self.entries(entry.name):
                if other.state is Approval.CHAMPION:
                    index["models"][other.ref]["state"] = Approval.RETIRED.value
        index["models"][entry.ref]["state"] = state.value
        self._save_index(index)
        return self.entry(entry.ref)

    # --- read ---------------------------------------------------------------------------
    def _verified(self, entry: ModelEntry, filename: str, expected: str) -> bytes:
        path = self.root / entry.name / str(entry.version) / filename
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ModelIntegrityError(f"model {entry.ref}: file {filename} is missing") from None
        if sha256_bytes(data) != expected:
            raise ModelIntegrityError(
                f"model {entry.ref}: {filename} does not match its SHA-256 fingerprint"
            )
        return data

    def manifest(self, ref: str) -> dict[str, Any]:
        entry = self.entry(ref)
        data = self._verified(entry, "manifest.json", entry.manifest_sha256)
        manifest: dict[str, Any] = json.loads(data)
        return manifest

    def load(self, ref: str) -> Model:
        """Load and verify a model; raises ``ModelIntegrityError`` if anything was altered."""
        entry = self.entry(ref)
        manifest = self.manifest(entry.ref)
        files = {fn: self._verified(entry, fn, h) for fn, h in manifest["files"].items()}
        if manifest["kind"] == "scorecard":
            table = ScorecardTable.from_json(json.loads(files["scorecard.json"]))
            return table
        header = json.loads(files["header.json"])
        return BoostedModel.from_parts(header, files["booster.txt"].decode("utf-8"))

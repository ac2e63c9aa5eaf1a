"""What decisions are configured by: the credit products and the models they name.

Products are data (``<var_dir>/credit_products.json``, else the default product); each names
a model whose champion version in the registry (``<var_dir>/models``) scores its applications.
Every decision reads both, so each is read once and read again only when its files change.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

from chanrong.core.errors import ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit.domain import DEFAULT_PRODUCT, CreditProduct, product_from_dict
from chanrong.credit.registry import Approval, Model, ModelEntry, ModelRegistry


@functools.cache
def _models_root(var_dir: Path) -> Path:
    # Resolved once per configured directory: every decision asks for the registry.
    return (var_dir / "models").resolve()


@functools.cache
def _registry_at(root: Path) -> ModelRegistry:
    return ModelRegistry(root)


def model_registry(settings: Settings) -> ModelRegistry:
    """The registry under ``<var_dir>/models`` (one instance per directory and process)."""
    return _registry_at(_models_root(settings.var_dir))


_products_read: dict[Path, tuple[tuple[int, int], dict[str, CreditProduct]]] = {}


def products(settings: Settings) -> dict[str, CreditProduct]:
    """Products as data: ``<var_dir>/credit_products.json`` if present, else the default."""
    path = settings.var_dir / "credit_products.json"
    try:
        st = path.stat()
    except FileNotFoundError:
        return {DEFAULT_PRODUCT.code: DEFAULT_PRODUCT}
    # Every decision reads its product: parse the file again only when it changed.
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _products_read.get(path)
    if cached is None or cached[0] != stamp:
        raw = json.loads(path.read_text("utf-8"))
        cached = _products_read[path] = (stamp, {p.code: p for p in map(product_from_dict, raw)})
    return dict(cached[1])


def product(settings: Settings, code: str) -> CreditProduct:
    """One product by code (a 422 naming ``product_code`` when there is none)."""
    found = products(settings).get(code)
    if found is None:
        raise ValidationFailed(f"product_code: no product {code!r}", field="product_code")
    return found


_model_cache: dict[tuple[str, str, str], tuple[tuple[int, ...], Model]] = {}


def load_model(registry: ModelRegistry, ref: str) -> tuple[ModelEntry, Model]:
    """Load (and verify) a model; re-verified whenever any of its files changes on disk."""
    entry = registry.entry(ref)
    folder = registry.root / entry.name / str(entry.version)
    try:
        with os.scandir(folder) as files:
            stat = sorted((f.name, f.stat()) for f in files)
        stamp = tuple(n for _, st in stat for n in (st.st_mtime_ns, st.st_size))
    except FileNotFoundError:
        stamp = ()
    key = (str(registry.root), entry.ref, entry.manifest_sha256)
    cached = _model_cache.get(key)
    if cached is not None and cached[0] == stamp and stamp:
        return entry, cached[1]
    model = registry.load(entry.ref)
    _model_cache[key] = (stamp, model)
    return entry, model


def challenger_names(model: str) -> tuple[str, str]:
    """The names a product's challenger may be registered under: a version of the model
    itself, or of ``<model>-challenger`` (as training registers the LightGBM one)."""
    return model, f"{model}-challenger"


def shadow_model(registry: ModelRegistry, model: str) -> tuple[ModelEntry, Model] | None:
    """The product's challenger — the newest ``approved`` version of the model or of its
    ``-challenger`` — loaded, or None when none is approved."""
    approved = [
        e
        for name in challenger_names(model)
        for e in registry.entries(name)
        if e.state is Approval.APPROVED
    ]
    if not approved:
        return None
    newest = max(approved, key=lambda e: (e.manifest.get("created_at", ""), e.name, e.version))
    return load_model(registry, newest.ref)

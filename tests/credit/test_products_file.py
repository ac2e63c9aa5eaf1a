"""Products configured as data in ``<var_dir>/credit_products.json``: used as written, read
again when the file changes, and a wrong field named."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from chanrong.core.errors import ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit import service
from chanrong.credit.domain import DEFAULT_PRODUCT


def _write(var_dir: Path, products: list[dict[str, object]], mtime_ns: int) -> None:
    path = var_dir / "credit_products.json"
    path.write_text(json.dumps(products, ensure_ascii=False), "utf-8")
    # Set explicitly: two writes within the file system's timestamp granularity would
    # otherwise look unchanged by mtime alone.
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_the_default_product_without_a_file(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, jwt_secret="x" * 40)
    assert service.products(settings) == {"op-loan": DEFAULT_PRODUCT}


def test_a_products_file_is_used_and_read_again_when_it_changes(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, jwt_secret="x" * 40)
    green = replace(DEFAULT_PRODUCT, code="green-loan", lpr_pct=Decimal("3.10"))
    _write(tmp_path, [DEFAULT_PRODUCT.as_dict(), green.as_dict()], 1_000_000_000)
    assert set(service.products(settings)) == {"op-loan", "green-loan"}
    assert service.product(settings, "green-loan").lpr_pct == Decimal("3.10")

    # The LPR moved: the bank rewrites the file and the next decision prices with it.
    _write(tmp_path, [replace(green, lpr_pct=Decimal("3.00")).as_dict()], 2_000_000_000)
    assert service.product(settings, "green-loan").lpr_pct == Decimal("3.00")
    with pytest.raises(ValidationFailed, match="no product 'op-loan'") as err:
        service.product(settings, "op-loan")
    assert err.value.field == "product_code"


def test_a_wrong_field_in_the_file_is_named(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, jwt_secret="x" * 40)
    broken = DEFAULT_PRODUCT.as_dict()
    del broken["lpr_pct"]
    _write(tmp_path, [broken], 3_000_000_000)
    with pytest.raises(ValidationFailed, match="lpr_pct"):
        service.products(settings)

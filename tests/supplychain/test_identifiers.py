"""Handle identifiers of certificates."""

from __future__ import annotations

from datetime import date

import pytest

from chanrong.supplychain.identifiers import (
    child_handle,
    parse_handle,
    root_handle,
    serial_from_id,
)


def test_root_and_child_handles_carry_the_lineage() -> None:
    serial = serial_from_id("0192f0a1-7c3e-7abc-9def-0123456789ab")
    assert serial == "0123456789AB"
    root = root_handle("88.608.8889", date(2026, 11, 21), serial)
    assert root == "88.608.8889/SCF.20261121.0123456789AB"
    grandchild = child_handle(child_handle(root, 2), 1)
    assert grandchild == root + ".2.1"
    h = parse_handle(grandchild)
    assert h.prefix == "88.608.8889"
    assert h.issued_on == date(2026, 11, 21)
    assert h.path == (2, 1)
    assert h.depth == 2
    assert h.root == root
    assert str(h) == grandchild


@pytest.mark.parametrize(
    "bad",
    [
        "SCF.20261121.0123456789AB",  # no prefix
        "88.608.8889/SCF.20261321.0123456789AB",  # month 13
        "88.608.8889/SCF.20261121.0123456789ab",  # lower-case serial
        "88.608.8889/XYZ.20261121.0123456789AB",  # wrong namespace
        "88.608.8889/SCF.20261121.0123456789AB.0",  # positions start at 1
        "abc/SCF.20261121.0123456789AB",  # prefix not numeric
    ],
)
def test_malformed_handles_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_handle(bad)


def test_bad_inputs_to_builders() -> None:
    with pytest.raises(ValueError, match="prefix"):
        root_handle("88/608", date(2026, 1, 1), "0123456789AB")
    with pytest.raises(ValueError, match="UUID"):
        serial_from_id("not-a-uuid")
    with pytest.raises(ValueError, match="1 to 999"):
        child_handle("88.608.8889/SCF.20261121.0123456789AB", 0)

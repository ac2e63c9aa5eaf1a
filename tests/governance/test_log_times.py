"""``append_many`` with a time per entry (``ats``): a group commit appends its use cases'
entries in one go, each entry keeping the time its use case ran, and the log is the one that
appending them one by one at those times would have made, leaf for leaf."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from chanrong.governance import merkle
from chanrong.governance import service as governance
from chanrong.governance.orm import LogEntryRow
from chanrong.storage.database import Database
from tests.governance import rfc9162

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ITEMS = [
    ("test.a", None, "x:1", {"n": 1}),
    ("test.b", "org", "x:2", {}),
    ("test.c", None, "x:3", {}),
]
TIMES = [T0, T0 + timedelta(milliseconds=3), T0 + timedelta(seconds=1)]


def test_each_entry_keeps_its_own_time_and_the_same_leaf(db: Database) -> None:
    with db.unit_of_work() as s:
        refs = governance.append_many(s, ITEMS, ats=TIMES)
    assert [r.index for r in refs] == [0, 1, 2]
    with db.unit_of_work() as s:
        rows = s.scalars(select(LogEntryRow).order_by(LogEntryRow.index)).all()
        assert [r.at.astimezone(UTC) for r in rows] == TIMES
        for row, ref, at in zip(rows, refs, TIMES, strict=True):
            assert f'"at":"{at.isoformat()}"' in row.data
            assert merkle.leaf_hash(row.data.encode()).hex() == ref.leaf_hash
        assert governance.current_root(s).root == rfc9162.mth([bytes(r.leaf_hash) for r in rows])


def test_one_at_a_time_makes_the_same_leaves(db: Database) -> None:
    with db.unit_of_work() as s:
        together = governance.append_many(s, ITEMS, ats=TIMES)
    with db.unit_of_work() as s:
        # Appended again one by one at the same times: only the index differs in each entry.
        alone = [
            governance.append_many(s, [item], at=at)[0]
            for item, at in zip(ITEMS, TIMES, strict=True)
        ]
        rows = s.scalars(select(LogEntryRow).order_by(LogEntryRow.index)).all()
    for a, b in zip(rows[:3], rows[3:], strict=True):
        assert a.data.replace(f'"index":{a.index}', f'"index":{b.index}') == b.data
    assert [r.index for r in together] == [0, 1, 2] and [r.index for r in alone] == [3, 4, 5]


def test_a_time_for_each_entry_or_none(db: Database) -> None:
    with db.unit_of_work() as s, pytest.raises(ValueError, match="ats"):
        governance.append_many(s, ITEMS, ats=TIMES[:2])

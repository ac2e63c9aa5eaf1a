"""The demo's insurer story on a small insured fleet: model, quote by it, bind, first premium,
the schedule's states and the day's alerts pushed."""

from __future__ import annotations

import re

from chanrong.core.settings import Settings
from chanrong.demo.insurance_story import policy_story
from chanrong.storage.database import Database
from tests.builders import Park
from tests.insurance.builders import PROFILE_DAY, grant_insurer, insured_fleet


def test_the_insurer_story(db: Database, settings: Settings, park: Park) -> None:
    ent, insurer = park["enterprise"]["admin"], park["insurer"]["officer"]
    insured_fleet(db, settings, ent)
    grant_insurer(db, ent, insurer.org_id)
    with db.unit_of_work() as s:
        told = policy_story(
            s, settings, insurer_org=insurer.org_id, org_id=ent.org_id, today=PROFILE_DAY
        )
    text = "\n".join(told.lines)
    assert "pricing model v1 fitted on" in text
    assert "quote priced by model v1" in text and "the first (¥" in text
    assert "paid on 2026-06-01" in text
    assert "schedule today: #1 paid, #2 overdue, #3 open, #4 open" in text
    assert "safety profile 2026-09-21" in text and ", 0 withheld" in text
    m = re.search(r"; (\d+) alert notice\(s\) delivered", text)
    assert m and int(m.group(1)) >= 2  # the fault burst reached the insured and the insurer

"""Device days: local (Asia/Shanghai) days, counter resets, duplicates, run states, consent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from chanrong.core.errors import ConsentRequired, ValidationFailed
from chanrong.governance import service as governance
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.store import TelemetryStore
from tests.builders import Park
from tests.lending.builders import principal
from tests.telemetry.builders import points

# 2026-03-02 00:00 in Shanghai is 2026-03-01 16:00 UTC.
LOCAL_MIDNIGHT = datetime(2026, 3, 1, 16, tzinfo=UTC)
HOUR = timedelta(hours=1)


def rows(table: pa.Table) -> list[dict[str, object]]:
    return sorted(table.to_pylist(), key=lambda r: (r["device_id"], r["metric"], r["day"]))


def test_a_counter_is_split_at_shanghai_midnight_and_a_reset_counts_its_new_value() -> None:
    # Readings hourly from 14:00 UTC on 1 March to 20:00 UTC: two UTC hours fall before the
    # local midnight (1 March local), the rest on 2 March local.
    values = [100.0, 101.0, 102.0, 103.0, 104.0, 1.0, 2.0]  # reset to zero before the 6th
    t = points("m1", "runtime_h", values, start=LOCAL_MIDNIGHT - 2 * HOUR, step=HOUR)
    got = rows(telemetry.device_days(t))
    assert [(r["day"], r["n"], r["increase"]) for r in got] == [
        (date(2026, 3, 1), 2, 1.0),  # the first reading has nothing before it
        (date(2026, 3, 2), 5, 1.0 + 1.0 + 1.0 + 1.0 + 1.0),  # 103, 104, reset→1, 2
    ]


def test_duplicates_count_once_and_run_states_are_counted() -> None:
    states = [2.0, 2.0, 1.0, 3.0, 0.0, 2.0]
    t = points("m1", "run_state", states, start=LOCAL_MIDNIGHT, step=HOUR)
    doubled = pa.concat_tables([t, t.slice(0, 2)])  # two readings sent twice, out of order
    (got,) = rows(telemetry.device_days(doubled))
    assert (got["n"], got["running"], got["idle"], got["fault"]) == (6, 3, 1, 1)
    other = rows(telemetry.device_days(points("m1", "runtime_h", [1.0, 2.0])))
    assert (other[0]["running"], other[0]["idle"], other[0]["fault"]) == (0, 0, 0)


def test_days_before_the_first_asked_for_are_dropped() -> None:
    t = points("m1", "output_count", [0.0, 5.0, 9.0], start=LOCAL_MIDNIGHT - HOUR, step=HOUR)
    got = rows(telemetry.device_days(t, first_day=date(2026, 3, 2)))
    assert [(r["day"], r["increase"]) for r in got] == [(date(2026, 3, 2), 9.0)]
    assert telemetry.device_days(t.slice(0, 0)).num_rows == 0


def test_device_days_of_reads_under_consent_and_names_the_logged_reads(
    db: Database, park: Park, tmp_path: Path
) -> None:
    store = TelemetryStore(tmp_path / "telemetry")
    firm = park["enterprise"]["officer"]
    start = LOCAL_MIDNIGHT - HOUR  # the day before: a counter's first interval needs it
    store.write(
        firm.org_id,
        pa.concat_tables(
            [
                points("cnc-1", "runtime_h", [10.0, 11.0, 12.0, 13.0], start=start, step=HOUR),
                points("meter-1", "energy_kwh", [5.0, 9.0, 14.0, 20.0], start=start, step=HOUR),
                points("comp-1", "runtime_h", [1.0, 2.0, 3.0, 4.0], start=start, step=HOUR),
            ]
        ),
    )
    with db.unit_of_work() as s:
        owner = principal(s, firm)
        for device, kind in (
            ("cnc-1", "cnc"),
            ("meter-1", "meter_electricity"),
            ("comp-1", "compressor"),
        ):
            telemetry.register_device(s, owner, org_id=owner.org_id, device_id=device, kind=kind)
    with db.unit_of_work() as s:
        bank = principal(s, park["bank"]["officer"])
        with pytest.raises(ConsentRequired):
            telemetry.device_days_of(
                s,
                bank,
                store,
                org_id=firm.org_id,
                start=date(2026, 3, 2),
                end=date(2026, 3, 3),
                metrics=["runtime_h", "energy_kwh"],
                purpose=governance.Purpose.POST_LOAN_MONITORING,
            )
        assert governance.list_access(s, principal(s, firm)) == []
        governance.grant_consent(
            s,
            principal(s, firm),
            grantee_org_id=bank.org_id,
            categories=["production"],
            max_grade=2,
            purpose="post_loan_monitoring",
            valid_from=None,
            valid_until=datetime(2099, 1, 1, tzinfo=UTC),
        )
    with db.unit_of_work() as s:
        bank = principal(s, park["bank"]["officer"])
        read = telemetry.device_days_of(
            s,
            bank,
            store,
            org_id=firm.org_id,
            start=date(2026, 3, 2),
            end=date(2026, 3, 3),
            metrics=["runtime_h", "energy_kwh"],
            kinds=["cnc", "meter_electricity"],
            purpose=governance.Purpose.POST_LOAN_MONITORING,
        )
        got = {(r["device_id"], r["kind"], r["increase"]) for r in read.table.to_pylist()}
        # The compressor is not asked for; the reading before local midnight only anchors.
        assert got == {("cnc-1", "cnc", 3.0), ("meter-1", "meter_electricity", 15.0)}
        assert [r.dataset for r in read.reads] == ["telemetry.energy", "telemetry.equipment"]
        assert all(r.log is not None for r in read.reads)
        logged = governance.list_access(s, principal(s, firm))
        assert {a.dataset for a in logged} == {"telemetry.energy", "telemetry.equipment"}
        with pytest.raises(ValidationFailed) as err:
            telemetry.device_days_of(
                s,
                bank,
                store,
                org_id=firm.org_id,
                start=date(2026, 3, 3),
                end=date(2026, 3, 2),
                metrics=["runtime_h"],
                purpose=governance.Purpose.POST_LOAN_MONITORING,
            )
        assert err.value.field == "end"

"""Who is in the park: valid identifiers, supplier trees, devices, settings errors."""

from __future__ import annotations

from datetime import date

import pytest

from chanrong.core.codes import validate_industry, validate_region
from chanrong.core.errors import ValidationFailed
from chanrong.core.uscc import validate_uscc
from chanrong.simulate import FaultRates, Park, ParkConfig, plan_park, preset
from chanrong.simulate.telemetry import metrics_of

KINDS = {
    "cnc",
    "injection_moulder",
    "sewing_machine",
    "compressor",
    "press",
    "meter_electricity",
    "meter_gas",
    "meter_coal",
    "meter_steam",
}


def test_enterprises_have_valid_unique_usccs_industries_and_regions(clean_park: Park) -> None:
    ents = clean_park.enterprises.to_pylist()
    usccs = [e["uscc"] for e in ents]
    assert len(set(usccs)) == len(usccs) == 12
    for e in ents:
        assert validate_uscc(e["uscc"]).code == e["uscc"]
        industry = validate_industry(e["industry_code"])
        assert industry.section == "C"
        assert 13 <= int(industry.division or 0) <= 43
        assert validate_region(e["region_code"]).province_code in ("330000", "320000")
        assert e["size"] in ("micro", "small", "medium")
    assert len({e["name"] for e in ents}) == len(ents)


def test_supplier_trees_are_consistent() -> None:
    firms = plan_park(ParkConfig(enterprises=300, months=1, interval_minutes=1440)).firms
    by_index = {f.index: f for f in firms}
    cores = [f for f in firms if f.is_core]
    assert len(cores) == 6
    assert all(f.tier == 0 and f.customer_index == -1 for f in cores)
    tiers = {f.tier for f in firms}
    assert {1, 2} <= tiers  # multi-tier trees
    for f in firms:
        if f.is_core:
            continue
        parent = by_index[f.customer_index]
        assert f.tier == parent.tier + 1
        assert f.core_index == parent.core_index
        assert by_index[f.core_index].is_core
        assert f.index not in f.secondary_customers


def test_contract_columns_for_tree_links(clean_park: Park) -> None:
    ents = {e["uscc"]: e for e in clean_park.enterprises.to_pylist()}
    for e in ents.values():
        if e["is_core"]:
            assert e["tier"] == 0 and e["customer_uscc"] is None and e["core_uscc"] == e["uscc"]
        else:
            assert ents[e["customer_uscc"]]["tier"] == e["tier"] - 1
            assert ents[e["core_uscc"]]["is_core"]


def test_devices_per_firm_and_their_identifiers(clean_park: Park) -> None:
    devices = clean_park.devices.to_pylist()
    per_firm: dict[str, int] = {}
    for d in devices:
        per_firm[d["uscc"]] = per_firm.get(d["uscc"], 0) + 1
        assert d["kind"] in KINDS
        assert d["device_id"].startswith(d["uscc"] + "-")
        prefix, suffix = d["identifier"].split("/")
        assert prefix.startswith("88.") and suffix
        assert d["installed_on"] < date(2024, 1, 1)
        assert (d["rated_kw"] > 0) == (not d["kind"].startswith("meter_"))
    assert all(5 <= n <= 50 for n in per_firm.values())
    assert set(per_firm) == set(clean_park.enterprises["uscc"].to_pylist())
    # every firm has an electricity meter and at least two production machines
    kinds_by_firm: dict[str, list[str]] = {}
    for d in devices:
        kinds_by_firm.setdefault(d["uscc"], []).append(d["kind"])
    for kinds in kinds_by_firm.values():
        assert kinds.count("meter_electricity") == 1
        assert sum(k in ("cnc", "injection_moulder", "sewing_machine", "press") for k in kinds) >= 2


def test_sewing_machines_report_stitches_and_thread_cuts() -> None:
    assert "stitches" in metrics_of("sewing_machine")
    assert "thread_cuts" in metrics_of("sewing_machine")
    assert "stitches" not in metrics_of("cnc")


def test_default_share_of_the_default_park_is_between_5_and_15_percent() -> None:
    for seed in (1, 7, 42):
        truth = plan_park(ParkConfig(seed=seed, interval_minutes=1440)).truth
        assert 0.05 <= truth.defaulted.mean() <= 0.15, seed
        # Not everyone who deteriorates defaults, and a few shocks hit healthy firms.
        assert truth.deteriorating.sum() > 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"enterprises": 0}, "enterprises"),
        ({"months": 0}, "months"),
        ({"interval_minutes": 7}, "interval"),
        ({"start": date(2024, 1, 2)}, "start"),
        ({"faults": FaultRates(gap=0.5)}, "fault_rate.gap"),
        ({"faults": FaultRates(duplicate=-0.1)}, "fault_rate.duplicate"),
    ],
)
def test_bad_settings_name_the_setting(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        ParkConfig().with_changes(**changes)
    assert err.value.field == field
    assert field.split(".")[0] in err.value.detail


def test_unknown_preset_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="demo"):
        preset("huge")
    assert preset("demo").enterprises == 30

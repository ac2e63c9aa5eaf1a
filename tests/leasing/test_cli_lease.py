"""``chanrong lease …`` against a real SQLite file: the lessor's contract from registration to
lock and unlock on the real broker, the lessee's answer, and errors that name the field."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.settings import get_settings
from chanrong.demo.device_gateway import SimulatedGateway
from chanrong.edge.commands import unit_of_work
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.leasing import service as leasing
from chanrong.leasing.signing import CommandVerifier, load_or_create_signer
from chanrong.telemetry import service as telemetry
from tests.builders import add_org, fresh_uscc
from tests.leasing.builders import running_lease
from tests.telemetry.builders import points

runner = CliRunner()
TOMORROW = shanghai_date(utcnow()) + timedelta(days=1)


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def _fails(args: list[str], *words: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    for w in words:
        assert w in result.output, result.output
    return result.output


def _park() -> dict[str, str]:
    """A lessor 租赁公司 and an enterprise 甲厂 with a sewing head, under leasing consent."""
    _ok(["db", "upgrade"])
    uscc = fresh_uscc()
    with unit_of_work() as s:
        lessor = add_org(s, "financial_institution", institution_type="lessor", name="租赁公司")
        ent = add_org(s, "enterprise", name="甲厂", uscc=uscc, industry_code="C34")
        for org_id in (lessor, ent):
            identity.create_user(s, org_id=org_id, username="o", roles=["officer"])
        telemetry.upsert_device(s, org_id=ent, device_id="sew-01", kind="sewing_machine")
        governance.grant_consent(
            s,
            identity.system_principal(s, ent),
            grantee_org_id=lessor,
            categories=["production"],
            max_grade=2,
            purpose="leasing_billing",
            valid_from=None,
            valid_until=datetime.now(UTC) + timedelta(days=365),
        )
    return {"lessor": lessor, "ent": ent, "uscc": uscc}


LESSOR = ["--org", "租赁公司", "--user", "o"]
LESSEE = ["--org", "甲厂", "--user", "o"]


def test_propose_accept_show_and_errors_name_the_field(var_dir: Path) -> None:
    ids = _park()
    out = _ok(
        [
            "lease",
            "asset-register",
            *LESSOR,
            "--lessee",
            ids["ent"],
            "--device",
            "sew-01",
            "--reference",
            "FL-2026-001",
            "--relation",
            "finances",
        ]
    )
    assert "asset sew-01 registered (finances)" in out
    propose = [
        "lease",
        "propose",
        *LESSOR,
        "--lessee",
        ids["ent"],
        "--device",
        "sew-01",
        "--unit",
        "stitches",
        "--price",
        "0.0002",
        "--minimum",
        "50.00",
        "--cost",
        "48000",
        "--design-life",
        "500000000",
        "--end",
        (TOMORROW + timedelta(days=365)).isoformat(),
    ]
    # Bad input: each an error naming the field, nothing written.
    _fails([*propose, "--start", "tomorrow"], "start", "not a date")
    _fails([*propose, "--start", "2020-01-01"], "start_date")
    bad_unit = [*propose, "--start", TOMORROW.isoformat()]
    bad_unit[bad_unit.index("stitches")] = "litres"
    _fails(bad_unit, "unit")
    _fails([*propose, "--start", TOMORROW.isoformat(), "--grace-days", "0"], "grace_days")
    _fails(["lease", "contracts", "--org", "nobody", "--user", "o"], "org", "no organisation")

    out = _ok([*propose, "--start", TOMORROW.isoformat()])
    m = re.search(r"contract (\S+) proposed on sew-01 \(proposed\)", out)
    assert m, out
    cid = m.group(1)
    # Only the lessee answers; the lessor cannot accept its own proposal.
    _fails(["lease", "accept", cid, *LESSOR], "lessee")
    # A proposed contract cannot be locked.
    _fails(["lease", "lock", cid, *LESSOR], "not_accepted")
    assert f"contract {cid} active" in _ok(["lease", "accept", cid, *LESSEE])
    _fails(["lease", "accept", cid, *LESSEE], "not proposed")
    shown = _ok(["lease", "show", cid, *LESSEE])
    assert f"contract {cid}: active" in shown and "grace 10 days" in shown
    # Nothing metered yet: the full cost, condition unknown (from telemetry, never typed in).
    assert "residual value ¥48,000.00: used 0 of 500000000 stitches, condition 1.0000" in shown
    assert "faults unknown" in shown
    assert cid in _ok(["lease", "contracts", *LESSOR])
    # Accepted but nothing owed: no lock, and nothing to unlock.
    _fails(["lease", "lock", cid, *LESSOR], "no_arrears")
    _fails(["lease", "unlock", cid, *LESSOR], "not_locked")
    _fails(["lease", "bill", cid, *LESSOR, "--period", "Sept"], "period: give the month")
    # The command broker's accounts: one for the leased device, limited to its own topic.
    out = _ok(["lease", "broker-access", "--out", str(var_dir / "broker")])
    assert "1 device accounts" in out
    acl = (var_dir / "broker" / "acl").read_text()
    assert f"user {ids['uscc']}.sew-01\ntopic read chanrong/v1/{ids['uscc']}/sew-01/command" in acl
    assert (var_dir / "broker" / "devices.json").stat().st_mode & 0o077 == 0


def test_lock_and_unlock_over_the_real_broker(
    var_dir: Path, mqtt_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHANRONG_MQTT_PORT", str(mqtt_port))
    get_settings.cache_clear()
    ids = _park()
    sept = datetime(2026, 9, 1, tzinfo=UTC)
    with unit_of_work() as s:
        hours = [sept + timedelta(hours=h) for h in range(30 * 24)]
        table = points("sew-01", "stitches", [600.0 * h for h in range(len(hours))], stamps=hours)
        telemetry.ingest_points(
            s,
            telemetry.open_store(get_settings()),
            org_id=ids["ent"],
            batches=[table],
            source="http",
        )
        lessor = identity.system_principal(s, ids["lessor"])
        c = running_lease(
            s,
            lessor,
            identity.system_principal(s, ids["ent"]),
            device_id="sew-01",
            start=date(2026, 9, 1),
            end=date(2027, 8, 31),
        )
        cid = c.id
    out = _ok(["lease", "bill", cid, *LESSOR, "--period", "2026-09"])
    bill_id = re.search(r"bill (\S+) 2026-09", out)
    assert bill_id, out
    assert bill_id.group(1) in _ok(["lease", "bills", cid, *LESSEE])
    # A part payment leaves the rest in arrears; a negative one is refused naming the amount.
    assert "paid ¥1.00" in _ok(["lease", "pay", bill_id.group(1), *LESSOR, "--amount", "1.00"])
    _fails(["lease", "pay", bill_id.group(1), *LESSOR, "--amount", "-5"], "amount")
    key = load_or_create_signer(get_settings().var_dir).public_key
    gateway = SimulatedGateway(
        mqtt_port, ids["uscc"], "sew-01", verifier=CommandVerifier(key, ids["uscc"], "sew-01")
    )
    try:
        today = shanghai_date(utcnow())
        with unit_of_work() as s:
            bills = leasing.list_bills(s, identity.system_principal(s, ids["lessor"]), cid)
            overdue = bills[0].due_date + timedelta(days=10) < today
        if not overdue:  # the bill is not yet past grace: the lock is refused, naming why
            _fails(["lease", "lock", cid, *LESSOR], "within_grace")
            return
        assert "lock acknowledged; contract locked" in _ok(["lease", "lock", cid, *LESSOR])
        assert gateway.locked
        _fails(["lease", "lock", cid, *LESSOR], "already_locked")
        assert "unlock acknowledged; contract active" in _ok(["lease", "unlock", cid, *LESSOR])
        assert not gateway.locked
        assert [c["command"] for c in gateway.received] == ["lock", "unlock"]
        shown = _ok(["lease", "show", cid, *LESSOR])
        assert "command lock acknowledged" in shown and "command unlock acknowledged" in shown
    finally:
        gateway.close()


def test_a_multi_party_lease_from_the_command_line(var_dir: Path) -> None:
    ids = _park()
    with unit_of_work() as s:
        maker = add_org(s, "enterprise", name="厂商")
        identity.create_user(s, org_id=maker, username="o", roles=["officer"])
    register = ["lease", "asset-register", *LESSOR, "--lessee", ids["ent"], "--device", "sew-01"]
    _ok([*register, "--reference", "FL-9"])
    base = [
        "lease", "propose", *LESSOR, "--lessee", ids["ent"], "--device", "sew-01",
        "--unit", "stitches", "--price", "0.0002", "--minimum", "50", "--cost", "48000",
        "--design-life", "500000000", "--start", TOMORROW.isoformat(),
        "--end", (TOMORROW + timedelta(days=365)).isoformat(),
    ]  # fmt: skip
    parties = [
        "--party", f"funder={ids['lessor']}:bps=7000",
        "--party", f"manufacturer={maker}:bps=3000",
        "--party", f"dealer={maker}:fen=1000",
        "--party", f"lessee={ids['ent']}",
    ]  # fmt: skip
    _fails([*base, *parties, "--remainder", "dealer"], "remainder_role")
    _fails([*base, "--party", "funder", "--remainder", "funder"], "party")
    out = _ok([*base, *parties, "--remainder", "funder"])
    m = re.search(r"contract (\S+) proposed", out)
    assert m, out
    cid = m.group(1)
    shown = _ok(["lease", "parties", cid, *LESSEE])
    h = re.search(r"contract hash ([0-9a-f]{64})", shown)
    assert h and "manufacturer" in shown and "not signed" in shown
    maker_as = ["--org", "厂商", "--user", "o"]
    _fails(["lease", "sign", cid, *maker_as, "--role", "manufacturer", "--hash", "0" * 64], "hash")
    for role in ("manufacturer", "dealer"):
        assert "proposed" in _ok(
            ["lease", "sign", cid, *maker_as, "--role", role, "--hash", h.group(1)]
        )
    _ok(["lease", "sign", cid, *LESSOR, "--role", "funder", "--hash", h.group(1)])
    assert "accepted" in _ok(["lease", "accept", cid, *LESSEE])
    out = _ok(["lease", "sign", cid, *LESSEE, "--role", "lessee", "--hash", h.group(1)])
    assert f"contract {cid} signed by the lessee; active" in out
    assert "signed, log #" in _ok(["lease", "parties", cid, *maker_as])

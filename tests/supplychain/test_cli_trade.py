"""``chanrong scf trade`` against a real SQLite file: an order shipped, received short,
invoiced and put on a statement; a 保付 accepted, called and paid out with recourse repaid;
an escrow released by a second officer (the approver's own release refused); the journal
check; each wrong party named in plain words."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import get_settings
from chanrong.storage.database import Database
from chanrong.supplychain import service

runner = CliRunner()


def _org(*args: str) -> str:
    out = runner.invoke(app, ["org", "create", *args])
    assert out.exit_code == 0, out.output
    return out.output.strip().splitlines()[-1]


def _ok(*args: str) -> str:
    out = runner.invoke(app, ["scf", "trade", *args])
    assert out.exit_code == 0, out.output
    return out.output.strip()


def test_trade_commands(var_dir: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    core = _org("--name", "C", "--kind", "enterprise", "--core", "--uscc", "9144030071526726XG")
    sup = _org("--name", "S", "--kind", "enterprise", "--uscc", "91310000631696382C")
    guarantor = _org(
        "--name", "G", "--kind", "financial_institution", "--institution-type", "guarantor"
    )
    bank = _org("--name", "B", "--kind", "financial_institution", "--institution-type", "bank")
    db = Database(get_settings().effective_database_url)
    try:
        with db.unit_of_work() as s:
            c = service.create_contract(
                s,
                service.principal_for_org(s, sup),
                counterparty_org_id=core,
                we_are="seller",
                reference="HT-CLI",
                goods="bolts",
                quantity=100,
                unit_price_fen=1_000,
                delivery_terms="EXW",
                payment_days=30,
            )
            contract_id = c.id
    finally:
        db.dispose()
    wrong = runner.invoke(
        app,
        [
            "scf",
            "trade",
            "order",
            "--contract",
            contract_id,
            "--as-org",
            sup,
            "--reference",
            "PO",
            "--quantity",
            "10",
            "--ordered-on",
            "2025-09-01",
        ],
    )
    assert wrong.exit_code == 2 and "only the buyer" in wrong.output
    bad = runner.invoke(
        app,
        [
            "scf",
            "trade",
            "order",
            "--contract",
            contract_id,
            "--as-org",
            core,
            "--reference",
            "PO",
            "--quantity",
            "101",
            "--ordered-on",
            "2025-09-01",
        ],
    )
    assert bad.exit_code == 2 and "quantity" in bad.output and "100 left" in bad.output
    order = _ok(
        "order",
        "--contract",
        contract_id,
        "--as-org",
        core,
        "--reference",
        "PO-1",
        "--quantity",
        "60",
        "--ordered-on",
        "2025-09-01",
    )
    delivery = _ok(
        "ship",
        "--order",
        order,
        "--as-org",
        sup,
        "--reference",
        "DN-1",
        "--quantity",
        "60",
        "--shipped-on",
        "2025-09-02",
    )
    got = _ok(
        "receive",
        "--delivery",
        delivery,
        "--as-org",
        core,
        "--quantity",
        "50",
        "--received-on",
        "2025-09-03",
        "--grn",
        "GRN-1",
        "--note",
        "10 missing",
    )
    assert got.endswith("received 50/60")
    assert "¥500.00" in _ok(
        "invoice",
        "--delivery",
        delivery,
        "--as-org",
        sup,
        "--number",
        "INV-1",
        "--issued-on",
        "2025-09-04",
    )
    made = _ok(
        "statement-from-invoices",
        "--contract",
        contract_id,
        "--as-org",
        sup,
        "--start",
        "2025-09-01",
        "--end",
        "2025-09-30",
    )
    statement_id = made.split()[0]
    assert "1 line(s) ¥500.00" in made
    listed = _ok("orders", "--contract", contract_id, "--as-org", core)
    assert "short_received" in listed and "INV-1 ¥500.00" in listed
    # The buyer confirms the line (the statement's dates are past: the due day has gone by).
    db = Database(get_settings().effective_database_url)
    try:
        with db.unit_of_work() as s:
            st = service.get_statement(s, service.principal_for_org(s, core), statement_id)
            line_id = st.lines[0].id
    finally:
        db.dispose()
    assert (
        runner.invoke(app, ["scf", "answer-line", "--line", line_id, "--as-org", core]).exit_code
        == 0
    )

    gid = _ok(
        "guarantee-request", "--statement", statement_id, "--as-org", sup, "--guarantor", guarantor
    )
    bad = runner.invoke(
        app,
        [
            "scf",
            "trade",
            "guarantee-accept",
            "--id",
            gid,
            "--as-org",
            guarantor,
            "--fee-rate",
            "12",
        ],
    )
    assert bad.exit_code == 2 and "fee_rate_percent" in bad.output
    assert "fee ¥5.00" in _ok(
        "guarantee-accept", "--id", gid, "--as-org", guarantor, "--fee-rate", "1"
    )
    assert _ok("guarantee-call", "--id", gid, "--as-org", sup).endswith("called")
    paid = _ok("pay-out", "--id", gid, "--as-org", guarantor, "--instalments", "2")
    claim = paid.splitlines()[0].split()[-1]
    assert "¥250.00" in paid
    assert "outstanding ¥0.00" in _ok(
        "repay", "--claim", claim, "--as-org", core, "--amount", "500"
    )
    assert "paid_out" in _ok("guarantees", "--as-org", guarantor)

    # Escrow on a second order, delivered in full: approved by one officer, released by another.
    order2 = _ok(
        "order",
        "--contract",
        contract_id,
        "--as-org",
        core,
        "--reference",
        "PO-2",
        "--quantity",
        "40",
        "--ordered-on",
        "2025-10-01",
    )
    escrow = _ok("escrow", "--order", order2, "--as-org", core, "--agent", bank, "--amount", "400")
    d2 = _ok(
        "ship",
        "--order",
        order2,
        "--as-org",
        sup,
        "--reference",
        "DN-2",
        "--quantity",
        "40",
        "--shipped-on",
        "2025-10-02",
    )
    _ok(
        "receive",
        "--delivery",
        d2,
        "--as-org",
        core,
        "--quantity",
        "40",
        "--received-on",
        "2025-10-03",
        "--grn",
        "GRN-2",
    )
    assert _ok("escrow-approve", "--id", escrow, "--as-org", bank, "--user", "u-approver").endswith(
        "approved"
    )
    same = runner.invoke(
        app,
        [
            "scf",
            "trade",
            "escrow-release",
            "--id",
            escrow,
            "--as-org",
            bank,
            "--user",
            "u-approver",
        ],
    )
    assert same.exit_code == 2 and "cannot also execute it" in same.output
    assert "¥400.00 to the seller" in _ok(
        "escrow-release", "--id", escrow, "--as-org", bank, "--user", "u-releaser"
    )
    assert "no fen created or lost" in _ok("check")

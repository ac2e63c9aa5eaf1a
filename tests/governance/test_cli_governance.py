"""``chanrong log|catalog|consent`` against a real SQLite file, as an operator would run them."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import get_settings
from chanrong.governance import keys
from chanrong.governance import service as governance
from chanrong.governance.orm import LogEntryRow
from chanrong.storage.database import Database
from tests.builders import Member, add_member, add_org
from tests.governance.builders import principal

runner = CliRunner()


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CHANRONG_DATABASE_URL", raising=False)
    # Tables are checked by content, so make them wide (xdist workers fix 80 columns at import).
    from chanrong.edge import commands as common

    monkeypatch.setattr(common.console, "width", 200)
    monkeypatch.setattr(common.err_console, "width", 200)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def _run(args: list[str], code: int = 0) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    return result.output


def _json(out: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(out[out.index("{") :])
    return data


@pytest.fixture
def people(var_dir: Path) -> Iterator[dict[str, Member]]:
    _run(["db", "upgrade"])
    db = Database(f"sqlite:///{var_dir / 'chanrong.db'}")
    with db.unit_of_work() as s:
        ent = add_org(s, "enterprise", name="甲工厂")
        bank = add_org(s, "financial_institution", name="乙银行")
        op = add_org(s, "platform_operator", name="平台")
        members = {
            "ent": add_member(s, ent, "officer"),
            "bank": add_member(s, bank, "officer"),
            "op": add_member(s, op, "officer"),
        }
    yield members
    db.dispose()


def _username(var_dir: Path, m: Member) -> str:
    from chanrong.identity import service as identity

    db = Database(f"sqlite:///{var_dir / 'chanrong.db'}")
    try:
        with db.unit_of_work() as s:
            return next(
                u.username for u in identity.list_users_unchecked(s, m.org_id) if u.id == m.user_id
            )
    finally:
        db.dispose()


def test_consent_catalog_and_log_from_the_command_line(
    var_dir: Path, people: dict[str, Member], tmp_path: Path
) -> None:
    ent, bank, op = people["ent"], people["bank"], people["op"]
    ent_user, op_user = _username(var_dir, ent), _username(var_dir, op)
    out = _run([
        "consent", "grant", "--as-org", "甲工厂", "--as-user", ent_user, "--grantee", bank.org_id,
        "--categories", "production,management", "--max-grade", "2",
        "--purpose", "credit_assessment", "--days", "30",
    ])  # fmt: skip
    grant_id = out.strip().splitlines()[-1]
    assert "granted" in out and len(grant_id) == 36
    bad = _run([
        "consent", "grant", "--as-org", "甲工厂", "--as-user", ent_user, "--grantee", bank.org_id,
        "--categories", "production", "--max-grade", "2", "--purpose", "gambling",
    ], code=2)  # fmt: skip
    assert "purpose" in bad and "Traceback" not in bad
    bad = _run([
        "consent", "grant", "--as-org", "甲工厂", "--as-user", ent_user, "--grantee", bank.org_id,
        "--categories", "management", "--max-grade", "2", "--purpose", "credit_assessment",
        "--datasets", "business.orders,telemetry.equipment",
    ], code=2)  # fmt: skip
    assert "datasets" in bad and "telemetry.equipment" in bad and "Traceback" not in bad
    assert "live" in _run(["consent", "list", "--as-org", ent.org_id, "--as-user", ent_user])

    assert "19 standard datasets" in _run(
        ["catalog", "register", "--org", ent.org_id, "--defaults"]
    )
    listing = _run(["catalog", "list", "--org", ent.org_id])
    assert "telemetry.equipment" in listing and "suggested" in listing
    entry_id = _run([
        "catalog", "register", "--org", ent.org_id, "--name", "plant.recipes",
        "--column", "formula:text",
    ]).strip().splitlines()[-1]  # fmt: skip
    refused = _run(["catalog", "classify", entry_id, "--as-org", "平台", "--as-user", op_user,
                    "--grade", "2"], code=2)  # fmt: skip
    assert "reason" in refused
    done = _run(["catalog", "classify", entry_id, "--as-org", "平台", "--as-user", op_user,
                 "--grade", "2", "--reason", "published recipe"])  # fmt: skip
    assert "grade 2" in done
    assert "formula" in _run(["catalog", "suggest", "x.recipes", "--column", "formula"])

    assert "revoked" in _run(["consent", "revoke", grant_id, "--as-org", ent.org_id,
                              "--as-user", ent_user, "--reason", "done"])  # fmt: skip

    head = _json(_run(["log", "head"]))
    assert head["size"] == 23  # grant, 19 defaults, 1 dataset, 1 override, 1 revoke
    (tmp_path / "head.json").write_text(json.dumps(head))
    (tmp_path / "proof.json").write_text(json.dumps(_json(_run(["log", "proof", "0"]))))
    pem = _run(["log", "public-key"])
    (tmp_path / "key.pem").write_text(pem[pem.index("-----BEGIN") :])
    ok = _run(["log", "check-proof", str(tmp_path / "proof.json"), "--head",
               str(tmp_path / "head.json"), "--public-key", str(tmp_path / "key.pem")])  # fmt: skip
    assert "entry 0 is in the signed tree of size 23" in ok
    consistency = _json(_run(["log", "consistency", "5"]))
    assert consistency["old_size"] == 5 and consistency["new_size"] == 23
    # A bank that kept the head of size 23 checks a later head extends it.
    _run(["consent", "grant", "--as-org", "甲工厂", "--as-user", ent_user, "--grantee",
          bank.org_id, "--categories", "production", "--max-grade", "1",
          "--purpose", "leasing_billing"])  # fmt: skip
    newer = _json(_run(["log", "head"]))
    (tmp_path / "newer.json").write_text(json.dumps(newer))
    (tmp_path / "cons.json").write_text(json.dumps(_json(_run(["log", "consistency", "23"]))))
    extends = _run(["log", "check-consistency", str(tmp_path / "cons.json"), "--old",
                    str(tmp_path / "head.json"), "--new", str(tmp_path / "newer.json"),
                    "--public-key", str(tmp_path / "key.pem")])  # fmt: skip
    assert f"the tree of size {newer['size']} extends the one of size 23" in extends
    forged = {**head, "root_hash": "00" * 32}
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    refused = _run(["log", "check-consistency", str(tmp_path / "cons.json"), "--old",
                    str(tmp_path / "forged.json"), "--new", str(tmp_path / "newer.json"),
                    "--public-key", str(tmp_path / "key.pem")], code=2)  # fmt: skip
    assert "signature does not verify" in refused
    assert "log verified" in _run(["log", "verify", "--public-key", str(tmp_path / "key.pem")])

    # Someone edits an entry in the database: verify fails and says where.
    db = Database(f"sqlite:///{var_dir / 'chanrong.db'}")
    with db.unit_of_work() as s:
        row = s.get(LogEntryRow, 3)
        assert row is not None
        s.execute(update(LogEntryRow).where(LogEntryRow.index == 3).values(data=row.data + " "))
    db.dispose()
    failed = _run(["log", "verify", "--checkpoint", str(tmp_path / "head.json")], code=1)
    assert "altered" in failed and "log verification failed" in failed
    missing = _run(["log", "verify", "--checkpoint", str(tmp_path / "nope.json")], code=2)
    assert "checkpoint" in missing


def test_export_package_verifies_from_the_command_line(
    var_dir: Path, people: dict[str, Member], tmp_path: Path
) -> None:
    ent, bank = people["ent"], people["bank"]
    db = Database(f"sqlite:///{var_dir / 'chanrong.db'}")
    signer = keys.load_or_create(var_dir)
    with db.unit_of_work() as s:
        from tests.governance.builders import grant

        grant(s, ent, bank.org_id, categories=("management",))
        result = governance.export_package(
            s,
            principal(s, bank),
            signer,
            owner_org_id=ent.org_id,
            datasets=["business.orders"],
            purpose=governance.Purpose.CREDIT_ASSESSMENT,
            files={"orders.csv": b"order_id,amount_fen\nA1,100\n"},
        )
    db.dispose()
    pkg = tmp_path / result.filename
    pkg.write_bytes(result.package)
    (tmp_path / "key.txt").write_text(signer.public_b64)
    out = _run(["log", "verify-export", str(pkg), "--public-key", str(tmp_path / "key.txt")])
    assert "package verified" in out and "1 files" in out
    src = zipfile.ZipFile(io.BytesIO(result.package))
    forged = io.BytesIO()
    with zipfile.ZipFile(forged, "w") as dst:
        for name in src.namelist():
            dst.writestr(name, src.read(name).replace(b"A1,100", b"A1,900"))
    pkg.write_bytes(forged.getvalue())
    bad = _run(
        ["log", "verify-export", str(pkg), "--public-key", str(tmp_path / "key.txt")], code=1
    )
    assert "orders.csv: contents do not match the manifest hash" in bad

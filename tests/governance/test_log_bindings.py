"""Tamper evidence beyond the log's own bytes: `log verify` needs a trusted anchor, and the
consent grants and access records are bound to their log leaves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import get_settings
from chanrong.governance import keys
from chanrong.governance import service as governance
from chanrong.governance.domain import Purpose
from chanrong.governance.orm import AccessRecordRow, ConsentGrant
from chanrong.storage.database import Database
from tests.builders import Member, add_member, add_org
from tests.governance.builders import grant, principal

runner = CliRunner()


def _run(args: list[str], code: int = 0) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def world(var_dir: Path, tmp_path: Path) -> Iterator[tuple[Database, Path, str, str]]:
    """A database with one revoked grant, one live one and a granted read; the key file."""
    _run(["db", "upgrade"])
    db = Database(f"sqlite:///{var_dir / 'chanrong.db'}")
    with db.unit_of_work() as s:
        ent = add_org(s, "enterprise", name="甲工厂")
        bank = add_org(s, "financial_institution", name="乙银行")
        owner: Member = add_member(s, ent, "officer")
        reader: Member = add_member(s, bank, "officer")
    with db.unit_of_work() as s:
        revoked = grant(s, owner, bank, categories=("management",))
        governance.revoke_consent(s, principal(s, owner), revoked.id, reason="repaid")
        live = grant(s, owner, bank, categories=("production",))
        governance.authorize_read(
            s, principal(s, reader), owner_org_id=ent, dataset="telemetry.equipment",
            purpose=Purpose.CREDIT_ASSESSMENT,
        )  # fmt: skip
        revoked_id, live_id = revoked.id, live.id
    key = tmp_path / "key.pem"
    key.write_text(keys.load_or_create(get_settings().var_dir).public_pem)
    yield db, key, revoked_id, live_id
    db.dispose()


def test_verify_without_a_trusted_anchor_refuses_and_says_so(
    world: tuple[Database, Path, str, str],
) -> None:
    out = _run(["log", "verify"], code=2)
    assert "no trusted anchor" in out and "Nothing was verified" in out
    _, key, _, _ = world
    assert "log verified" in _run(["log", "verify", "--public-key", str(key)])


def test_reviving_a_revoked_grant_is_detected(world: tuple[Database, Path, str, str]) -> None:
    db, key, revoked_id, _ = world
    with db.unit_of_work() as s:
        s.execute(
            update(ConsentGrant)
            .where(ConsentGrant.id == revoked_id)
            .values(revoked_at=None, revoke_log_index=None, revoked_by_user_id=None)
        )
    out = _run(["log", "verify", "--public-key", str(key)], code=1)
    assert "binding" in out and revoked_id in out


def test_widening_a_grant_is_detected(world: tuple[Database, Path, str, str]) -> None:
    db, key, _, live_id = world
    with db.unit_of_work() as s:
        s.execute(
            update(ConsentGrant)
            .where(ConsentGrant.id == live_id)
            .values(categories=["production", "management"], max_grade=3)
        )
    out = _run(["log", "verify", "--public-key", str(key)], code=1)
    assert "terms differ" in out


def test_editing_or_deleting_an_access_record_is_detected(
    world: tuple[Database, Path, str, str],
) -> None:
    db, key, _, _ = world
    with db.unit_of_work() as s:
        s.execute(update(AccessRecordRow).values(dataset="telemetry.energy"))
    assert "differs from its log entry" in _run(["log", "verify", "--public-key", str(key)], code=1)
    with db.unit_of_work() as s:
        s.query(AccessRecordRow).delete()
    assert "access record is missing" in _run(["log", "verify", "--public-key", str(key)], code=1)


def test_after_a_key_rotation_old_heads_still_verify(
    world: tuple[Database, Path, str, str], tmp_path: Path
) -> None:
    _, old_key, _, _ = world
    _run(["log", "head"])  # signed with the first key
    out = _run(["log", "rotate-key"])
    new_key = tmp_path / "new.pem"
    new_key.write_text(out[out.index("-----BEGIN") :])
    assert new_key.read_text() != old_key.read_text()
    _run(["log", "head"])  # the same tree, now signed with the new key too
    only_new = _run(["log", "verify", "--public-key", str(new_key)], code=1)
    assert "signature" in only_new
    both = _run(["log", "verify", "--public-key", str(old_key), "--public-key", str(new_key)])
    assert "log verified" in both
    # The retired key can sign nothing more: its private half is gone.
    retired = list((get_settings().var_dir / "keys" / "retired").glob("*.pem"))
    assert len(retired) == 1 and "PRIVATE" not in retired[0].read_text()

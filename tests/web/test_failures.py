"""A refused console action rolls back what the use case had flushed before the page answers."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, ValidationFailed
from chanrong.core.settings import Settings
from chanrong.edge import Ctx
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.storage.database import Database
from chanrong.web.auth import Page
from chanrong.web.failures import failed


def _page(session: Session, settings: Settings, locale: str) -> Page:
    principal = Principal("u", "o", OrgKind.PLATFORM_OPERATOR, frozenset({Role.ADMIN}))
    ctx = Ctx(principal=principal, session=session, settings=settings, locale=locale, request_id="")
    return Page(ctx=ctx, locale=locale, csrf="", org_name="", user_name="")


def test_failed_rolls_back_and_names_the_field(db: Database, settings: Settings) -> None:
    with db.unit_of_work() as s:
        identity.create_organisation(
            s, name="半途 Halfway", kind="analyst", analyst_type="research"
        )
        s.flush()  # the refused use case had already written this much
        shown = failed(
            _page(s, settings, "en"),
            ValidationFailed("amount: too large", field="amount"),
            "/console/x",
        )
        # The unit of work commits when the page returns: nothing of the refused action remains.
    assert shown["status_code"] == 422
    assert "amount" in shown["error"] and "too large" in shown["error"]
    with db.unit_of_work() as s:
        assert [o.name for o in identity.all_organisations(s)] == []


def test_failed_keeps_the_errors_status(db: Database, settings: Settings) -> None:
    with db.unit_of_work() as s:
        shown = failed(_page(s, settings, "zh-CN"), Conflict("already reviewed"), "/console/x")
    assert shown == {"status_code": 409, "error": "already reviewed"}

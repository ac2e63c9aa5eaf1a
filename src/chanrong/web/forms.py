"""Turning domain errors into the plain words a console form shows beside its fields."""

from __future__ import annotations

from chanrong.core.errors import ChanrongError, ConsentRequired
from chanrong.core.i18n import t


def problem_text(exc: ChanrongError, locale: str) -> str:
    """The error as one sentence; the field it concerns is named first when there is one."""
    if isinstance(exc, ConsentRequired):
        return t("web.error.consent", locale)
    if exc.field:
        detail = exc.detail
        prefix = f"{exc.field}: "
        if detail.startswith(prefix):
            detail = detail[len(prefix) :]
        return t("web.error.field", locale, field=exc.field, detail=detail)
    return exc.detail

"""Turning domain errors into the plain words a console form shows beside its fields."""

from __future__ import annotations

from typing import Any

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


def reason_texts(app: Any, locale: str) -> list[str]:
    """The decision's reasons in the reader's language."""
    out = []
    for r in app.reasons or []:
        text = r.get("text") if isinstance(r, dict) else None
        if isinstance(text, dict):
            out.append(str(text.get(locale) or text.get("zh-CN") or r.get("code", "")))
        elif isinstance(r, dict):
            out.append(str(r.get("code", "")))
    return out

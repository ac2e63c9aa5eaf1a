"""What every CLI command shares: settings, the database, plain-worded errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session

from chanrong.core.errors import ChanrongError
from chanrong.core.settings import Settings, get_settings
from chanrong.storage.database import Database

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def settings() -> Settings:
    return get_settings()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One transaction for one CLI command: all of it happens or none of it."""
    db = Database(settings().effective_database_url)
    try:
        with db.unit_of_work() as session:
            yield session
    finally:
        db.dispose()


def friendly_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Print a chanrong error in plain words (naming the field) and exit 2, no traceback."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ChanrongError as exc:
            detail = exc.detail
            if exc.field and not detail.startswith(exc.field):
                detail = f"{exc.field}: {detail}"
            err_console.print(f"[bold red]error:[/] {escape(detail)}", highlight=False)
            raise typer.Exit(code=2) from None

    return wrapper


def print_json(data: Any) -> None:
    console.print_json(data=data, ensure_ascii=False, default=str)

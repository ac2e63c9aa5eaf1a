"""What every CLI command shares: settings, the database, plain-worded errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from functools import wraps
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.orm import Session

from chanrong.core.errors import ChanrongError, ConsentRequired, NotFound, ValidationFailed
from chanrong.core.settings import Settings, get_settings
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from chanrong.storage.database import Database

console = Console()
err_console = Console(stderr=True)

# The acting organisation and user of a command run on someone's behalf (see acting_principal).
OrgOpt = Annotated[str, typer.Option("--org", help="Acting organisation: id, USCC or name")]
UserOpt = Annotated[str, typer.Option("--user", help="Acting user's username")]

# Who the running command acts as, once known: a refused read is kept for its owner under it.
_acting: ContextVar[Principal | None] = ContextVar("chanrong_cli_acting", default=None)
# Keeps a refused read (governance's ``record_denial``); the cli installs it, because the edge
# sits below the domains and may not import governance itself.
DenialKeeper = Callable[[Session, Principal, ConsentRequired, str], object]
_denial_keeper: list[DenialKeeper] = []


def keep_refusals_with(keeper: DenialKeeper) -> None:
    """Install the function that records a refused read of an enterprise's data."""
    _denial_keeper[:] = [keeper]


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
            if isinstance(exc, ConsentRequired):
                _keep_denial(exc, f"cli: {fn.__module__}.{fn.__qualname__}")
            detail = exc.detail
            if exc.field and not detail.startswith(exc.field):
                detail = f"{exc.field}: {detail}"
            err_console.print(f"[bold red]error:[/] {escape(detail)}", highlight=False)
            raise typer.Exit(code=2) from None

    return wrapper


def _keep_denial(exc: ConsentRequired, route: str) -> None:
    """Keep a refused read for the enterprise whose data it was, in a transaction of its own
    (the command's rolled back), as the API does. The refusal is reported whatever happens."""
    principal = _acting.get()
    if principal is None or not _denial_keeper:
        return
    try:
        with unit_of_work() as session:
            _denial_keeper[0](session, principal, exc, route)
    except ChanrongError:
        err_console.print("[yellow]warning:[/] the refusal could not be recorded")


def print_json(data: Any) -> None:
    console.print_json(data=data, ensure_ascii=False, default=str)


def acting_principal(session: Session, org: str, user: str) -> Principal:
    """The principal a command acts as: ``org`` by id, USCC or name, and its active ``user``."""
    o = (
        identity.find_organisation(session, org)
        or identity.find_enterprise_by_uscc(session, org.upper())
        or identity.find_organisation_by_name(session, org)
    )
    if o is None:
        raise NotFound(f"org: no organisation {org!r}", field="org")
    u = next((x for x in identity.list_users_unchecked(session, o.id) if x.username == user), None)
    if u is None or not u.active:
        raise NotFound(f"user: no active user {user!r} in {o.name}", field="user")
    principal = identity.principal_of(u, o)
    _acting.set(principal)
    return principal


def parse_day(value: str, field: str) -> date:
    """An ISO date given on the command line, or an error naming ``field``."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            f"{field}: {value!r} is not a date like 2025-01-31", field=field
        ) from None

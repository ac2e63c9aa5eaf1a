"""``chanrong catalog|consent`` commands: the data catalog (分类分级) and consent grants."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from chanrong.core.clock import utcnow
from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.edge.commands import (
    console,
    friendly_errors,
    unit_of_work,
)
from chanrong.governance import service
from chanrong.governance.classification import suggest
from chanrong.governance.domain import CATEGORY_LABELS, NATIONAL_LEVEL_OF_GRADE, Category, Grade
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal

catalog_app = typer.Typer(
    help="Data catalog 数据目录 (分类分级)",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
consent_app = typer.Typer(
    help="Consent grants 授权", no_args_is_help=True, pretty_exceptions_show_locals=False
)


def _as(session: Any, org: str, username: str) -> Principal:
    """The principal of a named user, so CLI actions are recorded against a person."""
    found = identity.find_organisation(session, org) or identity.find_organisation_by_name(
        session, org
    )
    if found is None:
        raise NotFound(f"organisation {org} not found", field="org")
    for user in identity.list_users_unchecked(session, found.id):
        if user.username == username:
            return identity.principal_of(user, found)
    raise NotFound(f"user {username} not found in {found.name}", field="user")


# --- catalog --------------------------------------------------------------------------------


@catalog_app.command("list")
@friendly_errors
def catalog_list(
    org: Annotated[str | None, typer.Option(help="Owner organisation id (default: all)")] = None,
) -> None:
    """List catalog entries with category, grade and whether an operator confirmed them."""
    with unit_of_work() as session:
        rows = service.list_catalog(session, _operator(), org)
        table = Table(
            "id", "owner", "dataset", "category", "grade", "level", "quality", "confirmed"
        )
        for e in rows:
            level = NATIONAL_LEVEL_OF_GRADE[Grade(e.grade)].value
            table.add_row(
                e.id,
                e.owner_org_id[:8],
                e.name,
                f"{e.category} {CATEGORY_LABELS[Category(e.category)]}",
                str(e.grade),
                level,
                "" if e.quality_score is None else str(e.quality_score),
                "yes" if e.confirmed else "suggested",
            )
        console.print(table)


@catalog_app.command("suggest")
@friendly_errors
def catalog_suggest(
    name: Annotated[str, typer.Argument(help="Dataset name, e.g. telemetry.sensors")],
    description: Annotated[str, typer.Option()] = "",
    column: Annotated[list[str] | None, typer.Option(help="A schema column; repeatable")] = None,
) -> None:
    """Show the category and grade the rules suggest, and why."""
    s = suggest(name, description=description, schema={c: "" for c in column or []})
    console.print(
        f"{name}: [bold]{s.category.value}[/] {CATEGORY_LABELS[s.category]}, grade "
        f"[bold]{int(s.grade)}[/] ({NATIONAL_LEVEL_OF_GRADE[s.grade].value})"
    )
    for reason in s.reasons:
        console.print(f"  • {reason}")


@catalog_app.command("register")
@friendly_errors
def catalog_register(
    org: Annotated[str, typer.Option(help="Owner enterprise id")],
    name: Annotated[str, typer.Option(help="Dataset name (unless --defaults)")] = "",
    description: Annotated[str, typer.Option()] = "",
    source: Annotated[str, typer.Option()] = "",
    column: Annotated[list[str] | None, typer.Option(help="name:type; repeatable")] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Register every standard dataset instead")
    ] = False,
) -> None:
    """Add a dataset (or the standard ones) to an enterprise's catalog, classified by the rules."""
    schema = {c.partition(":")[0]: c.partition(":")[2] for c in column or []}
    with unit_of_work() as session:
        if defaults:
            entries = service.ensure_default_catalog(session, org)
            console.print(f"[green]{len(entries)} standard datasets[/] in the catalog of {org}")
            return
        entry = service.register_dataset(
            session,
            None,
            owner_org_id=org,
            name=name,
            description=description,
            source=source,
            schema=schema,
        )
        console.print(
            f"[green]registered[/] {entry.name}: suggested {entry.category} grade {entry.grade}"
        )
        typer.echo(entry.id)


@catalog_app.command("classify")
@friendly_errors
def catalog_classify(
    entry: Annotated[str, typer.Argument(help="Catalog entry id")],
    org: Annotated[str, typer.Option("--as-org", help="Operator organisation (id or name)")],
    user: Annotated[str, typer.Option("--as-user", help="Operator username")],
    category: Annotated[str | None, typer.Option(help="New category (omit to keep)")] = None,
    grade: Annotated[int | None, typer.Option(help="New grade 1-3 (omit to keep)")] = None,
    reason: Annotated[str, typer.Option(help="Why (required when changing)")] = "",
) -> None:
    """Confirm the suggested classification, or override it with a reason."""
    with unit_of_work() as session:
        who = _as(session, org, user)
        e = service.classify(session, who, entry, category=category, grade=grade, reason=reason)
        console.print(f"[green]{e.name}[/]: {e.category} grade {e.grade} (confirmed by {user})")


def _operator() -> Principal:
    # The CLI runs with the database's own authority; reads are scoped like the operator's.
    from chanrong.identity.domain import OrgKind, Role

    return Principal(
        user_id="cli",
        org_id="cli",
        org_kind=OrgKind.PLATFORM_OPERATOR,
        roles=frozenset({Role.VIEWER}),
    )


# --- consent --------------------------------------------------------------------------------


@consent_app.command("grant")
@friendly_errors
def consent_grant(
    org: Annotated[str, typer.Option("--as-org", help="The granting enterprise (id or name)")],
    user: Annotated[str, typer.Option("--as-user", help="Its admin or officer (username)")],
    grantee: Annotated[str, typer.Option(help="Financial institution id")],
    categories: Annotated[str, typer.Option(help="Comma-separated, e.g. production,management")],
    max_grade: Annotated[int, typer.Option(help="Highest grade granted (1-3)")],
    purpose: Annotated[str, typer.Option(help="credit_assessment, post_loan_monitoring, …")],
    days: Annotated[int, typer.Option(help="Valid for this many days from now")] = 90,
    datasets: Annotated[
        str | None,
        typer.Option(help="Only these catalog datasets, comma-separated (default: all of them)"),
    ] = None,
) -> None:
    """Grant an institution access to categories up to a grade, for a purpose and period."""
    if days < 1:
        raise ValidationFailed("days: at least 1", field="days")
    named = None if datasets is None else [d.strip() for d in datasets.split(",") if d.strip()]
    with unit_of_work() as session:
        who = _as(session, org, user)
        grant = service.grant_consent(
            session,
            who,
            grantee_org_id=grantee,
            categories=[c.strip() for c in categories.split(",") if c.strip()],
            max_grade=max_grade,
            purpose=purpose,
            valid_from=None,
            valid_until=utcnow() + timedelta(days=days),
            datasets=named,
        )
        console.print(
            f"[green]granted[/] {grant.id} until {grant.valid_until:%Y-%m-%d} "
            f"(log entry {grant.log_index})"
        )
        typer.echo(grant.id)


@consent_app.command("revoke")
@friendly_errors
def consent_revoke(
    grant: Annotated[str, typer.Argument(help="Grant id")],
    org: Annotated[str, typer.Option("--as-org", help="The granting enterprise (id or name)")],
    user: Annotated[str, typer.Option("--as-user", help="Its admin or officer (username)")],
    reason: Annotated[str, typer.Option()] = "",
) -> None:
    """Revoke a grant now."""
    with unit_of_work() as session:
        who = _as(session, org, user)
        g = service.revoke_consent(session, who, grant, reason=reason)
        console.print(f"[green]revoked[/] {g.id} (log entry {g.revoke_log_index})")


@consent_app.command("list")
@friendly_errors
def consent_list(
    org: Annotated[str, typer.Option("--as-org", help="Organisation (id or name)")],
    user: Annotated[str, typer.Option("--as-user", help="Username")],
) -> None:
    """Grants the organisation gave or received, with their status."""
    with unit_of_work() as session:
        who = _as(session, org, user)
        table = Table(
            "id", "owner", "grantee", "categories", "max grade", "purpose", "until", "status"
        )
        for g in service.list_grants(session, who):
            table.add_row(
                g.id,
                g.owner_org_id[:8],
                g.grantee_org_id[:8],
                ",".join(g.categories),
                str(g.max_grade),
                g.purpose,
                f"{g.valid_until:%Y-%m-%d}",
                service.grant_status(g),
            )
        console.print(table)


@consent_app.command("access")
@friendly_errors
def consent_access(
    org: Annotated[str, typer.Option("--as-org", help="The enterprise (id or name)")],
    user: Annotated[str, typer.Option("--as-user", help="Username")],
    limit: Annotated[int, typer.Option()] = 50,
) -> None:
    """Who accessed the enterprise's data, when and why."""
    with unit_of_work() as session:
        who = _as(session, org, user)
        rows = service.list_access(session, who, limit=limit)
        names = identity.organisation_names(session, [r.accessor_org_id for r in rows])
        table = Table("when (UTC)", "who", "dataset", "grade", "purpose", "grant", "log")
        for r in rows:
            table.add_row(
                f"{r.at:%Y-%m-%d %H:%M:%S}",
                names.get(r.accessor_org_id, r.accessor_org_id),
                r.dataset,
                str(r.grade),
                r.purpose,
                (r.grant_id or "")[:8],
                str(r.log_index),
            )
        console.print(table)


@consent_app.command("denied")
@friendly_errors
def consent_denied(
    org: Annotated[str, typer.Option("--as-org", help="The enterprise (id or name)")],
    user: Annotated[str, typer.Option("--as-user", help="Username")],
    limit: Annotated[int, typer.Option()] = 50,
) -> None:
    """Who tried to read the enterprise's data and was refused, from the API, the console or
    the command line (newest first)."""
    with unit_of_work() as session:
        who = _as(session, org, user)
        rows = service.list_denials(session, who, limit=limit)
        names = identity.organisation_names(session, [r.accessor_org_id for r in rows])
        table = Table("when (UTC)", "who", "dataset", "purpose", "reason", "from")
        for r in rows:
            table.add_row(
                f"{r.at:%Y-%m-%d %H:%M:%S}",
                names.get(r.accessor_org_id, r.accessor_org_id),
                r.dataset,
                r.purpose or "",
                r.reason,
                r.route,
            )
        console.print(table)

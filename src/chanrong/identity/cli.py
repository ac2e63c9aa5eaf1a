"""``chanrong org|user|apikey`` commands."""

from __future__ import annotations

from typing import Annotated

import typer

from chanrong.edge.commands import console, friendly_errors, unit_of_work
from chanrong.identity import service

org_app = typer.Typer(
    help="Organisations 机构", no_args_is_help=True, pretty_exceptions_show_locals=False
)
user_app = typer.Typer(help="Users 用户", no_args_is_help=True, pretty_exceptions_show_locals=False)
apikey_app = typer.Typer(
    help="API keys 密钥", no_args_is_help=True, pretty_exceptions_show_locals=False
)


@org_app.command("create")
@friendly_errors
def org_create(
    name: Annotated[str, typer.Option(help="Organisation name")],
    kind: Annotated[
        str, typer.Option(help="enterprise | financial_institution | platform_operator | analyst")
    ],
    uscc: Annotated[str | None, typer.Option(help="统一社会信用代码 (enterprises)")] = None,
    core: Annotated[bool, typer.Option("--core", help="核心企业")] = False,
    institution_type: Annotated[str | None, typer.Option(help="bank | insurer | lessor")] = None,
    analyst_type: Annotated[str | None, typer.Option(help="government | research")] = None,
    industry: Annotated[str | None, typer.Option(help="GB/T 4754-2017 code, e.g. C34")] = None,
    region: Annotated[str | None, typer.Option(help="GB/T 2260 code, e.g. 330500")] = None,
) -> None:
    """Register an organisation."""
    with unit_of_work() as session:
        org = service.create_organisation(
            session,
            name=name,
            kind=kind,
            uscc=uscc,
            is_core=core,
            institution_type=institution_type,
            analyst_type=analyst_type,
            industry_code=industry,
            region_code=region,
        )
        console.print(f"[green]created[/] organisation {org.id} ({org.kind}) {org.name}")
        typer.echo(org.id)


@org_app.command("list")
@friendly_errors
def org_list() -> None:
    """List organisations."""
    from rich.table import Table

    with unit_of_work() as session:
        table = Table("id", "name", "kind", "uscc", "core")
        for o in service.all_organisations(session):
            table.add_row(o.id, o.name, o.kind, o.uscc or "", "yes" if o.is_core else "")
        console.print(table)


@user_app.command("create")
@friendly_errors
def user_create(
    org: Annotated[str, typer.Option(help="Organisation id")],
    username: Annotated[str, typer.Option()],
    roles: Annotated[str, typer.Option(help="Comma-separated: admin,officer,viewer")] = "viewer",
    display_name: Annotated[str | None, typer.Option()] = None,
    password: Annotated[
        str | None, typer.Option(help="For console sign-in (min 8 characters)")
    ] = None,
) -> None:
    """Add a user to an organisation."""
    with unit_of_work() as session:
        user = service.create_user(
            session,
            org_id=org,
            username=username,
            roles=roles,
            display_name=display_name,
            password=password,
        )
        console.print(f"[green]created[/] user {user.id} {user.username} roles={user.roles}")
        typer.echo(user.id)


@apikey_app.command("create")
@friendly_errors
def apikey_create(
    user: Annotated[str, typer.Option(help="User id")],
    name: Annotated[str, typer.Option()] = "cli",
) -> None:
    """Issue an API key for a user; the key is printed once."""
    with unit_of_work() as session:
        key, raw = service.create_api_key(session, user_id=user, name=name)
        console.print(f"[green]created[/] API key {key.id} (prefix {key.prefix}); store it now:")
        typer.echo(raw)

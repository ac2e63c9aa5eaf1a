"""``chanrong demo``: seed a small park and start the API, on embedded defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from chanrong.cli.common import console, friendly_errors, settings, unit_of_work
from chanrong.core.uscc import make_uscc
from chanrong.identity import service as identity
from chanrong.storage import migrate

DEMO_PASSWORD = "chanrong-demo"  # noqa: S105 (published demo sign-in)


@dataclass(frozen=True)
class DemoOrg:
    key: str
    name: str
    kind: str
    uscc: str | None = None
    is_core: bool = False
    institution_type: str | None = None
    analyst_type: str | None = None
    industry: str | None = None
    region: str | None = None
    roles: str = "admin"


def _uscc(region: str, body: str) -> str:
    return make_uscc("9", "1", region, body).code


DEMO_ORGS = (
    DemoOrg(
        "operator",
        "湖州工业互联网平台 Huzhou IIoT Platform",
        "platform_operator",
        uscc=None,
        region="330500",
    ),
    DemoOrg(
        "core",
        "浙北机电集团 Zhebei Electromechanical Group",
        "enterprise",
        uscc=_uscc("330500", "MA2B0C1D"),
        is_core=True,
        industry="C34",
        region="330500",
    ),
    DemoOrg(
        "supplier",
        "吴兴精密零件 Wuxing Precision Parts",
        "enterprise",
        uscc=_uscc("330502", "MA2B0C2E"),
        industry="C33",
        region="330500",
    ),
    DemoOrg(
        "sewing",
        "织里童装制衣 Zhili Kidswear",
        "enterprise",
        uscc=_uscc("330502", "MA2B0C3F"),
        industry="C18",
        region="330500",
    ),
    DemoOrg(
        "bank",
        "湖州科创银行 Huzhou Sci-Tech Bank",
        "financial_institution",
        institution_type="bank",
        region="330500",
        roles="officer",
    ),
    DemoOrg(
        "insurer",
        "安吉财产保险 Anji Property Insurance",
        "financial_institution",
        institution_type="insurer",
        region="330500",
        roles="officer",
    ),
    DemoOrg(
        "lessor",
        "太湖设备租赁 Taihu Equipment Leasing",
        "financial_institution",
        institution_type="lessor",
        region="330500",
        roles="officer",
    ),
    DemoOrg(
        "analyst",
        "湖州市经信局 Huzhou Bureau of Economy and IT",
        "analyst",
        analyst_type="government",
        region="330500",
        roles="viewer",
    ),
)


def seed_park(session: Session) -> list[tuple[DemoOrg, str, str, str]]:
    """Create (or find) the demo organisations and users; issue each a fresh API key.

    Returns (org, org id, username, raw key) rows. Safe to run again: keys are shown once,
    so a second run issues new ones.
    """
    rows = []
    for d in DEMO_ORGS:
        org = identity.find_enterprise_by_uscc(session, d.uscc) if d.uscc else None
        org = org or identity.find_organisation_by_name(session, d.name)
        if org is None:
            org = identity.create_organisation(
                session,
                name=d.name,
                kind=d.kind,
                uscc=d.uscc,
                is_core=d.is_core,
                institution_type=d.institution_type,
                analyst_type=d.analyst_type,
                industry_code=d.industry,
                region_code=d.region,
            )
        username = f"{d.key}-{d.roles}"
        users = {u.username: u for u in identity.list_users_unchecked(session, org.id)}
        user = users.get(username) or identity.create_user(
            session, org_id=org.id, username=username, roles=d.roles, password=DEMO_PASSWORD
        )
        _, raw = identity.create_api_key(session, user_id=user.id, name="demo")
        rows.append((d, org.id, username, raw))
    return rows


@friendly_errors
def demo(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the API after")] = True,
    port: Annotated[int | None, typer.Option(help="API port")] = None,
) -> None:
    """Seed a small demo park of organisations and users, print sign-ins, start the API."""
    s = settings()
    url = s.effective_database_url
    with console.status("migrating the database…"):
        migrate.upgrade(url)
    with console.status("seeding the demo park…"), unit_of_work() as session:
        rows = seed_park(session)
    api_port = port or s.api_port
    base = f"http://{s.api_host}:{api_port}"
    table = Table(title="demo sign-ins 演示账号", show_lines=False)
    for col in ("role", "organisation", "username / password", "API key"):
        table.add_column(col, overflow="fold")
    for d, _org_id, username, raw in rows:
        table.add_row(d.key, d.name, f"{username} / {DEMO_PASSWORD}", raw)
    console.print(table)
    console.print(f"API:      {base}   (OpenAPI: {base}/docs)")
    console.print(f"try:      curl -H 'Authorization: Bearer {rows[0][3]}' {base}/organisations")
    if serve:
        import uvicorn

        from chanrong.api.app import create_app

        uvicorn.run(create_app(s), host=s.api_host, port=api_port, log_level="warning")

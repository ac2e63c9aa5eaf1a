"""The ``chanrong`` command: one Typer app, each domain adds its commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chanrong.assets.cli import app as assets_app
from chanrong.carbon.cli import app as carbon_app
from chanrong.cli import (
    assets_demo,
    carbon_demo,
    credit_demo,
    credit_models,
    guarantee_demo,
    insurance_demo,
    lending_demo,
    supplychain_demo,
)
from chanrong.cli import demo as demo_cmd
from chanrong.cli import park as park_cmd
from chanrong.credit.cli import app as credit_app
from chanrong.edge.commands import console, friendly_errors, keep_refusals_with, settings
from chanrong.federated.cli import app as federated_app
from chanrong.funds.cli import app as funds_app
from chanrong.governance import service as governance
from chanrong.governance.cli import log_app
from chanrong.governance.data_cli import catalog_app, consent_app
from chanrong.guarantee.cli import app as guarantee_app
from chanrong.identity.cli import apikey_app, org_app, user_app
from chanrong.insurance.cli import app as insurance_app
from chanrong.jobs.cli import jobs_app
from chanrong.jobs.cli import worker as worker_cmd
from chanrong.leasing.cli import app as lease_app
from chanrong.lending.cli import loans_app
from chanrong.market.cli import market_app
from chanrong.simulate.cli import simulate as simulate_cmd
from chanrong.supplychain.cli import scf_app
from chanrong.telemetry import cli as telemetry_cli

# A command refused a read of an enterprise's data keeps the refusal for that enterprise.
keep_refusals_with(lambda s, p, e, route: governance.record_denial(s, p, e, route=route))

app = typer.Typer(
    name="chanrong",
    help="产融 chanrong: industrial operating data as trusted evidence for finance.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(
    help="Database schema", no_args_is_help=True, pretty_exceptions_show_locals=False
)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(user_app, name="user")
app.add_typer(apikey_app, name="apikey")
app.add_typer(loans_app, name="loans")
# Lending on a simulated park: demo and evaluation, kept out of the lending domain.
loans_app.command("evaluate")(lending_demo.evaluate)
loans_app.command("demo")(lending_demo.demo)
app.add_typer(log_app, name="log")
app.add_typer(catalog_app, name="catalog")
app.add_typer(consent_app, name="consent")
# ``scf story`` is the demo's: it lives above the domain, which never imports the demo.
scf_app.command("story")(supplychain_demo.story)
app.add_typer(scf_app, name="scf")
app.command("demo")(demo_cmd.demo)
app.add_typer(market_app, name="market")
credit_demo.attach(credit_app)  # the park commands: above the domains, under `credit`
credit_models.attach(credit_app)  # training on platform outcomes reads lending's bookings
app.add_typer(credit_app, name="credit")
app.command("import")(telemetry_cli.import_file)
app.command("import-template")(telemetry_cli.import_template)
app.add_typer(telemetry_cli.ingest_app, name="ingest")
app.add_typer(telemetry_cli.connect_app, name="connect")
app.add_typer(telemetry_cli.quality_app, name="quality")
app.add_typer(telemetry_cli.telemetry_app, name="telemetry")
# The demo's park loader sits under `telemetry` beside compact; the domain does not import it.
telemetry_cli.telemetry_app.command("load-park")(park_cmd.load_park)
app.command("simulate")(simulate_cmd)
app.add_typer(carbon_app, name="carbon")
app.add_typer(insurance_app, name="insurance")
app.add_typer(jobs_app, name="jobs")
app.command("worker")(worker_cmd)
app.add_typer(assets_app, name="assets")
app.add_typer(funds_app, name="funds")
# Commands that simulate a park are demo code, kept out of the domains' own cli modules (no
# domain imports the simulator or the demo); they join the domains' groups here.
carbon_app.command("report")(carbon_demo.report)
insurance_app.command("report")(insurance_demo.report)
insurance_app.command("pricing")(insurance_demo.pricing)
app.add_typer(guarantee_app, name="guarantee")
guarantee_app.command("demo")(guarantee_demo.demo)
assets_app.command("evaluate")(assets_demo.evaluate)
assets_app.command("demo")(assets_demo.story)
assets_app.command("lift")(assets_demo.lift)
app.add_typer(lease_app, name="lease")
app.add_typer(federated_app, name="federated")


@app.callback()
@friendly_errors
def _configure() -> None:
    """产融 chanrong: industrial operating data as trusted evidence for finance."""
    from chanrong.core.logs import configure_logging

    # Every command (serve, demo, the workers, one-off commands) logs the same way: one
    # redacting handler, JSON lines under CHANRONG_LOG_JSON, never tracebacks with locals.
    configure_logging(settings())


@db_app.command("upgrade")
@friendly_errors
def db_upgrade() -> None:
    """Apply every pending migration."""
    from chanrong.storage import migrate

    url = settings().effective_database_url
    migrate.upgrade(url)
    console.print(f"[green]database at latest schema[/] ({_redact(url)})")


@db_app.command("backup")
@friendly_errors
def db_backup(
    out: Annotated[Path, typer.Argument(help="The backup file to write (.tar.gz)")],
) -> None:
    """Back up the database, the telemetry store and the keys into one file."""
    from chanrong.core.keyfile import keys_dir
    from chanrong.storage import backup
    from chanrong.storage.database import Database

    s = settings()
    db = Database(s.effective_database_url)
    try:
        summary = backup.backup(
            db.engine, out, telemetry_dir=s.effective_telemetry_dir, keys_dir=keys_dir(s.var_dir)
        )
    finally:
        db.dispose()
    console.print(
        f"[green]backed up[/] {sum(summary.rows.values())} rows in {len(summary.rows)} tables "
        f"and {summary.files} files to {out} (it holds the keys: keep it private)"
    )


@db_app.command("restore")
@friendly_errors
def db_restore(
    src: Annotated[Path, typer.Argument(help="A backup made by `chanrong db backup`")],
    replace: Annotated[
        bool, typer.Option(help="Overwrite a database, store or keys that hold data")
    ] = False,
) -> None:
    """Restore a backup into this installation (run `chanrong db upgrade` first)."""
    from chanrong.core.keyfile import keys_dir
    from chanrong.storage import backup
    from chanrong.storage.database import Database

    s = settings()
    db = Database(s.effective_database_url)
    try:
        summary = backup.restore(
            db.engine,
            src,
            telemetry_dir=s.effective_telemetry_dir,
            keys_dir=keys_dir(s.var_dir),
            replace=replace,
        )
    finally:
        db.dispose()
    console.print(
        f"[green]restored[/] {sum(summary.rows.values())} rows in {len(summary.rows)} tables "
        f"and {summary.files} files from {src}; check it with `chanrong log verify --public-key …`"
    )


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[
        int | None,
        typer.Option(help="API processes (default CHANRONG_API_WORKERS: one per core)", min=1),
    ] = None,
) -> None:
    """Run the HTTP API (and console)."""
    from chanrong.api.serving import serve as run_server

    s = settings()
    run_server(
        host=host or s.api_host,
        port=port or s.api_port,
        workers=workers or s.effective_api_workers,
        log_level=s.log_level.lower(),
    )


if __name__ == "__main__":  # pragma: no cover
    app()

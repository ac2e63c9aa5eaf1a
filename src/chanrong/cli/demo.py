"""``chanrong demo``: a simulated park on the platform, every capability's story told on it,
then the API and console, on embedded defaults."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from chanrong.core.clock import month_start, shanghai_date, utcnow
from chanrong.core.logs import configure_logging
from chanrong.core.money import format_yuan
from chanrong.core.settings import Settings
from chanrong.demo import credit_live, stories
from chanrong.demo.featured import Featured, pick
from chanrong.demo.institutions import (
    DEMO_PASSWORD,
    SignIn,
    enterprise_signin,
    seed_institutions,
)
from chanrong.demo.park import load_park
from chanrong.demo.park_cut import cut_park
from chanrong.edge.commands import console, friendly_errors, settings
from chanrong.identity import service as identity
from chanrong.storage import migrate
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry


def _park_config(today: date) -> object:
    from chanrong.simulate import preset

    # Six whole months ending with last month, so bills and alerts are about recent times,
    # then this month and the next ones: what happens after today, cut off before loading.
    return preset("demo").with_changes(
        start=month_start(today, -6), months=6 + 1 + credit_live.FUTURE_MONTHS
    )


@contextmanager
def _bar() -> Iterator[Callable[[str, int, int], None]]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def tick(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = progress.add_task(what, total=total)
            progress.update(tasks[what], completed=done, total=total)

        yield tick


def _tell(told: stories.Told) -> None:
    console.print(Panel("\n".join(told.lines), title=told.title, expand=False))


def build(s: Settings, today: date) -> tuple[list[SignIn], Featured, dict[str, str]]:
    """Everything the demo sets up; returns the sign-ins to print."""
    from chanrong.simulate import write_park

    url = s.effective_database_url
    with console.status("migrating the database…"):
        migrate.upgrade(url)
    db = Database(url)
    try:
        with db.unit_of_work() as session:
            inst, signins = seed_institutions(session)
        park_dir = s.var_dir / "demo-park"
        decide_on = min(today, utcnow().date())
        cfg = _park_config(today)
        with console.status("simulating the park (30 firms, 6 months, hourly readings)…"):
            # Simulated past today and cut at today: the platform sees the park's past, the
            # hidden truth also knows who defaults next (what live decisions are measured on).
            full = s.var_dir / "demo-park-full"
            write_park(cfg, full, overwrite=True)  # type: ignore[arg-type]
            cut_park(full, park_dir, today)
        store = telemetry.open_store(s)
        with _bar() as tick:
            loaded = load_park(
                db,
                store,
                park_dir,
                password=DEMO_PASSWORD,
                progress=lambda n, total: tick("loading the park", n, total),
            )
        console.print(
            f"park loaded: {len(loaded.org_by_uscc)} enterprises, "
            f"{loaded.points:,} telemetry points"
        )
        featured = _featured(park_dir)
        org = loaded.org_by_uscc
        with db.unit_of_work() as session:
            n = stories.grant_institutions(session, list(org.values()), inst)
            console.print(
                f"{n} consent grants from the park's enterprises to the bank, insurer and lessor"
            )
            for role, uscc in (
                ("core enterprise", featured.core),
                ("tier-1 supplier", featured.tier1),
                ("sewing firm (lessee)", featured.sewing),
            ):
                signins.append(enterprise_signin(session, role, org[uscc]))
        _credit(db, s, decide_on, org, inst, park_dir)
        _stories(db, s, today, featured, org, inst, park_dir)
        _joint(db, s, inst, org)
        return signins, featured, org
    finally:
        db.dispose()


def _credit(
    db: Database,
    s: Settings,
    decide_on: date,
    org: dict[str, str],
    inst: dict[str, str],
    park_dir: Path,
) -> None:
    """The credit story: a champion trained on another park's past, every firm profiled from
    the platform's data, the bank applying for each, the decisions against the truth."""
    from chanrong.cli.credit_demo import summary_lines, summary_table
    from chanrong.simulate import write_park

    started = time.monotonic()
    train_park = s.var_dir / "demo-train-park"
    train_cfg = credit_live.training_config(decide_on, seed=7, deteriorating_share=0.3)
    with console.status(
        f"simulating a training park ({credit_live.TRAIN_FIRMS} firms, "
        f"{credit_live.TRAIN_MONTHS} months before {decide_on:%Y-%m}, 4-hourly readings)…"
    ):
        write_park(train_cfg, train_park, overwrite=True)
    console.print("training the champion scorecard and the LightGBM challenger…")
    with _bar() as tick:
        done = credit_live.demo_credit(
            db,
            s,
            decide_on=decide_on,
            train_park=train_park,
            truth_park=park_dir,
            org_by_uscc=org,
            bank_org_id=inst["bank"],
            operator_org_id=inst["operator"],
            say=console.print,
            tick=lambda n, total: tick("profiles from the platform's data", n, total),
        )
    m = done.trained.model
    console.print(
        f"[bold]授信 credit[/]: {m.champion.ref} (scorecard) and {m.challenger.ref} (LightGBM) "
        f"trained on {m.train_rows} firm-months ({done.trained.train_bad} defaulted within "
        f"180 days); next-period AUC {m.champion_auc:.3f} / {m.challenger_auc:.3f}; champion "
        f"{done.champion.ref}; {done.profiles} profiles as of {decide_on}"
        + (f" ({len(done.without_profile)} firms without data)" if done.without_profile else "")
    )
    console.print(
        summary_table(
            done.summary,
            title=f"湖州科创银行 applies for every park firm, {decide_on} (秒批经营贷)",
        )
    )
    for line in summary_lines(done.summary):
        console.print(line)
    console.print(f"credit story: {time.monotonic() - started:.0f} s")


def _featured(park_dir: Path) -> Featured:
    import pyarrow.parquet as pq

    return pick(
        pq.read_table(park_dir / "enterprises.parquet"),
        pq.read_table(park_dir / "devices.parquet"),
        pq.read_table(park_dir / "truth" / "enterprises.parquet"),
    )


def _stories(
    db: Database,
    s: Settings,
    today: date,
    f: Featured,
    org: dict[str, str],
    inst: dict[str, str],
    park_dir: Path,
) -> None:
    months = [month_start(today, -k) for k in range(6, 0, -1)]
    with db.unit_of_work() as session, console.status("grading carbon efficiency…"):
        told = stories.carbon_story(session, months, org[f.core])
    _tell(told)
    with db.unit_of_work() as session:
        _tell(
            stories.leasing_story(
                session,
                s,
                lessor_org=inst["lessor"],
                lessee_org=org[f.sewing],
                lessee_uscc=f.sewing,
                device_id=f.sewing_device,
                today=today,
            )
        )
    with db.unit_of_work() as session:
        _tell(
            stories.insurance_story(
                session, s, insurer_org=inst["insurer"], org_id=org[f.tier1], today=today
            )
        )
    with db.unit_of_work() as session:
        from chanrong.demo.insurance_story import policy_story

        _tell(
            policy_story(session, s, insurer_org=inst["insurer"], org_id=org[f.tier1], today=today)
        )
    with db.unit_of_work() as session:
        from chanrong.cli.supplychain_demo import print_story
        from chanrong.demo.scf_story import demo_story

        story = demo_story(
            session,
            core_org_id=org[f.core],
            tier1_org_id=org[f.tier1],
            tier2_org_ids=(org[f.tier2[0]], org[f.tier2[1]]),
            bank_org_id=inst["bank"],
        )
        console.print(
            "[bold]供应链金融 supply-chain finance[/]: confirm → split → finance → settle"
        )
        print_story(session, story)
    _scf_defaults(db, today, inst)
    _trade(db, today, f, org, inst)
    _guarantee_and_assets(db, today, inst)
    console.print("[bold]贷后监测 lending[/]: a loan whose borrower's machines slow down")
    from chanrong.cli.lending_demo import demo as loans_demo

    loans_demo(seed=11)
    with db.unit_of_work() as session, console.status("importing the sector's financing facts…"):
        from chanrong.market import service as market

        market.load_report_data(session, actor_org_id=inst["operator"])
        r2024 = market.market_report(session, 2024)
    console.print(
        f"[bold]投融资 market[/]: 2024 — {r2024.events} financing events, "
        f"{format_yuan(r2024.amount_total_fen)} disclosed, early-stage share "
        f"{r2024.early_stage_share:.1%}, state-owned participation {r2024.state_owned_share:.1%}"
    )
    _funds(db, today, f, org, inst)


def _funds(
    db: Database, today: date, f: Featured, org: dict[str, str], inst: dict[str, str]
) -> None:
    """A guide fund seeds the manager's sub-fund, which invests in park firms and watches them
    under their consent (one has not granted it); the guide fund is evaluated; a firm's equity
    need meets the manager's mandate."""
    from chanrong.demo.funds_story import tell

    # The firm on a deteriorating path (if any) is in the portfolio; the last has no grant.
    picked = (f.tier1, *f.tier2, f.deteriorating, f.sewing)
    companies = list(dict.fromkeys(org[u] for u in picked if u is not None and u != f.core))
    with db.unit_of_work() as session:
        story = tell(
            session,
            manager_org_id=inst["fund_manager"],
            company_org_ids=companies,
            seeker_org_id=org[f.core],
            government_org_id=inst["analyst"],
            region_code="330500",
            start=month_start(today, -6),
            as_of=today,
        )
    alerts = ", ".join(f"{n} {sev}" for sev, n in sorted(story.alerts.items())) or "none"
    console.print(
        f"[bold]基金 funds[/]: {story.companies} portfolio companies watched under consent "
        f"({story.refused} refused: no grant, the company sees the attempt); open alerts: {alerts}"
    )
    match = (
        f"best match {story.best_match} (score {story.best_score})"
        if story.best_match
        else "no mandate matches yet"
    )
    achieved = "unknown" if story.reinvest_ratio is None else str(story.reinvest_ratio)
    verdict = {True: "met", False: "not met", None: "unknown"}[story.reinvest_met]
    console.print(
        f"  guide fund evaluated: 返投 {achieved} against {story.reinvest_required} required"
        f" ({verdict}), 杠杆 {story.leverage}×; the annual report"
        f" ({len(story.report_html):,} characters of HTML) is on the fund manager's and the"
        " government body's pages"
    )
    console.print(f"  a ¥{story.need_amount_fen // 100:,} equity need posted: {match}")


def _scf_defaults(db: Database, today: date, inst: dict[str, str]) -> None:
    """A small park where some buyers do not pay at maturity (the demo's guarantor and
    government body act, so their pages hold it; a bank of its own lends, so its daily closes
    touch no other story's loans): overdue, recourse, 代偿, late payment."""
    from chanrong.cli.supplychain_demo import print_default_run
    from chanrong.demo.scf_default_run import run_default_park

    with db.unit_of_work() as session, console.status("buyers defaulting at maturity…"):
        run = run_default_park(
            session,
            seed=1,
            buyers=3,
            sellers=8,
            start=month_start(today, -12).replace(day=10),
            guarantor=identity.system_principal(session, inst["guarantor"]),
            government=identity.system_principal(session, inst["analyst"]),
        )
    console.print("[bold]供应链金融 at maturity[/]: buyers default, recourse, 代偿, late payment")
    print_default_run(run)


def _trade(
    db: Database, today: date, f: Featured, org: dict[str, str], inst: dict[str, str]
) -> None:
    """Trade under a contract: evidence to statement, 保付 paid out with recourse, escrow."""
    from chanrong.demo.trade_story import tell as tell_trade

    with db.unit_of_work() as session:
        t = tell_trade(
            session,
            seller_org_id=org[f.tier1],
            buyer_org_id=org[f.core],
            guarantor_org_id=inst["guarantor"],
            bank_org_id=inst["bank"],
            today=today,
        )
    console.print(
        f"[bold]保付 guaranteed trade[/]: {t.contract_reference} statement "
        f"{format_yuan(t.statement_fen)} ({t.short_units} units short on receipt), "
        f"fee {format_yuan(t.fee_fen)}"
    )
    console.print(
        f"  unpaid at maturity: the guarantor paid {format_yuan(t.paid_out_fen)}, "
        f"recovered {format_yuan(t.recovered_fen)} ({format_yuan(t.outstanding_fen)} to go)"
    )
    balanced = "balanced" if not t.journal_violations else "UNBALANCED"
    console.print(
        f"  escrow released {format_yuan(t.escrow_released_fen)} by a second officer; "
        f"trade journal {balanced}"
    )


def _guarantee_and_assets(db: Database, today: date, inst: dict[str, str]) -> None:
    """Guaranteed lending under the two schemes (the demo's bank, guarantor and government
    body act, so their console pages hold it), then the park's data valued and pooled."""
    from chanrong.cli.guarantee_demo import print_story as print_guarantees
    from chanrong.demo.assets_story import tell
    from chanrong.demo.guarantee_story import run_story

    with db.unit_of_work() as session, console.status("a year of guaranteed lending…"):
        story = run_story(
            session,
            start=month_start(today, -12),
            bank=identity.system_principal(session, inst["bank"]),
            guarantor=identity.system_principal(session, inst["guarantor"]),
            government=identity.system_principal(session, inst["analyst"]),
        )
    console.print("[bold]融资担保 guarantees[/]: 代偿, risk sharing, recoveries, 贴息")
    print_guarantees(story)
    with db.unit_of_work() as session, console.status("valuing the park's data assets…"):
        told = tell(session, bank_org_id=inst["bank"], as_of=today)
    console.print(
        f"[bold]数据资产 data assets[/]: {told.registered} data resources registered, "
        f"{told.valued} valued ({format_yuan(told.value_fen)} in all); {len(told.pools)} "
        f"asset pools opened for the bank; {len(told.refused)} pledges refused"
    )
    console.print(
        f"  {told.replenished} open receivables joined the pools from intake (replenished)"
    )
    if told.line_pool:
        console.print(
            f"  one pool secures a lending credit line: drawn {format_yuan(told.drawn_fen)}, "
            "read from lending at each revaluation"
        )


def _joint(db: Database, s: Settings, inst: dict[str, str], org: dict[str, str]) -> None:
    """Joint modelling: the bank trains with the platform over its routes (in process here),
    the admin approves, and an application is decided by the joint model with reasons."""
    from fastapi.testclient import TestClient

    from chanrong.api.app import create_app
    from chanrong.demo.joint_story import tell

    started = time.monotonic()
    with (
        TestClient(create_app(s, db)) as http,
        console.status("the bank and the platform train a joint model…"),
    ):
        j = tell(
            db,
            http,
            s,
            bank_org_id=inst["bank"],
            operator_org_id=inst["operator"],
            org_by_uscc=org,
            parts_dir=s.var_dir / "federated-parts",
        )
    filled = f"; {j.filled} missing platform values at the park's median" if j.filled else ""
    console.print(
        f"[bold]联合建模 joint modelling[/]: the bank and the platform trained {j.model} on "
        f"{j.trained_on} of {j.firms} park firms aligned by PSI"
    )
    console.print(
        f"  {j.rounds} encrypted rounds, {j.bytes_exchanged:,} bytes over HTTP, no raw value "
        f"crossed; validated on {j.held_out} held out (AUC {j.held_out_auc:.2f}); the bank's "
        f"admin made it {j.state}{filled}"
    )
    skipped = f" ({j.knocked_out} knocked out before it)" if j.knocked_out else ""
    console.print(
        f"  {j.applicant} decided by the joint model: {j.outcome}, PD {j.pd}{skipped}"
        f" ({time.monotonic() - started:.0f} s)"
    )
    console.print(f"  reasons: {'; '.join(j.reasons_en) or 'none'}")


@contextmanager
def worker_beside(s: Settings) -> Iterator[subprocess.Popen[bytes]]:
    """The worker (``chanrong worker``) in a process of its own while the block runs: it
    stops (SIGTERM, then SIGKILL) when the block ends, and dies with this process."""
    from chanrong.api.serving import exit_with_parent

    env = {
        **os.environ,
        "CHANRONG_VAR_DIR": str(s.var_dir),
        "CHANRONG_DATABASE_URL": s.effective_database_url,
    }
    parent = os.getpid()
    proc = subprocess.Popen(
        [sys.executable, "-m", "chanrong.cli.main", "worker"],
        env=env,
        preexec_fn=lambda: exit_with_parent(parent),
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@friendly_errors
def demo(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Start the API after")] = True,
    port: Annotated[int | None, typer.Option(help="API port")] = None,
) -> None:
    """Simulate a park, put it on the platform, tell each capability's story, start the API."""
    s = settings()
    # Before anything can log: an error while serving is one redacted line with a plain
    # traceback (never a pretty one with local variables, which held the API keys).
    configure_logging(s)
    today = shanghai_date(utcnow())
    signins, _featured_firms, _ = build(s, today)
    api_port = port or s.api_port
    base = f"http://{s.api_host}:{api_port}"
    table = Table(title="demo sign-ins 演示账号 (password: chanrong-demo)")
    for col in ("role", "organisation", "username", "API key"):
        table.add_column(col, overflow="fold")
    for si in signins:
        table.add_row(si.role, si.organisation, si.username, si.key)
    console.print(table)
    console.print(f"API:      {base}   (OpenAPI: {base}/docs)")
    console.print(f"console:  {base}/console/sign-in")
    if serve:
        from chanrong.api.serving import serve as run_server

        with worker_beside(s) as worker:
            console.print(
                f"worker:   pid {worker.pid} runs the platform's jobs "
                "(chanrong jobs status; console: /console/operator/jobs)"
            )
            console.print(f"API:      {s.effective_api_workers} process(es) (CHANRONG_API_WORKERS)")
            # As `chanrong serve` runs it: each API process builds the app from the same
            # environment and configures logging (redacted, no locals) itself.
            run_server(
                host=s.api_host,
                port=api_port,
                workers=s.effective_api_workers,
                log_level="warning",
            )

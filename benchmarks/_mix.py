"""The load benchmarks' park and mixed workload: seeding a server's database, one request of
the mix, and warming a server up (``load.py``, ``request_cpu.py``)."""

from __future__ import annotations

import random
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from rich.console import Console

from chanrong.core.clock import month_start, utcnow
from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.demo import stories
from chanrong.demo.credit_workload import install_champion, synthetic_features
from chanrong.demo.institutions import DEMO_PASSWORD, seed_institutions
from chanrong.demo.park import load_park
from chanrong.governance import keys as keys_mod
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.market import service as market
from chanrong.market.tabular import Dataset
from chanrong.simulate.config import preset
from chanrong.simulate.service import write_park
from chanrong.storage import migrate
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from market import investor_rows, synthetic_events

console = Console(width=200)
REPORT_YEAR = 2024
PURPOSE = "credit_assessment"


@dataclass
class Seeded:
    """What the workload needs: API keys by role and the park's ids."""

    keys: dict[str, str]
    enterprises: list[str]
    own: list[str]  # enterprises whose admin key is in ``keys`` as enterprise0, enterprise1, …
    devices: dict[str, tuple[str, str]] = field(default_factory=dict)  # org -> (device, metric)
    period: str = ""


def seed(settings: Settings, park: str) -> Seeded:
    """Simulate a park, load it through the ingestion doors, add the demo's institutions,
    grants, a champion with a profile per firm, and market events."""
    url = settings.effective_database_url
    migrate.upgrade(url)
    db = Database(url)
    today = utcnow().date()
    cfg = preset(park).with_changes(start=month_start(today, -preset(park).months))
    park_dir = settings.var_dir / "park"
    write_park(cfg, park_dir)
    store = telemetry.open_store(settings)
    loaded = load_park(db, store, park_dir, password=DEMO_PASSWORD)
    orgs = list(loaded.org_by_uscc.values())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        install_champion(settings)
    x, _ = synthetic_features(len(orgs), seed=11)
    with db.unit_of_work() as s:
        inst, signins = seed_institutions(s)
        keys = {sign.role: sign.key for sign in signins}
        stories.grant_institutions(s, orgs, inst)
        for i, org_id in enumerate(orgs):
            credit.record_profile(
                s,
                org_id=org_id,
                as_of=today - timedelta(days=1),
                features=x.iloc[i].to_dict(),
                revenue_12m_fen=2_000_000_000,
                open_orders_fen=400_000_000,
                receivables_fen=300_000_000,
                source="benchmark",
            )
        own = orgs[:3]
        for i, org_id in enumerate(own):
            admin = next(
                u for u in identity.list_users_unchecked(s, org_id) if u.username == "admin"
            )
            keys[f"enterprise{i}"] = identity.create_api_key(s, user_id=admin.id, name="load")[1]
    with db.unit_of_work() as s:
        market.import_rows(s, Dataset.INVESTORS, investor_rows())
        market.import_rows(
            s, Dataset.EVENTS, synthetic_events(5_000, last_year=REPORT_YEAR, years=1)
        )
    with db.unit_of_work() as s:
        # Before any worker runs (and for --no-worker): sign the seeded log's head as the worker's
        # governance.sign_head job would (GET /log/head only reads the newest signed head).
        governance.sign_tree_head(s, keys_mod.load_or_create(settings.var_dir))
    db.dispose()
    # Nor does it compact the days that ended and fold the months that finished, as the
    # worker's telemetry.compact job does each night: done here, so the daily telemetry reads
    # meet the store as a running platform keeps it (one file and an hourly rollup per day).
    for org_id in orgs:
        store.compact_months(org_id, before=today)
        for d in store.days(org_id):
            if d < today:
                store.compact(org_id, d)
    month = today.replace(day=1) - timedelta(days=1)
    return Seeded(keys=keys, enterprises=orgs, own=own, period=f"{month:%Y-%m}")


Request = tuple[str, str, str, str, Any]  # label, role, method, path, JSON body


def mix(seeded: Seeded, rng: random.Random) -> Request:
    """One request of the mixed workload (weights in percent)."""
    ent = rng.choice(seeded.enterprises)
    own_i = rng.randrange(len(seeded.own))
    own = seeded.own[own_i]
    me = f"enterprise{own_i}"
    end = utcnow().date()
    start = end - timedelta(days=30)
    roll = rng.random() * 100
    table: list[tuple[float, Request]] = [
        (20, ("decision", "bank", "POST", "/credit/applications", {"enterprise_org_id": ent})),
        (
            10,
            (
                "daily telemetry",
                "bank",
                "GET",
                f"/telemetry/orgs/{ent}/daily?start={start}&end={end}&purpose={PURPOSE}",
                None,
            ),
        ),
        (2, ("market report", "analyst", "GET", f"/market/report?year={REPORT_YEAR}", None)),
        (
            3,
            (
                "points upload",
                me,
                "POST",
                f"/telemetry/orgs/{own}/points",
                {
                    "points": [
                        {
                            "device_id": seeded.devices[own][0],
                            "metric": seeded.devices[own][1],
                            "ts": (
                                datetime.now(UTC) - timedelta(seconds=rng.randrange(86_400))
                            ).isoformat(),
                            "value": rng.uniform(0, 100),
                        }
                        for _ in range(10)
                    ]
                },
            ),
        ),
        (
            8,
            (
                "profile",
                "bank",
                "GET",
                f"/credit/enterprises/{ent}/profile?purpose={PURPOSE}",
                None,
            ),
        ),
        (5, ("applications", "bank", "GET", "/credit/applications", None)),
        (4, ("devices", "bank", "GET", f"/telemetry/orgs/{ent}/devices?purpose={PURPOSE}", None)),
        (
            4,
            (
                "carbon codes",
                "bank",
                "GET",
                f"/carbon/enterprises/{ent}/codes?purpose={PURPOSE}",
                None,
            ),
        ),
        (4, ("loans", "bank", "GET", "/lending/loans", None)),
        (4, ("consents", me, "GET", "/consents", None)),
        (4, ("access list", me, "GET", f"/governance/access?owner_org_id={own}&limit=50", None)),
        (4, ("catalog", me, "GET", f"/catalog?owner_org_id={own}", None)),
        (3, ("log head", "operator", "GET", "/log/head", None)),
        (
            3,
            (
                "market events",
                "analyst",
                "GET",
                f"/market/events?year={REPORT_YEAR}&limit=50",
                None,
            ),
        ),
        (3, ("payables", "bank", "GET", "/supplychain/payables", None)),
        (3, ("leasing contracts", "lessor", "GET", "/leasing/contracts", None)),
        (3, ("insurance quotes", "insurer", "GET", "/insurance/quotes", None)),
        (3, ("guarantees", "guarantor", "GET", "/guarantee/guarantees", None)),
        (3, ("asset pools", "bank", "GET", "/assets/pools", None)),
        (2, ("funds", "analyst", "GET", "/funds", None)),
        (2, ("me", "bank", "GET", "/me", None)),
        (2, ("organisations", "operator", "GET", "/organisations", None)),
    ]
    total = 0.0
    for weight, request in table:
        total += weight
        if roll < total:
            return request
    return table[-1][1]


def warm_up(base: str, seeded: Seeded, connections: int = 8) -> None:
    """Every kind of request once on each of ``connections`` connections: the mix must be
    answered 2xx when the server is idle (a mix that is refused measures nothing), and each
    device to upload points for.

    The kernel spreads connections over the server's processes (SO_REUSEPORT), and each
    process pays its first use of an API key (an argon2 verification, ~120 ms of CPU, then
    remembered) and of each route; with 8 connections both of two processes are warmed with
    probability 1 − 2 × 2⁻⁸ (99 %). One connection left the other process cold, and its
    first-use costs landed in the first measured step.
    """
    with httpx.Client(base_url=base, timeout=60) as client:
        for i, org in enumerate(seeded.own):
            r = client.get(
                f"/telemetry/orgs/{org}/points?limit=1",
                headers={"Authorization": f"Bearer {seeded.keys[f'enterprise{i}']}"},
            )
            r.raise_for_status()
            point = r.json()["points"][0]
            seeded.devices[org] = (point["device_id"], point["metric"])
        rng = random.Random(0)
        seen: dict[str, int] = {}
        for _ in range(600):
            label, role, method, path, body = mix(seeded, rng)
            if label in seen:
                continue
            r = client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {seeded.keys[role]}"}
            )
            seen[label] = r.status_code
            if r.status_code >= 300:
                console.print(f"[red]{label}: {method} {path} → {r.status_code} {r.text[:300]}[/]")
        bad = {k: v for k, v in seen.items() if v >= 300}
        if bad:
            raise SystemExit(f"the mix is refused when idle: {bad}")
    for _ in range(connections - 1):
        _warm_each_kind(base, seeded)


def _warm_each_kind(base: str, seeded: Seeded) -> None:
    """One request of each kind on one new connection (statuses are checked by ``warm_up``)."""
    rng = random.Random(1)
    seen: set[str] = set()
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(600):
            label, role, method, path, body = mix(seeded, rng)
            if label in seen:
                continue
            seen.add(label)
            client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {seeded.keys[role]}"}
            )

"""The demo's joint-modelling story: the bank and the platform train one credit model without
moving data, the bank's admin approves it, and an application is decided by it with reasons.

- Every park firm grants the bank ``joint_modelling``; the operator loads the platform's side:
  five operating characteristics of each firm from its newest profile (the platform's own
  data; a missing one at the park's median, said so in ``JointStory``).
- The bank's side is its own book of the same firms — balance, months as a customer, late
  payments, collateral cover — and its labels (who fell behind), drawn here from a seeded
  model over both sides' columns: the demo bank has no history of its own.
- The bank's client talks to the platform's routes over HTTP (``http``: the demo passes the
  platform's app in process): PSI on USCC, Paillier-encrypted rounds, validation on held-out
  firms, then the admin approves and crowns the model. Keys of 1,024 bits keep the story to
  seconds (production: 2,048).
- A product ``joint-term`` names the model; the bank's officer decides one firm's application
  through credit's decision service with the joint scorer: both parts, reasons from each.

Writes through services in its own units of work (the HTTP requests commit their own).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.federated import service as federated
from chanrong.federated.client import BankClient, BankData
from chanrong.federated.joint_scoring import HttpJointScorer
from chanrong.federated.protocol import TrainingConfig
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database

MODEL = "joint-demo"
PRODUCT = "joint-term"
KEY_BITS = 1024
CONFIG = TrainingConfig(iterations=12, batch_size=12, learning_rate=0.5, seed=11)
PLATFORM_FEATURES = (
    "utilisation",
    "order_growth",
    "payment_punctuality",
    "dso_days",
    "energy_intensity",
)
BANK_COLUMNS = ("loan_balance_wan", "months_as_customer", "late_payments_12m", "collateral_cover")
HELD_OUT = 12  # the bank's validation firms (the lifecycle needs at least 10)


@dataclass(frozen=True)
class JointStory:
    """What the story did."""

    model: str
    firms: int
    trained_on: int  # firms aligned by PSI that the rounds trained on
    held_out: int  # firms the bank validated on (scored through both parts)
    rounds: int
    bytes_exchanged: int
    train_auc: float
    held_out_auc: float
    state: str
    filled: int  # platform values missing from a profile, set to the park's median
    applicant: str
    knocked_out: int  # held-out firms asked before it that a knock-out kept from being scored
    outcome: str
    pd: str | None
    reasons_en: list[str]
    reasons_zh: list[str]


def _platform_rows(db: Database, org_ids: list[str]) -> tuple[pd.DataFrame, int]:
    """The platform's five characteristics of each firm from its newest profile."""
    with db.unit_of_work() as s:
        rows = [
            {f: credit.latest_profile(s, org_id).features.get(f) for f in PLATFORM_FEATURES}
            for org_id in org_ids
        ]
    frame = pd.DataFrame(rows, columns=list(PLATFORM_FEATURES), dtype=float)
    filled = int(frame.isna().sum().sum())
    return frame.fillna(frame.median()).fillna(0.0), filled


def _bank_book(platform: pd.DataFrame, usccs: list[str], seed: int = 21) -> pd.DataFrame:
    """The bank's own columns and labels for the firms (seeded; see the module's note)."""
    rng = np.random.default_rng(seed)
    n = len(usccs)
    late = rng.poisson(1.0, n).astype(float)
    cover = rng.uniform(0.2, 1.6, n).round(2)
    book = pd.DataFrame(
        {
            "uscc": usccs,
            "loan_balance_wan": rng.uniform(50, 800, n).round(1),
            "months_as_customer": rng.integers(3, 120, n).astype(float),
            "late_payments_12m": late,
            "collateral_cover": cover,
        }
    )
    z = (platform - platform.mean()) / platform.std(ddof=0).replace(0.0, 1.0)
    risk = (
        0.9 * (late - late.mean())
        - 1.2 * (cover - cover.mean())
        - 0.8 * z["payment_punctuality"].to_numpy()
        - 0.6 * z["utilisation"].to_numpy()
        + rng.normal(0, 0.5, n)
    )
    # The riskiest third fell behind: both classes in the training and the held-out firms.
    book["bad"] = (risk >= np.quantile(risk, 2 / 3)).astype(float)
    return book


def _key(db: Database, bank_org_id: str, username: str, roles: str) -> str:
    """An API key for the bank's user ``username`` (created with ``roles`` if missing)."""
    with db.unit_of_work() as s:
        users = {u.username: u for u in identity.list_users_unchecked(s, bank_org_id)}
        user = users.get(username) or identity.create_user(
            s, org_id=bank_org_id, username=username, roles=roles, password=None
        )
        return identity.create_api_key(s, user_id=user.id, name="demo-joint")[1]


def _joint_product(settings: Settings) -> None:
    """Add ``joint-term`` (scored by the joint model) to the products as data."""
    found = credit.products(settings)
    base = next(iter(found.values()))  # terms of the bank's first product
    data = [p.as_dict() for code, p in found.items() if code != PRODUCT]
    joint = {
        **base.as_dict(),
        "code": PRODUCT,
        "name_zh": "联合建模经营贷",
        "name_en": "Joint-model operating loan",
        "model": f"joint:{MODEL}",
        # Booked on no lending product of its own: decided by the bank's officer, not offered.
        "lending_product": PRODUCT,
    }
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path = settings.var_dir / "credit_products.json"
    path.write_text(json.dumps([*data, joint], ensure_ascii=False, indent=1), "utf-8")


def tell(
    db: Database,
    http: httpx.Client,
    settings: Settings,
    *,
    bank_org_id: str,
    operator_org_id: str,
    org_by_uscc: dict[str, str],
    parts_dir: Path,
) -> JointStory:
    """Run the story (see the module's note); ``http`` reaches the platform's routes."""
    usccs = sorted(org_by_uscc)
    org_ids = [org_by_uscc[u] for u in usccs]
    platform, filled = _platform_rows(db, org_ids)
    until = datetime.now(UTC) + timedelta(days=365)
    with db.unit_of_work() as s:
        for org_id in org_ids:
            governance.grant_consent(
                s,
                identity.system_principal(s, org_id),
                grantee_org_id=bank_org_id,
                categories=["external"],
                max_grade=2,
                purpose="joint_modelling",
                valid_from=None,
                valid_until=until,
                note="demo",
            )
        operator = identity.system_principal(s, operator_org_id)
        federated.load_features(
            s,
            operator,
            [
                (u, {f: float(v) for f, v in row.items()})
                for u, (_, row) in zip(usccs, platform.iterrows(), strict=True)
            ],
        )
    book = _bank_book(platform, usccs)
    data = BankData.from_frame(book, id_column="uscc", label="bad")
    assert data.y is not None
    train = BankData(data.usccs[:-HELD_OUT], data.x.iloc[:-HELD_OUT], data.y[:-HELD_OUT])
    held = BankData(data.usccs[-HELD_OUT:], data.x.iloc[-HELD_OUT:], data.y[-HELD_OUT:])

    officer_key = _key(db, bank_org_id, "bank-officer", "officer")
    admin_key = _key(db, bank_org_id, "bank-admin", "admin")
    http.headers["Authorization"] = f"Bearer {officer_key}"
    wire = _Counter()
    http.event_hooks = {"request": [wire.request], "response": [wire.response]}
    bank = BankClient(http)
    trained = bank.train(MODEL, train, CONFIG, key_bits=KEY_BITS)
    trained.part.save(parts_dir)
    validated = bank.validate(trained.part, held)["validation"]
    http.headers["Authorization"] = f"Bearer {admin_key}"
    ref = trained.model["model"]
    bank.set_state(ref, "approved")
    state = bank.set_state(ref, "champion")["state"]
    http.headers["Authorization"] = f"Bearer {officer_key}"
    http.event_hooks = {"request": [], "response": []}

    _joint_product(settings)
    # The applicant: the held-out firm the bank's book shows most behind on its payments; one
    # a knock-out keeps from being scored (a recent default, say) is counted and the next asked.
    late = held.x["late_payments_12m"].to_numpy()
    scorer = HttpJointScorer(bank, parts_dir, data)
    knocked_out = 0
    for i in np.argsort(-late, kind="stable"):
        with db.unit_of_work() as s:
            app = credit.apply(
                s,
                identity.system_principal(s, bank_org_id),
                settings,
                enterprise_org_id=org_by_uscc[held.usccs[int(i)]],
                product_code=PRODUCT,
                refresh=False,
                joint=scorer,
            )
            name = identity.organisation_names(s, [app.enterprise_org_id])[app.enterprise_org_id]
            outcome, pd_, reasons = app.outcome, app.pd, list(app.reasons)
        if pd_ is not None:
            break
        knocked_out += 1
    return JointStory(
        model=ref,
        firms=len(usccs),
        trained_on=trained.accepted,
        held_out=int(validated["rows"]),
        rounds=CONFIG.iterations,
        bytes_exchanged=wire.bytes,
        train_auc=trained.auc,
        held_out_auc=float(validated["auc"]),
        state=state,
        filled=filled,
        applicant=name,
        knocked_out=knocked_out,
        outcome=outcome,
        pd=pd_,
        reasons_en=[r["text"]["en"] for r in reasons],
        reasons_zh=[r["text"]["zh-CN"] for r in reasons],
    )


class _Counter:
    """Bytes of every request and response body of the training and validation."""

    def __init__(self) -> None:
        self.bytes = 0

    def request(self, request: httpx.Request) -> None:
        self.bytes += len(request.content or b"")

    def response(self, response: httpx.Response) -> None:
        response.read()
        self.bytes += len(response.content)

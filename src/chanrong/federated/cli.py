"""``chanrong federated …``: the bank's side of joint modelling, run on the bank's machine
against a running ``chanrong serve`` (the platform) with the bank's API key.

The bank's CSV (USCC, its own numeric features and, for training, the label) is read here
and never sent: only the protocol's messages cross (``chanrong.federated.protocol``). The
bank's half of each joint model is written to ``--parts`` (default ``./federated-parts``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from chanrong.core.errors import ValidationFailed
from chanrong.edge.commands import console, friendly_errors, print_json
from chanrong.federated.client import BankClient, BankData, connect, load_part
from chanrong.federated.protocol import DEFAULT_KEY_BITS, TrainingConfig
from chanrong.federated.secureboost import BoostConfig

app = typer.Typer(
    help="Joint modelling with the platform without moving data 联合建模 (bank side)",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

Server = Annotated[
    str, typer.Option(envvar="CHANRONG_SERVER", help="The platform's URL (chanrong serve)")
]
ApiKey = Annotated[str, typer.Option(envvar="CHANRONG_API_KEY", help="The bank officer's API key")]
Data = Annotated[Path, typer.Option(help="The bank's CSV: USCC column, numeric features")]
IdColumn = Annotated[str, typer.Option(help="The USCC column")]
Parts = Annotated[Path, typer.Option(help="Folder of the bank's model parts")]


def _read(path: Path, id_column: str, label: str | None) -> BankData:
    if not path.exists():
        raise ValidationFailed(f"data: {path} does not exist", field="data")
    frame = pd.read_csv(path, dtype={id_column: str})
    return BankData.from_frame(frame, id_column=id_column, label=label)


@app.command("align")
@friendly_errors
def align(server: Server, api_key: ApiKey, data: Data, id_column: IdColumn = "uscc") -> None:
    """PSI on USCC: how many of the bank's enterprises the platform may contribute for."""
    bank = _read(data, id_column, None)
    with connect(server, api_key) as http:
        common = BankClient(http).align(bank.usccs)
    console.print(f"{len(common)} of {len(bank.usccs)} enterprises in common")


@app.command("train")
@friendly_errors
def train(
    server: Server,
    api_key: ApiKey,
    data: Data,
    name: Annotated[str, typer.Option(help="Model name")],
    label: Annotated[str, typer.Option(help="Label column, 1 = bad")] = "bad",
    id_column: IdColumn = "uscc",
    iterations: int = 60,
    batch_size: int = 256,
    learning_rate: float = 0.5,
    l2: float = 1e-3,
    seed: int = 7,
    key_bits: Annotated[int, typer.Option(help="Paillier modulus bits")] = DEFAULT_KEY_BITS,
    parts: Parts = Path("federated-parts"),
    kind: Annotated[str, typer.Option(help="logistic or boost (SecureBoost-style trees)")] = (
        "logistic"
    ),
    trees: Annotated[int, typer.Option(help="boost: number of trees")] = 3,
    depth: Annotated[int, typer.Option(help="boost: tree depth")] = 3,
    bins: Annotated[int, typer.Option(help="boost: bins per column")] = 16,
) -> None:
    """Align, train a vertical logistic regression (or trees) with the platform, register."""
    bank = _read(data, id_column, label)
    if kind not in ("logistic", "boost"):
        raise ValidationFailed("kind: logistic or boost", field="kind")
    with connect(server, api_key) as http:
        client = BankClient(http)
        if kind == "boost":
            boost = BoostConfig(trees=trees, depth=depth, bins=bins, learning_rate=learning_rate)
            result = client.train_boost(name, bank, boost, key_bits=key_bits)
        else:
            config = TrainingConfig(iterations, batch_size, learning_rate, l2, seed)
            result = client.train(name, bank, config, key_bits=key_bits)
    path = result.part.save(parts)
    per_round = sum(result.seconds_per_round) / max(1, len(result.seconds_per_round))
    console.print(
        f"registered {result.model['model']} ({result.accepted} enterprises, "
        f"{result.excluded} excluded, {len(result.seconds_per_round)} rounds, "
        f"{per_round:.2f} s/round, in-sample AUC {result.auc:.3f}); bank part {path}"
    )


@app.command("score")
@friendly_errors
def score(
    server: Server,
    api_key: ApiKey,
    data: Data,
    model: Annotated[str, typer.Option(help="name@version")],
    id_column: IdColumn = "uscc",
    parts: Parts = Path("federated-parts"),
) -> None:
    """Score applications: the platform's partial score (logged) plus the bank's part."""
    part = load_part(parts, model)
    frame = pd.read_csv(data, dtype={id_column: str})
    if id_column not in frame:
        raise ValidationFailed(f"id_column: no column {id_column!r}", field="id_column")
    with connect(server, api_key) as http:
        client = BankClient(http)
        out = [client.score(part, str(row[id_column]), row) for _, row in frame.iterrows()]
    print_json(out)


@app.command("validate")
@friendly_errors
def validate(
    server: Server,
    api_key: ApiKey,
    data: Data,
    model: Annotated[str, typer.Option(help="name@version")],
    label: Annotated[str, typer.Option(help="Label column, 1 = bad")] = "bad",
    id_column: IdColumn = "uscc",
    parts: Parts = Path("federated-parts"),
) -> None:
    """Validate a joint model on held-out labelled rows (not its training rows): AUC and KS
    computed here, the platform's parts in one logged exchange, the report kept with it."""
    part = load_part(parts, model)
    bank = _read(data, id_column, label)
    with connect(server, api_key) as http:
        out = BankClient(http).validate(part, bank)
    v = out["validation"]
    console.print(
        f"{out['model']}: held-out AUC {v['auc']:.3f}, KS {v['ks']:.3f} on {v['rows']} "
        f"enterprises ({v['bads']} defaulters; {out['not_scored']} without a live grant left out)"
    )


@app.command("approve")
@friendly_errors
def approve(
    server: Server,
    api_key: ApiKey,
    model: Annotated[str, typer.Option(help="name@version")],
    to: Annotated[str, typer.Option(help="approved | champion | retired")] = "approved",
) -> None:
    """Move a joint model along candidate → approved → champion (the bank's admin; logged)."""
    with connect(server, api_key) as http:
        out = BankClient(http).set_state(model, to)
    console.print(f"{out['model']} is now {out['state']}")


@app.command("runs")
@friendly_errors
def runs(server: Server, api_key: ApiKey) -> None:
    """The bank's training runs on the platform."""
    with connect(server, api_key) as http:
        rows = BankClient(http).runs()
    table = Table("run", "name", "status", "rows", "excluded", "rounds", "created")
    for r in rows:
        table.add_row(
            r["run_id"],
            r["name"],
            r["status"],
            str(r["rows"]),
            str(r["excluded"]),
            str(r["rounds"]),
            r["created_at"],
        )
    console.print(table)


@app.command("models")
@friendly_errors
def models(server: Server, api_key: ApiKey) -> None:
    """The bank's joint models with both parties' features and fingerprints."""
    with connect(server, api_key) as http:
        rows = BankClient(http).models()
    table = Table(
        "model", "state", "bank features", "platform features", "bank sha", "platform sha"
    )
    for m in rows:
        table.add_row(
            m["model"],
            m["state"],
            ", ".join(m["bank_features"]),
            ", ".join(m["platform_features"]),
            m["bank_fingerprint"][:12],
            m["platform_fingerprint"][:12],
        )
    console.print(table)

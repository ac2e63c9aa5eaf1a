"""``chanrong log`` commands: the verifiable log's heads, proofs, checkpoints and keys
(``catalog`` and ``consent`` are in ``data_cli``)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chanrong.core.clock import utcnow
from chanrong.core.errors import ValidationFailed
from chanrong.edge.commands import (
    console,
    err_console,
    friendly_errors,
    print_json,
    settings,
    unit_of_work,
)
from chanrong.governance import export, keys, merkle, service

log_app = typer.Typer(
    help="Verifiable log 可信日志", no_args_is_help=True, pretty_exceptions_show_locals=False
)


def _signer() -> keys.Signer:
    return keys.load_or_create(settings().var_dir)


def _public_key(path: Path | None) -> Any:
    if path is None:
        return _signer().private_key.public_key()
    try:
        return keys.parse_public_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ValidationFailed(f"public-key: {exc}", field="public-key") from None


def _read_json(path: Path, field: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationFailed(f"{field}: cannot read {path}: {exc}", field=field) from None
    if not isinstance(data, dict):
        raise ValidationFailed(f"{field}: {path} is not a JSON object", field=field)
    return data


# --- log ------------------------------------------------------------------------------------


@log_app.command("head")
@friendly_errors
def log_head() -> None:
    """Sign and print the current tree head (JSON; keep it to check consistency later)."""
    with unit_of_work() as session:
        sth = service.sign_tree_head(session, _signer())
    print_json(asdict(sth))


@log_app.command("public-key")
@friendly_errors
def log_public_key() -> None:
    """Print the public key that verifies tree heads and export packages (PEM)."""
    signer = _signer()
    console.print(f"key id {signer.key_id}", style="dim")
    typer.echo(signer.public_pem, nl=False)


@log_app.command("proof")
@friendly_errors
def log_proof(
    index: Annotated[int, typer.Argument(help="Entry index")],
    tree_size: Annotated[int | None, typer.Option(help="Tree size (default: current)")] = None,
) -> None:
    """Print an RFC 9162 inclusion proof for an entry (JSON)."""
    with unit_of_work() as session:
        proof = service.inclusion_proof(session, index, tree_size)
    print_json(asdict(proof))


@log_app.command("consistency")
@friendly_errors
def log_consistency(
    old_size: Annotated[int, typer.Argument(help="Size of the older tree head")],
    new_size: Annotated[int | None, typer.Argument(help="Newer size (default: current)")] = None,
) -> None:
    """Print an RFC 9162 consistency proof between two tree sizes (JSON)."""
    with unit_of_work() as session:
        proof = service.consistency_proof(session, old_size, new_size)
    print_json(asdict(proof))


@log_app.command("verify")
@friendly_errors
def log_verify(
    public_key: Annotated[
        list[Path] | None,
        typer.Option(help="The platform's public key (PEM or base64); repeat for rotated keys"),
    ] = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(help="A signed tree head kept outside the platform (JSON); repeatable"),
    ] = None,
) -> None:
    """Re-check the whole log: entries, subtrees, head, every signed tree head, and the
    consent grants and access records bound to it. Needs a trusted anchor."""
    if public_key is None and not checkpoint:
        # The platform's own key file and stored heads sit beside the database: whoever can
        # rewrite one can rewrite the other, so they prove nothing on their own.
        err_console.print(
            "[bold red]no trusted anchor[/]: pass --public-key (the platform key you "
            "obtained and kept, e.g. from `chanrong log public-key`) or --checkpoint (a "
            "signed tree head kept outside the platform); the key and heads stored on this "
            "installation cannot vouch for its own database. Nothing was verified."
        )
        raise typer.Exit(code=2)
    given = [_public_key(p) for p in public_key] if public_key else [_public_key(None)]
    heads = [_sth_from(_read_json(p, "checkpoint")) for p in checkpoint or []]
    with (
        unit_of_work() as session,
        Progress(
            TextColumn("[bold]verifying log"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} entries"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("verify", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = service.verify_log(session, given, checkpoints=heads, progress=progress)
    summary = (
        f"{report.entries_checked} entries, {report.nodes_checked} subtrees, "
        f"{report.heads_checked} signed heads; root {report.root}"
    )
    if report.ok:
        console.print(f"[green]log verified[/]: {summary}")
        return
    table = Table("problem", "entry", "detail", title="log verification failed")
    for p in report.problems:
        table.add_row(p.kind, "" if p.index is None else str(p.index), p.detail)
    console.print(table)
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(report.counts.items()))
    err_console.print(f"[bold red]log verification failed[/] ({counts}); {summary}")
    raise typer.Exit(code=1)


@log_app.command("check-proof")
@friendly_errors
def log_check_proof(
    proof: Annotated[Path, typer.Argument(help="Inclusion proof JSON (from `log proof`)")],
    head: Annotated[Path, typer.Option(help="Signed tree head JSON (from `log head`)")],
    public_key: Annotated[Path, typer.Option(help="The platform's public key (PEM or base64)")],
) -> None:
    """Verify an inclusion proof against a signed tree head offline (no database needed)."""
    key = _public_key(public_key)
    p = _read_json(proof, "proof")
    sth = _sth_from(_read_json(head, "head"))
    if not keys.verify(key, sth.message(), bytes.fromhex(sth.signature)):
        raise ValidationFailed("head: the tree head's signature does not verify", field="head")
    try:
        ok = merkle.verify_inclusion(
            int(p["index"]),
            sth.size,
            bytes.fromhex(p["leaf_hash"]),
            [bytes.fromhex(h) for h in p["path"]],
            bytes.fromhex(sth.root_hash),
        )
    except (KeyError, ValueError, TypeError):
        raise ValidationFailed("proof: not an inclusion proof", field="proof") from None
    if int(p.get("tree_size", sth.size)) != sth.size:
        raise ValidationFailed("proof: made for a different tree size than the head", field="proof")
    if not ok:
        err_console.print("[bold red]proof does not verify[/]")
        raise typer.Exit(code=1)
    console.print(f"[green]entry {p['index']} is in the signed tree of size {sth.size}[/]")


@log_app.command("check-consistency")
@friendly_errors
def log_check_consistency(
    proof: Annotated[Path, typer.Argument(help="Consistency proof JSON (from `log consistency`)")],
    old: Annotated[Path, typer.Option(help="The older signed tree head you kept (JSON)")],
    new: Annotated[Path, typer.Option(help="The newer signed tree head (JSON)")],
    public_key: Annotated[Path, typer.Option(help="The platform's public key (PEM or base64)")],
) -> None:
    """Verify offline that a newer signed head extends an older one (nothing was rewritten)."""
    key = _public_key(public_key)
    p = _read_json(proof, "proof")
    heads = [_sth_from(_read_json(old, "old")), _sth_from(_read_json(new, "new"))]
    for name, sth in zip(("old", "new"), heads, strict=True):
        if not keys.verify(key, sth.message(), bytes.fromhex(sth.signature)):
            raise ValidationFailed(f"{name}: the tree head's signature does not verify", field=name)
    try:
        sizes = (int(p["old_size"]), int(p["new_size"]))
        path = [bytes.fromhex(h) for h in p["path"]]
    except (KeyError, ValueError, TypeError):
        raise ValidationFailed("proof: not a consistency proof", field="proof") from None
    if sizes != (heads[0].size, heads[1].size):
        raise ValidationFailed("proof: made for other tree sizes than the heads", field="proof")
    ok = merkle.verify_consistency(
        heads[0].size,
        heads[1].size,
        bytes.fromhex(heads[0].root_hash),
        bytes.fromhex(heads[1].root_hash),
        path,
    )
    if not ok:
        err_console.print("[bold red]the newer head does not extend the older one[/]")
        raise typer.Exit(code=1)
    console.print(
        f"[green]the tree of size {heads[1].size} extends the one of size {heads[0].size}[/]"
    )


@log_app.command("verify-export")
@friendly_errors
def log_verify_export(
    package: Annotated[Path, typer.Argument(help="The export package (.zip)")],
    public_key: Annotated[Path, typer.Option(help="The platform's public key (PEM or base64)")],
) -> None:
    """Verify a signed export package offline: signature, file hashes, log entry and proof."""
    key = _public_key(public_key)
    try:
        data = package.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"package: {exc}", field="package") from None
    report = export.verify_package(data, key)
    if not report.ok:
        for problem in report.problems:
            err_console.print(f"[bold red]✗[/] {problem}")
        raise typer.Exit(code=1)
    m = report.manifest
    console.print(
        f"[green]package verified[/]: {len(m['files'])} files, grant {m.get('grant_id')}, "
        f"log entry {m['log_entry']['index']} in signed tree of size {m['tree_head']['size']}"
    )


def _sth_from(data: dict[str, Any]) -> service.SignedTreeHead:
    try:
        return service.SignedTreeHead(
            size=int(data["size"]),
            root_hash=str(data["root_hash"]),
            timestamp_ms=int(data["timestamp_ms"]),
            key_id=str(data["key_id"]),
            signature=str(data["signature"]),
        )
    except (KeyError, ValueError, TypeError):
        raise ValidationFailed("checkpoint: not a signed tree head", field="checkpoint") from None


def _origin(signer: keys.Signer, origin: str | None) -> str:
    return origin or f"chanrong/{signer.key_id}"


@log_app.command("checkpoint")
@friendly_errors
def log_checkpoint(
    origin: Annotated[
        str | None, typer.Option(help="The log's name; default chanrong/KEYID")
    ] = None,
) -> None:
    """Print the current tree head as a C2SP signed-note checkpoint (writes nothing)."""
    signer = _signer()
    name = _origin(signer, origin)
    with unit_of_work() as session:
        head = service.current_root(session)
    typer.echo(
        keys.sign_note(keys.checkpoint_body(name, head.size, head.root), name, signer), nl=False
    )


def _open_checkpoint(path: Path, name: str, key: Any) -> tuple[str, int, bytes]:
    try:
        return keys.read_checkpoint(keys.open_note(path.read_text(encoding="utf-8"), name, key))
    except (OSError, ValueError) as exc:
        raise ValidationFailed(f"checkpoint: {path}: {exc}", field="checkpoint") from None


@log_app.command("witness")
@friendly_errors
def log_witness(
    old: Annotated[Path, typer.Argument(help="The last checkpoint this witness cosigned")],
    new: Annotated[Path, typer.Argument(help="The checkpoint to cosign")],
    public_key: Annotated[Path, typer.Option(help="The log's public key (PEM or base64)")],
    origin: Annotated[str | None, typer.Option(help="The log's name in its checkpoints")] = None,
    witness_dir: Annotated[
        Path | None, typer.Option(help="Where the witness keeps its own key (default var/witness)")
    ] = None,
) -> None:
    """Cosign NEW after checking both are signed by the log and NEW extends OLD (RFC 9162
    consistency, proof from the log, roots from the checkpoints); print NEW with the witness's
    C2SP cosignature/v1 line added."""
    key = _public_key(public_key)
    name = origin or f"chanrong/{keys.key_id_of(keys.public_raw_of(key))}"
    _, old_size, old_root = _open_checkpoint(old, name, key)
    _, new_size, new_root = _open_checkpoint(new, name, key)
    if new_size < old_size:
        raise ValidationFailed("new: the log shrank (a smaller tree than OLD)", field="new")
    path: list[bytes] = []
    if 0 < old_size < new_size:
        with unit_of_work() as session:
            proof = service.consistency_proof(session, old_size, new_size)
        path = [bytes.fromhex(h) for h in proof.path]
    if old_size and not merkle.verify_consistency(old_size, new_size, old_root, new_root, path):
        err_console.print(
            f"[bold red]not cosigned[/]: the tree of size {new_size} does not extend the one of "
            f"size {old_size} (a fork or a rewritten log)"
        )
        raise typer.Exit(code=1)
    witness = keys.load_or_create(witness_dir or settings().var_dir / "witness")
    witness_name = f"chanrong-witness/{witness.key_id}"
    note = new.read_text(encoding="utf-8")
    body = keys.open_note(note, name, key)
    # A C2SP cosignature/v1 line: it binds the time of cosigning, and its own key type keeps
    # it from being taken for the log's signature on the same body.
    line = keys.cosignature_line(body, witness_name, witness, int(utcnow().timestamp()))
    typer.echo(note + line, nl=False)


@log_app.command("rotate-key")
@friendly_errors
def log_rotate_key() -> None:
    """Start a new signing key; the old public key is kept under var/keys/retired/ so the
    heads it signed still verify (pass both to `log verify --public-key`)."""
    signer, retired = keys.rotate(settings().var_dir)
    console.print(f"new signing key {signer.key_id}; the retired public key is in {retired}")
    typer.echo(signer.public_pem, nl=False)

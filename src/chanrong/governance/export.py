"""Signed export packages: a zip a bank can verify offline with the platform's public key.

``export_package`` makes one for a caller (policy check, log entry, signed head, proof);
the rest is the format, which needs no database: building it and checking it offline.

Layout::

    manifest.json   canonical JSON: files with SHA-256, grant, the export's log entry (its exact
                    bytes), a signed tree head and the entry's inclusion proof under that head
    manifest.sig    Ed25519 signature of manifest.json (raw 64 bytes)
    data/<name>     the exported files

``verify_package`` checks, without trusting the transport or the platform's database: the
manifest signature, every file's hash (and that no file was added or removed), that the log
entry names exactly these files, that the entry's bytes hash to its leaf, that the leaf is in
the signed tree head, and the tree head's signature.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from chanrong.core.clock import ensure_aware, utcnow
from chanrong.core.errors import ValidationFailed
from chanrong.governance import merkle
from chanrong.governance.access import authorize_read
from chanrong.governance.domain import Purpose, canonical_json
from chanrong.governance.keys import Signer, key_id_of, public_raw_of, verify
from chanrong.governance.log import LogEntryRef, append_log
from chanrong.governance.proofs import inclusion_proof, sign_tree_head
from chanrong.governance.repository import GovernanceRepository
from chanrong.identity.domain import Principal

FORMAT = "chanrong-export-v1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
DATA_DIR = "data/"


def file_digests(files: Mapping[str, bytes]) -> list[dict[str, Any]]:
    """[{name, sha256, bytes}] sorted by name: what the manifest and the log entry both list."""
    out = []
    for name in sorted(files):
        if not name or "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"file name {name!r}: plain names only, no folders")
        body = files[name]
        out.append({"name": name, "sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)})
    return out


def build_package(
    files: Mapping[str, bytes],
    *,
    signer: Signer,
    header: Mapping[str, Any],
    log_entry_data: str,
    log_index: int,
    tree_head: Mapping[str, Any],
    inclusion_path: list[str],
) -> bytes:
    """The zip bytes of a signed package. ``header`` holds grant id, owner, grantee, purpose."""
    manifest = {
        "format": FORMAT,
        **dict(header),
        "files": file_digests(files),
        "log_entry": {"index": log_index, "data": log_entry_data},
        "tree_head": dict(tree_head),
        "inclusion_proof": inclusion_path,
        "key_id": signer.key_id,
    }
    body = canonical_json(manifest).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MANIFEST, body)
        zf.writestr(SIGNATURE, signer.sign(body))
        for name in sorted(files):
            zf.writestr(DATA_DIR + name, files[name])
    return buf.getvalue()


@dataclass
class PackageReport:
    """What ``verify_package`` found: ``ok`` with no ``problems``, and the manifest it read."""

    ok: bool
    manifest: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def verify_package(package: bytes, public_key: Ed25519PublicKey) -> PackageReport:
    """Check a package end to end with nothing but the platform's public key."""
    problems: list[str] = []
    try:
        zf = zipfile.ZipFile(io.BytesIO(package))
        names = set(zf.namelist())
        body = zf.read(MANIFEST)
        sig = zf.read(SIGNATURE)
    except (zipfile.BadZipFile, KeyError) as exc:
        return PackageReport(False, problems=[f"not a chanrong export package: {exc}"])
    if not verify(public_key, body, sig):
        return PackageReport(False, problems=["manifest signature does not verify"])
    manifest: dict[str, Any] = json.loads(body)
    if manifest.get("format") != FORMAT:
        problems.append(f"unknown format {manifest.get('format')!r}")
    if manifest.get("key_id") != key_id_of(public_raw_of(public_key)):
        problems.append("manifest names a different signing key")
    listed = {f["name"]: f for f in manifest.get("files", [])}
    present = {n[len(DATA_DIR) :] for n in names if n.startswith(DATA_DIR)}
    for name in sorted(present - set(listed)):
        problems.append(f"{name}: in the package but not in the manifest")
    for name, meta in sorted(listed.items()):
        if name not in present:
            problems.append(f"{name}: listed in the manifest but missing")
            continue
        data = zf.read(DATA_DIR + name)
        if hashlib.sha256(data).hexdigest() != meta["sha256"] or len(data) != meta["bytes"]:
            problems.append(f"{name}: contents do not match the manifest hash")
    problems.extend(_check_log_evidence(manifest, public_key))
    return PackageReport(not problems, manifest=manifest, problems=problems)


def _check_log_evidence(manifest: dict[str, Any], public_key: Ed25519PublicKey) -> list[str]:
    problems: list[str] = []
    entry = manifest.get("log_entry") or {}
    head = manifest.get("tree_head") or {}
    try:
        data = str(entry["data"])
        index = int(entry["index"])
        size, root = int(head["size"]), bytes.fromhex(head["root_hash"])
        ts, sig = int(head["timestamp_ms"]), bytes.fromhex(head["signature"])
        path = [bytes.fromhex(h) for h in manifest.get("inclusion_proof", [])]
    except (KeyError, TypeError, ValueError):
        return ["manifest lacks its log entry, tree head or inclusion proof"]
    logged = json.loads(data).get("payload", {})
    wanted = [{"name": f["name"], "sha256": f["sha256"]} for f in manifest.get("files", [])]
    if logged.get("files") != wanted:
        problems.append("the log entry does not name exactly these files")
    if logged.get("grant_id") != manifest.get("grant_id"):
        problems.append("the log entry names a different grant")
    if not verify(public_key, merkle.tree_head_message(size, root, ts), sig):
        problems.append("tree head signature does not verify")
    leaf = merkle.leaf_hash(data.encode())
    if not merkle.verify_inclusion(index, size, leaf, path, root):
        problems.append("the export's log entry is not included in the signed tree head")
    return problems


# --- making a package for a caller ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportResult:
    """A made package: its zip bytes, its ``data.export`` log entry, the grants that allowed it."""

    package: bytes
    log: LogEntryRef
    grant_ids: list[str]
    filename: str


def export_package(
    session: Session,
    principal: Principal,
    signer: Signer,
    *,
    owner_org_id: str,
    datasets: Sequence[str],
    purpose: Purpose | None,
    files: Mapping[str, bytes],
    aggregate: bool = False,
    now: datetime | None = None,
) -> ExportResult:
    """Package ``files`` of an enterprise's ``datasets`` for the caller, signed and logged.

    Every dataset passes ``authorize_read``; the export itself is a ``data.export`` log entry
    naming each file's SHA-256, and the package carries that entry, a signed tree head over
    it and its inclusion proof, so the recipient can verify it offline (``verify_package``).
    """
    if not datasets:
        raise ValidationFailed("datasets: name at least one dataset", field="datasets")
    if not files:
        raise ValidationFailed("files: nothing to export", field="files")
    try:
        digests = file_digests(files)
    except ValueError as exc:
        raise ValidationFailed(f"files: {exc}", field="files") from None
    now = ensure_aware(now) if now else utcnow()
    records = [
        authorize_read(
            session,
            principal,
            owner_org_id=owner_org_id,
            dataset=ds,
            purpose=purpose,
            aggregate=aggregate,
            now=now,
        )
        for ds in sorted(set(datasets))
    ]
    grant_ids = sorted({r.grant_id for r in records if r.grant_id})
    header = {
        "owner_org_id": owner_org_id,
        "recipient_org_id": principal.org_id,
        "purpose": purpose.value if purpose else None,
        "datasets": sorted(set(datasets)),
        "grant_id": grant_ids[0] if len(grant_ids) == 1 else None,
        "grant_ids": grant_ids,
        "created_at": now.isoformat(),
    }
    ref = append_log(
        session,
        kind="data.export",
        actor_org_id=principal.org_id,
        subject=f"{owner_org_id}:export",
        payload={
            **header,
            "files": [{"name": d["name"], "sha256": d["sha256"]} for d in digests],
        },
        at=now,
    )
    sth = sign_tree_head(session, signer, now=now)
    proof = inclusion_proof(session, ref.index, sth.size)
    entry = GovernanceRepository(session).log_entry(ref.index)
    assert entry is not None
    package = build_package(
        files,
        signer=signer,
        header=header,
        log_entry_data=entry.data,
        log_index=ref.index,
        tree_head=asdict(sth),
        inclusion_path=proof.path,
    )
    return ExportResult(
        package=package,
        log=ref,
        grant_ids=grant_ids,
        filename=f"chanrong-export-{owner_org_id[:8]}-{ref.index}.zip",
    )

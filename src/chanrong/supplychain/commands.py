"""Certificate write operations as named commands with plain JSON arguments.

A command is one JSON object: ``op`` names the use case, ``api_key`` the user who acts (the
API key that user would send as ``Authorization: Bearer`` to the HTTP API), ``as`` the
organisation that user acts for, the other keys its arguments, and ``at`` (optional) the
moment it happens (ISO 8601 with a timezone; the writer's clock when absent)::

    {"op": "split", "api_key": "crk_…", "as": "<org id>", "cert_id": "...",
     "parts_fen": [300000, 200000]}
    {"op": "transfer", "api_key": "…", "as": "...", "cert_id": "...", "to_org_id": "..."}
    {"op": "finance_request", "api_key": "…", "as": "...", "cert_id": "...", "bank_org_id": "..."}
    {"op": "finance_quote", "api_key": "…", "as": "<bank>", "financing_id": "...",
     "annual_rate_percent": "3.85", "day_count": "ACT/360", "recourse": true}
    {"op": "finance_accept", "api_key": "…", "as": "...", "financing_id": "..."}
    {"op": "settle", "api_key": "…", "as": "<core enterprise>", "payable_id": "..."}
    {"op": "mark_overdue", "api_key": "<operator's>", "cert_id": "...", "day": "2026-05-01"}
    {"op": "recourse", "api_key": "…", "as": "<bank>", "cert_id": "..."}

(``mark_overdue`` is the worker's job, done for the platform: no ``as``, and the key must be
an officer's of the platform operator.)

``parse`` turns the bytes into a ``Command`` or refuses them (``ValidationFailed`` naming the
field: an unknown op or key, a missing or mistyped value; money is integer fen and a rate a
decimal string, never a JSON float). ``authorise`` then checks each command's user as the
HTTP routes check theirs: the key verified as the API verifies it (unknown, revoked or
expired keys and inactive users refused, ``Unauthenticated`` naming ``api_key``), the user a
member of the organisation named in ``as`` (else ``Forbidden`` naming ``as``), and of the
kind of organisation and with the role the same write's route asks (``permits.WRITES``; else
``Forbidden`` naming ``api_key``); with ``KnownKeys`` a key verified for an earlier batch
is trusted again, its expiry apart, until identity's rows change. ``Command.use_case`` gives
the function of a session that runs the service's own use case as that user, and ``answer``
the JSON reply to what it returned.

Which processes may send commands at all is decided by the channel (``command_link``: a
local socket whose clients prove a shared key); who acts, and whether they may, by the
command's key, as over HTTP.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import ChanrongError, Forbidden, Unauthenticated, ValidationFailed
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal, VerifiedKey
from chanrong.supplychain import permits, service

# Each op's arguments: name -> kind ("id": a non-empty string, "fen": a positive integer,
# "fens": a non-empty list of them, "rate": a decimal string, "day_count", "bool", "date").
_ARGS: dict[str, dict[str, str]] = {
    "split": {"cert_id": "id", "parts_fen": "fens"},
    "transfer": {"cert_id": "id", "to_org_id": "id"},
    "finance_request": {"cert_id": "id", "bank_org_id": "id"},
    "finance_quote": {
        "financing_id": "id",
        "annual_rate_percent": "rate",
        "day_count": "day_count",
        "recourse": "bool",
    },
    "finance_accept": {"financing_id": "id"},
    "settle": {"payable_id": "id"},
    "mark_overdue": {"cert_id": "id", "day": "date"},
    "recourse": {"cert_id": "id"},
}
# Ops run by the platform itself (the worker's jobs), not by an organisation's officer.
_SYSTEM_OPS = frozenset({"mark_overdue"})
# Arguments that may be left out, with what leaving them out means.
_OPTIONAL = frozenset({"recourse"})
OPS = tuple(_ARGS)


@dataclass(frozen=True, slots=True)
class Command:
    """One parsed command: the op, the organisation acting (None for a system op), its
    arguments as typed values, when it happens (None: the writer's clock), and the API key
    of the user acting (never shown)."""

    op: str
    org_id: str | None
    args: Mapping[str, Any]
    at: datetime | None
    api_key: str = field(repr=False)

    def use_case(
        self, principal: Principal
    ) -> tuple[Callable[[Session], Any], Callable[[Session], object] | None]:
        """The use case as a function of a session, and its read-only first check where
        the op has one (the holder's: refuses a lost race before anything is written).
        ``principal`` is the user acting, as ``authorise`` admitted them."""
        a, at = self.args, self.at

        def who(_s: Session) -> Principal:
            return principal

        check: Callable[[Session], object] | None = None
        if "cert_id" in a and self.op in ("split", "transfer", "finance_request"):

            def check(s: Session) -> object:
                service.check_can_act(s, who(s), a["cert_id"], now=at)
                return None

        fn: Callable[[Session], Any]
        match self.op:
            case "split":
                fn = lambda s: service.split_certificate(  # noqa: E731
                    s, who(s), a["cert_id"], a["parts_fen"], now=at
                )
            case "transfer":
                fn = lambda s: service.transfer_certificate(  # noqa: E731
                    s, who(s), a["cert_id"], to_org_id=a["to_org_id"], now=at
                )
            case "finance_request":
                fn = lambda s: service.request_financing(  # noqa: E731
                    s, who(s), a["cert_id"], bank_org_id=a["bank_org_id"], now=at
                )
            case "finance_quote":
                fn = lambda s: service.quote_financing(  # noqa: E731
                    s,
                    who(s),
                    a["financing_id"],
                    annual_rate_percent=a["annual_rate_percent"],
                    day_count=a["day_count"],
                    recourse=a.get("recourse", False),
                    now=at,
                )
            case "finance_accept":
                fn = lambda s: service.accept_financing(s, who(s), a["financing_id"], now=at)  # noqa: E731
            case "settle":
                fn = lambda s: service.settle_payable(s, who(s), a["payable_id"], now=at)  # noqa: E731
            case "mark_overdue":
                fn = lambda s: service.mark_overdue(s, a["cert_id"], day=a["day"], now=at)  # noqa: E731
            case "recourse":
                fn = lambda s: service.execute_recourse(s, who(s), a["cert_id"], now=at)  # noqa: E731
            case _:  # parse admits only the ops above
                raise ValidationFailed(f"op: unknown operation {self.op!r}", field="op")
        return fn, check


def _refuse(field: str, why: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {why}", field=field)


def _value(field: str, kind: str, raw: Any) -> Any:
    """One argument as its typed value, or refused naming ``field``."""
    if kind == "id":
        if not isinstance(raw, str) or not raw.strip():
            raise _refuse(field, "a non-empty string is required")
        return raw
    if kind == "fens":
        if not isinstance(raw, list) or not raw:
            raise _refuse(field, "a non-empty list of amounts in fen is required")
        return [_value(f"{field}[{i}]", "fen", x) for i, x in enumerate(raw)]
    if kind == "fen":
        # bool is an int in Python, and a JSON float is never money.
        if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
            raise _refuse(field, "a positive whole number of fen is required")
        return raw
    if kind == "rate":
        if not isinstance(raw, str):
            raise _refuse(field, 'a decimal string is required (e.g. "3.85"), never a number')
        try:
            rate = Decimal(raw)
        except InvalidOperation:
            raise _refuse(field, f"{raw!r} is not a decimal number") from None
        if not rate.is_finite():
            raise _refuse(field, f"{raw!r} is not a decimal number")
        return rate
    if kind == "day_count":
        try:
            return service.DayCount(raw)
        except ValueError:
            names = ", ".join(d.value for d in service.DayCount)
            raise _refuse(field, f"one of {names} is required") from None
    if kind == "bool":
        if not isinstance(raw, bool):
            raise _refuse(field, "true or false is required")
        return raw
    if kind == "date":
        if not isinstance(raw, str):
            raise _refuse(field, "a date (YYYY-MM-DD) is required")
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise _refuse(field, f"{raw!r} is not a date (YYYY-MM-DD)") from None
    raise AssertionError(f"unknown argument kind {kind}")


def _moment(raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise _refuse("at", "an ISO 8601 date and time with a timezone is required")
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise _refuse("at", f"{raw!r} is not an ISO 8601 date and time") from None
    if at.tzinfo is None:
        raise _refuse("at", "a timezone is required (e.g. +08:00 or Z)")
    return at


def from_object(body: Any) -> Command:
    """A command from its decoded JSON object; ``ValidationFailed`` naming the field."""
    if not isinstance(body, dict):
        raise _refuse("command", "a JSON object is required")
    op = body.get("op")
    if op not in _ARGS:
        raise _refuse("op", f"one of {', '.join(OPS)} is required, not {op!r}")
    spec = _ARGS[op]
    system = op in _SYSTEM_OPS
    allowed = {"op", "at", "api_key", *spec} | (set() if system else {"as"})
    # Nothing is dropped silently: a key the op does not take is an error naming it.
    for key in body:
        if key not in allowed:
            raise _refuse(str(key), f"not an argument of {op}")
    org_id = None if system else _value("as", "id", body.get("as"))
    args = {}
    for name, kind in spec.items():
        if name not in body:
            if name in _OPTIONAL:
                continue
            raise _refuse(name, f"required by {op}")
        args[name] = _value(name, kind, body[name])
    at = _moment(body["at"]) if "at" in body else None
    api_key = _value("api_key", "id", body.get("api_key"))
    return Command(op=op, org_id=org_id, args=args, at=at, api_key=api_key)


def parse(raw: bytes) -> Command:
    """A command from its JSON bytes; ``ValidationFailed`` naming the field when it is not one."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _refuse("command", "not valid JSON") from None
    return from_object(body)


def encode(
    op: str, org_id: str | None = None, *, api_key: str, at: datetime | None = None, **args: Any
) -> bytes:
    """A command's JSON bytes (what a client sends): ``encode("split", org, api_key=key,
    cert_id=..., parts_fen=[...])``. Decimals go as strings, dates and moments in ISO 8601."""
    body: dict[str, Any] = {"op": op, "api_key": api_key}
    if org_id is not None:
        body["as"] = org_id
    if at is not None:
        body["at"] = at.isoformat()
    for key, value in args.items():
        body[key] = str(value) if isinstance(value, Decimal) else value
    return orjson.dumps(body)


def _cert(c: Any) -> dict[str, Any]:
    return {"id": c.id, "holder_org_id": c.holder_org_id, "face_fen": c.face_fen, "state": c.state}


def result_of(op: str, out: Any) -> Any:
    """The plain JSON value of what an op's use case returned."""
    if op == "split":
        return [_cert(c) for c in out]
    if op in ("transfer", "recourse"):
        return _cert(out)
    if op.startswith("finance_"):
        return {"id": out.id, "state": out.state, "proceeds_fen": out.proceeds_fen}
    if op == "settle":
        return [{"payee_org_id": p.payee_org_id, "amount_fen": p.amount_fen} for p in out]
    if op == "mark_overdue":
        return bool(out)
    raise AssertionError(f"no result shape for {op}")


def answer(op: str, out: Any) -> bytes:
    """The reply to a command that succeeded."""
    return orjson.dumps({"ok": True, "result": result_of(op, out)})


def refusal(exc: BaseException) -> bytes:
    """The reply to a command that failed: a ``ChanrongError``'s own problem (type, status,
    detail, field); anything else as an internal error, its detail not shown."""
    if isinstance(exc, ChanrongError):
        problem = {"type": exc.type_slug, "status": exc.status, "detail": exc.detail}
        if exc.field is not None:
            problem["field"] = exc.field
    else:
        problem = {"type": "error", "status": 500, "detail": "internal error"}
    return orjson.dumps({"ok": False, "error": problem})


def _error_classes() -> dict[str, type[ChanrongError]]:
    found: dict[str, type[ChanrongError]] = {}
    todo: list[type[ChanrongError]] = [ChanrongError]
    while todo:
        cls = todo.pop()
        found.setdefault(cls.type_slug, cls)
        todo.extend(cls.__subclasses__())
    return found


class CommandFailed(ChanrongError):
    """A command the writer could not run for a reason it does not show (an internal
    error there): not a refusal by the rules."""

    type_slug = "command-failed"


def outcome(raw: bytes) -> Any:
    """A reply's result, or its error raised as the ``ChanrongError`` class its type names
    (``Conflict`` for a lost race, ``ValidationFailed`` naming the field, …); an internal
    error as ``CommandFailed``."""
    body = orjson.loads(raw)
    if body.get("ok"):
        return body["result"]
    problem = body["error"]
    if problem["status"] >= 500:
        raise CommandFailed(problem["detail"])
    cls = _error_classes().get(problem["type"], ChanrongError)
    raise cls(problem["detail"], field=problem.get("field"))


class KnownKeys:
    """API keys a writer has verified, trusted again while identity's rows are unchanged.

    ``authorise`` reads identity's stamp (``identity.service.identity_stamp``: one read of one
    row, replaced in the same transaction by every write of an organisation, a user or an API
    key) before anything else, in the same read as the keys. While it reads the same, a key
    verified under it is taken from here: its user, organisation, kind and roles are as they
    were then, and only its expiry is checked again, against the batch's clock. A stamp that
    changed (a key revoked, a user deactivated, a role or membership changed — or any other
    identity write) empties this, and every key of that batch is verified afresh. No stamp:
    nothing is kept. Only verified keys are kept (a refusal is read again next time), by
    their SHA-256 (the raw key is not held), at most ``size`` of them.

    For one thread (the command link's loop)."""

    def __init__(self, size: int = 4096) -> None:
        """Keep at most ``size`` keys (the oldest go first)."""
        self.size = size
        self.stamp: str | None = None
        self.hits = 0  # keys taken from here, for the benchmark's figures
        self.misses = 0  # keys verified against their rows
        self._keys: dict[bytes, VerifiedKey] = {}

    def at_stamp(self, stamp: str | None) -> None:
        """Keep what was verified under ``stamp``; forget everything when it changed or is None."""
        if stamp is None or stamp != self.stamp:
            self._keys.clear()
        self.stamp = stamp

    def get(self, raw: str) -> VerifiedKey | None:
        """The key verified under the current stamp, or None."""
        return self._keys.get(_digest(raw))

    def add(self, raw: str, key: VerifiedKey) -> None:
        """Keep ``key`` (verified under the current stamp) unless there is no stamp."""
        if self.stamp is None:
            return
        if len(self._keys) >= self.size:
            del self._keys[next(iter(self._keys))]
        self._keys[_digest(raw)] = key

    def clear(self) -> None:
        """Forget every key (the next batch verifies all of its own)."""
        self._keys.clear()
        self.stamp = None


def _digest(raw: str) -> bytes:
    return hashlib.sha256(raw.encode()).digest()


def authorise(
    session: Session,
    batch: Sequence[Command],
    known: KnownKeys | None = None,
    *,
    now: datetime | None = None,
) -> list[Principal | ChanrongError]:
    """Each command's user, admitted as the HTTP routes admit theirs, or why not (in order).

    The user is the one behind the command's ``api_key``, verified exactly as the API
    verifies a key (``identity.service.verified_key``: one indexed read of the key, its
    user and organisation; argon2 once per key per process), each distinct key once per
    call; the caller calls once per batch. With ``known`` (the command link's), a key
    verified by an earlier call is taken from there while identity's stamp, read first, is
    unchanged (``KnownKeys``): then the batch costs one read of one row. Either way a key
    revoked or expired, a user deactivated or a role or membership taken away refuses every
    command of every batch authorised after that committed. The user must then belong to
    the organisation named in ``as`` and meet the op's ``permits.WRITES``. A refusal is a
    ``ChanrongError`` naming the field (``api_key`` or ``as``), returned, not raised, so
    that one command's refusal leaves the others alone. ``now`` (the clock's when None) is
    the moment keys must not have expired by."""
    now = now or utcnow()
    if known is not None:
        # Read before any key: on PostgreSQL each statement sees the latest commits, so a
        # key read after it is at least as new as the stamp it is kept under.
        known.at_stamp(identity.identity_stamp(session))
    users: dict[str, Principal | ChanrongError] = {}
    out: list[Principal | ChanrongError] = []
    for cmd in batch:
        user = users.get(cmd.api_key)
        if user is None:
            user = users[cmd.api_key] = _verify(session, cmd.api_key, known, now)
        out.append(_verdict(cmd, user))
    return out


def authorise_kept(
    batch: Sequence[Command], known: KnownKeys, *, now: datetime
) -> list[Principal | ChanrongError] | None:
    """``authorise`` from the keys ``known`` keeps, with no read at all; None unless every
    key of the batch is kept there. The answer holds only while identity's stamp is still
    ``known.stamp``: the caller must check that in the batch's own write transaction
    (``stamp_is``) before acting on it, and authorise afresh when it is not."""
    if known.stamp is None:
        return None
    kept: dict[str, VerifiedKey] = {}
    for cmd in batch:
        if cmd.api_key not in kept:
            key = known.get(cmd.api_key)
            if key is None:
                return None
            kept[cmd.api_key] = key
    known.hits += len(kept)
    users = {raw: _unexpired(key, now) for raw, key in kept.items()}
    return [_verdict(cmd, users[cmd.api_key]) for cmd in batch]


def stamp_is(session: Session, stamp: str) -> bool:
    """Whether identity's stamp, read in ``session``'s transaction, is still ``stamp``."""
    return identity.identity_stamp(session) == stamp


def _verdict(cmd: Command, user: Principal | ChanrongError) -> Principal | ChanrongError:
    return user if isinstance(user, ChanrongError) else _admit(cmd, user)


def _unexpired(key: VerifiedKey, now: datetime) -> Principal | ChanrongError:
    try:
        return identity.unexpired(key, now=now)
    except Unauthenticated as exc:
        return Unauthenticated(f"api_key: {exc.detail}", field="api_key")


def _verify(
    session: Session, raw: str, known: KnownKeys | None, now: datetime
) -> Principal | ChanrongError:
    if known is not None:
        kept = known.get(raw)
        if kept is not None:
            known.hits += 1
            return _unexpired(kept, now)
        known.misses += 1
    try:
        key = identity.verified_key(session, raw, now=now)
    except Unauthenticated as exc:
        return Unauthenticated(f"api_key: {exc.detail}", field="api_key")
    if known is not None:
        known.add(raw, key)
    return key.principal


def _admit(cmd: Command, user: Principal) -> Principal | ChanrongError:
    if cmd.org_id is not None and user.org_id != cmd.org_id:
        # Also when ``as`` names no organisation at all: nobody is a member of it.
        return Forbidden(
            f"as: the user of this api_key is not a member of organisation {cmd.org_id}",
            field="as",
        )
    why = permits.WRITES[cmd.op].refusal(user)
    if why is not None:
        return Forbidden(f"api_key: {why}", field="api_key")
    return user

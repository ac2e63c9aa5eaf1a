"""One logging configuration for every entry point (``chanrong serve``, each API worker,
``chanrong demo``, every CLI command, a worker): JSON lines when ``CHANRONG_LOG_JSON`` is set,
readable console lines otherwise.

- structlog events and standard-library records (uvicorn's included) go through one handler
  and one formatter, so both are rendered and redacted the same way;
- tracebacks never carry local variables (a pretty traceback with locals once turned one 500
  into 15,000 lines, with API keys in them, rendered for seconds on the event loop): plain
  ``traceback`` text on the console, structlog's dict tracebacks without locals in JSON;
- ``redact`` removes secrets before anything is written: by key name (passwords, tokens, keys,
  cookies, Authorization …) and by value (API keys ``crk_…``, JWTs ``eyJ…``, ``Bearer …``,
  ``password=…`` pairs, passwords in URLs, and every value given to ``register_secret``: the
  token-signing secret and the database password), in messages and exception text alike.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import unquote, urlsplit

import structlog
from structlog.tracebacks import ExceptionDictTransformer

if TYPE_CHECKING:
    from chanrong.core.settings import Settings

REDACTED = "[redacted]"
# Key names (split on anything not a letter or digit) whose values are never logged.
_SENSITIVE_PARTS = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "secrets",
        "token",
        "tokens",
        "key",
        "keys",
        "apikey",
        "authorization",
        "authorisation",
        "cookie",
        "cookies",
        "credential",
        "credentials",
        "csrf",
        "jwt",
        "bearer",
        "signature",
    }
)
_KEY_SPLIT = re.compile(r"[^a-z0-9]+")

# Secrets recognisable by their form. One alternation, so each string is scanned once.
_PATTERNS = re.compile(
    "|".join(
        (
            # The project's API keys: crk_<12 hex prefix>_<secret>; the prefix is not secret.
            r"(?P<apikey>\bcrk_(?P<prefix>[0-9a-f]{12}_)?[A-Za-z0-9_\-]{6,})",
            # JWTs (and fragments of one): base64url of '{"' starts with eyJ.
            r"(?P<jwt>\beyJ[A-Za-z0-9_\-]{8,}(?:\.[A-Za-z0-9_\-]*){0,2})",
            # Authorization header values.
            r"(?P<scheme>\b(?:[Bb]earer|BEARER|[Bb]asic|BASIC)\s+)[A-Za-z0-9._~+/=\-]+",
            # name=value, name: value, 'name': 'value', "name": "value" for secret-ish names.
            r"(?P<pair>\b(?i:password|passwd|pwd|secret|jwt_secret|token|access_token|"
            r"refresh_token|csrf_token|chanrong_token|chanrong_csrf|api_key|apikey|"
            r"authorization|cookie|set-cookie)[\"']?\s*[:=]\s*[\"']?)[^\"'\s&;,}\]]+",
            # user:password@ in URLs.
            r"(?P<url>\b[a-z][a-z0-9+.\-]*://[^:/\s@]*:)[^@\s/]+(?=@)",
        )
    )
)

_lock = threading.Lock()
_literals: set[str] = set()
_literal_re: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Never write ``value`` to a log (the token-signing secret, the database password).

    Values shorter than 8 characters are ignored: redacting them would mangle ordinary text.
    """
    global _literal_re
    if not value or len(value) < 8 or value in _literals:
        return
    with _lock:
        _literals.add(value)
        # Longest first, so a secret containing another is removed whole.
        ordered = sorted(_literals, key=len, reverse=True)
        _literal_re = re.compile("|".join(re.escape(v) for v in ordered))


def register_url_password(url: str) -> None:
    """Register the password inside a database URL (as written and percent-decoded)."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return
    if password:
        register_secret(password)
        register_secret(unquote(password))


def _replace(match: re.Match[str]) -> str:
    if match.group("apikey"):
        prefix = match.group("prefix")
        return f"crk_{prefix}{REDACTED}" if prefix else f"crk_{REDACTED}"
    if match.group("jwt"):
        return "[redacted-jwt]"
    for name in ("scheme", "pair", "url"):
        head = match.group(name)
        if head:
            return head + REDACTED
    return REDACTED  # pragma: no cover (every alternative has a named group)


def redact_text(text: str) -> str:
    """``text`` with every recognisable secret replaced."""
    literal = _literal_re
    if literal is not None:
        text = literal.sub(REDACTED, text)
    return _PATTERNS.sub(_replace, text)


def sensitive_key(name: str) -> bool:
    """Whether a field called ``name`` holds a secret (``api_key``, ``X-CSRF-Token`` …)."""
    return any(part in _SENSITIVE_PARTS for part in _KEY_SPLIT.split(name.lower()))


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            k: (
                REDACTED
                if isinstance(k, str) and sensitive_key(k) and v is not None
                else _redact_value(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    if isinstance(value, BaseException):
        return redact_text(repr(value))
    return value


# Keys structlog and the formatter own: never secrets, and some must keep their type.
_PLUMBING = frozenset({"_record", "_from_structlog", "exc_info", "level", "timestamp", "logger"})


def redact(_logger: Any, _method: str, event_dict: Any) -> Any:
    """structlog processor: secrets out of every field, nested ones and exception text too."""
    for key, value in list(event_dict.items()):
        if key in _PLUMBING:
            continue
        if sensitive_key(key) and value is not None:
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _redact_value(value)
    return event_dict


class _OurHandler(logging.StreamHandler[TextIO]):
    """The one handler ``configure_logging`` installs (marked so a second call replaces it).

    Without a stream of its own it writes to whatever ``sys.stderr`` is at the time of each
    record, not the one of configuration time (a test runner swaps it per command)."""

    def __init__(self, stream: TextIO | None) -> None:
        self._fixed: TextIO | None = stream
        super().__init__(stream)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return self._fixed or sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        self._fixed = self._fixed and value


# Loggers that come with their own handlers elsewhere; here they only propagate to the root.
_ROUTED = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi", "fastapi")
# Libraries that narrate routine work at INFO (each migration step, each HTTP call): heard
# from at WARNING unless DEBUG is asked for, so a command's own output stays readable.
_CHATTY = ("alembic", "httpx", "httpcore")


def configure_logging(
    settings: Settings | None = None,
    *,
    json: bool | None = None,
    level: str | None = None,
    stream: TextIO | None = None,
) -> None:
    """Route structlog and the standard library (uvicorn too) through one redacting handler.

    ``json`` and ``level`` default to ``settings`` (``CHANRONG_LOG_JSON``, ``CHANRONG_LOG_LEVEL``);
    ``stream`` defaults to standard error. Safe to call again: the previous handler is replaced.
    """
    if settings is None and (json is None or level is None):
        from chanrong.core.settings import get_settings

        settings = get_settings()
    if settings is not None:
        json = settings.log_json if json is None else json
        level = settings.log_level if level is None else level
        register_secret(settings.jwt_secret)
        register_url_password(settings.database_url)
    as_json = bool(json)
    level_no = logging.getLevelName((level or "INFO").upper())
    if not isinstance(level_no, int):
        level_no = logging.INFO

    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    exceptions: structlog.types.Processor = (
        structlog.processors.ExceptionRenderer(
            ExceptionDictTransformer(show_locals=False, use_rich=False)
        )
        if as_json
        else structlog.processors.format_exc_info
    )
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if as_json
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            exceptions,
            redact,
            renderer,
        ],
    )
    handler = _OurHandler(stream)
    handler.setFormatter(formatter)

    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level_no)
    for name in _ROUTED:
        routed = logging.getLogger(name)
        routed.handlers.clear()
        routed.propagate = True
    for name in _CHATTY:
        logging.getLogger(name).setLevel(level_no if level_no <= logging.DEBUG else logging.WARNING)

    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(level_no),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )

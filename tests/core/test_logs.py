"""One logging configuration: structlog and the standard library (uvicorn included) through one
redacting handler; tracebacks without local variables; every command configures it."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
import typer
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.logs import configure_logging, redact_text, register_secret, sensitive_key
from chanrong.core.settings import Settings, get_settings

API_KEY = "crk_0123456789ab_" + "Q" * 43
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIiwic2lkIjoieCJ9.c2lnbmF0dXJlLWJ5dGVz"
SECRET = "installation-signing-secret-" + "z" * 20


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(json=False, level="DEBUG", stream=stream)
    yield stream
    configure_logging(json=False, level="WARNING")


def _fail_with_locals() -> None:
    local_api_key = API_KEY  # noqa: F841 (a local a pretty traceback would print)
    local_marker = "LOCAL-VARIABLE-MARKER"  # noqa: F841
    raise RuntimeError("upstream refused the call")


@pytest.mark.parametrize("as_json", [False, True])
def test_tracebacks_never_show_local_variables(as_json: bool) -> None:
    stream = io.StringIO()
    configure_logging(json=as_json, level="INFO", stream=stream)
    try:
        try:
            _fail_with_locals()
        except RuntimeError:
            structlog.get_logger("chanrong.test").exception("structlog_failure")
            logging.getLogger("uvicorn.error").exception("stdlib failure")
    finally:
        configure_logging(json=False, level="WARNING")
    out = stream.getvalue()
    # The message twice (one traceback per logger) …
    if as_json:
        assert out.count('"exc_value": "upstream refused the call"') == 2
    else:
        assert out.count("RuntimeError: upstream refused the call") == 2
    assert "_fail_with_locals" in out  # the frames are there …
    assert "LOCAL-VARIABLE-MARKER" not in out  # … their variables are not
    assert "QQQQQQQQ" not in out
    if as_json:
        lines = [json.loads(line) for line in out.splitlines()]
        assert {line["event"] for line in lines} == {"structlog_failure", "stdlib failure"}
        frames = [f for line in lines for exc in line["exception"] for f in exc["frames"]]
        assert frames
        assert all(set(f) == {"filename", "lineno", "name"} for f in frames)


def test_secrets_are_redacted_by_key_and_by_value(captured: io.StringIO) -> None:
    register_secret(SECRET)
    log = structlog.get_logger("chanrong.test")
    log.info(
        "call",
        api_key="plain-looking-value",
        headers={"Authorization": "Basic dXNlcjpwYXNz", "X-CSRF-Token": "abc123", "accept": "x"},
        password="hunter2-hunter2",
        note=f"key {API_KEY} token {JWT} secret {SECRET}",
        url="postgresql+psycopg://chanrong:db-pass-123@db/chanrong",
    )
    logging.getLogger("uvicorn.access").info(
        '%s - "GET /x?token=%s HTTP/1.1" %d', "10.0.0.1", JWT, 200
    )
    logging.getLogger("thirdparty").warning(
        "request headers: %s",
        {"authorization": f"Bearer {API_KEY}", "cookie": f"chanrong_token={JWT}"},
    )
    try:
        raise ValueError(f"bad input password='hunter2-hunter2' with {SECRET}")
    except ValueError:
        logging.getLogger("thirdparty").exception("while parsing")
    out = captured.getvalue()
    for secret in (
        "plain-looking-value",
        "dXNlcjpwYXNz",
        "abc123",
        "hunter2-hunter2",
        API_KEY,
        JWT,
        JWT.split(".")[1],
        SECRET,
        "db-pass-123",
    ):
        assert secret not in out, secret
    # What is not secret stays readable: the key's public prefix, the path, the status.
    assert "crk_0123456789ab_[redacted]" in out
    assert "GET /x?token=[redacted]" in out
    assert "'accept': 'x'" in out
    assert "while parsing" in out


def test_redaction_helpers() -> None:
    assert sensitive_key("api_key")
    assert sensitive_key("X-CSRF-Token")
    assert sensitive_key("jwt_secret")
    assert not sensitive_key("request_id")
    assert not sensitive_key("path")
    assert redact_text("Bearer abc.def-ghi") == "Bearer [redacted]"
    assert redact_text("nothing secret here") == "nothing secret here"


def _typer_apps(root: typer.Typer) -> Iterator[typer.Typer]:
    yield root
    for group in root.registered_groups:
        if group.typer_instance is not None:
            yield from _typer_apps(group.typer_instance)


def test_no_typer_app_shows_locals() -> None:
    apps = list(_typer_apps(app))
    assert len(apps) >= 15
    assert all(a.pretty_exceptions_show_locals is False for a in apps)


def test_every_command_configures_logging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CHANRONG_JWT_SECRET", SECRET)
    monkeypatch.delenv("CHANRONG_DATABASE_URL", raising=False)
    logging.getLogger().handlers.clear()
    structlog.reset_defaults()
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "upgrade"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    # After any command, both kinds of logger go through the redacting handler.
    structlog.get_logger("chanrong.test").warning("after", note=SECRET)
    logging.getLogger("uvicorn.error").warning("stdlib %s", API_KEY)
    err = capsys.readouterr().err
    assert "after" in err and "stdlib crk_0123456789ab_[redacted]" in err
    assert SECRET not in err
    configure_logging(Settings(jwt_secret=SECRET), level="WARNING")

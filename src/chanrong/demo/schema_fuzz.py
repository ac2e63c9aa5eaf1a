"""Schema fuzzing of the HTTP API with schemathesis, as each kind of caller.

Every operation of the OpenAPI description is called with generated inputs (valid and invalid)
by an anonymous caller and by a member of each organisation kind, in process through the ASGI
app. Each answer is checked against the description: no 5xx, only declared status codes and
content types, bodies and headers that match their schemas, and invalid inputs refused.

It lives in ``demo/`` because only the test suite (bounded) and ``benchmarks/fuzz.py`` (at least
10,000 cases) run it; the platform itself never does.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

import schemathesis
import structlog
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import checks
from sqlalchemy.orm import Session

from chanrong.core.uscc import CHARSET, make_uscc
from chanrong.identity import service as identity

# What every answer must satisfy. Left out: ``positive_data_acceptance`` (a schema-valid body
# can still be refused with 422 by a business rule, e.g. a day outside a loan's term) and the
# stateful checks, which need links between operations the description does not declare.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
    checks.negative_data_rejection,
]

# (organisation kind, its attributes, the role its member acts in)
CALLERS: tuple[tuple[str, str, dict[str, str], str], ...] = (
    ("operator", "platform_operator", {}, "admin"),
    ("enterprise", "enterprise", {"industry_code": "C34", "region_code": "330500"}, "admin"),
    ("bank", "financial_institution", {"institution_type": "bank"}, "officer"),
    ("insurer", "financial_institution", {"institution_type": "insurer"}, "officer"),
    ("lessor", "financial_institution", {"institution_type": "lessor"}, "officer"),
    ("guarantor", "financial_institution", {"institution_type": "guarantor"}, "officer"),
    ("fund manager", "financial_institution", {"institution_type": "fund_manager"}, "officer"),
    ("government", "analyst", {"analyst_type": "government"}, "officer"),
)

# Path parameters that name an organisation: half the cases use a real enterprise's id, so the
# calls get past "not found" into the consent and business checks.
ORG_PARAMETERS = frozenset({"org_id", "org", "enterprise_org_id", "owner_org_id"})


@dataclass(frozen=True)
class Caller:
    """Who calls: a name for the report and the headers that authenticate it."""

    name: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Failure:
    """One answer that broke a check."""

    operation: str
    caller: str
    status: int
    message: str


@dataclass
class FuzzReport:
    """Cases run, answers by status class, and the failures, per operation and caller."""

    cases: int = 0
    seconds: float = 0.0
    by_status: Counter[str] = field(default_factory=Counter)
    by_caller: Counter[str] = field(default_factory=Counter)
    operations: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def server_errors(self) -> int:
        """Answers with a 5xx status."""
        return self.by_status["5xx"]


def seed_callers(session: Session) -> tuple[list[Caller], str]:
    """A member of each organisation kind with an API key, the anonymous caller first, and
    the id of the enterprise whose id stands in for organisation path parameters."""
    callers = [Caller("anonymous", {})]
    enterprise_id = ""
    for name, kind, attrs, role in CALLERS:
        extra: dict[str, Any] = dict(attrs)
        if kind == "enterprise":
            body = "MA" + "".join(secrets.choice(CHARSET) for _ in range(6))
            extra["uscc"] = make_uscc("9", "1", "330500", body).code
        org = identity.create_organisation(
            session,
            name=f"fuzz-{name.replace(' ', '-')}-{secrets.token_hex(3)}",
            kind=kind,
            **extra,
        )
        if kind == "enterprise":
            enterprise_id = org.id
        user = identity.create_user(
            session, org_id=org.id, username=f"fuzz-{name.replace(' ', '-')}-{role}", roles=[role]
        )
        _, key = identity.create_api_key(session, user_id=user.id, name="fuzz")
        callers.append(Caller(f"{name} {role}", {"Authorization": f"Bearer {key}"}))
    return callers, enterprise_id


@contextmanager
def _quiet() -> Iterator[None]:
    # Thousands of request log lines say nothing here; failures are collected instead.
    before = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
        structlog.configure(**before)


def _status_class(code: int) -> str:
    return f"{code // 100}xx"


def fuzz(
    app: FastAPI,
    callers: Sequence[Caller],
    enterprise_id: str,
    *,
    max_examples: int,
    select: Callable[[str, str], bool] | None = None,
) -> FuzzReport:
    """Run every operation (or those ``select(method, path)`` keeps) for each caller with up
    to ``max_examples`` generated cases, deterministically (the same cases every run)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    report = FuzzReport()
    started = time.perf_counter()
    with _quiet():
        for result in schema.get_all_operations():
            # An operation the description cannot express is a failure of its own: ok() raises.
            op = cast(Any, result).ok()
            method = op.method.upper()
            if select is not None and not select(method, op.path):
                continue
            report.operations += 1
            for caller in callers:
                _fuzz_one(op, caller, enterprise_id, max_examples, report)
    report.seconds = time.perf_counter() - started
    return report


def _fuzz_one(
    op: Any, caller: Caller, enterprise_id: str, max_examples: int, report: FuzzReport
) -> None:
    name = f"{op.method.upper()} {op.path}"
    seen: set[str] = set()
    count = [0]

    @hypothesis_settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=op.as_strategy())
    def run(case: Any) -> None:
        count[0] += 1
        if case.path_parameters and count[0] % 2 == 0:
            for key in ORG_PARAMETERS & set(case.path_parameters):
                case.path_parameters[key] = enterprise_id
        response = case.call(headers=caller.headers)
        report.cases += 1
        report.by_status[_status_class(response.status_code)] += 1
        report.by_caller[caller.name] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=caller.headers)
        except (Exception, BaseExceptionGroup) as exc:  # a check's failures: first of each kind
            message = str(exc).strip().splitlines()
            head = next((line for line in message if line.strip().startswith("- ")), "")
            key = head or (message[0] if message else type(exc).__name__)
            if key not in seen:
                seen.add(key)
                report.failures.append(
                    Failure(name, caller.name, response.status_code, "\n".join(message[:12]))
                )

    run()

"""One documented exception hierarchy for the whole platform.

Every error a user can cause carries a stable ``type`` slug (the RFC 9457 problem type),
an HTTP status, and where it applies the input field it concerns. The API turns these into
``application/problem+json``; the CLI prints ``detail`` and exits non-zero.
"""

from __future__ import annotations

from typing import Any


class ChanrongError(Exception):
    """Base of every error chanrong raises on purpose."""

    type_slug: str = "error"
    status: int = 500
    title: str = "Internal error"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = dict(extra or {})

    def to_problem(self) -> dict[str, Any]:
        """The RFC 9457 body for this error (without ``instance``)."""
        body: dict[str, Any] = {
            "type": f"https://chanrong.dev/problems/{self.type_slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.field is not None:
            body["field"] = self.field
        body.update(self.extra)
        return body

    def headers(self) -> dict[str, str]:
        """HTTP headers the answer to this error must carry (RFC 9110), none by default."""
        return {}


class ValidationFailed(ChanrongError):
    """Input that breaks a rule; ``field`` names the offending input."""

    type_slug = "validation"
    status = 422
    title = "Invalid input"


class Unauthenticated(ChanrongError):
    type_slug = "unauthenticated"
    status = 401
    title = "Authentication required"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(ChanrongError):
    type_slug = "forbidden"
    status = 403
    title = "Not allowed"


class ConsentRequired(Forbidden):
    """Another organisation's data was asked for without a live, matching consent grant."""

    type_slug = "consent-required"
    title = "No live consent grant covers this access"


class NotFound(ChanrongError):
    type_slug = "not-found"
    status = 404
    title = "Not found"


class Conflict(ChanrongError):
    """The request clashes with the current state (duplicate, already used, wrong state)."""

    type_slug = "conflict"
    status = 409
    title = "Conflict"


class IdempotencyMismatch(Conflict):
    type_slug = "idempotency-key-reused"
    title = "Idempotency key reused with a different request"


class DataUnavailable(ChanrongError):
    """A configured data source (such as ``../shared/data``) is missing."""

    type_slug = "data-unavailable"
    status = 503
    title = "Data unavailable"


class TooManyRequests(ChanrongError):
    """Too many attempts (sign-in failures): refused until ``retry_after`` seconds have passed."""

    type_slug = "too-many-requests"
    status = 429
    title = "Too many attempts"

    def __init__(self, detail: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(detail, field=field, extra={"retry_after": retry_after})
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ConfigurationError(ChanrongError):
    """The installation is configured in a way that cannot be run safely (a short secret,
    a key file others can read). Raised at start-up, before anything is served."""

    type_slug = "configuration"
    status = 500
    title = "Configuration error"


class PayloadTooLarge(ChanrongError):
    """An upload past a size limit (the body, its rows or cells, its unzipped size);
    ``extra["limit"]`` names the limit and ``extra["max"]`` its value."""

    type_slug = "payload-too-large"
    status = 413
    title = "Upload too large"


class ServiceUnavailable(ChanrongError):
    """A service the request needs (the MQTT broker, …) cannot be reached now; nothing was
    done, and the request may be repeated after ``retry_after`` seconds."""

    type_slug = "unavailable"
    status = 503
    title = "Service unavailable"

    def __init__(self, detail: str, *, retry_after: int = 30, field: str | None = None) -> None:
        super().__init__(detail, field=field, extra={"retry_after": retry_after})
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}

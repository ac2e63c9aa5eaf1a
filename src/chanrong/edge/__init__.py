"""The request edge shared by every domain router: session per request, caller, idempotency.

Domain ``api.py`` modules import from here; the transaction of a request is opened and
committed here and nowhere else.
"""

from chanrong.edge.context import Ctx, SessionDep, call_context, current, db_session, require
from chanrong.edge.idempotency import Idempotency, idempotency

__all__ = [
    "Ctx",
    "Idempotency",
    "SessionDep",
    "call_context",
    "current",
    "db_session",
    "idempotency",
    "require",
]

"""The edge shared by every entry point: the request's session, caller and idempotency
(``context``, ``idempotency``) and what every CLI command shares (``commands``).

Domain ``api.py`` and ``cli.py`` modules import from here; the transaction of a request is
opened and
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

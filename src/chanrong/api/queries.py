"""Unknown query parameters are an error, on every API route.

FastAPI ignores a query parameter that no route parameter declares, so a misspelt filter
(``?investor=`` where the route knows ``investors``) silently answers unfiltered data. Every
router of the API is included with :func:`known_query_parameters`, which refuses such a request
with a 422 naming the parameter and the ones the route accepts (with close matches).
"""

from __future__ import annotations

import difflib
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from pydantic import BaseModel

from chanrong.core.errors import ValidationFailed

# Read by the request edge on every route (the answer's language), not by any one route.
GLOBAL_PARAMETERS = frozenset({"lang"})

_accepted: dict[int, frozenset[str]] = {}


def _names(dependant: Dependant, into: set[str]) -> None:
    for param in dependant.query_params:
        annotation: Any = getattr(param.field_info, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            # A query-parameter model: its fields are the parameters.
            for name, info in annotation.model_fields.items():
                into.add(info.alias or name)
        else:
            into.add(param.alias)
    for sub in dependant.dependencies:
        _names(sub, into)


def accepted_parameters(route: Any) -> frozenset[str]:
    """The query parameters ``route`` declares (its own and its dependencies'), cached."""
    key = id(route)
    found = _accepted.get(key)
    if found is None:
        names: set[str] = set(GLOBAL_PARAMETERS)
        dependant = getattr(route, "dependant", None)
        if dependant is not None:
            _names(dependant, names)
        found = _accepted[key] = frozenset(names)
    return found


async def known_query_parameters(request: Request) -> None:
    """Refuse a request that carries a query parameter its route does not declare."""
    if not request.scope.get("query_string"):
        return  # the common case (every POST of the decision path) costs one lookup
    route = request.scope.get("route")
    if route is None:
        return
    accepted = accepted_parameters(route)
    for name in request.query_params:
        if name in accepted:
            continue
        known = sorted(accepted - GLOBAL_PARAMETERS)
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        listed = ", ".join(known) if known else "none"
        raise ValidationFailed(
            f"unknown query parameter {name!r}{hint} (this route accepts: {listed})",
            field=name,
        )

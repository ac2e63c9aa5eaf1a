"""Domain events: facts that happened, named in the past tense, collected by services.

A service records an event on the unit of work; after a successful commit the events are
handed to subscribers (for example the verifiable log). Nothing is published on rollback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chanrong.core.clock import utcnow


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Something another party may rely on; ``kind`` is a dotted name like ``consent.granted``."""

    kind: str
    subject: str
    actor_org_id: str | None
    payload: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=utcnow)

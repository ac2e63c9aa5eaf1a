"""Model registry use cases: promoting a version along candidate → approved → champion (an
explicit, logged act) and validating a version on labelled outcomes.

Registering happens in ``training``; loading for decisions in ``products``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit.features import FEATURES
from chanrong.credit.products import load_model, model_registry
from chanrong.credit.registry import Approval, ModelEntry
from chanrong.governance import service as governance

if TYPE_CHECKING:
    from chanrong.credit.validation import Validation


def promote(
    session: Session, settings: Settings, ref: str, *, to: str, actor_org_id: str | None = None
) -> ModelEntry:
    """Move a model version to ``approved`` or ``champion`` (an explicit, logged act)."""
    try:
        state = Approval(to)
    except ValueError:
        raise ValidationFailed("to: approved, champion or retired", field="to") from None
    reg = model_registry(settings)
    entry = reg.check_transition(ref, state)
    reg.load(entry.ref)  # a damaged model is refused before anything is recorded
    # Log first: if the database refuses, the registry file is left untouched.
    governance.append_log(
        session,
        kind="credit.model_state",
        actor_org_id=actor_org_id,
        subject=f"model:{entry.ref}",
        payload={
            "model": entry.ref,
            "state": state.value,
            "manifest_sha256": entry.manifest_sha256,
        },
    )
    entry = reg.set_state(entry.ref, state)
    return entry


def validate_model(
    settings: Settings, ref: str, dev: pd.DataFrame, recent: pd.DataFrame
) -> Validation:
    """The validation report of a registered version on labelled profiles (``training``'s
    frames: the characteristics and ``bad``) of a development and a recent period."""
    # Imported here: the report draws with matplotlib and measures with scikit-learn, which
    # the processes that serve decisions never need to load.
    from chanrong.credit.validation import validate

    _, model = load_model(model_registry(settings), ref)
    cols = list(FEATURES)
    return validate(
        model, ref, dev[cols], dev["bad"].to_numpy(), recent[cols], recent["bad"].to_numpy()
    )

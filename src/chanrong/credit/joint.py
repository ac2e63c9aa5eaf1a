"""The port through which a credit decision asks a joint (federated) model for a PD.

A product whose ``model`` is ``joint:<name>`` is scored by the champion of the joint model
``<name>``, trained by the bank with the platform without moving data. Its PD needs both
parties' parts — the bank's, kept by the bank, and the platform's partial score, asked over
HTTP under the enterprise's live ``joint_modelling`` consent — so credit cannot compute it
alone: it asks a ``JointScorer``. Credit declares the port; the federated domain implements it
(``chanrong.federated.joint_scoring``) and the entry points wire it in, so credit imports
nothing of federated.

When a part is missing (no scorer configured, no approved champion, the platform unreachable
or refusing, the consent revoked, the bank's part or features absent) the scorer raises
``JointUnavailable`` with the reason, and the decision is referred to an officer saying so:
never a PD made up from one part. Pure: no framework imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

JOINT_PREFIX = "joint:"

# Why a joint model's PD could not be had, as decisions record it.
REASONS = (
    "not_configured",  # this instance has no scorer (no platform, parts or bank data set up)
    "no_champion",  # the joint model has no champion on the platform
    "consent",  # the platform refused: no live joint_modelling grant from the enterprise
    "platform_refused",  # the platform answered with another error
    "platform_unavailable",  # the platform could not be reached
    "bank_part",  # the bank's part of the champion is missing or not the registered one
    "bank_features",  # the bank holds no features for the enterprise
)


def joint_name(model: str) -> str | None:
    """The joint model a product names (``joint:<name>``), or None for a registry model."""
    if model.startswith(JOINT_PREFIX):
        return model[len(JOINT_PREFIX) :]
    return None


@dataclass(frozen=True, slots=True)
class JointScore:
    """A joint model's PD for one enterprise and the parts it came from."""

    pd: float
    model_ref: str  # name@version of the joint model on the platform
    manifest_sha256: str  # the joint model's manifest print (both parties' fingerprints)
    bank_fingerprint: str  # the bank's part used
    platform_fingerprint: str  # the platform's part used
    platform_leaf: int  # the platform's log leaf of this scoring exchange
    # Reasons from each part. The bank's: (feature, contribution to the log-odds, its own value)
    # for its features that raised the PD most. The platform's: only the names of its features
    # that raised its partial score most — the platform discloses no value, weight or
    # contribution of its own part.
    bank_reasons: tuple[tuple[str, float, float], ...] = ()
    platform_reasons: tuple[str, ...] = ()


class JointUnavailable(Exception):
    """A part of the joint model could not be had; ``reason`` is one of ``REASONS``."""

    def __init__(self, reason: str, detail: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown joint-model refusal {reason!r}")
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class JointScorer(Protocol):
    """Scores one enterprise (by USCC) under the champion of joint model ``name``."""

    def score(self, name: str, uscc: str) -> JointScore:
        """The PD from both parties' parts, or ``JointUnavailable`` naming what was missing."""
        ...

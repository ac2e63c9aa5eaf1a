"""Credit use cases: the surface other domains, the API, the console, the CLI and the demo call.

The use cases live in modules named for what they hold; this module only gathers them:

- ``products``  — configuration: credit products as data and the models they name (registry)
- ``profiles``  — profiles (企业画像) stored and read, defaults on an enterprise's record
- ``platform_profiles`` — profiles computed from the platform's own data
- ``decisions`` — instant decisions from one ``DecisionInputs`` value, and their replay
- ``joint``     — the port a decision asks a joint (federated) model through
- ``joint_decisions`` — a decision's joint-model path: the PD from both parts through the
  port, or the refusal (and its text) that refers the application
- ``reviews``   — reading decided applications and an officer's review of referred ones
- ``referrals`` — the review as officers run it: a stale-profile referral approved is decided
  again on the refreshed profile for its limit and rate
- ``models``    — registry use cases: promotion (logged) and validation reports
- ``training``  — champion and challenger fitted on labelled outcomes (``OutcomeSource``),
  among them the platform's own (``platform_outcomes``)
- ``monitoring`` — PSI / CSI of live applications against each model's development sample;
  the shadow challenger's agreement with the champion

Services flush, never commit. Every decision goes to the verifiable log with a hash of its
inputs and the exact model version, so it can be replayed and checked later.
"""

from __future__ import annotations

from chanrong.credit.decisions import (
    Prepared,
    apply,
    apply_for_self,
    prepare_decision,
    record_decision,
)
from chanrong.credit.domain import CreditProduct
from chanrong.credit.joint import JointScore, JointScorer, JointUnavailable, joint_name
from chanrong.credit.models import promote, validate_model
from chanrong.credit.monitoring import (
    Agreement,
    history,
    model_summaries,
    monitor,
    monitored_refs,
    require_institution,
    shadow_agreement,
)
from chanrong.credit.outcomes import Label, OutcomeSource, labels_from_default_dates, month_starts
from chanrong.credit.platform_outcomes import PlatformCounts, PlatformOutcomes
from chanrong.credit.platform_profiles import build_profile_from_platform, platform_tables
from chanrong.credit.products import load_model, model_registry, product, products
from chanrong.credit.profiles import (
    PROFILE_DATASET,
    build_profiles_from_park,
    latest_profile,
    profile_view,
    record_default,
    record_profile,
)
from chanrong.credit.referrals import review_referred
from chanrong.credit.replay import Replay, replay
from chanrong.credit.reviews import (
    decided_at_or_created,
    fen_to_yuan,
    get_application,
    list_application_items,
    list_applications,
    list_applications_unchecked,
)
from chanrong.credit.training import (
    PlatformTraining,
    Trained,
    labelled,
    train_from_platform,
    train_on_frames,
    training_frames,
)

__all__ = [
    "PROFILE_DATASET",
    "Agreement",
    "CreditProduct",
    "JointScore",
    "JointScorer",
    "JointUnavailable",
    "Label",
    "OutcomeSource",
    "PlatformCounts",
    "PlatformOutcomes",
    "PlatformTraining",
    "Prepared",
    "Replay",
    "Trained",
    "apply",
    "apply_for_self",
    "build_profile_from_platform",
    "build_profiles_from_park",
    "decided_at_or_created",
    "fen_to_yuan",
    "get_application",
    "history",
    "joint_name",
    "labelled",
    "labels_from_default_dates",
    "latest_profile",
    "list_application_items",
    "list_applications",
    "list_applications_unchecked",
    "load_model",
    "model_registry",
    "model_summaries",
    "monitor",
    "monitored_refs",
    "month_starts",
    "platform_tables",
    "prepare_decision",
    "product",
    "products",
    "profile_view",
    "promote",
    "record_decision",
    "record_default",
    "record_profile",
    "replay",
    "require_institution",
    "review_referred",
    "shadow_agreement",
    "train_from_platform",
    "train_on_frames",
    "training_frames",
    "validate_model",
]

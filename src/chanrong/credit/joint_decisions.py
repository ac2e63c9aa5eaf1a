"""The joint-model path of a credit decision: a product whose model is ``joint:<name>`` is
scored through the ``JointScorer`` port (``credit.joint``), never by a registry model.

``joint_scored`` adds the joint model's PD and the parts it came from to a decision's inputs
— or, when a part cannot be had, the reason, which refers the application (never a PD from one
part); ``refusal_text`` says that reason to the applicant's officer in zh-CN and en.
``decisions`` calls both; nothing else here decides.

A joint decision's reasons come from each party's own part (``joint_reasons``): the bank's
features that raised the log-odds of default most, with their values and effect (the bank's
own data), and the names of the platform's features that raised its partial score most — the
platform says which, never by how much or from what value. They alternate by rank, the bank's
first, and their codes and weights (0 for the platform's: unknown to the bank) are recorded
with the inputs like a registry model's.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import zip_longest

import numpy as np
from sqlalchemy.orm import Session

from chanrong.core.i18n import register, t
from chanrong.credit.domain import DecisionInputs, JointUse, ModelVersion, knockouts
from chanrong.credit.joint import (
    JOINT_PREFIX,
    JointScore,
    JointScorer,
    JointUnavailable,
    joint_name,
)
from chanrong.credit.reasons import Reason, feature_label
from chanrong.identity import service as identity

register(
    {
        "credit.reason.joint_bank": {
            "zh-CN": "本行数据：{feature} 为 {value}，使违约几率上升 {effect}%",
            "en": "the bank's {feature} of {value} raised the odds of default by {effect}%",
        },
        "credit.reason.joint_platform": {
            "zh-CN": "平台数据：{feature} 推高了违约几率（数值留在平台，本行不可见）",
            "en": "the platform's {feature} raised the odds of default "
            "(its value stays with the platform)",
        },
    }
)


def _value_text(value: float) -> str:
    return "—" if np.isnan(value) else f"{value:.4g}"


def joint_reasons(got: JointScore) -> list[Reason]:
    """The reasons of a joint model's PD: each party's features that raised it most, the
    bank's (feature, value, effect on the odds) and the platform's (its names only),
    alternating by rank, the bank's first."""
    bank = [
        Reason(
            code=f"JB_{name}",
            feature=name,
            weight=contribution,
            text_zh=t(
                "credit.reason.joint_bank",
                "zh-CN",
                feature=feature_label(name, "zh-CN"),
                value=_value_text(value),
                effect=f"{(np.exp(contribution) - 1.0) * 100:.0f}",
            ),
            text_en=t(
                "credit.reason.joint_bank",
                "en",
                feature=feature_label(name, "en"),
                value=_value_text(value),
                effect=f"{(np.exp(contribution) - 1.0) * 100:.0f}",
            ),
        )
        for name, contribution, value in got.bank_reasons
    ]
    platform = [
        Reason(
            code=f"JP_{name}",
            feature=name,
            weight=0.0,  # the platform does not say by how much
            text_zh=t(
                "credit.reason.joint_platform", "zh-CN", feature=feature_label(name, "zh-CN")
            ),
            text_en=t("credit.reason.joint_platform", "en", feature=feature_label(name, "en")),
        )
        for name in got.platform_reasons
    ]
    return [r for pair in zip_longest(bank, platform) for r in pair if r is not None]


def joint_scored(
    session: Session, facts: DecisionInputs, org_id: str, joint: JointScorer | None
) -> tuple[DecisionInputs, list[Reason]]:
    """The inputs scored by the product's joint model: its PD, reasons and the parts used, or
    — when a part cannot be had — the refusal, which refers the application (never a PD from
    one part). Asked only when there is a profile and no knock-out applies, like any model."""
    name = joint_name(facts.product.model)
    assert name is not None
    if facts.profile is None or knockouts(facts):
        return facts, []
    org = identity.find_organisation(session, org_id)
    uscc = org.uscc if org is not None else None
    try:
        if joint is None:
            raise JointUnavailable(
                "not_configured", "this instance has no joint-model scorer configured"
            )
        if uscc is None:
            raise JointUnavailable("bank_features", "the enterprise has no USCC on record")
        got = joint.score(name, uscc)
    except JointUnavailable as exc:
        return replace(
            facts,
            joint=JointUse(facts.product.model, refusal=exc.reason, detail=exc.detail),
        ), []
    reasons = joint_reasons(got)
    return replace(
        facts,
        model=ModelVersion(f"{JOINT_PREFIX}{got.model_ref}", got.manifest_sha256),
        pd=got.pd,
        reasons=tuple((r.code, round(r.weight, 4)) for r in reasons),
        joint=JointUse(
            facts.product.model,
            model_ref=got.model_ref,
            bank_fingerprint=got.bank_fingerprint,
            platform_fingerprint=got.platform_fingerprint,
            platform_leaf=got.platform_leaf,
        ),
    ), reasons


_JOINT_REFUSAL_TEXT = {
    "not_configured": ("本实例未配置联合模型评分", "no joint-model scorer is configured here"),
    "no_champion": ("联合模型尚无已批准的冠军版本", "the joint model has no approved champion"),
    "consent": (
        "企业的联合建模授权已撤回或无效，平台拒绝提供其部分",
        "the enterprise's joint_modelling consent is not live; the platform refused its part",
    ),
    "platform_refused": ("平台拒绝了评分请求", "the platform refused the scoring exchange"),
    "platform_unavailable": ("平台暂时无法连接", "the platform could not be reached"),
    "bank_part": (
        "本行的模型部分缺失或不一致",
        "the bank's part is missing or not the registered one",
    ),
    "bank_features": ("本行没有该企业的特征", "the bank holds no features for the enterprise"),
}


def refusal_text(refusal: str) -> tuple[str, str]:
    """Why the joint model's part was missing (one of ``credit.joint.REASONS``), in zh-CN and
    en."""
    return _JOINT_REFUSAL_TEXT[refusal]

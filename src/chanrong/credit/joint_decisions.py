"""The joint-model path of a credit decision: a product whose model is ``joint:<name>`` is
scored through the ``JointScorer`` port (``credit.joint``), never by a registry model.

``joint_scored`` adds the joint model's PD and the parts it came from to a decision's inputs
— or, when a part cannot be had, the reason, which refers the application (never a PD from one
part); ``refusal_text`` says that reason to the applicant's officer in zh-CN and en.
``decisions`` calls both; nothing else here decides.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from chanrong.credit.domain import DecisionInputs, JointUse, ModelVersion, knockouts
from chanrong.credit.joint import JOINT_PREFIX, JointScorer, JointUnavailable, joint_name
from chanrong.identity import service as identity


def joint_scored(
    session: Session, facts: DecisionInputs, org_id: str, joint: JointScorer | None
) -> DecisionInputs:
    """The inputs scored by the product's joint model: its PD and the parts used, or — when a
    part cannot be had — the reason, which refers the application (never a PD from one part).
    Asked only when there is a profile and no knock-out applies, like any model."""
    name = joint_name(facts.product.model)
    assert name is not None
    if facts.profile is None or knockouts(facts):
        return facts
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
        )
    return replace(
        facts,
        model=ModelVersion(f"{JOINT_PREFIX}{got.model_ref}", got.manifest_sha256),
        pd=got.pd,
        joint=JointUse(
            facts.product.model,
            model_ref=got.model_ref,
            bank_fingerprint=got.bank_fingerprint,
            platform_fingerprint=got.platform_fingerprint,
            platform_leaf=got.platform_leaf,
        ),
    )


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

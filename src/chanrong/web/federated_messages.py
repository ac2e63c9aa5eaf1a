"""The console's words for joint modelling (federated), zh-CN and en."""

from __future__ import annotations

from chanrong.core.i18n import register

_M: dict[str, tuple[str, str]] = {
    "web.nav.federated": ("联合建模", "Joint modelling"),
    "web.purpose.joint_modelling": ("联合建模", "Joint modelling"),
    "web.fed.lead": (
        "与平台联合训练信用模型：双方数据不出域，只交换密文、PSI 协议消息和约定的聚合量。",
        "Train credit models with the platform without moving data: only ciphertexts, PSI "
        "messages and the agreed aggregates cross.",
    ),
    "web.fed.banks_only": ("联合建模仅面向银行。", "Joint modelling is for banks."),
    "web.fed.partners": ("合作企业（联合建模授权）", "Partners (joint-modelling grants)"),
    "web.fed.enterprise": ("企业", "Enterprise"),
    "web.fed.grant": ("授权状态", "Grant"),
    "web.fed.features_held": ("平台特征", "Platform features"),
    "web.fed.held": ("已接入", "Held"),
    "web.fed.not_held": ("未接入", "Not held"),
    "web.fed.valid_until": ("有效期至", "Valid until"),
    "web.fed.runs": ("训练任务", "Training runs"),
    "web.fed.run": ("任务", "Run"),
    "web.fed.name": ("模型名", "Model name"),
    "web.fed.status": ("状态", "Status"),
    "web.fed.rows": ("参与企业", "Enterprises"),
    "web.fed.excluded": ("已排除", "Excluded"),
    "web.fed.rounds": ("轮次", "Rounds"),
    "web.fed.created": ("创建时间", "Created"),
    "web.fed.models": ("联合模型", "Joint models"),
    "web.fed.model": ("模型", "Model"),
    "web.fed.state": ("审批状态", "State"),
    "web.fed.bank_features": ("本行特征", "Bank features"),
    "web.fed.platform_features": ("平台特征", "Platform features"),
    "web.fed.bank_fp": ("本行指纹", "Bank fingerprint"),
    "web.fed.platform_fp": ("平台指纹", "Platform fingerprint"),
    "web.fed.auc": ("样本内 AUC", "In-sample AUC"),
    "web.fed.status.training": ("训练中", "Training"),
    "web.fed.status.finished": ("已完成", "Finished"),
    "web.fed.grant.live": ("有效", "Live"),
    "web.fed.grant.revoked": ("已撤回", "Revoked"),
    "web.fed.grant.expired": ("已过期", "Expired"),
    "web.fed.grant.pending": ("未生效", "Pending"),
    "web.fed.state.candidate": ("候选", "Candidate"),
    "web.fed.howto": (
        "训练与评分在本行环境中运行：chanrong federated train / score（使用本行 API 密钥）。",
        "Training and scoring run on the bank's side: chanrong federated train / score "
        "(with the bank's API key).",
    ),
}

register({key: {"zh-CN": zh, "en": en} for key, (zh, en) in _M.items()})

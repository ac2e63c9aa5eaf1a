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
    "web.fed.state.approved": ("已批准", "Approved"),
    "web.fed.state.champion": ("冠军（用于授信决策）", "Champion (decides credit)"),
    "web.fed.state.retired": ("已退役", "Retired"),
    "web.fed.validation": ("验证与审批", "Validation and approval"),
    "web.fed.validation_lead": (
        "验证在本行留出的带标签样本上进行：平台只返回这些企业的部分分（一次记入存证日志的交换），"
        "AUC 与 KS 由本行计算。经验证的模型由本行管理员批准，冠军版本用于授信决策。",
        "Validation runs on the bank's held-out labelled rows: the platform returns only its "
        "partial scores for them (one logged exchange) and the bank computes AUC and KS. A "
        "validated model is approved by the bank's admin; the champion decides credit.",
    ),
    "web.fed.v_rows": ("验证企业数", "Held-out rows"),
    "web.fed.v_bads": ("违约数", "Defaulters"),
    "web.fed.v_auc": ("留出 AUC", "Held-out AUC"),
    "web.fed.v_ks": ("KS", "KS"),
    "web.fed.v_leaf": ("交换存证", "Exchange leaf"),
    "web.fed.action": ("审批", "Approval"),
    "web.fed.not_validated": ("尚未验证", "Not validated yet"),
    "web.fed.to.approved": ("批准", "Approve"),
    "web.fed.to.champion": ("设为冠军", "Make champion"),
    "web.fed.to.retired": ("退役", "Retire"),
    "web.fed.moved.approved": ("{model} 已批准", "{model} approved"),
    "web.fed.moved.champion": ("{model} 已设为冠军", "{model} is now the champion"),
    "web.fed.moved.retired": ("{model} 已退役", "{model} retired"),
    "web.fed.admin_approves": (
        "联合模型的批准与设为冠军由本行管理员操作。",
        "Approving a joint model and making it champion is for the bank's admin.",
    ),
    "web.fed.howto": (
        "训练、验证与评分在本行环境中运行：chanrong federated train / validate / score"
        "（使用本行 API 密钥）。",
        "Training, validation and scoring run on the bank's side: chanrong federated train / "
        "validate / score (with the bank's API key).",
    ),
}

register({key: {"zh-CN": zh, "en": en} for key, (zh, en) in _M.items()})

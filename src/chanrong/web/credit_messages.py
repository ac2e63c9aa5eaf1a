"""The console's words for credit: offers, applications, decisions, models (zh-CN and en)."""

from __future__ import annotations

from chanrong.core.i18n import register

_M: dict[str, tuple[str, str]] = {
    # the enterprise's own application (offers, consent, decision, acceptance)
    "web.offer.lead": (
        "各银行的信贷产品。申请时即按下列条款向该银行授权数据，决定立即返回。",
        "The banks' credit products. Applying grants the bank the data access below, and the "
        "decision comes back at once.",
    ),
    "web.offer.none": (
        "暂无银行提供可在线申请的产品。",
        "No bank offers a product to apply for online yet.",
    ),
    "web.offer.term": ("期限（月）", "Term (months)"),
    "web.offer.max_amount": ("最高金额", "Maximum amount"),
    "web.offer.rate": ("利率", "Rate"),
    "web.offer.rate_from": ("LPR {lpr}% 加点，按评级定价", "LPR {lpr}% plus a spread by grade"),
    "web.offer.auto_limit": ("自动放款额度", "Paid out without an officer up to"),
    "web.offer.consent": ("申请即授权", "Applying grants"),
    "web.offer.consent_text": (
        "授权 {bank} 以「{purpose}」为目的读取下列数据"
        "（分级不高于 {grade} 级），有效期 {days} 天：",
        "{bank} may read the data below (up to grade {grade}) for {purpose}, for {days} days:",
    ),
    "web.offer.category": ("{category} · {grade} 级", "{category} · grade {grade}"),
    "web.offer.also_covers": (
        "同一授权范围还包括：",
        "The same scope also covers:",
    ),
    "web.offer.submit": ("授权并申请", "Grant access and apply"),
    "web.offer.decision": ("审批结果", "Decision"),
    "web.offer.granted": (
        "已向 {bank} 授权，有效期 {days} 天。",
        "Access granted to {bank} for {days} days.",
    ),
    "web.offer.accept_lead": (
        "接受即按上述还款计划签订借款合同；条款的哈希与双方确认写入可验证日志。",
        "Accepting signs the loan on the schedule above; the terms' hash and both parties' "
        "acceptance go to the verifiable log.",
    ),
    "web.offer.accept": ("接受报价", "Accept offer"),
    "web.profile.operating": ("经营画像", "Operating profile"),
    "web.profile.features": ("画像特征（截至 {day}）", "Profile characteristics (as of {day})"),
    "web.carbon.grade": ("碳效等级", "Carbon grade"),
    "web.carbon.grade_n": ("{grade} 级", "grade {grade}"),
    "web.carbon.peers": ("同行企业数", "Peers"),
    "web.carbon.trend": ("碳效等级走势（1 级最优）", "Carbon grade by month (1 is best)"),
    "web.carbon.peer_chart": (
        "同行业企业碳效等级分布（最近一月）",
        "Peers by grade (latest month)",
    ),
    "web.carbon.latest": ("最新碳效码", "Latest carbon code"),
    "web.carbon.period": ("月份", "Month"),
    "web.carbon.level": ("碳排放水平", "Level"),
    "web.carbon.k": ("K 值（企业 ÷ 行业强度）", "K (enterprise ÷ industry intensity)"),
    "web.carbon.intensity": ("碳强度（tCO₂/万元）", "Intensity (tCO₂ per 10k yuan)"),
    "web.carbon.emissions": ("排放量（tCO₂）", "Emissions (tCO₂)"),
    "web.carbon.none": (
        "尚无碳效评价（平台每月根据能源账单计算）。",
        "No carbon assessment yet (the platform computes one monthly from energy bills).",
    ),
    # credit applications
    "web.app.enterprise": ("申请企业", "Enterprise"),
    "web.app.bank": ("审批机构", "Institution"),
    "web.app.product": ("产品", "Product"),
    "web.app.requested": ("申请金额", "Requested"),
    "web.app.outcome": ("自动决策", "Automatic decision"),
    "web.app.status": ("状态", "Status"),
    "web.app.grade": ("等级", "Grade"),
    "web.app.score": ("评分", "Score"),
    "web.app.pd": ("违约概率", "PD"),
    "web.app.limit": ("额度", "Limit"),
    "web.app.rate": ("年利率", "Rate"),
    "web.app.reasons": ("原因", "Reasons"),
    "web.app.when": ("时间", "When"),
    "web.app.view": ("查看", "Open"),
    "web.app.new": ("新的授信申请", "New credit application"),
    "web.app.new_lead": (
        "仅可为向贵机构授予“授信评估”数据授权的企业发起。",
        "Only for enterprises that granted your institution access for credit assessment.",
    ),
    "web.app.submit": ("提交并自动决策", "Submit for an instant decision"),
    "web.app.by_status": ("申请状态", "Applications by status"),
    "web.app.waiting": ("待人工审批", "Waiting for an officer"),
    "web.app.status.referred": ("待人工审批", "referred"),
    "web.app.status.approved": ("已批准", "approved"),
    "web.app.status.declined": ("已拒绝", "declined"),
    "web.app.outcome.approve": ("批准", "approve"),
    "web.app.outcome.decline": ("拒绝", "decline"),
    "web.app.outcome.refer": ("转人工", "refer"),
    "web.app.of": ("授信申请：{name}", "Credit application: {name}"),
    "web.app.review": ("人工审批", "Officer review"),
    "web.app.note": ("审批意见（必填）", "Reason for the decision (required)"),
    "web.app.approve": ("批准", "Approve"),
    "web.app.decline": ("拒绝", "Decline"),
    "web.app.reviewed.approve": ("已批准该申请。", "Application approved."),
    "web.app.reviewed.decline": ("已拒绝该申请。", "Application declined."),
    "web.app.officer_note": ("审批意见", "Officer's note"),
    "web.app.log": ("决策日志序号", "Decision log index"),
    "web.app.model": ("模型版本", "Model version"),
    "web.app.knockouts": ("准入拦截", "Knock-outs"),
    "web.app.none": ("尚无授信申请。", "No credit applications yet."),
    "web.app.score_from": (
        "最近一次授信决策（{bank}，{day}）",
        "Latest credit decision ({bank}, {day})",
    ),
    # credit models (bank)
    "web.models.lead": (
        "平台统一的信用模型（各机构共用）：状态、训练数据来源与指纹、开发样本指标、"
        "线上申请相对开发样本的稳定性，以及影子挑战者与冠军模型在本机构近期决策上的一致性。",
        "The platform's credit models (shared by every institution): state, what they learnt "
        "from and its fingerprint, development metrics, the stability of live applications "
        "against the development sample, and how the shadow challenger agrees with the "
        "champion on your institution's recent decisions.",
    ),
    "web.models.registered": ("模型版本", "Model versions"),
    "web.models.model": ("模型", "Model"),
    "web.models.kind": ("类型", "Kind"),
    "web.models.state": ("状态", "State"),
    "web.models.state.candidate": ("候选", "candidate"),
    "web.models.state.approved": ("已批准（影子评分）", "approved (shadow scoring)"),
    "web.models.state.champion": ("冠军（决策使用）", "champion (decides)"),
    "web.models.state.retired": ("已退役", "retired"),
    "web.models.source": ("训练来源", "Learnt from"),
    "web.models.source.platform": ("平台自有贷款结果", "the platform's own loan outcomes"),
    "web.models.source.simulated-park": ("模拟园区", "a simulated park"),
    "web.models.source.unrecorded": ("未记录", "not recorded"),
    "web.models.fingerprint": ("训练数据指纹", "Training data SHA-256"),
    "web.models.rows": ("训练样本", "Training rows"),
    "web.models.bads": ("违约样本", "Defaulters"),
    "web.models.auc": ("下期 AUC", "Next-period AUC"),
    "web.models.stability": ("稳定性监测（PSI / CSI）", "Stability (PSI / CSI)"),
    "web.models.stability_lead": (
        "每日按开发样本的分箱计算近 30 天线上申请的评分 PSI 与各特征 CSI："
        "高于 0.1 预警，高于 0.25 告警。",
        "Daily, the PSI of the score and the CSI of each characteristic of the last 30 days' "
        "live applications, on the development sample's bins: a warning above 0.1, an alert "
        "above 0.25.",
    ),
    "web.models.day": ("日期", "Day"),
    "web.models.applications": ("申请数", "Applications"),
    "web.models.worst_csi": ("变化最大的特征 (CSI)", "Most shifted characteristic (CSI)"),
    "web.models.level": ("级别", "Level"),
    "web.models.level.stable": ("稳定", "stable"),
    "web.models.level.warning": ("预警", "warning"),
    "web.models.level.alert": ("告警", "alert"),
    "web.models.alert.alert": (
        "告警：{model} 的线上申请人群已偏移（PSI {psi}，{day}）。",
        "Alert: the population {model} scores has shifted (PSI {psi}, {day}).",
    ),
    "web.models.alert.warning": (
        "预警：{model} 的线上申请人群有所变化（PSI {psi}，{day}）。",
        "Warning: the population {model} scores is moving (PSI {psi}, {day}).",
    ),
    "web.models.worst": ("变化最大：{name}（CSI {csi}）。", "Most shifted: {name} (CSI {csi})."),
    "web.models.shadow": ("影子挑战者与冠军模型", "Shadow challenger and champion"),
    "web.models.agreement": (
        "近期 {n} 笔决策中，{same} 笔两个模型的等级给出相同的自动结果（{pct}%）。",
        "Of {n} recent decisions, {same} got the same automatic outcome from both models' "
        "grades ({pct}%).",
    ),
    "web.models.no_shadow": (
        "尚无影子评分：批准一个挑战者模型后，每笔决策都会由它影子评分（仅记录，不影响结果）。",
        "No shadow scores yet: once a challenger is approved it scores every decision in the "
        "shadow (recorded, never used for the outcome).",
    ),
    "web.models.champion": ("冠军 · 等级", "Champion · grade"),
    "web.models.challenger": ("挑战者 · 等级", "Challenger · grade"),
    "web.models.score": ("评分", "Score"),
    "web.models.same": ("结果一致", "Same outcome"),
}

register({key: {"zh-CN": zh, "en": en} for key, (zh, en) in _M.items()})

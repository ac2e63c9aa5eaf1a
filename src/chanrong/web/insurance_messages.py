"""The console's words for insurers and for the insured's safety alerts (zh-CN and en)."""

from __future__ import annotations

from chanrong.core.i18n import register

_M: dict[str, tuple[str, str]] = {
    "web.nav.ins_book": ("保单簿", "Book of policies"),
    "web.nav.ins_portfolio": ("风险地图", "Portfolio risk map"),
    "web.nav.ins_alerts": ("风险预警", "Risk alerts"),
    "web.nav.ins_claims": ("理赔", "Claims"),
    "web.nav.ins_pricing": ("定价模型", "Pricing model"),
    "web.nav.safety": ("安全预警", "Safety alerts"),
    "web.ins.insured": ("被保险企业", "Insured"),
    "web.ins.term": ("保险期间", "Term"),
    "web.ins.premium": ("保费", "Premium"),
    "web.ins.base_premium": ("基础保费", "Base premium"),
    "web.ins.multiplier": ("费率系数", "Multiplier"),
    "web.ins.instalments": ("分期", "Instalments"),
    "web.ins.pricing": ("定价依据", "Priced by"),
    "web.ins.state.bound": ("已承保", "Bound"),
    "web.ins.policies": ("保单数", "Policies"),
    "web.ins.written": ("签单保费", "Written premium"),
    "web.ins.paid": ("已赔付", "Claims paid"),
    "web.ins.schedule": ("缴费计划", "Premium schedule"),
    "web.ins.due": ("到期日", "Due"),
    "web.ins.amount": ("金额", "Amount"),
    "web.ins.ratings": ("期中重新定价", "Mid-term re-ratings"),
    "web.ins.as_of": ("基准日", "As of"),
    "web.ins.change": ("保费变动", "Premium change"),
    "web.ins.reasons": ("原因", "Reasons"),
    "web.ins.journal": ("分录", "Ledger"),
    "web.ins.account": ("科目", "Account"),
    "web.ins.debit": ("借", "Debit"),
    "web.ins.credit": ("贷", "Credit"),
    "web.ins.no_consent": ("未授权", "No consent"),
    "web.ins.score": ("风险分", "Risk score"),
    "web.ins.band": ("风险等级", "Risk level"),
    "web.ins.band.low": ("低", "Low"),
    "web.ins.band.elevated": ("关注", "Elevated"),
    "web.ins.band.high": ("高", "High"),
    "web.ins.profiled": ("画像日期", "Profiled on"),
    "web.ins.not_profiled": ("尚未生成画像", "Not profiled yet"),
    "web.ins.factor": ("风险因素", "Risk factor"),
    "web.ins.subject": ("设备 / 场所", "Device / site"),
    "web.ins.severity": ("级别", "Severity"),
    "web.ins.severity.high": ("高", "High"),
    "web.ins.severity.medium": ("中", "Medium"),
    "web.ins.evidence": ("依据", "Evidence"),
    "web.ins.check": ("请检查", "What to check"),
    "web.ins.day": ("日期", "Day"),
    "web.ins.claim": ("理赔编号", "Claim"),
    "web.ins.policy": ("保单", "Policy"),
    "web.ins.loss_date": ("出险日期", "Date of loss"),
    "web.ins.cause": ("原因", "Cause"),
    "web.ins.version": ("版本", "Version"),
    "web.ins.no_model": (
        "尚无理赔数据拟合的模型：定价使用人工设定的设备质量指数（先验）。",
        "No model fitted to claims yet: pricing uses the "
        "hand-set equipment-quality index (the prior).",
    ),
    "web.ins.model_kind": (
        "频率（泊松，运行千小时为暴露）× 严重度（伽马）广义线性模型",
        "Frequency (Poisson, running thousand-hours as exposure) × severity (Gamma) GLM",
    ),
    "web.ins.coef": ("系数", "Coefficients"),
    "web.ins.feature": ("特征", "Feature"),
    "web.ins.frequency": ("频率", "Frequency"),
    "web.ins.severity_coef": ("严重度", "Severity"),
    "web.ins.validation": ("验证", "Validation"),
    "web.ins.metric": ("指标", "Metric"),
    "web.ins.model": ("模型", "Model"),
    "web.ins.handset": ("人工指数", "Hand-set index"),
    "web.ins.deciles": ("分位校准", "Calibration by decile"),
    "web.ins.decile": ("十分位", "Decile"),
    "web.ins.observed": ("实际理赔", "Observed claims"),
    "web.ins.predicted": ("预测理赔", "Predicted claims"),
    "web.ins.exposures": ("暴露（设备·期）", "Exposures (machine-periods)"),
    "web.ins.claims_n": ("理赔件数", "Claims"),
    "web.ins.safety_intro": (
        "根据设备运行、能耗与环境数据生成的安全风险预警：防患于未然。",
        "Safety-risk alerts from your machines, energy and "
        "environmental readings: prevention before loss.",
    ),
    "web.ins.alert": ("预警", "Alert"),
    "web.ins.code.poor_condition": ("设备状况差", "Poor equipment condition"),
    "web.ins.code.overload": ("超负荷运行", "Running overloaded"),
    "web.ins.code.fault_burst": ("故障频发", "Burst of faults"),
    "web.ins.code.out_of_hours": ("非工作时间运行", "Running out of hours"),
    "web.ins.code.energy_anomaly": ("用电异常", "Energy anomaly"),
    "web.ins.code.high_temperature": ("温度过高", "High temperature"),
    "web.ins.code.gas_leak": ("可燃气体浓度超限", "Flammable gas above limit"),
    "web.ins.code.smoke": ("烟雾报警", "Smoke detected"),
    "web.ins.check.poor_condition": (
        "安排设备检修：轴承、润滑、电气接头与安全联锁。",
        "Schedule maintenance: bearings, lubrication, "
        "electrical connections and safety interlocks.",
    ),
    "web.ins.check.overload": (
        "核对加工参数与负载；检查电机温升、电缆与保护装置整定值。",
        "Check job parameters and load; inspect motor temperature "
        "rise, cables and protection settings.",
    ),
    "web.ins.check.fault_burst": (
        "查明近一周故障原因，停机检修后再恢复连续生产。",
        "Find the cause of this week's faults and repair before resuming continuous production.",
    ),
    "web.ins.check.out_of_hours": (
        "确认夜间运行是否有人值守；无人值守时检查消防与自动停机设置。",
        "Confirm night running is supervised; if not, check "
        "fire protection and automatic shutdown.",
    ),
    "web.ins.check.energy_anomaly": (
        "核查当天用电激增：是否有设备空转、漏电或线路过热。",
        "Investigate the day's power surge: idling machines, leakage or overheating wiring.",
    ),
    "web.ins.check.high_temperature": (
        "检查散热、通风与周边可燃物；确认温度传感器读数。",
        "Check cooling, ventilation and nearby combustibles; "
        "confirm the temperature sensor reading.",
    ),
    "web.ins.check.gas_leak": (
        "立即排查燃气管路与阀门泄漏，保持通风，禁止明火。",
        "Check gas lines and valves for leaks at once; ventilate and allow no open flame.",
    ),
    "web.ins.check.smoke": (
        "立即现场确认火情，检查电气柜与除尘设备。",
        "Check on site for fire at once; inspect electrical cabinets and dust extraction.",
    ),
}

register({key: {"zh-CN": zh, "en": en} for key, (zh, en) in _M.items()})

"""The assets domain's words in zh-CN and en (valuation report, approaches, treatments)."""

from __future__ import annotations

from chanrong.core.i18n import register

register(
    {
        "assets.report.title": {"zh-CN": "资产评估报告", "en": "Valuation report"},
        "assets.report.subject": {"zh-CN": "评估对象", "en": "Subject"},
        "assets.report.as_of": {"zh-CN": "评估基准日", "en": "Valuation date"},
        "assets.report.value": {"zh-CN": "评估结论", "en": "Concluded value"},
        "assets.report.range": {"zh-CN": "各方法区间", "en": "Range across approaches"},
        "assets.report.spread": {"zh-CN": "离散度", "en": "Spread"},
        "assets.report.approaches": {"zh-CN": "评估方法", "en": "Approaches"},
        "assets.report.weight": {"zh-CN": "权重", "en": "Weight"},
        "assets.report.assumptions": {"zh-CN": "假设", "en": "Assumptions"},
        "assets.report.working": {
            "zh-CN": "计算过程（金额单位：分）",
            "en": "Working (amounts in fen)",
        },
        "assets.report.sensitivity": {
            "zh-CN": "敏感性分析（各假设 ±10%）",
            "en": "Sensitivity (each assumption ±10 %)",
        },
        "assets.report.assumption": {"zh-CN": "假设", "en": "Assumption"},
        "assets.report.base": {"zh-CN": "基准", "en": "Base"},
        "assets.report.value_low": {"zh-CN": "下调后价值", "en": "Value, lowered"},
        "assets.report.value_high": {"zh-CN": "上调后价值", "en": "Value, raised"},
        "assets.report.evidence": {"zh-CN": "证据", "en": "Evidence"},
        "assets.report.log": {"zh-CN": "可验证日志", "en": "Verifiable log"},
        "assets.report.logged_as": {
            "zh-CN": "本评估记录于日志第 {i} 条",
            "en": "This valuation is log entry {i}",
        },
        "assets.report.measured": {"zh-CN": "实测", "en": "measured"},
        "assets.report.assumed": {"zh-CN": "假设（未实测）", "en": "assumption (not measured)"},
        "assets.report.accounting": {
            "zh-CN": "会计处理（财会〔2023〕11号）",
            "en": "Accounting treatment (财会〔2023〕11号)",
        },
        "assets.report.disclosure": {"zh-CN": "披露事项", "en": "Disclosure items"},
        "assets.report.carrying": {"zh-CN": "账面价值", "en": "Carrying amount"},
        "assets.report.pdf": {"zh-CN": "下载 PDF", "en": "Download PDF"},
        "assets.approach.income_direct": {"zh-CN": "收益法（直接收益）", "en": "Income (direct)"},
        "assets.approach.income_share": {"zh-CN": "收益法（分成）", "en": "Income (share)"},
        "assets.approach.income_excess_earnings": {
            "zh-CN": "收益法（超额收益）",
            "en": "Income (excess earnings)",
        },
        "assets.approach.income_incremental": {
            "zh-CN": "收益法（增量收益）",
            "en": "Income (incremental)",
        },
        "assets.approach.cost": {"zh-CN": "成本法", "en": "Cost"},
        "assets.approach.market": {"zh-CN": "市场法", "en": "Market"},
        "assets.approach.relief_from_royalty": {
            "zh-CN": "许可费节省法",
            "en": "Relief from royalty",
        },
        "assets.treatment.intangible_asset": {"zh-CN": "无形资产", "en": "Intangible asset"},
        "assets.treatment.inventory": {"zh-CN": "存货", "en": "Inventory"},
        "assets.treatment.not_recognised": {"zh-CN": "未确认为资产", "en": "Not recognised"},
        "assets.evidence.quality": {
            "zh-CN": "质量评分（来自遥测质量评分）",
            "en": "Quality score (telemetry scoring)",
        },
        "assets.evidence.reads": {
            "zh-CN": "授权读取次数（近一年，来自可验证日志）",
            "en": "Consented reads (last year, from the verifiable log)",
        },
        "assets.evidence.costs": {"zh-CN": "成本记录", "en": "Cost records"},
        "assets.evidence.share": {"zh-CN": "分成率来源", "en": "Source of the share"},
        "assets.evidence.legal": {"zh-CN": "法律状态", "en": "Legal status"},
        "assets.evidence.none": {"zh-CN": "无", "en": "none"},
    }
)

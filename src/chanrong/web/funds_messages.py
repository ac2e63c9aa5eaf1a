"""The console's words for funds: the fund manager's funds, portfolio and evaluation, and the
government body's guide funds (zh-CN and en)."""

from __future__ import annotations

from chanrong.core.i18n import register

_M: dict[str, tuple[str, str]] = {
    "web.nav.funds": ("基金", "Funds"),
    "web.nav.guide_funds": ("引导基金", "Guide funds"),
    "web.funds.title": ("我管理的基金", "Funds we manage"),
    "web.funds.name": ("基金", "Fund"),
    "web.funds.kind": ("类型", "Kind"),
    "web.funds.kind.guide_fund": ("政府引导基金", "Guide fund"),
    "web.funds.kind.sub_fund": ("子基金", "Sub-fund"),
    "web.funds.kind.vc": ("创投基金", "VC fund"),
    "web.funds.kind.pe": ("私募股权基金", "PE fund"),
    "web.funds.vintage": ("成立年份", "Vintage"),
    "web.funds.parent": ("母基金", "Seeded by"),
    "web.funds.committed": ("认缴规模", "Committed"),
    "web.funds.none": ("暂无", "None yet"),
    "web.funds.unknown": ("未知", "unknown"),
    "web.funds.commitments": ("出资人认缴", "LP commitments"),
    "web.funds.lp": ("出资人", "LP"),
    "web.funds.amount": ("金额", "Amount"),
    "web.funds.closes": ("募集交割", "Closes"),
    "web.funds.final": ("最终交割", "final"),
    "web.funds.portfolio": ("投资组合", "Portfolio"),
    "web.funds.company": ("企业", "Company"),
    "web.funds.date": ("日期", "Date"),
    "web.funds.sector": ("行业", "Sector"),
    "web.funds.region": ("地区", "Region"),
    "web.funds.exits": ("退出", "Exits"),
    "web.funds.performance": ("业绩", "Performance"),
    "web.funds.no_performance": ("无法计算：", "Not computable: "),
    "web.funds.evaluation": ("绩效评价", "Evaluation"),
    "web.funds.report": ("年度评价报告", "Annual report"),
    "web.funds.leverage": ("杠杆放大倍数", "Leverage"),
    "web.funds.reinvest": ("返投", "Reinvestment (返投)"),
    "web.funds.sectors": ("投向（重点产业占比）", "Mandated-sector share"),
    "web.funds.jcurve": ("J 曲线", "J-curve"),
    "web.funds.trough": ("谷底", "Trough"),
    "web.funds.breakeven": ("回本日", "Breakeven"),
    "web.funds.not_yet": ("尚未回本", "not yet"),
    "web.funds.achieved": ("实际", "achieved"),
    "web.funds.required": ("要求", "required"),
    "web.funds.met": ("达标", "met"),
    "web.funds.not_met": ("未达标", "not met"),
    "web.funds.records": ("依据记录", "Records"),
    "web.funds.unknown_records": ("未知而未计入", "Unknown, not counted"),
    "web.funds.realised": ("已退出回报倍数", "Realised multiple"),
    "web.funds.subfunds": ("子基金", "Sub-funds"),
    "web.funds.sponsored": ("本部门出资的引导基金", "Guide funds we sponsor"),
    "web.funds.year": ("评价年度", "Year"),
    "web.funds.monitoring": ("投后管理", "Portfolio monitoring"),
    "web.funds.monitoring_note": (
        "仅在企业授予“投后管理”用途且仍有效的授权下读取其经营数据；无授权的企业不读取。",
        "A company's operating data is read only under its live grant for investment "
        "monitoring; companies without one are not read.",
    ),
    "web.funds.grant": ("授权", "Grant"),
    "web.funds.granted": ("有效授权", "Live grant"),
    "web.funds.not_granted": ("无有效授权", "No live grant"),
    "web.funds.indicators": ("产值（近 6 个月）", "Output (last 6 months)"),
    "web.funds.alerts": ("预警", "Alerts"),
    "web.purpose.investment_monitoring": ("投后管理", "Investment monitoring"),
}

register({key: {"zh-CN": zh, "en": en} for key, (zh, en) in _M.items()})

"""The funds domain's words in zh-CN and en (the guide-fund evaluation report)."""

from __future__ import annotations

from chanrong.core.i18n import register

_M: dict[str, tuple[str, str]] = {
    "funds.report.title": ("政府引导基金年度绩效评价报告", "Guide fund annual evaluation report"),
    "funds.report.fund": ("基金", "Fund"),
    "funds.report.year": ("评价年度", "Year evaluated"),
    "funds.report.as_of": ("数据截至", "Records up to"),
    "funds.report.region": ("所属地区", "Region"),
    "funds.report.unknown": ("未知", "unknown"),
    "funds.report.not_set": ("未设定", "not set"),
    "funds.report.records": ("依据记录", "Records"),
    "funds.report.leverage": ("杠杆放大倍数", "Leverage (杠杆放大倍数)"),
    "funds.report.leverage_def": (
        "子基金认缴总规模 ÷ 引导基金出资",
        "Seeded sub-funds' total commitments ÷ the guide fund's contribution",
    ),
    "funds.report.leverage_unknown": (
        "以下子基金尚无认缴记录，杠杆倍数未知",
        "These sub-funds have no recorded commitment, so the leverage is unknown",
    ),
    "funds.report.reinvest": ("返投", "Reinvestment in the region (返投)"),
    "funds.report.reinvest_def": (
        "区内投资额 ÷ 引导基金出资，对照要求倍数",
        "In-region investment ÷ the guide fund's contribution, against the required ratio",
    ),
    "funds.report.achieved": ("实际", "Achieved"),
    "funds.report.required": ("要求", "Required"),
    "funds.report.met": ("达标", "met"),
    "funds.report.not_met": ("未达标", "not met"),
    "funds.report.unknown_invs": (
        "地区或金额未知的投资（未计入）",
        "Investments of unknown region or amount (not counted)",
    ),
    "funds.report.sectors": ("投向（重点产业占比）", "Share in mandated sectors (投向)"),
    "funds.report.sectors_def": (
        "重点产业投资额 ÷ 产业已知的投资额",
        "Amount in mandated sectors ÷ amount with a known sector",
    ),
    "funds.report.mandated": ("重点产业", "Mandated sectors"),
    "funds.report.jcurve": ("J 曲线", "J-curve"),
    "funds.report.trough": ("谷底", "Trough"),
    "funds.report.breakeven": ("回本日", "Breakeven"),
    "funds.report.not_yet": ("尚未回本", "not yet"),
    "funds.report.cumulative": ("累计净现金流", "Cumulative net cash flow"),
    "funds.report.performance": ("业绩", "Performance"),
    "funds.report.no_performance": ("无法计算：", "Not computable: "),
    "funds.report.realised": ("已退出项目回报倍数", "Realised multiple of exited investments"),
    "funds.report.subfunds": ("子基金", "Sub-funds"),
    "funds.report.committed": ("认缴规模", "Committed"),
    "funds.report.contribution": ("引导基金出资", "Guide fund's contribution"),
    "funds.report.investments": ("投资项目", "Investments"),
    "funds.report.company": ("企业", "Company"),
    "funds.report.amount": ("金额", "Amount"),
    "funds.report.date": ("日期", "Date"),
    "funds.report.sector": ("行业", "Sector"),
    "funds.report.exits": ("退出", "Exits"),
    "funds.report.kind": ("方式", "Kind"),
    "funds.report.proceeds": ("退出所得", "Proceeds"),
    "funds.report.pdf": ("下载 PDF", "Download PDF"),
    "funds.exit.ipo": ("IPO", "IPO"),
    "funds.exit.ma": ("并购", "M&A"),
    "funds.exit.buyback": ("回购", "Buy-back"),
    "funds.exit.writeoff": ("核销", "Write-off"),
}

register({key: {"zh-CN": zh, "en": en} for key, (zh, en) in _M.items()})

"""The market report's words in zh-CN and en, registered in the one message catalog."""

from __future__ import annotations

import calendar

from chanrong.core.codes import regions
from chanrong.core.i18n import normalise_locale, register

register(
    {
        "market.title": {
            "zh-CN": "{year} 年工业互联网投融资报告",
            "en": "Industrial-internet investment & financing, {year}",
        },
        "market.unit.events": {"zh-CN": "{n} 起", "en": "{n} events"},
        "market.unit.companies": {"zh-CN": "{n} 家", "en": "{n} companies"},
        "market.unit.yi": {"zh-CN": "{v} 亿元", "en": "CNY {v} 100 M"},
        "market.kpi.events": {"zh-CN": "投融资事件", "en": "Financing events"},
        "market.kpi.companies": {"zh-CN": "涉及企业", "en": "Companies"},
        "market.kpi.amount": {"zh-CN": "融资总额", "en": "Total raised"},
        "market.kpi.average": {"zh-CN": "平均单笔", "en": "Average deal"},
        "market.kpi.disclosed": {"zh-CN": "披露金额事件", "en": "Events with an amount"},
        "market.kpi.early": {"zh-CN": "早期事件占比", "en": "Early-stage share"},
        "market.kpi.state": {"zh-CN": "国资参与占比", "en": "State-owned participation"},
        "market.kpi.listed": {"zh-CN": "年末上市企业", "en": "Listed at year end"},
        "market.kpi.new_listings": {"zh-CN": "新上市 {n}", "en": "{n} new"},
        "market.kpi.ipo_average": {"zh-CN": "平均首发募资", "en": "Average IPO proceeds"},
        "market.sum.events": {"zh-CN": "投融资事件", "en": "Financing events"},
        "market.sum.events_value": {
            "zh-CN": "{events} 起，涉及 {companies} 家企业",
            "en": "{events} events, {companies} companies",
        },
        "market.sum.repeat": {"zh-CN": "两轮及以上融资企业", "en": "Companies with 2+ rounds"},
        "market.sum.disclosed": {"zh-CN": "披露金额事件", "en": "Events with an amount"},
        "market.sum.amount": {"zh-CN": "融资总额", "en": "Total raised"},
        "market.sum.average": {"zh-CN": "平均单笔融资", "en": "Average deal"},
        "market.sum.unknown": {"zh-CN": "未知项", "en": "Unknown values"},
        "market.sum.unknown_value": {
            "zh-CN": "金额未知 {amount} 起，省份未知 {province} 起（占比按已知值计算）",
            "en": "amount unknown in {amount} events, province unknown in {province} "
            "(shares are of known values)",
        },
        "market.sum.early": {"zh-CN": "早期 (A+及以前) 事件", "en": "Early stage (A+ and before)"},
        "market.sum.state": {"zh-CN": "国资参与事件", "en": "With a state-owned investor"},
        "market.sum.yrd": {"zh-CN": "长三角", "en": "Yangtze River Delta"},
        "market.sum.listed": {"zh-CN": "年末上市企业", "en": "Listed at year end"},
        "market.sum.listed_value": {
            "zh-CN": "{total} 家；当年新上市 {new} 家",
            "en": "{total}; {new} listed this year",
        },
        "market.sum.ipo": {"zh-CN": "首发募资", "en": "IPO proceeds"},
        "market.sum.ipo_value": {
            "zh-CN": "合计 {total} 亿元，平均 {average} 亿元",
            "en": "total CNY {total} 100 M, average {average}",
        },
        "market.sum.revenue_growth": {"zh-CN": "上市企业营收增长", "en": "Listed revenue growth"},
        "market.sum.profit_growth": {"zh-CN": "上市企业净利润增长", "en": "Listed profit growth"},
        "market.chart.by_year": {
            "zh-CN": "历年投融资事件数与金额",
            "en": "Events and amount by year",
        },
        "market.chart.by_month": {
            "zh-CN": "{year}年各月投融资事件",
            "en": "Events by month, {year}",
        },
        "market.chart.by_round": {"zh-CN": "融资轮次分布", "en": "Events by round"},
        "market.chart.by_stage": {"zh-CN": "融资阶段结构", "en": "Events by stage"},
        "market.chart.by_field": {"zh-CN": "细分领域分布", "en": "Events by field"},
        "market.chart.field_amount": {
            "zh-CN": "各领域融资金额 (亿元)",
            "en": "Amount by field (CNY 100 M)",
        },
        "market.chart.by_province": {"zh-CN": "融资事件数前十省份", "en": "Top ten provinces"},
        "market.chart.by_cluster": {"zh-CN": "主要城市群融资事件", "en": "Events by city cluster"},
        "market.chart.investors": {
            "zh-CN": "最活跃投资机构 (投资事件数)",
            "en": "Most active investors (events)",
        },
        "market.chart.boards": {
            "zh-CN": "上市公司板块分布 (年末)",
            "en": "Listed companies by board (year end)",
        },
        "market.chart.new_boards": {
            "zh-CN": "{year}年新上市企业板块",
            "en": "New listings by board, {year}",
        },
        "market.axis.events": {"zh-CN": "事件数", "en": "events"},
        "market.axis.yi": {"zh-CN": "亿元", "en": "CNY 100 M"},
        "market.legend.amount": {"zh-CN": "金额 (亿元)", "en": "amount (CNY 100 M)"},
        "market.legend.early": {"zh-CN": "早期", "en": "early"},
        "market.legend.other": {"zh-CN": "其他阶段", "en": "other stages"},
        "market.state_owned": {"zh-CN": "国资", "en": "state-owned"},
        "market.yes": {"zh-CN": "是", "en": "yes"},
        "market.h.rounds": {"zh-CN": "融资轮次", "en": "Rounds"},
        "market.h.regions": {"zh-CN": "地区", "en": "Regions"},
        "market.h.investors": {"zh-CN": "最活跃投资机构", "en": "Most active investors"},
        "market.h.new_listings": {"zh-CN": "{year} 年新上市企业", "en": "New listings in {year}"},
        "market.h.proceeds": {"zh-CN": "募集资金投向", "en": "Use of IPO proceeds"},
        "market.h.growth": {"zh-CN": "上市企业经营增长", "en": "Listed companies' growth"},
        "market.col.round": {"zh-CN": "轮次", "en": "Round"},
        "market.col.events": {"zh-CN": "事件数", "en": "Events"},
        "market.col.companies": {"zh-CN": "企业数", "en": "Companies"},
        "market.col.share": {"zh-CN": "占比", "en": "Share"},
        "market.col.amount": {"zh-CN": "金额 (亿元)", "en": "Amount (CNY 100 M)"},
        "market.col.province": {"zh-CN": "省份", "en": "Province"},
        "market.col.investor": {"zh-CN": "机构", "en": "Investor"},
        "market.col.early": {"zh-CN": "早期", "en": "Early"},
        "market.col.preference": {"zh-CN": "偏好阶段", "en": "Preferred stage"},
        "market.col.state": {"zh-CN": "国资", "en": "State-owned"},
        "market.col.project": {"zh-CN": "项目", "en": "Project"},
        "market.col.planned": {"zh-CN": "拟投入 (亿元)", "en": "Planned (CNY 100 M)"},
        "market.col.code": {"zh-CN": "代码", "en": "Code"},
        "market.col.company": {"zh-CN": "公司", "en": "Company"},
        "market.col.revenue": {"zh-CN": "营收 (亿元)", "en": "Revenue (CNY 100 M)"},
        "market.col.revenue_growth": {"zh-CN": "营收增长", "en": "Revenue growth"},
        "market.col.profit_growth": {"zh-CN": "净利润增长", "en": "Profit growth"},
        "market.note": {
            "zh-CN": "金额按披露金额下限计 (“超亿元”计 1 亿元)；未披露金额的事件计入事件数、"
            "不计入金额。平均单笔 = 融资总额 ÷ 全部事件数。早期 = 种子、天使、Pre-A、A、A+ 轮。",
            "en": "Amounts are the lower bound of what was disclosed ('over CNY 100 M' counts as "
            "100 M); undisclosed amounts count as events but add nothing. Average deal = total "
            "÷ all events. Early stage = seed, angel, Pre-A, A, A+.",
        },
        "market.unclassified": {"zh-CN": "未分类", "en": "Unclassified"},
    }
)

_EN_LABELS: dict[str, dict[str, str]] = {
    "round": {
        "seed": "Seed", "angel": "Angel", "pre_a": "Pre-A", "a": "A", "a_plus": "A+",
        "pre_b": "Pre-B", "b": "B", "b_plus": "B+", "c": "C", "c_plus": "C+", "d": "D",
        "e_and_later": "E and later", "pre_ipo": "Pre-IPO", "strategic": "Strategic",
        "ipo": "IPO", "private_placement": "Private placement", "acquisition": "M&A",
        "undisclosed": "Undisclosed",
    },
    "stage": {
        "early": "Early (A+ and before)", "growth": "Growth (Pre-B to C+)",
        "late": "Late (D and later)", "strategic": "Strategic", "public": "IPO & placements",
        "acquisition": "M&A", "unknown": "Undisclosed",
    },
    "field": {
        "network_identifier": "Network & identifiers",
        "platform_software": "Platforms & industrial software", "security": "Security",
        "automation_edge": "Automation & edge", "intelligent_equipment": "Intelligent equipment",
        "related_services": "Related services",
    },
    "cluster": {
        "yangtze_delta": "Yangtze River Delta", "jing_jin_ji": "Beijing-Tianjin-Hebei",
        "greater_bay": "Greater Bay Area", "chengdu_chongqing": "Chengdu-Chongqing",
    },
    "board": {
        "main": "Main board", "sme": "SME board", "chinext": "ChiNext", "star": "STAR Market",
        "bse": "Beijing Stock Exchange", "overseas": "Overseas",
    },
}  # fmt: skip


def label(kind: str, key: str, zh: str, locale: str) -> str:
    """A bucket's label in ``locale``: the Chinese label as computed, or its English name."""
    if normalise_locale(locale) != "en":
        return zh
    if key == "unknown":
        return "Unclassified"
    if kind == "province":
        row = regions().get(key)
        return row["name_en"] if row else key
    if kind == "month" and key.isdigit():
        return calendar.month_abbr[int(key)]
    return _EN_LABELS.get(kind, {}).get(key, zh)

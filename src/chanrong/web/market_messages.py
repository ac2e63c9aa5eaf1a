"""The console's words for the analyst's market pages (zh-CN and en)."""

from __future__ import annotations

from chanrong.core.i18n import register

_M: dict[str, tuple[str, str]] = {
    # analyst: market
    "web.market.year": ("年份", "Year"),
    "web.market.show": ("查看", "Show"),
    "web.market.events": ("融资事件", "Financing events"),
    "web.market.amount_yi": ("金额（亿元）", "Amount (100 m yuan)"),
    "web.market.amount_disclosed": ("披露融资总额", "Disclosed amount"),
    "web.market.early_share": ("早期轮次占比", "Early-stage share"),
    "web.market.state_share": ("国资参与占比", "State-owned participation"),
    "web.market.new_listings": ("新上市公司", "New listings"),
    "web.market.by_month": ("按月", "By month"),
    "web.market.by_round": ("按轮次", "By round"),
    "web.market.by_field": ("按领域", "By field"),
    "web.market.by_province": ("融资事件最多的省份", "Top provinces by events"),
    "web.market.by_year": ("按年", "By year"),
    "web.market.top_investors": ("最活跃的投资机构", "Most active investors"),
    "web.market.investor": ("投资机构", "Investor"),
    "web.market.deals": ("投资事件", "Deals"),
    "web.market.early_deals": ("早期事件", "Early-stage deals"),
    "web.market.preference": ("阶段偏好", "Stage preference"),
    "web.market.state_owned": ("国资", "State-owned"),
    "web.market.listings": ("上市公司", "Listed companies"),
    "web.market.listed_total": ("上市公司总数", "Listed companies"),
    "web.market.ipo_total": ("首发募资总额", "IPO proceeds, total"),
    "web.market.ipo_average": ("平均首发募资", "IPO proceeds, average"),
    "web.market.board": ("新上市（{board}）", "New listings ({board})"),
    "web.finance.applications": ("融资申请", "Applications"),
    "web.finance.loans": ("贷款", "Loans"),
    "web.finance.certificates": ("应收账款凭证", "Certificates"),
    "web.finance.apply": ("申请贷款", "Apply"),
    # analyst: market, unknown values (market23)
    "web.market.average_deal": ("平均单笔（已知金额）", "Average deal (known amounts)"),
    "web.market.unknowns": (
        "金额未知 {amount} 起 · 省份未知 {province} 起；占比按已知值计算，未知值不作估计",
        "Amount unknown in {amount} events · province unknown in {province}; shares are of "
        "known values, unknowns are not estimated",
    ),
    "web.market.by_year_round": ("按年份与轮次", "By year and round"),
    "web.market.co_investors": ("共同投资方", "Co-investors"),
    "web.market.deal_list": ("投资事件明细", "Deals"),
    "web.market.unknown": ("未知", "unknown"),
}

register({key: {"zh-CN": zh, "en": en} for key, (zh, en) in _M.items()})

"""The console's words for data assets, IP and asset pools (zh-CN and en)."""

from __future__ import annotations

from chanrong.core.i18n import register

_M: dict[str, tuple[str, str]] = {
    "web.nav.assets": ("数据资产与知识产权", "Data assets & IP"),
    "web.nav.pools": ("资产池", "Asset pools"),
    "web.assets.register": ("数据资源登记", "Data-resource register"),
    "web.assets.dataset": ("数据集", "Dataset"),
    "web.assets.grade": ("分类 · 分级", "Category · grade"),
    "web.assets.quality": ("质量评分", "Quality score"),
    "web.assets.reads": ("授权读取（近一年）", "Consented reads (last year)"),
    "web.assets.treatment": ("会计处理", "Accounting treatment"),
    "web.assets.valuations": ("评估", "Valuations"),
    "web.assets.value": ("评估价值", "Value"),
    "web.assets.as_of": ("基准日", "As of"),
    "web.assets.report": ("评估报告", "Report"),
    "web.assets.ip": ("知识产权", "Intellectual property"),
    "web.assets.ip_kind": ("类型", "Kind"),
    "web.assets.ip_number": ("号码", "Number"),
    "web.assets.ip_title": ("名称", "Title"),
    "web.assets.ip_status": ("法律状态", "Legal status"),
    "web.assets.ip_expires": ("保护期至", "Protected until"),
    "web.assets.pools": ("资产池", "Asset pools"),
    "web.assets.bank": ("银行", "Bank"),
    "web.assets.enterprise": ("企业", "Enterprise"),
    "web.assets.limit": ("授信额度", "Line limit"),
    "web.assets.base": ("借款基础", "Borrowing base"),
    "web.assets.drawn": ("已用", "Drawn"),
    "web.assets.available": ("可用", "Available"),
    "web.assets.revalued": ("重估日", "Revalued on"),
    "web.assets.lines": ("质押资产", "Pledged assets"),
    "web.assets.asset": ("资产", "Asset"),
    "web.assets.type": ("类别", "Type"),
    "web.assets.eligible": ("可贷价值", "Eligible"),
    "web.assets.cut": ("集中度扣减", "Concentration cut"),
    "web.assets.reasons": ("原因", "Reasons"),
    "web.assets.alerts": ("追加担保预警", "Margin alerts"),
    "web.assets.shortfall": ("缺口", "Shortfall"),
    "web.assets.raised": ("触发日", "Raised on"),
    "web.assets.status": ("状态", "Status"),
    "web.assets.log": ("日志", "Log"),
    "web.assets.none": ("暂无", "None yet"),
    "web.assets.history": ("借款基础走势", "Borrowing base over time"),
    "web.assets.alert_open": (
        "预警：已用额度超过资产池可支持的额度",
        "Alert: drawn above what the pool supports",
    ),
}

register({key: {"zh-CN": zh, "en": en} for key, (zh, en) in _M.items()})

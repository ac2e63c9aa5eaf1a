"""Assets as other domains, routes, commands, the console and the worker see it.

No logic here: each name is re-exported from the module that holds it.

- ``data_register``: the data-resource register built from the catalog, cost records,
  accounting treatment (财会〔2023〕11号)
- ``ip_rights``: the IP register, legal status, pledge registrations
- ``appraisals``: valuations of data resources and IP rights, stored with their evidence
- ``pools``: asset pools, pledges, release and substitution, revaluation, margin alerts
- ``lines``: the port through which a pool's credit line is read from lending
- ``report``: the valuation report page
- ``trend_alerts``: the monthly trend rule (``trend``) over the pools' history, its alerts
"""

from __future__ import annotations

from chanrong.assets.appraisals import (
    DataInputs,
    IpInputs,
    Lift,
    get_valuation,
    list_valuations,
    value_data_resource,
    value_ip,
)
from chanrong.assets.borrowing import AssetType, HaircutPolicy
from chanrong.assets.data_register import (
    add_cost,
    build_register,
    get_resource,
    list_costs,
    list_register,
    set_treatment,
)
from chanrong.assets.ip_rights import (
    get_ip,
    ip_pledges,
    list_ip,
    normalise_ip_number,
    register_ip,
    status_on,
    update_ip,
)
from chanrong.assets.lines import LineBook, LineFacts
from chanrong.assets.lines import connect as connect_line_book
from chanrong.assets.pools import (
    AssetSpec,
    active_pool_ids,
    enforce_pledge,
    get_pool,
    list_pools,
    open_pool,
    pledge_asset,
    pool_batches,
    pool_by_id,
    pool_pledges,
    pools_between,
    pools_by_ids,
    release_asset,
    substitute_asset,
)
from chanrong.assets.replenish import set_replenish
from chanrong.assets.report import render_report
from chanrong.assets.report_pdf import render_pdf
from chanrong.assets.revaluation import (
    Revalued,
    acknowledge_alert,
    get_alert,
    link_pool_line,
    list_alerts,
    pool_history,
    pools_evidence,
    revalue,
    revalue_many,
    revalue_pool,
)
from chanrong.assets.trend import TrendRule
from chanrong.assets.trend_alerts import (
    MonthEndNotRevalued,
    TrendRun,
    check_trends,
    get_trend_alert,
    is_month_end,
    list_trend_alerts,
    pools_awaiting_month_end,
)
from chanrong.assets.valuation import Approach, Comparable

__all__ = [
    "Approach",
    "AssetSpec",
    "AssetType",
    "Comparable",
    "DataInputs",
    "HaircutPolicy",
    "IpInputs",
    "Lift",
    "LineBook",
    "LineFacts",
    "MonthEndNotRevalued",
    "Revalued",
    "TrendRule",
    "TrendRun",
    "acknowledge_alert",
    "active_pool_ids",
    "add_cost",
    "build_register",
    "check_trends",
    "connect_line_book",
    "enforce_pledge",
    "get_alert",
    "get_ip",
    "get_pool",
    "get_resource",
    "get_trend_alert",
    "get_valuation",
    "ip_pledges",
    "is_month_end",
    "link_pool_line",
    "list_alerts",
    "list_costs",
    "list_ip",
    "list_pools",
    "list_register",
    "list_trend_alerts",
    "list_valuations",
    "normalise_ip_number",
    "open_pool",
    "pledge_asset",
    "pool_batches",
    "pool_by_id",
    "pool_history",
    "pool_pledges",
    "pools_awaiting_month_end",
    "pools_between",
    "pools_by_ids",
    "pools_evidence",
    "register_ip",
    "release_asset",
    "render_pdf",
    "render_report",
    "revalue",
    "revalue_many",
    "revalue_pool",
    "set_replenish",
    "set_treatment",
    "status_on",
    "substitute_asset",
    "update_ip",
    "value_data_resource",
    "value_ip",
]

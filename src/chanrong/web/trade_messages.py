"""The console's words for trade inside a contract (orders, deliveries, invoices), payment
guarantees (保付), escrow and the alerts on guaranteed trades."""

from __future__ import annotations

from chanrong.core.i18n import register

_M: dict[str, tuple[str, str]] = {
    "web.purpose.trade_guarantee_monitoring": ("保付预警", "Guaranteed-trade monitoring"),
    "web.nav.guar_trade": ("保付业务", "Guaranteed trade"),
    # orders, deliveries, invoices
    "web.tr.orders": ("订单与交付", "Orders and deliveries"),
    "web.tr.order": ("订单", "Order"),
    "web.tr.quantity": ("数量", "Quantity"),
    "web.tr.shipped": ("已发货", "Shipped"),
    "web.tr.received": ("已收货", "Received"),
    "web.tr.delivery": ("发货单", "Delivery note"),
    "web.tr.evidence": ("交付证据", "Evidence"),
    "web.tr.counters": ("生产计数 +{n}（{devices}）", "production counters +{n} ({devices})"),
    "web.tr.no_counters": ("无设备计数", "no device counters"),
    "web.tr.grn": ("收货单", "Goods received note"),
    "web.tr.received_on": ("收货日期", "Received on"),
    "web.tr.place_order": ("下订单", "Place order"),
    "web.tr.ordered": ("已下订单。", "Order placed."),
    "web.tr.ordered_on": ("下单日期", "Ordered on"),
    "web.tr.ship": ("登记发货", "Record shipment"),
    "web.tr.shipped_saved": ("已登记发货。", "Shipment recorded."),
    "web.tr.shipped_on": ("发货日期", "Shipped on"),
    "web.tr.device": ("计数设备（可选）", "Counting device (optional)"),
    "web.tr.produced_from": ("计数起", "Counters from"),
    "web.tr.produced_to": ("计数止", "Counters to"),
    "web.tr.issued_on": ("开票日期", "Issued on"),
    "web.tr.receive": ("登记收货", "Record receipt"),
    "web.tr.received_saved": ("已登记收货。", "Receipt recorded."),
    "web.tr.invoice": ("发票", "Invoice"),
    "web.tr.invoice_number": ("发票号", "Invoice number"),
    "web.tr.issue_invoice": ("开具发票", "Invoice"),
    "web.tr.invoiced": ("已开具发票。", "Invoice issued."),
    "web.tr.from_invoices": ("按发票生成对账单", "Statement from invoices"),
    "web.tr.statement_made": ("已按发票生成对账单。", "Statement made from the invoices."),
    "web.tr.flag.short_received": ("实收少于发货", "received short of shipped"),
    "web.tr.flag.production_below_shipped": (
        "设备生产计数少于发货数量",
        "production counters below the quantity shipped",
    ),
    # payment guarantees (保付)
    "web.pg.title": ("付款保证（保付）", "Payment guarantee (保付)"),
    "web.pg.lead": (
        "银行或担保机构保证买方到期付款；到期未付，由担保方先行向卖方付款（代偿）并向买方追偿。",
        "A bank or guarantor guarantees the buyer pays at maturity; unpaid, the guarantor "
        "pays the seller (代偿) and takes recourse against the buyer.",
    ),
    "web.pg.guarantor": ("担保方", "Guarantor"),
    "web.pg.ask": ("申请保付", "Ask for a guarantee"),
    "web.pg.asked": ("已提交保付申请。", "Guarantee requested."),
    "web.pg.call": ("要求担保方付款", "Call on the guarantee"),
    "web.pg.called": ("已要求担保方付款。", "The guarantee has been called."),
    "web.pg.fee_rate": ("保费费率（%）", "Fee rate (%)"),
    "web.pg.fee": ("保费", "Fee"),
    "web.pg.accept": ("承保", "Accept"),
    "web.pg.accepted": ("已承保，保费已收取。", "Accepted; the fee is charged."),
    "web.pg.decline": ("拒绝", "Decline"),
    "web.pg.declined": ("已拒绝。", "Declined."),
    "web.pg.reason": ("原因", "Reason"),
    "web.pg.pay_out": ("代偿付款", "Pay the seller"),
    "web.pg.paid_out": ("已代偿，追偿计划已生成。", "Paid; the recourse schedule is set."),
    "web.pg.instalments": ("追偿期数", "Recourse instalments"),
    "web.pg.recourse": ("追偿", "Recourse"),
    "web.pg.outstanding": ("未收回", "Outstanding"),
    "web.pg.repay": ("偿还追偿款", "Repay recourse"),
    "web.pg.repaid": ("已登记追偿还款。", "Recourse repayment recorded."),
    "web.pg.watch": ("查看买方经营预警", "Check the buyer's records"),
    "web.pg.watched": (
        "已按买方授权检查其经营数据。",
        "The buyer's records were checked under its grant.",
    ),
    "web.pg.not_read": (
        "未读取买方数据：{reason}（需买方授予“保付预警”用途的授权）",
        "The buyer's records were not read: {reason} (the buyer must grant the "
        "guaranteed-trade monitoring purpose)",
    ),
    "web.pg.amount": ("保证金额", "Amount guaranteed"),
    "web.pg.due": ("到期日", "Due"),
    "web.pg.book_lead": (
        "贵机构保证付款的贸易对账单：承保收费、到期代偿与追偿、买方经营预警。",
        "Statements whose payment you guarantee: accept for a fee, pay when called, recover "
        "from the buyer, and the alerts on the buyer.",
    ),
    "web.pg.state.requested": ("待承保", "requested"),
    "web.pg.state.declined": ("已拒绝", "declined"),
    "web.pg.state.active": ("保证中", "active"),
    "web.pg.state.released": ("买方已付款，保证解除", "released: the buyer paid"),
    "web.pg.state.called": ("已要求代偿", "called"),
    "web.pg.state.paid_out": ("已代偿，追偿中", "paid out; recourse running"),
    "web.pg.claim.open": ("追偿中", "open"),
    "web.pg.claim.settled": ("已收回", "settled"),
    # the agent bank's escrows (资金托管)
    "web.nav.escrows": ("资金托管", "Escrow"),
    "web.es.lead": (
        "贵行作为托管行为订单代管的买方资金：买方确认全部收货后由一名经办人审批放款，"
        "另一名经办人执行（双人复核）；有争议时按双方协商的比例审批分配。",
        "The buyers' money you hold as agent for their orders: once the buyer has received the "
        "whole order one officer approves the release and another executes it (four eyes); "
        "a disputed escrow is split as you approve.",
    ),
    "web.es.held": ("托管中", "Held"),
    "web.es.to_release": ("待放款", "Approved, to release"),
    "web.es.paid_sellers": ("已付卖方", "Paid to sellers"),
    "web.es.amount": ("托管金额", "Amount held"),
    "web.es.delivery": ("交付", "Delivery"),
    "web.es.received_all": ("买方已全部收货", "received in full"),
    "web.es.awaiting_receipt": ("待买方收货", "awaiting the buyer's receipt"),
    "web.es.split": ("分配", "Split"),
    "web.es.refund": ("退买方", "refund"),
    "web.es.approve": ("审批放款", "Approve release"),
    "web.es.approved": (
        "已审批放款，需另一名经办人执行。",
        "Release approved; another officer executes it.",
    ),
    "web.es.release": ("执行放款", "Release"),
    "web.es.released": ("已放款。", "Released."),
    "web.es.four_eyes": (
        "您审批了此笔放款，须由另一名经办人执行。",
        "You approved this release; another officer must execute it.",
    ),
    "web.es.to_seller": ("付卖方金额（元）", "To the seller (yuan)"),
    "web.es.note": ("处理说明", "Note"),
    "web.es.resolve": ("审批分配", "Approve split"),
    "web.es.resolved": (
        "已审批争议分配，需另一名经办人执行。",
        "Split approved; another officer executes it.",
    ),
    "web.es.state.held": ("托管中", "held"),
    "web.es.state.disputed": ("有争议", "disputed"),
    "web.es.state.approved": ("已审批待放款", "approved, to release"),
    "web.es.state.released": ("已放款", "released"),
    # alerts
    "web.alerts.title": ("保付预警", "Guaranteed-trade alerts"),
    "web.alerts.payment_overdue": (
        "买方逾期未付（应付日 {due_on}）",
        "The buyer has not paid (due {due_on})",
    ),
    "web.alerts.recourse_overdue": (
        "追偿第 {position} 期逾期未还（应还日 {due_on}，逾期合计 ¥{overdue_total}）",
        "Recourse instalment {position} unpaid (due {due_on}; ¥{overdue_total} overdue in all)",
    ),
    "web.alerts.output_drop": ("买方产值下降 {drop}", "The buyer's output fell {drop}"),
    "web.alerts.energy_collapse": (
        "买方用电骤降 {drop}",
        "The buyer's electricity use collapsed {drop}",
    ),
    "web.alerts.core_customer_lost": ("买方失去主要客户", "The buyer lost a core customer"),
    "web.alerts.payment_delays_rising": ("买方回款变慢", "The buyer's customers pay later"),
    "web.alerts.data_silent": ("买方数据中断", "The buyer's data stopped arriving"),
    "web.alerts.severity.high": ("高", "high"),
    "web.alerts.severity.medium": ("中", "medium"),
    "web.alerts.severity.low": ("低", "low"),
}

register({key: {"zh-CN": zh, "en": en} for key, (zh, en) in _M.items()})

"""Every message key the console uses exists in both languages (no key leaks to the page)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import chanrong.web.mount
from chanrong.core import i18n

WEB = Path(chanrong.web.mount.__file__).parent
KEY = re.compile(r"""\bt\(\s*['"]((?:web|app)\.[a-z0-9_.]*[a-z0-9_])['"]""")
PREFIXED = re.compile(r"""t\(\s*(?:f?['"])(web\.[a-z_.]+)\.(?:\{|['"]\s*~)""")


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        keys |= set(KEY.findall(path.read_text(encoding="utf-8")))
    return keys


def test_every_used_key_has_chinese_and_english() -> None:
    keys = _used_keys()
    assert len(keys) > 150
    missing = {loc: sorted(k for k in keys if k not in i18n._CATALOG[loc]) for loc in i18n.LOCALES}
    assert missing == {loc: [] for loc in i18n.LOCALES}


def test_keys_built_from_values_cover_every_value() -> None:
    # Keys such as 'web.kind.' ~ org.kind are completed at run time: check their families.
    families = {
        "web.kind": ["enterprise", "financial_institution", "platform_operator", "analyst"],
        "web.role": ["admin", "officer", "viewer"],
        "web.status": ["live", "revoked", "expired", "pending"],
        "web.category": ["rd", "production", "operations", "management", "external"],
        "web.loan.cat": ["normal", "special_mention", "substandard", "doubtful", "loss"],
        "web.loan.status": ["booked", "accepted", "active", "closed"],
        "web.fin": ["requested", "quoted", "accepted", "declined", "cancelled"],
        "web.app.status": ["referred", "approved", "declined"],
        "web.app.outcome": ["approve", "decline", "refer"],
    }
    from chanrong.credit.registry import Approval
    from chanrong.credit.stability import Level
    from chanrong.credit.training import SOURCES
    from chanrong.governance.service import Purpose

    families["web.models.state"] = [a.value for a in Approval]
    families["web.models.level"] = [lv.value for lv in Level]
    families["web.models.alert"] = [Level.WARNING.value, Level.ALERT.value]
    families["web.models.source"] = [*SOURCES, "unrecorded"]
    families["web.purpose"] = [p.value for p in Purpose] + ["platform_operation"]
    families["web.guar.status"] = ["requested", "active", "claimed"]
    families["web.guar.cap"] = [
        "loss_rate_stop",
        "fee_multiple_cap",
        "total_cap",
        "per_loan_cap",
        "guarantee_cap",
        "compensation",
    ]
    families["web.subsidy.mode"] = ["rate", "share"]
    families["web.subsidy.status"] = ["open", "exhausted", "ended"]
    from chanrong.leasing.settlement import ROLES as LEASE_ROLES

    families["web.lease"] = ["lock", "unlock"]
    families["web.lease.device"] = ["locked", "running", "pending"]
    families["web.lease.cmd"] = ["acknowledged", "refused", "unanswered"]
    from chanrong.leasing.settlement import Account as LeaseAccount

    families["web.lease.acct"] = [a.value for a in LeaseAccount]
    families["web.lease.role"] = list(LEASE_ROLES)
    families["web.lease.state"] = ["proposed", "accepted", "active", "locked", "declined", "ended"]
    from chanrong.supplychain.certificates import CertState
    from chanrong.supplychain.trade_terms import LineState, StatementState, TermFlag

    families["web.cstate"] = [s.value for s in CertState]
    families["web.trade.flag"] = [f.value for f in TermFlag]
    families["web.trade.sstate"] = [s.value for s in StatementState]
    families["web.trade.lstate"] = [s.value for s in LineState]
    from chanrong.lending.monitoring import AlertKind, Severity
    from chanrong.supplychain.trade_ledger import ClaimState, EscrowState, GuaranteeState
    from chanrong.supplychain.trade_terms import DeliveryFlag

    families["web.tr.flag"] = [f.value for f in DeliveryFlag]
    families["web.pg.state"] = [s.value for s in GuaranteeState]
    families["web.pg.claim"] = [s.value for s in ClaimState]
    families["web.es.state"] = [s.value for s in EscrowState]
    # Alerts on guaranteed trades: overdue, and the detectors run over the buyer's records.
    families["web.alerts"] = [
        "payment_overdue",
        "recourse_overdue",
        *(
            k.value
            for k in (
                AlertKind.OUTPUT_DROP,
                AlertKind.ENERGY_COLLAPSE,
                AlertKind.CORE_CUSTOMER_LOST,
                AlertKind.PAYMENT_DELAYS_RISING,
                AlertKind.DATA_SILENT,
            )
        ),
    ]
    families["web.alerts.severity"] = [s.value for s in Severity]
    families["web.fed.grant"] = ["live", "revoked", "expired", "pending"]
    families["web.fed.status"] = ["training", "finished"]
    families["web.fed.state"] = ["candidate"]
    families["web.fed.to"] = ["approved", "champion", "retired"]
    from chanrong.insurance import safety

    families["web.ins.band"] = ["low", "elevated", "high"]
    families["web.ins.check"] = list(safety.POINTS)
    families["web.ins.code"] = list(safety.POINTS)
    families["web.ins.severity"] = ["high", "medium"]
    families["web.ins.state"] = ["bound"]
    from chanrong.insurance import lifecycle, notices, premiums

    families["web.ins.state"] += [lifecycle.LAPSED, lifecycle.CANCELLED, lifecycle.EXPIRED]
    families["web.ins.instalment"] = [
        premiums.PAID,
        premiums.LATE,
        premiums.OVERDUE,
        premiums.MISSED,
        premiums.OPEN,
    ]
    families["web.ins.notice"] = [
        notices.PENDING,
        notices.DELIVERED,
        notices.WITHHELD,
        notices.READ,
    ]
    families["web.assets.trend_status"] = ["open", "resolved"]  # assets.orm.TrendAlert.status
    for family, values in families.items():
        for value in values:
            for loc in i18n.LOCALES:
                assert f"{family}.{value}" in i18n._CATALOG[loc], (family, value, loc)
    used = set()
    for path in WEB.rglob("*.html"):
        used |= set(PREFIXED.findall(path.read_text(encoding="utf-8")))
    assert used <= set(families), used - set(families)


def test_a_key_registered_again_with_other_words_is_refused() -> None:
    i18n.register({"web.test.once": {"zh-CN": "一次", "en": "once"}})
    i18n.register({"web.test.once": {"zh-CN": "一次", "en": "once"}})
    with pytest.raises(ValueError, match=r"web\.test\.once"):
        i18n.register({"web.test.once": {"zh-CN": "一次", "en": "twice"}})

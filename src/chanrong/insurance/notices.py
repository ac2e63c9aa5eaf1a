"""Safety alerts pushed to the people who can act on them (预警推送).

The platform had no notification mechanism for users (the worker's outbox carries events
between jobs, not messages to organisations), so insurance keeps a small outbox of its own:
after the day's profile, each new alert becomes a notification for the insured enterprise —
with what to check, prevention before loss — and one for every insurer holding a policy in
force on it. The worker then delivers them into each recipient's inbox: the enterprise's
always; an insurer's only through governance's read check for the insurance purpose on
``derived.safety_risk`` (logged like any read). Without a live grant the insurer's notice is
``withheld`` with the reason, kept and visible to the enterprise, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import ConsentRequired, NotFound
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from chanrong.insurance.orm import Notification, Policy, SafetyAlert
from chanrong.insurance.service import PURPOSE

DATASET = "derived.safety_risk"
PENDING, DELIVERED, WITHHELD, READ = "pending", "delivered", "withheld", "read"
INSURED, INSURER = "insured", "insurer"

# What the enterprise should check for each finding (the console shows the same advice).
CHECK: dict[str, dict[str, str]] = {
    "poor_condition": {
        "zh-CN": "安排设备检修：轴承、润滑、电气接头与安全联锁。",
        "en": "Schedule maintenance: bearings, lubrication, electrical connections and "
        "safety interlocks.",
    },
    "overload": {
        "zh-CN": "核对加工参数与负载；检查电机温升、电缆与保护装置整定值。",
        "en": "Check job parameters and load; inspect motor temperature rise, cables and "
        "protection settings.",
    },
    "fault_burst": {
        "zh-CN": "查明近一周故障原因，停机检修后再恢复连续生产。",
        "en": "Find the cause of this week's faults and repair before resuming continuous "
        "production.",
    },
    "out_of_hours": {
        "zh-CN": "确认夜间运行是否有人值守；无人值守时检查消防与自动停机设置。",
        "en": "Confirm night running is supervised; if not, check fire protection and "
        "automatic shutdown.",
    },
    "energy_anomaly": {
        "zh-CN": "核查当天用电激增：是否有设备空转、漏电或线路过热。",
        "en": "Investigate the day's power surge: idling machines, leakage or overheating wiring.",
    },
    "high_temperature": {
        "zh-CN": "检查散热、通风与周边可燃物；确认温度传感器读数。",
        "en": "Check cooling, ventilation and nearby combustibles; confirm the temperature "
        "sensor reading.",
    },
    "gas_leak": {
        "zh-CN": "立即排查燃气管路与阀门泄漏，保持通风，禁止明火。",
        "en": "Check gas lines and valves for leaks at once; ventilate and allow no open flame.",
    },
    "smoke": {
        "zh-CN": "立即现场确认火情，检查电气柜与除尘设备。",
        "en": "Check on site for fire at once; inspect electrical cabinets and dust extraction.",
    },
}


def _insurers_in_force(session: Session, org_id: str) -> list[str]:
    rows = session.scalars(
        select(Policy.insurer_org_id)
        .where(Policy.org_id == org_id, Policy.state == "bound")
        .distinct()
    ).all()
    return sorted(rows)


def queue(session: Session, org_id: str, alerts: Sequence[SafetyAlert]) -> int:
    """Notifications for the day's alerts (once per recipient and alert, however often the
    profile is recomputed): the insured's, and each insurer's with a policy in force."""
    recipients = [(org_id, INSURED)] + [(i, INSURER) for i in _insurers_in_force(session, org_id)]
    added = 0
    for a in alerts:
        for recipient, audience in recipients:
            known = session.scalars(
                select(Notification.id).where(
                    Notification.recipient_org_id == recipient,
                    Notification.org_id == org_id,
                    Notification.day == a.day,
                    Notification.code == a.code,
                    Notification.subject == a.subject,
                )
            ).first()
            if known is not None:
                continue
            session.add(
                Notification(
                    recipient_org_id=recipient,
                    audience=audience,
                    org_id=org_id,
                    day=a.day,
                    code=a.code,
                    subject=a.subject,
                    severity=a.severity,
                    evidence=dict(a.evidence),
                    check=CHECK.get(a.code, {}),
                    state=PENDING,
                )
            )
            added += 1
    session.flush()
    return added


def deliver(session: Session, org_id: str) -> dict[str, int]:
    """Deliver the enterprise's pending notifications: into the insured's inbox, and into an
    insurer's only under a live insurance grant (the read is checked and logged), otherwise
    withheld with the reason. Returns how many went each way."""
    pending = session.scalars(
        select(Notification).where(Notification.org_id == org_id, Notification.state == PENDING)
    ).all()
    counts = {DELIVERED: 0, WITHHELD: 0}
    allowed: dict[str, str | None] = {}  # insurer -> None if allowed, else why not
    for n in pending:
        if n.audience == INSURER:
            if n.recipient_org_id not in allowed:
                allowed[n.recipient_org_id] = _refusal(session, n.recipient_org_id, org_id)
            why = allowed[n.recipient_org_id]
            if why is not None:
                n.state, n.reason = WITHHELD, why
                counts[WITHHELD] += 1
                continue
        n.state, n.delivered_at = DELIVERED, utcnow()
        counts[DELIVERED] += 1
    session.flush()
    return counts


def _refusal(session: Session, insurer_org_id: str, org_id: str) -> str | None:
    """Why the insurer may not be told (None if it may): governance's check, logged."""
    try:
        governance.authorize_read(
            session,
            identity.system_principal(session, insurer_org_id),
            owner_org_id=org_id,
            dataset=DATASET,
            purpose=governance.Purpose(PURPOSE),
        )
    except ConsentRequired as exc:
        return f"no consent: {exc.detail}"[:200]
    return None


def inbox(
    session: Session, principal: Principal, *, unread: bool = False
) -> Sequence[Notification]:
    """The notifications delivered to the caller's organisation, newest first."""
    states = [DELIVERED] if unread else [DELIVERED, READ]
    return session.scalars(
        select(Notification)
        .where(Notification.recipient_org_id == principal.org_id, Notification.state.in_(states))
        .order_by(Notification.day.desc(), Notification.created_at.desc())
    ).all()


def sent_about(session: Session, principal: Principal) -> Sequence[Notification]:
    """Every notification about the caller's own alerts, to whomever and in whatever state:
    the enterprise sees which insurer was told and which was not, and why."""
    return session.scalars(
        select(Notification)
        .where(Notification.org_id == principal.org_id)
        .order_by(Notification.day.desc(), Notification.recipient_org_id, Notification.code)
    ).all()


def mark_read(session: Session, principal: Principal, notification_id: str) -> Notification:
    """The recipient has opened a notification."""
    n = session.get(Notification, notification_id)
    if n is None or n.recipient_org_id != principal.org_id or n.state not in (DELIVERED, READ):
        raise NotFound(f"notification {notification_id} not found", field="notification_id")
    if n.state == DELIVERED:
        n.state, n.read_at = READ, utcnow()
        session.flush()
    return n


def day_alerts(session: Session, org_id: str, day: date) -> Sequence[SafetyAlert]:
    """The alerts the profile of ``day`` raised."""
    return session.scalars(
        select(SafetyAlert).where(SafetyAlert.org_id == org_id, SafetyAlert.day == day)
    ).all()

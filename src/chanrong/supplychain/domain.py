"""Lineage and visibility of certificate trees. Pure rules: no framework imports.

Who may see a certificate: the core enterprise that issued the tree sees all of it (it pays
every holder); any other organisation sees the certificates it holds or held and the
ancestry of those (where its part came from), and a bank sees a certificate offered to it
for financing. Everyone else sees nothing: another organisation's certificate looks missing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from chanrong.core.i18n import register
from chanrong.supplychain.certificates import CertView


@dataclass(frozen=True, slots=True)
class LineageNode:
    """One certificate of a lineage with its children (for trees and the Rich view)."""

    cert: CertView
    children: tuple[LineageNode, ...] = field(default_factory=tuple)

    def walk(self) -> Iterable[CertView]:
        """The certificates of this subtree, parents before children."""
        yield self.cert
        for child in self.children:
            yield from child.walk()


def children_of(nodes: Iterable[CertView]) -> dict[str | None, list[CertView]]:
    out: dict[str | None, list[CertView]] = defaultdict(list)
    for n in nodes:
        out[n.parent_id].append(n)
    return out


def ancestry(nodes: Mapping[str, CertView], cert_id: str) -> list[CertView]:
    """The path from the root down to ``cert_id`` (inclusive)."""
    path: list[CertView] = []
    current: str | None = cert_id
    while current is not None:
        node = nodes[current]
        path.append(node)
        current = node.parent_id
    return path[::-1]


def visible_ids(
    nodes: Sequence[CertView],
    viewer_org_id: str,
    *,
    issuer_org_id: str,
    offered_ids: Iterable[str] = (),
) -> set[str]:
    """The certificates of one tree that ``viewer_org_id`` may see."""
    if viewer_org_id == issuer_org_id:
        return {n.id for n in nodes}
    by_id = {n.id: n for n in nodes}
    own = {n.id for n in nodes if n.holder_org_id == viewer_org_id} | set(offered_ids)
    seen: set[str] = set()
    for cert_id in own:
        if cert_id in by_id:
            seen.update(a.id for a in ancestry(by_id, cert_id))
    return seen


def build_tree(nodes: Sequence[CertView], keep: set[str] | None = None) -> LineageNode | None:
    """The tree of a payable from its root, pruned to ``keep`` when given."""
    kids = children_of(nodes)

    def grow(cert: CertView) -> LineageNode:
        below = [c for c in kids.get(cert.id, []) if keep is None or c.id in keep]
        return LineageNode(cert, tuple(grow(c) for c in below))

    roots = [n for n in kids.get(None, []) if keep is None or n.id in keep]
    return grow(roots[0]) if roots else None


register(
    {
        "scf.payable": {"zh-CN": "应付账款", "en": "payable"},
        "scf.certificate": {"zh-CN": "凭证", "en": "certificate"},
        "scf.state.live": {"zh-CN": "持有", "en": "held"},
        "scf.state.split": {"zh-CN": "已拆分", "en": "split"},
        "scf.state.transferred": {"zh-CN": "已转让", "en": "transferred"},
        "scf.state.financed": {"zh-CN": "已融资", "en": "financed"},
        "scf.state.settled": {"zh-CN": "已兑付", "en": "settled"},
        "scf.origin.issue": {"zh-CN": "确权开立", "en": "issued on confirmation"},
        "scf.origin.split": {"zh-CN": "拆分", "en": "split"},
        "scf.origin.transfer": {"zh-CN": "转让", "en": "transfer"},
        "scf.origin.financing": {"zh-CN": "融资", "en": "financing"},
        "scf.confirmed_on": {"zh-CN": "{day} 确权", "en": "confirmed {day}"},
        "scf.due_on": {"zh-CN": "{day} 到期", "en": "due {day}"},
        "scf.discount": {
            "zh-CN": "年化 {rate}% {basis} {days}天，贴息 {discount}（{day}）",
            "en": "{rate}% {basis} {days}d, discount {discount} on {day}",
        },
        "scf.paid_on": {"zh-CN": "✓ 兑付日 {day}", "en": "✓ paid {day}"},
        "scf.settled_summary": {
            "zh-CN": "已向 {holders} 个持有人兑付 {amount}",
            "en": "settled {amount} to {holders} holders",
        },
    }
)

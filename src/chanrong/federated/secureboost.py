"""SecureBoost-style vertical gradient-boosted trees (bank holds labels and the Paillier key).

Each party bins its own columns (quantiles, ``bins`` per column). Per tree the bank computes
g = p − y and h = p(1 − p) for every aligned row and sends one ciphertext per row with three
fixed-point fields packed into one plaintext (h, g shifted to be non-negative, and a 1 that
counts rows). Per node:

====  =======================  ==========================================================
step  message                   content
====  =======================  ==========================================================
1     bank → platform           ``packed``: Enc(h_i·2^80 + (g_i + 2^16)·2^40 + 1) per row,
                                once per tree
2     bank → platform           ``rows``: positions of the node's rows
3     platform → bank           ``histograms``: for each platform feature and bin, the sum
                                of the packed ciphertexts of the node's rows in that bin
4     bank → platform           ``split``: (feature index, bin index) when a platform split
                                wins; the platform keeps the threshold under ``split_id``
5     platform → bank           ``left``: positions of the node's rows that go left
====  =======================  ==========================================================

What the bank learns: per node, the gradient and hessian sums and the row count of each
platform bin (the aggregates SecureBoost reveals) and, for platform splits, which rows go left;
never a platform threshold or feature value. What the platform learns: ciphertexts, the
rows of each node and which of its (feature, bin) pairs split; never a label, a gradient or a
bank feature. The leaf weights stay with the bank. Scoring a row needs the platform to route it
at its own nodes (``PlatformBooster.route``).

``central_boost`` grows the same trees with every column in plaintext (the same bins, gains
and leaf weights), the reference for parity.

Pure: numpy and phe, no framework.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from phe import paillier

from chanrong.federated.protocol import (
    ProtocolError,
    ciphertext_in,
    ciphertext_out,
    encrypt_as_owner,
    sigmoid,
)

FIELD = 40  # bits per packed field: sums of 2^17 rows of 2^17-bounded values fit
SHIFT = 1 << 16  # g ∈ [−1, 1] as fixed point, shifted to be non-negative
G_SCALE = 1 << 15
H_SCALE = 1 << 16


@dataclass(frozen=True, slots=True)
class BoostConfig:
    trees: int = 3
    depth: int = 3
    bins: int = 16
    learning_rate: float = 0.3
    lam: float = 1.0
    min_rows: int = 5


def bin_columns(x: np.ndarray, bins: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Bin indices per column from quantile edges (missing values in bin 0)."""
    edges = []
    out = np.zeros(x.shape, dtype=np.int64)
    for j in range(x.shape[1]):
        col = x[:, j]
        finite = col[~np.isnan(col)]
        e = (
            np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1]))
            if len(finite)
            else np.array([])
        )
        edges.append(e)
        out[:, j] = np.where(np.isnan(col), 0, np.searchsorted(e, col, side="right"))
    return out, edges


def pack(g: np.ndarray, h: np.ndarray) -> list[int]:
    """h·2^80 + (g + 2^16)·2^40 + 1 per row, in fixed point."""
    gi = np.rint(g * G_SCALE).astype(np.int64) + SHIFT
    hi = np.rint(h * H_SCALE).astype(np.int64)
    return [(int(b) << (2 * FIELD)) + (int(a) << FIELD) + 1 for a, b in zip(gi, hi, strict=True)]


def unpack(total: int) -> tuple[float, float, int]:
    """(Σg, Σh, count) from a decrypted packed sum."""
    mask = (1 << FIELD) - 1
    count = total & mask
    g = ((total >> FIELD) & mask) - count * SHIFT
    h = total >> (2 * FIELD)
    return g / G_SCALE, h / H_SCALE, count


def _gain(gl: float, hl: float, g: float, h: float, lam: float) -> float:
    gr, hr = g - gl, h - hl
    return gl * gl / (hl + lam) + gr * gr / (hr + lam) - g * g / (h + lam)


@dataclass
class Node:
    """A tree node: a leaf weight, or a split owned by one party."""

    weight: float | None = None
    owner: str | None = None  # "bank" or "platform"
    feature: int | None = None  # bank's column index
    bin: int | None = None
    split_id: int | None = None  # the platform's lookup
    left: Node | None = None
    right: Node | None = None


def node_json(node: Node) -> dict[str, Any]:
    """A tree as JSON (the bank's part)."""
    if node.weight is not None:
        return {"weight": node.weight}
    assert node.left is not None and node.right is not None
    return {
        "owner": node.owner,
        "feature": node.feature,
        "bin": node.bin,
        "split_id": node.split_id,
        "left": node_json(node.left),
        "right": node_json(node.right),
    }


def node_from_json(d: dict[str, Any]) -> Node:
    """A tree from ``node_json``."""
    if "weight" in d:
        return Node(weight=float(d["weight"]))
    return Node(
        owner=d["owner"],
        feature=d["feature"],
        bin=d["bin"],
        split_id=d["split_id"],
        left=node_from_json(d["left"]),
        right=node_from_json(d["right"]),
    )


def margin_of(
    trees: Sequence[Node], bank_bins_row: np.ndarray, platform_left: Sequence[bool]
) -> float:
    """A row's margin: the bank's nodes from its bins, the platform's from its directions
    (``platform_left[split_id]``)."""
    total = 0.0
    for tree in trees:
        node = tree
        while node.weight is None:
            if node.owner == "bank":
                assert node.feature is not None and node.bin is not None
                go_left = bool(bank_bins_row[node.feature] <= node.bin)
            else:
                assert node.split_id is not None
                go_left = bool(platform_left[node.split_id])
            nxt = node.left if go_left else node.right
            assert nxt is not None
            node = nxt
        total += node.weight
    return total


def apply_edges(x: np.ndarray, edges: Sequence[Sequence[float]]) -> np.ndarray:
    """Bin indices of new rows under edges learnt by ``bin_columns``."""
    out = np.zeros(x.shape, dtype=np.int64)
    for j, e in enumerate(edges):
        col = x[:, j]
        out[:, j] = np.where(np.isnan(col), 0, np.searchsorted(np.asarray(e), col, side="right"))
    return out


class BoostPlatform(Protocol):
    """The platform as the bank's trainer sees it: in process or over HTTP."""

    def receive(self, pk: paillier.PaillierPublicKey, packed: Sequence[str]) -> None: ...

    def histograms(self, rows: Sequence[int], nbins: int) -> list[list[str | None]]: ...

    def split(self, rows: Sequence[int], feature: int, bin_: int) -> tuple[int, list[int]]: ...


@dataclass
class PlatformBooster:
    """The platform's side: its binned columns and the thresholds of its splits."""

    bins: np.ndarray
    lookups: list[tuple[int, int]] = field(default_factory=list)
    packed: list[paillier.EncryptedNumber] = field(default_factory=list)

    def receive(self, pk: paillier.PaillierPublicKey, packed: Sequence[str]) -> None:
        """Step 1: the tree's packed ciphertexts, one per row."""
        if len(packed) != len(self.bins):
            raise ProtocolError("packed: one ciphertext per row", "packed")
        self.packed = [ciphertext_in(pk, c, f"packed[{i}]") for i, c in enumerate(packed)]

    def histograms(self, rows: Sequence[int], nbins: int) -> list[list[str | None]]:
        """Step 3: per feature and bin, the sum of the node's rows' ciphertexts (None when
        the bin holds no row of the node)."""
        idx = np.asarray(rows, dtype=np.int64)
        if len(idx) == 0 or idx.min() < 0 or idx.max() >= len(self.bins):
            raise ProtocolError("rows: positions within the run", "rows")
        out: list[list[str | None]] = []
        for j in range(self.bins.shape[1]):
            sums: list[Any] = [None] * nbins
            for i in idx:
                b = int(self.bins[i, j])
                c = self.packed[i]
                sums[b] = c if sums[b] is None else sums[b] + c
            out.append([None if s is None else ciphertext_out(s) for s in sums])
        return out

    def split(self, rows: Sequence[int], feature: int, bin_: int) -> tuple[int, list[int]]:
        """Steps 4–5: keep (feature, bin) under a new id; the rows that go left."""
        if not 0 <= feature < self.bins.shape[1]:
            raise ProtocolError("split: no such platform feature", "split")
        self.lookups.append((feature, bin_))
        left = [int(i) for i in rows if self.bins[i, feature] <= bin_]
        return len(self.lookups) - 1, left

    def route(self, split_id: int, bins_row: np.ndarray) -> bool:
        """Scoring: does this row (binned by the platform) go left at ``split_id``?"""
        feature, bin_ = self.lookups[split_id]
        return bool(bins_row[feature] <= bin_)


def _best_plain(
    bins: np.ndarray,
    rows: np.ndarray,
    g: np.ndarray,
    h: np.ndarray,
    nbins: int,
    lam: float,
    min_rows: int,
) -> tuple[float, int, int]:
    """(gain, feature, bin) of the best split of the node on plaintext columns."""
    g_sum, h_sum = float(g[rows].sum()), float(h[rows].sum())
    best = (0.0, -1, -1)
    for j in range(bins.shape[1]):
        hg = np.bincount(bins[rows, j], weights=g[rows], minlength=nbins)
        hh = np.bincount(bins[rows, j], weights=h[rows], minlength=nbins)
        hc = np.bincount(bins[rows, j], minlength=nbins)
        best = max(best, _scan(hg, hh, hc, g_sum, h_sum, lam, min_rows, j), key=lambda t: t[0])
    return best


def _scan(
    hg: np.ndarray,
    hh: np.ndarray,
    hc: np.ndarray,
    g_sum: float,
    h_sum: float,
    lam: float,
    min_rows: int,
    j: int,
) -> tuple[float, int, int]:
    gl = hl = 0.0
    cl = 0
    total = int(hc.sum())
    best = (0.0, -1, -1)
    for b in range(len(hg) - 1):
        gl += float(hg[b])
        hl += float(hh[b])
        cl += int(hc[b])
        if cl < min_rows or total - cl < min_rows:
            continue
        gain = _gain(gl, hl, g_sum, h_sum, lam)
        if gain > best[0] + 1e-12:
            best = (gain, j, b)
    return best


@dataclass
class BankBooster:
    """The bank's side: binned columns, labels, the key pair and the trees."""

    bins: np.ndarray
    y: np.ndarray
    config: BoostConfig
    key_bits: int = 2048
    trees: list[Node] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.public_key, self._private_key = paillier.generate_paillier_keypair(
            n_length=self.key_bits
        )
        self.margin = np.zeros(len(self.y))

    def encrypt_gradients(self, g: np.ndarray, h: np.ndarray) -> list[str]:
        """The rows' packed (g, h) encrypted under the bank's key (hex ciphertexts)."""
        return encrypt_as_owner(self._private_key, pack(g, h))

    def decrypt_histograms(
        self, hists: Sequence[Sequence[str | None]]
    ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per platform feature: the bins' Σg, Σh and counts."""
        out = []
        for j, feature in enumerate(hists):
            hg, hh, hc = (np.zeros(len(feature)) for _ in range(3))
            for b, c in enumerate(feature):
                if c is not None:
                    total = self._private_key.raw_decrypt(
                        ciphertext_in(self.public_key, c, f"histograms[{j}][{b}]").ciphertext(False)
                    )
                    hg[b], hh[b], hc[b] = unpack(total)
            out.append((hg, hh, hc))
        return out


Wire = list[tuple[str, dict[str, Any]]]


@dataclass
class LocalBoost:
    """Both parties in one process, messages through JSON and recorded (like ``LocalRun``)."""

    bank: BankBooster
    platform: BoostPlatform
    wire: Wire = field(default_factory=list)

    def _send(self, direction: str, message: dict[str, Any]) -> dict[str, Any]:
        copied: dict[str, Any] = json.loads(json.dumps(message))
        self.wire.append((direction, copied))
        return copied

    def train(self) -> None:
        """Every tree of the bank's config."""
        cfg = self.bank.config
        for _ in range(cfg.trees):
            p = sigmoid(self.bank.margin)
            g, h = p - self.bank.y, p * (1 - p)
            cts = self.bank.encrypt_gradients(g, h)
            sent = self._send("bank→platform", {"packed": cts})
            self.platform.receive(self.bank.public_key, sent["packed"])
            tree = self._grow(np.arange(len(self.bank.y)), g, h, 0)
            self.bank.trees.append(tree)

    def _grow(self, rows: np.ndarray, g: np.ndarray, h: np.ndarray, depth: int) -> Node:
        cfg = self.bank.config
        g_sum, h_sum = float(g[rows].sum()), float(h[rows].sum())
        leaf = Node(weight=-cfg.learning_rate * g_sum / (h_sum + cfg.lam))
        if depth >= cfg.depth or len(rows) < 2 * cfg.min_rows:
            self.bank.margin[rows] += leaf.weight or 0.0
            return leaf
        own = _best_plain(self.bank.bins, rows, g, h, cfg.bins, cfg.lam, cfg.min_rows)
        sent = self._send("bank→platform", {"rows": [int(r) for r in rows]})
        got = self._send(
            "platform→bank", {"histograms": self.platform.histograms(sent["rows"], cfg.bins)}
        )
        theirs = (0.0, -1, -1)
        for j, (hg, hh, hc) in enumerate(self.bank.decrypt_histograms(got["histograms"])):
            theirs = max(
                theirs,
                _scan(hg, hh, hc, g_sum, h_sum, cfg.lam, cfg.min_rows, j),
                key=lambda t: t[0],
            )
        if max(own[0], theirs[0]) <= 0:
            self.bank.margin[rows] += leaf.weight or 0.0
            return leaf
        if own[0] >= theirs[0]:
            _, j, b = own
            left_mask = self.bank.bins[rows, j] <= b
            node = Node(owner="bank", feature=j, bin=b)
        else:
            _, j, b = theirs
            self._send("bank→platform", {"split": [j, b]})
            split_id, left = self.platform.split([int(r) for r in rows], j, b)
            got = self._send("platform→bank", {"split_id": split_id, "left": left})
            left_set = set(got["left"])
            left_mask = np.asarray([int(r) in left_set for r in rows])
            node = Node(owner="platform", split_id=got["split_id"])
        node.left = self._grow(rows[left_mask], g, h, depth + 1)
        node.right = self._grow(rows[~left_mask], g, h, depth + 1)
        return node

    def predict(self, bank_bins: np.ndarray, platform_bins: np.ndarray) -> np.ndarray:
        """Probabilities of rows binned by each party (the platform routes its own nodes)."""
        assert isinstance(self.platform, PlatformBooster)
        platform = self.platform
        out = np.zeros(len(bank_bins))
        for i in range(len(bank_bins)):
            left = [platform.route(k, platform_bins[i]) for k in range(len(platform.lookups))]
            out[i] = margin_of(self.bank.trees, bank_bins[i], left)
        return sigmoid(out)

    def wire_bytes(self) -> int:
        """Bytes of every message as compact JSON."""
        return sum(len(json.dumps(m, separators=(",", ":"))) for _, m in self.wire)


def central_boost(bins: np.ndarray, y: np.ndarray, config: BoostConfig) -> np.ndarray:
    """The same trees grown on all columns in plaintext; returns the training margin."""
    margin = np.zeros(len(y))

    def grow(rows: np.ndarray, g: np.ndarray, h: np.ndarray, depth: int) -> None:
        g_sum, h_sum = float(g[rows].sum()), float(h[rows].sum())
        weight = -config.learning_rate * g_sum / (h_sum + config.lam)
        if depth >= config.depth or len(rows) < 2 * config.min_rows:
            margin[rows] += weight
            return
        gain, j, b = _best_plain(bins, rows, g, h, config.bins, config.lam, config.min_rows)
        if gain <= 0:
            margin[rows] += weight
            return
        mask = bins[rows, j] <= b
        grow(rows[mask], g, h, depth + 1)
        grow(rows[~mask], g, h, depth + 1)

    for _ in range(config.trees):
        p = sigmoid(margin)
        grow(np.arange(len(y)), p - y, p * (1 - p), 0)
    return margin

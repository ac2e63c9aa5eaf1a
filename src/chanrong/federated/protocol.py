"""Vertical logistic regression between a bank (labels and its own features) and the
platform (operating features), with the shared parts of the gradient under Paillier (phe).

The rows are the enterprises both sides hold (aligned by PSI on USCC, ``psi``), in the order
the bank sent. Each side standardises its own columns and keeps its own weights; the bank also
holds the intercept and the Paillier key pair. One training round on a mini-batch ``B`` of row
positions (the bank draws them):

====  =======================  ==========================================================
step  message                   content
====  =======================  ==========================================================
1     bank → platform           ``rows``: positions of the batch (integers)
2     platform → bank           ``partial``: u_p = X_p[B]·w_p, one float per row — the
                                platform's partial score, an aggregate of its features
                                under weights the bank never sees
3     bank → platform           ``residuals``: Enc(d_i), d = σ(u_b + u_p) − y, fixed point
                                (Paillier ciphertexts; the key's modulus n is public)
4     platform → bank           ``masked``: Enc(Σ_i d_i·x_ij + r_j) for each platform
                                feature j, with r_j a fresh random mask of 128 bits it keeps
5     bank → platform           ``masked_sums``: the decrypted Σ_i d_i·x_ij + r_j
6     platform (alone)          subtracts r_j, divides by |B| and steps w_p
====  =======================  ==========================================================

What each side learns:

- the bank: the intersection (PSI), u_p per row of each batch and masked sums that are
  uniformly spread over 2^128 — it learns no platform feature value, weight or gradient;
- the platform: the intersection (the bank names the rows to train on), the public key,
  ciphertexts it cannot decrypt and the gradient of its own weights Σ_i d_i·x_ij / |B| per
  round (the standard hetero-LR leak: an aggregate over the batch, never a single label);
- neither side sees the other's raw feature values, and the labels never leave the bank.

The arithmetic is made cheap without changing a message: the bank encrypts step 3 as the key's
owner (``encrypt_as_owner``: CRT, the same ciphertexts in distribution as phe's), and the
platform forms step 4 as one multi-exponentiation per feature (``weighted_sum``), re-randomised
once.

Scoring an application: the platform returns u_p for the enterprise under the registered
platform part; the bank adds its own part and the intercept and applies σ.

``central_fit`` trains the same model on the joined columns with the same batches, learning
rate and standardisation: the federated weights differ from it only by fixed-point rounding.

Pure: numpy and phe, no framework.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from phe import paillier

# Fixed point: residuals and standardised features are carried as round(v · 2^16).
SCALE_BITS = 16
SCALE = 1 << SCALE_BITS
# Masks hide sums bounded by |B|·2^32·CLIP (< 2^60 for |B| ≤ 4096) with statistical
# distance below 2^-60.
MASK_BITS = 128
# Standardised features are clipped so the bound above holds (|z| > 64 is an outlier anyway).
CLIP = 64.0
MAX_BATCH = 4096
# Production keys; tests and the benchmark pass smaller ones explicitly (see their notes).
DEFAULT_KEY_BITS = 2048


class ProtocolError(ValueError):
    """A message that does not fit the protocol (names the field)."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class TrainingConfig:
    """The schedule both sides agree on (the bank proposes it when it opens a run)."""

    iterations: int = 60
    batch_size: int = 256
    learning_rate: float = 0.5
    l2: float = 1e-3
    seed: int = 7

    def batches(self, n: int) -> list[np.ndarray]:
        """The row positions of each round, drawn by the bank from ``seed``."""
        rng = np.random.default_rng(self.seed)
        size = min(self.batch_size, n)
        return [np.sort(rng.choice(n, size=size, replace=False)) for _ in range(self.iterations)]


@dataclass(frozen=True, slots=True)
class Standardiser:
    """Per-column mean and scale learnt by one party on its own training rows."""

    means: tuple[float, ...]
    scales: tuple[float, ...]

    @classmethod
    def fit(cls, x: np.ndarray) -> Standardiser:
        """Means and standard deviations (1 for a constant column), missing values ignored."""
        means = np.nanmean(x, axis=0)
        scales = np.nanstd(x, axis=0)
        scales = np.where(scales > 0, scales, 1.0)
        return cls(tuple(float(v) for v in means), tuple(float(v) for v in scales))

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Standardised, missing values at the mean (0), clipped to ±CLIP."""
        z = (x - np.asarray(self.means)) / np.asarray(self.scales)
        return np.asarray(np.clip(np.nan_to_num(z, nan=0.0), -CLIP, CLIP), dtype=float)


def sigmoid(u: np.ndarray) -> np.ndarray:
    """The logistic function, stable for large |u|."""
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(u, -500, 500))), dtype=float)


def to_fixed(values: np.ndarray) -> list[int]:
    """round(v · 2^16) as Python integers."""
    return [int(v) for v in np.rint(np.asarray(values, dtype=float) * SCALE)]


# How many of its own features each party names as a joint decision's reasons.
REASON_FEATURES = 2


def raising(
    features: Sequence[str], contributions: Sequence[float], top: int = REASON_FEATURES
) -> list[tuple[str, float]]:
    """The features whose contributions (w_j·z_j, to the log-odds of default) are positive and
    largest, largest first, at most ``top``: a party's reasons from its own part."""
    order = sorted(range(len(features)), key=lambda j: -contributions[j])
    return [(features[j], float(contributions[j])) for j in order[:top] if contributions[j] > 0]


def fingerprint(obj: Any) -> str:
    """SHA-256 of a JSON-able object in canonical form (a party's model part)."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


# --- the wire form of ciphertexts --------------------------------------------------------------
def public_key_of(n_hex: str) -> paillier.PaillierPublicKey:
    """The bank's public key from its modulus (hex)."""
    try:
        n = int(n_hex, 16)
    except ValueError:
        raise ProtocolError("public_key: not a hexadecimal modulus", "public_key") from None
    if n.bit_length() < 256:
        raise ProtocolError("public_key: the modulus is too short", "public_key")
    return paillier.PaillierPublicKey(n)


def ciphertext_out(c: paillier.EncryptedNumber) -> str:
    """A ciphertext as hex (re-randomised if it came out of arithmetic)."""
    return format(c.ciphertext(be_secure=True), "x")


def ciphertext_in(
    pk: paillier.PaillierPublicKey, text: str, field: str
) -> paillier.EncryptedNumber:
    """A ciphertext from hex; refuses anything outside Z*_{n²}."""
    try:
        value = int(text, 16)
    except (ValueError, TypeError):
        raise ProtocolError(f"{field}: not a hexadecimal ciphertext", field) from None
    if not 0 < value < pk.nsquare:
        raise ProtocolError(f"{field}: outside the key's ciphertext space", field)
    return paillier.EncryptedNumber(pk, value, 0)


# --- the arithmetic under the ciphertexts ----------------------------------------------------
def encrypt_as_owner(private_key: paillier.PaillierPrivateKey, values: Sequence[int]) -> list[str]:
    """Encrypt integers as the key's owner does, as hex ciphertexts: the same ciphertexts in
    distribution as ``public_key.encrypt`` (g^m · r^n mod n², r uniform in Z*_n), about three
    times cheaper, because only the owner knows p and q.

    Encryption's cost is the obfuscator r^n mod n² (a 1024-bit power modulo a 2048-bit number
    at 1024-bit keys). By the Chinese remainder theorem it is a pair (r^n mod p², r^n mod q²),
    and r^n mod p² for uniform r is a uniform element of the subgroup of order p − 1 of Z*_{p²}
    (gcd(q, p − 1) = 1 since p and q have the same length), which a^p mod p² for uniform
    a ∈ [1, p) also is: a power with half the exponent modulo a number of half the size, on
    each side. The plaintext part is g^m = 1 + n·m mod n² (g = n + 1), negatives as n + m.
    """
    pk = private_key.public_key
    n, nsq = pk.n, pk.nsquare
    p, q, psq, qsq = private_key.p, private_key.q, private_key.psquare, private_key.qsquare
    qsq_inv = pow(qsq, -1, psq)
    out = []
    for m in values:
        rp = pow(secrets.randbelow(p - 1) + 1, p, psq)
        rq = pow(secrets.randbelow(q - 1) + 1, q, qsq)
        r_n = rq + qsq * ((rp - rq) * qsq_inv % psq)  # ≡ rp (mod p²), ≡ rq (mod q²)
        out.append(format((1 + n * (m % n)) * r_n % nsq, "x"))
    return out


def multi_power(bases: Sequence[int], exponents: Sequence[int], modulus: int) -> int:
    """Π bases_i ^ exponents_i mod ``modulus`` for non-negative exponents, by buckets (Pippenger):
    one squaring per exponent bit for the whole product and about one multiplication per base and
    4-bit window, rather than a square-and-multiply per base."""
    width = 4
    top = max((e.bit_length() for e in exponents), default=0)
    acc = 1
    for shift in range(((top + width - 1) // width - 1) * width, -1, -width):
        for _ in range(width):
            acc = acc * acc % modulus
        buckets = [1] * (1 << width)
        for b, e in zip(bases, exponents, strict=True):
            digit = (e >> shift) & ((1 << width) - 1)
            if digit:
                buckets[digit] = buckets[digit] * b % modulus
        running = total = 1
        for digit in range((1 << width) - 1, 0, -1):
            running = running * buckets[digit] % modulus
            total = total * running % modulus
        acc = acc * total % modulus
    return acc


def weighted_sum(pk: paillier.PaillierPublicKey, cts: Sequence[int], weights: Sequence[int]) -> int:
    """The ciphertext (not re-randomised) of Σ_i w_i·Dec(c_i) for signed integer weights: the
    positive and the negative weights' products, and one inverse for the latter."""
    nsq = pk.nsquare
    pos = [(c, w) for c, w in zip(cts, weights, strict=True) if w > 0]
    neg = [(c, -w) for c, w in zip(cts, weights, strict=True) if w < 0]
    plus = multi_power([c for c, _ in pos], [w for _, w in pos], nsq)
    minus = multi_power([c for c, _ in neg], [w for _, w in neg], nsq)
    return int(plus * pow(minus, -1, nsq) % nsq)


# --- the platform's side ----------------------------------------------------------------------
@dataclass
class PlatformLearner:
    """The platform's part during training: its standardised columns and weights, and the
    masks of the round in flight (they never leave it)."""

    x: np.ndarray  # standardised, rows in the bank's order
    learning_rate: float
    l2: float
    weights: np.ndarray = field(init=False)
    pending: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.weights = np.zeros(self.x.shape[1])

    def _rows(self, rows: Sequence[int]) -> np.ndarray:
        idx = np.asarray(rows, dtype=np.int64)
        if idx.ndim != 1 or len(idx) == 0 or len(idx) > MAX_BATCH:
            raise ProtocolError(f"rows: 1 to {MAX_BATCH} positions", "rows")
        if idx.min() < 0 or idx.max() >= len(self.x) or len(np.unique(idx)) != len(idx):
            raise ProtocolError("rows: positions must be distinct and within the run", "rows")
        return idx

    def forward(self, rows: Sequence[int]) -> list[float]:
        """Step 2: u_p for each row of the batch."""
        idx = self._rows(rows)
        return [float(v) for v in self.x[idx] @ self.weights]

    def masked_gradient(
        self, pk: paillier.PaillierPublicKey, rows: Sequence[int], residuals: Sequence[str]
    ) -> list[str]:
        """Step 4: Enc(Σ d_i·x_ij + r_j) per feature; remembers r_j for ``apply``."""
        idx = self._rows(rows)
        if len(residuals) != len(idx):
            raise ProtocolError("residuals: one ciphertext per row", "residuals")
        enc = [
            ciphertext_in(pk, r, f"residuals[{i}]").ciphertext(be_secure=False)
            for i, r in enumerate(residuals)
        ]
        xs = np.rint(self.x[idx] * SCALE).astype(np.int64)
        masks = [secrets.randbits(MASK_BITS) for _ in range(self.x.shape[1])]
        n, nsq = pk.n, pk.nsquare
        out = []
        for j, mask in enumerate(masks):
            # Π c_i^{x_ij} · g^{r_j}, then re-randomised once by a fresh r^n: the bank sees a
            # uniformly random encryption of Σ d_i·x_ij + r_j, nothing of how it was made.
            acc = weighted_sum(pk, enc, [int(v) for v in xs[:, j]]) * (1 + n * mask) % nsq
            out.append(format(acc * pow(pk.get_random_lt_n(), n, nsq) % nsq, "x"))
        self.pending = {"rows": len(idx), "masks": masks}
        return out

    def apply(self, masked_sums: Sequence[str]) -> np.ndarray:
        """Step 6: unmask, average and step the weights; returns the gradient."""
        if self.pending is None:
            raise ProtocolError("masked_sums: no round is in flight", "masked_sums")
        masks: list[int] = self.pending["masks"]
        if len(masked_sums) != len(masks):
            raise ProtocolError("masked_sums: one sum per platform feature", "masked_sums")
        try:
            sums = [int(s) - m for s, m in zip(masked_sums, masks, strict=True)]
        except ValueError:
            raise ProtocolError("masked_sums: decimal integers", "masked_sums") from None
        grad = np.asarray(sums, dtype=float) / float(SCALE * SCALE * self.pending["rows"])
        self.pending = None
        self.weights = self.weights - self.learning_rate * (grad + self.l2 * self.weights)
        return grad

    def partial(self, x_std: np.ndarray) -> np.ndarray:
        """u_p for standardised rows (scoring)."""
        return np.asarray(x_std @ self.weights)


# --- the bank's side --------------------------------------------------------------------------
@dataclass
class BankTrainer:
    """The bank's part: its standardised columns, the labels, its weights and intercept, and
    the Paillier key pair (the private key never leaves it)."""

    x: np.ndarray
    y: np.ndarray
    config: TrainingConfig
    key_bits: int = DEFAULT_KEY_BITS
    weights: np.ndarray = field(init=False)
    intercept: float = 0.0

    def __post_init__(self) -> None:
        self.weights = np.zeros(self.x.shape[1])
        self.public_key, self._private_key = paillier.generate_paillier_keypair(
            n_length=self.key_bits
        )
        self._u: np.ndarray | None = None

    @property
    def public_key_hex(self) -> str:
        return format(self.public_key.n, "x")

    def residuals(self, rows: np.ndarray, partial: Sequence[float]) -> tuple[list[str], float]:
        """Step 3: encrypted residuals of the batch; steps the bank's own weights with its
        plaintext gradient. Returns the ciphertexts and the batch's log-loss."""
        u_p = np.asarray(partial, dtype=float)
        if u_p.shape != rows.shape:
            raise ProtocolError("partial: one value per row", "partial")
        xb = self.x[rows]
        u = xb @ self.weights + self.intercept + u_p
        p = sigmoid(u)
        d = p - self.y[rows]
        eps = 1e-12
        loss = float(
            -np.mean(self.y[rows] * np.log(p + eps) + (1 - self.y[rows]) * np.log(1 - p + eps))
        )
        # The platform's step uses the residuals the bank held before its own step, as the
        # central model does (both parts move from the same point).
        cts = encrypt_as_owner(self._private_key, to_fixed(d))
        n = len(rows)
        grad = xb.T @ d / n
        self.weights = self.weights - self.config.learning_rate * (
            grad + self.config.l2 * self.weights
        )
        self.intercept -= self.config.learning_rate * float(d.mean())
        return cts, loss

    def unmask(self, masked: Sequence[str]) -> list[str]:
        """Step 5: decrypt the masked sums (decimal strings)."""
        return [
            str(self._private_key.decrypt(ciphertext_in(self.public_key, c, f"masked[{j}]")))
            for j, c in enumerate(masked)
        ]

    def score(self, x_std: np.ndarray, platform_partial: np.ndarray) -> np.ndarray:
        """Probability of default from the bank's part and the platform's partial scores."""
        return sigmoid(x_std @ self.weights + self.intercept + platform_partial)


def central_fit(x: np.ndarray, y: np.ndarray, config: TrainingConfig) -> tuple[np.ndarray, float]:
    """The same model trained on the joined, standardised columns with the same batches:
    weights and intercept."""
    w = np.zeros(x.shape[1])
    b = 0.0
    for rows in config.batches(len(x)):
        d = sigmoid(x[rows] @ w + b) - y[rows]
        grad = x[rows].T @ d / len(rows)
        w = w - config.learning_rate * (grad + config.l2 * w)
        b -= config.learning_rate * float(d.mean())
    return w, b


Wire = list[tuple[str, dict[str, Any]]]


@dataclass
class LocalRun:
    """Both parties in one process, every message passed as the JSON the HTTP routes carry
    and recorded in ``wire`` (the benchmark counts its bytes, the tests inspect it)."""

    bank: BankTrainer
    platform: PlatformLearner
    wire: Wire = field(default_factory=list)
    losses: list[float] = field(default_factory=list)

    def _send(self, direction: str, message: dict[str, Any]) -> dict[str, Any]:
        # Through JSON and back, as on the wire.
        copied: dict[str, Any] = json.loads(json.dumps(message))
        self.wire.append((direction, copied))
        return copied

    def round(self, rows: np.ndarray) -> None:
        """One training round (steps 1–6 of the module's table)."""
        sent = self._send("bank→platform", {"rows": [int(r) for r in rows]})
        got = self._send("platform→bank", {"partial": self.platform.forward(sent["rows"])})
        cts, loss = self.bank.residuals(rows, got["partial"])
        self.losses.append(loss)
        sent = self._send("bank→platform", {"rows": sent["rows"], "residuals": cts})
        masked = self.platform.masked_gradient(
            self.bank.public_key, sent["rows"], sent["residuals"]
        )
        got = self._send("platform→bank", {"masked": masked})
        sent = self._send("bank→platform", {"masked_sums": self.bank.unmask(got["masked"])})
        self.platform.apply(sent["masked_sums"])

    def train(self) -> None:
        """Every round of the bank's schedule."""
        for rows in self.bank.config.batches(len(self.bank.x)):
            self.round(rows)

    def wire_bytes(self) -> int:
        """Bytes of every message as compact JSON."""
        return sum(len(json.dumps(m, separators=(",", ":"))) for _, m in self.wire)


def local_run(
    bank_x: np.ndarray,
    y: np.ndarray,
    platform_x: np.ndarray,
    config: TrainingConfig,
    *,
    key_bits: int = DEFAULT_KEY_BITS,
) -> LocalRun:
    """A run over already standardised, aligned columns (not yet trained)."""
    bank = BankTrainer(bank_x, np.asarray(y, dtype=float), config, key_bits=key_bits)
    platform = PlatformLearner(platform_x, config.learning_rate, config.l2)
    return LocalRun(bank, platform)

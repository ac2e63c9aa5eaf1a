"""The arithmetic under the ciphertexts that makes a round cheaper: the key owner's encryption
by the Chinese remainder theorem, and the platform's weighted sum of ciphertexts. Each is
checked against phe's own operations, which they replace."""

from __future__ import annotations

import random

from phe import paillier

from chanrong.federated.protocol import (
    ciphertext_in,
    encrypt_as_owner,
    multi_power,
    weighted_sum,
)

# 512-bit keys keep CI fast; the arithmetic does not depend on the size.
PK, SK = paillier.generate_paillier_keypair(n_length=512)


def test_owner_encryption_decrypts_to_the_values_negatives_included() -> None:
    values = [0, 1, -1, 65536, -(1 << 40), (1 << 100) + 7]
    cts = encrypt_as_owner(SK, values)
    assert [SK.decrypt(ciphertext_in(PK, c, "c")) for c in cts] == values


def test_owner_encryption_is_randomised_and_an_nth_residue_times_g_to_the_m() -> None:
    a, b = encrypt_as_owner(SK, [42, 42])
    assert a != b
    n, nsq = PK.n, PK.nsquare
    for c in (a, b):
        # c · g^{-m} must be an n-th residue r^n: raised to λ = lcm(p−1, q−1) it is 1 mod n²
        # (what phe's encryption gives; a wrong obfuscator fails here, not at decryption).
        r_n = int(c, 16) * pow(1 + n * 42, -1, nsq) % nsq
        lam = (SK.p - 1) * (SK.q - 1)
        assert pow(r_n, lam, nsq) == 1
        assert r_n != 1


def test_multi_power_equals_the_product_of_powers() -> None:
    rng = random.Random(5)
    modulus = PK.nsquare
    bases = [rng.randrange(2, modulus) for _ in range(37)]
    exps = [rng.choice([0, 1, 15, 16, rng.randrange(1 << 23)]) for _ in range(37)]
    expected = 1
    for b, e in zip(bases, exps, strict=True):
        expected = expected * pow(b, e, modulus) % modulus
    assert multi_power(bases, exps, modulus) == expected
    assert multi_power([], [], modulus) == 1


def test_weighted_sum_decrypts_to_what_phe_scalar_arithmetic_gives() -> None:
    rng = random.Random(9)
    values = [rng.randrange(-(1 << 16), 1 << 16) for _ in range(50)]
    weights = [rng.randrange(-(1 << 22), 1 << 22) for _ in range(50)]
    weights[3] = 0
    cts = [int(c, 16) for c in encrypt_as_owner(SK, values)]
    got = SK.decrypt(paillier.EncryptedNumber(PK, weighted_sum(PK, cts, weights), 0))
    reference = PK.encrypt(0)
    for c, w in zip(cts, weights, strict=True):
        reference = reference + paillier.EncryptedNumber(PK, c, 0) * w
    assert got == SK.decrypt(reference) == sum(v * w for v, w in zip(values, weights, strict=True))

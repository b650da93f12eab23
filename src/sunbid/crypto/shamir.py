"""Shamir's secret sharing over GF(2^8), byte by byte (scheme ``shamir-gf256/1``).

A secret of any length is split into ``n`` shares of the same length, any ``k`` of which
give the secret back; fewer than ``k`` reveal nothing about it. Each byte of the secret is
the constant term of its own random polynomial of degree ``k - 1`` over GF(2^8) (the AES
field, reduction polynomial x^8 + x^4 + x^3 + x + 1); share ``i`` (1 ≤ i ≤ n) holds the
polynomials' values at x = i. Coefficients come from the operating system's CSPRNG.

This is how a sealed bid's content key is escrowed for the opening custodians: the bidder's
tool splits the key and wraps each share for one custodian (``docs/envelope.md``).
"""

from __future__ import annotations

import secrets

from .errors import crypto_error

SCHEME = "shamir-gf256/1"
MAX_SHARES = 255


def _tables() -> tuple[list[int], list[int]]:
    exp, log = [0] * 510, [0] * 256
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        x ^= (x << 1) ^ (0x11B if x & 0x80 else 0)  # multiply by the generator 3
        x &= 0xFF
    for i in range(255, 510):
        exp[i] = exp[i - 255]
    return exp, log


_EXP, _LOG = _tables()


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    if a == 0:
        return 0
    return _EXP[_LOG[a] - _LOG[b] + 255]


def split(secret: bytes, k: int, n: int) -> list[tuple[int, bytes]]:
    """``n`` shares ``(index, share)`` of ``secret``, any ``k`` of which recover it."""
    if not 1 <= k <= n <= MAX_SHARES:
        raise crypto_error("threshold_invalid", reason=f"need 1 <= k <= n <= {MAX_SHARES}, got k={k}, n={n}")
    if not secret:
        raise crypto_error("threshold_invalid", reason="an empty secret cannot be shared")
    polynomials = [[byte, *secrets.token_bytes(k - 1)] for byte in secret]
    shares = []
    for x in range(1, n + 1):
        out = bytearray()
        for coefficients in polynomials:
            y = 0
            for c in reversed(coefficients):  # Horner's rule
                y = _mul(y, x) ^ c
            out.append(y)
        shares.append((x, bytes(out)))
    return shares


def combine(shares: list[tuple[int, bytes]], k: int) -> bytes:
    """The secret from at least ``k`` distinct shares (Lagrange interpolation at x = 0).

    Fewer than ``k`` shares are refused (``threshold_not_met``): they determine nothing.
    """
    distinct = dict(shares)
    if len(distinct) != len(shares):
        raise crypto_error("threshold_invalid", reason="the same share index appears twice")
    if len(distinct) < k:
        raise crypto_error("threshold_not_met", have=len(distinct), need=k)
    chosen = sorted(distinct.items())[:k]
    lengths = {len(s) for _x, s in chosen}
    if len(lengths) != 1 or any(not 1 <= x <= MAX_SHARES for x, _s in chosen):
        raise crypto_error("threshold_invalid", reason="shares differ in length or have a bad index")
    secret = bytearray(lengths.pop())
    for i, (xi, share) in enumerate(chosen):
        basis = 1  # the Lagrange basis polynomial of x_i, at 0
        for j, (xj, _s) in enumerate(chosen):
            if i != j:
                basis = _mul(basis, _div(xj, xj ^ xi))
        for pos, byte in enumerate(share):
            secret[pos] ^= _mul(byte, basis)
    return bytes(secret)

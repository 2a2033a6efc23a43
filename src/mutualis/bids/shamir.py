"""Shamir's secret sharing over GF(2^8), share for share as HashiCorp Vault does it.

The field is GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 with generator 0xe5, the
tables of Vault's `shamir/tables.go` and of the npm package `shamir-secret-sharing`
0.0.4, which the deposit page uses. A share is the secret's length in y-values
followed by one x-coordinate (1..255), so that shares made here and there combine.
"""

import secrets

POLYNOMIAL = 0x11B
GENERATOR = 0xE5


class ShareError(ValueError):
    """Shares that cannot be combined: wrong length, duplicate or zero x, too few."""


def _times(a, b):
    """Carry-less multiplication reduced by the field's polynomial (tables only)."""
    product = 0
    while b:
        if b & 1:
            product ^= a
        a <<= 1
        if a & 0x100:
            a ^= POLYNOMIAL
        b >>= 1
    return product


def _tables():
    exp, log = [0] * 255, [0] * 256
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        value = _times(value, GENERATOR)
    return tuple(exp), tuple(log)


# Vault's EXP_TABLE and LOG_TABLE, computed rather than pasted; log[0] is unused.
EXP, LOG = _tables()


def mul(a, b):
    if a == 0 or b == 0:
        return 0
    return EXP[(LOG[a] + LOG[b]) % 255]


def div(a, b):
    if b == 0:
        raise ZeroDivisionError("division by zero in GF(2^8)")
    if a == 0:
        return 0
    return EXP[(LOG[a] - LOG[b]) % 255]


def _evaluate(coefficients, x):
    """The polynomial at x by Horner's rule; coefficients[0] is the secret byte."""
    result = 0
    for coefficient in reversed(coefficients):
        result = mul(result, x) ^ coefficient
    return result


def _coordinates(count):
    """`count` distinct random x-coordinates in 1..255."""
    pool = list(range(1, 256))
    secrets.SystemRandom().shuffle(pool)
    return pool[:count]


def split(secret: bytes, n: int, k: int) -> list[bytes]:
    """Split `secret` into `n` shares of which any `k` give it back."""
    if not secret:
        raise ValueError("the secret must not be empty")
    if not 1 <= k <= n <= 255:
        raise ValueError("shares need 1 <= k <= n <= 255")
    xs = _coordinates(n)
    ys = [bytearray() for _ in xs]
    for byte in secret:
        coefficients = [byte, *secrets.token_bytes(k - 1)]
        for y, x in zip(ys, xs, strict=True):
            y.append(_evaluate(coefficients, x))
    return [bytes(y) + bytes([x]) for y, x in zip(ys, xs, strict=True)]


def combine(shares: list[bytes]) -> bytes:
    """The secret behind `shares` (Lagrange interpolation at zero).

    Fewer shares than the threshold give a wrong secret, not an error: the caller
    checks the result (the bid recipient it must match).
    """
    xs = _check(shares)
    length = len(shares[0]) - 1
    return bytes(
        _interpolate_at_zero(xs, [share[i] for share in shares]) for i in range(length)
    )


def _check(shares):
    if not shares:
        raise ShareError("no share given")
    if len(shares) > 255:
        raise ShareError("at most 255 shares")
    length = len(shares[0])
    if length < 2:
        raise ShareError("a share has at least 2 bytes")
    xs = []
    for number, share in enumerate(shares, start=1):
        if len(share) != length:
            raise ShareError(f"share {number} has {len(share)} bytes, not {length}")
        x = share[-1]
        if x == 0:
            raise ShareError(f"share {number} has the x-coordinate 0")
        if x in xs:
            raise ShareError(f"share {number} repeats the x-coordinate {x}")
        xs.append(x)
    return xs


def _interpolate_at_zero(xs, ys):
    result = 0
    for i, (xi, yi) in enumerate(zip(xs, ys, strict=True)):
        basis = 1
        for j, xj in enumerate(xs):
            if i != j:
                # At x = 0, (0 - xj) / (xi - xj); subtraction is XOR in GF(2^8).
                basis = mul(basis, div(xj, xi ^ xj))
        result ^= mul(yi, basis)
    return result

"""The unified social credit code (统一社会信用代码), GB 32100-2015.

Eighteen characters from a 31-character alphabet (digits and capital letters without
I, O, Z, S and V). The last is a check character: weights 3^i mod 31 over the first 17,
check = 31 - (sum mod 31), with 31 written as 0.
"""

from __future__ import annotations

from sunbid.kernel.errors import DomainError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def check_character(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str:
    """Return the code normalised to upper case, or raise ``credit_code_invalid``."""
    normalised = code.strip().upper()
    if len(normalised) != 18:
        raise DomainError(
            "credit_code_invalid",
            "统一社会信用代码应为18位",
            "A unified social credit code has 18 characters",
            value=code,
        )
    bad = [c for c in normalised if c not in _VALUE]
    if bad:
        raise DomainError(
            "credit_code_invalid",
            f"统一社会信用代码含非法字符：{''.join(bad)}",
            f"Characters not allowed in a unified social credit code: {''.join(bad)}",
            value=code,
        )
    expected = check_character(normalised[:17])
    if normalised[17] != expected:
        raise DomainError(
            "credit_code_invalid",
            "统一社会信用代码校验位错误（GB 32100-2015）",
            "The check character of the unified social credit code is wrong (GB 32100-2015)",
            value=code,
        )
    return normalised


def complete_credit_code(first17: str) -> str:
    """Append the check character: used to make valid codes for demos and tests."""
    first17 = first17.upper()
    return first17 + check_character(first17)

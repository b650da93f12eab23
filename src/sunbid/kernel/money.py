"""Money: ``Decimal`` yuan with fen precision. Never float."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from sunbid.kernel.errors import DomainError

FEN = Decimal("0.01")
MAX_YUAN = Decimal("9999999999999.99")  # fits NUMERIC(15, 2)


def yuan(value: Decimal | str | int) -> Decimal:
    """Parse an exact amount of yuan.

    Refuses floats, negative amounts, more than two decimal places and absurd sizes.
    """
    if isinstance(value, float | bool):
        raise DomainError(
            "money_invalid",
            "金额必须以字符串或整数表示，不能用浮点数",
            "Money must be given as a string or integer, never a float",
        )
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError("money_invalid", f"金额格式无效：{value!r}", f"Not an amount of money: {value!r}") from None
    if not amount.is_finite():
        raise DomainError("money_invalid", "金额必须是有限数", "Money must be finite")
    if amount < 0:
        raise DomainError("money_negative", "金额不能为负数", "Money cannot be negative")
    if amount > MAX_YUAN:
        raise DomainError("money_too_large", "金额超出允许范围", "Amount is too large")
    if amount != amount.quantize(FEN, rounding=ROUND_HALF_UP):
        raise DomainError(
            "money_too_precise", "金额最多精确到分（两位小数）", "Money has at most two decimal places (fen)"
        )
    return amount.quantize(FEN)


def ratio_of(amount: Decimal, ratio: Decimal) -> Decimal:
    """``amount * ratio`` rounded down to the fen (caps are never rounded up)."""
    return (amount * ratio).quantize(FEN, rounding=ROUND_DOWN)

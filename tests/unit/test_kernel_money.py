"""Money is Decimal yuan with fen precision, never float."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sunbid.kernel.errors import DomainError
from sunbid.kernel.money import MAX_YUAN, ratio_of, yuan


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("0", "0.00"),
        ("12.5", "12.50"),
        ("12.50", "12.50"),
        ("12.500", "12.50"),  # trailing zeros are not extra precision
        ("0.01", "0.01"),
        (0, "0.00"),
        (1250000, "1250000.00"),
        (Decimal("3.1"), "3.10"),
        ("9999999999999.99", "9999999999999.99"),
    ],
)
def test_yuan_accepts_exact_amounts_and_keeps_two_decimal_places(given: object, expected: str) -> None:
    amount = yuan(given)  # type: ignore[arg-type]
    assert amount == Decimal(expected)
    assert str(amount) == expected


@pytest.mark.parametrize("given", [12.5, 0.0, 1e3, True])
def test_yuan_refuses_floats_and_booleans(given: object) -> None:
    with pytest.raises(DomainError) as refused:
        yuan(given)  # type: ignore[arg-type]
    assert refused.value.code == "money_invalid"


@pytest.mark.parametrize("given", ["-0.01", "-1", -5, Decimal("-100.00")])
def test_yuan_refuses_negative_amounts(given: object) -> None:
    with pytest.raises(DomainError) as refused:
        yuan(given)  # type: ignore[arg-type]
    assert refused.value.code == "money_negative"


@pytest.mark.parametrize("given", ["12.345", "0.001", "1.005", "100.999"])
def test_yuan_refuses_more_than_two_decimal_places(given: str) -> None:
    with pytest.raises(DomainError) as refused:
        yuan(given)
    assert refused.value.code == "money_too_precise"


@pytest.mark.parametrize("given", ["NaN", "nan", "sNaN", "Infinity", "inf", "-Infinity"])
def test_yuan_refuses_nan_and_infinity(given: str) -> None:
    with pytest.raises(DomainError) as refused:
        yuan(given)
    assert refused.value.code == "money_invalid"


@pytest.mark.parametrize("given", ["", "abc", "12,50", "¥100", "1 000", "12.5元", "0x10", None, [1]])
def test_yuan_refuses_garbage(given: object) -> None:
    with pytest.raises(DomainError) as refused:
        yuan(given)  # type: ignore[arg-type]
    assert refused.value.code == "money_invalid"


@pytest.mark.parametrize("given", ["10000000000000", "10000000000000.00", 10**14, "99999999999999999999"])
def test_yuan_refuses_amounts_larger_than_the_column_holds(given: object) -> None:
    assert yuan(MAX_YUAN) == MAX_YUAN
    with pytest.raises(DomainError) as refused:
        yuan(given)  # type: ignore[arg-type]
    assert refused.value.code == "money_too_large"


@pytest.mark.parametrize(
    "given", ["1e30", 10**27, "1000000000000000000000000000"], ids=["1e30", "int-10**27", "str-10**27"]
)
def test_yuan_refuses_absurdly_large_amounts_as_too_large(given: object) -> None:
    with pytest.raises(DomainError) as refused:
        yuan(given)  # type: ignore[arg-type]
    assert refused.value.code == "money_too_large"


@pytest.mark.parametrize(
    ("amount", "ratio", "expected"),
    [
        ("1000000.00", "0.02", "20000.00"),
        ("1234567.89", "0.02", "24691.35"),  # 24691.3578 is rounded down, never up
        ("0.49", "0.02", "0.00"),
        ("999.99", "0.10", "99.99"),
        ("100.00", "1", "100.00"),
    ],
)
def test_ratio_of_rounds_down_to_the_fen(amount: str, ratio: str, expected: str) -> None:
    result = ratio_of(Decimal(amount), Decimal(ratio))
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2

"""The unified social credit code (统一社会信用代码), GB 32100-2015."""

from __future__ import annotations

import random

import pytest

from sunbid.identity.credit_code import ALPHABET, check_character, complete_credit_code, validate_credit_code
from sunbid.kernel.errors import DomainError

#: Codes as published by real organisations (check characters as printed on their licences).
PUBLISHED = [
    "91350100M000100Y43",
    "91330100799655058B",
    "9144030071526726XG",
    "914403001922038216",
    "91110000802100433B",
    "91310000775785552L",
    "91110108551385082Q",
    "91440300708461136T",
    "91110000710925462X",
    "911100001000079554",
]

#: The weights printed in GB 32100-2015 table 3, written out rather than computed.
GB_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
GB_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def reference_check_character(first17: str) -> str:
    """The check character as the standard states it: C18 = 31 - MOD(sum(Ci * Wi), 31), 31 written as 0."""
    c18 = 31 - sum(GB_CHARSET.index(c) * w for c, w in zip(first17, GB_WEIGHTS, strict=True)) % 31
    return GB_CHARSET[0 if c18 == 31 else c18]


def invalid(code: str) -> DomainError:
    with pytest.raises(DomainError) as refused:
        validate_credit_code(code)
    assert refused.value.code == "credit_code_invalid"
    return refused.value


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_credit_codes_are_valid(code: str) -> None:
    assert validate_credit_code(code) == code


@pytest.mark.parametrize("code", PUBLISHED)
def test_complete_credit_code_appends_the_published_check_character(code: str) -> None:
    assert complete_credit_code(code[:17]) == code


def test_the_alphabet_is_digits_and_capitals_without_i_o_z_s_v() -> None:
    assert ALPHABET == GB_CHARSET
    assert len(ALPHABET) == 31
    assert not set("IOZSV") & set(ALPHABET)


def test_check_character_agrees_with_the_standards_weight_table() -> None:
    rng = random.Random(32100)
    for _ in range(2000):
        first17 = "".join(rng.choice(GB_CHARSET) for _ in range(17))
        assert check_character(first17) == reference_check_character(first17), first17


def test_a_remainder_of_zero_gives_check_character_zero() -> None:
    # All zeros sum to 0, so C18 = 31 - 0 = 31, which is written as 0.
    assert complete_credit_code("0" * 17) == "0" * 18
    assert validate_credit_code("0" * 18) == "0" * 18


def test_lowercase_and_surrounding_spaces_are_normalised() -> None:
    assert validate_credit_code("  9144030071526726xg ") == "9144030071526726XG"
    assert complete_credit_code("91350100m000100y4") == "91350100M000100Y43"


@pytest.mark.parametrize("code", ["", "9144030071526726X", "9144030071526726XGG", "91440300-71526726XG", "9" * 30])
def test_credit_code_of_the_wrong_length_is_refused(code: str) -> None:
    assert "18" in invalid(code).message_zh


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_credit_code_with_a_forbidden_letter_is_refused(letter: str) -> None:
    code = "91350100" + letter + "000100Y43"
    assert len(code) == 18
    error = invalid(code)
    assert letter in error.message_en


@pytest.mark.parametrize("code", ["9135010 M000100Y43", "91350100M000100Y4*", "９１350100M000100Y43"])
def test_credit_code_with_other_characters_is_refused(code: str) -> None:
    invalid(code)


@pytest.mark.parametrize("code", PUBLISHED)
def test_credit_code_with_any_other_check_character_is_refused(code: str) -> None:
    for wrong in ALPHABET.replace(code[17], ""):
        invalid(code[:17] + wrong)


def test_credit_code_with_two_body_characters_swapped_is_refused() -> None:
    code = "91330100799655058B"
    swapped = code[:8] + code[9] + code[8] + code[10:]
    assert swapped != code
    invalid(swapped)


def test_refusal_carries_the_value_given() -> None:
    assert invalid("91350100M000100Y44").details == {"value": "91350100M000100Y44"}

"""RFC 8785 (JCS): the RFC's own examples, its number table, and the refusals."""

from __future__ import annotations

import json
import struct
from decimal import Decimal

import pytest

from sunbid.crypto import canonicalize
from sunbid.crypto.jcs import canonicalize_text, number
from sunbid.kernel.errors import DomainError


def test_rfc_8785_section_3_2_2_example() -> None:
    text = r"""{
      "numbers": [333333333.33333329, 1E30, 4.50,
                  2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }"""
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonicalize_text(text) == expected.encode("utf-8")


def test_rfc_8785_section_3_2_2_example_utf8_bytes() -> None:
    """The RFC's hex dump of the same output (section 3.2.4)."""
    text = r"""{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],
      "string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}"""
    expected = bytes.fromhex(
        "7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72"
        "75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a"
        "5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31"
        "65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37"
        "5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30"
        "30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d".replace(" ", "")
    )
    assert canonicalize_text(text) == expected


def test_rfc_8785_section_3_2_3_sorting_by_utf16_code_units() -> None:
    text = r"""{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }"""
    names = list(json.loads(canonicalize_text(text)))
    assert names == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_astral_names_sort_by_surrogates_not_code_points() -> None:
    # U+1F600 is D83D DE00 in UTF-16, so it sorts before U+FB33 although its code point is larger.
    assert canonicalize({"\ufb33": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\ufb33":1}'.encode()


# RFC 8785 Appendix B: IEEE-754 bit patterns and their ECMAScript serialisations.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "expected"), APPENDIX_B)
def test_rfc_8785_appendix_b_numbers(bits: str, expected: str) -> None:
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    assert number(value) == expected
    assert canonicalize([value]) == f"[{expected}]".encode()


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_nan_and_infinity_are_refused(bits: str) -> None:
    value = struct.unpack(">d", bytes.fromhex(bits))[0]
    with pytest.raises(DomainError, match=r"^json_not_canonicalisable:"):
        canonicalize({"x": value})


def test_integers_are_numbers_and_huge_ones_are_refused() -> None:
    assert canonicalize({"a": 10, "b": -3, "c": 2**53}) == b'{"a":10,"b":-3,"c":9007199254740992}'
    with pytest.raises(DomainError, match=r"^json_not_canonicalisable:"):
        canonicalize({"a": 2**53 + 1})


def test_strings_escape_only_what_json_requires() -> None:
    assert canonicalize('\u0000\u0008\u0009\u000a\u000c\u000d\u001f\u007f"\\/é中') == (
        '"\\u0000\\b\\t\\n\\f\\r\\u001f\u007f\\"\\\\/é中"'.encode()
    )


def test_nested_values_have_no_whitespace() -> None:
    assert canonicalize({"b": [1, {"d": None, "c": True}], "a": ""}) == b'{"a":"","b":[1,{"c":true,"d":null}]}'


@pytest.mark.parametrize("value", [Decimal("1.5"), b"bytes", {1: "x"}, {"a": {1, 2}}, object()])
def test_values_that_are_not_json_are_refused(value: object) -> None:
    with pytest.raises(DomainError, match=r"^json_not_canonicalisable:"):
        canonicalize(value)


def test_lone_surrogates_are_refused() -> None:
    with pytest.raises(DomainError, match=r"^json_not_canonicalisable:"):
        canonicalize({"a": "\ud800"})
    with pytest.raises(DomainError, match=r"^json_not_canonicalisable:"):
        canonicalize({"\udc00": 1})


def test_duplicate_names_and_non_json_constants_in_text_are_refused() -> None:
    for text in ['{"a":1,"a":2}', '{"a":NaN}', '{"a":Infinity}', "{", ""]:
        with pytest.raises(DomainError, match=r"^json_not_canonicalisable:"):
            canonicalize_text(text)


def test_canonical_form_is_idempotent() -> None:
    value = {"z": [0.1, 1e21, -0.0, "x"], "é": {"b": 1, "a": 2}}
    once = canonicalize(value)
    assert canonicalize_text(once) == once

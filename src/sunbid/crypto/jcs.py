"""RFC 8785 JSON Canonicalization Scheme (JCS).

- Object members sorted by their names as arrays of UTF-16 code units (not code points: a name
  with an astral character such as U+1F600 sorts by its surrogates, 0xD83D...).
- Numbers are IEEE-754 doubles serialised like ECMAScript's ``Number.prototype.toString``:
  shortest round-trip digits, plain notation for exponents in [-6, 21), otherwise ``1e+30`` style;
  ``-0`` becomes ``0``; NaN and infinities are refused. Python integers are accepted while they are
  exactly representable as doubles (|n| <= 2**53), so no value changes silently.
- Strings: only ``"``, ``\\`` and control characters U+0000..U+001F are escaped (``\\b \\t \\n \\f \\r``
  or ``\\u00xx`` in lower-case hex); everything else is written as UTF-8. Lone surrogates are refused.
- Output is UTF-8 bytes with no whitespace.

Accepted Python values: dict (str keys), list, tuple, str, int, float, bool, None. Anything else
(Decimal, datetime, bytes...) is refused with ``json_not_canonicalisable``: convert it explicitly.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .errors import crypto_error

_MAX_SAFE = 2**53
_MAX_DEPTH = 256
_ESCAPES = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON-compatible Python value."""
    parts: list[str] = []
    _write(value, parts, 0)
    text = "".join(parts)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise crypto_error("json_not_canonicalisable", reason="lone surrogate in a string") from exc


def canonicalize_text(text: str | bytes) -> bytes:
    """Parse JSON text (refusing duplicate names, NaN and Infinity) and canonicalise it."""
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (ValueError, TypeError) as exc:
        raise crypto_error("json_not_canonicalisable", reason=str(exc)) from exc
    return canonicalize(value)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in pairs:
        if key in result:
            raise ValueError(f"duplicate member name {key!r}")
        result[key] = item
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _write(value: Any, out: list[str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise crypto_error("json_not_canonicalisable", reason="nested too deeply")
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        if abs(value) > _MAX_SAFE:
            raise crypto_error(
                "json_not_canonicalisable", reason=f"integer {value} is not exactly representable as a JSON number"
            )
        out.append(number(float(value)))
    elif isinstance(value, float):
        out.append(number(value))
    elif isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise crypto_error("json_not_canonicalisable", reason=f"member name {key!r} is not a string")
        out.append("{")
        for index, key in enumerate(sorted(value, key=_utf16_key)):
            if index:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _write(value[key], out, depth + 1)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out, depth + 1)
        out.append("]")
    else:
        raise crypto_error("json_not_canonicalisable", reason=f"{type(value).__name__} is not a JSON type")


def _utf16_key(name: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly like sequences of UTF-16 code units.
    try:
        return name.encode("utf-16-be")
    except UnicodeEncodeError as exc:
        raise crypto_error("json_not_canonicalisable", reason="lone surrogate in a member name") from exc


def _string(text: str) -> str:
    out = ['"']
    for char in text:
        code = ord(char)
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def number(value: float) -> str:
    """ECMAScript Number::toString for a finite double (RFC 8785 §3.2.2.3)."""
    if math.isnan(value) or math.isinf(value):
        raise crypto_error("json_not_canonicalisable", reason="NaN and Infinity are not JSON")
    if value == 0:
        return "0"
    if value < 0:
        return "-" + number(-value)
    # repr gives the shortest digit string that round-trips (the same choice ECMAScript makes).
    mantissa, _, exponent_text = repr(value).partition("e")
    integer_part, _, fraction = mantissa.partition(".")
    if fraction == "0":
        fraction = ""
    digits = (integer_part + fraction).lstrip("0")
    # position of the decimal point relative to the start of `digits`:
    n = len(integer_part) + (int(exponent_text) if exponent_text else 0)
    if integer_part == "0":  # 0.000123 -> digits "123", n counts the leading zeros of the fraction
        n = (int(exponent_text) if exponent_text else 0) - (len(fraction) - len(fraction.lstrip("0")))
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    exponent = n - 1
    sign = "+" if exponent >= 0 else "-"
    head = digits[0] if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(exponent)}"

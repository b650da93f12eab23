"""A small, strict DER (X.690 Distinguished Encoding Rules) encoder and decoder.

Enough ASN.1 for X.509 certificates, CRLs, SubjectPublicKeyInfo, PKCS#8 and the SM2 ciphertext
structure. The decoder accepts DER only: definite minimal lengths, minimal integers, canonical
booleans, no trailing bytes. Anything else raises :class:`DerError`, which the callers turn into a
domain error that names what was malformed (a certificate, a key, a ciphertext...).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

# Universal tags (class universal, primitive unless noted).
BOOLEAN = 0x01
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
NULL = 0x05
OBJECT_IDENTIFIER = 0x06
UTF8_STRING = 0x0C
PRINTABLE_STRING = 0x13
IA5_STRING = 0x16
UTC_TIME = 0x17
GENERALIZED_TIME = 0x18
BMP_STRING = 0x1E
SEQUENCE = 0x30
SET = 0x31

_MAX_DEPTH = 32


class DerError(ValueError):
    """The bytes are not the DER the caller expected."""


# ----------------------------------------------------------------------------------------- decoding


@dataclass(frozen=True, slots=True)
class Element:
    """One decoded TLV: ``tag`` is the identifier octet, ``value`` the contents, ``raw`` the whole TLV."""

    tag: int
    value: bytes
    raw: bytes
    depth: int = 0

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)

    def is_context(self, number: int) -> bool:
        return (self.tag & 0xC0) == 0x80 and (self.tag & 0x1F) == number

    def children(self) -> list[Element]:
        if not self.constructed:
            raise DerError(f"tag 0x{self.tag:02x} is not constructed")
        if self.depth >= _MAX_DEPTH:
            raise DerError("nesting too deep")
        return list(_iterate(self.value, self.depth + 1))

    def expect(self, tag: int) -> Element:
        if self.tag != tag:
            raise DerError(f"expected tag 0x{tag:02x}, found 0x{self.tag:02x}")
        return self


def _read_one(data: bytes, pos: int, depth: int) -> tuple[Element, int]:
    start = pos
    if pos >= len(data):
        raise DerError("truncated: no tag")
    tag = data[pos]
    pos += 1
    if tag & 0x1F == 0x1F:
        raise DerError("high tag numbers are not supported")
    if pos >= len(data):
        raise DerError("truncated: no length")
    first = data[pos]
    pos += 1
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise DerError("indefinite length is not DER")
    else:
        count = first & 0x7F
        if count > 4:
            raise DerError("length too large")
        if pos + count > len(data):
            raise DerError("truncated length")
        length_bytes = data[pos : pos + count]
        pos += count
        if length_bytes[0] == 0:
            raise DerError("length not minimally encoded")
        length = int.from_bytes(length_bytes, "big")
        if length < 0x80:
            raise DerError("length not minimally encoded")
    end = pos + length
    if end > len(data):
        raise DerError("truncated value")
    return Element(tag, data[pos:end], data[start:end], depth), end


def _iterate(data: bytes, depth: int) -> Iterator[Element]:
    pos = 0
    while pos < len(data):
        element, pos = _read_one(data, pos, depth)
        yield element


def decode(data: bytes) -> Element:
    """Decode exactly one element that spans all of ``data``."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise DerError("not bytes")
    data = bytes(data)
    element, end = _read_one(data, 0, 0)
    if end != len(data):
        raise DerError("trailing bytes after the DER element")
    return element


def sequence_of(data_or_element: bytes | Element, count: int | None = None) -> list[Element]:
    """The children of a SEQUENCE, optionally checking how many there are."""
    element = decode(data_or_element) if isinstance(data_or_element, bytes) else data_or_element
    element.expect(SEQUENCE)
    items = element.children()
    if count is not None and len(items) != count:
        raise DerError(f"expected {count} items in the SEQUENCE, found {len(items)}")
    return items


def read_integer(element: Element) -> int:
    element.expect(INTEGER)
    value = element.value
    if not value:
        raise DerError("empty INTEGER")
    if len(value) > 1 and ((value[0] == 0x00 and value[1] < 0x80) or (value[0] == 0xFF and value[1] >= 0x80)):
        raise DerError("INTEGER not minimally encoded")
    return int.from_bytes(value, "big", signed=True)


def read_boolean(element: Element) -> bool:
    element.expect(BOOLEAN)
    if element.value == b"\xff":
        return True
    if element.value == b"\x00":
        return False
    raise DerError("BOOLEAN not DER")


def read_null(element: Element) -> None:
    element.expect(NULL)
    if element.value:
        raise DerError("NULL with contents")


def read_octets(element: Element) -> bytes:
    element.expect(OCTET_STRING)
    return element.value


def read_bit_string(element: Element) -> bytes:
    """The bits of a BIT STRING with no unused bits (keys, signatures)."""
    element.expect(BIT_STRING)
    if not element.value or element.value[0] != 0:
        raise DerError("BIT STRING with unused bits where whole bytes are expected")
    return element.value[1:]


def read_named_bits(element: Element) -> set[int]:
    """The set bit positions of a named-bit BIT STRING (KeyUsage)."""
    element.expect(BIT_STRING)
    value = element.value
    if not value:
        raise DerError("empty BIT STRING")
    unused = value[0]
    if unused > 7 or (len(value) == 1 and unused):
        raise DerError("bad unused-bit count")
    bits = value[1:]
    if bits and bits[-1] & ((1 << unused) - 1):
        raise DerError("unused bits are not zero")
    if bits and bits[-1] == 0:
        raise DerError("named BIT STRING has trailing zero bytes")
    result = set()
    for index, byte in enumerate(bits):
        for bit in range(8):
            if byte & (0x80 >> bit):
                result.add(index * 8 + bit)
    return result


def read_oid(element: Element) -> str:
    element.expect(OBJECT_IDENTIFIER)
    value = element.value
    if not value or value[-1] & 0x80:
        raise DerError("bad OBJECT IDENTIFIER")
    arcs: list[int] = []
    current = 0
    fresh = True
    for byte in value:
        if fresh and byte == 0x80:
            raise DerError("OBJECT IDENTIFIER arc not minimally encoded")
        current = (current << 7) | (byte & 0x7F)
        fresh = not byte & 0x80
        if fresh:
            arcs.append(current)
            current = 0
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])


_STRING_TAGS = {UTF8_STRING: "utf-8", PRINTABLE_STRING: "ascii", IA5_STRING: "ascii", BMP_STRING: "utf-16-be"}


def read_string(element: Element) -> str:
    codec = _STRING_TAGS.get(element.tag)
    if codec is None:
        raise DerError(f"tag 0x{element.tag:02x} is not a supported string type")
    try:
        return element.value.decode(codec)
    except UnicodeDecodeError as exc:
        raise DerError("string not in its declared encoding") from exc


def read_time(element: Element) -> datetime:
    """UTCTime (YYMMDDHHMMSSZ, years 1950-2049) or GeneralizedTime (YYYYMMDDHHMMSSZ), as UTC."""
    try:
        text = element.value.decode("ascii")
    except UnicodeDecodeError as exc:
        raise DerError("time not ASCII") from exc
    if element.tag == UTC_TIME:
        if len(text) != 13 or not text.endswith("Z") or not text[:12].isdigit():
            raise DerError("UTCTime not in YYMMDDHHMMSSZ form")
        year = int(text[:2])
        year += 2000 if year < 50 else 1900
        rest = text[2:12]
    elif element.tag == GENERALIZED_TIME:
        if len(text) != 15 or not text.endswith("Z") or not text[:14].isdigit():
            raise DerError("GeneralizedTime not in YYYYMMDDHHMMSSZ form")
        year = int(text[:4])
        rest = text[4:14]
    else:
        raise DerError("not a time")
    try:
        return datetime(
            year, int(rest[0:2]), int(rest[2:4]), int(rest[4:6]), int(rest[6:8]), int(rest[8:10]), tzinfo=UTC
        )
    except ValueError as exc:
        raise DerError("impossible date") from exc


# ----------------------------------------------------------------------------------------- encoding


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _length(len(value)) + value


def sequence(*items: bytes) -> bytes:
    return tlv(SEQUENCE, b"".join(items))


def set_of(*items: bytes) -> bytes:
    """DER orders the members of a SET OF by their encodings."""
    return tlv(SET, b"".join(sorted(items)))


def integer(n: int) -> bytes:
    size = (n.bit_length() + 8) // 8 if n >= 0 else ((-n - 1).bit_length() + 8) // 8
    return tlv(INTEGER, n.to_bytes(max(size, 1), "big", signed=True))


def boolean(value: bool) -> bytes:
    return tlv(BOOLEAN, b"\xff" if value else b"\x00")


def null() -> bytes:
    return tlv(NULL, b"")


def octet_string(data: bytes) -> bytes:
    return tlv(OCTET_STRING, data)


def bit_string(data: bytes) -> bytes:
    return tlv(BIT_STRING, b"\x00" + data)


def named_bits(bits: set[int]) -> bytes:
    """A named-bit BIT STRING (KeyUsage) with DER's trailing-zero rule."""
    if not bits:
        return tlv(BIT_STRING, b"\x00")
    size = max(bits) // 8 + 1
    body = bytearray(size)
    for bit in bits:
        body[bit // 8] |= 0x80 >> (bit % 8)
    unused = 7 - max(bits) % 8
    return tlv(BIT_STRING, bytes([unused]) + bytes(body))


def oid(dotted: str) -> bytes:
    arcs = [int(part) for part in dotted.split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40):
        raise DerError(f"bad OBJECT IDENTIFIER {dotted}")
    body = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        rest = arc >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        body.extend(reversed(chunk))
    return tlv(OBJECT_IDENTIFIER, bytes(body))


def utf8_string(text: str) -> bytes:
    return tlv(UTF8_STRING, text.encode("utf-8"))


_PRINTABLE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?")


def printable_string(text: str) -> bytes:
    if not set(text) <= _PRINTABLE:
        raise DerError(f"not a PrintableString: {text!r}")
    return tlv(PRINTABLE_STRING, text.encode("ascii"))


def time(moment: datetime) -> bytes:
    """RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, whole seconds, UTC."""
    if moment.tzinfo is None:
        raise DerError("naive datetime")
    moment = moment.astimezone(UTC)
    if 1950 <= moment.year < 2050:
        return tlv(UTC_TIME, moment.strftime("%y%m%d%H%M%SZ").encode("ascii"))
    return tlv(GENERALIZED_TIME, f"{moment.year:04d}{moment.strftime('%m%d%H%M%S')}Z".encode("ascii"))


def explicit(number: int, inner: bytes) -> bytes:
    return tlv(0xA0 | number, inner)


def implicit(number: int, value: bytes, *, constructed: bool = False) -> bytes:
    return tlv((0xA0 if constructed else 0x80) | number, value)

"""The DER codec: round trips and the strictness that keeps malformed input out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sunbid.crypto import der


@pytest.mark.parametrize("n", [0, 1, 127, 128, 255, 256, -1, -128, -129, 2**64, -(2**64), 2**255 + 12345])
def test_integers_round_trip(n: int) -> None:
    assert der.read_integer(der.decode(der.integer(n))) == n


@pytest.mark.parametrize("dotted", ["1.2.156.10197.1.301", "1.2.840.10045.2.1", "2.5.4.97", "1.3.101.112", "2.999.3"])
def test_object_identifiers_round_trip(dotted: str) -> None:
    assert der.read_oid(der.decode(der.oid(dotted))) == dotted


def test_known_encodings() -> None:
    assert der.oid("1.2.840.10045.2.1").hex() == "06072a8648ce3d0201"
    assert der.integer(128).hex() == "02020080"
    assert der.named_bits({0, 1}).hex() == "030206c0"  # digitalSignature + nonRepudiation
    assert der.named_bits({5, 6}).hex() == "03020106"  # keyCertSign + cRLSign
    assert der.tlv(0x04, b"\x00" * 200)[:3].hex() == "0481c8"


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 2, 1, 0, 5, tzinfo=UTC),
        datetime(2049, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2050, 1, 1, tzinfo=UTC),
    ],
)
def test_times_round_trip_with_utctime_until_2049(moment: datetime) -> None:
    encoded = der.time(moment)
    assert encoded[0] == (der.UTC_TIME if moment.year < 2050 else der.GENERALIZED_TIME)
    assert der.read_time(der.decode(encoded)) == moment


def test_named_bits_round_trip() -> None:
    for bits in ({0}, {2}, {4}, {0, 1}, {5, 6}, {8}, {0, 8}):
        assert der.read_named_bits(der.decode(der.named_bits(bits))) == bits


def test_set_of_is_sorted() -> None:
    assert der.set_of(der.integer(2), der.integer(1)) == der.tlv(der.SET, der.integer(1) + der.integer(2))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x30",
        b"\x30\x01",
        b"\x30\x80\x00\x00",  # indefinite length
        b"\x04\x81\x05hello",  # long form for a short length
        b"\x04\x82\x00\x05hello",  # length with a leading zero
        b"\x04\x85\x01\x00\x00\x00\x00",  # absurd length
        b"\x04\x02ab\x00",  # trailing byte
        b"\x1f\x81\x00\x00",  # high tag number
    ],
)
def test_non_der_is_refused(data: bytes) -> None:
    with pytest.raises(der.DerError):
        der.decode(data)


@pytest.mark.parametrize("data", [b"\x02\x00", b"\x02\x02\x00\x01", b"\x02\x02\xff\x80"])
def test_non_minimal_integers_are_refused(data: bytes) -> None:
    with pytest.raises(der.DerError):
        der.read_integer(der.decode(data))


@pytest.mark.parametrize("data", [b"\x01\x01\x01", b"\x01\x02\xff\xff", b"\x01\x00"])
def test_non_der_booleans_are_refused(data: bytes) -> None:
    with pytest.raises(der.DerError):
        der.read_boolean(der.decode(data))


@pytest.mark.parametrize(
    "data",
    [b"\x17\x0d2603020100Z00", b"\x17\x0b2603020100Z", b"\x18\x0f20261302010000Z", b"\x17\x0d260302010000+"],
)
def test_bad_times_are_refused(data: bytes) -> None:
    with pytest.raises(der.DerError):
        der.read_time(der.decode(data))


def test_bad_object_identifiers_are_refused() -> None:
    for data in (b"\x06\x00", b"\x06\x02\x2a\x86", b"\x06\x03\x2a\x80\x01"):
        with pytest.raises(der.DerError):
            der.read_oid(der.decode(data))


def test_deep_nesting_is_refused() -> None:
    data = der.null()
    for _ in range(40):
        data = der.sequence(data)
    element = der.decode(data)
    for _ in range(32):
        (element,) = element.children()
    with pytest.raises(der.DerError, match="too deep"):
        element.children()


def test_wrong_tag_and_counts_are_refused() -> None:
    with pytest.raises(der.DerError):
        der.read_octets(der.decode(der.integer(1)))
    with pytest.raises(der.DerError):
        der.sequence_of(der.sequence(der.integer(1)), 2)

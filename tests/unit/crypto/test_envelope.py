"""Sealed-bid envelopes: sealing, scanning without a key, opening with one, and every refusal."""

from __future__ import annotations

import io
import itertools
import json
import struct
from dataclasses import dataclass
from typing import Any

import pytest

from sunbid.crypto import envelope, shamir
from sunbid.crypto.keys import PrivateKey
from sunbid.crypto.suites import TAG_SIZE, Suite
from sunbid.crypto.x509 import Certificate

from .conftest import CREDIT_CODE, NOW, RootCA, refused

ENCRYPT = {"gm": frozenset({"keyEncipherment"}), "intl": frozenset({"keyAgreement"})}


@dataclass
class Identity:
    signing_key: PrivateKey
    signing_certificate: Certificate
    encryption_key: PrivateKey
    encryption_certificate: Certificate


def identity(suite: Suite, ca: RootCA) -> Identity:
    sign = suite.generate_signing_key()
    enc = suite.generate_encryption_key()
    return Identity(sign, ca.issue(sign), enc, ca.issue(enc, usage=ENCRYPT[suite.name]))


def seal(suite: Suite, who: Identity, *, files: list[envelope.BidFile] | None = None, **kw: Any) -> bytes:
    out = io.BytesIO()
    envelope.seal(
        out,
        suite_name=suite.name,
        tender_id="tnd_1",
        section_id="sec_1",
        bidder=envelope.Party(CREDIT_CODE, "某某建设有限公司"),
        form={"price": "11800000.00", "duration_days": 540},
        files=files if files is not None else [envelope.BidFile("商务标.pdf", data=b"%PDF-1.7 price 11800000")],
        encryption_certificate=who.encryption_certificate,
        signing_key=who.signing_key,
        signing_certificate=who.signing_certificate,
        now=NOW,
        **kw,
    )
    return out.getvalue()


def scan(data: bytes, piece: int = 7777) -> envelope.Scanned:
    scanner = envelope.Scanner()
    for i in range(0, len(data), piece):
        scanner.feed(data[i : i + piece])
    return scanner.finish()


def open_with(data: bytes, key: bytes, **kw: Any) -> envelope.Opened:
    return envelope.open_envelope(io.BytesIO(data), key, **kw)


# ---------------------------------------------------------------------------- Shamir
@pytest.mark.parametrize(("k", "n"), [(1, 1), (2, 3), (3, 5), (5, 5)])
def test_any_k_of_n_shares_recover_the_secret(k: int, n: int) -> None:
    secret = bytes(range(32))
    shares = shamir.split(secret, k, n)
    for chosen in itertools.combinations(shares, k):
        assert shamir.combine(list(chosen), k) == secret


def test_fewer_than_k_shares_are_refused() -> None:
    shares = shamir.split(b"0123456789abcdef", 3, 5)
    with refused("threshold_not_met"):
        shamir.combine(shares[:2], 3)


def test_k_minus_one_shares_are_consistent_with_every_secret() -> None:
    """With k-1 shares every value of a byte of the secret is still possible (perfect secrecy)."""
    shares = shamir.split(b"\x42", 2, 3)
    x, y = shares[0][0], shares[0][1][0]
    # for each candidate secret s there is a line through (0, s) and (x, y)
    candidates = {shamir.combine([(x, bytes([y])), (255, bytes([b]))], 2) for b in range(256)}
    assert len(candidates) == 256


@pytest.mark.parametrize(("k", "n"), [(0, 3), (4, 3), (2, 256)])
def test_impossible_thresholds_are_refused(k: int, n: int) -> None:
    with refused("threshold_invalid"):
        shamir.split(b"key", k, n)


def test_a_repeated_share_index_is_refused() -> None:
    shares = shamir.split(b"key", 2, 3)
    with refused("threshold_invalid"):
        shamir.combine([shares[0], shares[0]], 2)


# ---------------------------------------------------------------------------- sealing and opening
def test_a_sealed_bid_opens_with_the_key_the_bidder_unwraps(suite: Suite, ca: RootCA) -> None:
    who = identity(suite, ca)
    data = seal(suite, who)
    scanned = scan(data)
    key = envelope.unwrap_content_key(scanned.header, who.encryption_key)
    opened = open_with(data, key)
    assert opened.manifest["form"]["price"] == "11800000.00"
    assert opened.manifest["files"][0]["name"] == "商务标.pdf"
    assert scanned.trailer.statement == envelope.statement(scanned.header, scanned.ciphertext_digest, scanned.frames)


def test_the_plaintext_is_nowhere_in_the_envelope(suite: Suite, ca: RootCA) -> None:
    data = seal(suite, identity(suite, ca), files=[envelope.BidFile("a.txt", data=b"SECRET-PRICE-998877" * 100)])
    assert b"SECRET-PRICE" not in data
    assert b"11800000" not in data


def test_a_bid_larger_than_one_chunk_streams_through_in_chunks(suite: Suite, ca: RootCA) -> None:
    who = identity(suite, ca)
    files = [envelope.BidFile("a.bin", data=bytes(range(256)) * 100), envelope.BidFile("empty.txt", data=b"")]
    files.append(envelope.BidFile("b.bin", data=b"b" * 9000, part="technical"))
    data = seal(suite, who, files=files, chunk_size=envelope.MIN_CHUNK)
    scanned = scan(data, piece=1000)
    assert scanned.frames > 5
    received: dict[int, bytearray] = {}
    opened = open_with(
        data,
        envelope.unwrap_content_key(scanned.header, who.encryption_key),
        on_file=lambda i, _entry, chunk: received.setdefault(i, bytearray()).extend(chunk),
    )
    assert opened.frames == scanned.frames
    assert bytes(received[0]) == bytes(range(256)) * 100
    assert 1 not in received
    assert bytes(received[2]) == b"b" * 9000


def test_a_wrong_key_does_not_open(suite: Suite, ca: RootCA) -> None:
    data = seal(suite, identity(suite, ca))
    with refused("ciphertext_invalid"):
        open_with(data, suite.new_content_key())


def test_another_bidders_key_does_not_unwrap(suite: Suite, ca: RootCA) -> None:
    data = seal(suite, identity(suite, ca))
    with refused("key_unwrap_failed"):
        envelope.unwrap_content_key(scan(data).header, identity(suite, ca).encryption_key)


def _frames_region(data: bytes) -> tuple[int, int]:
    (n,) = struct.unpack(">I", data[len(envelope.MAGIC) : len(envelope.MAGIC) + 4])
    start = len(envelope.MAGIC) + 4 + n
    end = start
    while True:
        flag, length = data[end], struct.unpack(">I", data[end + 1 : end + 5])[0]
        end += 5 + length
        if flag == 1:
            return start, end


def test_a_flipped_ciphertext_bit_is_caught_by_the_digest_and_by_the_key(suite: Suite, ca: RootCA) -> None:
    who = identity(suite, ca)
    data = bytearray(seal(suite, who))
    key = envelope.unwrap_content_key(scan(bytes(data)).header, who.encryption_key)
    start, _end = _frames_region(bytes(data))
    data[start + 20] ^= 1
    scanned = scan(bytes(data))
    assert scanned.ciphertext_digest.hex() != scanned.trailer.statement["ciphertext_digest"]
    with refused("ciphertext_invalid"):
        open_with(bytes(data), key)


def test_dropping_the_last_chunk_is_caught(suite: Suite, ca: RootCA) -> None:
    who = identity(suite, ca)
    data = seal(suite, who, files=[envelope.BidFile("a", data=b"x" * 10000)], chunk_size=envelope.MIN_CHUNK)
    start, end = _frames_region(data)
    frames, pos = [], start
    while pos < end:
        length = struct.unpack(">I", data[pos + 1 : pos + 5])[0]
        frames.append(data[pos : pos + 5 + length])
        pos += 5 + length
    relabelled = b"\x01" + frames[-2][1:]  # the second-to-last chunk claims to be the last
    cut = data[:start] + b"".join(frames[:-2]) + relabelled + data[end:]
    with refused("ciphertext_invalid"):
        open_with(cut, envelope.unwrap_content_key(scan(cut).header, who.encryption_key))


def test_custodians_open_with_k_shares_and_not_with_fewer(suite: Suite, ca: RootCA) -> None:
    who = identity(suite, ca)
    keepers = [identity(suite, ca) for _ in range(3)]
    data = seal(
        suite,
        who,
        custodians=[envelope.Custodian(i + 1, k.encryption_certificate) for i, k in enumerate(keepers)],
        threshold=2,
    )
    header = scan(data).header
    shares = {i + 1: envelope.unwrap_share(header, i + 1, k.encryption_key) for i, k in enumerate(keepers)}
    key = envelope.combine_shares(header, {1: shares[1], 3: shares[3]})
    assert open_with(data, key).manifest["form"]["duration_days"] == 540
    with refused("threshold_not_met"):
        envelope.combine_shares(header, {2: shares[2]})
    with refused("share_invalid"):
        envelope.combine_shares(header, {1: shares[1], 2: bytes(len(shares[2]))})


# ---------------------------------------------------------------------------- what the scanner refuses
def test_an_unsealed_file_is_refused_as_not_sealed() -> None:
    with refused("envelope_malformed") as info:
        scan(b"%PDF-1.7 plain bid with the price in the clear" * 100)
    assert "not sealed" in info.value.message_en


def test_a_truncated_envelope_is_refused(suite: Suite, ca: RootCA) -> None:
    data = seal(suite, identity(suite, ca))
    for cut in (10, len(data) // 2, len(data) - 1):
        with refused("envelope_malformed"):
            scan(data[:cut])


def test_bytes_after_the_trailer_are_refused(suite: Suite, ca: RootCA) -> None:
    with refused("envelope_malformed"):
        scan(seal(suite, identity(suite, ca)) + b"x")


def test_a_header_that_is_not_canonical_is_refused(suite: Suite, ca: RootCA) -> None:
    data = seal(suite, identity(suite, ca))
    (n,) = struct.unpack(">I", data[len(envelope.MAGIC) : len(envelope.MAGIC) + 4])
    raw = data[len(envelope.MAGIC) + 4 : len(envelope.MAGIC) + 4 + n]
    spaced = json.dumps(json.loads(raw), indent=1).encode()
    forged = envelope.MAGIC + struct.pack(">I", len(spaced)) + spaced + data[len(envelope.MAGIC) + 4 + n :]
    with refused("envelope_malformed"):
        scan(forged)


def test_plaintext_dressed_as_an_envelope_is_flagged_because_it_compresses(suite: Suite, ca: RootCA) -> None:
    data = seal(suite, identity(suite, ca), files=[envelope.BidFile("a", data=bytes(5000))])
    start, end = _frames_region(data)
    length = struct.unpack(">I", data[start + 1 : start + 5])[0]
    plain = (
        b"\x01" + struct.pack(">I", length) + b"The price is 11800000 yuan. " * (length // 28) + b"." * (length % 28)
    )
    assert not scan(data).first_chunk_compresses
    assert scan(data[:start] + plain + data[end:]).first_chunk_compresses


def test_a_frame_of_the_wrong_length_is_refused(suite: Suite, ca: RootCA) -> None:
    data = bytearray(seal(suite, identity(suite, ca), files=[envelope.BidFile("a", data=b"x" * 9000)]))
    start, _end = _frames_region(bytes(data))
    data[start] = 0  # a short frame that says more follow, with more frames missing
    with refused("envelope_malformed"):
        scan(bytes(data))


def test_sealing_with_custodians_and_no_threshold_is_refused(suite: Suite, ca: RootCA) -> None:
    who = identity(suite, ca)
    with refused("envelope_malformed"):
        seal(suite, who, custodians=[envelope.Custodian(1, who.encryption_certificate)])


def test_an_envelope_in_a_file_is_opened_in_place_and_checked_the_same(suite: Suite, ca: RootCA, tmp_path: Any) -> None:
    who = identity(suite, ca)
    data = seal(suite, who, files=[envelope.BidFile("a", data=b"z" * 20000)], chunk_size=envelope.MIN_CHUNK)
    path = tmp_path / "bid.sbe"
    path.write_bytes(data)
    header = scan(data).header
    key = envelope.unwrap_content_key(header, who.encryption_key)
    for trusted in (None, header.raw):
        with path.open("rb") as fh:
            opened = envelope.open_envelope(fh, key, trusted_header=trusted)
        assert opened.manifest["files"][0]["size"] == 20000
    path.write_bytes(data[: len(data) - len(scan(data).trailer.raw) - 4])  # the trailer is not needed to open
    with path.open("rb") as fh:
        assert envelope.open_envelope(fh, key, trusted_header=header.raw).frames == scan(data).frames
    path.write_bytes(data[: len(data) // 2])
    with path.open("rb") as fh, refused("envelope_malformed"):
        envelope.open_envelope(fh, key, trusted_header=header.raw)


def test_every_crypto_refusal_code_is_documented() -> None:
    from pathlib import Path

    from sunbid.crypto.errors import CATALOGUE

    text = (Path(__file__).parents[3] / "docs" / "crypto.md").read_text("utf-8")
    assert [code for code in CATALOGUE if f"`{code}`" not in text] == []


def test_a_tampered_chunk_in_a_mapped_file_is_refused_like_in_a_stream(suite: Suite, ca: RootCA, tmp_path: Any) -> None:
    who = identity(suite, ca)
    data = bytearray(seal(suite, who, files=[envelope.BidFile("a", data=b"q" * 9000)], chunk_size=envelope.MIN_CHUNK))
    key = envelope.unwrap_content_key(scan(bytes(data)).header, who.encryption_key)
    start, _end = _frames_region(bytes(data))
    data[start + 5 + 100] ^= 1
    path = tmp_path / "bid.sbe"
    path.write_bytes(data)
    for source in (io.BytesIO(bytes(data)), path.open("rb")):
        with source, refused("ciphertext_invalid"):
            envelope.open_envelope(source, key)
    path.unlink()  # nothing keeps the file mapped


@pytest.mark.parametrize("helpers", [0, 1, 3])
def test_a_mapped_file_opened_on_helper_threads_fails_where_a_stream_would(
    suite: Suite, ca: RootCA, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, helpers: int
) -> None:
    """Chunks decrypted ahead on helper threads give the plaintext in order, and a failure is
    the stream's first one: a bad chunk before a cut is ``ciphertext_invalid``, a cut after
    good chunks ``envelope_malformed``; after either, nothing holds the mapping."""
    monkeypatch.setattr(envelope, "_HELPERS", helpers)
    monkeypatch.setattr(envelope, "_pool", None)
    body = bytes(range(256)) * 160  # 40,960 bytes: ten chunks and more
    who = identity(suite, ca)
    data = seal(suite, who, files=[envelope.BidFile("a", data=body)], chunk_size=envelope.MIN_CHUNK)
    key = envelope.unwrap_content_key(scan(data).header, who.encryption_key)
    start, end = _frames_region(data)
    path = tmp_path / "bid.sbe"
    got: list[bytes] = []
    path.write_bytes(data)
    with path.open("rb") as fh:
        opened = envelope.open_envelope(fh, key, on_file=lambda _i, _e, chunk: got.append(bytes(chunk)))
    assert b"".join(got) == body and opened.frames == scan(data).frames > 10
    tampered = bytearray(data)
    tampered[start + 2 * (5 + envelope.MIN_CHUNK + TAG_SIZE) + 50] ^= 1  # inside the third chunk
    cut = bytes(tampered[: start + (end - start) // 2])  # and the envelope cut after the fifth
    good_then_cut = data[: start + (end - start) // 2]
    for case, code in ((cut, "ciphertext_invalid"), (good_then_cut, "envelope_malformed")):
        path.write_bytes(case)
        for source in (io.BytesIO(case), path.open("rb")):
            with source, refused(code):
                envelope.open_envelope(source, key)
        path.unlink()


def test_buffers_kept_between_openings_never_mix_two_bids(suite: Suite, ca: RootCA, tmp_path: Any) -> None:
    """The opening decrypts into buffers it keeps for the next envelope: a bid opened after
    another, one of chunks larger than a kept buffer, and one with a chunk shorter than its
    predecessors each give exactly their own bytes, and no more buffers are kept than the cap."""
    who = identity(suite, ca)
    bodies = [
        (bytes(range(256)) * 5000, envelope.DEFAULT_CHUNK),  # a chunk and a short one
        (b"\x07" * 3_000_000, 2 * envelope.DEFAULT_CHUNK),  # chunks larger than a kept buffer
        (b"tiny", envelope.DEFAULT_CHUNK),
        (bytes(reversed(range(256))) * 5000, envelope.MIN_CHUNK),
    ]
    for round_ in range(2):
        for i, (body, chunk) in enumerate(bodies):
            data = seal(suite, who, files=[envelope.BidFile("a", data=body)], chunk_size=chunk)
            key = envelope.unwrap_content_key(scan(data).header, who.encryption_key)
            path = tmp_path / f"bid-{round_}-{i}.sbe"
            path.write_bytes(data)
            got: list[bytes] = []
            with path.open("rb") as fh:
                envelope.open_envelope(fh, key, on_file=lambda _i, _e, part, got=got: got.append(bytes(part)))
            assert b"".join(got) == body
            assert len(envelope._plaintexts.kept) <= envelope._KEEP
            assert all(len(b) == envelope.DEFAULT_CHUNK + TAG_SIZE for b in envelope._plaintexts.kept)


@pytest.mark.parametrize(
    ("case", "plaintext"),
    [
        ("not JSON", lambda manifest, body: [struct.pack(">I", 5) + b"{oops", body]),
        ("another format", lambda manifest, body: [*_with_manifest(manifest, format="sunbid-bid/9"), body]),
        ("another envelope", lambda manifest, body: [*_with_manifest(manifest, envelope_id="0" * 32), body]),
        ("no form", lambda manifest, body: [*_with_manifest(manifest, form=None), body]),
        ("a file without a size", lambda manifest, body: [*_with_manifest(manifest, files=[{"name": "a"}]), body]),
        (
            "files shorter than declared",
            lambda manifest, body: [struct.pack(">I", len(manifest)) + manifest, body[:-1]],
        ),
        ("more bytes than declared", lambda manifest, body: [struct.pack(">I", len(manifest)) + manifest, body + b"!"]),
        ("ends inside the manifest", lambda manifest, body: [struct.pack(">I", len(manifest)) + manifest[:10]]),
        ("a manifest over 1 MiB", lambda manifest, body: [struct.pack(">I", envelope.MAX_MANIFEST + 1) + b"{}"]),
    ],
)
def test_a_plaintext_whose_manifest_does_not_hold_is_refused_in_a_stream_and_in_a_file(
    suite: Suite, ca: RootCA, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, case: str, plaintext: Any
) -> None:
    """A bid tool that seals a broken plaintext (its manifest, or files of other sizes than it
    declares) makes a bid that decrypts but does not open: ``bid_manifest_invalid``."""
    body = b"%PDF-1.7 " * 1000
    honest = envelope._plaintext

    def broken(manifest: bytes, files: Any) -> Any:
        assert b"".join(honest(manifest, files))[4 + len(manifest) :] == body
        return iter(plaintext(manifest, body))

    monkeypatch.setattr(envelope, "_plaintext", broken)
    who = identity(suite, ca)
    data = seal(suite, who, files=[envelope.BidFile("a.pdf", data=body)], chunk_size=envelope.MIN_CHUNK)
    monkeypatch.setattr(envelope, "_plaintext", honest)
    key = envelope.unwrap_content_key(scan(data).header, who.encryption_key)
    path = tmp_path / "bid.sbe"
    path.write_bytes(data)
    for source in (io.BytesIO(data), path.open("rb")):
        with source, refused("bid_manifest_invalid"):
            envelope.open_envelope(source, key)
    good = seal(suite, who, files=[envelope.BidFile("a.pdf", data=body)], chunk_size=envelope.MIN_CHUNK)
    good_key = envelope.unwrap_content_key(scan(good).header, who.encryption_key)
    assert open_with(good, good_key).manifest["files"][0]["size"] == len(body), case


def _with_manifest(manifest: bytes, **changes: Any) -> list[bytes]:
    data = json.loads(manifest) | changes
    raw = json.dumps({k: v for k, v in data.items() if v is not None}).encode()
    return [struct.pack(">I", len(raw)) + raw]


_M = len(envelope.MAGIC)


@pytest.mark.parametrize(
    ("case", "cut"),
    [
        ("shorter than the magic", lambda data: data[: _M - 3]),
        ("another magic", lambda data: b"X" * _M + data[_M:]),
        ("no header length", lambda data: data[: _M + 2]),
        ("a header length of 1", lambda data: data[:_M] + struct.pack(">I", 1) + data[_M + 4 :]),
        ("a header too long", lambda data: data[:_M] + struct.pack(">I", envelope.MAX_HEADER + 1) + data[_M + 4 :]),
        ("cut inside the header", lambda data: data[: _M + 4 + 20]),
    ],
)
def test_a_broken_header_is_refused_the_same_from_a_file_and_a_stream(
    suite: Suite, ca: RootCA, tmp_path: Any, case: str, cut: Any
) -> None:
    """A stored envelope's header is read in place from the mapping; each way it can be
    broken gives the same refusal, with the same reason, as the same bytes streamed. The
    envelope starts where the file's handle stands."""
    who = identity(suite, ca)
    data = seal(suite, who)
    header = scan(data).header
    key = envelope.unwrap_content_key(header, who.encryption_key)
    path = tmp_path / "bid.sbe"
    path.write_bytes(b"prefix" + cut(data))
    errors = []
    for source in (io.BytesIO(cut(data)), path.open("rb")):
        source.seek(0 if isinstance(source, io.BytesIO) else len(b"prefix"))
        with source, refused("envelope_malformed") as error:
            envelope.open_envelope(source, key, trusted_header=header.raw)
        errors.append((error.value.message_en, error.value.details))
    assert errors[0] == errors[1], case
    path.write_bytes(b"prefix" + data)
    with path.open("rb") as fh:
        fh.seek(len(b"prefix"))
        assert envelope.open_envelope(fh, key).manifest["files"][0]["name"] == "商务标.pdf"

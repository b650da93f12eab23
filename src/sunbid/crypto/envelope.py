"""Sealed-bid envelopes, format ``sunbid-envelope/1`` (specified in ``docs/envelope.md``).

An envelope is one file::

    MAGIC  u32 header_len  header  frame*  u32 trailer_len  trailer

- ``header`` is RFC 8785 JSON in the clear: the tender and section, the bidder, the suite, the
  chunk size and nonce prefix, and the recipients: the content key wrapped for the bidder's
  encryption certificate and, where the tender asks for it, one Shamir share of the content key
  wrapped for each custodian's encryption certificate, with a digest of each share.
- Each ``frame`` is ``flag u8  len u32  AEAD(chunk)``: the plaintext in chunks of
  ``chunk_size`` bytes sealed with SM4-GCM or AES-256-GCM under the content key, nonce
  ``prefix(7) ‖ counter u32 ‖ flag``, associated data the header digest (STREAM: chunks cannot
  be dropped, reordered, truncated or moved to another envelope). Exactly the last frame has
  flag 1.
- ``trailer`` is RFC 8785 JSON: the seal statement (the envelope's identity and the digests of
  its header and its frames) and the bidder's detached signature over it.

The plaintext is ``u32 manifest_len  manifest  file bytes…``: the manifest (``sunbid-bid/1``)
is the bid form (price and declared items) and the list of files, whose bytes follow in order.

:func:`seal` writes an envelope from files as a stream; :class:`Scanner` checks one as a
stream without any key (what the platform can check before the opening); :func:`open_envelope`
decrypts one with its content key. Nothing here holds a whole bid in memory.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import io
import json
import mmap
import os
import re
import struct
import threading
import zlib
from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sunbid.kernel.buffers import BufferPool
from sunbid.kernel.errors import DomainError

from . import jcs, shamir
from .errors import crypto_error
from .keys import PrivateKey
from .signatures import format_time, sign_json
from .suites import TAG_SIZE, Suite, get_suite
from .x509 import Certificate

MAGIC = b"SUNBID-ENVELOPE/1\n"
FORMAT = "sunbid-envelope/1"
SEAL_FORMAT = "sunbid-envelope-seal/1"
BID_FORMAT = "sunbid-bid/1"
DEFAULT_CHUNK = 1 << 20
MIN_CHUNK, MAX_CHUNK = 1 << 12, 1 << 24
MAX_HEADER = 1 << 20
MAX_TRAILER = 1 << 16
MAX_MANIFEST = 1 << 20
PREFIX_SIZE = 7
SHARE_DOMAIN = b"sunbid/share/1"
PARTS = ("commercial", "technical", "qualification", "consortium_agreement", "other")
_HEX = re.compile(r"^[0-9a-f]+$")
_READ = 1 << 20


def _u32(n: int) -> bytes:
    return struct.pack(">I", n)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise malformed(f"{what} is not a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise malformed(f"{what} is not base64") from None


def malformed(reason: str) -> DomainError:
    return crypto_error("envelope_malformed", reason=reason)


def nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


def digest_of_share(suite: Suite, envelope_id: str, index: int, share: bytes) -> bytes:
    return suite.hash(SHARE_DOMAIN + bytes.fromhex(envelope_id) + bytes([index]) + share)


# ---------------------------------------------------------------------------- the header
@dataclass(frozen=True)
class Party:
    """A bidding organisation as the envelope names it."""

    credit_code: str
    name: str

    def as_json(self) -> dict[str, str]:
        return {"credit_code": self.credit_code, "name": self.name}


@dataclass(frozen=True)
class Member:
    """A consortium member (联合体成员) and its share of the work, in percent."""

    credit_code: str
    name: str
    share: str  # decimal percent, e.g. "60"

    def as_json(self) -> dict[str, str]:
        return {"credit_code": self.credit_code, "name": self.name, "share": self.share}


@dataclass(frozen=True)
class Recipient:
    role: str  # "bidder" or "custodian"
    certificate: Certificate
    wrapped: bytes  # the content key (bidder) or a share of it (custodian)
    index: int = 0  # custodians: 1..n
    share_digest: bytes = b""


@dataclass(frozen=True)
class Header:
    raw: bytes  # the canonical JSON as it is in the file
    digest: bytes  # suite hash of MAGIC ‖ u32 len ‖ raw: the chunks' associated data
    envelope_id: str
    suite: Suite
    chunk_size: int
    nonce_prefix: bytes
    tender_id: str
    section_id: str
    bidder: Party
    consortium: tuple[Member, ...]  # empty unless a consortium bids; the lead is ``bidder``
    recipients: tuple[Recipient, ...]
    threshold: int | None  # k of the custodians' shares
    client: Mapping[str, Any]
    sealed_at: str

    @property
    def bidder_recipient(self) -> Recipient:
        return next(r for r in self.recipients if r.role == "bidder")

    @property
    def custodians(self) -> tuple[Recipient, ...]:
        return tuple(r for r in self.recipients if r.role == "custodian")


def _str(d: Mapping[str, Any], key: str, *, max_len: int = 200) -> str:
    value = d.get(key)
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise malformed(f"{key} must be a non-empty string of at most {max_len} characters")
    return value


def _certificate(value: Any, what: str) -> Certificate:
    der = _unb64(value, what)
    try:
        return Certificate.from_der(der)
    except DomainError:
        raise malformed(f"{what} is not an X.509 certificate") from None


def parse_header(raw: bytes) -> Header:
    """The header's fields, checked for form (not against any tender: that is the platform's job)."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise malformed("the header is not UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise malformed("the header is not a JSON object")
    try:
        canonical = jcs.canonicalize(data)
    except DomainError:
        raise malformed("the header is not canonical JSON") from None
    if canonical != raw:
        raise malformed("the header is not in RFC 8785 canonical form")
    if data.get("format") != FORMAT:
        raise malformed(f"format must be {FORMAT!r}")
    try:
        suite = get_suite(str(data.get("suite")))
    except DomainError:
        raise crypto_error("suite_unknown", suite=str(data.get("suite"))) from None
    if data.get("aead") != suite.aead_name:
        raise malformed(f"the {suite.name} suite seals with {suite.aead_name}")
    envelope_id = _str(data, "envelope_id")
    if len(envelope_id) != 32 or not _HEX.match(envelope_id):
        raise malformed("envelope_id is 32 lower-case hex digits")
    chunk = data.get("chunk_size")
    if not isinstance(chunk, int) or isinstance(chunk, bool) or not MIN_CHUNK <= chunk <= MAX_CHUNK:
        raise malformed(f"chunk_size must be between {MIN_CHUNK} and {MAX_CHUNK}")
    prefix_hex = _str(data, "nonce_prefix")
    if len(prefix_hex) != 2 * PREFIX_SIZE or not _HEX.match(prefix_hex):
        raise malformed(f"nonce_prefix is {PREFIX_SIZE} bytes in hex")
    bidder_json = data.get("bidder")
    if not isinstance(bidder_json, dict):
        raise malformed("bidder is an object")
    bidder = Party(_str(bidder_json, "credit_code", max_len=18), _str(bidder_json, "name"))
    members: list[Member] = []
    consortium = data.get("consortium")
    if consortium is not None:
        if not isinstance(consortium, dict) or not isinstance(consortium.get("members"), list):
            raise malformed("consortium is an object with a list of members")
        for m in consortium["members"]:
            if not isinstance(m, dict):
                raise malformed("a consortium member is an object")
            members.append(Member(_str(m, "credit_code", max_len=18), _str(m, "name"), _str(m, "share", max_len=12)))
    recipients: list[Recipient] = []
    raw_recipients = data.get("recipients")
    if not isinstance(raw_recipients, list) or not raw_recipients:
        raise malformed("recipients is a non-empty list")
    for r in raw_recipients:
        if not isinstance(r, dict) or r.get("key_wrap") != suite.key_wrap_name:
            raise malformed(f"each recipient's key_wrap is {suite.key_wrap_name}")
        role = r.get("role")
        certificate = _certificate(r.get("certificate"), "a recipient certificate")
        if role == "bidder":
            recipients.append(Recipient("bidder", certificate, _unb64(r.get("wrapped_key"), "wrapped_key")))
        elif role == "custodian":
            index = r.get("index")
            if not isinstance(index, int) or isinstance(index, bool) or not 1 <= index <= shamir.MAX_SHARES:
                raise malformed("a custodian's index is 1 to 255")
            digest_hex = _str(r, "share_digest", max_len=128)
            if not _HEX.match(digest_hex) or len(digest_hex) % 2:
                raise malformed("share_digest is hex")
            recipients.append(
                Recipient(
                    "custodian",
                    certificate,
                    _unb64(r.get("wrapped_share"), "wrapped_share"),
                    index,
                    bytes.fromhex(digest_hex),
                )
            )
        else:
            raise malformed("a recipient's role is 'bidder' or 'custodian'")
    if sum(1 for r in recipients if r.role == "bidder") != 1:
        raise malformed("exactly one recipient is the bidder")
    custodians = [r for r in recipients if r.role == "custodian"]
    if sorted(r.index for r in custodians) != list(range(1, len(custodians) + 1)):
        raise malformed("custodians are numbered 1 to n")
    threshold = data.get("threshold")
    k: int | None = None
    if custodians or threshold is not None:
        if not isinstance(threshold, dict) or threshold.get("scheme") != shamir.SCHEME:
            raise malformed(f"custodians need a threshold with scheme {shamir.SCHEME!r}")
        k_value, n_value = threshold.get("k"), threshold.get("n")
        if not isinstance(k_value, int) or n_value != len(custodians) or not 1 <= k_value <= len(custodians):
            raise malformed("the threshold's k and n do not match the custodians")
        k = k_value
    client = data.get("client", {})
    if not isinstance(client, dict):
        raise malformed("client is an object")
    header_bytes = MAGIC + _u32(len(raw)) + raw
    return Header(
        raw=raw,
        digest=suite.hash(header_bytes),
        envelope_id=envelope_id,
        suite=suite,
        chunk_size=chunk,
        nonce_prefix=bytes.fromhex(prefix_hex),
        tender_id=_str(data, "tender_id", max_len=40),
        section_id=_str(data, "section_id", max_len=40),
        bidder=bidder,
        consortium=tuple(members),
        recipients=tuple(recipients),
        threshold=k,
        client=client,
        sealed_at=_str(data, "sealed_at", max_len=40),
    )


# ---------------------------------------------------------------------------- the trailer
def statement(header: Header, ciphertext_digest: bytes, frames: int) -> dict[str, Any]:
    """What the bidder signs: the envelope's identity and the digests of everything in it."""
    return {
        "format": SEAL_FORMAT,
        "envelope_id": header.envelope_id,
        "tender_id": header.tender_id,
        "section_id": header.section_id,
        "bidder_credit_code": header.bidder.credit_code,
        "suite": header.suite.name,
        "header_digest": header.digest.hex(),
        "ciphertext_digest": ciphertext_digest.hex(),
        "frames": frames,
    }


@dataclass(frozen=True)
class Trailer:
    raw: bytes
    statement: dict[str, Any]
    signature: dict[str, Any]


def parse_trailer(raw: bytes) -> Trailer:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise malformed("the trailer is not UTF-8 JSON") from None
    if not isinstance(data, dict) or set(data) != {"statement", "signature"}:
        raise malformed("the trailer holds exactly a statement and a signature")
    if not isinstance(data["statement"], dict) or not isinstance(data["signature"], dict):
        raise malformed("the trailer's statement and signature are objects")
    return Trailer(raw, data["statement"], data["signature"])


# ---------------------------------------------------------------------------- sealing (the bidder's tool)
@dataclass(frozen=True)
class BidFile:
    """A file of the bid: its bytes come from ``path`` (streamed) or ``data``."""

    name: str
    part: str = "commercial"
    media_type: str = "application/octet-stream"
    path: Path | None = None
    data: bytes | None = None
    author: str | None = None  # document metadata the tool reports (条例 第四十条 evidence)
    creator: str | None = None

    def open(self) -> BinaryIO:
        if self.path is not None:
            return Path(self.path).open("rb")
        return io.BytesIO(self.data or b"")


@dataclass(frozen=True)
class Custodian:
    index: int
    certificate: Certificate


@dataclass(frozen=True)
class Sealed:
    envelope_id: str
    suite: str
    header_digest: bytes
    ciphertext_digest: bytes
    frames: int
    size: int


def _file_digest(f: BidFile) -> tuple[int, str]:
    import hashlib

    digest, size = hashlib.sha256(), 0
    with f.open() as handle:
        while block := handle.read(_READ):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def _plaintext(manifest: bytes, files: Sequence[BidFile]) -> Iterator[bytes]:
    yield _u32(len(manifest)) + manifest
    for f in files:
        with f.open() as handle:
            while block := handle.read(_READ):
                yield block


def _chunks(pieces: Iterator[bytes], size: int) -> Iterator[tuple[bytes, bool]]:
    """Exactly ``size``-byte chunks (the last shorter), each with whether it is the last."""
    buffer = bytearray()
    pending: bytes | None = None
    for piece in pieces:
        buffer += piece
        while len(buffer) >= size:
            if pending is not None:
                yield pending, False
            pending = bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        if pending is not None:
            yield pending, False
        yield bytes(buffer), True
    elif pending is not None:
        yield pending, True
    else:
        yield b"", True


def seal(
    out: BinaryIO,
    *,
    suite_name: str,
    tender_id: str,
    section_id: str,
    bidder: Party,
    form: Mapping[str, Any],
    files: Sequence[BidFile],
    encryption_certificate: Certificate,
    signing_key: PrivateKey,
    signing_certificate: Certificate,
    now: datetime,
    custodians: Sequence[Custodian] = (),
    threshold: int | None = None,
    consortium: Sequence[Member] = (),
    client: Mapping[str, Any] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> Sealed:
    """Write a sealed envelope to ``out``: the files are read twice (digests, then encryption),
    in 1 MiB blocks; the content key exists only in this call."""
    suite = get_suite(suite_name)
    if not MIN_CHUNK <= chunk_size <= MAX_CHUNK:
        raise malformed(f"chunk_size must be between {MIN_CHUNK} and {MAX_CHUNK}")
    for f in files:
        if f.part not in PARTS:
            raise malformed(f"a file's part is one of {', '.join(PARTS)}")
    envelope_id = os.urandom(16).hex()
    content_key = suite.new_content_key()
    prefix = os.urandom(PREFIX_SIZE)
    recipients: list[dict[str, Any]] = [
        {
            "role": "bidder",
            "certificate": encryption_certificate.to_base64(),
            "key_wrap": suite.key_wrap_name,
            "wrapped_key": _b64(suite.wrap_key(encryption_certificate.public_key(), content_key)),
        }
    ]
    threshold_json: dict[str, Any] | None = None
    if custodians:
        if threshold is None:
            raise malformed("custodians need a threshold k")
        ordered = sorted(custodians, key=lambda c: c.index)
        if [c.index for c in ordered] != list(range(1, len(ordered) + 1)):
            raise malformed("custodians are numbered 1 to n")
        for (index, share), custodian in zip(shamir.split(content_key, threshold, len(ordered)), ordered, strict=True):
            recipients.append(
                {
                    "role": "custodian",
                    "index": index,
                    "certificate": custodian.certificate.to_base64(),
                    "key_wrap": suite.key_wrap_name,
                    "wrapped_share": _b64(suite.wrap_key(custodian.certificate.public_key(), share)),
                    "share_digest": digest_of_share(suite, envelope_id, index, share).hex(),
                }
            )
        threshold_json = {"scheme": shamir.SCHEME, "k": threshold, "n": len(ordered)}
    header_json: dict[str, Any] = {
        "format": FORMAT,
        "envelope_id": envelope_id,
        "suite": suite.name,
        "aead": suite.aead_name,
        "chunk_size": chunk_size,
        "nonce_prefix": prefix.hex(),
        "tender_id": tender_id,
        "section_id": section_id,
        "bidder": bidder.as_json(),
        "consortium": {"members": [m.as_json() for m in consortium]} if consortium else None,
        "recipients": recipients,
        "threshold": threshold_json,
        "client": dict(client or {}),
        "sealed_at": format_time(now),
    }
    raw = jcs.canonicalize(header_json)
    if len(raw) > MAX_HEADER:
        raise malformed("the header is larger than 1 MiB")
    header = parse_header(raw)
    described = []
    for f in files:
        size, file_sha256 = _file_digest(f)
        described.append(
            {
                "name": f.name,
                "part": f.part,
                "media_type": f.media_type,
                "size": size,
                "sha256": file_sha256,
                "author": f.author,
                "creator": f.creator,
            }
        )
    manifest = jcs.canonicalize(
        {
            "format": BID_FORMAT,
            "envelope_id": envelope_id,
            "tender_id": tender_id,
            "section_id": section_id,
            "bidder_credit_code": bidder.credit_code,
            "form": dict(form),
            "files": described,
        }
    )
    if len(manifest) > MAX_MANIFEST:
        raise malformed("the manifest is larger than 1 MiB")
    written = 0

    def write(data: bytes) -> None:
        nonlocal written
        out.write(data)
        written += len(data)

    write(MAGIC + _u32(len(raw)) + raw)
    hasher = suite.new_hasher()
    frames = 0
    for counter, (chunk, last) in enumerate(_chunks(_plaintext(manifest, files), chunk_size)):
        sealed = suite.aead_encrypt(content_key, nonce(prefix, counter, last), chunk, header.digest)
        frame = bytes([1 if last else 0]) + _u32(len(sealed)) + sealed
        hasher.update(frame)
        write(frame)
        frames += 1
    digest = hasher.digest()
    signed = statement(header, digest, frames)
    trailer = jcs.canonicalize(
        {"statement": signed, "signature": sign_json(signed, signing_key, signing_certificate, signed_at=now)}
    )
    write(_u32(len(trailer)) + trailer)
    return Sealed(envelope_id, suite.name, header.digest, digest, frames, written)


# ---------------------------------------------------------------------------- scanning (no key)
@dataclass
class Scanned:
    header: Header
    trailer: Trailer
    ciphertext_digest: bytes
    frames: int
    size: int
    first_chunk_compresses: bool


class Scanner:
    """Check an envelope as its bytes arrive, without any key: the framing, the sizes, the
    digest of the frames, and the first chunk's look (ciphertext does not compress).

    ``feed`` the bytes in any pieces, then ``finish``. Refusals are ``envelope_malformed``.
    """

    def __init__(self, max_size: int | None = None) -> None:
        self.max_size = max_size
        self._buffer = bytearray()
        self._state, self._need = "magic", len(MAGIC)
        self._header: Header | None = None
        self._hasher: Any = None
        self._frames = 0
        self._last_seen = False
        self._frame_left = 0
        self._sample = bytearray()
        self._trailer: Trailer | None = None
        self._size = 0

    SAMPLE = 1 << 16

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        self._size += len(data)
        if self.max_size is not None and self._size > self.max_size:
            raise malformed(f"larger than {self.max_size} bytes")
        view = memoryview(data)
        while view:
            if self._state == "payload":
                take = view[: self._frame_left]
                self._hasher.update(take)
                if self._frames == 1 and len(self._sample) < self.SAMPLE:
                    self._sample += take[: self.SAMPLE - len(self._sample)]
                self._frame_left -= len(take)
                view = view[len(take) :]
                if self._frame_left == 0:
                    self._state, self._need = ("trailer_len", 4) if self._last_seen else ("frame", 5)
                continue
            if self._state == "done":
                raise malformed("bytes after the trailer")
            take = view[: self._need - len(self._buffer)]
            self._buffer += take
            view = view[len(take) :]
            if len(self._buffer) == self._need:
                self._advance(bytes(self._buffer))
                self._buffer.clear()

    def _advance(self, block: bytes) -> None:
        if self._state == "magic":
            if block != MAGIC:
                raise malformed("not a sunbid envelope (wrong magic): the bid is not sealed")
            self._state, self._need = "header_len", 4
        elif self._state == "header_len":
            (n,) = struct.unpack(">I", block)
            if not 2 <= n <= MAX_HEADER:
                raise malformed("the header length is out of range")
            self._state, self._need = "header", n
        elif self._state == "header":
            self._header = parse_header(block)
            self._hasher = self._header.suite.new_hasher()
            self._state, self._need = "frame", 5
        elif self._state == "frame":
            assert self._header is not None
            flag, length = block[0], struct.unpack(">I", block[1:])[0]
            limit = self._header.chunk_size + TAG_SIZE
            if flag not in (0, 1):
                raise malformed("a frame flag is 0 or 1")
            if (flag == 0 and length != limit) or not TAG_SIZE <= length <= limit:
                raise malformed("a frame has the wrong length for the chunk size")
            self._hasher.update(block)
            self._frames += 1
            self._last_seen = flag == 1
            self._frame_left = length
            self._state = "payload"
        elif self._state == "trailer_len":
            (n,) = struct.unpack(">I", block)
            if not 2 <= n <= MAX_TRAILER:
                raise malformed("the trailer length is out of range")
            self._state, self._need = "trailer", n
        elif self._state == "trailer":
            self._trailer = parse_trailer(block)
            self._state, self._need = "done", 0

    def finish(self) -> Scanned:
        if self._state != "done" or self._header is None or self._trailer is None:
            raise malformed(f"the envelope ends early (at {self._state})")
        sample = bytes(self._sample)
        compresses = len(sample) >= 1024 and len(zlib.compress(sample, 1)) < 0.97 * len(sample)
        return Scanned(
            self._header,
            self._trailer,
            self._hasher.digest(),
            self._frames,
            self._size,
            first_chunk_compresses=compresses,
        )


def scan(source: BinaryIO, max_size: int | None = None) -> Scanned:
    scanner = Scanner(max_size)
    while block := source.read(_READ):
        scanner.feed(block)
    return scanner.finish()


# ---------------------------------------------------------------------------- opening (with the key)
def unwrap_content_key(header: Header, private: PrivateKey) -> bytes:
    """The bidder's tool: the content key from its recipient entry, with its encryption key."""
    return header.suite.unwrap_key(private, header.bidder_recipient.wrapped)


def unwrap_share(header: Header, index: int, private: PrivateKey) -> bytes:
    """A custodian's tool: its share of the content key, with its encryption key."""
    recipient = next((r for r in header.custodians if r.index == index), None)
    if recipient is None:
        raise crypto_error("threshold_invalid", reason=f"no custodian {index} in this envelope")
    return header.suite.unwrap_key(private, recipient.wrapped)


def check_share(header: Header, index: int, share: bytes) -> None:
    recipient = next((r for r in header.custodians if r.index == index), None)
    if recipient is None or digest_of_share(header.suite, header.envelope_id, index, share) != recipient.share_digest:
        raise crypto_error("share_invalid", index=index)


def combine_shares(header: Header, shares: Mapping[int, bytes]) -> bytes:
    """The content key from at least k checked shares."""
    assert header.threshold is not None
    for index, share in shares.items():
        check_share(header, index, share)
    return shamir.combine(sorted(shares.items()), header.threshold)


@dataclass(frozen=True)
class Opened:
    header_digest: bytes
    manifest: dict[str, Any]
    plaintext_size: int
    frames: int


def _read_exact(source: BinaryIO, n: int) -> bytes:
    data = source.read(n)
    if len(data) != n:
        raise malformed("the envelope ends early")
    return data


OnFile = Callable[[int, dict[str, Any], bytes], None]
Frames = Generator[tuple[bool, "bytes | memoryview"], None, None]


#: The magic and the header's length, before the header.
_PREFIX = len(MAGIC) + 4


def _header_length(prefix: bytes) -> int:
    """The header's length from the envelope's first bytes (at most :data:`_PREFIX`), checked."""
    if len(prefix) < len(MAGIC):
        raise malformed("the envelope ends early")
    if prefix[: len(MAGIC)] != MAGIC:
        raise malformed("not a sunbid envelope")
    if len(prefix) < _PREFIX:
        raise malformed("the envelope ends early")
    n = int.from_bytes(prefix[len(MAGIC) : _PREFIX], "big")
    if not 2 <= n <= MAX_HEADER:
        raise malformed("the header length is out of range")
    return n


def _read_header(source: BinaryIO) -> bytes:
    return _read_exact(source, _header_length(source.read(_PREFIX)))


def _header_at(mapped: mmap.mmap, pos: int) -> tuple[bytes, int]:
    """The header of the envelope that starts at ``pos`` of a mapping, and where its frames
    start: read in place, refused as :func:`_read_header` refuses it."""
    start = pos + _PREFIX
    n = _header_length(mapped[pos:start])
    if start + n > len(mapped):
        raise malformed("the envelope ends early")
    return mapped[start : start + n], start + n


def _frames_read(source: BinaryIO) -> Frames:
    """The frames that follow the header, read as a stream."""
    while True:
        flag_len = _read_exact(source, 5)
        yield flag_len[0] == 1, _read_exact(source, struct.unpack(">I", flag_len[1:])[0])


def _frames_into(source: BinaryIO) -> Frames:
    """The same, each frame read into one reused buffer: one copy, and the chunk is still in
    the CPU's cache when it is decrypted. (A regular file is mapped instead: see
    :func:`_decrypt_mapped`.)"""
    buffer = bytearray()
    while True:
        flag_len = _read_exact(source, 5)
        (length,) = struct.unpack(">I", flag_len[1:])
        if length > MAX_CHUNK + TAG_SIZE:
            raise malformed("a frame is longer than the largest chunk")
        if len(buffer) < length:
            buffer = bytearray(length)
        view = memoryview(buffer)[:length]
        got = 0
        while got < length:
            n = source.readinto(view[got:])  # type: ignore[attr-defined]
            if not n:
                raise malformed("the envelope ends early")
            got += n
        yield flag_len[0] == 1, view


#: A mapped envelope's pages are given back once this many bytes behind the reader are read, so a
#: large bid never stays resident in the process as a whole. The pages fault in as they are read:
#: the kernel maps the page cache around each fault (fault-around), which costs less than filling
#: the page tables ahead (MADV_POPULATE_READ took about half as long again as the decryption of a
#: 5 MB AES-GCM bid; bench/bids.py).
_WINDOW = 32 << 20


def _mapped(source: BinaryIO) -> mmap.mmap | None:
    """The rest of ``source`` mapped read-only, when it is a regular file; else None."""
    try:
        fd = source.fileno()
        size = os.fstat(fd).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None
    if size <= source.tell():
        return None
    return mmap.mmap(fd, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)


class _Released:
    """Releases the pages of a mapping behind the reader, a window at a time."""

    def __init__(self, mapped: mmap.mmap, start: int) -> None:
        self.mapped = mapped
        self.released = start - start % mmap.PAGESIZE

    def done(self, upto: int) -> None:
        boundary = upto - upto % mmap.PAGESIZE
        if boundary - self.released >= _WINDOW:
            self.mapped.madvise(mmap.MADV_DONTNEED, self.released, boundary - self.released)
            self.released = boundary


def _frame_spans(mapped: mmap.mmap, start: int) -> Iterator[tuple[bool, int, int]]:
    """``(last, offset, length)`` of each frame of a mapped envelope, checked as it is reached."""
    end, pos = len(mapped), start
    while True:
        if pos + 5 > end:
            raise malformed("the envelope ends early")
        (length,) = struct.unpack_from(">I", mapped, pos + 1)
        if length > MAX_CHUNK + TAG_SIZE:
            raise malformed("a frame is longer than the largest chunk")
        if pos + 5 + length > end:
            raise malformed("the envelope ends early")
        yield mapped[pos] == 1, pos + 5, length
        pos += 5 + length


#: Threads that decrypt a mapped envelope's chunks beside the thread opening it: one fewer than
#: the processors, at most three (the chunks in flight, and so the memory, stay bounded).
_HELPERS = min(3, (os.cpu_count() or 1) - 1)
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _helpers() -> ThreadPoolExecutor | None:
    global _pool
    if _HELPERS < 1:
        return None
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_HELPERS, thread_name_prefix="sunbid-decrypt")
        return _pool


#: Plaintext buffers kept between openings, for chunks of the default size: a buffer new for
#: every chunk costs about as much as the AES-GCM itself (:mod:`sunbid.kernel.buffers`). At most
#: ``_KEEP`` are kept (8 MiB); larger chunks get buffers that are not kept.
_KEEP = 8
_BUFFER = DEFAULT_CHUNK + TAG_SIZE
_plaintexts = BufferPool(_BUFFER, _KEEP)


def _buffer(length: int) -> bytearray:
    """A buffer of at least ``length`` bytes (a kept one when it fits), its content undefined."""
    return _plaintexts.take() if length <= _BUFFER else bytearray(length)


def _after_fork() -> None:
    global _pool, _pool_lock
    _pool = None  # a forked child has none of its parent's threads,
    _pool_lock = threading.Lock()  # nor their lock


os.register_at_fork(after_in_child=_after_fork)


class _Job:
    """One frame of a mapped envelope on its way to the reader, and the buffer it is decrypted into."""

    __slots__ = ("at", "buffer", "counter", "last", "length", "plaintext", "queued")

    def __init__(self, counter: int, last: bool, at: int, length: int, buffer: bytearray) -> None:
        self.counter, self.last, self.at, self.length, self.buffer = counter, last, at, length, buffer
        self.queued: Future[memoryview] | None = None
        self.plaintext: memoryview | None = None


def _decrypt_mapped(
    mapped: mmap.mmap,
    start: int,
    decrypt: Callable[[int, bool, memoryview, bytearray], memoryview],
    feed: Callable[[memoryview], None],
) -> int:
    """Decrypt the frames of a mapped envelope and feed each plaintext, in order; returns how
    many frames there were.

    The chunks are decrypted straight from the page cache (views of the mapping, no copy) into
    a few buffers used in turn (no new memory per chunk, which the kernel would have to fault
    in and zero). Chunks ahead of the one being fed are queued for helper threads (the AEADs
    release the GIL); while the next chunk is still with a helper, this thread takes a queued
    chunk no helper has started and decrypts it itself. A failure, of a chunk or of the
    framing, is raised in its turn in the stream, as if the chunks were read one after the
    other. ``feed`` must copy what it keeps: its buffer is decrypted into again."""
    view = memoryview(mapped)
    windows = _Released(mapped, start)
    spans = _frame_spans(mapped, start)
    pool = _helpers()
    depth = 2 * (_HELPERS + 1) if pool is not None else 1
    ahead: deque[_Job | DomainError] = deque()
    spare: list[bytearray] = []  # buffers whose plaintext has been fed, kept at the end
    count, ended = 0, False

    def work(job: _Job) -> memoryview:
        chunk = view[job.at : job.at + job.length]
        try:
            return decrypt(job.counter, job.last, chunk, job.buffer)
        finally:
            chunk.release()  # the mapping closes only when no view of it is left

    def fill() -> None:
        nonlocal count, ended
        while not ended and len(ahead) < depth:
            try:
                last, at, length = next(spans)
            except DomainError as exc:
                ahead.append(exc)  # raised when the stream reaches it
                ended = True
                return
            buffer = spare.pop() if spare and len(spare[-1]) >= length else _buffer(length)
            job = _Job(count, last, at, length, buffer)
            if pool is not None and ahead:
                job.queued = pool.submit(work, job)
            ahead.append(job)
            count, ended = count + 1, last

    def take_over() -> bool:
        """Decrypt here a queued chunk no helper has started; whether there was one."""
        for job in ahead:
            if isinstance(job, _Job) and job.queued is not None and job.queued.cancel():
                job.queued, job.plaintext = None, work(job)
                return True
        return False

    try:
        fill()
        while ahead:
            head = ahead[0]
            if isinstance(head, DomainError):
                raise head
            if head.queued is None and head.plaintext is None:
                head.plaintext = work(head)
            elif head.queued is not None and not head.queued.done() and take_over():
                continue
            ahead.popleft()
            plaintext = head.plaintext if head.queued is None else head.queued.result()
            assert plaintext is not None
            fill()
            feed(plaintext)
            plaintext.release()
            spare.append(head.buffer)
            windows.done(head.at + head.length)
        return count
    finally:
        for job in ahead:  # after a failure: no helper may still hold a view of the mapping
            if isinstance(job, _Job) and job.queued is not None and not job.queued.cancel():
                wait([job.queued])
        view.release()
        _plaintexts.give(spare)


@dataclass(frozen=True)
class _Keys:
    """What decryption needs of a header already checked (at submission): suite, AAD, nonces."""

    envelope_id: str
    suite: Suite
    digest: bytes
    nonce_prefix: bytes


def _trusted(raw: bytes) -> _Keys:
    data = json.loads(raw.decode("utf-8"))
    suite = get_suite(str(data["suite"]))
    return _Keys(
        str(data["envelope_id"]),
        suite,
        suite.hash(MAGIC + _u32(len(raw)) + raw),
        bytes.fromhex(str(data["nonce_prefix"])),
    )


def open_envelope(
    source: BinaryIO,
    content_key: bytes,
    *,
    on_file: OnFile | None = None,
    trusted_header: bytes | None = None,
) -> Opened:
    """Decrypt and check every chunk with ``content_key``; return the manifest.

    Every chunk's tag, the chunk order and the single last chunk are checked, the manifest
    must name this envelope, and the files must have exactly the sizes it declares. File
    bytes go to ``on_file(index, entry, data)`` when given, and nowhere otherwise. A wrong
    key or altered bytes give ``ciphertext_invalid``. A regular file is mapped and read in
    place, header and chunks (:func:`_decrypt_mapped`); a stream is read a chunk at a time
    into one buffer. ``trusted_header``, the header as the platform accepted it, spares
    checking it again when the envelope's header is byte for byte the same.
    """
    mapped = _mapped(source)
    if mapped is None:
        return _open_stream(source, content_key, on_file, trusted_header)
    try:
        return _open_mapped(mapped, source.tell(), content_key, on_file, trusted_header)
    finally:
        # After a failed chunk the exception's traceback may still hold a view of the
        # mapping; it is then unmapped when the last view goes.
        with contextlib.suppress(BufferError):
            mapped.close()


def _open_stream(source: BinaryIO, content_key: bytes, on_file: OnFile | None, trusted_header: bytes | None) -> Opened:
    keys = _keys(_read_header(source), trusted_header)
    reader = _PlaintextReader(keys.envelope_id, on_file)
    counter = 0
    frames = _frames_into(source) if hasattr(source, "readinto") else _frames_read(source)
    try:
        for last, sealed in frames:
            reader.feed(
                keys.suite.aead_decrypt(content_key, nonce(keys.nonce_prefix, counter, last), sealed, keys.digest)
            )
            counter += 1
            if last:
                break
    finally:
        frames.close()
    return Opened(keys.digest, reader.finish(), reader.size, counter)


def _open_mapped(
    mapped: mmap.mmap, at: int, content_key: bytes, on_file: OnFile | None, trusted_header: bytes | None
) -> Opened:
    """The same for an envelope mapped from ``at`` on: its header and chunks read in place."""
    raw, start = _header_at(mapped, at)
    keys = _keys(raw, trusted_header)
    suite, aad, prefix = keys.suite, keys.digest, keys.nonce_prefix
    reader = _PlaintextReader(keys.envelope_id, on_file)
    counter = _decrypt_mapped(
        mapped,
        start,
        lambda counter, last, sealed, out: suite.aead_decrypt_into(
            content_key, nonce(prefix, counter, last), sealed, aad, out
        ),
        reader.feed,
    )
    return Opened(keys.digest, reader.finish(), reader.size, counter)


def _keys(raw: bytes, trusted_header: bytes | None) -> _Keys | Header:
    """What decryption needs of the header: taken as trusted when it is the one the platform
    accepted, checked in full otherwise."""
    return _trusted(raw) if trusted_header is not None and trusted_header == raw else parse_header(raw)


class _PlaintextReader:
    """The plaintext stream: the manifest, then each file's bytes (counted, passed on)."""

    def __init__(self, envelope_id: str, on_file: Callable[[int, dict[str, Any], bytes], None] | None) -> None:
        self.envelope_id, self.on_file = envelope_id, on_file
        self.buffer = bytearray()
        self.manifest: dict[str, Any] | None = None
        self.files: list[dict[str, Any]] = []
        self.current, self.left = -1, 0  # the file being read, and its bytes still to come
        self.size = self.consumed = self.declared = 0

    def feed(self, data: bytes | memoryview) -> None:
        """Take the next plaintext; nothing of ``data`` is kept past the call."""
        self.size += len(data)
        view = memoryview(data)
        if self.manifest is None:
            if self.buffer or len(view) < 4:
                self.buffer += view
                view = memoryview(self.buffer)
            if len(view) < 4:
                return
            (n,) = struct.unpack(">I", view[:4])
            if n > MAX_MANIFEST:
                raise crypto_error("bid_manifest_invalid", reason="larger than 1 MiB")
            if len(view) < 4 + n:
                if not self.buffer:
                    self.buffer += view
                return
            self._manifest(bytes(view[4 : 4 + n]))
            view = memoryview(bytes(view[4 + n :])) if self.buffer else view[4 + n :]
            self.buffer = bytearray()
        while view:
            while self.left == 0:
                self.current += 1
                if self.current >= len(self.files):
                    raise crypto_error("bid_manifest_invalid", reason="more bytes than the files declare")
                self.left = int(self.files[self.current]["size"])
            take = view[: self.left]
            if self.on_file is not None:
                self.on_file(self.current, self.files[self.current], bytes(take))
            self.left -= len(take)
            self.consumed += len(take)
            view = view[len(take) :]

    def _manifest(self, raw: bytes) -> None:
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise crypto_error("bid_manifest_invalid", reason="not UTF-8 JSON") from None
        if not isinstance(manifest, dict) or manifest.get("format") != BID_FORMAT:
            raise crypto_error("bid_manifest_invalid", reason=f"format must be {BID_FORMAT!r}")
        if manifest.get("envelope_id") != self.envelope_id:
            raise crypto_error("bid_manifest_invalid", reason="it names another envelope")
        files = manifest.get("files")
        if not isinstance(manifest.get("form"), dict) or not isinstance(files, list):
            raise crypto_error("bid_manifest_invalid", reason="it needs a form and a list of files")
        for f in files:
            size = f.get("size") if isinstance(f, dict) else None
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise crypto_error("bid_manifest_invalid", reason="each file has a size")
        self.manifest, self.files = manifest, files
        self.declared = sum(int(f["size"]) for f in files)

    def finish(self) -> dict[str, Any]:
        if self.manifest is None:
            raise crypto_error("bid_manifest_invalid", reason="the plaintext ends before the manifest")
        if self.consumed != self.declared:
            raise crypto_error("bid_manifest_invalid", reason="the files are shorter than declared")
        return self.manifest

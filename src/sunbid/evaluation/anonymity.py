"""Anonymised technical bids (暗标, M8; 南京实施方案 第28项 “技术标盲评”).

- :func:`assign_codes`: a random code per bid (e.g. ``A3F9``), reproducible from a seed that
  is kept secret until the technical scores are locked and then published, so anyone can
  check that the codes were not chosen.
- :func:`extract_text`: the text and the metadata of a bid file from its bytes: ``.txt``
  (UTF-8, UTF-16 with a byte-order mark, or GB18030), ``.pdf`` (pypdf) and ``.docx`` (zip and
  XML, headers, footers, notes, text boxes and pictures' descriptions included). Anything
  else, or anything broken, is reported as unreadable, never raised.
- :func:`scan_text` / :func:`scan_file`: identifying content in an anonymised part, given
  every bidder's identifiers (organisation names and short names, credit codes, personnel
  from the bid form, phone numbers, e-mail domains, certificate numbers, the text of logos),
  plus any credit code, mobile number or e-mail address at all. Matching runs on normalised
  text (NFKC, so full-width forms become half-width; case-folded; spaces, hyphens, middle
  dots and brackets removed), so ``阳 光 建 设`` and ``１３８-0000-1234`` are still found.
  Each finding names the kind, the text as written, its position, the context and whose
  identifier it is.

A finding is a warning for the committee and the supervisor; what to do with it is theirs.
"""

from __future__ import annotations

import bisect
import hashlib
import hmac
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any
from xml.etree import ElementTree as ET

from pypdf import PasswordType, PdfReader

from sunbid.identity.credit_code import ALPHABET as CREDIT_CODE_ALPHABET
from sunbid.identity.credit_code import check_character
from sunbid.kernel.errors import DomainError


# ---------------------------------------------------------------------------- codes
def assign_codes(bid_ids: Iterable[str], seed: bytes, length: int = 4) -> dict[str, str]:
    """A distinct code of ``length`` upper-case hex digits per bid: HMAC-SHA256 of the bid id
    under ``seed`` (re-drawn with a counter on a collision), in the order of the sorted ids, so
    the result does not depend on the order given."""
    ids = sorted(set(bid_ids))
    if len(seed) < 16:
        raise DomainError("seed_too_short", "随机种子至少16字节", "The seed needs at least 16 bytes")
    if not 4 <= length <= 16 or len(ids) > 16**length // 2:
        raise DomainError(
            "code_length_invalid",
            "暗标编码长度须为4至16位，且编码空间须远大于投标数",
            "Codes have 4 to 16 characters and far more possible codes than bids",
        )
    used: set[str] = set()
    codes: dict[str, str] = {}
    for bid_id in ids:
        counter = 0
        while True:
            mac = hmac.new(seed, f"{bid_id}\x00{counter}".encode(), hashlib.sha256).hexdigest()
            code = mac[:length].upper()
            if code not in used:
                break
            counter += 1
        used.add(code)
        codes[bid_id] = code
    return codes


def anonymous_name(code: str, index: int, file_name: str) -> str:
    """The name an expert sees for a technical file: the code, a number, the extension."""
    dot = file_name.rfind(".")
    extension = file_name[dot:].lower() if 0 < dot < len(file_name) - 1 else ""
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", extension):
        extension = ""
    return f"{code}-{index:02d}{extension}"


def technical_files(files: Sequence[Mapping[str, Any]], technical_parts: Sequence[str]) -> list[Mapping[str, Any]]:
    """The manifest entries (``Bid.files``) of the parts the scheme declares technical."""
    return [f for f in files if f.get("part") in technical_parts]


# ---------------------------------------------------------------------------- extraction
class ExtractionStatus(StrEnum):
    OK = "ok"
    NO_TEXT = "no_text"  # readable, but no text layer (e.g. a scanned PDF): check it by eye
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class Extraction:
    status: ExtractionStatus
    format: str | None  # "txt", "pdf", "docx"
    text: str = ""
    metadata: tuple[tuple[str, str], ...] = ()  # (field, value): author, company, title, …
    reason: str | None = None  # why it is unreadable
    pages: int | None = None


#: The largest XML part of a .docx that is read (a guard against zip bombs).
DOCX_PART_LIMIT = 64 << 20
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
_DOCX_TEXT_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")
_CORE_FIELDS = {
    "{http://purl.org/dc/elements/1.1/}creator": "author",
    "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}lastModifiedBy": "last_modified_by",
    "{http://purl.org/dc/elements/1.1/}title": "title",
    "{http://purl.org/dc/elements/1.1/}subject": "subject",
    "{http://purl.org/dc/elements/1.1/}description": "description",
    "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}keywords": "keywords",
}
_APP_FIELDS = {
    "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}Company": "company",
    "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}Manager": "manager",
}


def _unreadable(fmt: str | None, reason: str) -> Extraction:
    return Extraction(ExtractionStatus.UNREADABLE, fmt, reason=reason)


def _done(fmt: str, text: str, metadata: list[tuple[str, str]], pages: int | None = None) -> Extraction:
    status = ExtractionStatus.OK if text.strip() else ExtractionStatus.NO_TEXT
    meta = tuple((k, v.strip()) for k, v in metadata if v and v.strip())
    return Extraction(status, fmt, text, meta, None, pages)


def extract_text(name: str, data: bytes, media_type: str | None = None) -> Extraction:
    """The text and metadata of a bid file. Never raises: a file it cannot read comes back
    ``unreadable`` with the reason."""
    head = data[:1024]
    lower = name.lower()
    if b"%PDF-" in head:
        return _pdf(data)
    if data.startswith(b"PK\x03\x04"):
        return _docx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return _unreadable(None, "legacy_office_format")  # .doc/.wps: ask for .docx or PDF
    if lower.endswith(".txt") or (media_type or "").startswith("text/"):
        return _txt(data)
    return _unreadable(None, "unsupported_format")


def _txt(data: bytes) -> Extraction:
    text: str | None = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return _unreadable("txt", "bad_utf16")
    elif b"\x00" in data:
        return _unreadable("txt", "binary")
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        return _unreadable("txt", "unknown_encoding")
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f")
    if controls * 100 > len(text):
        return _unreadable("txt", "binary")
    return _done("txt", text, [])


def _pdf(data: bytes) -> Extraction:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and reader.decrypt("") is PasswordType.NOT_DECRYPTED:
                return _unreadable("pdf", "encrypted")
            pages = [page.extract_text() or "" for page in reader.pages]
            metadata: list[tuple[str, str]] = []
            info = reader.metadata
            if info is not None:
                for key, value in (
                    ("author", info.author),
                    ("creator", info.creator),
                    ("producer", info.producer),
                    ("title", info.title),
                    ("subject", info.subject),
                ):
                    if isinstance(value, str):
                        metadata.append((key, value))
    except Exception as exc:  # pypdf raises many kinds on broken files; a bad file must not crash the scan
        return _unreadable("pdf", f"broken_pdf:{type(exc).__name__}")
    return _done("pdf", "\n\f".join(pages), metadata, len(pages))


def _xml_events(raw: bytes) -> Iterable[tuple[str, ET.Element]]:
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise ValueError("a DTD is not allowed in Office XML")
    # No DTD, so no entity can expand: safe to parse with the standard library.
    return ET.iterparse(io.BytesIO(raw), events=("start", "end"))  # noqa: S314


def _docx_part_text(raw: bytes) -> str:
    out: list[str] = []
    for event, element in _xml_events(raw):
        tag = element.tag
        if event == "start":
            if tag == f"{_WP}docPr":
                for attribute in ("descr", "title"):
                    value = element.get(attribute)
                    if value:
                        out.append(f"\n{value}\n")
            continue
        if tag == f"{_W}t" and element.text:
            out.append(element.text)
        elif tag == f"{_W}tab":
            out.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr", f"{_W}p"):
            out.append("\n")
    return "".join(out)


def _docx_metadata(raw: bytes, fields: Mapping[str, str]) -> list[tuple[str, str]]:
    found = []
    for event, element in _xml_events(raw):
        if event == "end" and element.tag in fields and element.text:
            found.append((fields[element.tag], element.text))
    return found


def _docx(data: bytes) -> Extraction:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "word/document.xml" not in names:
                return _unreadable(None, "zip_not_docx")

            def read(part: str) -> bytes:
                if archive.getinfo(part).file_size > DOCX_PART_LIMIT:
                    raise ValueError(f"{part} is too large")
                return archive.read(part)

            others = sorted(n for n in names if _DOCX_TEXT_PARTS.fullmatch(n) and n != "word/document.xml")
            parts = ["word/document.xml", *others]
            text = "\n".join(_docx_part_text(read(p)) for p in parts)
            metadata: list[tuple[str, str]] = []
            if "docProps/core.xml" in names:
                metadata += _docx_metadata(read("docProps/core.xml"), _CORE_FIELDS)
            if "docProps/app.xml" in names:
                metadata += _docx_metadata(read("docProps/app.xml"), _APP_FIELDS)
    except Exception as exc:  # a broken archive or XML must not crash the scan
        return _unreadable("docx", f"broken_docx:{type(exc).__name__}")
    return _done("docx", text, metadata)


# ---------------------------------------------------------------------------- identifiers
@dataclass(frozen=True)
class BidderIdentifiers:
    """What identifies one bidder (for a consortium: every member)."""

    bid_id: str
    names: tuple[str, ...] = ()  # organisation names
    short_names: tuple[str, ...] = ()  # 简称, brands
    credit_codes: tuple[str, ...] = ()
    people: tuple[str, ...] = ()  # personnel named in the bid form
    phones: tuple[str, ...] = ()
    email_domains: tuple[str, ...] = ()
    certificates: tuple[str, ...] = ()  # certificate and registration numbers
    logo_texts: tuple[str, ...] = ()  # the text in the bidder's logos and trademarks


#: Bid-form keys under which people are named (docs/evaluation-methods.md).
PERSON_KEYS = (
    "project_manager",
    "technical_lead",
    "contact",
    "personnel",
    "key_staff",
    "legal_representative",
    "authorised_representative",
)
PHONE_KEYS = ("phone", "mobile", "telephone", "tel", "fax")
EMAIL_KEYS = ("email", "e_mail")
CERTIFICATE_KEYS = ("certificate_number", "certificate_no", "registration_number", "licence_number", "license_number")


def _walk(value: object, under_person: bool, found: dict[str, list[str]]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            k = str(key)
            if isinstance(item, str) and item.strip():
                if k == "name" and under_person:
                    found["people"].append(item.strip())
                elif k in PHONE_KEYS:
                    found["phones"].append(item.strip())
                elif k in EMAIL_KEYS and "@" in item:
                    found["email_domains"].append(item.strip().rsplit("@", 1)[1])
                elif k in CERTIFICATE_KEYS:
                    found["certificates"].append(item.strip())
            else:
                _walk(item, under_person or k in PERSON_KEYS, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _walk(item, under_person, found)


def with_form(identifiers: BidderIdentifiers, form: Mapping[str, Any] | None) -> BidderIdentifiers:
    """The identifiers plus the people, phone numbers, e-mail domains and certificate numbers the
    bid form names."""
    found: dict[str, list[str]] = {"people": [], "phones": [], "email_domains": [], "certificates": []}
    _walk(form or {}, False, found)

    def merged(old: tuple[str, ...], new: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*old, *new]))

    return replace(
        identifiers,
        people=merged(identifiers.people, found["people"]),
        phones=merged(identifiers.phones, found["phones"]),
        email_domains=merged(identifiers.email_domains, found["email_domains"]),
        certificates=merged(identifiers.certificates, found["certificates"]),
    )


# ---------------------------------------------------------------------------- normalisation
#: Characters dropped before matching, besides whitespace: zero-width marks, hyphens and
#: dashes, middle dots, underscores and brackets (after NFKC, full-width forms are ASCII).
_DROPPED = set(
    "\u200b\u200c\u200d\u2060\ufeff\u00ad-\u2010\u2011\u2012\u2013\u2014\u2015\u00b7\u30fb\u2022_()[]{}【】〔〕「」『』《》<>"
)


def _normal_char(c: str) -> str:
    return "".join(x for x in unicodedata.normalize("NFKC", c).casefold() if x not in _DROPPED and not x.isspace())


@dataclass(frozen=True)
class _Normalised:
    text: str
    starts: list[int]  # normalised positions where a segment starts
    origins: list[int]  # the original position of each segment's start
    fixed: list[bool]  # a segment of one original character (expanded or dropped) rather than a 1:1 run

    def original(self, position: int) -> int:
        i = bisect.bisect_right(self.starts, position) - 1
        if self.fixed[i]:
            return self.origins[i]
        return self.origins[i] + position - self.starts[i]


def normalise(text: str) -> str:
    """The form identifiers and texts are compared in."""
    return "".join(_normal_char(c) for c in text)


def _normalise_mapped(text: str) -> _Normalised:
    table: dict[int, str] = {}
    irregular: list[str] = []
    for c in set(text):
        mapped = _normal_char(c)
        table[ord(c)] = mapped
        if len(mapped) != 1:
            irregular.append(c)
    normalised = text.translate(table)
    starts, origins, fixed = [0], [0], [False]
    if irregular:
        pattern = re.compile("[" + "".join(re.escape(c) for c in sorted(irregular)) + "]")
        position = last = 0
        for match in pattern.finditer(text):
            i = match.start()
            position += i - last
            width = len(table[ord(text[i])])
            if width:
                starts.append(position)
                origins.append(i)
                fixed.append(True)
            position += width
            last = i + 1
            starts.append(position)
            origins.append(last)
            fixed.append(False)
    return _Normalised(normalised, starts, origins, fixed)


# ---------------------------------------------------------------------------- scanning
class FindingKind(StrEnum):
    NAME = "name"
    SHORT_NAME = "short_name"
    CREDIT_CODE = "credit_code"
    PERSON = "person"
    PHONE = "phone"
    EMAIL_DOMAIN = "email_domain"
    CERTIFICATE = "certificate"
    LOGO_TEXT = "logo_text"
    ANY_CREDIT_CODE = "any_credit_code"  # a valid credit code not among the bidders'
    ANY_PHONE = "any_phone"  # a mobile number not among the bidders'
    ANY_EMAIL = "any_email"  # an e-mail address whose domain is not among the bidders'


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    source: str  # "text", "file_name", "metadata:author", "manifest:author", …
    matched: str  # as written in the source
    term: str  # the identifier it matched, as given (or the pattern's hit)
    bid_id: str | None  # whose identifier it is; None for a pattern
    position: int  # in the source
    end: int
    context: str

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "source": self.source,
            "matched": self.matched,
            "term": self.term,
            "bid_id": self.bid_id,
            "position": self.position,
            "end": self.end,
            "context": self.context,
        }


#: Identifiers shorter than this (after normalisation) are not searched: they would match everywhere.
MIN_TERM_LENGTH = 2

_PHONE = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")
_EMAIL = re.compile(r"[a-z0-9.%+]+@([a-z0-9.]+\.[a-z]{2,})")
_CREDIT = re.compile(r"(?<![0-9a-z])[0-9a-z]{18}(?![0-9a-z])")


@dataclass(frozen=True)
class _Term:
    normalised: str
    kind: FindingKind
    term: str
    bid_id: str


def _terms(identifiers: Sequence[BidderIdentifiers]) -> list[_Term]:
    terms: dict[tuple[str, str], _Term] = {}
    for ids in identifiers:
        groups = (
            (FindingKind.NAME, ids.names),
            (FindingKind.CREDIT_CODE, ids.credit_codes),
            (FindingKind.CERTIFICATE, ids.certificates),
            (FindingKind.PHONE, ids.phones),
            (FindingKind.EMAIL_DOMAIN, ids.email_domains),
            (FindingKind.LOGO_TEXT, ids.logo_texts),
            (FindingKind.SHORT_NAME, ids.short_names),
            (FindingKind.PERSON, ids.people),
        )
        for kind, values in groups:
            for value in values:
                n = normalise(value)
                if kind is FindingKind.PHONE:
                    n = "".join(c for c in n if c.isdigit())
                if len(n) >= MIN_TERM_LENGTH and (n, ids.bid_id) not in terms:
                    terms[(n, ids.bid_id)] = _Term(n, kind, value, ids.bid_id)
    return list(terms.values())


def _context(text: str, start: int, end: int, width: int) -> str:
    return " ".join(text[max(0, start - width) : end + width].split())


def scan_text(
    text: str,
    identifiers: Sequence[BidderIdentifiers],
    *,
    source: str = "text",
    patterns: bool = True,
    context_chars: int = 20,
) -> list[Finding]:
    """Identifying content in ``text``: every bidder's identifiers, and (with ``patterns``) any
    valid credit code, mobile number or e-mail address. Where matches overlap, the longest
    wins, and a bidder's own identifier wins over a pattern."""
    norm = _normalise_mapped(text)
    hits: list[tuple[int, int, int, FindingKind, str, str | None]] = []  # start, end, generic, kind, term, bid
    known = set()
    for t in _terms(identifiers):
        known.add(t.normalised)
        start = norm.text.find(t.normalised)
        while start >= 0:
            hits.append((start, start + len(t.normalised), 0, t.kind, t.term, t.bid_id))
            start = norm.text.find(t.normalised, start + 1)
    if patterns:
        for m in _PHONE.finditer(norm.text):
            if m.group(1) not in known:
                hits.append((m.start(), m.end(), 1, FindingKind.ANY_PHONE, m.group(1), None))
        for m in _EMAIL.finditer(norm.text):
            if m.group(1) not in known:
                hits.append((m.start(), m.end(), 1, FindingKind.ANY_EMAIL, m.group(0), None))
        for m in _CREDIT.finditer(norm.text):
            code = m.group(0).upper()
            valid = all(c in CREDIT_CODE_ALPHABET for c in code) and check_character(code[:17]) == code[17]
            if valid and m.group(0) not in known:
                hits.append((m.start(), m.end(), 1, FindingKind.ANY_CREDIT_CODE, code, None))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0]), h[2]))
    findings: list[Finding] = []
    reach = -1
    for start, end, _generic, kind, term, bid_id in hits:
        if end <= reach:
            continue
        reach = max(reach, end)
        first, last = norm.original(start), norm.original(end - 1) + 1
        findings.append(
            Finding(
                kind, source, text[first:last], term, bid_id, first, last, _context(text, first, last, context_chars)
            )
        )
    return findings


@dataclass(frozen=True)
class FileScan:
    """One technical file: what could be read of it, and what in it identifies a bidder."""

    name: str
    status: ExtractionStatus
    format: str | None
    reason: str | None
    pages: int | None
    findings: tuple[Finding, ...]

    @property
    def clean(self) -> bool:
        """Read, and nothing identifying found."""
        return self.status is ExtractionStatus.OK and not self.findings

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": str(self.status),
            "format": self.format,
            "reason": self.reason,
            "pages": self.pages,
            "clean": self.clean,
            "findings": [f.as_json() for f in self.findings],
        }


MANIFEST_METADATA = ("author", "creator", "company", "last_modified_by")


def scan_file(
    name: str,
    data: bytes,
    identifiers: Sequence[BidderIdentifiers],
    *,
    media_type: str | None = None,
    manifest_entry: Mapping[str, Any] | None = None,
) -> FileScan:
    """Extract and scan one file of an anonymised part: its text, its own metadata (author,
    company, …), its name, and the metadata the bid tool recorded in the manifest."""
    extraction = extract_text(name, data, media_type)
    findings: list[Finding] = list(scan_text(extraction.text, identifiers)) if extraction.text else []
    for key, value in extraction.metadata:
        findings += scan_text(value, identifiers, source=f"metadata:{key}")
    findings += scan_text(name, identifiers, source="file_name")
    for key in MANIFEST_METADATA:
        recorded = (manifest_entry or {}).get(key)
        if isinstance(recorded, str) and recorded.strip():
            findings += scan_text(recorded, identifiers, source=f"manifest:{key}")
    return FileScan(name, extraction.status, extraction.format, extraction.reason, extraction.pages, tuple(findings))

"""The structure of a public document, as frozen dataclasses that the rooms fill.

A :class:`Document` is a title, an optional subtitle and metadata lines, then a body of
blocks: :class:`Heading`, :class:`Paragraph`, :class:`Table` and :class:`SignatureBlock`. It
holds plain text only (no markup): the renderer (:mod:`sunbid.disclosure.pdf`) lays it out.

A document is data: :meth:`Document.as_json` and :func:`document_from_json` convert it to and
from JSON, and :func:`document_digest` hashes its RFC 8785 canonical form. The same document
always renders to the same bytes, so a PDF can be made again from signed JSON and compared by
its hash. Every page's footer shows ``Document.digest`` (the digest of the data the document
presents, such as an opening record's hash in the ledger) or, without one, the document's own.

Building a document never imports the renderer, so a room can fill one without loading
reportlab. Bad structure is a programming error in a room and raises ``ValueError``; bad JSON
from outside is refused by :func:`document_from_json` with ``document_invalid``.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sunbid.crypto.jcs import canonicalize
from sunbid.kernel.errors import DomainError

#: The format name in a document's JSON.
FORMAT = "sunbid-document/1"
#: Heading levels: 1 (一、…), 2 and 3.
HEADING_LEVELS = (1, 2, 3)
_HEX_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


class Orientation(StrEnum):
    PORTRAIT = "portrait"
    LANDSCAPE = "landscape"


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} has a lone surrogate, which is no character") from None
    return value


def _texts(values: Iterable[object], what: str) -> tuple[str, ...]:
    if isinstance(values, str):
        raise ValueError(f"{what} must be a sequence of texts, not one text")
    return tuple(_text(v, what) for v in values)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1

    def __post_init__(self) -> None:
        if not _text(self.text, "a heading").strip():
            raise ValueError("a heading needs text")
        if isinstance(self.level, bool) or self.level not in HEADING_LEVELS:
            raise ValueError(f"a heading's level is one of {HEADING_LEVELS}, not {self.level!r}")


@dataclass(frozen=True)
class Paragraph:
    """Text that wraps; a newline starts a new line. ``note`` sets it smaller, as an annotation."""

    text: str
    note: bool = False

    def __post_init__(self) -> None:
        _text(self.text, "a paragraph")


@dataclass(frozen=True)
class Table:
    """Header rows (repeated on every page the table runs to) and body rows of text cells that
    wrap. ``widths`` are relative column widths (equal by default) and ``align`` each column's
    alignment (left by default; right suits amounts)."""

    header: tuple[tuple[str, ...], ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()
    align: tuple[Align, ...] = ()
    caption: str = ""

    def __post_init__(self) -> None:
        header = tuple(_texts(r, "a header cell") for r in self.header)
        rows = tuple(_texts(r, "a table cell") for r in self.rows)
        object.__setattr__(self, "header", header)
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "widths", tuple(self.widths))
        object.__setattr__(self, "align", tuple(Align(a) for a in self.align))
        _text(self.caption, "a caption")
        if not header:
            raise ValueError("a table needs at least one header row")
        columns = len(header[0])
        if columns == 0:
            raise ValueError("a table needs at least one column")
        for number, row in enumerate((*header, *rows), start=1):
            if len(row) != columns:
                raise ValueError(f"row {number} has {len(row)} cells; the table has {columns} columns")
        if self.widths and len(self.widths) != columns:
            raise ValueError(f"{len(self.widths)} widths for {columns} columns")
        if any(
            isinstance(w, bool) or not isinstance(w, int | float) or not (w > 0 and math.isfinite(w))
            for w in self.widths
        ):
            raise ValueError("column widths are positive finite numbers")
        if self.align and len(self.align) != columns:
            raise ValueError(f"{len(self.align)} alignments for {columns} columns")

    @property
    def columns(self) -> int:
        return len(self.header[0])


@dataclass(frozen=True)
class Signature:
    """One signatory. A blank ``name`` or ``signed_at`` leaves a line to sign or date by hand;
    ``detail`` is printed small under it (an electronic signature's certificate, say)."""

    role: str
    name: str = ""
    signed_at: str = ""
    detail: str = ""

    def __post_init__(self) -> None:
        if not _text(self.role, "a signatory's role").strip():
            raise ValueError("a signature needs the signatory's role")
        for what in ("name", "signed_at", "detail"):
            _text(getattr(self, what), f"a signature's {what}")


@dataclass(frozen=True)
class SignatureBlock:
    signatures: tuple[Signature, ...]
    statement: str = ""  # printed above the signatures, e.g. 以上记录经核对无误

    def __post_init__(self) -> None:
        signatures = tuple(self.signatures)
        if not signatures or not all(isinstance(s, Signature) for s in signatures):
            raise ValueError("a signature block holds one or more signatures")
        object.__setattr__(self, "signatures", signatures)
        _text(self.statement, "a signature block's statement")


Block = Heading | Paragraph | Table | SignatureBlock
_BLOCKS = (Heading, Paragraph, Table, SignatureBlock)


@dataclass(frozen=True)
class Document:
    """A public document. ``metadata`` are (label, value) lines under the title; ``footer`` is
    printed on every page beside the page numbers; ``digest`` (64 lower-case hex digits) is the
    digest of the data the document presents, shown in every footer under ``digest_label``."""

    title: str
    body: tuple[Block, ...] = ()
    subtitle: str = ""
    metadata: tuple[tuple[str, str], ...] = ()
    footer: str = ""
    digest: str | None = None
    digest_label: str = "SHA-256"
    author: str = ""
    orientation: Orientation = Orientation.PORTRAIT

    def __post_init__(self) -> None:
        if not _text(self.title, "a title").strip():
            raise ValueError("a document needs a title")
        body = tuple(self.body)
        if not all(isinstance(b, _BLOCKS) for b in body):
            raise ValueError("a document's body holds headings, paragraphs, tables and signature blocks")
        metadata = tuple(tuple(_texts(line, "a metadata line")) for line in self.metadata)
        if any(len(line) != 2 for line in metadata):
            raise ValueError("a metadata line is a (label, value) pair")
        for what in ("subtitle", "footer", "digest_label", "author"):
            _text(getattr(self, what), what)
        if self.digest is not None and not _HEX_DIGEST.match(_text(self.digest, "digest")):
            raise ValueError("a digest is 64 lower-case hex digits")
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "metadata", metadata)
        object.__setattr__(self, "orientation", Orientation(self.orientation))

    def as_json(self) -> dict[str, Any]:
        """The document as JSON (format ``sunbid-document/1``)."""
        return {
            "format": FORMAT,
            "title": self.title,
            "subtitle": self.subtitle,
            "metadata": [list(line) for line in self.metadata],
            "body": [_block_json(b) for b in self.body],
            "footer": self.footer,
            "digest": self.digest,
            "digest_label": self.digest_label,
            "author": self.author,
            "orientation": str(self.orientation),
        }

    @property
    def shown_digest(self) -> str:
        """The digest every footer shows: ``digest``, or the document's own."""
        return self.digest if self.digest is not None else document_digest(self)


def document_digest(document: Document) -> str:
    """SHA-256 of the RFC 8785 canonical form of the document's JSON."""
    return hashlib.sha256(canonicalize(document.as_json())).hexdigest()


def _block_json(block: Block) -> dict[str, Any]:
    if isinstance(block, Heading):
        return {"type": "heading", "text": block.text, "level": block.level}
    if isinstance(block, Paragraph):
        return {"type": "paragraph", "text": block.text, "note": block.note}
    if isinstance(block, Table):
        return {
            "type": "table",
            "header": [list(r) for r in block.header],
            "rows": [list(r) for r in block.rows],
            "widths": list(block.widths),
            "align": [str(a) for a in block.align],
            "caption": block.caption,
        }
    return {
        "type": "signatures",
        "statement": block.statement,
        "signatures": [
            {"role": s.role, "name": s.name, "signed_at": s.signed_at, "detail": s.detail} for s in block.signatures
        ],
    }


# ---------------------------------------------------------------------------- from JSON
def document_from_json(data: object) -> Document:
    """A document from its JSON (:meth:`Document.as_json`); refuses anything else with
    ``document_invalid``."""
    try:
        return _document(data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise DomainError(
            "document_invalid",
            f"文档 JSON 格式不正确：{exc}",
            f"The document JSON is not valid: {exc}",
        ) from None


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} must be an object")
    return value


def _sequence(value: object, what: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{what} must be an array")
    return value


def _document(data: object) -> Document:
    doc = _mapping(data, "the document")
    if doc.get("format") != FORMAT:
        raise ValueError(f"format must be {FORMAT!r}")
    digest = doc.get("digest")
    return Document(
        title=doc["title"],
        subtitle=doc.get("subtitle", ""),
        metadata=tuple(_pair(line) for line in _sequence(doc.get("metadata", []), "metadata")),
        body=tuple(_block(b) for b in _sequence(doc.get("body", []), "body")),
        footer=doc.get("footer", ""),
        digest=digest,
        digest_label=doc.get("digest_label", "SHA-256"),
        author=doc.get("author", ""),
        orientation=Orientation(doc.get("orientation", "portrait")),
    )


def _pair(value: object) -> tuple[str, str]:
    line = _sequence(value, "a metadata line")
    if len(line) != 2:
        raise ValueError("a metadata line is a (label, value) pair")
    return _text(line[0], "a metadata label"), _text(line[1], "a metadata value")


def _width(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("a column width is a number")
    return value


def _block(data: object) -> Block:
    block = _mapping(data, "a block")
    kind = block.get("type")
    if kind == "heading":
        level = block.get("level", 1)
        if not isinstance(level, int):
            raise ValueError("a heading's level is an integer")
        return Heading(block["text"], level)
    if kind == "paragraph":
        note = block.get("note", False)
        if not isinstance(note, bool):
            raise ValueError("a paragraph's note is true or false")
        return Paragraph(block["text"], note)
    if kind == "table":
        return Table(
            header=tuple(tuple(_sequence(r, "a header row")) for r in _sequence(block["header"], "header")),
            rows=tuple(tuple(_sequence(r, "a row")) for r in _sequence(block["rows"], "rows")),
            widths=tuple(_width(w) for w in _sequence(block.get("widths", []), "widths")),
            align=tuple(Align(a) for a in _sequence(block.get("align", []), "align")),
            caption=block.get("caption", ""),
        )
    if kind == "signatures":
        return SignatureBlock(
            signatures=tuple(
                Signature(**_mapping(s, "a signature")) for s in _sequence(block["signatures"], "signatures")
            ),
            statement=block.get("statement", ""),
        )
    raise ValueError(f"unknown block type {kind!r}")

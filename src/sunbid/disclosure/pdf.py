"""Render a :class:`~sunbid.disclosure.document.Document` to PDF.

- **Chinese text** is set in the CID font ``STSong-Light`` (a standard font of the PDF viewers'
  Chinese font packs, referenced by name and not embedded, so no font file is needed);
  printable ASCII runs are set in Helvetica. Text wraps between any two characters, as Chinese
  text does, so long numbers and digests wrap in narrow cells too. Characters outside the
  Adobe-GB1 character collection (rare characters, emoji) have no glyph.
- **Layout**: A4, portrait or landscape. The title and subtitle are centred, the metadata
  lines follow, then the body. Headings become the PDF's outline (bookmarks). Tables repeat
  their header rows on every page they run to, and a row taller than a page splits. A
  signature block is kept on one page. Every page's footer has the document's footer text, its
  digest and "第 n 页 / 共 m 页".
- **Deterministic**: the PDF has no creation time and no random identifier (reportlab's
  ``invariant`` mode), so the same document always gives the same bytes, and a PDF can be made
  again from the signed JSON and compared by hash.

:func:`render_pdf` is the only entry point; the document classes are re-exported here.
"""

from __future__ import annotations

import io
import re
import threading
from functools import partial
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Spacer, TableStyle
from reportlab.platypus import Paragraph as Para
from reportlab.platypus import Table as Grid

from sunbid.disclosure.document import (
    Align,
    Block,
    Document,
    Heading,
    Orientation,
    Paragraph,
    Signature,
    SignatureBlock,
    Table,
    document_digest,
    document_from_json,
)

__all__ = [
    "Align",
    "Block",
    "Document",
    "Heading",
    "Orientation",
    "Paragraph",
    "Signature",
    "SignatureBlock",
    "Table",
    "document_digest",
    "document_from_json",
    "render_pdf",
]

CJK_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"
MARGIN = 18 * mm
FOOTER_SPACE = 16 * mm
_LATIN_RUN = re.compile(r"[\x20-\x7e]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ALIGN = {Align.LEFT: TA_LEFT, Align.CENTER: TA_CENTER, Align.RIGHT: TA_RIGHT}
_RULE = colors.HexColor("#808080")
_HEADER_FILL = colors.HexColor("#e8e8e8")
_STRIPE_FILL = colors.HexColor("#f6f6f6")
_NOTE_COLOUR = colors.HexColor("#404040")
_fonts_lock = threading.Lock()
_fonts_ready = False
#: One rendering at a time: reportlab keeps some module state, and rendering holds the GIL anyway.
_render_lock = threading.Lock()


def _register_fonts() -> None:
    global _fonts_ready
    with _fonts_lock:
        if not _fonts_ready:
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
            _fonts_ready = True


def markup(text: str) -> str:
    """reportlab paragraph markup for plain text: escaped, ASCII runs in Helvetica, newlines
    as line breaks, other control characters as spaces."""
    lines = []
    for line in _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\t", " ")).split("\n"):
        parts, at = [], 0
        for run in _LATIN_RUN.finditer(line):
            parts.append(escape(line[at : run.start()]))
            parts.append(f'<font face="{LATIN_FONT}">{escape(run.group())}</font>')
            at = run.end()
        parts.append(escape(line[at:]))
        lines.append("".join(parts))
    return "<br/>".join(lines)


def _style(name: str, size: float, *, leading: float | None = None, **extra: Any) -> ParagraphStyle:
    return ParagraphStyle(
        name, fontName=CJK_FONT, fontSize=size, leading=leading or size * 1.5, wordWrap="CJK", **extra
    )


class _Styles:
    def __init__(self) -> None:
        self.title = _style("title", 18, leading=26, alignment=TA_CENTER, spaceAfter=4)
        self.subtitle = _style("subtitle", 12, leading=18, alignment=TA_CENTER, spaceAfter=8)
        self.meta = _style("meta", 9.5, leading=14)
        self.headings = {
            1: _style("h1", 14, leading=20, spaceBefore=10, spaceAfter=6, keepWithNext=1),
            2: _style("h2", 12, leading=17, spaceBefore=8, spaceAfter=4, keepWithNext=1),
            3: _style("h3", 10.5, leading=15, spaceBefore=6, spaceAfter=3, keepWithNext=1),
        }
        self.body = _style("body", 10.5, leading=16, spaceAfter=4)
        self.note = _style("note", 8.5, leading=12, spaceAfter=4, textColor=_NOTE_COLOUR)
        self.caption = _style("caption", 9, leading=13, spaceBefore=4, spaceAfter=2)
        self.cells = {a: _style(f"cell-{a}", 9, leading=12, alignment=_ALIGN[a]) for a in Align}
        self.footer = _style("footer", 7.5, leading=10, textColor=_NOTE_COLOUR)
        self.footer_right = _style("footer-right", 7.5, leading=10, alignment=TA_RIGHT, textColor=_NOTE_COLOUR)


class _HeadingPara(Para):
    """A heading paragraph: where it is drawn, it enters the outline."""

    def __init__(self, heading: Heading, style: ParagraphStyle) -> None:
        super().__init__(markup(heading.text), style)
        self._outline = (" ".join(heading.text.split()), heading.level)

    def draw(self) -> None:
        if isinstance(self.canv, _PagedCanvas):
            _, top = self.canv.absolutePosition(0, self.height)
            self.canv.add_heading(*self._outline, top=top)
        super().draw()


class _Template(BaseDocTemplate):
    def __init__(self, buffer: io.BytesIO, document: Document) -> None:
        super().__init__(
            buffer,
            pagesize=_pagesize(document),
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN + FOOTER_SPACE,
            title=document.title,
            subject=document.subtitle,
            author=document.author,
            creator="sunbid",
            producer="sunbid (ReportLab)",
            lang="zh-CN",
            invariant=1,
        )
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body", showBoundary=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])


def _pagesize(document: Document) -> tuple[float, float]:
    return landscape(A4) if document.orientation is Orientation.LANDSCAPE else A4


class _PagedCanvas(Canvas):
    """Holds every page until the end, then draws each footer with the number of pages.

    The pages reach the PDF only then, so the outline's bookmarks are set then too (a bookmark
    names the page being written)."""

    def __init__(self, *args: Any, document: Document, styles: _Styles, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[dict[str, Any]] = []
        self._marks: list[tuple[str, float]] = []
        self._levels: list[int] = []
        self._document = document
        self._styles = styles
        self._width = _pagesize(document)[0]
        self._digest_line = markup(f"{document.digest_label}: {document.shown_digest}")

    def add_heading(self, text: str, level: int, *, top: float) -> None:
        """An outline entry for a heading drawn on this page, ``top`` points from its bottom."""
        # An outline cannot skip a level: a level-3 heading under a level-1 one hangs at level 2.
        depth = min(level - 1, self._levels[-1] + 1 if self._levels else 0)
        self._levels.append(depth)
        key = f"h{len(self._levels)}"
        self._marks.append((key, top))
        self.addOutlineEntry(text, key, level=depth, closed=False)

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._held.append(dict(self.__dict__))
        self._marks = []
        Canvas._startPage(self)  # type: ignore[attr-defined]

    def save(self) -> None:
        total = len(self._held)
        for page in self._held:
            self.__dict__.update(page)
            for key, top in page["_marks"]:
                self.bookmarkPage(key, fit="FitH", top=top)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        width = self._width
        inner = width - 2 * MARGIN
        top = MARGIN + FOOTER_SPACE - 4 * mm
        self.saveState()
        self.setStrokeColor(_RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN, top, width - MARGIN, top)
        self.restoreState()
        numbers = Para(markup(f"第 {self.getPageNumber()} 页 / 共 {total} 页"), self._styles.footer_right)
        _, number_height = numbers.wrap(30 * mm, FOOTER_SPACE)
        numbers.drawOn(self, width - MARGIN - 30 * mm, top - 2 - number_height)
        text = self._document.footer or self._document.title
        left = Para(f"{markup(text)}<br/>{self._digest_line}", self._styles.footer)
        _, left_height = left.wrap(inner - 34 * mm, FOOTER_SPACE)
        left.drawOn(self, MARGIN, top - 2 - left_height)


def render_pdf(document: Document) -> bytes:
    """The document as PDF bytes: the same document always gives the same bytes."""
    _register_fonts()
    styles = _Styles()
    buffer = io.BytesIO()
    template = _Template(buffer, document)
    story: list[Flowable] = [Para(markup(document.title), styles.title)]
    if document.subtitle:
        story.append(Para(markup(document.subtitle), styles.subtitle))
    if document.metadata:
        story.append(_metadata(document.metadata, styles, template.width))
        story.append(Spacer(1, 4 * mm))
    for block in document.body:
        story.extend(_flowables(block, styles, template.width))
    with _render_lock:
        template.build(story, canvasmaker=partial(_PagedCanvas, document=document, styles=styles))
    return buffer.getvalue()


def _metadata(lines: tuple[tuple[str, str], ...], styles: _Styles, width: float) -> Flowable:
    label_width = min(40 * mm, width * 0.3)
    grid = Grid(
        [[Para(markup(f"{label}："), styles.meta), Para(markup(value), styles.meta)] for label, value in lines],
        colWidths=[label_width, width - label_width],
        hAlign="LEFT",
    )
    grid.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return grid


def _flowables(block: Block, styles: _Styles, width: float) -> list[Flowable]:
    if isinstance(block, Heading):
        return [_HeadingPara(block, styles.headings[block.level])]
    if isinstance(block, Paragraph):
        return [Para(markup(block.text), styles.note if block.note else styles.body)]
    if isinstance(block, Table):
        return _table(block, styles, width)
    return [_signatures(block, styles, width)]


def _table(table: Table, styles: _Styles, width: float) -> list[Flowable]:
    weights = table.widths or (1.0,) * table.columns
    total = float(sum(weights))
    aligns = table.align or (Align.LEFT,) * table.columns
    header = [[Para(markup(cell), styles.cells[Align.CENTER]) for cell in row] for row in table.header]
    rows = [[Para(markup(cell), styles.cells[a]) for cell, a in zip(row, aligns, strict=True)] for row in table.rows]
    heading_rows = len(header)
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.5, _RULE),
        ("BACKGROUND", (0, 0), (-1, heading_rows - 1), _HEADER_FILL),
        ("VALIGN", (0, 0), (-1, heading_rows - 1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if rows:
        commands.append(("ROWBACKGROUNDS", (0, heading_rows), (-1, -1), [colors.white, _STRIPE_FILL]))
    grid = Grid(
        header + rows,
        colWidths=[width * w / total for w in weights],
        repeatRows=heading_rows,
        splitInRow=1,
        hAlign="LEFT",
        spaceBefore=2,
        spaceAfter=6,
    )
    grid.setStyle(TableStyle(commands))
    return [Para(markup(table.caption), styles.caption), grid] if table.caption else [grid]


def _signature_cell(signature: Signature, styles: _Styles) -> list[Flowable]:
    blank = "________________"
    cell: list[Flowable] = [
        Para(markup(f"{signature.role}：{signature.name or blank}"), styles.body),
        Para(markup(f"日期：{signature.signed_at or blank}"), styles.body),
    ]
    if signature.detail:
        cell.append(Para(markup(signature.detail), styles.note))
    return cell


def _signatures(block: SignatureBlock, styles: _Styles, width: float) -> Flowable:
    columns = 1 if len(block.signatures) == 1 else 2
    cells = [_signature_cell(s, styles) for s in block.signatures]
    if len(cells) % columns:
        cells.append([])
    grid = Grid(
        [cells[i : i + columns] for i in range(0, len(cells), columns)],
        colWidths=[width / columns] * columns,
        hAlign="LEFT",
    )
    grid.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    parts: list[Flowable] = [Spacer(1, 4 * mm)]
    if block.statement:
        parts.append(Para(markup(block.statement), styles.body))
    parts.append(grid)
    return KeepTogether(parts)

"""Bid files made in the test: a PDF with Chinese text (a Type0 font with a ToUnicode map, as
office suites write them) and a .docx (the Office Open XML parts), each with metadata."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape


def _utf16(text: str) -> str:
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def pdf(pages: list[list[str]], *, author: str | None = None, title: str | None = None) -> bytes:
    """A PDF whose pages hold the given lines. Glyph ids are the characters' code points, and
    the ToUnicode map says so, so any reader can extract the text."""
    chars = sorted({c for page in pages for line in page for c in line})
    cmap_lines = []
    for i in range(0, len(chars), 100):
        block = chars[i : i + 100]
        cmap_lines.append(f"{len(block)} beginbfchar")
        cmap_lines += [f"<{ord(c):04X}> <{ord(c):04X}>" for c in block]
        cmap_lines.append("endbfchar")
    cmap = "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<0000> <FFFF>",
            "endcodespacerange",
            *cmap_lines,
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    ).encode()
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(data: bytes) -> bytes:
        return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"

    catalog = add(b"")  # filled in below
    pages_obj = add(b"")
    descriptor = add(
        b"<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -120 1000 880] /ItalicAngle 0 "
        b"/Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>"
    )
    descendant = add(
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe) "
        b"/Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW 1000 >>" % descriptor
    )
    to_unicode = add(stream(cmap))
    font = add(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [%d 0 R] "
        b"/ToUnicode %d 0 R >>" % (descendant, to_unicode)
    )
    kids = []
    for lines in pages:
        ops = ["BT /F1 12 Tf 14 TL 50 800 Td"]
        for line in lines:
            ops.append("<" + "".join(f"{ord(c):04X}" for c in line) + "> Tj T*")
        ops.append("ET")
        content = add(stream("\n".join(ops).encode()))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 %d 0 R >> >> "
                b"/Contents %d 0 R >>" % (pages_obj, font, content)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objects[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    info_fields = []
    if author is not None:
        info_fields.append(f"/Author {_utf16(author)}")
    if title is not None:
        info_fields.append(f"/Title {_utf16(title)}")
    info = add(("<< " + " ".join(info_fields) + " >>").encode())
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\n" % (len(objects) + 1, catalog, info))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"


def _paragraphs(paragraphs: list[str]) -> str:
    out = []
    for p in paragraphs:
        runs = []
        for i, piece in enumerate(p.split("\t")):
            if i:
                runs.append("<w:r><w:tab/></w:r>")
            runs.append(f'<w:r><w:t xml:space="preserve">{escape(piece)}</w:t></w:r>')
        out.append("<w:p>" + "".join(runs) + "</w:p>")
    return "".join(out)


def docx(
    paragraphs: list[str],
    *,
    header: str | None = None,
    picture_description: str | None = None,
    author: str | None = None,
    company: str | None = None,
    extra_document_xml: str = "",
) -> bytes:
    picture = ""
    if picture_description is not None:
        picture = (
            f'<w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="图片 1" descr="{escape(picture_description)}"/>'
            "</wp:inline></w:drawing></w:r></w:p>"
        )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{extra_document_xml}'
        f'<w:document xmlns:w="{W}" xmlns:wp="{WP}"><w:body>{_paragraphs(paragraphs)}{picture}</w:body></w:document>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", document)
        if header is not None:
            z.writestr("word/header1.xml", f'<w:hdr xmlns:w="{W}">{_paragraphs([header])}</w:hdr>')
        if author is not None:
            z.writestr(
                "docProps/core.xml",
                '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>{escape(author)}</dc:creator>'
                f"<cp:lastModifiedBy>{escape(author)}</cp:lastModifiedBy></cp:coreProperties>",
            )
        if company is not None:
            z.writestr(
                "docProps/app.xml",
                '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
                f"<Company>{escape(company)}</Company><Application>WPS Office</Application></Properties>",
            )
    return buffer.getvalue()

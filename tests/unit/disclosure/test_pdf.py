"""Public documents to PDF: Chinese text that can be extracted again, tables that run across
pages with their header, a footer with page numbers and the digest, and byte-identical output."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import replace
from typing import Any

import pypdf
import pytest

from sunbid.disclosure.document import FORMAT
from sunbid.disclosure.pdf import (
    Align,
    Document,
    Heading,
    Orientation,
    Paragraph,
    Signature,
    SignatureBlock,
    Table,
    document_digest,
    document_from_json,
    markup,
    render_pdf,
)
from sunbid.kernel.errors import DomainError

HEADER = ("序号", "投标人", "投标报价（元）", "解密情况")


def bidder(i: int) -> str:
    return f"南京市第{i}建设工程有限公司"


def long_document(rows: int = 200, **changes: Any) -> Document:
    doc = Document(
        title="开标记录",
        subtitle="南京市江北新区第一中学新建工程施工",
        metadata=(("项目编号", "ZB2026112838B14KWSDF"), ("招标人", "南京市江北新区教育局")),
        body=(
            Heading("一、开标情况"),
            Paragraph("本项目共收到投标文件二百份，现场宣读如下。"),
            Heading("标段 A：土建", 2),
            Table(
                header=(HEADER,),
                rows=tuple((str(i), bidder(i), f"{11_000_000 + i * 1000:,.2f}", "已解密") for i in range(1, rows + 1)),
                widths=(1, 6, 3, 3),
                align=(Align.CENTER, Align.LEFT, Align.RIGHT, Align.LEFT),
                caption="表一 投标报价一览",
            ),
            Heading("二、异议及答复"),
            Paragraph("开标过程中，投标人未提出异议。"),
            SignatureBlock(
                (
                    Signature("招标人代表"),
                    Signature("电子交易平台", "sunbid 平台", "2026-12-14 13:05:00", "证书指纹 ab12"),
                ),
                "以上记录经核对无误。",
            ),
        ),
        footer="ZB2026112838B14KWSDF 开标记录",
        author="江苏阳光招标代理有限公司",
    )
    return replace(doc, **changes) if changes else doc


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def long_pdf() -> bytes:
    return render_pdf(long_document())


@pytest.fixture(scope="module")
def long_pages(long_pdf: bytes) -> list[str]:
    return pages_text(long_pdf)


# ---------------------------------------------------------------------------- a valid PDF
def test_a_document_renders_to_a_pdf_that_a_reader_opens(long_pdf: bytes) -> None:
    assert long_pdf.startswith(b"%PDF-1.")
    assert long_pdf.rstrip().endswith(b"%%EOF")
    reader = pypdf.PdfReader(io.BytesIO(long_pdf), strict=True)
    assert len(reader.pages) > 1
    assert reader.metadata is not None
    assert reader.metadata.title == "开标记录"
    assert reader.metadata.author == "江苏阳光招标代理有限公司"


def test_the_chinese_text_can_be_extracted_again(long_pages: list[str]) -> None:
    text = "".join(long_pages)
    for expected in (
        "开标记录",
        "南京市江北新区第一中学新建工程施工",
        "一、开标情况",
        "标段 A：土建",
        "本项目共收到投标文件二百份，现场宣读如下。",
        "二、异议及答复",
        "项目编号",
        "ZB2026112838B14KWSDF",
        bidder(1),
        bidder(200),
        "11,200,000.00",
        "以上记录经核对无误。",
    ):
        assert expected in text, expected


def test_the_same_document_gives_the_same_bytes(long_pdf: bytes) -> None:
    assert render_pdf(long_document()) == long_pdf
    assert b"D:20000101000000" in long_pdf  # no creation time: reportlab's invariant mode


def test_a_document_made_again_from_its_json_gives_the_same_bytes(long_pdf: bytes) -> None:
    again = document_from_json(long_document().as_json())
    assert again == long_document()
    assert hashlib.sha256(render_pdf(again)).hexdigest() == hashlib.sha256(long_pdf).hexdigest()


def test_a_changed_cell_gives_other_bytes(long_pdf: bytes) -> None:
    doc = long_document()
    table = doc.body[3]
    assert isinstance(table, Table)
    rows = (*table.rows[:-1], ("200", bidder(200), "11,200,000.01", "已解密"))
    changed = replace(doc, body=(*doc.body[:3], replace(table, rows=rows), *doc.body[4:]))
    assert render_pdf(changed) != long_pdf


# ---------------------------------------------------------------------------- tables across pages
def test_a_long_table_breaks_across_pages_and_repeats_its_header(long_pages: list[str]) -> None:
    with_rows = [i for i, text in enumerate(long_pages) if bidder(1) in text or "建设工程有限公司" in text]
    assert len(with_rows) >= 3
    for i in with_rows:
        assert "投标报价（元）" in long_pages[i], f"page {i + 1} has rows but no header"
    first = next(i for i, text in enumerate(long_pages) if f"{bidder(1)}\n" in text + "\n")
    last = next(i for i, text in enumerate(long_pages) if bidder(200) in text)
    assert last > first


def test_every_row_of_a_long_table_appears_once(long_pages: list[str]) -> None:
    text = "\n".join(long_pages)
    for i in (1, 2, 99, 100, 101, 199, 200):
        assert len(re.findall(rf"第{i}建设工程有限公司", text)) == 1, i


def test_a_cell_taller_than_a_page_splits_instead_of_failing() -> None:
    tall = "招标文件澄清内容" * 900
    doc = Document(
        title="长单元格",
        body=(Table(header=(("事项", "内容"),), rows=(("澄清", tall), ("其他", "无")), widths=(1, 5)),),
    )
    pages = pages_text(render_pdf(doc))
    assert len(pages) >= 2
    # Every character of the cell is there once (a phrase may break at a page's end).
    assert sum(text.count("招") for text in pages) == 900
    assert all(text.count("招") < 900 for text in pages)


def test_a_table_with_only_a_header_renders() -> None:
    doc = Document(title="空表", body=(Table(header=(("序号", "投标人"),), rows=()),))
    assert "投标人" in pages_text(render_pdf(doc))[0]


def test_several_header_rows_all_repeat() -> None:
    table = Table(
        header=(("投标人", "报价", "报价"), ("", "大写", "小写")),
        rows=tuple((bidder(i), "壹仟万元整", "10,000,000.00") for i in range(1, 120)),
    )
    pages = pages_text(render_pdf(Document(title="多行表头", body=(table,))))
    assert len(pages) >= 2
    assert all("大写" in text and "小写" in text for text in pages)


# ---------------------------------------------------------------------------- footer and outline
def test_every_page_has_its_number_the_total_and_the_digest(long_pages: list[str]) -> None:
    total = len(long_pages)
    digest = document_digest(long_document())
    for number, text in enumerate(long_pages, start=1):
        assert f"第 {number} 页 / 共 {total} 页" in text
        assert digest in text
        assert "ZB2026112838B14KWSDF 开标记录" in text


def test_a_given_digest_is_shown_instead_of_the_documents_own() -> None:
    digest = hashlib.sha256(b"the record").hexdigest()
    doc = Document(title="记录", body=(Paragraph("正文"),), digest=digest, digest_label="记录摘要")
    assert doc.shown_digest == digest
    [text] = pages_text(render_pdf(doc))
    assert f"记录摘要: {digest}" in text
    assert document_digest(doc) not in text


def test_headings_become_the_outline_with_their_pages(long_pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(long_pdf))
    top = [item for item in reader.outline if not isinstance(item, list)]
    assert [item.title for item in top] == ["一、开标情况", "二、异议及答复"]
    nested = next(item for item in reader.outline if isinstance(item, list))
    assert [item.title for item in nested] == ["标段 A：土建"]
    assert reader.get_destination_page_number(top[0]) == 0
    assert reader.get_destination_page_number(top[1]) == len(reader.pages) - 1


def test_a_heading_that_skips_a_level_hangs_one_level_down() -> None:
    doc = Document(title="层级", body=(Heading("一级"), Heading("三级", 3), Heading("另一一级")))
    outline = pypdf.PdfReader(io.BytesIO(render_pdf(doc))).outline
    assert [item.title for item in outline if not isinstance(item, list)] == ["一级", "另一一级"]
    assert [item.title for item in outline[1]] == ["三级"]


# ---------------------------------------------------------------------------- text and layout
def test_text_is_never_read_as_markup() -> None:
    doc = Document(title="<b>标题</b> & 其他", body=(Paragraph('价格 < 1 & 名称 "甲" <br/>\n第二行\t制表'),))
    [text] = pages_text(render_pdf(doc))
    assert "<b>标题</b> & 其他" in text
    assert '价格 < 1 & 名称 "甲" <br/>' in text
    assert "第二行 制表" in text


def test_markup_sets_ascii_runs_in_helvetica_and_breaks_lines() -> None:
    assert markup("报价 11200000.00 元") == '报价<font face="Helvetica"> 11200000.00 </font>元'
    assert markup("甲\n乙") == "甲<br/>乙"
    assert markup("a<b") == '<font face="Helvetica">a&lt;b</font>'
    assert markup("甲\x00乙\r\n丙") == '甲<font face="Helvetica"> </font>乙<br/>丙'


def test_characters_beyond_the_basic_plane_render_without_error() -> None:
    [text] = pages_text(render_pdf(Document(title="生僻字", body=(Paragraph("𠀀 “引号” ¥ € ×"),))))
    assert "𠀀 “引号” ¥ € ×" in text


def test_a_landscape_document_has_wide_pages() -> None:
    portrait = pypdf.PdfReader(io.BytesIO(render_pdf(Document(title="纵向")))).pages[0].mediabox
    landscape = pypdf.PdfReader(
        io.BytesIO(render_pdf(Document(title="横向", orientation=Orientation.LANDSCAPE)))
    ).pages[0]
    assert portrait.width < portrait.height
    assert landscape.mediabox.width > landscape.mediabox.height


def test_unsigned_signatures_leave_lines_and_signed_ones_show_the_signer(long_pages: list[str]) -> None:
    last = long_pages[-1]
    assert "招标人代表：________________" in last
    assert "电子交易平台：sunbid 平台" in last
    assert "日期：2026-12-14 13:05:00" in last


# ---------------------------------------------------------------------------- the structure
@pytest.mark.parametrize(
    "build",
    [
        lambda: Table(header=(("a", "b"),), rows=(("1",),)),
        lambda: Table(header=(), rows=()),
        lambda: Table(header=((),), rows=()),
        lambda: Table(header=(("a", "b"),), rows=(), widths=(1,)),
        lambda: Table(header=(("a", "b"),), rows=(), widths=(1, 0)),
        lambda: Table(header=(("a", "b"),), rows=(), widths=(1, True)),
        lambda: Table(header=(("a", "b"),), rows=(), widths=(1, float("inf"))),
        lambda: Table(header=(("a", "b"),), rows=(), align=(Align.LEFT,)),
        lambda: Table(header=(("a", "b"),), rows=(), align=("middle", "left")),
        lambda: Table(header=("ab",), rows=()),
        lambda: Table(header=(("a", 1),), rows=()),
        lambda: Heading("标题", 4),
        lambda: Heading("标题", True),
        lambda: Heading("  "),
        lambda: Signature(""),
        lambda: SignatureBlock(()),
        lambda: Document(title=""),
        lambda: Document(title="标题", metadata=(("只有标签",),)),
        lambda: Document(title="标题", digest="ABC"),
        lambda: Document(title="标题", digest="A" * 64),
        lambda: Document(title="标题", body=("一段文字",)),  # type: ignore[arg-type]
        lambda: Paragraph("半个\ud800字符"),
    ],
    ids=[
        "ragged-row",
        "no-header",
        "no-columns",
        "widths-count",
        "zero-width",
        "boolean-width",
        "infinite-width",
        "align-count",
        "unknown-align",
        "header-row-as-text",
        "number-cell",
        "heading-level-4",
        "heading-level-bool",
        "blank-heading",
        "signature-without-role",
        "empty-signature-block",
        "blank-title",
        "metadata-not-a-pair",
        "short-digest",
        "upper-case-digest",
        "body-text-not-a-block",
        "lone-surrogate",
    ],
)
def test_a_malformed_structure_is_refused(build: Any) -> None:
    with pytest.raises(ValueError):
        build()


def test_lists_are_accepted_and_kept_as_tuples() -> None:
    table = Table(header=[["a", "b"]], rows=[["1", "2"]], widths=[1, 2], align=["left", "right"])  # type: ignore[arg-type]
    assert table.header == (("a", "b"),)
    assert table.rows == (("1", "2"),)
    assert table.align == (Align.LEFT, Align.RIGHT)
    doc = Document(title="t", body=[table], metadata=[["k", "v"]])  # type: ignore[arg-type]
    assert doc.body == (table,)
    assert doc.metadata == (("k", "v"),)
    assert hash(doc)


def test_the_json_of_a_document_names_its_format_and_round_trips() -> None:
    doc = long_document(rows=3, orientation=Orientation.LANDSCAPE, digest="0" * 64)
    data = doc.as_json()
    assert data["format"] == FORMAT
    assert data["body"][3]["type"] == "table"
    assert document_from_json(data) == doc


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(format="sunbid-document/0"),
        lambda d: d.pop("title"),
        lambda d: d.update(title=3),
        lambda d: d.update(body={}),
        lambda d: d["body"].append({"type": "image"}),
        lambda d: d["body"].append({"type": "heading", "text": "x", "level": "1"}),
        lambda d: d["body"].append({"type": "paragraph", "text": "x", "note": "yes"}),
        lambda d: d["body"][3].update(rows=[["only one cell"]]),
        lambda d: d["body"][3].update(widths=["1", "1", "1", "1"]),
        lambda d: d["body"][6]["signatures"][0].update(seal="x"),
        lambda d: d.update(metadata=[["a", "b", "c"]]),
        lambda d: d.update(metadata=[["a", 1]]),
        lambda d: d.update(orientation="sideways"),
        lambda d: d.update(digest="not hex"),
    ],
    ids=[
        "format",
        "no-title",
        "title-not-text",
        "body-not-array",
        "unknown-block",
        "level-as-text",
        "note-not-boolean",
        "ragged-row",
        "widths-as-text",
        "unknown-signature-field",
        "metadata-triple",
        "metadata-number",
        "orientation",
        "digest",
    ],
)
def test_bad_document_json_is_refused_with_its_code(change: Any) -> None:
    data = long_document(rows=3).as_json()
    change(data)
    with pytest.raises(DomainError) as refused:
        document_from_json(data)
    assert refused.value.code == "document_invalid"
    assert refused.value.message_zh.startswith("文档 JSON")


def test_json_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        document_from_json(["not", "a", "document"])
    assert refused.value.code == "document_invalid"

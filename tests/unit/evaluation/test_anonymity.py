"""Anonymised technical bids (暗标): codes, text extraction and the scan for identifying content."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfWriter

from sunbid.evaluation.anonymity import (
    BidderIdentifiers,
    ExtractionStatus,
    FindingKind,
    anonymous_name,
    assign_codes,
    extract_text,
    scan_file,
    scan_text,
    technical_files,
    with_form,
)
from sunbid.identity.credit_code import complete_credit_code
from sunbid.kernel.errors import DomainError

from .documents import docx, pdf

SEED = b"0123456789abcdef-opening-seed"
SUN = BidderIdentifiers(
    "b1",
    names=("阳光建设集团有限公司", "Sunshine Build Co., Ltd."),
    short_names=("阳光建设",),
    credit_codes=(complete_credit_code("91320100MA00000W1"),),
    phones=("025-8888 6666",),
    email_domains=("sunbuild.com.cn",),
    certificates=("苏1322010201234567",),
    logo_texts=("SUNBUILD",),
)
MOON = BidderIdentifiers("b2", names=("明月工程有限公司",), short_names=("明月工程",), people=("李四",))
IDS = [SUN, MOON]


# ---------------------------------------------------------------------------- codes
def test_codes_are_distinct_reproducible_and_independent_of_order() -> None:
    bids = [f"bid_{i}" for i in range(50)]
    codes = assign_codes(bids, SEED)
    assert codes == assign_codes(reversed(bids), SEED)
    assert len(set(codes.values())) == 50
    assert all(re.fullmatch(r"[0-9A-F]{4}", c) for c in codes.values())
    assert codes != assign_codes(bids, SEED + b"x")


def test_codes_stay_distinct_when_the_short_codes_collide() -> None:
    bids = [f"bid_{i}" for i in range(3000)]  # 3,000 draws from 65,536 codes: collisions are certain
    assert len(set(assign_codes(bids, SEED).values())) == 3000


def test_a_short_seed_or_a_cramped_code_space_is_refused() -> None:
    with pytest.raises(DomainError, match="seed_too_short"):
        assign_codes(["a"], b"short")
    with pytest.raises(DomainError, match="code_length_invalid"):
        assign_codes(["a"], SEED, length=3)
    with pytest.raises(DomainError, match="code_length_invalid"):
        assign_codes([str(i) for i in range(40000)], SEED, length=4)


def test_experts_see_technical_files_under_the_code_only() -> None:
    assert anonymous_name("A3F9", 1, "阳光建设技术标.PDF") == "A3F9-01.pdf"
    assert anonymous_name("A3F9", 12, "无扩展名") == "A3F9-12"
    assert anonymous_name("A3F9", 2, "x.阳光") == "A3F9-02"
    files = [{"name": "a", "part": "technical"}, {"name": "b", "part": "commercial"}, {"name": "c", "part": "other"}]
    assert [f["name"] for f in technical_files(files, ("technical", "other"))] == ["a", "c"]


# ---------------------------------------------------------------------------- extraction
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_text_files_are_read_in_utf8_utf16_or_gb18030(encoding: str) -> None:
    text = "施工组织设计：阳光建设\n第二章"
    extraction = extract_text("技术标.txt", text.encode(encoding))
    assert extraction.status is ExtractionStatus.OK
    assert extraction.text == text


def test_a_text_file_that_is_really_binary_is_unreadable() -> None:
    assert extract_text("x.txt", b"\x00\x01\x02abc").reason == "binary"
    assert extract_text("x.txt", bytes(range(1, 32)) * 10).reason == "binary"


def test_a_pdf_gives_its_text_pages_and_metadata() -> None:
    data = pdf([["施工组织设计", "阳光建设集团有限公司"], ["第二页"]], author="张工", title="技术标")
    extraction = extract_text("tech.pdf", data)
    assert extraction.status is ExtractionStatus.OK
    assert extraction.pages == 2
    assert "阳光建设集团有限公司" in extraction.text and "第二页" in extraction.text
    assert dict(extraction.metadata) == {"author": "张工", "title": "技术标"}


def test_a_pdf_without_a_text_layer_is_reported_for_a_look_by_eye() -> None:
    extraction = extract_text("scan.pdf", pdf([[]]))
    assert extraction.status is ExtractionStatus.NO_TEXT


def _encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_password_protected_pdf_is_unreadable_but_an_owner_locked_one_is_read() -> None:
    assert extract_text("x.pdf", _encrypted_pdf("secret")).reason == "encrypted"
    assert extract_text("x.pdf", _encrypted_pdf("")).status is ExtractionStatus.NO_TEXT


@pytest.mark.parametrize(
    "data",
    [
        pdf([["正文"]])[:200],  # truncated
        b"%PDF-1.7\n" + bytes(range(256)) * 4,
        b"%PDF-",
        pdf([["正文"]])[:-60],  # no trailer
    ],
)
def test_a_broken_pdf_is_unreadable_and_never_crashes(data: bytes) -> None:
    extraction = extract_text("x.pdf", data)
    assert extraction.status is ExtractionStatus.UNREADABLE
    assert extraction.reason is not None and extraction.reason.startswith("broken_pdf:")


def test_a_docx_gives_its_body_header_picture_descriptions_and_metadata() -> None:
    data = docx(
        ["第一章\t总体方案", "质量保证措施"],
        header="阳光建设 技术标",
        picture_description="阳光建设公司标志",
        author="张工",
        company="阳光建设集团有限公司",
    )
    extraction = extract_text("tech.docx", data)
    assert extraction.status is ExtractionStatus.OK
    assert "第一章\t总体方案\n质量保证措施" in extraction.text
    assert "阳光建设公司标志" in extraction.text
    assert "阳光建设 技术标" in extraction.text
    assert dict(extraction.metadata) == {
        "author": "张工",
        "last_modified_by": "张工",
        "company": "阳光建设集团有限公司",
    }


def test_a_docx_with_a_document_type_declaration_is_refused_unread() -> None:
    bomb = '<!DOCTYPE lol [<!ENTITY lol "lol">]>'
    assert extract_text("x.docx", docx(["x"], extra_document_xml=bomb)).reason == "broken_docx:ValueError"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("x.zip", b"PK\x03\x04" + b"\x00" * 40, "broken_docx:BadZipFile"),
        ("tech.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "legacy_office_format"),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "unsupported_format"),
        ("x.docx", b"", "unsupported_format"),
    ],
)
def test_anything_else_is_reported_unreadable_with_the_reason(name: str, data: bytes, reason: str) -> None:
    extraction = extract_text(name, data)
    assert extraction.status is ExtractionStatus.UNREADABLE
    assert extraction.reason == reason


def test_a_zip_that_is_not_a_docx_is_unreadable() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("readme.txt", "hello")
    assert extract_text("x.docx", buffer.getvalue()).reason == "zip_not_docx"


# ---------------------------------------------------------------------------- scanning
def kinds(findings: list) -> list[tuple[FindingKind, str, str | None]]:
    return [(f.kind, f.matched, f.bid_id) for f in findings]


def test_a_bidders_name_is_found_with_its_position_and_context() -> None:
    text = "第一章 总体方案\n本工程由阳光建设集团有限公司负责施工。"
    [finding] = scan_text(text, IDS)
    assert finding.kind is FindingKind.NAME  # the full name, not also the short name inside it
    assert finding.bid_id == "b1"
    assert text[finding.position : finding.end] == "阳光建设集团有限公司" == finding.matched
    assert "本工程由阳光建设集团有限公司负责施工" in finding.context


def test_names_spaced_out_or_in_full_width_forms_are_still_found() -> None:
    text = "编制单位：阳 光　建 设\n英文：ＳＵＮＳＨＩＮＥ ＢＵＩＬＤ  co., ltd."
    found = kinds(scan_text(text, IDS))
    assert (FindingKind.SHORT_NAME, "阳 光　建 设", "b1") in found
    assert (FindingKind.NAME, "ＳＵＮＳＨＩＮＥ ＢＵＩＬＤ  co., ltd.", "b1") in found


def test_phone_numbers_credit_codes_certificates_domains_and_logo_text_of_a_bidder_are_found() -> None:
    text = (
        f"联系电话：025 8888-6666；信用代码 {SUN.credit_codes[0].lower()}；"
        "注册证书 苏1322010201234567；网址 www.sunbuild.com.cn；图标文字 SunBuild"
    )
    found = {f.kind: f for f in scan_text(text, IDS)}
    assert set(found) == {
        FindingKind.PHONE,
        FindingKind.CREDIT_CODE,
        FindingKind.CERTIFICATE,
        FindingKind.EMAIL_DOMAIN,
        FindingKind.LOGO_TEXT,
    }
    assert found[FindingKind.PHONE].matched == "025 8888-6666"
    assert all(f.bid_id == "b1" for f in found.values())


def test_any_credit_code_mobile_number_or_email_is_flagged_even_if_no_bidder_owns_it() -> None:
    stranger = complete_credit_code("91110000MA00000B1")
    text = f"分包单位信用代码{stranger}，联系人手机 +86 139-1234-5678，邮箱 someone@example.org"
    found = kinds(scan_text(text, IDS))
    assert found == [
        (FindingKind.ANY_CREDIT_CODE, stranger, None),
        (FindingKind.ANY_PHONE, "+86 139-1234-5678", None),
        (FindingKind.ANY_EMAIL, "someone@example.org", None),
    ]
    assert scan_text(text, IDS, patterns=False) == []


def test_an_eighteen_character_code_with_a_wrong_check_character_is_not_a_credit_code() -> None:
    code = complete_credit_code("91110000MA00000B1")
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    assert scan_text(f"编号 {wrong} 。", IDS) == []


def test_a_bidders_own_address_is_reported_as_its_domain_not_as_a_stranger() -> None:
    found = kinds(scan_text("邮箱 zhang@sunbuild.com.cn", IDS))
    assert found == [(FindingKind.EMAIL_DOMAIN, "sunbuild.com.cn", "b1")]


def test_the_people_phones_emails_and_certificates_of_the_bid_form_become_identifiers() -> None:
    form = {
        "price": "11000000.00",
        "project_manager": {"name": "张工", "certificate_number": "苏132201800001", "phone": "13900001111"},
        "personnel": [{"name": "王五", "role": "技术负责人"}, {"name": "赵六", "email": "zhao@moon.cn"}],
        "items": [{"name": "土建", "quantity": "1"}],
    }
    ids = with_form(MOON, form)
    assert ids.people == ("李四", "张工", "王五", "赵六")
    assert ids.phones == ("13900001111",)
    assert ids.email_domains == ("moon.cn",)
    assert ids.certificates == ("苏132201800001",)
    assert "土建" not in ids.people
    assert with_form(MOON, None) == MOON


def test_personnel_named_in_the_form_are_found_in_the_technical_part() -> None:
    ids = [with_form(MOON, {"project_manager": {"name": "张工"}})]
    found = kinds(scan_text("拟派项目经理张工，技术负责人李四。", ids))
    assert found == [(FindingKind.PERSON, "张工", "b2"), (FindingKind.PERSON, "李四", "b2")]


def test_identifiers_of_a_single_character_are_not_searched() -> None:
    ids = [BidderIdentifiers("b", short_names=("阳",), people=("王",))]
    assert scan_text("阳光明媚，王者风范", ids) == []


def test_a_file_is_scanned_in_its_text_metadata_name_and_the_manifests_record() -> None:
    data = docx(["本方案由明月工程编制"], author="李四", company="明月工程有限公司")
    scan = scan_file("明月工程技术标.docx", data, IDS, manifest_entry={"author": "李四", "creator": "WPS Office"})
    sources = sorted((f.source, f.kind) for f in scan.findings)
    assert sources == [
        ("file_name", FindingKind.SHORT_NAME),
        ("manifest:author", FindingKind.PERSON),
        ("metadata:author", FindingKind.PERSON),
        ("metadata:company", FindingKind.NAME),
        ("metadata:last_modified_by", FindingKind.PERSON),
        ("text", FindingKind.SHORT_NAME),
    ]
    assert not scan.clean
    assert scan.as_json()["status"] == "ok"


def test_a_clean_file_is_clean_and_an_unreadable_one_is_not() -> None:
    assert scan_file("A3F9-01.pdf", pdf([["施工组织设计", "总体部署"]]), IDS).clean
    unreadable = scan_file("A3F9-01.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 10, IDS)
    assert not unreadable.clean
    assert unreadable.reason == "legacy_office_format"


FILLER = st.text(alphabet="施工组织设计总体方案进度质量安全文明措施，。、\n ", max_size=80)


@given(FILLER, FILLER, st.lists(st.sampled_from([" ", "\u3000", "\n", "-", "\u200b", ""]), min_size=9, max_size=9))
def test_an_identifier_hidden_anywhere_with_any_spacing_is_found_where_it_was_written(
    before: str, after: str, gaps: list[str]
) -> None:
    name = "明月工程有限公司"
    hidden = "".join(c + g for c, g in zip(name, gaps, strict=False)).rstrip(" \u3000\n-\u200b")
    text = before + hidden + after
    findings = [f for f in scan_text(text, [MOON]) if f.kind is FindingKind.NAME]
    assert [(f.position, f.matched) for f in findings] == [(len(before), hidden)]

"""The opening record laid out as a public document: every bid, its outcome and grounds, the
objections, the disclosed statements, the platform's signature, and the ledger's digest."""

from __future__ import annotations

import copy
import hashlib
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pypdf
import pytest

from sunbid.crypto import canonicalize, get_suite, sign_json, x509
from sunbid.disclosure.document import Orientation, SignatureBlock, Table
from sunbid.disclosure.opening import RECORD_FORMAT, opening_record_document, when, yuan
from sunbid.disclosure.pdf import render_pdf
from sunbid.kernel.errors import DomainError
from sunbid.kernel.rules import RuleBook
from sunbid.tendering import opening_service

DIGEST = "9f" * 32
PLATFORM = "sunbid 电子招标投标交易平台"


def org(name: str, code: str) -> dict[str, str]:
    return {"name": name, "credit_code": code}


def bid(number: int, name: str, price: str | None, **changes: Any) -> dict[str, Any]:
    return {
        "bid_id": f"bid_{number}",
        "bidder": org(name, f"9132010000000000{number:02d}"),
        "consortium": [],
        "status": "decrypted",
        "opened_by": "bidder",
        "failure": None,
        "price": price,
        "above_max_bid_price": False,
        "form": {"price": price, "duration_days": 540, "project_manager": {"name": "张工"}},
        "deposit": {"status": "paid", "owed": "200000.00", "paid": "200000.00", "credit_grade": None},
        "invalid_grounds": [],
        "submission": {
            "submission_id": f"sub_{number}",
            "received_at": f"2026-12-13T0{number}:30:00+00:00",
            "envelope_id": f"{number:032x}",
            "ciphertext_digest": f"{number:064x}",
            "ledger_seq": 40 + number,
        },
        **changes,
    }


def make_record() -> dict[str, Any]:
    return {
        "format": RECORD_FORMAT,
        "tender": {
            "id": "tnd_01",
            "code": "ZB2026112838B14KWSDF",
            "title": "南京市江北新区第一中学新建工程施工",
            "tenderer": org("南京市江北新区教育局", "11320100MB1234567X"),
            "agency": org("江苏阳光招标代理有限公司", "91320100MA1XXXXX7T"),
            "opening_place": "南京市公共资源交易中心 网上开标大厅",
            "bid_deadline": "2026-12-14T02:00:00+00:00",
            "supervising_department": "南京市江北新区建设与交通局",
        },
        "opened_at": "2026-12-14T02:00:00+00:00",
        "decrypt_until": "2026-12-14T03:00:00+00:00",
        "concluded_at": "2026-12-14T05:05:30.123456+00:00",
        "custodians": [
            {"index": 1, "name": "监督人员甲"},
            {"index": 2, "name": "审计人员乙"},
            {"index": 3, "name": "代理机构丙"},
        ],
        "threshold": 2,
        "sections": [
            {
                "section_id": "sec_a",
                "code": "A",
                "name": "土建工程",
                "max_bid_price": "12000000.00",
                "bid_deposit": "200000.00",
                "bids_at_deadline": 5,
                "opened": True,
                "bids": [
                    bid(1, "南京第一建设有限公司", "11000000.00"),
                    bid(2, "南京第二建设有限公司", "12500000.00", above_max_bid_price=True),
                    bid(
                        3,
                        "南京第三建设有限公司",
                        "10900000.00",
                        opened_by="custodians",
                        consortium=[
                            {
                                "org_id": "org_3",
                                "credit_code": "913201000000000003",
                                "name": "南京第三建设有限公司",
                                "share": "60",
                            },
                            {
                                "org_id": "org_5",
                                "credit_code": "913201000000000005",
                                "name": "苏州设计研究院",
                                "share": "40",
                            },
                        ],
                        invalid_grounds=[
                            {"code": "consortium_agreement_missing", "article": "《招标投标法实施条例》第五十一条"}
                        ],
                    ),
                    bid(
                        4,
                        "南京第四建设有限公司",
                        None,
                        status="revoked",
                        opened_by=None,
                        form=None,
                        failure="not_decrypted_by_bidder_or_custodians",
                        deposit={"status": "guarantee", "owed": "100000.00", "paid": "100000.00", "credit_grade": "A"},
                    ),
                    bid(
                        6,
                        "南京第六建设有限公司",
                        None,
                        status="deemed_withdrawn",
                        opened_by=None,
                        form=None,
                        failure="storage_damaged",
                        submission=None,
                        invalid_grounds=[
                            {
                                "code": "control_relationship",
                                "article": "《招标投标法实施条例》第三十四条",
                                "org_ids": ["a", "b"],
                            }
                        ],
                    ),
                ],
            },
            {
                "section_id": "sec_b",
                "code": "B",
                "name": "安装工程",
                "max_bid_price": "3000000.00",
                "bid_deposit": "60000.00",
                "bids_at_deadline": 2,
                "opened": False,
                "bids": [],
            },
        ],
        "objections": [
            {
                "objection_id": "obj_1",
                "objector": org("南京第二建设有限公司", "913201000000000002"),
                "raised_at": "2026-12-14T04:10:00+00:00",
                "text": "第二名报价宣读有误",
                "answer": "经核对，报价宣读无误",
                "answered_at": "2026-12-14T04:20:00+00:00",
            }
        ],
        "disclosed_statements": [
            {
                "kind": "submission",
                "statement": {
                    "format": "sunbid-submission/1",
                    "bidder": org("南京第一建设有限公司", "x"),
                    "section_code": "A",
                    "envelope_id": "e1",
                    "received_at": "2026-12-13T01:30:00Z",
                    "replaces": None,
                    "salt": "00",
                },
                "digest": "aa" * 32,
                "digest_alg": "sm3",
                "ledger_seq": 41,
            },
            {
                "kind": "submission",
                "statement": {
                    "format": "sunbid-submission/1",
                    "bidder": org("南京第一建设有限公司", "x"),
                    "section_code": "A",
                    "envelope_id": "e2",
                    "received_at": "2026-12-13T01:40:00Z",
                    "replaces": "sub_0",
                    "salt": "01",
                },
                "digest": "ab" * 32,
                "digest_alg": "sm3",
                "ledger_seq": 42,
            },
            {
                "kind": "withdrawal",
                "statement": {
                    "format": "sunbid-withdrawal/1",
                    "bid_id": "bid_7",
                    "withdrawn_at": "2026-12-13T06:00:00Z",
                    "salt": "02",
                },
                "digest": "bb" * 32,
                "digest_alg": "sha256",
                "ledger_seq": 50,
            },
            {
                "kind": "deposit",
                "statement": {
                    "format": "sunbid-deposit/1",
                    "kind": "transfer",
                    "amount": "200000.00",
                    "recorded_at": "2026-12-12T08:00:00Z",
                    "salt": "03",
                },
                "digest": "cc" * 32,
                "digest_alg": "sm3",
                "ledger_seq": None,
            },
        ],
    }


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    return make_record()


@pytest.fixture(scope="module")
def signature(record: dict[str, Any]) -> dict[str, str]:
    key = get_suite("intl").generate_signing_key()
    signed_at = datetime(2026, 12, 14, 5, 5, 31, tzinfo=UTC)
    name = x509.ca_name("sunbid 平台证书根", PLATFORM)
    certificate = x509.build_certificate(
        issuer_key=key,
        issuer=name,
        subject=x509.organisation_name(PLATFORM, "91320100MA1PLATF0X"),
        subject_key=key.public_key(),
        not_before=signed_at - timedelta(days=1),
        not_after=signed_at + timedelta(days=365),
        key_usage={"digitalSignature", "nonRepudiation"},
    )
    return sign_json(record, key, certificate, signed_at=signed_at)


@pytest.fixture(scope="module")
def text(record: dict[str, Any], signature: dict[str, str]) -> str:
    """The PDF's text, with the lines that narrow cells wrap joined again."""
    pdf = render_pdf(opening_record_document(record, signature=signature))
    return "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def test_the_layout_reads_the_format_the_opening_service_writes() -> None:
    assert RECORD_FORMAT == opening_service.RECORD_FORMAT


def test_the_document_is_a_landscape_opening_record_with_the_ledger_digest(record: dict[str, Any]) -> None:
    doc = opening_record_document(record)
    assert (doc.title, doc.subtitle, doc.orientation) == (
        "开标记录",
        "南京市江北新区第一中学新建工程施工",
        Orientation.LANDSCAPE,
    )
    assert doc.digest == hashlib.sha256(canonicalize(record)).hexdigest()
    assert doc.author == "江苏阳光招标代理有限公司"
    assert dict(doc.metadata)["投标截止时间"] == "2026-12-14 10:00:00"  # 02:00 UTC is 10:00 in China
    assert dict(doc.metadata)["开标结束时间"] == "2026-12-14 13:05:30"


def test_the_pdf_shows_every_bid_with_its_price_deposit_and_outcome(text: str) -> None:
    for expected in (
        "南京第一建设有限公司",
        "11,000,000.00",
        "12,500,000.00",
        "超过最高投标限价",
        "10,900,000.00",
        "已解密（投标人解密）",
        "已解密（密钥保管人备用解密）",
        "撤销（投标人原因未能解密）原因：投标人和密钥保管人均未在时限内解密",
        "视为撤回（投标人以外的原因未能解密）原因：平台保存的投标文件与投标人签名的摘要不符",
        "电子保函",
        "信用等级 A",
        "工期（日）：540",
        "项目经理：张工",
        "苏州设计研究院",
        "分工比例 40%",
        "未提交联合体协议书",
        "第五十一条",
        "存在控股、管理关系",
        "中任意 2 名共同解密",
    ):
        assert expected in text, expected


def test_the_pdf_shows_the_failed_section_with_the_rule_tables_count_and_citation(text: str) -> None:
    assert "安装工程" in text
    assert "投标人少于3个，本标段不予开标" in text
    assert "第二十八条" in text


def test_a_jurisdictions_count_is_the_one_shown(record: dict[str, Any]) -> None:
    rules = RuleBook.default().overridden({"min_bidders": {"value": 5, "citation": "某地规定"}}, "某地")
    doc = opening_record_document(record, rules=rules)
    paragraphs = [b.text for b in doc.body if hasattr(b, "text")]
    assert any("投标人少于5个" in p and "某地规定" in p for p in paragraphs)
    assert not any("少于3个" in p for p in paragraphs)


def test_the_pdf_shows_objections_and_disclosed_statements(text: str) -> None:
    for expected in (
        "第二名报价宣读有误",
        "经核对，报价宣读无误",
        "2026-12-14 12:10:00",
        "递交投标文件",
        "替换此前递交的投标文件",
        "撤回投标 bid_7",
        "银行转账 200,000.00 元",
        "SM3：" + "aa" * 32,
        "SHA256：" + "bb" * 32,
    ):
        assert expected in text, expected


def test_the_pdf_shows_the_platforms_signature_and_the_record_digest_on_every_page(
    record: dict[str, Any], text: str
) -> None:
    assert f"电子交易平台（电子签名）：{PLATFORM}" in text
    assert "日期：2026-12-14 13:05:31" in text
    assert "ed25519" in text.lower()
    digest = hashlib.sha256(canonicalize(record)).hexdigest()
    pages = text.count("开标记录 JSON（RFC 8785）SHA-256")
    assert pages >= 2
    assert text.count(digest) >= pages


def test_an_unsigned_record_says_so(record: dict[str, Any]) -> None:
    doc = opening_record_document(record)
    [block] = [b for b in doc.body if isinstance(b, SignatureBlock)]
    assert "尚未附平台电子签名" in block.statement
    assert [s.role for s in block.signatures] == ["招标人或招标代理机构（签章）", "监督人员（签字）"]


def test_a_section_without_submission_details_shows_a_dash(record: dict[str, Any]) -> None:
    doc = opening_record_document(record)
    submissions = [b for b in doc.body if isinstance(b, Table) and "递交时间" in b.header[0]]
    assert submissions[0].rows[-1][2:] == ("—", "—", "—", "—")


def test_the_same_record_gives_the_same_pdf(record: dict[str, Any], signature: dict[str, str]) -> None:
    first = render_pdf(opening_record_document(record, signature=signature))
    assert render_pdf(opening_record_document(copy.deepcopy(record), signature=signature)) == first
    changed = copy.deepcopy(record)
    changed["objections"][0]["answer"] = "经核对，报价宣读有误，已更正"
    assert render_pdf(opening_record_document(changed, signature=signature)) != first


def test_a_record_without_objections_or_statements_says_so(record: dict[str, Any]) -> None:
    quiet = {**record, "objections": [], "disclosed_statements": [], "custodians": []}
    paragraphs = [b.text for b in opening_record_document(quiet).body if hasattr(b, "text")]
    assert "开标过程中，投标人未提出异议。" in paragraphs
    assert "本项目无需要公开的密封记录。" in paragraphs
    assert any("未设置备用解密" in p for p in paragraphs)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda r: r.update(format="sunbid-opening-record/0"),
        lambda r: r.pop("tender"),
        lambda r: r.update(sections="none"),
        lambda r: r["sections"][0]["bids"][0].update(price="about a million"),
        lambda r: r["sections"][0]["bids"][0]["submission"].update(received_at="yesterday"),
        lambda r: r["sections"][0]["bids"][0]["submission"].update(received_at="2026-12-13T01:30:00"),
        lambda r: r["tender"].update(tenderer="南京市江北新区教育局"),
        lambda r: r["objections"].append({"text": "无时间"}),
    ],
    ids=[
        "format",
        "no-tender",
        "sections-not-a-list",
        "price",
        "time",
        "naive-time",
        "tenderer-not-an-object",
        "objection",
    ],
)
def test_a_malformed_record_is_refused_with_its_code(record: dict[str, Any], spoil: Any) -> None:
    bad = copy.deepcopy(record)
    spoil(bad)
    with pytest.raises(DomainError) as refused:
        opening_record_document(bad)
    assert refused.value.code == "opening_record_invalid"
    assert refused.value.message_zh.startswith("开标记录格式不正确")


def test_something_that_is_not_a_record_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        opening_record_document(["not", "a", "record"])  # type: ignore[arg-type]
    assert refused.value.code == "opening_record_invalid"


@pytest.mark.parametrize("signer", ["not base64!", "AAAA"], ids=["not-base64", "not-a-certificate"])
def test_a_signature_whose_certificate_cannot_be_read_is_refused(
    record: dict[str, Any], signature: dict[str, str], signer: str
) -> None:
    with pytest.raises(DomainError) as refused:
        opening_record_document(record, signature={**signature, "signer": signer})
    assert refused.value.code == "opening_record_invalid"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-12-14T02:00:00+00:00", "2026-12-14 10:00:00"),
        ("2026-12-14T16:00:00Z", "2026-12-15 00:00:00"),
        ("2026-12-14T15:59:59.999999Z", "2026-12-14 23:59:59"),
        ("2026-12-14T10:00:00+08:00", "2026-12-14 10:00:00"),
        (None, "—"),
    ],
)
def test_times_are_shown_in_china_time_to_the_second(value: str | None, shown: str) -> None:
    assert when(value) == shown


@pytest.mark.parametrize("value", ["2026-12-14T10:00:00", "tomorrow", 1765677600])
def test_a_time_without_offset_or_not_iso_is_refused(value: object) -> None:
    with pytest.raises(ValueError):
        when(value)


@pytest.mark.parametrize(
    ("value", "shown"),
    [("11200000.00", "11,200,000.00"), ("0.5", "0.50"), ("1234567.891", "1,234,567.89"), (None, "—")],
)
def test_amounts_are_shown_with_separators_and_fen(value: str | None, shown: str) -> None:
    assert yuan(value) == shown


@pytest.mark.parametrize("value", ["abc", "NaN", "Infinity"])
def test_an_amount_that_is_no_number_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        yuan(value)

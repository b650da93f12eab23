"""The opening record (开标记录) as a public document.

:func:`opening_record_document` lays out the JSON that
``sunbid.tendering.opening_service.opening_record`` produces (format
``sunbid-opening-record/1``): the tender, each section with its bids (bidder, price, deposit,
decryption, declared items, grounds of invalidity) and their submissions, the objections with
their answers, and the sealed statements disclosed at the opening. With the platform's
signature it adds who signed, when, and with which certificate.

Every page's footer carries the SHA-256 of the record's RFC 8785 canonical form: the
``record_sha256`` of the ``OpeningConcluded`` entry in the ledger. The electronic record and its
signature are authoritative; the PDF shows them, and the same record always gives the same PDF.
Times are shown in China time (UTC+8), to the second.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sunbid.crypto.jcs import canonicalize
from sunbid.crypto.x509 import Certificate
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
)
from sunbid.kernel.clock import CHINA
from sunbid.kernel.errors import DomainError
from sunbid.kernel.rules import RuleBook

#: The record format this layout reads (``opening_service.RECORD_FORMAT``).
RECORD_FORMAT = "sunbid-opening-record/1"
NONE = "—"

_DEPOSIT = {
    "exempt": "免缴",
    "paid": "已缴纳",
    "guarantee": "电子保函",
    "insufficient": "缴纳不足",
    "missing": "未缴纳",
}
_STATEMENT_KIND = {"submission": "递交投标文件", "withdrawal": "撤回投标文件", "deposit": "投标保证金到账"}
_DEPOSIT_KIND = {"transfer": "银行转账", "guarantee": "电子保函"}
_GROUNDS = {
    "member_in_two_bids": "同一单位在本标段参加两个以上投标（单独投标或参加其他联合体）",
    "same_legal_representative": "单位负责人为同一人的不同单位参加同一标段投标",
    "control_relationship": "存在控股、管理关系的不同单位参加同一标段投标",
    "consortium_agreement_missing": "联合体投标未提交联合体协议书",
}
_FAILURES = {
    "not_decrypted_by_bidder": "投标人未在解密时限内解密",
    "not_decrypted_by_bidder_or_custodians": "投标人和密钥保管人均未在时限内解密",
    "storage_damaged": "平台保存的投标文件与投标人签名的摘要不符",
    "bidder_manifest_invalid": "解密后的投标文件清单不符合格式",
    "custodians_manifest_invalid": "备用解密后的投标文件清单不符合格式",
    "custodians_wrong_key": "密钥保管人份额恢复的密钥不能解密",
}
_FORM_LABELS = {"duration_days": "工期（日）", "quality": "质量", "project_manager": "项目经理"}


def opening_record_document(
    record: Mapping[str, Any], *, signature: Mapping[str, Any] | None = None, rules: RuleBook | None = None
) -> Document:
    """The opening record as a :class:`Document` (landscape), ready for ``render_pdf``.

    ``signature`` is the platform's signature over the record (``opening_record_signature``);
    ``rules`` gives the citations (the national defaults by default). A record that is not
    in the format is refused with ``opening_record_invalid``.
    """
    if not isinstance(record, Mapping) or record.get("format") != RECORD_FORMAT:
        raise _invalid(f"the record's format is not {RECORD_FORMAT!r}")
    digest = hashlib.sha256(canonicalize(dict(record))).hexdigest()
    try:
        return _layout(record, signature, rules or RuleBook.default(), digest)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise _invalid(f"{type(exc).__name__}: {exc}") from None


def _invalid(reason: str) -> DomainError:
    return DomainError(
        "opening_record_invalid",
        f"开标记录格式不正确，无法生成文档：{reason}",
        f"The opening record cannot be laid out: {reason}",
    )


# ---------------------------------------------------------------------------- formatting
def when(value: object) -> str:
    """An ISO 8601 moment in China time, to the second; blank for none."""
    if value is None or value == "":
        return NONE
    if not isinstance(value, str):
        raise ValueError(f"a time is an ISO 8601 string, not {value!r}")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"a time needs its offset: {value!r}")
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def yuan(value: object) -> str:
    """An amount of yuan with thousands separators and two decimals."""
    if value is None:
        return NONE
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return f"{amount:,.2f}"


def _org(org: object) -> str:
    if not org:
        return NONE
    if not isinstance(org, Mapping):
        raise TypeError(f"an organisation is an object with a name and a credit code, not {org!r}")
    return f"{org['name']}（统一社会信用代码：{org['credit_code']}）"


def _value(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and set(value) == {"name"}:
        return str(value["name"])
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# ---------------------------------------------------------------------------- the layout
def _layout(record: Mapping[str, Any], signature: Mapping[str, Any] | None, rules: RuleBook, digest: str) -> Document:
    tender = record["tender"]
    code = str(tender["code"])
    metadata = (
        ("项目编号", code),
        ("招标人", _org(tender["tenderer"])),
        ("招标代理机构", _org(tender.get("agency"))),
        ("投标截止时间", when(tender["bid_deadline"])),
        ("开标开始时间", when(record.get("opened_at"))),
        ("解密截止时间", when(record.get("decrypt_until"))),
        ("开标结束时间", when(record.get("concluded_at"))),
        ("开标地点", str(tender.get("opening_place") or NONE)),
        ("监督部门", str(tender.get("supervising_department") or NONE)),
    )
    body: list[Block] = [
        Paragraph("本记录中的时间均为北京时间（UTC+8），金额单位为人民币元。", note=True),
        Heading("一、开标情况"),
        Paragraph(_custodians(record)),
    ]
    for section in record["sections"]:
        body.extend(_section(section, rules))
    body.extend(_objections(record["objections"]))
    body.extend(_statements(record["disclosed_statements"]))
    body.append(
        Paragraph(
            f"本文件依据开标记录电子文本（JSON，格式 {RECORD_FORMAT}）生成。该电子文本按 RFC 8785 规范化后的 "
            f"SHA-256 摘要为 {digest}，与交易账本中开标结束（OpeningConcluded）记录的 record_sha256 一致。"
            "开标记录以电子文本及平台电子签名为准。",
            note=True,
        )
    )
    body.append(_signatures(signature))
    return Document(
        title="开标记录",
        subtitle=str(tender["title"]),
        metadata=metadata,
        body=tuple(body),
        footer=f"{code} 开标记录",
        digest=digest,
        digest_label="开标记录 JSON（RFC 8785）SHA-256",
        author=_org_name(tender.get("agency")) or _org_name(tender["tenderer"]),
        orientation=Orientation.LANDSCAPE,
    )


def _org_name(org: object) -> str:
    return str(org["name"]) if isinstance(org, Mapping) else ""


def _custodians(record: Mapping[str, Any]) -> str:
    custodians = record.get("custodians") or []
    if not custodians:
        return "本项目未设置备用解密：投标文件由投标人在解密时限内远程解密。"
    names = "、".join(str(c["name"]) for c in custodians)
    return (
        f"投标文件由投标人在解密时限内远程解密；投标人未解密的，由密钥保管人（{names}，共 {len(custodians)} 名）"
        f"中任意 {record['threshold']} 名共同解密（备用解密）。"
    )


def _section(section: Mapping[str, Any], rules: RuleBook) -> list[Block]:
    blocks: list[Block] = [
        Heading(f"标段 {section['code']}：{section['name']}", 2),
        Paragraph(
            f"最高投标限价：{yuan(section['max_bid_price'])} 元；投标保证金：{yuan(section['bid_deposit'])} 元；"
            f"投标截止时递交投标文件 {section['bids_at_deadline']} 份。"
        ),
    ]
    if not section["opened"]:
        rule = rules["min_bidders"]
        blocks.append(
            Paragraph(
                f"投标人少于{rules.count(rule.key)}个，本标段不予开标，招标人应当依法重新招标（{rule.citation}）。"
            )
        )
        return blocks
    bids: Sequence[Mapping[str, Any]] = section["bids"]
    blocks.append(
        Table(
            header=(
                ("序号", "投标人", "投标报价（元）", "投标保证金", "解密情况", "其他投标声明事项", "无效投标情形"),
            ),
            rows=tuple(_bid_row(number, bid) for number, bid in enumerate(bids, start=1)),
            widths=(0.6, 3.4, 1.7, 2.0, 1.7, 2.3, 2.6),
            align=(Align.CENTER, Align.LEFT, Align.RIGHT, Align.LEFT, Align.LEFT, Align.LEFT, Align.LEFT),
            caption=f"标段 {section['code']} 开标一览",
        )
    )
    blocks.append(
        Table(
            header=(("序号", "投标人", "递交时间", "信封编号", "密文摘要", "账本序号"),),
            rows=tuple(_submission_row(number, bid) for number, bid in enumerate(bids, start=1)),
            widths=(0.6, 3.0, 1.8, 2.6, 5.0, 1.0),
            align=(Align.CENTER, Align.LEFT, Align.LEFT, Align.LEFT, Align.LEFT, Align.RIGHT),
            caption=f"标段 {section['code']} 投标文件递交信息",
        )
    )
    return blocks


def _bidder(bid: Mapping[str, Any]) -> str:
    lead = bid["bidder"]
    text = f"{lead['name']}\n{lead['credit_code']}"
    members = bid.get("consortium") or []
    if members:
        parts = [f"{m['name']}（{m['credit_code']}，分工比例 {m['share']}%）" for m in members]
        text = f"联合体，牵头人：{text}\n成员：" + "；".join(parts)
    return text


def _bid_row(number: int, bid: Mapping[str, Any]) -> tuple[str, ...]:
    price = yuan(bid.get("price"))
    if bid.get("above_max_bid_price"):
        price += "\n（超过最高投标限价）"
    return (
        str(number),
        _bidder(bid),
        price,
        _deposit(bid.get("deposit")),
        _decryption(bid),
        _declared(bid.get("form")),
        _grounds(bid.get("invalid_grounds") or []),
    )


def _deposit(deposit: object) -> str:
    if not isinstance(deposit, Mapping):
        return NONE
    state = _DEPOSIT.get(str(deposit["status"]), str(deposit["status"]))
    text = f"{state}\n应缴 {yuan(deposit['owed'])}，已缴 {yuan(deposit['paid'])}"
    if deposit.get("credit_grade"):
        text += f"\n信用等级 {deposit['credit_grade']}"
    return text


def _decryption(bid: Mapping[str, Any]) -> str:
    status = str(bid["status"])
    if status == "decrypted":
        by = {"bidder": "投标人解密", "custodians": "密钥保管人备用解密"}.get(str(bid.get("opened_by")), "")
        return f"已解密（{by}）" if by else "已解密"
    reason = str(bid.get("failure") or "")
    failure = f"\n原因：{_FAILURES.get(reason, reason)}" if reason else ""
    if status == "revoked":
        return f"撤销（投标人原因未能解密）{failure}"
    if status == "deemed_withdrawn":
        return f"视为撤回（投标人以外的原因未能解密）{failure}"
    return status


def _declared(form: object) -> str:
    if not isinstance(form, Mapping):
        return NONE
    lines = [f"{_FORM_LABELS.get(str(k), str(k))}：{_value(v)}" for k, v in sorted(form.items()) if k != "price"]
    return "\n".join(lines) or NONE


def _grounds(grounds: Sequence[Mapping[str, Any]]) -> str:
    if not grounds:
        return NONE
    return "\n".join(f"{_GROUNDS.get(str(g['code']), str(g['code']))}（{g.get('article', '')}）" for g in grounds)


def _submission_row(number: int, bid: Mapping[str, Any]) -> tuple[str, ...]:
    submission = bid.get("submission")
    name = str(bid["bidder"]["name"])
    if not isinstance(submission, Mapping):
        return (str(number), name, NONE, NONE, NONE, NONE)
    seq = submission.get("ledger_seq")
    return (
        str(number),
        name,
        when(submission["received_at"]),
        str(submission["envelope_id"]),
        str(submission["ciphertext_digest"]),
        str(seq) if seq is not None else NONE,
    )


def _objections(objections: Sequence[Mapping[str, Any]]) -> list[Block]:
    blocks: list[Block] = [Heading("二、开标异议及答复")]
    if not objections:
        blocks.append(Paragraph("开标过程中，投标人未提出异议。"))
        return blocks
    blocks.append(
        Table(
            header=(("序号", "异议人", "提出时间", "异议内容", "答复", "答复时间"),),
            rows=tuple(
                (
                    str(number),
                    _org_name(o.get("objector")) or NONE,
                    when(o["raised_at"]),
                    str(o["text"]),
                    str(o.get("answer") or "（未答复）"),
                    when(o.get("answered_at")),
                )
                for number, o in enumerate(objections, start=1)
            ),
            widths=(0.6, 2.6, 1.8, 4.0, 4.0, 1.8),
            align=(Align.CENTER, Align.LEFT, Align.LEFT, Align.LEFT, Align.LEFT, Align.LEFT),
        )
    )
    return blocks


def _statement_text(kind: str, statement: Mapping[str, Any]) -> tuple[str, str]:
    """When the statement was made, and what it says."""
    if kind == "submission":
        text = (
            f"{statement['bidder']['name']}，标段 {statement.get('section_code', '')}，信封 {statement['envelope_id']}"
        )
        if statement.get("replaces"):
            text += "（替换此前递交的投标文件）"
        return when(statement.get("received_at")), text
    if kind == "withdrawal":
        return when(statement.get("withdrawn_at")), f"撤回投标 {statement['bid_id']}"
    if kind == "deposit":
        method = _DEPOSIT_KIND.get(str(statement.get("kind")), str(statement.get("kind")))
        return when(statement.get("recorded_at")), f"{method} {yuan(statement.get('amount'))} 元"
    return NONE, _value(statement)


def _statements(statements: Sequence[Mapping[str, Any]]) -> list[Block]:
    blocks: list[Block] = [
        Heading("三、投标截止前密封记录的公开"),
        Paragraph(
            "投标截止前，投标文件的递交、撤回和保证金到账在交易账本中只以摘要记录，不显示投标人和项目；"
            "开标时公开其原文（含随机盐值）。任何人可将原文按 RFC 8785 规范化后计算摘要，"
            "与账本中对应序号的记录核对。"
        ),
    ]
    if not statements:
        blocks.append(Paragraph("本项目无需要公开的密封记录。"))
        return blocks
    rows = []
    for number, s in enumerate(statements, start=1):
        kind = str(s["kind"])
        moment, text = _statement_text(kind, s["statement"])
        seq = s.get("ledger_seq")
        rows.append(
            (
                str(number),
                _STATEMENT_KIND.get(kind, kind),
                moment,
                text,
                str(seq) if seq is not None else NONE,
                f"{str(s['digest_alg']).upper()}：{s['digest']}",
            )
        )
    blocks.append(
        Table(
            header=(("序号", "类型", "时间", "内容", "账本序号", "摘要"),),
            rows=tuple(rows),
            widths=(0.6, 1.6, 1.8, 4.2, 1.0, 5.0),
            align=(Align.CENTER, Align.LEFT, Align.LEFT, Align.LEFT, Align.RIGHT, Align.LEFT),
        )
    )
    return blocks


def _signatures(signature: Mapping[str, Any] | None) -> SignatureBlock:
    by_hand = (Signature("招标人或招标代理机构（签章）"), Signature("监督人员（签字）"))
    if signature is None:
        return SignatureBlock(by_hand, "本开标记录尚未附平台电子签名。")
    try:
        certificate = Certificate.from_der(base64.b64decode(str(signature["signer"]), validate=True))
    except (KeyError, binascii.Error, DomainError) as exc:
        raise ValueError(f"the signature's certificate cannot be read: {exc}") from None
    signer = certificate.organisation or certificate.subject.common_name or str(certificate.subject)
    platform = Signature(
        "电子交易平台（电子签名）",
        signer,
        when(signature["signed_at"]),
        f"算法 {signature['alg']}；签名证书 SHA-256 指纹 {certificate.fingerprint()}；"
        "签名对象为开标记录 JSON 的 RFC 8785 规范形式",
    )
    return SignatureBlock((platform, *by_hand), "以上开标记录经交易平台电子签名后公布。")

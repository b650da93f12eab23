"""The evaluation report (评标报告) as a public document, laid out from its signed JSON.

The JSON and the members' signatures over its digest are authoritative; the PDF shows them,
and the same report always gives the same PDF. Every page's footer carries the report's
digest (SHA-256 of its RFC 8785 form), the one the members signed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sunbid.disclosure.document import (
    Block,
    Document,
    Heading,
    Orientation,
    Paragraph,
    Signature,
    SignatureBlock,
    Table,
)

NONE = "—"
_METHOD = {"lowest_evaluated_price": "经评审的最低投标价法", "comprehensive": "综合评估法"}
_KIND = {"expert": "评标专家", "representative": "招标人代表"}


def _text(value: Any) -> str:
    if value is None or value == "":
        return NONE
    if isinstance(value, Mapping):
        return str(value.get("name") or value.get("credit_code") or NONE)
    return str(value)


def report_document(body: Mapping[str, Any], digest: str, signatures: Sequence[Mapping[str, Any]]) -> Document:
    """评标报告 with the contents of 评标规定 第四十二条, in the order the article lists them."""
    basic = body.get("basic", {})
    tender, section = basic.get("tender", {}), basic.get("section", {})
    results = body.get("results", {}) or {}
    blocks: list[Block] = []

    blocks.append(Heading("一、基本情况和数据"))
    blocks.append(
        Table(
            header=(("项目", "内容"),),
            rows=(
                ("招标项目", f"{_text(tender.get('title'))}（{_text(tender.get('code'))}）"),
                ("标段", f"{_text(section.get('name'))}（{_text(section.get('code'))}）"),
                ("最高投标限价（元）", _text(section.get("max_bid_price"))),
                ("评标开始", _text(basic.get("started_at"))),
                ("开标记录摘要（SHA-256）", _text(body.get("opening_record_digest"))),
            ),
        )
    )

    blocks.append(Heading("二、评标委员会成员名单"))
    blocks.append(
        Table(
            header=(("姓名", "身份", "专业", "状态"),),
            rows=tuple(
                (
                    _text(m.get("name")),
                    _KIND.get(str(m.get("kind")), _text(m.get("kind"))),
                    _text(m.get("specialty")),
                    "已更换：" + _text(m.get("replaced_reason")) if m.get("status") == "replaced" else "在任",
                )
                for m in body.get("committee", [])
            ),
        )
    )

    blocks.append(Heading("三、开标记录与符合要求的投标"))
    blocks.append(
        Table(
            header=(("投标人", "开标报价（元）", "算术修正", "是否有效"),),
            rows=tuple(
                (
                    _text(b.get("bidder")),
                    _text(b.get("stated_price")),
                    "；".join(
                        f"{c.get('field')}: {c.get('stated')}→{c.get('corrected')}" for c in b.get("corrections", [])
                    )
                    or NONE,
                    "有效" if b.get("valid") else "否决",
                )
                for b in body.get("bids", [])
            ),
        )
    )

    blocks.append(Heading("四、否决投标情况说明"))
    rejections = body.get("rejections", [])
    if rejections:
        blocks.append(
            Table(
                header=(("投标人", "否决情形", "依据", "理由"),),
                rows=tuple(
                    (_text(r.get("bidder")), _text(r.get("ground_zh")), _text(r.get("article")), _text(r.get("reason")))
                    for r in rejections
                ),
            )
        )
    else:
        blocks.append(Paragraph("无否决投标。"))

    scheme = (body.get("method") or {}).get("scheme") or {}
    blocks.append(Heading("五、评标标准、评标方法或者评标因素一览表"))
    blocks.append(
        Paragraph(
            f"评标方法：{_METHOD.get(str(scheme.get('method')), _text(scheme.get('method')))}；"
            f"K值：{_text((body.get('method') or {}).get('k'))}"
        )
    )
    factors = scheme.get("factors") or []
    if factors:
        blocks.append(
            Table(
                header=(("评分因素", "部分", "分值", "类型"),),
                rows=tuple(
                    (_text(f.get("name")), _text(f.get("part")), _text(f.get("max_points")), _text(f.get("kind")))
                    for f in factors
                ),
            )
        )

    blocks.append(Heading("六、经评审的价格或者评分比较一览表"))
    table = results.get("table") or {}
    rows = table.get("rows") or []
    if rows:
        blocks.append(
            Table(
                header=(("投标", "报价（元）", "评审价（元）", "总分", "名次"),),
                rows=tuple(
                    (
                        _text(r.get("bid_id")),
                        _text(r.get("price")),
                        _text(r.get("evaluated_price")),
                        _text(r.get("total")),
                        _text(r.get("rank")),
                    )
                    for r in rows
                ),
            )
        )

    blocks.append(Heading("七、推荐的中标候选人名单"))
    blocks.append(
        Table(
            header=(("名次", "投标人", "投标"),),
            rows=tuple(
                (_text(c.get("rank")) if c.get("rank") else "不排序", _text(c.get("bidder")), _text(c.get("bid_id")))
                for c in body.get("candidates", [])
            ),
        )
    )

    blocks.append(Heading("八、澄清、说明、补正事项纪要"))
    explanations = body.get("explanations", [])
    if explanations:
        blocks.append(
            Table(
                header=(("投标人", "问题", "说明", "状态"),),
                rows=tuple(
                    (_text(e.get("bidder")), _text(e.get("question")), _text(e.get("answer")), _text(e.get("status")))
                    for e in explanations
                ),
            )
        )
    else:
        blocks.append(Paragraph("无。"))

    deviations = body.get("member_deviations", [])
    if deviations:
        blocks.append(Heading("九、评分偏离提示"))
        blocks.append(
            Table(
                header=(("评委", "投标", "得分", "其他评委平均"),),
                rows=tuple(
                    (
                        _text(d.get("member_id")),
                        _text(d.get("bid_id")),
                        _text(d.get("score")),
                        _text(d.get("others_mean")),
                    )
                    for d in deviations
                ),
            )
        )

    blocks.append(
        SignatureBlock(
            tuple(
                Signature(
                    "评标委员会成员",
                    _text(s.get("signer_subject") or s.get("member_id")),
                    _text(s.get("signed_at")),
                    ("不同意见：" + str(s["dissent"]))
                    if s.get("dissent")
                    else ("拒绝签字" if s.get("refused") else ""),
                )
                for s in signatures
            ),
            statement="评标委员会成员对本报告的签署及其不同意见如下（《招标投标法实施条例》第五十三条）。",
        )
    )
    return Document(
        title="评标报告",
        subtitle=f"{_text(tender.get('title'))} {_text(section.get('name'))}",
        metadata=(("版本", str(body.get("version", 1))), ("生成时间", _text(body.get("created_at")))),
        body=tuple(blocks),
        digest=digest,
        orientation=Orientation.LANDSCAPE,
        footer="评标报告以签名的电子文件为准",
    )

"""Fair-competition review: each clause rule finds what it forbids and leaves alone the sentence
that forbids it; qualification conditions are compared with similar projects'."""

from __future__ import annotations

import polars as pl
import pytest

from sunbid.risk.indicators import Flag
from sunbid.risk.review import RULES, ClauseReview, QualificationOutliers, qualification_terms

#: rule id -> (a clause it must find, a clause it must leave alone)
CASES: dict[str, tuple[str, str]] = {
    "FC-LOCAL-BRANCH": ("投标人须在本市设立分支机构。", "招标人不得要求投标人在本地设立分支机构。"),
    "FC-LOCAL-TAX": ("投标人须提供在本市缴纳社会保险的证明。", "投标人须提供为项目负责人缴纳社保的证明。"),
    "FC-LOCAL-CONSORTIUM": ("外地投标人须与本地企业组成联合体。", "本项目接受联合体投标。"),
    "FC-LOCAL-EXPERIENCE": ("投标人须具有本省类似工程业绩。", "投标人须具有类似工程业绩。"),
    "FC-AWARD-BONUS": ("获得鲁班奖的加3分。", "投标人的获奖情况不作为评分因素。"),
    "FC-OWNERSHIP": ("投标人须为国有企业。", "不得限定投标人的所有制形式。"),
    "FC-BRAND": ("本项目指定采用某某品牌设备。", "参考品牌：甲、乙或相当。"),
    "FC-SCALE": ("投标人注册资本不低于5000万元。", "投标人须具有独立法人资格。"),
    "FC-ASSOCIATION": ("投标人须为本市建筑业协会会员单位。", "执行中国工程建设标准化协会发布的标准。"),
    "FC-ISSUER": ("安全员证书须由本省住房城乡建设主管部门颁发。", "安全员须持有有效证书。"),
    "FC-ORIGINALS": ("投标时须携带营业执照原件。", "提供营业执照原件扫描件。"),
    "FC-ATTENDANCE": ("投标人的法定代表人须亲自到场参加开标。", "投标人的法定代表人或其委托代理人可在线参加开标。"),
    "FC-DEPOSIT-OTHER": ("投标人须缴纳诚信保证金10万元。", "投标保证金为2万元。"),
    "FC-DEPOSIT-FORM": ("投标保证金只接受银行转账。", "投标保证金可以银行转账或者保函方式递交。"),
    "FC-GUARANTOR": ("投标保函须由指定的银行出具。", "投标保函可由任一银行出具。"),
    "FC-REGISTRATION": ("投标人须在开标前到交易中心现场报名。", "本项目无需报名，投标人直接下载招标文件。"),
    "FC-TOOL": ("投标文件须使用指定的投标工具编制，CA证书须购买。", "平台不得强制投标人购买指定的工具软件。"),
    "FC-DOC-FEE": ("招标文件售价300元。", "电子招标文件免费下载。"),
    "FC-LOTTERY": ("以摇号方式确定中标人。", "由招标人依法确定中标人。"),
    "FC-CERTIFICATION": ("投标人须具有ISO9001质量管理体系认证证书。", "投标人的质量管理体系认证不作为资格条件。"),
    "FC-LIST": ("投标人须为本市预选承包商名录内企业。", "列入失信被执行人名单的不得参加投标。"),
    "FC-DISCRIMINATION": ("外地企业须另行提交资信证明。", "所有投标人适用同一评审标准。"),
}


def hits(*sentences: str) -> pl.DataFrame:
    docs = pl.DataFrame({"document_id": ["d"], "tender_id": ["t"], "text": ["\n".join(sentences)]})
    return ClauseReview().hits(docs)


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == {r.id for r in RULES}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_a_forbidden_clause_is_found_and_quoted(rule: str) -> None:
    found = hits("第二章 投标人须知", CASES[rule][0])
    assert rule in found["rule"].to_list()
    row = found.filter(pl.col("rule") == rule).row(0, named=True)
    assert row["quote"] == CASES[rule][0] and row["line"] == 2 and row["heading"] == "第二章 投标人须知"


@pytest.mark.parametrize("rule", sorted(CASES))
def test_the_lawful_clause_is_left_alone(rule: str) -> None:
    assert rule not in hits(CASES[rule][1])["rule"].to_list()


def test_a_flag_names_the_rule_its_article_and_the_document() -> None:
    docs = pl.DataFrame({"document_id": ["d1"], "tender_id": ["t1"], "text": ["1.1 投标人须在本市设立分支机构。"]})
    [flag] = Flag.all(ClauseReview().compute(docs))
    assert flag.indicator == "FC-LOCAL-BRANCH" and flag.tender_id == "t1" and flag.subject_type == "document"
    assert "第六条" in flag.basis and flag.evidence["quote"] == "1.1 投标人须在本市设立分支机构。"


def test_a_long_clause_is_quoted_around_the_match() -> None:
    long = "甲" * 300 + "投标人须在本市设立分支机构" + "乙" * 300 + "。"
    [row] = hits(long).iter_rows(named=True)
    assert len(row["quote"]) <= 162 and "本市设立分支机构" in row["quote"] and row["quote"].startswith("…")


def test_qualification_terms_are_read_from_the_text() -> None:
    t = pl.DataFrame(
        {
            "tender_id": ["a"],
            "category": ["works"],
            "sector": ["房建"],
            "estimated_price": [5e6],
            "qualification_requirements": [
                "具有建筑工程施工总承包一级资质，注册资本不低于1.5亿元，近三年类似工程业绩3个，单个合同金额不低于800万元。"
            ],
        }
    )
    row = qualification_terms(t).row(0, named=True)
    assert row["registered_capital"] == 1.5e8 and row["grade"] == 3 and row["similar_contracts"] == 3
    assert row["contract_value"] == 8e6


def peers(extra: str) -> pl.DataFrame:
    normal = "具有建筑工程施工总承包三级及以上资质，近三年类似工程业绩1个。"
    texts = [normal] * 8 + [extra]
    return pl.DataFrame(
        {
            "tender_id": [f"t{i}" for i in range(9)],
            "category": "works",
            "sector": "房建",
            "estimated_price": [3e6 + i * 1e5 for i in range(9)],
            "qualification_requirements": texts,
        }
    )


def test_qualifications_far_above_similar_projects_are_flagged() -> None:
    demanding = "具有建筑工程施工总承包特级资质，近三年类似工程业绩5个。"
    flags = Flag.all(QualificationOutliers().compute(peers(demanding)))
    terms = {f.evidence["term"] for f in flags}
    assert {"grade", "similar_contracts"} <= terms and {f.tender_id for f in flags} == {"t8"}


def test_qualifications_like_the_peers_are_not_flagged() -> None:
    assert (
        QualificationOutliers().compute(peers("具有建筑工程施工总承包三级及以上资质，近三年类似工程业绩1个。")).height
        == 0
    )


def test_too_few_peers_give_no_comparison() -> None:
    few = peers("具有建筑工程施工总承包特级资质，近三年类似工程业绩5个。").tail(4)
    assert QualificationOutliers().compute(few).height == 0

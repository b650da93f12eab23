"""Fair-competition review of tender documents (公平竞争审查, M17): forbidden clauses, and
qualification conditions out of line with similar projects.

**Clause rules.** Each :class:`ClauseRule` is a regular expression over one sentence of a
document, with the article that forbids what it finds (《招标投标领域公平竞争审查规则》, 2024年
第16号令; 《招标投标法实施条例》第三十二条; 发改法规规〔2022〕1117号; 《电子招标投标办法》). The
documents are cut relationally (Polars) into lines and sentences (``。；;！？`` and line ends);
a rule's pattern runs over every sentence at once (``str.contains``). A sentence that forbids
the practice ("不得要求投标人设立分支机构", "无需报名") is not a hit: unless the rule says
otherwise, a sentence holding a prohibitive word (``NEGATION``) before the match is set aside;
"不得少于"/"不得低于" are thresholds, not prohibitions, and do not count. Each hit quotes the
sentence (at most ``QUOTE_CHARS`` characters around the match), its line and the heading it
falls under, the rule and its article.

**Qualification outliers.** Numbers are read from each tender's qualification requirements
(registered capital, the value of one similar contract, the number of similar contracts, the
highest qualification grade, the length of the text): :func:`qualification_terms`. Each is
compared with the tenders of the same category, sector and size band (the decade of the
estimated price): a value above ``median + max(z · 1.4826 · MAD, min_excess · median)`` of at
least ``min_peers`` peers is an outlier (条例 第三十二条第（二）项: conditions out of proportion).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from sunbid.kernel.rules import REGS
from sunbid.risk.indicators import Indicator, Severity, concat_flags, empty_flags

FC = "《招标投标领域公平竞争审查规则》（2024年第16号令）"
OPINION = "发改法规规〔2022〕1117号"
EBID = "《电子招标投标办法》"
QUOTE_CHARS = 160
LOCAL = r"(?:本地|当地|本市|本省|本县|本区|市内|省内|区内|县内|项目所在地|工程所在地|[\p{Han}]{2,4}(?:省|市|县|区)(?:内|范围内)?)"
#: Words that make a sentence forbid, not demand, what follows them.
NEGATION = (
    r"(?:不得|禁止|严禁|不应|不能|不予|无需|无须|不需|不需要|不要求|不作为|不设|不属于|不得以|不再|取消|并非|除外)"
)
#: Thresholds phrased with a prohibitive word: "不得少于5000万元" demands, it does not forbid.
NOT_A_NEGATION = r"(?:不得|不应|不能)(?:少|低|小|短|晚|迟|超|高|多)于"


@dataclass(frozen=True)
class ClauseRule:
    id: str
    title_zh: str
    title_en: str
    article: str
    pattern: str
    severity: Severity = Severity.HIGH
    negatable: bool = True  # a prohibitive word before the match sets the sentence aside
    exclude: str | None = None  # a sentence matching this is not a hit


RULES: tuple[ClauseRule, ...] = (
    ClauseRule(
        "FC-LOCAL-BRANCH",
        "要求在本地设立分支机构或本地注册",
        "A local branch or local registration required",
        f"{FC}第六条；{OPINION}（三）",
        rf"{LOCAL}.{{0,12}}(?:设立|设有|设置|注册|成立|具有|拥有).{{0,8}}(?:分支机构|分公司|子公司|办事处|常驻机构|服务网点|营业网点|售后服务机构)"
        rf"|(?:分支机构|分公司|办事处|常驻机构).{{0,8}}(?:须|必须|应当?)(?:设在|位于){LOCAL}"
        rf"|(?:须|必须|应当?)(?:为|是){LOCAL}.{{0,6}}(?:注册|登记)的?(?:企业|单位|法人)",
    ),
    ClauseRule(
        "FC-LOCAL-TAX",
        "要求在本地缴纳税收或社会保险",
        "Local tax or social-insurance payments required",
        f"{FC}第六条；{OPINION}（三）",
        rf"(?:在|于){LOCAL}.{{0,8}}(?:缴纳|缴交|参加|参保).{{0,6}}(?:税|社会保险|社保)|{LOCAL}.{{0,4}}(?:纳税|社保|社会保险)(?:证明|记录)",
    ),
    ClauseRule(
        "FC-LOCAL-CONSORTIUM",
        "要求与本地企业组成联合体",
        "A consortium with local firms required",
        f"{FC}第六条",
        rf"(?:须|必须|应当?).{{0,6}}与{LOCAL}.{{0,8}}(?:企业|单位|公司).{{0,4}}(?:组成|组建)联合体",
    ),
    ClauseRule(
        "FC-LOCAL-EXPERIENCE",
        "以特定地区或行业的业绩、奖项作为条件或加分",
        "Experience or awards from a specific region or industry as a condition or bonus points",
        f"{REGS}第三十二条第（三）项；{FC}第六条、第七条",
        rf"{LOCAL}.{{0,10}}(?:业绩|获奖|奖项|荣誉|工程经验)|(?:省级|市级|区级|县级|省部级|地市级).{{0,8}}(?:奖|优质工程|文明工地|示范工程|荣誉称号).{{0,20}}(?:加|得|计)\s*\d+(?:\.\d+)?\s*分",
    ),
    ClauseRule(
        "FC-AWARD-BONUS",
        "以奖项、荣誉作为加分条件",
        "Awards or honours as bonus points",
        f"{REGS}第三十二条第（三）项；{FC}第七条",
        r"(?:获得|荣获|获|具有).{0,20}(?:奖|荣誉|称号|优质工程|文明工地).{0,15}(?:加|得|计)\s*\d+(?:\.\d+)?\s*分",
        severity=Severity.MEDIUM,
        exclude=r"省级|市级|区级|县级|省部级|地市级|本地|本市|本省|当地",
    ),
    ClauseRule(
        "FC-OWNERSHIP",
        "限定投标人的所有制形式或者组织形式",
        "Ownership or organisational form of bidders limited",
        f"{REGS}第三十二条第（六）项；{FC}第七条",
        r"(?:仅限|限于|只接受|只允许|必须为|须为|必须是|须是|应为)(?:国有|国有控股|国有独资|国企|央企|中央企业|民营|外资|外商投资|集体|上市|股份有限)"
        r"|(?:国有|民营|外资|集体)(?:企业)?.{0,6}(?:加|得)\s*\d+(?:\.\d+)?\s*分",
    ),
    ClauseRule(
        "FC-BRAND",
        "指定或者限定特定的专利、商标、品牌、原产地或者供应商",
        "Patents, trademarks, brands, origins or suppliers specified",
        f"{REGS}第三十二条第（五）项；《招标投标法》第二十条",
        r"(?:指定|唯一|仅限|限定|必须采用|须采用|必须使用|须使用|只能使用|必须选用|须选用).{0,15}(?:品牌|厂家|厂商|生产商|制造商|供应商|型号|商标|原产地|产地)"
        r"|品牌[:：]\s*[\p{Han}A-Za-z]{2,}|(?:须|必须)(?:拥有|具有|具备|提供).{0,10}专利",
        exclude=r"或(?:相当|同等|同档次|等同|以上)|参考品牌|仅供参考",
    ),
    ClauseRule(
        "FC-SCALE",
        "以注册资本、资产、营业收入、市场份额等规模条件设限或评分",
        "Registered capital, assets, turnover, market share or size as conditions or scores",
        f"{FC}第七条；{OPINION}（三）；《政府采购货物和服务招标投标管理办法》第十七条",
        r"(?:注册资本|注册资金|资产总额|净资产|营业收入|营业额|年产值|利润总额|从业人员|职工人数)(?:须|应|必须)?.{0,6}(?:不少于|不低于|不小于|达到|以上|≥|>=|超过|至少)"
        r"|(?:市场占有率|市场份额|资产负债率|企业规模).{0,15}(?:不少于|不低于|达到|以上|低于|≤|加|得)",
    ),
    ClauseRule(
        "FC-ASSOCIATION",
        "要求加入特定行业协会或者以会员资格为条件",
        "Membership of a specific association required",
        f"{FC}第六条",
        r"(?:协会|商会|学会|联合会)(?:的)?(?:会员|理事|成员)(?:单位|资格|证书)?",
        exclude=r"(?:协会|商会)(?:颁发|发布|制定)的?(?:标准|规范)",
    ),
    ClauseRule(
        "FC-ISSUER",
        "要求由特定地区或行业的主管部门、机构颁发的证书",
        "Certificates required from a specific region's or industry's authority",
        f"{FC}第六条（特定地区或特定行业颁发的培训证书、从业证明）",
        rf"(?:须|必须|应当?|只接受|仅限)(?:由|为|是)?{LOCAL}?.{{0,12}}(?:主管部门|行业协会|协会|机构|部门)(?:颁发|核发|出具|签发)",
        severity=Severity.MEDIUM,
    ),
    ClauseRule(
        "FC-ORIGINALS",
        "投标阶段要求提供原件",
        "Originals demanded at bidding",
        f"{FC}第十条（不得要求在投标环节提供原件，可以书面承诺代替并事后核验）",
        r"(?:提供|提交|递交|携带|出示)(?:有关|相关)?(?:证明|证件|资质证书|证书|营业执照)?的?原件",
        severity=Severity.MEDIUM,
        exclude=r"原件(?:的)?(?:扫描件|复印件|照片|影印件)|核验|核对|核查|查验|中标后|签订合同",
    ),
    ClauseRule(
        "FC-ATTENDANCE",
        "要求法定代表人、项目负责人等亲自到场",
        "The legal representative, project manager or technical lead required to attend in person",
        f"{FC}第十条",
        r"(?:法定代表人|项目经理|项目负责人|技术负责人).{0,10}(?:须|必须|应当?)(?:亲自|本人)?.{0,6}(?:到场|出席|现场参加|参加开标|携带|亲自)",
    ),
    ClauseRule(
        "FC-DEPOSIT-OTHER",
        "收取投标、履约、质量、农民工工资保证金以外的保证金",
        "Deposits other than bid, performance, quality and wage deposits",
        f"{FC}第十一条",
        r"(?:诚信|信誉|报名|文明施工|安全文明|廉政|风险|投标诚信|履约诚信)保证金",
    ),
    ClauseRule(
        "FC-DEPOSIT-FORM",
        "限定保证金的形式",
        "The form of the deposit restricted",
        f"{FC}第十一条；《关于严格执行招标投标法规制度进一步规范招标投标主体行为的若干意见》",
        r"保证金.{0,15}(?:只接受|仅接受|只能以|须以|必须以|仅限|只限)(?:现金|转账|汇款|电汇|银行转账|支票|保函)|(?:不接受|拒绝)(?:银行)?(?:保函|电子保函|保证保险|担保)",
        negatable=False,
    ),
    ClauseRule(
        "FC-GUARANTOR",
        "要求由特定金融机构出具保函或保险",
        "Guarantees or insurance required from a specific institution",
        f"{FC}第十一条",
        r"(?:指定|须由|必须由|仅限|只接受)(?:的)?.{0,12}(?:银行|保险公司|担保公司|担保机构|金融机构).{0,8}(?:出具|开具|开立|提供)",
    ),
    ClauseRule(
        "FC-REGISTRATION",
        "设置报名环节",
        "A registration (报名) step imposed",
        f"{EBID}第十九条；{OPINION}（三）",
        r"(?:须|必须|应当?|需)(?:先|事先|到|在)?.{0,10}(?:报名|现场报名|登记报名)",
        exclude=r"报名费|报名保证金",
    ),
    ClauseRule(
        "FC-TOOL",
        "强制使用或购买特定的数字证书、投标工具或软件",
        "A particular digital certificate, bid tool or software must be used or bought",
        f"{FC}第五条；{EBID}第八条、第十六条",
        r"(?:须|必须|需|需要|应当?)(?:使用|购买|办理|安装|采用).{0,16}(?:数字证书|CA证书|CA锁|加密锁|证书锁|投标工具|编制工具|客户端|专用软件)"
        r"|(?:数字证书|CA证书|CA锁|加密锁).{0,12}(?:须|必须|需)购买",
        severity=Severity.MEDIUM,
    ),
    ClauseRule(
        "FC-DOC-FEE",
        "电子招标文件收费或超过成本收费",
        "Fees for electronic tender documents, or beyond their cost",
        f"{REGS}第十六条；{EBID}第二十条",
        r"(?:招标文件|资格预审文件|文件)(?:的)?(?:售价|工本费|费用|收费|价格)(?:为|是|：|:)?\s*(?:人民币)?\s*[1-9]\d*(?:\.\d+)?\s*元",
        severity=Severity.MEDIUM,
    ),
    ClauseRule(
        "FC-LOTTERY",
        "以抽签、摇号等方式确定中标人",
        "The winner chosen by lottery",
        f"{FC}第八条",
        r"(?:抽签|摇号|抓阄|随机抽取).{0,12}(?:确定|产生|选定)(?:中标人|中标候选人|成交人|中标单位)",
    ),
    ClauseRule(
        "FC-CERTIFICATION",
        "以非强制性认证作为资格条件",
        "Non-mandatory certifications as qualification conditions",
        f"{OPINION}（三）",
        r"(?:须|必须|应当?)(?:具有|具备|持有|通过|提供).{0,12}(?:ISO\s*\d{4,5}|质量管理体系认证|环境管理体系认证|职业健康安全管理体系认证|OHSAS)",
        severity=Severity.MEDIUM,
    ),
    ClauseRule(
        "FC-LIST",
        "要求列入特定名录、预选库或本地目录",
        "Bidders required to be on a pre-selection list, directory or local catalogue",
        f"{FC}第五条",
        r"(?:须|必须|应当?|仅限)(?:为|是|属于|列入|纳入|在).{0,10}(?:预选|入围|名录|备选库|供应商库|承包商库)"
        r"|(?:创新|优先|推荐|首购|首台).{0,6}(?:产品)?目录(?:内|中)",
        exclude=r"负面清单|黑名单|失信",
    ),
    ClauseRule(
        "FC-DISCRIMINATION",
        "对本地与外地投标人适用不同标准",
        "Different standards for local and non-local bidders",
        f"{REGS}第三十二条第（四）项",
        r"(?:外地|外省|外市|非本地|市外|省外)(?:企业|单位|投标人).{0,12}(?:另行|额外|加收|扣|减|不得|须另|增加)|(?:本地|本市|本省)(?:企业|单位|投标人).{0,10}(?:优先|加\s*\d+(?:\.\d+)?\s*分|免)",
        negatable=False,
    ),
)
RULE_IDS = tuple(r.id for r in RULES)

HEADING = r"^\s*(?:第[一二三四五六七八九十百零〇]+[章节篇部分条]|[一二三四五六七八九十]+、|\d+(?:\.\d+){0,2}\s*[\p{Han}]|[（(][一二三四五六七八九十\d]+[)）])"


def sentences(documents: pl.DataFrame) -> pl.DataFrame:
    """The documents cut into sentences: document, tender, line (1-based), the heading above, the sentence."""
    doc, row = pl.col("document_id"), pl.int_range(pl.len())
    lines = (
        documents.lazy()
        .filter(pl.col("text").is_not_null())
        .select(
            pl.col("document_id").fill_null(pl.col("tender_id")),
            "tender_id",
            pl.col("text").str.replace_all("\r\n?", "\n").str.split("\n").alias("line_text"),
        )
        .with_columns(pl.int_ranges(1, pl.col("line_text").list.len() + 1).alias("line"))
        .explode("line_text", "line")
        .with_columns(pl.col("line_text").str.strip_chars())
        # The heading above each line: the last heading line of the same document (a document's
        # lines are consecutive rows, so a forward fill that restarts where the document changes).
        .with_columns(
            (pl.col("line_text").str.contains(HEADING) & (pl.col("line_text").str.len_chars() <= 60)).alias("_head"),
            (doc.ne_missing(doc.shift(1)) | (row == 0)).alias("_new_doc"),
        )
        .with_columns(
            pl.when("_head").then(pl.col("line_text")).forward_fill().alias("heading"),
            pl.when("_head").then(row).forward_fill().alias("_head_row"),
            pl.when("_new_doc").then(row).forward_fill().alias("_doc_row"),
        )
        .with_columns(pl.when(pl.col("_head_row") >= pl.col("_doc_row")).then(pl.col("heading")).alias("heading"))
    )
    return (
        lines.with_columns(
            pl.col("line_text").str.replace_all(r"([。；;！？!?])", "$1\x00").str.split("\x00").alias("sentence")
        )
        .explode("sentence")
        .with_columns(pl.col("sentence").str.strip_chars())
        .filter(pl.col("sentence").str.len_chars() > 1)
        .select("document_id", "tender_id", "line", "heading", "sentence")
        .collect()
    )


class ClauseReview(Indicator):
    id = "FC-REVIEW"
    family = "review"
    title_zh = "招标文件公平竞争审查：排斥、限制潜在投标人的条款"
    title_en = "Fair-competition review: clauses that exclude or restrict potential bidders"
    basis = f"{FC}；{REGS}第三十二条；{OPINION}（三）"
    definition = "Every clause rule (FC-*) over every sentence of the tender documents; each hit is one flag."
    severity = Severity.HIGH

    def __init__(self, rules: Sequence[ClauseRule] = RULES) -> None:
        super().__init__()
        self.rules = tuple(rules)

    def hits(self, documents: pl.DataFrame) -> pl.DataFrame:
        """One row per (rule, sentence) hit with the quoted clause and its location."""
        located = sentences(documents)
        # Tender documents share their boilerplate: each distinct sentence is checked once.
        sent = located.select("sentence").unique()
        neg_text = pl.col("sentence").str.replace_all(NOT_A_NEGATION, "至少")
        parts = []
        for rule in self.rules:
            hit = pl.col("sentence").str.contains(rule.pattern)
            if rule.exclude:
                hit = hit & ~pl.col("sentence").str.contains(rule.exclude)
            if rule.negatable:
                # The text up to the end of the match, thresholds aside, holds no prohibitive word.
                before = neg_text.str.extract(f"^(.*?(?:{rule.pattern}))", 1).fill_null("")
                hit = hit & ~before.str.contains(NEGATION)
            parts.append(
                sent.lazy()
                .filter(hit)
                .select(
                    pl.lit(rule.id).alias("rule"),
                    "sentence",
                    pl.col("sentence").str.extract(f"({rule.pattern})", 1).alias("match"),
                )
            )
        found = pl.concat(pl.collect_all(parts)).with_columns(_quote().alias("quote"))
        return (
            located.join(found, on="sentence")
            .select("rule", "document_id", "tender_id", "line", "heading", "sentence", "match", "quote")
            .sort("document_id", "line", "rule")
        )

    def compute(self, documents: pl.DataFrame) -> pl.DataFrame:
        found = self.hits(documents)
        if found.height == 0:
            return empty_flags()
        meta = pl.DataFrame(
            {
                "rule": [r.id for r in self.rules],
                "rule_title_zh": [r.title_zh for r in self.rules],
                "rule_title_en": [r.title_en for r in self.rules],
                "article": [r.article for r in self.rules],
                "rule_severity": [str(r.severity) for r in self.rules],
            }
        )
        found = found.join(meta, on="rule")
        parts = []
        for severity in (Severity.HIGH, Severity.MEDIUM, Severity.LOW):
            rows = found.filter(pl.col("rule_severity") == str(severity))
            if rows.height == 0:
                continue
            flags = self.flags(
                rows,
                subject_type="document",
                subjects=pl.concat_list(pl.col("document_id"), pl.format("{}#L{}", "rule", "line")),
                tender=pl.col("tender_id"),
                severity=severity,
                evidence=pl.struct(
                    pl.col("rule"),
                    pl.col("rule_title_zh"),
                    pl.col("rule_title_en"),
                    pl.col("article"),
                    pl.col("quote"),
                    pl.col("match"),
                    pl.col("line"),
                    pl.col("heading"),
                    pl.col("document_id"),
                ),
            )
            # The flag carries its rule's title and article, not the review's.
            parts.append(
                flags.with_columns(
                    pl.col("evidence").str.json_path_match("$.rule").alias("indicator"),
                    pl.col("evidence").str.json_path_match("$.rule_title_zh").alias("title_zh"),
                    pl.col("evidence").str.json_path_match("$.rule_title_en").alias("title_en"),
                    pl.col("evidence").str.json_path_match("$.article").alias("basis"),
                )
            )
        return concat_flags(parts)


def _quote() -> pl.Expr:
    """The sentence, cut to ``QUOTE_CHARS`` characters around the match."""
    s = pl.col("sentence")
    # Characters before the match (``str.find`` counts bytes, ``str.slice`` characters).
    start = s.str.split(pl.col("match").fill_null("\x00")).list.first().str.len_chars().fill_null(0)
    begin = pl.max_horizontal(pl.lit(0), start - QUOTE_CHARS // 3)
    cut = s.str.slice(begin, QUOTE_CHARS)
    long = s.str.len_chars() > QUOTE_CHARS
    return (
        pl.when(long)
        .then(pl.concat_str(pl.when(begin > 0).then(pl.lit("…")).otherwise(pl.lit("")), cut, pl.lit("…")))
        .otherwise(s)
    )


# ---------------------------------------------------------------------------- qualification outliers
_HAN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
GRADES = {"特级": 4, "甲级": 3, "一级": 3, "乙级": 2, "二级": 2, "丙级": 1, "三级": 1}
TERMS = ("registered_capital", "contract_value", "similar_contracts", "grade", "text_chars")


def _yuan(number: str, unit: str) -> pl.Expr:
    x = pl.col("qualification_requirements").str.extract(number, 1).cast(pl.Float64, strict=False)
    u = pl.col("qualification_requirements").str.extract(unit, 1)
    return x * pl.when(u == "亿").then(1e8).when(u == "万").then(1e4).otherwise(1.0)


def qualification_terms(tenders: pl.DataFrame) -> pl.DataFrame:
    """Numbers read from each tender's qualification requirements (null where the text has none)."""
    capital = r"注册(?:资本|资金)[^0-9\n。；]{0,12}?(\d+(?:\.\d+)?)\s*(?:万|亿)?元?"
    capital_unit = r"注册(?:资本|资金)[^0-9\n。；]{0,12}?\d+(?:\.\d+)?\s*(万|亿)"
    contract = r"(?:单个|单项|单份)?合同(?:金额|额)?[^0-9\n。；]{0,10}?(?:不低于|不少于|达到|以上|≥)\s*(\d+(?:\.\d+)?)\s*(?:万|亿)?元"
    contract_unit = (
        r"(?:单个|单项|单份)?合同(?:金额|额)?[^0-9\n。；]{0,10}?(?:不低于|不少于|达到|以上|≥)\s*\d+(?:\.\d+)?\s*(万|亿)"
    )
    count = r"(?:类似|同类)(?:项目|工程)?(?:业绩)?[^0-9一二三四五六七八九十\n。；]{0,12}?(\d+|[一二两三四五六七八九十])\s*(?:个|项|例|份)"
    q = pl.col("qualification_requirements")
    grade = pl.max_horizontal(*(pl.when(q.str.contains(g)).then(v).otherwise(0) for g, v in GRADES.items()))
    n = q.str.extract(count, 1)
    return tenders.select(
        "tender_id",
        "category",
        "sector",
        "estimated_price",
        _yuan(capital, capital_unit).alias("registered_capital"),
        _yuan(contract, contract_unit).alias("contract_value"),
        pl.coalesce(
            n.cast(pl.Float64, strict=False), n.replace_strict(_HAN_DIGITS, default=None, return_dtype=pl.Float64)
        ).alias("similar_contracts"),
        pl.when(grade > 0).then(grade.cast(pl.Float64)).alias("grade"),
        q.str.len_chars().cast(pl.Float64).alias("text_chars"),
    )


class QualificationOutliers(Indicator):
    id = "QUAL-OUTLIER"
    family = "review"
    title_zh = "资格条件明显高于同类项目（与项目规模不相适应）"
    title_en = "Qualification conditions far above similar projects' (out of proportion to the project)"
    basis = f"{REGS}第三十二条第（二）项：设定的资格、技术、商务条件与招标项目的具体特点和实际需要不相适应；{FC}第七条"
    definition = (
        "For each term read from the qualification requirements (registered capital, value of one similar "
        "contract, number of similar contracts, highest grade, text length), the tenders of the same category, "
        "sector and size band (decade of the estimated price) with at least `min_peers` members: a value above "
        "median + max(`z`·1.4826·MAD, `min_excess`·median) is flagged."
    )
    severity = Severity.MEDIUM
    defaults: ClassVar[Mapping[str, float]] = {"min_peers": 5.0, "z": 3.5, "min_excess": 0.5}

    def compute(self, tenders: pl.DataFrame) -> pl.DataFrame:
        terms = qualification_terms(tenders.filter(pl.col("qualification_requirements").is_not_null()))
        band = pl.col("estimated_price").log10().floor().cast(pl.Int64).fill_null(-1).alias("size_band")
        long = (
            terms.with_columns(band)
            .unpivot(index=["tender_id", "category", "sector", "size_band"], on=list(TERMS), variable_name="term")
            .drop_nulls("value")
        )
        peers = ["category", "sector", "size_band", "term"]
        # One window per step: a window over an expression holding another window is far slower.
        scored = (
            long.with_columns(pl.col("value").median().over(peers).alias("median"), pl.len().over(peers).alias("peers"))
            .with_columns((pl.col("value") - pl.col("median")).abs().median().over(peers).alias("mad"))
            .select(*long.columns, "median", "mad", "peers")
        ).with_columns(
            (
                pl.col("median")
                + pl.max_horizontal(self["z"] * 1.4826 * pl.col("mad"), self["min_excess"] * pl.col("median").abs())
            ).alias("upper")
        )
        out = scored.filter((pl.col("peers") >= self["min_peers"]) & (pl.col("value") > pl.col("upper")))
        if out.height == 0:
            return empty_flags()
        return self.flags(
            out,
            subject_type="tender",
            subjects=pl.concat_list(pl.col("tender_id"), pl.col("term")),
            tender=pl.col("tender_id"),
            value=pl.col("value"),
            evidence=pl.struct(
                pl.col("term"),
                pl.col("value"),
                pl.col("median").alias("peer_median"),
                pl.col("mad").alias("peer_mad"),
                pl.col("upper").alias("upper_limit"),
                pl.col("peers"),
                pl.col("category"),
                pl.col("sector"),
                pl.col("size_band").alias("size_band_log10_yuan"),
            ),
        )


def review_documents(
    documents: pl.DataFrame, tenders: pl.DataFrame | None = None, **thresholds: dict[str, float]
) -> pl.DataFrame:
    parts = [ClauseReview().compute(documents)]
    if tenders is not None and tenders.height:
        parts.append(QualificationOutliers(**thresholds.get(QualificationOutliers.id, {})).compute(tenders))
    return concat_flags(parts)


def rule_cards() -> list[dict[str, str]]:
    return [
        {"id": r.id, "title_zh": r.title_zh, "title_en": r.title_en, "article": r.article, "severity": str(r.severity)}
        for r in RULES
    ]


__all__ = ["RULES", "ClauseReview", "ClauseRule", "QualificationOutliers", "review_documents", "rule_cards"]

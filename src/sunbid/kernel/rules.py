"""The statutory rule table: every time limit, cap and count, with the article it comes from.

Nothing in the code is a magic number: a use case asks the :class:`RuleBook` for
``"issue_to_deadline_min_days"`` and gets 20 together with 《招标投标法》第二十四条. A
jurisdiction overrides values (and must then give its own citation) in a TOML file::

    [jurisdiction]
    name = "南京市"

    [rules.tender_plan_lead_days]
    value = 30
    citation = "宁发改法规字〔2022〕519号"

A ``[calendar]`` table in the same file gives the holidays and adjusted working days that rules
counted in ``working_days`` need (see :mod:`sunbid.kernel.calendar`); :meth:`RuleBook.deadline`
ends a period by its rule's unit.

``certainty`` follows the reference: ``verified`` (read in the official text), ``secondary``
(read in a transcription) or ``unverified``; ``platform`` marks this platform's reading where
the text gives no number (each such reading has an ADR).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from sunbid.kernel.calendar import Deadline, WorkingCalendar, china_date
from sunbid.kernel.errors import DomainError

LAW = "《招标投标法》"
REGS = "《招标投标法实施条例》"
EBID = "《电子招标投标办法》"
EVAL = "《评标委员会和评标方法暂行规定》"
WORKS = "《工程建设项目施工招标投标办法》"
GPROC = "《政府采购货物和服务招标投标管理办法》（财政部令第87号）"
SME = "《政府采购促进中小企业发展管理办法》（财库〔2020〕46号）第九条；《关于进一步加大政府采购支持中小企业力度的通知》（财库〔2022〕19号）"
NANJING = "南京市贯彻落实《国务院办公厅关于创新完善体制机制推动招标投标市场规范健康发展的意见》实施方案"


@dataclass(frozen=True)
class Rule:
    key: str
    value: int | Decimal
    unit: str  # "days", "working_days", "hours", "years", "count", "ratio", "yuan"
    title_zh: str
    title_en: str
    citation: str
    certainty: str = "verified"

    @property
    def citation_text(self) -> str:
        return self.citation


#: The expert pool and the committee's draw (M7, M19). ADR 12 explains the readings marked
#: ``platform`` and the local practices marked ``unverified``.
_EXPERT_RULES: tuple[Rule, ...] = (
    Rule(
        "expert_senior_title_required",
        1,
        "count",
        "评标专家须具有高级职称或者具有同等专业水平（1 为要求，0 为不要求）",
        "Experts hold a senior title or an equivalent professional level (1 required, 0 not)",
        f"{LAW}第三十七条",
    ),
    Rule(
        "expert_max_age",
        70,
        "years",
        "评标专家年龄上限（周岁，达到即不再入库或抽取）",
        "Age (full years) at which an expert is no longer admitted or drawn",
        "地方评标专家管理办法（常见为70周岁）",
        "unverified",
    ),
    Rule(
        "expert_recent_employer_years",
        3,
        "years",
        "专家离开投标人单位未满该年数的应当回避（0 为不适用）",
        "An expert who left a bidder fewer than this many years ago is excluded (0 disables the rule)",
        "地方评标专家回避规定（常见为离职未满三年）",
        "unverified",
    ),
    Rule(
        "expert_sanction_bar_years",
        0,
        "years",
        "曾因招标投标违法行为受过行政处罚或刑事处罚的专家不得担任评标委员会成员的年限（0 为永久）",
        "Years a sanction for tendering misconduct bars an expert from committees (0: for good)",
        f"{EVAL}第十二条",
        "secondary",
    ),
    Rule(
        "exclude_tenderer_agency_staff",
        1,
        "count",
        "招标人或招标代理机构的工作人员不得作为专家参加本项目评标（1 为适用）",
        "Staff of the tenderer or its agency are not drawn as experts for its tender (1 applies)",
        "地方评标专家回避规定；《招标投标法》第三十七条（招标人代表另行委派）",
        "unverified",
    ),
    Rule(
        "exclude_earlier_work",
        1,
        "count",
        "参与过本项目前期咨询、设计或招标文件编制的专家应当回避（1 为适用）",
        "Experts who worked on the project's plan, design or tender documents are excluded (1 applies)",
        "地方评标专家回避规定",
        "unverified",
    ),
    Rule(
        "committee_extension_fraction",
        Decimal("0.3333"),
        "ratio",
        "超过三分之一的评标委员会成员认为评标时间不够的，招标人应当适当延长",
        "When more than one third of the members find the time too short, the tenderer extends it",
        f"{REGS}第四十八条",
    ),
    Rule(
        "evaluation_max_hours",
        240,
        "hours",
        "一次评标（或一次延长）可安排的最长小时数（平台设定）",
        "The longest evaluation, or extension, that can be scheduled at once (set by the platform)",
        f"{REGS}第四十八条",
        "platform",
    ),
    Rule(
        "expert_rating_max_score",
        100,
        "count",
        "一标一评：对评标专家评价的满分（平台设定）",
        "The top score of a rating of an expert after an evaluation (set by the platform)",
        "《评标专家和评标专家库管理办法》（2024年第26号令）",
        "platform",
    ),
)

_DEFAULTS: tuple[Rule, ...] = (
    Rule(
        "tender_plan_lead_days",
        30,
        "days",
        "招标计划须至少提前公开的天数",
        "Days a tender plan must be public before the announcement",
        "宁发改法规字〔2022〕519号《关于进一步夯实招标人主体责任的通知》",
        "verified",
    ),
    Rule(
        "doc_sale_min_days",
        5,
        "days",
        "招标文件发售期最短天数",
        "Minimum sale period of tender documents",
        f"{REGS}第十六条",
    ),
    Rule(
        "issue_to_deadline_min_days",
        20,
        "days",
        "招标文件开始发出至投标截止最短天数",
        "Minimum days from first issue of tender documents to the bid deadline",
        f"{LAW}第二十四条",
    ),
    Rule(
        "clarify_min_days_before_deadline",
        15,
        "days",
        "澄清或修改须在投标截止前至少天数，否则顺延截止时间",
        "A clarification or modification must reach bidders this many days before the deadline, or the deadline moves",
        f"{LAW}第二十三条；{REGS}第二十一条",
    ),
    Rule(
        "objection_tender_doc_min_days_before_deadline",
        10,
        "days",
        "对招标文件提出异议须在投标截止前至少天数",
        "Objections to tender documents must be raised at least this many days before the deadline",
        f"{REGS}第二十二条",
    ),
    Rule(
        "objection_answer_days",
        3,
        "days",
        "招标人答复异议的期限（答复前暂停招标投标活动）",
        "Days within which the tenderer answers an objection (activities suspended until then)",
        f"{REGS}第二十二条",
    ),
    Rule(
        "min_bidders",
        3,
        "count",
        "投标人少于三个的，不得开标，应当依法重新招标",
        "With fewer than three bidders there is no opening: re-tender",
        f"{LAW}第二十八条；{REGS}第四十四条",
    ),
    Rule(
        "invited_min_invitees",
        3,
        "count",
        "邀请招标应当向三个以上特定法人或组织发出投标邀请书",
        "An invited tender must invite at least three qualified entities",
        f"{LAW}第十七条",
    ),
    Rule(
        "bid_deposit_max_ratio",
        Decimal("0.02"),
        "ratio",
        "投标保证金不得超过招标项目估算价的2%",
        "Bid deposit at most 2% of the estimated price",
        f"{REGS}第二十六条",
    ),
    Rule(
        "bid_deposit_works_cap",
        Decimal("800000.00"),
        "yuan",
        "施工招标投标保证金最高不得超过八十万元",
        "Bid deposit for works at most ¥800,000",
        f"{WORKS}第三十七条",
        "secondary",
    ),
    Rule(
        "bid_deposit_goods_cap",
        Decimal("800000.00"),
        "yuan",
        "货物招标投标保证金最高不得超过八十万元",
        "Bid deposit for goods at most ¥800,000",
        "《工程建设项目货物招标投标办法》第二十七条",
        "unverified",
    ),
    Rule(
        "bid_deposit_services_cap",
        Decimal("100000.00"),
        "yuan",
        "勘察设计服务招标投标保证金最高不得超过十万元",
        "Bid deposit for survey and design services at most ¥100,000",
        "《工程建设项目勘察设计招标投标办法》",
        "unverified",
    ),
    Rule(
        "perf_security_max_ratio",
        Decimal("0.10"),
        "ratio",
        "履约保证金不得超过中标合同金额的10%",
        "Performance security at most 10% of the contract price",
        f"{REGS}第五十八条",
    ),
    Rule(
        "deposit_refund_after_withdraw_days",
        5,
        "days",
        "撤回投标文件后退还投标保证金期限",
        "Deposit refunded within this many days of a withdrawal",
        f"{REGS}第三十五条",
    ),
    Rule(
        "deposit_refund_after_failure_days",
        5,
        "days",
        "标段流标或终止招标后退还投标保证金期限（法规规定“及时退还”，本平台按5日执行）",
        "Deposits refunded within this many days of a failed section or a terminated tender "
        "(the regulation says 'promptly'; this platform reads it as 5 days)",
        f"{REGS}第三十一条",
        "platform",
    ),
    Rule(
        "deposit_retain_decision_days",
        5,
        "days",
        "投标被视为撤销后，招标人决定是否不予退还保证金的期限，逾期应退还",
        "Days the tenderer has to decide to keep the deposit of a revoked bid; after that it is refunded",
        f"{REGS}第三十五条",
        "platform",
    ),
    *(
        Rule(
            f"deposit_ratio_credit_{grade}",
            Decimal("1.00"),
            "ratio",
            f"信用等级为{grade.upper()}的投标人应缴投标保证金比例（由地方信用管理规定设定，默认全额）",
            f"Share of the deposit a bidder of credit grade {grade.upper()} pays (set by the jurisdiction; "
            "the whole deposit by default)",
            f"{REGS}第二十六条",
            "platform",
        )
        for grade in ("a", "b", "c", "d")
    ),
    Rule(
        "deposit_refund_after_contract_days",
        5,
        "days",
        "签订合同后退还投标保证金期限",
        "Deposits refunded within this many days of the contract",
        f"{REGS}第五十七条",
    ),
    Rule(
        "candidate_publicity_start_within_days",
        3,
        "days",
        "收到评标报告后公示中标候选人期限",
        "Candidates are published within this many days of the report",
        f"{REGS}第五十四条",
    ),
    Rule(
        "candidate_publicity_min_days",
        3,
        "days",
        "中标候选人公示期最短天数",
        "Minimum candidate publicity period",
        f"{REGS}第五十四条",
    ),
    Rule("max_candidates", 3, "count", "中标候选人不超过三个", "At most three candidates", f"{REGS}第五十三条"),
    Rule(
        "committee_min_size",
        5,
        "count",
        "评标委员会成员人数为五人以上单数",
        "Committee of at least five, odd",
        f"{LAW}第三十七条",
    ),
    Rule(
        "committee_expert_ratio_min",
        Decimal("0.6667"),
        "ratio",
        "技术、经济等方面的专家不得少于成员总数的三分之二",
        "Experts at least two thirds of the committee",
        f"{LAW}第三十七条",
    ),
    Rule(
        "expert_min_years",
        8,
        "count",
        "评标专家从事相关领域工作满八年",
        "Experts have eight years in the field",
        f"{LAW}第三十七条",
    ),
    *_EXPERT_RULES,
    Rule(
        "contract_sign_days_after_award",
        30,
        "days",
        "中标通知书发出之日起三十日内订立书面合同",
        "Contract within 30 days of the award notice",
        f"{LAW}第四十六条",
    ),
    Rule(
        "report_to_supervisor_days",
        15,
        "days",
        "确定中标人之日起十五日内向有关行政监督部门提交书面报告",
        "Report to the supervisor within 15 days of the award",
        f"{LAW}第四十七条",
    ),
    Rule(
        "complaint_window_days",
        10,
        "days",
        "知道或者应当知道之日起十日内投诉",
        "Complaints within 10 days of knowing",
        f"{REGS}第六十条",
    ),
    Rule(
        "complaint_accept_working_days",
        3,
        "working_days",
        "行政监督部门自收到投诉之日起决定是否受理的期限",
        "Working days within which the supervisor decides whether to accept a complaint, from its receipt",
        f"{REGS}第六十一条",
    ),
    Rule(
        "complaint_decide_working_days",
        30,
        "working_days",
        "自受理投诉之日起作出书面处理决定的期限（检验、检测、鉴定、专家评审所需时间不计算在内）",
        "Working days within which the supervisor decides an accepted complaint in writing "
        "(time for testing, inspection, appraisal and expert review is not counted)",
        f"{REGS}第六十一条",
    ),
    Rule(
        "complaint_unfounded_window_days",
        365,
        "days",
        "统计投诉人不予受理或驳回的投诉的期间",
        "The window in which a complainant's refused or dismissed complaints are counted",
        "南京市贯彻落实国办发〔2024〕21号实施方案第63项（有效遏制恶意投诉）；《招标投标法实施条例》第七十七条",
        "platform",
    ),
    Rule(
        "complaint_unfounded_threshold",
        3,
        "count",
        "期间内投诉被不予受理或驳回达到该次数的，标记为多次无理投诉",
        "A complainant with this many refused or dismissed complaints in the window is flagged",
        "南京市贯彻落实国办发〔2024〕21号实施方案第63项（有效遏制恶意投诉）；《招标投标法实施条例》第七十七条",
        "platform",
    ),
    Rule(
        "decision_committee_min_size",
        3,
        "count",
        "评定分离定标委员会的最少人数（由招标人依招标文件组建；地方规定可提高）",
        "The fewest members of a tenderer's award committee under 评定分离 (local rules may raise it)",
        "南京市贯彻落实国办发〔2024〕21号实施方案第31项（评定分离，定标全过程记录）",
        "platform",
    ),
    Rule(
        "penalty_publicity_working_days",
        7,
        "working_days",
        "行政处罚七个工作日内公示（双公示）",
        "Penalties published within 7 working days",
        "国务院社会信用体系建设相关文件（双公示）",
        "secondary",
    ),
)

#: The evaluation room's numbers: methods, price preferences, abnormally low prices, 评定分离.
_EVALUATION: tuple[Rule, ...] = (
    Rule(
        "survey_design_technical_weight_min",
        Decimal("0.40"),
        "ratio",
        "勘察设计项目综合评估法中技术部分分值占总分的最低比例（突出技术因素、相应增加权重）",
        "Minimum share of the total points for the technical part when survey or design services are scored",
        f"{NANJING}第24项（“在勘察设计项目评标中应突出技术因素、相应增加权重”；比例由本平台设定）",
        "platform",
    ),
    Rule(
        "sme_deduction_goods_services_min",
        Decimal("0.10"),
        "ratio",
        "货物、服务项目对小微企业报价给予价格扣除的最低比例",
        "Lowest price deduction for small and micro enterprises in goods and services",
        SME,
        "unverified",
    ),
    Rule(
        "sme_deduction_goods_services_max",
        Decimal("0.20"),
        "ratio",
        "货物、服务项目对小微企业报价给予价格扣除的最高比例",
        "Highest price deduction for small and micro enterprises in goods and services",
        SME,
        "unverified",
    ),
    Rule(
        "sme_deduction_works_min",
        Decimal("0.03"),
        "ratio",
        "工程项目对小微企业报价给予价格扣除的最低比例",
        "Lowest price deduction for small and micro enterprises in works",
        SME,
        "unverified",
    ),
    Rule(
        "sme_deduction_works_max",
        Decimal("0.05"),
        "ratio",
        "工程项目对小微企业报价给予价格扣除的最高比例",
        "Highest price deduction for small and micro enterprises in works",
        SME,
        "unverified",
    ),
    Rule(
        "abnormal_below_mean_ratio",
        Decimal("0.50"),
        "ratio",
        "报价低于其他有效投标报价平均值的该比例时，启动异常低价审查（默认值）",
        "A price below this share of the mean of the other valid prices triggers the abnormally-low-price review "
        "(default)",
        f"财库〔2026〕2号（据三个公开项目转引，原文未核实）；{GPROC}第六十条；{EVAL}第二十一条",
        "unverified",
    ),
    Rule(
        "abnormal_below_next_lowest_ratio",
        Decimal("0.50"),
        "ratio",
        "报价低于次低有效投标报价的该比例时，启动异常低价审查（默认值）",
        "A price below this share of the next-lowest valid price triggers the abnormally-low-price review (default)",
        f"财库〔2026〕2号（据三个公开项目转引，原文未核实）；{GPROC}第六十条；{EVAL}第二十一条",
        "unverified",
    ),
    Rule(
        "abnormal_below_ceiling_ratio",
        Decimal("0.45"),
        "ratio",
        "报价低于最高投标限价的该比例时，启动异常低价审查（默认值）",
        "A price below this share of the maximum bid price triggers the abnormally-low-price review (default)",
        f"财库〔2026〕2号（据三个公开项目转引，原文未核实）；{GPROC}第六十条；{EVAL}第二十一条",
        "unverified",
    ),
    Rule(
        "abnormal_explanation_default_hours",
        24,
        "hours",
        "异常低价书面说明及证明材料的默认提交期限（法规只要求合理期限）",
        "Default time for the written explanation of an abnormally low price (the rules ask for a reasonable time)",
        f"{EVAL}第二十一条；{GPROC}第六十条",
        "platform",
    ),
    Rule(
        "separated_candidates_min",
        3,
        "count",
        "评定分离时评标委员会推荐的不排序定标候选人最少人数",
        "Fewest unranked candidates the committee recommends under 评定分离",
        "深圳市等地评定分离试点规则（候选人数由地方规定，常见三至七名）；国办发〔2024〕21号",
        "unverified",
    ),
    Rule(
        "separated_candidates_max",
        7,
        "count",
        "评定分离时评标委员会推荐的不排序定标候选人最多人数",
        "Most unranked candidates the committee recommends under 评定分离",
        "深圳市等地评定分离试点规则（候选人数由地方规定，常见三至七名）；国办发〔2024〕21号",
        "unverified",
    ),
    Rule(
        "expert_score_deviation_sd",
        Decimal("2"),
        "ratio",
        "评委对某投标主观评分偏离其他评委平均分超过其他评委标准差的该倍数时予以标记（一标一评）",
        "An expert's subjective score more than this many standard deviations from the other members' mean is "
        "flagged (一标一评)",
        f"{NANJING}第33项（“一标一评”，倍数由本平台设定）",
        "platform",
    ),
)


#: The supervision room's numbers: warnings, credit grades (M18) and spot checks. The law sets
#: none of them (china-rules.md §7: no national grading scheme; 条例 第七十八条 and 1117号（二十）
#: ask for a credit system and its use in supervision), so each is this platform's reading, with
#: certainty ``platform`` and ADR 16; a jurisdiction replaces them with its own scheme's values.
CREDIT = "《招标投标法实施条例》第七十八条；发改法规规〔2022〕1117号（二十）"
CREDIT_LOCAL = f"{CREDIT}；{NANJING}第6项、第49项（信用分级分类监管）"


def _credit_weight(key: str, value: int, zh: str, en: str) -> Rule:
    return Rule(
        f"credit_weight_{key}",
        value,
        "count",
        f"信用评价：每条“{zh}”记录的扣分（0 为不计）",
        f"Credit grading: points each record of '{en}' weighs (0: not counted)",
        CREDIT_LOCAL,
        "platform",
    )


_SUPERVISION: tuple[Rule, ...] = (
    Rule(
        "warning_scan_market_days",
        1095,
        "days",
        "自动预警扫描时作为同类市场比较的期间：同一类别、投标截止时间不早于本项目截止前该天数的项目",
        "The market an automatic scan compares a tender with: tenders of its category whose bid deadline is at most "
        "this many days before its own",
        f"{REGS}第三十九条、第四十条；发改法规规〔2022〕1117号（十一）",
        "platform",
    ),
    Rule(
        "credit_c_window_days",
        730,
        "days",
        "信用评价：计入一般失信（C级）扣分的不良记录期间",
        "Credit grading: the window in which bad records count towards grade C",
        CREDIT_LOCAL,
        "platform",
    ),
    Rule(
        "credit_c_points",
        10,
        "count",
        "信用评价：期间内不良记录扣分累计达到该分值的评为C级（一般失信）",
        "Credit grading: bad records weighing this many points in the window make grade C",
        CREDIT_LOCAL,
        "platform",
    ),
    Rule(
        "credit_d_window_days",
        1095,
        "days",
        "信用评价：串通投标、弄虚作假、行贿或列入严重失信名单的处罚自决定之日起评为D级（严重失信）的期间",
        "Credit grading: how long a collusion, fraud, bribery or serious-dishonesty penalty makes grade D, from its "
        "decision",
        f"{LAW}第五十三条、第五十四条；{REGS}第六十七条、第六十八条（“三年内”）；{CREDIT}",
        "platform",
    ),
    Rule(
        "credit_a_clean_days",
        1095,
        "days",
        "信用评价：评为A级须无任何不良记录的期间",
        "Credit grading: the period with no bad record at all that grade A needs",
        CREDIT_LOCAL,
        "platform",
    ),
    Rule(
        "credit_a_min_good_records",
        3,
        "count",
        "信用评价：评为A级须在该期间内具有的良好记录数（完成的合同、完成的招标、良好的专家评价）",
        "Credit grading: good records (completed contracts, awarded tenders, good expert ratings) grade A needs in "
        "that period",
        CREDIT_LOCAL,
        "platform",
    ),
    _credit_weight(
        "minor_penalty", 10, "其他行政处罚（警告、罚款等）", "another administrative penalty (warning, fine)"
    ),
    _credit_weight("repeated_complaints", 10, "多次无理投诉", "repeated unfounded complaints"),
    _credit_weight("confirmed_warning", 10, "经查实的预警", "a warning confirmed by investigation"),
    _credit_weight("late_contract", 5, "逾期签订合同", "a contract signed late"),
    _credit_weight("overdue_answer", 5, "逾期答复异议", "an objection answered late"),
    _credit_weight("late_publicity", 5, "逾期公示中标候选人", "candidates published late"),
    _credit_weight("overdue_refund", 5, "逾期退还投标保证金", "a deposit refunded late"),
    _credit_weight("expert_deviation", 5, "评分明显偏离", "scores far from the committee's"),
    _credit_weight("expert_low_rating", 5, "评价较差（一标一评）", "a poor rating after an evaluation"),
    Rule(
        "credit_expert_low_rating_max",
        60,
        "count",
        "信用评价：一标一评得分不高于该分值的为较差评价（满分见 expert_rating_max_score）",
        "Credit grading: a rating of at most this score is poor (out of expert_rating_max_score)",
        f"《评标专家和评标专家库管理办法》（2024年第26号令）；{CREDIT}",
        "platform",
    ),
    Rule(
        "credit_expert_good_rating_min",
        85,
        "count",
        "信用评价：一标一评得分不低于该分值的为良好记录",
        "Credit grading: a rating of at least this score is a good record",
        f"《评标专家和评标专家库管理办法》（2024年第26号令）；{CREDIT}",
        "platform",
    ),
    Rule(
        "spotcheck_weight_base",
        10,
        "count",
        "招标文件随机抽查：每个项目的基础权重",
        "Random spot checks of tender documents: every tender's base weight",
        f"{NANJING}第57项（加大招标文件随机抽查力度）",
        "platform",
    ),
    Rule(
        "spotcheck_weight_review_hit",
        10,
        "count",
        "招标文件随机抽查：公平竞争审查每条命中（中、高风险）增加的权重",
        "Random spot checks: weight added per fair-competition review hit (medium or high)",
        f"{NANJING}第57项（对异常招标文件进行重点核查）",
        "platform",
    ),
    Rule(
        "spotcheck_weight_warning",
        20,
        "count",
        "招标文件随机抽查：项目每条未被排除的预警增加的权重",
        "Random spot checks: weight added per warning on the tender that was not dismissed",
        f"{NANJING}第57项、第34项（预警）",
        "platform",
    ),
    Rule(
        "spotcheck_counted_max",
        5,
        "count",
        "招标文件随机抽查：审查命中和预警各自最多计入的条数",
        "Random spot checks: the most review hits, and the most warnings, that count towards a weight",
        f"{NANJING}第57项",
        "platform",
    ),
    Rule(
        "spotcheck_weight_credit_c",
        10,
        "count",
        "招标文件随机抽查：招标人或代理机构信用等级为C时增加的权重（各自计算）",
        "Random spot checks: weight added when the tenderer, or the agency, is of credit grade C (each)",
        f"{NANJING}第49项（对发生过违法违规行为的主体增加抽查频次）",
        "platform",
    ),
    Rule(
        "spotcheck_weight_credit_d",
        30,
        "count",
        "招标文件随机抽查：招标人或代理机构信用等级为D时增加的权重（各自计算）",
        "Random spot checks: weight added when the tenderer, or the agency, is of credit grade D (each)",
        f"{NANJING}第49项（对发生过违法违规行为的主体增加抽查频次）",
        "platform",
    ),
)


def _override_value(key: str, base: int | Decimal, raw: object) -> int | Decimal:
    """Whole numbers stay whole (days, counts); ratios and amounts are exact decimals."""
    wrong = DomainError(
        "rule_override_invalid",
        f"规则 {key} 的覆盖值类型不正确：{raw!r}",
        f"The override of {key!r} has the wrong kind of value: {raw!r}",
    )
    if isinstance(raw, bool) or not isinstance(raw, int | str | float):
        raise wrong
    if isinstance(base, Decimal):
        try:
            value = Decimal(str(raw))
        except ArithmeticError:
            raise wrong from None
        if not value.is_finite():
            raise wrong
        return value
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw)
    raise wrong


#: Units of the rules that are periods, which :meth:`RuleBook.deadline` can end.
PERIOD_UNITS = ("days", "working_days")


class RuleBook:
    """The rules in force for one jurisdiction: the national defaults plus its overrides, and
    the working-day calendar (``calendar``; by default one that covers no year, so every period
    in working days is provisional until the jurisdiction file lists its holidays)."""

    def __init__(
        self,
        rules: Mapping[str, Rule],
        jurisdiction: str = "全国（默认）",
        calendar: WorkingCalendar | None = None,
    ) -> None:
        self._rules = dict(rules)
        self.jurisdiction = jurisdiction
        self.calendar = calendar if calendar is not None else WorkingCalendar()

    @classmethod
    def default(cls) -> RuleBook:
        return cls({r.key: r for r in (*_DEFAULTS, *_EVALUATION, *_SUPERVISION)})

    @classmethod
    def from_file(cls, path: Path) -> RuleBook:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        book = cls.default().overridden(data.get("rules", {}), str(data.get("jurisdiction", {}).get("name", path.stem)))
        table = data.get("calendar")
        if table is None:
            return book
        if not isinstance(table, dict):
            raise DomainError(
                "calendar_invalid", "calendar 须为一个表 [calendar]", "'calendar' must be a table: [calendar]"
            )
        return book.with_calendar(WorkingCalendar.from_table(table))

    def overridden(self, overrides: Mapping[str, Mapping[str, Any]], jurisdiction: str) -> RuleBook:
        rules = dict(self._rules)
        for key, spec in overrides.items():
            if key not in rules:
                raise DomainError("rule_unknown", f"未知规则：{key}", f"Unknown rule {key!r}")
            if "value" not in spec or not str(spec.get("citation", "")).strip():
                raise DomainError(
                    "rule_override_incomplete",
                    f"覆盖规则 {key} 须同时给出 value 和 citation",
                    f"An override of {key!r} needs both a value and the citation that sets it",
                )
            base = rules[key]
            value = _override_value(key, base.value, spec["value"])
            if value < 0:
                raise DomainError(
                    "rule_override_negative", f"规则 {key} 不能为负数", f"Rule {key!r} cannot be negative"
                )
            rules[key] = replace(
                base, value=value, citation=str(spec["citation"]), certainty=str(spec.get("certainty", "verified"))
            )
        return RuleBook(rules, jurisdiction, self.calendar)

    def with_calendar(self, calendar: WorkingCalendar) -> RuleBook:
        """The same rules with another working-day calendar."""
        return RuleBook(self._rules, self.jurisdiction, calendar)

    def deadline(self, key: str, start: datetime, *, strict: bool = False) -> Deadline:
        """The end of the period that rule ``key`` sets, counted from ``start``.

        - ``days``: ``start`` plus that many days of 24 hours, as the use cases have always
          counted calendar days (an instant, never provisional);
        - ``working_days``: 24:00 China time of the n-th working day after ``start``'s China
          date (:meth:`WorkingCalendar.add_working_days`), provisional when the period crosses a
          year the calendar does not cover, or refused then with ``strict``
          (``calendar_year_missing``).
        """
        rule = self._rules[key]
        if rule.unit not in PERIOD_UNITS:
            raise ValueError(f"rule {key!r} counts {rule.unit}, not a period of days")
        n = self.days(key)
        if rule.unit == "working_days":
            return self.calendar.add_working_days(start, n, strict=strict)
        china_date(start)  # refuses a naive datetime, as working days do
        return Deadline(start + timedelta(days=n))

    def __getitem__(self, key: str) -> Rule:
        return self._rules[key]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def days(self, key: str) -> int:
        value = self._rules[key].value
        assert isinstance(value, int)
        return value

    def count(self, key: str) -> int:
        return self.days(key)

    def decimal(self, key: str) -> Decimal:
        value = self._rules[key].value
        return value if isinstance(value, Decimal) else Decimal(value)

    def fraction(self, key: str) -> Fraction:
        """A ratio as the exact fraction it stands for: 0.6667 is 2/3 and 0.3333 is 1/3.

        The table writes thirds as four-place decimals; comparing with those would refuse 6
        experts in a committee of 9. A decimal of four places or more that is the rounding of a
        fraction with a denominator of at most 100 stands for that fraction; any other is read
        exactly (an override of 0.015 is 3/200, not the 1/67 nearest to it).
        """
        value = self.decimal(key)
        places = -int(value.as_tuple().exponent)
        nearest = Fraction(value).limit_denominator(100)
        if places >= 4 and round(Decimal(nearest.numerator) / Decimal(nearest.denominator), places) == value:
            return nearest
        return Fraction(value)

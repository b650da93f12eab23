"""Evaluation schemes for the tests: a comprehensive scheme shaped like a real works tender
(price 60, technical 28, commercial 8, credit 4) and a lowest-evaluated-price scheme."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

from sunbid.evaluation.scheme import (
    AbnormalRule,
    AbnormalRuleKind,
    AdjustmentBasis,
    Aggregation,
    AggregationRule,
    AnonymityRule,
    AwardMode,
    AwardRule,
    CreditGradeCriterion,
    DecisionMethod,
    EvaluationScheme,
    Factor,
    FactorKind,
    GreenCriterion,
    Method,
    Part,
    PastPerformanceCriterion,
    PriceAdjustment,
    PriceFormula,
    PriceFormulaKind,
    QualificationCriterion,
    TieBreak,
    TieBreakKind,
    TrackRecordRequirement,
)

D = Decimal

PRICE = Factor("price", "投标报价", FactorKind.PRICE, Part.PRICE, D(60), "评标基准价/评审价×60")
PLAN = Factor("plan", "施工组织设计", FactorKind.SUBJECTIVE, Part.TECHNICAL, D(20), "方案完整、可行")
SCHEDULE = Factor("schedule", "进度计划与保障措施", FactorKind.SUBJECTIVE, Part.TECHNICAL, D(6))
GREEN = Factor(
    "green",
    "绿色施工与节能产品",
    FactorKind.OBJECTIVE,
    Part.TECHNICAL,
    D(2),
    criterion=GreenCriterion((("中国环境标志产品认证", D(1)), ("节能产品认证", D(1))), D(2)),
)
CREDIT = Factor(
    "credit",
    "信用等级",
    FactorKind.OBJECTIVE,
    Part.CREDIT,
    D(4),
    criterion=CreditGradeCriterion((("A", D(4)), ("B", D(2)), ("C", D(0)))),
)
QUALIFICATION = Factor(
    "qualification",
    "施工总承包资质",
    FactorKind.OBJECTIVE,
    Part.COMMERCIAL,
    D(3),
    criterion=QualificationCriterion(
        "建筑工程施工总承包", ("特级", "一级", "二级", "三级"), (("一级", D(3)), ("二级", D(1)))
    ),
)
PERFORMANCE = Factor(
    "performance",
    "类似项目业绩",
    FactorKind.OBJECTIVE,
    Part.COMMERCIAL,
    D(5),
    criterion=PastPerformanceCriterion(
        points_each=D(2), cap=D(5), min_amount=D("5000000"), within_years=3, classifications=("A01",)
    ),
)

FACTORS = (PRICE, PLAN, SCHEDULE, GREEN, CREDIT, QUALIFICATION, PERFORMANCE)


def comprehensive(**changes: Any) -> EvaluationScheme:
    scheme = EvaluationScheme(
        method=Method.COMPREHENSIVE,
        total_points=D(100),
        factors=FACTORS,
        price_formula=PriceFormula(PriceFormulaKind.LOWEST_PRICE_BENCHMARK),
        aggregation=AggregationRule(Aggregation.TRIMMED_MEAN, 5),
        price_adjustments=(PriceAdjustment("payment", "付款条件偏差", AdjustmentBasis.RATIO, D("0.01")),),
        abnormal_rules=(
            AbnormalRule(AbnormalRuleKind.BELOW_MEAN_OF_OTHERS, D("0.50")),
            AbnormalRule(AbnormalRuleKind.BELOW_CEILING, D("0.45")),
        ),
        award=AwardRule(AwardMode.RANKED, 3, state_funded=True),
        anonymity=AnonymityRule(True, ("technical",)),
        tie_breaks=(
            TieBreak(TieBreakKind.LOWER_PRICE),
            TieBreak(TieBreakKind.HIGHER_PART, "technical"),
            TieBreak(TieBreakKind.HIGHER_SIMILAR_AMOUNT, "performance"),
        ),
    )
    return dataclasses.replace(scheme, **changes)


AVERAGE_DISCOUNT = PriceFormula(
    PriceFormulaKind.AVERAGE_DISCOUNT,
    k_choices=(D("0.01"), D("0.02"), D("0.03")),
    trim_min_count=5,
    points_per_percent_above=D(1),
    points_per_percent_below=D("0.5"),
)


def lowest_price(**changes: Any) -> EvaluationScheme:
    scheme = EvaluationScheme(
        method=Method.LOWEST_EVALUATED_PRICE,
        general_technical_standards=True,
        price_adjustments=(
            PriceAdjustment("delivery", "交货期每延迟一周", AdjustmentBasis.RATIO, D("0.005")),
            PriceAdjustment("spares", "缺少备品备件", AdjustmentBasis.AMOUNT, D("20000")),
        ),
        sme_deduction=D("0.10"),
        track_record=TrackRecordRequirement(1, D("1000000"), since=date(2021, 1, 1)),
        abnormal_rules=(AbnormalRule(AbnormalRuleKind.BELOW_MEAN_OF_ALL, D("0.50")),),
    )
    return dataclasses.replace(scheme, **changes)


def separated(method: DecisionMethod = DecisionMethod.COMMITTEE_MAJORITY, **changes: Any) -> EvaluationScheme:
    award = AwardRule(
        AwardMode.SEPARATED,
        5,
        decision_method=method,
        value_criteria=("履约能力", "信用状况") if method is DecisionMethod.VALUE_FOR_MONEY else (),
    )
    return comprehensive(award=award, **changes)


def with_factor(scheme: EvaluationScheme, factor_id: str, **changes: Any) -> EvaluationScheme:
    return dataclasses.replace(
        scheme,
        factors=tuple(dataclasses.replace(f, **changes) if f.id == factor_id else f for f in scheme.factors),
    )

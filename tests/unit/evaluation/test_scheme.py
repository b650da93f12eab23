"""The evaluation scheme a tender declares: its JSON form and the rules it must obey."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sunbid.evaluation import scheme as sch
from sunbid.evaluation.scheme import (
    AbnormalRule,
    AbnormalRuleKind,
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
    PriceFormula,
    PriceFormulaKind,
    QualificationCriterion,
    TieBreak,
    TieBreakKind,
    TrackRecordRequirement,
    default_abnormal_rules,
    is_survey_or_design,
    validate,
)
from sunbid.kernel.errors import DomainError, RuleViolation
from sunbid.kernel.rules import RuleBook

from .schemes import AVERAGE_DISCOUNT, comprehensive, lowest_price, separated, with_factor

D = Decimal
RULES = RuleBook.default()


def refused(scheme: EvaluationScheme, category: str = "goods", sector: str = "设备") -> DomainError:
    with pytest.raises(DomainError) as caught:
        validate(scheme, category, sector, RULES)
    return caught.value


def ok(scheme: EvaluationScheme, category: str = "goods", sector: str = "设备") -> None:
    validate(scheme, category, sector, RULES)


# ---------------------------------------------------------------------------- the shapes that pass
def test_a_comprehensive_scheme_like_a_real_tender_is_valid() -> None:
    ok(comprehensive(), "works", "房屋建筑")
    ok(comprehensive())


def test_a_scheme_for_ordinary_services_may_weigh_the_technical_part_lightly() -> None:
    assert comprehensive().technical_weight == D("0.28")
    ok(comprehensive(), "services", "物业服务")


def test_candidate_count_and_explanation_hours_default_to_the_rule_table() -> None:
    s = comprehensive(award=AwardRule(AwardMode.RANKED))
    ok(s)
    assert s.candidate_count(RULES) == 3
    assert s.explanation_hours(RULES) == 24
    assert comprehensive(abnormal_explanation_hours=2).explanation_hours(RULES) == 2


# ---------------------------------------------------------------------------- lowest evaluated price
def test_lowest_evaluated_price_without_general_technical_standards_is_refused() -> None:
    error = refused(lowest_price(general_technical_standards=False))
    assert error.code == "lowest_price_not_applicable"
    assert "第三十条" in error.details["article"]
    assert "通用技术" in error.message_zh


def test_lowest_evaluated_price_with_general_technical_standards_is_allowed() -> None:
    ok(lowest_price())


def test_lowest_evaluated_price_scores_no_factors() -> None:
    assert refused(lowest_price(factors=comprehensive().factors)).code == "scheme_lowest_price_scores_nothing"
    assert refused(lowest_price(price_formula=AVERAGE_DISCOUNT)).code == "scheme_lowest_price_scores_nothing"


def test_lowest_evaluated_price_breaks_ties_by_price_only() -> None:
    assert refused(lowest_price(tie_breaks=(TieBreak(TieBreakKind.HIGHER_PART, "technical"),))).code == (
        "scheme_tie_break_invalid"
    )
    ok(lowest_price(tie_breaks=()))


# ---------------------------------------------------------------------------- factors and points
def test_factors_whose_points_do_not_sum_to_the_total_are_refused() -> None:
    error = refused(with_factor(comprehensive(), "plan", max_points=D(19)))
    assert error.code == "scheme_points_do_not_sum"
    assert (error.details["sum"], error.details["total"]) == ("99", "100")


def test_factors_that_sum_to_a_declared_total_other_than_100_are_allowed() -> None:
    ok(with_factor(comprehensive(total_points=D(99)), "plan", max_points=D(19)))


def test_comprehensive_scoring_needs_exactly_one_price_factor() -> None:
    s = comprehensive()
    no_price = dataclasses.replace(
        s, factors=tuple(f for f in s.factors if f.kind is not FactorKind.PRICE), total_points=D(40)
    )
    assert refused(no_price).code == "scheme_price_factor_count"
    second = Factor("price2", "第二价格分", FactorKind.PRICE, Part.PRICE, D(10))
    two = dataclasses.replace(s, factors=(*s.factors, second), total_points=D(110))
    assert refused(two).details["count"] == 2


def test_a_price_factor_outside_the_price_part_is_refused() -> None:
    assert refused(with_factor(comprehensive(), "price", part=Part.COMMERCIAL)).code == "scheme_factor_invalid"
    assert refused(with_factor(comprehensive(), "plan", part=Part.PRICE)).code == "scheme_factor_invalid"


def test_an_objective_factor_needs_its_criterion_and_only_it_has_one() -> None:
    assert refused(with_factor(comprehensive(), "credit", criterion=None)).code == "scheme_factor_invalid"
    criterion = CreditGradeCriterion((("A", D(1)),))
    assert refused(with_factor(comprehensive(), "plan", criterion=criterion)).code == "scheme_factor_invalid"


@pytest.mark.parametrize("bad_id", ["", "has space", "x" * 65, "plan"])
def test_factor_ids_are_well_formed_and_unique(bad_id: str) -> None:
    s = comprehensive()
    factors = list(s.factors)
    factors[2] = dataclasses.replace(factors[2], id=bad_id)
    assert refused(dataclasses.replace(s, factors=tuple(factors))).code == "scheme_factor_id_invalid"


def test_a_factor_needs_a_name_and_positive_points() -> None:
    assert refused(with_factor(comprehensive(), "plan", name=" ")).code == "scheme_factor_invalid"
    assert refused(with_factor(comprehensive(), "plan", max_points=D(0))).code == "scheme_factor_invalid"
    assert refused(comprehensive(total_points=D(0))).code == "scheme_total_invalid"
    assert refused(comprehensive(factors=(), total_points=D(100))).code == "scheme_no_factors"


@pytest.mark.parametrize(
    "criterion",
    [
        CreditGradeCriterion((("A", D(5)),)),  # above the factor's 4 points
        CreditGradeCriterion((("A", D(0)),)),  # nothing scores
        CreditGradeCriterion(()),
    ],
)
def test_credit_grade_points_must_fit_the_factor(criterion: CreditGradeCriterion) -> None:
    assert refused(with_factor(comprehensive(), "credit", criterion=criterion)).code == "scheme_criterion_invalid"


@pytest.mark.parametrize(
    "criterion",
    [
        QualificationCriterion("建筑工程施工总承包", ("一级", "二级"), (("特级", D(3)),)),  # grade not in the order
        QualificationCriterion("", ("一级",), (("一级", D(3)),)),
        QualificationCriterion("建筑工程施工总承包", ("一级", "一级"), (("一级", D(3)),)),
    ],
)
def test_qualification_tiers_must_name_grades_of_the_declared_order(criterion: QualificationCriterion) -> None:
    assert refused(with_factor(comprehensive(), "qualification", criterion=criterion)).code == (
        "scheme_criterion_invalid"
    )


@pytest.mark.parametrize(
    "change",
    [
        {"within_years": None},  # no window
        {"since": date(2021, 1, 1)},  # two windows
        {"within_years": 0},
        {"cap": D(6)},  # above the factor's 5 points
        {"points_each": D(0)},
        {"points_each": D(6), "cap": D(5)},
        {"min_amount": D(-1)},
        {"first_of_a_kind_counts_as": 0},
    ],
)
def test_past_performance_criteria_must_be_coherent(change: dict[str, Any]) -> None:
    base = comprehensive().factor("performance").criterion
    assert isinstance(base, PastPerformanceCriterion)
    criterion = dataclasses.replace(base, **change)
    assert refused(with_factor(comprehensive(), "performance", criterion=criterion)).code == (
        "scheme_criterion_invalid"
    )


def test_green_criteria_must_fit_the_factor() -> None:
    over = GreenCriterion((("节能产品认证", D(1)),), D(3))
    assert refused(with_factor(comprehensive(), "green", criterion=over)).code == "scheme_criterion_invalid"
    per_item = GreenCriterion((("节能产品认证", D(3)),), D(2))
    assert refused(with_factor(comprehensive(), "green", criterion=per_item)).code == "scheme_criterion_invalid"


# ---------------------------------------------------------------------------- survey and design (task 24)
def survey_scheme(technical: int) -> EvaluationScheme:
    s = comprehensive()
    return with_factor(
        with_factor(s, "plan", max_points=D(technical - 8)), "price", max_points=D(60 - (technical - 28))
    )


def test_a_survey_or_design_scheme_below_the_technical_weight_minimum_is_refused() -> None:
    error = refused(survey_scheme(39), "services", "工程设计")
    assert isinstance(error, RuleViolation)
    assert error.code == "technical_weight_too_low"
    assert error.rule == "survey_design_technical_weight_min"
    assert error.details["weight"] == "0.39"


def test_a_survey_or_design_scheme_at_the_technical_weight_minimum_is_allowed() -> None:
    ok(survey_scheme(40), "services", "工程勘察")


def test_a_jurisdiction_may_raise_the_technical_weight_minimum() -> None:
    stricter = RULES.overridden(
        {"survey_design_technical_weight_min": {"value": "0.50", "citation": "某市勘察设计评标办法"}}, "某市"
    )
    with pytest.raises(RuleViolation):
        validate(survey_scheme(45), "services", "勘察设计", stricter)
    validate(survey_scheme(50), "services", "勘察设计", stricter)


def test_survey_and_design_means_a_services_tender_whose_sector_names_them() -> None:
    assert is_survey_or_design("services", "建筑工程设计")
    assert is_survey_or_design("services", "Engineering survey")
    assert not is_survey_or_design("works", "设计施工总承包")
    assert not is_survey_or_design("services", "物业管理")


# ---------------------------------------------------------------------------- price formula and aggregation
def test_comprehensive_scoring_needs_its_price_formula() -> None:
    assert refused(comprehensive(price_formula=None)).code == "scheme_price_formula_missing"


def test_an_average_discount_formula_with_its_k_values_and_deductions_is_allowed() -> None:
    ok(comprehensive(price_formula=AVERAGE_DISCOUNT))


@pytest.mark.parametrize(
    "change",
    [
        {"k_choices": ()},
        {"k_choices": (D("0.01"), D("0.01"))},
        {"k_choices": (D(1),)},
        {"k_choices": (D("-0.01"),)},
        {"points_per_percent_above": D(0), "points_per_percent_below": D(0)},
        {"points_per_percent_above": D(-1)},
        {"trim_min_count": 2},
        {"deviation_places": 7},
    ],
)
def test_a_malformed_average_discount_formula_is_refused(change: dict[str, Any]) -> None:
    formula = dataclasses.replace(AVERAGE_DISCOUNT, **change)
    assert refused(comprehensive(price_formula=formula)).code == "scheme_price_formula_invalid"


def test_the_lowest_price_benchmark_takes_no_k_nor_deductions() -> None:
    formula = PriceFormula(PriceFormulaKind.LOWEST_PRICE_BENCHMARK, k_choices=(D("0.02"),))
    assert refused(comprehensive(price_formula=formula)).code == "scheme_price_formula_invalid"


def test_a_trimmed_mean_declares_from_how_many_scorers_it_applies() -> None:
    assert refused(comprehensive(aggregation=AggregationRule(Aggregation.TRIMMED_MEAN))).code == (
        "scheme_aggregation_invalid"
    )
    assert refused(comprehensive(aggregation=AggregationRule(Aggregation.TRIMMED_MEAN, 2))).code == (
        "scheme_aggregation_invalid"
    )
    assert refused(comprehensive(aggregation=AggregationRule(Aggregation.MEAN, 5))).code == "scheme_aggregation_invalid"
    ok(comprehensive(aggregation=AggregationRule(Aggregation.MEAN)))
    ok(comprehensive(aggregation=AggregationRule(Aggregation.TRIMMED_MEAN, 3)))


def test_rounding_keeps_a_sensible_number_of_places() -> None:
    assert refused(comprehensive(rounding=sch.Rounding(5))).code == "scheme_rounding_invalid"
    assert refused(comprehensive(rounding=sch.Rounding(2, "ROUND_CEILING"))).code == "scheme_rounding_invalid"


def test_price_adjustments_need_distinct_ids_names_and_values() -> None:
    adjustment = comprehensive().price_adjustments[0]
    assert refused(comprehensive(price_adjustments=(adjustment, adjustment))).code == "scheme_adjustment_invalid"
    zero = dataclasses.replace(adjustment, value=D(0))
    assert refused(comprehensive(price_adjustments=(zero,))).code == "scheme_adjustment_invalid"


# ---------------------------------------------------------------------------- SME preference (task 70)
@pytest.mark.parametrize(
    ("category", "d"), [("goods", "0.10"), ("services", "0.20"), ("works", "0.03"), ("works", "0.05")]
)
def test_an_sme_deduction_within_the_bounds_is_allowed(category: str, d: str) -> None:
    ok(comprehensive(sme_deduction=D(d)), category, "x")


@pytest.mark.parametrize(
    ("category", "d", "rule"),
    [
        ("goods", "0.09", "sme_deduction_goods_services_min"),
        ("services", "0.21", "sme_deduction_goods_services_max"),
        ("works", "0.06", "sme_deduction_works_max"),
        ("works", "0.02", "sme_deduction_works_min"),
    ],
)
def test_an_sme_deduction_outside_the_bounds_is_refused(category: str, d: str, rule: str) -> None:
    error = refused(comprehensive(sme_deduction=D(d)), category, "x")
    assert isinstance(error, RuleViolation)
    assert error.code == "sme_deduction_out_of_bounds"
    assert error.rule == rule


# ---------------------------------------------------------------------------- abnormal prices and track record
def test_the_default_abnormal_price_rules_come_from_the_rule_table() -> None:
    assert [(r.kind, r.ratio) for r in default_abnormal_rules(RULES)] == [
        (AbnormalRuleKind.BELOW_MEAN_OF_OTHERS, D("0.50")),
        (AbnormalRuleKind.BELOW_NEXT_LOWEST, D("0.50")),
        (AbnormalRuleKind.BELOW_CEILING, D("0.45")),
    ]
    ok(comprehensive(abnormal_rules=default_abnormal_rules(RULES)))


@pytest.mark.parametrize(
    "rules",
    [
        (AbnormalRule(AbnormalRuleKind.BELOW_CEILING, D(0)),),
        (AbnormalRule(AbnormalRuleKind.BELOW_CEILING, D("1.01")),),
        (
            AbnormalRule(AbnormalRuleKind.BELOW_CEILING, D("0.4")),
            AbnormalRule(AbnormalRuleKind.BELOW_CEILING, D("0.5")),
        ),
    ],
)
def test_malformed_abnormal_price_rules_are_refused(rules: tuple[AbnormalRule, ...]) -> None:
    assert refused(comprehensive(abnormal_rules=rules)).code == "scheme_abnormal_invalid"


def test_the_explanation_of_a_low_price_gets_at_least_an_hour() -> None:
    assert refused(comprehensive(abnormal_explanation_hours=0)).code == "scheme_abnormal_invalid"
    ok(comprehensive(abnormal_explanation_hours=1))


def test_a_track_record_requirement_declares_one_window_and_at_least_one_project() -> None:
    assert refused(lowest_price(track_record=TrackRecordRequirement(0, within_years=3))).code == (
        "scheme_criterion_invalid"
    )
    assert refused(lowest_price(track_record=TrackRecordRequirement(1))).code == "scheme_criterion_invalid"
    ok(lowest_price(track_record=TrackRecordRequirement(2, within_years=5)))


# ---------------------------------------------------------------------------- award
def test_more_ranked_candidates_than_the_statute_allows_are_refused() -> None:
    error = refused(comprehensive(award=AwardRule(AwardMode.RANKED, 4)))
    assert isinstance(error, RuleViolation)
    assert (error.code, error.rule) == ("too_many_candidates", "max_candidates")
    assert refused(comprehensive(award=AwardRule(AwardMode.RANKED, 0))).code == "too_many_candidates"


def test_a_ranked_award_declares_no_decision_method() -> None:
    award = AwardRule(AwardMode.RANKED, 3, decision_method=DecisionMethod.PRICE_FIRST)
    assert refused(comprehensive(award=award)).code == "scheme_award_invalid"


@pytest.mark.parametrize("method", list(DecisionMethod))
def test_evaluation_separated_from_award_with_a_published_method_is_allowed(method: DecisionMethod) -> None:
    ok(separated(method))


def test_evaluation_separated_from_award_needs_its_method_and_count() -> None:
    assert refused(comprehensive(award=AwardRule(AwardMode.SEPARATED, 5))).code == "scheme_decision_method_missing"
    award = AwardRule(AwardMode.SEPARATED, None, decision_method=DecisionMethod.PRICE_FIRST)
    assert refused(comprehensive(award=award)).code == "scheme_candidate_count_missing"


@pytest.mark.parametrize(("count", "rule"), [(2, "separated_candidates_min"), (8, "separated_candidates_max")])
def test_separated_candidate_counts_outside_the_bounds_are_refused(count: int, rule: str) -> None:
    award = AwardRule(AwardMode.SEPARATED, count, decision_method=DecisionMethod.COMMITTEE_MAJORITY)
    error = refused(comprehensive(award=award))
    assert isinstance(error, RuleViolation)
    assert error.rule == rule


def test_a_value_for_money_decision_publishes_its_criteria_and_only_it_does() -> None:
    award = AwardRule(AwardMode.SEPARATED, 5, decision_method=DecisionMethod.VALUE_FOR_MONEY)
    assert refused(comprehensive(award=award)).code == "scheme_value_criteria_missing"
    award = AwardRule(AwardMode.SEPARATED, 5, decision_method=DecisionMethod.PRICE_FIRST, value_criteria=("x",))
    assert refused(comprehensive(award=award)).code == "scheme_award_invalid"


@pytest.mark.parametrize("method", ["lottery", "抽签", "摇号", "随机抽取", "random_draw", "抓阄定标"])
def test_a_lottery_as_the_decision_method_is_refused(method: str) -> None:
    data = separated().as_json()
    data["award"]["decision_method"] = method
    with pytest.raises(DomainError) as caught:
        EvaluationScheme.from_json(data)
    assert caught.value.code == "award_lottery_forbidden"
    assert "第八条" in caught.value.details["article"]


def test_a_lottery_as_a_tie_break_is_refused() -> None:
    data = comprehensive().as_json()
    data["tie_breaks"] = [{"kind": "lower_price"}, {"kind": "摇号"}]
    with pytest.raises(DomainError, match="award_lottery_forbidden"):
        EvaluationScheme.from_json(data)


# ---------------------------------------------------------------------------- anonymity and tie-breaks
def test_an_anonymised_review_names_known_technical_parts() -> None:
    assert refused(comprehensive(anonymity=AnonymityRule(True, ()))).code == "scheme_anonymity_invalid"
    assert refused(comprehensive(anonymity=AnonymityRule(True, ("tech",)))).code == "scheme_anonymity_invalid"
    assert refused(comprehensive(anonymity=AnonymityRule(True, ("technical", "technical")))).code == (
        "scheme_anonymity_invalid"
    )
    ok(comprehensive(anonymity=AnonymityRule(True, ("technical", "other"))))


@pytest.mark.parametrize(
    "tie_break",
    [
        TieBreak(TieBreakKind.HIGHER_FACTOR, "nope"),
        TieBreak(TieBreakKind.HIGHER_PART, "nope"),
        TieBreak(TieBreakKind.HIGHER_SIMILAR_AMOUNT, "credit"),
        TieBreak(TieBreakKind.LOWER_PRICE, "price"),
    ],
)
def test_tie_breaks_must_name_what_the_scheme_scores(tie_break: TieBreak) -> None:
    assert refused(comprehensive(tie_breaks=(tie_break,))).code == "scheme_tie_break_invalid"


def test_a_tie_break_is_declared_once() -> None:
    once = TieBreak(TieBreakKind.LOWER_PRICE)
    assert refused(comprehensive(tie_breaks=(once, once))).code == "scheme_tie_break_invalid"
    ok(comprehensive(tie_breaks=(TieBreak(TieBreakKind.HIGHER_FACTOR, "plan"), once)))


def test_an_unknown_tender_category_is_refused() -> None:
    assert refused(comprehensive(), "consulting").code == "scheme_category_unknown"


# ---------------------------------------------------------------------------- JSON
def test_a_scheme_survives_its_json_form() -> None:
    for s in (comprehensive(), lowest_price(), separated(DecisionMethod.VALUE_FOR_MONEY)):
        assert EvaluationScheme.from_json(json.loads(json.dumps(s.as_json()))) == s


def test_a_minimal_json_scheme_takes_the_defaults() -> None:
    s = EvaluationScheme.from_json({"method": "lowest_evaluated_price", "general_technical_standards": True})
    assert s == EvaluationScheme(Method.LOWEST_EVALUATED_PRICE, general_technical_standards=True)
    ok(s)


def test_criteria_points_may_be_given_as_an_object() -> None:
    data = comprehensive().as_json()
    data["factors"][4]["criterion"]["points"] = {"A": "4", "B": 2}
    assert EvaluationScheme.from_json(data).factor("credit").criterion == CreditGradeCriterion(
        (("A", D(4)), ("B", D(2)))
    )


def _set(data: dict[str, Any], path: list[Any], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["method"], "best_value", "method"),
        (["total_points"], 100.0, "total_points"),
        (["total_points"], "lots", "total_points"),
        (["total_points"], "Infinity", "total_points"),
        (["factors"], {"id": "x"}, "factors"),
        (["factors", 0, "kind"], "vibes", "factors[0].kind"),
        (["factors", 0, "max_points"], True, "factors[0].max_points"),
        (["factors", 0, "colour"], "red", "factors[0]"),
        (["factors", 4, "criterion", "type"], "astrology", "factors[4].criterion.type"),
        (["factors", 4, "criterion", "points"], [["A"]], "factors[4].criterion.points[0]"),
        (["factors", 4, "criterion", "points"], [["A", "1"], ["A", "2"]], "factors[4].criterion.points"),
        (["factors", 6, "criterion", "since"], "2021/01/01", "factors[6].criterion.since"),
        (["factors", 6, "criterion", "within_years"], "3", "factors[6].criterion.within_years"),
        (["award", "mode"], "ranked_and_separated", "award.mode"),
        (["award", "state_funded"], "yes", "award.state_funded"),
        (["anonymity"], {"technical_parts": ["technical"]}, "anonymity"),
        (["rounding", "mode"], "ROUND_CEILING", "rounding.mode"),
        (["price_adjustments", 0, "basis"], "percent", "price_adjustments[0].basis"),
        (["tie_breaks", 0], {"kind": "lower_price", "extra": 1}, "tie_breaks[0]"),
        (["surprise"], 1, "scheme"),
    ],
)
def test_a_malformed_json_scheme_is_refused_naming_the_field(path: list[Any], value: Any, field: str) -> None:
    data = comprehensive().as_json()
    _set(data, path, value)
    with pytest.raises(DomainError) as caught:
        EvaluationScheme.from_json(data)
    assert caught.value.code == "scheme_invalid"
    assert caught.value.details["field"] == field


def test_a_json_scheme_that_is_not_an_object_is_refused() -> None:
    for data in (None, [], "scheme", 3):
        with pytest.raises(DomainError, match="scheme_invalid"):
            EvaluationScheme.from_json(data)


def test_a_json_scheme_without_its_method_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        EvaluationScheme.from_json({})
    assert caught.value.details["missing"] == ["method"]


# ---------------------------------------------------------------------------- property: any scheme round-trips
points = st.integers(0, 10_000).map(lambda n: D(n).scaleb(-2))
text = st.text(min_size=1, max_size=8)
pairs = st.lists(st.tuples(text, points), max_size=4, unique_by=lambda p: p[0]).map(tuple)
criteria = st.one_of(
    st.builds(CreditGradeCriterion, pairs),
    st.builds(QualificationCriterion, text, st.lists(text, max_size=4).map(tuple), pairs),
    st.builds(
        PastPerformanceCriterion,
        points_each=points,
        cap=points,
        min_amount=points,
        within_years=st.none() | st.integers(0, 10),
        since=st.none() | st.dates(),
        classifications=st.lists(text, max_size=3).map(tuple),
        first_of_a_kind_counts_as=st.integers(0, 5),
    ),
    st.builds(GreenCriterion, pairs, points),
)
factors = st.builds(
    Factor,
    id=text,
    name=text,
    kind=st.sampled_from(FactorKind),
    part=st.sampled_from(Part),
    max_points=points,
    guidance=st.text(max_size=10),
    criterion=st.none() | criteria,
)
schemes = st.builds(
    EvaluationScheme,
    method=st.sampled_from(Method),
    general_technical_standards=st.booleans(),
    total_points=points,
    factors=st.lists(factors, max_size=5).map(tuple),
    price_formula=st.none()
    | st.builds(
        PriceFormula,
        kind=st.sampled_from(PriceFormulaKind),
        k_choices=st.lists(points, max_size=3).map(tuple),
        trim_min_count=st.none() | st.integers(0, 9),
        points_per_percent_above=points,
        points_per_percent_below=points,
        deviation_places=st.none() | st.integers(0, 6),
    ),
    aggregation=st.builds(AggregationRule, st.sampled_from(Aggregation), st.none() | st.integers(0, 9)),
    rounding=st.builds(sch.Rounding, st.integers(0, 4), st.sampled_from(sorted(sch.ROUNDING_MODES))),
    price_adjustments=st.lists(
        st.builds(sch.PriceAdjustment, text, text, st.sampled_from(sch.AdjustmentBasis), points), max_size=2
    ).map(tuple),
    sme_deduction=st.none() | points,
    track_record=st.none()
    | st.builds(
        TrackRecordRequirement,
        st.integers(0, 5),
        points,
        st.none() | st.integers(0, 5),
        st.none() | st.dates(),
        st.lists(text, max_size=2).map(tuple),
    ),
    abnormal_rules=st.lists(st.builds(AbnormalRule, st.sampled_from(AbnormalRuleKind), points), max_size=3).map(tuple),
    abnormal_explanation_hours=st.none() | st.integers(0, 72),
    award=st.builds(
        AwardRule,
        st.sampled_from(AwardMode),
        st.none() | st.integers(0, 9),
        st.booleans(),
        st.none() | st.sampled_from(DecisionMethod),
        st.lists(text, max_size=2).map(tuple),
    ),
    anonymity=st.builds(
        AnonymityRule, st.booleans(), st.lists(st.sampled_from(sch.BID_FILE_PARTS), max_size=3).map(tuple)
    ),
    tie_breaks=st.lists(st.builds(TieBreak, st.sampled_from(TieBreakKind), st.none() | text), max_size=3).map(tuple),
)


@given(schemes)
def test_every_scheme_round_trips_through_json(scheme: EvaluationScheme) -> None:
    assert EvaluationScheme.from_json(json.loads(json.dumps(scheme.as_json()))) == scheme


@given(schemes)
def test_validation_refuses_with_a_domain_error_or_accepts_never_crashes(scheme: EvaluationScheme) -> None:
    try:
        validate(scheme, "services", "工程设计", RULES)
    except DomainError as error:
        messages = (error.code, error.message_zh, error.message_en)
    else:
        return
    assert all(messages)


def test_the_documented_example_scheme_is_a_valid_scheme() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "evaluation-methods.md").read_text(encoding="utf-8")
    example = doc.split("```json\n", 1)[1].split("```", 1)[0]
    scheme = EvaluationScheme.from_json(json.loads(example))
    ok(scheme, "goods", "设备")
    assert scheme.award.decision_method is DecisionMethod.VALUE_FOR_MONEY


@pytest.mark.parametrize("value", ["1E+20", "0.00000000001", "99999999999999"])
def test_numbers_beyond_any_sensible_scheme_are_refused(value: str) -> None:
    data = comprehensive().as_json()
    data["total_points"] = value
    with pytest.raises(DomainError) as caught:
        EvaluationScheme.from_json(data)
    assert caught.value.details["field"] == "total_points"

"""Scoring by the declared scheme, against figures worked out by hand."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sunbid.evaluation.arithmetic import correct_price
from sunbid.evaluation.methods import (
    AppliedAdjustment,
    BidPricing,
    Certificate,
    ComprehensiveEvaluation,
    DeviationThreshold,
    EvaluatedPrice,
    FirstOfAKind,
    PastProject,
    Qualification,
    RegistryFacts,
    aggregate_subjective,
    check_member_score,
    check_track_record,
    deviating_members,
    draw_k,
    evaluate_comprehensive,
    evaluate_lowest_price,
    evaluated_price,
    evaluated_prices,
    score_objective,
    score_prices,
    subjective_totals,
    window_start,
)
from sunbid.evaluation.scheme import (
    AbnormalRule,
    AbnormalRuleKind,
    Aggregation,
    AggregationRule,
    AwardMode,
    CreditGradeCriterion,
    DecisionMethod,
    EvaluationScheme,
    Factor,
    FactorKind,
    Method,
    Part,
    PastPerformanceCriterion,
    PriceFormula,
    PriceFormulaKind,
    TieBreak,
    TieBreakKind,
    TrackRecordRequirement,
    validate,
)
from sunbid.kernel.errors import Conflict, DomainError, Forbidden
from sunbid.kernel.rules import RuleBook

from .schemes import AVERAGE_DISCOUNT, comprehensive, lowest_price, separated

D = Decimal
RULES = RuleBook.default()
AS_OF = date(2025, 4, 2)
COMMITTEE = ("m1", "m2", "m3", "m4", "m5")


def prices_of(values: dict[str, str]) -> dict[str, EvaluatedPrice]:
    return {b: EvaluatedPrice(b, None, D(v), (), D(v)) for b, v in values.items()}


# ---------------------------------------------------------------------------- evaluated prices
def test_the_evaluated_price_adds_each_adjustment_and_deducts_the_sme_preference() -> None:
    scheme = lowest_price()
    bid = BidPricing(
        "b1",
        D("1000000.00"),
        stated_price=D("1100000.00"),
        small_or_micro=True,
        adjustments=(AppliedAdjustment("delivery", D(2)), AppliedAdjustment("spares")),
    )
    price = evaluated_price(scheme, bid)
    assert [(line.key, line.amount) for line in price.lines] == [
        ("delivery", D("10000.00")),  # 0.5% × 2 weeks × 1,000,000
        ("spares", D("20000.00")),
        ("sme_deduction", D("-100000.00")),  # 10%
    ]
    assert price.evaluated == D("930000.00")
    assert price.stated_price == D("1100000.00")


def test_a_large_enterprise_gets_no_sme_deduction_and_a_scheme_without_one_gives_none() -> None:
    assert evaluated_price(lowest_price(), BidPricing("b", D(100))).evaluated == D(100)
    assert evaluated_price(comprehensive(), BidPricing("b", D(100), small_or_micro=True)).evaluated == D(100)


@pytest.mark.parametrize(
    ("adjustments", "code"),
    [
        ((AppliedAdjustment("bribe"),), "adjustment_unknown"),
        ((AppliedAdjustment("spares"), AppliedAdjustment("spares")), "adjustment_invalid"),
        ((AppliedAdjustment("spares", D(-1)),), "adjustment_invalid"),
    ],
)
def test_undeclared_repeated_or_negative_adjustments_are_refused(
    adjustments: tuple[AppliedAdjustment, ...], code: str
) -> None:
    with pytest.raises(DomainError) as caught:
        evaluated_price(lowest_price(), BidPricing("b", D(100000), adjustments=adjustments))
    assert caught.value.code == code


def test_a_price_that_is_not_positive_is_refused() -> None:
    with pytest.raises(DomainError, match="price_not_positive"):
        evaluated_price(lowest_price(), BidPricing("b", D(0)))
    negative = dataclasses.replace(lowest_price().price_adjustments[1], value=D(-200))
    with pytest.raises(DomainError, match="evaluated_price_not_positive"):
        evaluated_price(
            lowest_price(price_adjustments=(negative,)),
            BidPricing("b", D(100), adjustments=(AppliedAdjustment("spares"),)),
        )


def test_no_bids_or_a_bid_twice_is_refused() -> None:
    with pytest.raises(Conflict, match="no_valid_bids"):
        evaluated_prices(lowest_price(), [])
    with pytest.raises(DomainError, match="bid_repeated"):
        evaluated_prices(lowest_price(), [BidPricing("b", D(1)), BidPricing("b", D(2))])


# ---------------------------------------------------------------------------- price scores
def test_the_lowest_price_benchmark_gives_base_over_price_times_the_points() -> None:
    scoring = score_prices(comprehensive(), prices_of({"a": "100", "b": "80", "c": "125", "d": "96"}))
    assert scoring.benchmark.benchmark == D(80)
    assert {b: s.points for b, s in scoring.scores.items()} == {
        "b": D("60.00"),
        "d": D("50.00"),
        "a": D("48.00"),
        "c": D("38.40"),
    }


def test_the_average_discount_benchmark_trims_discounts_and_deducts_per_percent() -> None:
    scheme = comprehensive(price_formula=AVERAGE_DISCOUNT)
    scoring = score_prices(scheme, prices_of({"a": "90", "b": "100", "c": "110", "d": "120", "e": "130"}), D("0.02"))
    b = scoring.benchmark
    # five prices reach the trimming count: 90 and 130 are dropped; mean 110; × (1 − 0.02) = 107.80
    assert (b.mean, b.benchmark, b.k) == (D("110.00"), D("107.80"), D("0.02"))
    assert set(b.dropped) == {"a", "e"}
    assert set(b.used) == {"b", "c", "d"}
    # a: (90 − 107.8) / 107.8 = −16.5120…% below: 60 − 0.5 × 16.5120… = 51.743… → 51.74
    # e: (130 − 107.8) / 107.8 = +20.5936…% above: 60 − 1 × 20.5936… = 39.406… → 39.41
    assert scoring.scores["a"].points == D("51.74")
    assert scoring.scores["e"].points == D("39.41")
    assert scoring.scores["c"].deviation_percent is not None
    assert round(scoring.scores["c"].deviation_percent, 4) == D("2.0408")


def test_fewer_prices_than_the_trimming_count_are_not_trimmed() -> None:
    scheme = comprehensive(price_formula=AVERAGE_DISCOUNT)
    scoring = score_prices(scheme, prices_of({"a": "90", "b": "100", "c": "110", "d": "120"}), D("0.01"))
    assert scoring.benchmark.dropped == ()
    assert scoring.benchmark.mean == D("105.00")
    assert scoring.benchmark.benchmark == D("103.95")


def test_a_deviation_rounded_as_declared_changes_the_score_accordingly() -> None:
    formula = dataclasses.replace(AVERAGE_DISCOUNT, deviation_places=0, trim_min_count=None)
    scoring = score_prices(comprehensive(price_formula=formula), prices_of({"a": "100", "b": "103"}), D("0.03"))
    # mean 101.50 × 0.97 = 98.4550 → 98.46 (fen, half up); b: (103 − 98.46) / 98.46 = 4.611…% → 5%
    assert scoring.benchmark.benchmark == D("98.46")
    assert scoring.scores["b"].deviation_percent == D(5)
    assert scoring.scores["b"].points == D("55.00")


def test_a_price_far_from_the_benchmark_scores_zero_not_less() -> None:
    scoring = score_prices(
        comprehensive(price_formula=AVERAGE_DISCOUNT), prices_of({"a": "100", "b": "1000"}), D("0.01")
    )
    assert scoring.scores["b"].points == D("0.00")


def test_a_k_the_tender_did_not_declare_is_refused() -> None:
    scheme = comprehensive(price_formula=AVERAGE_DISCOUNT)
    for k in (None, D("0.05")):
        with pytest.raises(DomainError, match="k_not_declared"):
            score_prices(scheme, prices_of({"a": "100"}), k)
    with pytest.raises(DomainError, match="k_not_applicable"):
        score_prices(comprehensive(), prices_of({"a": "100"}), D("0.01"))


def test_a_scheme_without_a_price_score_cannot_score_prices() -> None:
    with pytest.raises(DomainError, match="scheme_has_no_price_score"):
        score_prices(lowest_price(), prices_of({"a": "100"}))


price_sets = st.dictionaries(
    st.text("abcdefgh", min_size=1, max_size=3),
    st.integers(1, 10**12).map(lambda c: D(c).scaleb(-2)),
    min_size=1,
    max_size=12,
)


@given(price_sets)
def test_lowest_price_scores_lie_within_the_points_and_fall_as_the_price_rises(prices: dict[str, Decimal]) -> None:
    scoring = score_prices(comprehensive(), {b: EvaluatedPrice(b, None, p, (), p) for b, p in prices.items()})
    ordered = sorted(prices, key=lambda b: prices[b])
    points = [scoring.scores[b].points for b in ordered]
    assert points[0] == D("60.00")
    assert all(D(0) <= p <= D(60) for p in points)
    assert points == sorted(points, reverse=True)


@given(price_sets, st.sampled_from(AVERAGE_DISCOUNT.k_choices))
def test_average_discount_scores_lie_within_the_points(prices: dict[str, Decimal], k: Decimal) -> None:
    scoring = score_prices(
        comprehensive(price_formula=AVERAGE_DISCOUNT),
        {b: EvaluatedPrice(b, None, p, (), p) for b, p in prices.items()},
        k,
    )
    assert all(D(0) <= s.points <= D(60) for s in scoring.scores.values())
    assert len(scoring.benchmark.used) + len(scoring.benchmark.dropped) == len(prices)


def test_k_is_drawn_reproducibly_from_the_declared_values() -> None:
    seed = bytes(range(32))
    assert draw_k(AVERAGE_DISCOUNT, seed) == draw_k(AVERAGE_DISCOUNT, seed)
    drawn = {draw_k(AVERAGE_DISCOUNT, seed + bytes([i])) for i in range(60)}
    assert drawn == set(AVERAGE_DISCOUNT.k_choices)
    with pytest.raises(DomainError, match="seed_too_short"):
        draw_k(AVERAGE_DISCOUNT, b"short")
    with pytest.raises(DomainError, match="k_not_applicable"):
        draw_k(PriceFormula(PriceFormulaKind.LOWEST_PRICE_BENCHMARK), seed)


# ---------------------------------------------------------------------------- subjective scores
def member_scores(plan: list[str], schedule: list[str], bids: tuple[str, ...] = ("b1",)) -> dict:
    return {m: {b: {"plan": D(plan[i]), "schedule": D(schedule[i])} for b in bids} for i, m in enumerate(COMMITTEE)}


def test_a_trimmed_mean_drops_one_highest_and_one_lowest_score() -> None:
    scores = member_scores(["18", "15", "16", "12", "19.5"], ["5", "5", "5", "5", "5"])
    agg = aggregate_subjective(comprehensive(), COMMITTEE, ["b1"], scores)["b1"]["plan"]
    # drop 19.5 (m5) and 12 (m4): (18 + 15 + 16) / 3 = 16.333… → 16.33
    assert agg.points == D("16.33")
    assert agg.dropped == ("m5", "m4")
    assert agg.used == ("m2", "m3", "m1")
    assert agg.scorers == 5
    assert dict(agg.scores)["m4"] == D(12)


def test_fewer_scorers_than_the_trimming_count_are_averaged_plainly() -> None:
    scheme = comprehensive(aggregation=AggregationRule(Aggregation.TRIMMED_MEAN, 7))
    scores = member_scores(["18", "15", "16", "12", "19.5"], ["5"] * 5)
    agg = aggregate_subjective(scheme, COMMITTEE, ["b1"], scores)["b1"]["plan"]
    assert agg.points == D("16.10")
    assert agg.dropped == ()


def test_a_plain_mean_is_rounded_half_up_as_declared() -> None:
    scheme = comprehensive(aggregation=AggregationRule(Aggregation.MEAN))
    scores = member_scores(["10", "10", "10", "10", "10.02"], ["1", "2", "2", "2", "2.01"])
    agg = aggregate_subjective(scheme, COMMITTEE, ["b1"], scores)["b1"]
    assert agg["plan"].points == D("10.00")  # 10.004
    assert agg["schedule"].points == D("1.80")  # 1.802


def test_a_scorer_outside_the_committee_is_refused() -> None:
    scores = member_scores(["10"] * 5, ["1"] * 5)
    scores["intruder"] = {"b1": {"plan": D(20), "schedule": D(6)}}
    with pytest.raises(Forbidden) as caught:
        aggregate_subjective(comprehensive(), COMMITTEE, ["b1"], scores)
    assert caught.value.code == "scorer_not_in_committee"
    assert caught.value.details["members"] == ["intruder"]


def test_a_missing_score_is_a_conflict_naming_who_and_what() -> None:
    scores = member_scores(["10"] * 5, ["1"] * 5)
    del scores["m3"]["b1"]["schedule"]
    with pytest.raises(Conflict) as caught:
        aggregate_subjective(comprehensive(), COMMITTEE, ["b1"], scores)
    assert caught.value.code == "score_missing"
    assert (caught.value.details["member"], caught.value.details["factor_id"]) == ("m3", "schedule")


@pytest.mark.parametrize(
    ("factor", "points", "code"),
    [
        ("plan", D("20.01"), "score_invalid"),
        ("plan", D(-1), "score_invalid"),
        ("plan", D("10.005"), "score_invalid"),
        ("credit", D(1), "score_unknown_factor"),
        ("invented", D(1), "score_unknown_factor"),
    ],
)
def test_scores_out_of_range_or_on_the_wrong_factor_are_refused(factor: str, points: Decimal, code: str) -> None:
    scores = member_scores(["10"] * 5, ["1"] * 5)
    scores["m1"]["b1"][factor] = points
    with pytest.raises(DomainError) as caught:
        aggregate_subjective(comprehensive(), COMMITTEE, ["b1"], scores)
    assert caught.value.code == code


def test_a_score_for_an_unknown_bid_or_from_a_repeated_committee_is_refused() -> None:
    scores = member_scores(["10"] * 5, ["1"] * 5, ("b1", "b9"))
    with pytest.raises(DomainError, match="score_unknown_bid"):
        aggregate_subjective(comprehensive(), COMMITTEE, ["b1"], scores)
    with pytest.raises(DomainError, match="committee_invalid"):
        aggregate_subjective(comprehensive(), ("m1", "m1"), ["b1"], {})


def test_a_member_score_is_checked_on_its_own() -> None:
    assert check_member_score(comprehensive(), "plan", D("19.5")) == D("19.5")
    with pytest.raises(DomainError, match="score_not_subjective"):
        check_member_score(comprehensive(), "price", D(1))
    with pytest.raises(DomainError, match="scheme_factor_unknown"):
        check_member_score(comprehensive(), "nope", D(1))


# ---------------------------------------------------------------------------- objective scores (task 29)
PROJECTS = (
    PastProject("滨江大厦", D("8000000.00"), date(2023, 5, 1), "A0101"),
    PastProject("河西学校", D("6000000.00"), date(2022, 4, 2), "A0102"),  # the first day of the window
    PastProject("江宁医院", D("9000000.00"), date(2022, 4, 1), "A0101"),  # a day too early
    PastProject("小型车库", D("4000000.00"), date(2024, 1, 1), "A0101"),  # too small
    PastProject("市政道路", D("7000000.00"), date(2024, 6, 1), "B02"),  # not similar
)


def test_objective_factors_are_scored_from_the_registry_with_evidence() -> None:
    facts = RegistryFacts(
        credit_grade="A",
        qualifications=(Qualification("建筑工程施工总承包", "特级", "D132000001"),),
        projects=PROJECTS,
        certificates=(
            Certificate("中国环境标志产品认证", "CEC-1", date(2026, 1, 1)),
            Certificate("节能产品认证", "CQC-2", date(2025, 1, 1)),  # expired
        ),
    )
    scores = score_objective(comprehensive(), "b1", facts, AS_OF)
    assert {f: s.points for f, s in scores.items()} == {
        "green": D("1.00"),
        "credit": D("4.00"),
        "qualification": D("3.00"),  # 特级 is better than the 一级 minimum
        "performance": D("4.00"),  # two similar projects × 2
    }
    performance = scores["performance"]
    assert performance.similar_amount == D("14000000.00")
    reasons = {e.subject.split("（")[0]: e.reason for e in performance.evidence}
    assert reasons == {
        "滨江大厦": "counted",
        "河西学校": "counted",
        "江宁医院": "outside_window",
        "小型车库": "below_min_amount",
        "市政道路": "not_similar",
    }
    green = {e.subject.split("（")[0]: (e.counted, e.reason) for e in scores["green"].evidence}
    assert green == {"中国环境标志产品认证": (True, "held"), "节能产品认证": (False, "expired")}


@pytest.mark.parametrize(
    ("qualifications", "points"),
    [
        ((Qualification("建筑工程施工总承包", "一级"),), D(3)),
        ((Qualification("建筑工程施工总承包", "二级"),), D(1)),
        ((Qualification("建筑工程施工总承包", "三级"),), D(0)),
        ((Qualification("建筑工程施工总承包", "一级", valid_until=date(2025, 4, 1)),), D(0)),
        ((Qualification("市政公用工程施工总承包", "一级"),), D(0)),
        ((Qualification("建筑工程施工总承包", "甲级"),), D(0)),
        ((Qualification("建筑工程施工总承包", "三级"), Qualification("建筑工程施工总承包", "一级")), D(3)),
    ],
)
def test_qualification_points_go_to_the_best_valid_grade(
    qualifications: tuple[Qualification, ...], points: Decimal
) -> None:
    score = score_objective(comprehensive(), "b", RegistryFacts(qualifications=qualifications), AS_OF)["qualification"]
    assert score.points == points


def test_points_for_past_performance_stop_at_the_cap() -> None:
    many = tuple(PastProject(f"p{i}", D("6000000"), date(2024, 1, 1 + i), "A01") for i in range(4))
    assert score_objective(comprehensive(), "b", RegistryFacts(projects=many), AS_OF)["performance"].points == D(5)


def test_a_bidder_without_a_credit_grade_scores_nothing_for_credit() -> None:
    score = score_objective(comprehensive(), "b", RegistryFacts(), AS_OF)["credit"]
    assert score.points == D(0)
    assert score.evidence[0].reason == "no_grade"
    assert score_objective(comprehensive(), "b", RegistryFacts(credit_grade="D"), AS_OF)["credit"].evidence[
        0
    ].reason == ("grade_scores_nothing")


def test_first_of_a_kind_equipment_counts_as_meeting_the_track_record() -> None:
    equipment = FirstOfAKind("大型盾构机", "首台套-2024-017", "A0103")
    score = score_objective(comprehensive(), "b", RegistryFacts(first_of_a_kind=(equipment,)), AS_OF)["performance"]
    assert score.points == D(2)
    assert [e.reason for e in score.evidence] == ["first_of_a_kind_counts_as_track_record"]
    with_projects = RegistryFacts(projects=PROJECTS[:1], first_of_a_kind=(equipment,))
    score = score_objective(comprehensive(), "b", with_projects, AS_OF)["performance"]
    assert score.points == D(2)
    assert "not_needed" in [e.reason for e in score.evidence]


def test_first_of_a_kind_equipment_of_another_kind_or_expired_does_not_count() -> None:
    other = FirstOfAKind("风电机组", "首台套-2024-001", "C07")
    expired = FirstOfAKind("大型盾构机", "首台套-2019-003", "A0103", valid_until=date(2024, 12, 31))
    score = score_objective(comprehensive(), "b", RegistryFacts(first_of_a_kind=(other, expired)), AS_OF)["performance"]
    assert score.points == D(0)
    assert sorted(e.reason for e in score.evidence) == ["expired", "not_similar"]


def test_the_track_record_requirement_is_met_by_projects_or_by_first_of_a_kind_equipment() -> None:
    requirement = TrackRecordRequirement(1, D("5000000"), within_years=3, classifications=("A01",))
    met = check_track_record(requirement, RegistryFacts(projects=PROJECTS), AS_OF)
    assert met.met and len(met.counted) == 2 and met.first_of_a_kind is None
    equipment = FirstOfAKind("大型盾构机", "首台套-2024-017", "A0103")
    by_equipment = check_track_record(requirement, RegistryFacts(first_of_a_kind=(equipment,)), AS_OF)
    assert by_equipment.met and by_equipment.first_of_a_kind == equipment
    assert "工信部联重装〔2023〕127号" in by_equipment.basis
    assert not check_track_record(requirement, RegistryFacts(projects=PROJECTS[2:]), AS_OF).met


def test_a_window_of_years_from_29_february_starts_on_28_february() -> None:
    assert window_start(date(2024, 2, 29), 3, None) == date(2021, 2, 28)
    assert window_start(date(2024, 2, 29), 4, None) == date(2020, 2, 29)
    assert window_start(date(2024, 2, 29), None, date(2021, 1, 1)) == date(2021, 1, 1)


# ---------------------------------------------------------------------------- a whole comprehensive evaluation
FACTS = {
    "b1": RegistryFacts(
        credit_grade="A",
        qualifications=(Qualification("建筑工程施工总承包", "一级"),),
        projects=PROJECTS[:2],
        certificates=(Certificate("中国环境标志产品认证"), Certificate("节能产品认证")),
    ),
    "b2": RegistryFacts(credit_grade="B", qualifications=(Qualification("建筑工程施工总承包", "二级"),)),
    "b3": RegistryFacts(credit_grade="A", qualifications=(Qualification("建筑工程施工总承包", "一级"),)),
}
BIDS = [
    BidPricing("b1", D("10000000.00")),
    BidPricing("b2", D("9000000.00"), stated_price=D("9500000.00")),
    BidPricing("b3", D("9600000.00"), adjustments=(AppliedAdjustment("payment", D(1)),)),
]
PLAN = {
    "b1": ["18", "17", "16", "19", "15"],
    "b2": ["12", "13", "14", "11", "15"],
    "b3": ["16", "16", "16", "16", "16"],
}
SCHEDULE = {"b1": ["5", "5", "4", "6", "5"], "b2": ["4", "4", "4", "4", "4"], "b3": ["5", "5", "5", "5", "5"]}


def committee_scores() -> dict:
    return {
        m: {b: {"plan": D(PLAN[b][i]), "schedule": D(SCHEDULE[b][i])} for b in PLAN} for i, m in enumerate(COMMITTEE)
    }


def test_a_comprehensive_evaluation_totals_and_ranks_as_worked_by_hand() -> None:
    result = evaluate_comprehensive(
        comprehensive(),
        BIDS,
        committee=COMMITTEE,
        member_scores=committee_scores(),
        registry=FACTS,
        as_of=AS_OF,
        rules=RULES,
    )
    # evaluated: b3 = 9,600,000 + 1% = 9,696,000; benchmark = b2's 9,000,000
    assert result.prices["b3"].evaluated == D("9696000.00")
    assert result.price_scoring.benchmark.benchmark == D("9000000.00")
    # price: b1 54.00, b2 60.00, b3 9/9.696 × 60 = 55.693… → 55.69
    # plan (trimmed): b1 (18+17+16)/3 = 17.00, b2 13.00, b3 16.00; schedule: b1 5.00, b2 4.00, b3 5.00
    # objective: b1 green 2 + credit 4 + qualification 3 + performance 4 = 13; b2 0+2+1+0 = 3; b3 0+4+3+0 = 7
    assert {b: t.total for b, t in result.totals.items()} == {
        "b1": D("89.00"),
        "b2": D("80.00"),
        "b3": D("83.69"),
    }
    assert result.totals["b1"].parts[Part.TECHNICAL] == D("24.00")
    assert [e.bid_id for e in result.ranking.entries] == ["b1", "b3", "b2"]
    assert [e.rank for e in result.ranking.entries] == [1, 2, 3]
    assert result.candidates.bid_ids == ("b1", "b3", "b2")
    assert result.candidates.ranked and result.candidates.state_funded
    table = result.table.as_json()
    assert table["title"] == "综合评估比较表"
    assert [r["bid_id"] for r in table["rows"]] == ["b1", "b3", "b2"]
    assert table["rows"][2]["stated_price"] == "9500000.00"
    assert table["rows"][1]["lines"] == [{"key": "payment", "name": "付款条件偏差", "amount": "96000.00"}]
    assert table["rows"][0]["factor_points"]["performance"] == "4.00"


def tied_evaluation(**changes: object) -> ComprehensiveEvaluation:
    """b1 and b2 with equal totals (no objective facts, equal prices), b2 stronger technically."""
    bids = [BidPricing("b1", D(100)), BidPricing("b2", D(100)), BidPricing("b3", D(200))]
    scores = {
        m: {
            "b1": {"plan": D(10), "schedule": D(6)},
            "b2": {"plan": D(16), "schedule": D(0)},
            "b3": {"plan": D(10), "schedule": D(6)},
        }
        for m in COMMITTEE
    }
    return evaluate_comprehensive(
        comprehensive(**changes),
        bids,
        committee=COMMITTEE,
        member_scores=scores,
        registry={},
        as_of=AS_OF,
        rules=RULES,
    )


def test_equal_totals_are_separated_by_the_declared_tie_breaks_in_order() -> None:
    tie_breaks = (TieBreak(TieBreakKind.LOWER_PRICE), TieBreak(TieBreakKind.HIGHER_FACTOR, "plan"))
    result = tied_evaluation(tie_breaks=tie_breaks)
    entries = {e.bid_id: e for e in result.ranking.entries}
    assert [e.bid_id for e in result.ranking.entries] == ["b2", "b1", "b3"]
    assert entries["b2"].decided_by == tie_breaks[1]  # equal prices: decided by the plan score
    assert entries["b1"].rank == 2
    assert entries["b3"].decided_by is None
    assert not result.ranking.unresolved_ties


def test_bids_still_tied_after_every_tie_break_share_a_rank_and_are_never_drawn_by_lot() -> None:
    result = tied_evaluation(
        tie_breaks=(TieBreak(TieBreakKind.LOWER_PRICE),),
        award=dataclasses.replace(comprehensive().award, candidate_count=1),
    )
    entries = {e.bid_id: e for e in result.ranking.entries}
    assert entries["b1"].rank == entries["b2"].rank == 1
    assert entries["b1"].tied_with == ("b2",)
    assert result.ranking.unresolved_ties
    assert result.candidates.tie_at_cutoff == ("b1", "b2")
    assert set(result.candidates.bid_ids) == {"b1", "b2"}


def test_candidates_under_separated_evaluation_are_listed_unranked() -> None:
    scheme = separated(DecisionMethod.PRICE_FIRST)
    bids = [BidPricing(f"b{i}", D(100 + i)) for i in (7, 3, 5, 1, 9, 2)]
    scores = {m: {b.bid_id: {"plan": D(10), "schedule": D(3)} for b in bids} for m in COMMITTEE}
    result = evaluate_comprehensive(
        scheme, bids, committee=COMMITTEE, member_scores=scores, registry={}, as_of=AS_OF, rules=RULES
    )
    assert result.candidates.mode is AwardMode.SEPARATED
    assert not result.candidates.ranked
    # the five best by score, listed by id: b9 (the dearest) is left out
    assert result.candidates.bid_ids == ("b1", "b2", "b3", "b5", "b7")


def test_the_method_must_match_the_scheme() -> None:
    with pytest.raises(DomainError, match="method_mismatch"):
        evaluate_lowest_price(comprehensive(), BIDS, RULES)
    with pytest.raises(DomainError, match="method_mismatch"):
        evaluate_comprehensive(
            lowest_price(), BIDS, committee=COMMITTEE, member_scores={}, registry={}, as_of=AS_OF, rules=RULES
        )


# ---------------------------------------------------------------------------- lowest evaluated price
def test_a_lowest_evaluated_price_evaluation_ranks_by_evaluated_price_and_tabulates_every_adjustment() -> None:
    bids = [
        BidPricing("b1", D("1000000.00"), adjustments=(AppliedAdjustment("delivery", D(4)),)),  # +20,000
        BidPricing("b2", D("1050000.00"), small_or_micro=True),  # −105,000
        BidPricing("b3", D("990000.00"), adjustments=(AppliedAdjustment("spares"),)),  # +20,000
        BidPricing("b4", D("1010000.00")),
    ]
    result = evaluate_lowest_price(lowest_price(), bids, RULES)
    assert [(e.bid_id, e.rank) for e in result.ranking.entries] == [("b2", 1), ("b3", 2), ("b4", 3), ("b1", 4)]
    table = result.table.as_json()
    assert table["title"] == "标价比较表"
    assert table["rows"][0] == {
        "bid_id": "b2",
        "stated_price": None,
        "price": "1050000.00",
        "lines": [{"key": "sme_deduction", "name": "小微企业价格扣除", "amount": "-105000.00"}],
        "evaluated_price": "945000.00",
        "rank": 1,
    }
    assert result.candidates.bid_ids == ("b2", "b3", "b4")


def test_equal_evaluated_prices_are_separated_by_the_lower_price() -> None:
    bids = [
        BidPricing("b1", D("1000000.00")),
        BidPricing("b2", D("980000.00"), adjustments=(AppliedAdjustment("spares"),)),
    ]
    result = evaluate_lowest_price(lowest_price(), bids, RULES)
    assert [e.bid_id for e in result.ranking.entries] == ["b2", "b1"]
    assert result.ranking.entries[0].decided_by == TieBreak(TieBreakKind.LOWER_PRICE)
    result = evaluate_lowest_price(lowest_price(tie_breaks=()), bids, RULES)
    assert [e.rank for e in result.ranking.entries] == [1, 1]


# ---------------------------------------------------------------------------- deviating members (M19)
def test_a_member_far_from_the_others_is_flagged_with_the_figures() -> None:
    scores = {"m1": {"b1": D(18)}, "m2": {"b1": D(17)}, "m3": {"b1": D(16)}, "m4": {"b1": D(17)}, "m5": {"b1": D(6)}}
    flagged = deviating_members(scores, DeviationThreshold(points=D(5)))
    assert [(f.member_id, f.bid_id) for f in flagged] == [("m5", "b1")]
    [f] = flagged
    assert f.others_mean == D(17)
    assert f.difference == D(-11)
    assert f.exceeded == ("points",)


def test_a_spread_in_standard_deviations_applies_only_where_the_others_disagree() -> None:
    scores = {"m1": {"b1": D(10)}, "m2": {"b1": D(10)}, "m3": {"b1": D(10)}, "m4": {"b1": D("10.5")}}
    # for m4 the others agree exactly (sd 0): half a point is not flagged in deviations
    assert deviating_members(scores, DeviationThreshold(sd=D(2))) == []
    scores = {"m1": {"b1": D(10)}, "m2": {"b1": D(11)}, "m3": {"b1": D(12)}, "m4": {"b1": D(20)}}
    flagged = deviating_members(scores, DeviationThreshold.from_rules(RULES))
    # m4: others 10, 11, 12: mean 11, sd 1, z = 9
    assert [(f.member_id, f.z, f.exceeded) for f in flagged] == [("m4", D(9), ("sd",))]


def test_members_close_to_the_committee_are_not_flagged() -> None:
    totals = subjective_totals(committee_scores())
    assert totals["m1"]["b1"] == D(23)
    assert deviating_members(totals, DeviationThreshold(points=D(5), sd=D(3))) == []


def test_a_deviation_threshold_must_be_given_and_positive() -> None:
    with pytest.raises(DomainError, match="threshold_missing"):
        deviating_members({}, DeviationThreshold())
    with pytest.raises(DomainError, match="threshold_invalid"):
        deviating_members({}, DeviationThreshold(sd=D(0)))


# ---------------------------------------------------------------------------- a scheme shaped like a real services tender
def services_scheme() -> EvaluationScheme:
    """Shaped like a 2024 telecom maintenance tender: a 40-point business and technical table
    beside 60 points of price, two places rounded half up, ties broken by the lower price, then
    the implementation plan, then the larger total of similar contracts since 1 January 2021."""
    factors = (
        Factor("price", "投标报价", FactorKind.PRICE, Part.PRICE, D(60)),
        Factor("plan", "综合代维实施方案", FactorKind.SUBJECTIVE, Part.TECHNICAL, D(25)),
        Factor(
            "performance",
            "类似项目业绩",
            FactorKind.OBJECTIVE,
            Part.COMMERCIAL,
            D(10),
            criterion=PastPerformanceCriterion(
                points_each=D(2), cap=D(10), min_amount=D("5000000"), since=date(2021, 1, 1)
            ),
        ),
        Factor(
            "credit", "信用", FactorKind.OBJECTIVE, Part.CREDIT, D(5), criterion=CreditGradeCriterion((("A", D(5)),))
        ),
    )
    return EvaluationScheme(
        method=Method.COMPREHENSIVE,
        factors=factors,
        price_formula=PriceFormula(PriceFormulaKind.LOWEST_PRICE_BENCHMARK),
        aggregation=AggregationRule(Aggregation.MEAN),
        abnormal_rules=(AbnormalRule(AbnormalRuleKind.BELOW_MEAN_OF_ALL, D("0.50")),),
        tie_breaks=(
            TieBreak(TieBreakKind.LOWER_PRICE),
            TieBreak(TieBreakKind.HIGHER_FACTOR, "plan"),
            TieBreak(TieBreakKind.HIGHER_SIMILAR_AMOUNT, "performance"),
        ),
    )


def test_equal_scores_prices_and_plans_are_separated_by_the_larger_similar_contracts() -> None:
    scheme = services_scheme()
    validate(scheme, "services", "通信代维", RULES)
    small = tuple(PastProject(f"s{i}", D("6000000"), date(2023, 1, 1 + i)) for i in range(5))
    large = tuple(PastProject(f"l{i}", D("9000000"), date(2023, 1, 1 + i)) for i in range(5))
    bids = [BidPricing("small", D("8000000.00")), BidPricing("large", D("8000000.00"))]
    scores = {m: {b.bid_id: {"plan": D(20)} for b in bids} for m in COMMITTEE}
    result = evaluate_comprehensive(
        scheme,
        bids,
        committee=COMMITTEE,
        member_scores=scores,
        registry={"small": RegistryFacts(projects=small), "large": RegistryFacts(projects=large)},
        as_of=AS_OF,
        rules=RULES,
    )
    assert result.totals["small"].total == result.totals["large"].total == D("90.00")
    assert result.objective["large"]["performance"].similar_amount == D("45000000.00")
    [first, second] = result.ranking.entries
    assert (first.bid_id, first.rank, second.rank) == ("large", 1, 2)
    assert first.decided_by == TieBreak(TieBreakKind.HIGHER_SIMILAR_AMOUNT, "performance")


def test_prices_that_cannot_be_scored_are_refused_not_divided_by() -> None:
    with pytest.raises(DomainError, match="evaluated_price_not_positive"):
        score_prices(comprehensive(), prices_of({"a": "0", "b": "100"}))


def test_a_window_of_more_years_than_the_calendar_has_starts_at_its_beginning() -> None:
    assert window_start(AS_OF, 10**6, None) == date(1, 4, 2)


def test_a_corrected_bid_form_becomes_the_pricing_the_evaluation_starts_from() -> None:
    corrected = correct_price({"price": "1100000.00", "price_in_words": "壹佰壹拾万元整"})
    assert BidPricing.from_correction("b1", corrected, small_or_micro=True) == BidPricing(
        "b1", D("1100000.00"), None, True
    )
    corrected = correct_price({"price": "1100000.00", "price_in_words": "壹仟壹佰万元整"})
    pricing = BidPricing.from_correction("b1", corrected)
    assert (pricing.price, pricing.stated_price) == (D("11000000.00"), D("1100000.00"))

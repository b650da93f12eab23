"""Abnormally low prices (异常低价): the declared triggers, with their figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sunbid.evaluation.abnormal import detect, detect_for_scheme, explanation_due
from sunbid.evaluation.scheme import AbnormalRule, AbnormalRuleKind, default_abnormal_rules
from sunbid.kernel.errors import DomainError
from sunbid.kernel.rules import RuleBook

from .schemes import comprehensive

D = Decimal
RULES = RuleBook.default()
K = AbnormalRuleKind
DEFAULTS = default_abnormal_rules(RULES)


def test_a_price_far_below_the_others_triggers_every_default_rule_with_its_figures() -> None:
    report = detect(DEFAULTS, {"a": D("40.00"), "b": D("100.00"), "c": D("110.00"), "d": D("120.00")}, D("100.00"))
    assert report.flagged == ("a",)
    triggers = {t.rule: t for t in report.checks["a"].triggers}
    assert set(triggers) == {K.BELOW_MEAN_OF_OTHERS, K.BELOW_NEXT_LOWEST, K.BELOW_CEILING}
    mean = triggers[K.BELOW_MEAN_OF_OTHERS]
    assert (mean.reference, mean.threshold, mean.share) == (D("110.00"), D("55.00"), D("0.3636"))
    assert mean.reference_bids == ("b", "c", "d")
    nxt = triggers[K.BELOW_NEXT_LOWEST]
    assert (nxt.reference, nxt.threshold, nxt.reference_bids) == (D("100.00"), D("50.00"), ("b",))
    ceiling = triggers[K.BELOW_CEILING]
    assert (ceiling.reference, ceiling.threshold) == (D("100.00"), D("45.00"))


def test_a_price_at_the_threshold_is_not_below_it() -> None:
    report = detect(DEFAULTS, {"a": D("55.00"), "b": D("110.00"), "c": D("110.00")}, D("122.00"))
    assert not report.checks["a"].flagged  # 55 = 50% of 110, and 55 > 45% of 122 = 54.90
    report = detect(DEFAULTS, {"a": D("54.99"), "b": D("110.00"), "c": D("110.00")}, D("122.00"))
    assert [t.rule for t in report.checks["a"].triggers] == [K.BELOW_MEAN_OF_OTHERS, K.BELOW_NEXT_LOWEST]


def test_the_mean_of_all_valid_prices_includes_the_bid_itself() -> None:
    """The real tender's 有效平均价: the mean of all valid prices of the same item."""
    prices = {"a": D("30.00"), "b": D("100.00"), "c": D("100.00")}
    of_all = detect((AbnormalRule(K.BELOW_MEAN_OF_ALL, D("0.50")),), prices)
    [t] = of_all.checks["a"].triggers
    assert t.reference == D("76.67")  # 230 / 3
    assert t.reference_bids == ("a", "b", "c")
    # 45 is below half the mean of the others (50), not below half the mean of all (40.83)
    prices["a"] = D("45.00")
    assert detect((AbnormalRule(K.BELOW_MEAN_OF_ALL, D("0.50")),), prices).flagged == ()
    assert detect((AbnormalRule(K.BELOW_MEAN_OF_OTHERS, D("0.50")),), prices).flagged == ("a",)


def test_the_next_price_up_is_compared_for_every_bid_not_only_the_lowest() -> None:
    prices = {"a": D("10.00"), "b": D("11.00"), "c": D("100.00"), "d": D("104.00")}
    report = detect((AbnormalRule(K.BELOW_NEXT_LOWEST, D("0.50")),), prices)
    assert report.flagged == ("b",)  # a is within half of b; b is below half of c
    assert report.checks["d"].not_applicable == ((K.BELOW_NEXT_LOWEST, "no_higher_bid"),)


def test_equal_lowest_prices_compare_with_each_other() -> None:
    report = detect((AbnormalRule(K.BELOW_NEXT_LOWEST, D("0.50")),), {"a": D(10), "b": D(10), "c": D(100)})
    assert report.flagged == ()


def test_rules_that_cannot_apply_say_why() -> None:
    report = detect(DEFAULTS, {"a": D(100)})
    assert dict(report.checks["a"].not_applicable) == {
        K.BELOW_MEAN_OF_OTHERS: "no_other_bids",
        K.BELOW_NEXT_LOWEST: "no_higher_bid",
        K.BELOW_CEILING: "no_ceiling",
    }


def test_only_the_rules_the_scheme_declares_are_applied() -> None:
    prices = {"a": D("40.00"), "b": D("100.00"), "c": D("110.00")}
    report = detect_for_scheme(comprehensive(), prices, D("200.00"))
    assert [t.rule for t in report.checks["a"].triggers] == [K.BELOW_MEAN_OF_OTHERS, K.BELOW_CEILING]
    assert report.as_json()["flagged"] == ["a"]


def test_prices_that_are_not_positive_are_refused() -> None:
    with pytest.raises(DomainError, match="price_not_positive"):
        detect(DEFAULTS, {"a": D(0), "b": D(10)})
    with pytest.raises(DomainError, match="ceiling_invalid"):
        detect(DEFAULTS, {"a": D(10)}, D(0))


def test_the_explanation_is_due_the_declared_hours_after_the_request() -> None:
    asked = datetime(2025, 4, 2, 2, 0, tzinfo=UTC)
    assert explanation_due(comprehensive(), RULES, asked) == asked + timedelta(hours=24)
    assert explanation_due(comprehensive(abnormal_explanation_hours=3), RULES, asked) == asked + timedelta(hours=3)


def literal(rule: AbnormalRule, bid: str, prices: dict[str, Decimal], ceiling: Decimal) -> bool | None:
    """The trigger's wording in exact fractions, independent of the implementation."""
    price, r = Fraction(prices[bid]), Fraction(rule.ratio)
    others = [Fraction(v) for b, v in prices.items() if b != bid]
    if rule.kind is K.BELOW_MEAN_OF_OTHERS:
        return price < r * sum(others) / len(others) if others else None
    if rule.kind is K.BELOW_MEAN_OF_ALL:
        return price < r * (sum(others) + price) / (len(others) + 1)
    if rule.kind is K.BELOW_NEXT_LOWEST:
        above = [o for o in others if o >= price]
        return price < r * min(above) if above else None
    return price < r * Fraction(ceiling)


@given(
    st.dictionaries(
        st.text("abcdef", min_size=1, max_size=2),
        st.integers(1, 10**9).map(lambda c: D(c).scaleb(-2)),
        min_size=1,
        max_size=10,
    ),
    st.lists(
        st.builds(AbnormalRule, st.sampled_from(AbnormalRuleKind), st.integers(1, 100).map(lambda p: D(p).scaleb(-2))),
        max_size=4,
        unique_by=lambda r: r.kind,
    ),
    st.integers(1, 10**9).map(lambda c: D(c).scaleb(-2)),
)
def test_a_bid_is_flagged_exactly_when_the_rule_says_so(
    prices: dict[str, Decimal], rules: list[AbnormalRule], ceiling: Decimal
) -> None:
    report = detect(rules, prices, ceiling)
    for bid, check in report.checks.items():
        triggered = {t.rule for t in check.triggers}
        skipped = {r for r, _ in check.not_applicable}
        for rule in rules:
            expected = literal(rule, bid, prices, ceiling)
            assert (rule.kind in skipped) == (expected is None)
            assert (rule.kind in triggered) == bool(expected)


def test_an_explanation_time_past_the_calendar_is_refused() -> None:
    asked = datetime(2025, 4, 2, 2, 0, tzinfo=UTC)
    with pytest.raises(DomainError, match="scheme_abnormal_invalid"):
        explanation_due(comprehensive(abnormal_explanation_hours=10**12), RULES, asked)

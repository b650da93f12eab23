"""The statutory rule table: every limit with its citation; jurisdictions override with their own."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from sunbid.kernel.errors import DomainError
from sunbid.kernel.rules import RuleBook

#: The national defaults, from china-rules.md §1.1-§1.4 (key -> value, unit).
EXPECTED_DEFAULTS: dict[str, tuple[int | Decimal, str]] = {
    "tender_plan_lead_days": (30, "days"),
    "doc_sale_min_days": (5, "days"),
    "issue_to_deadline_min_days": (20, "days"),
    "clarify_min_days_before_deadline": (15, "days"),
    "objection_tender_doc_min_days_before_deadline": (10, "days"),
    "objection_answer_days": (3, "days"),
    "min_bidders": (3, "count"),
    "invited_min_invitees": (3, "count"),
    "bid_deposit_max_ratio": (Decimal("0.02"), "ratio"),
    "bid_deposit_works_cap": (Decimal("800000.00"), "yuan"),
    "bid_deposit_goods_cap": (Decimal("800000.00"), "yuan"),
    "bid_deposit_services_cap": (Decimal("100000.00"), "yuan"),
    "perf_security_max_ratio": (Decimal("0.10"), "ratio"),
    "deposit_refund_after_withdraw_days": (5, "days"),
    "deposit_refund_after_contract_days": (5, "days"),
    "deposit_refund_after_failure_days": (5, "days"),
    "deposit_retain_decision_days": (5, "days"),
    "deposit_ratio_credit_a": (Decimal("1.00"), "ratio"),
    "deposit_ratio_credit_b": (Decimal("1.00"), "ratio"),
    "deposit_ratio_credit_c": (Decimal("1.00"), "ratio"),
    "deposit_ratio_credit_d": (Decimal("1.00"), "ratio"),
    "candidate_publicity_start_within_days": (3, "days"),
    "candidate_publicity_min_days": (3, "days"),
    "max_candidates": (3, "count"),
    "committee_min_size": (5, "count"),
    "committee_expert_ratio_min": (Decimal("0.6667"), "ratio"),
    "expert_min_years": (8, "count"),
    "expert_senior_title_required": (1, "count"),
    "expert_max_age": (70, "years"),
    "expert_recent_employer_years": (3, "years"),
    "expert_sanction_bar_years": (0, "years"),
    "exclude_tenderer_agency_staff": (1, "count"),
    "exclude_earlier_work": (1, "count"),
    "committee_extension_fraction": (Decimal("0.3333"), "ratio"),
    "evaluation_max_hours": (240, "hours"),
    "expert_rating_max_score": (100, "count"),
    "contract_sign_days_after_award": (30, "days"),
    "report_to_supervisor_days": (15, "days"),
    "complaint_window_days": (10, "days"),
    "complaint_accept_working_days": (3, "working_days"),
    "complaint_decide_working_days": (30, "working_days"),
    "complaint_unfounded_window_days": (365, "days"),
    "complaint_unfounded_threshold": (3, "count"),
    "decision_committee_min_size": (3, "count"),
    "penalty_publicity_working_days": (7, "working_days"),
    # the evaluation room (china-rules.md §4.2, §5; the Nanjing plan; the SME measures)
    "survey_design_technical_weight_min": (Decimal("0.40"), "ratio"),
    "sme_deduction_goods_services_min": (Decimal("0.10"), "ratio"),
    "sme_deduction_goods_services_max": (Decimal("0.20"), "ratio"),
    "sme_deduction_works_min": (Decimal("0.03"), "ratio"),
    "sme_deduction_works_max": (Decimal("0.05"), "ratio"),
    "abnormal_below_mean_ratio": (Decimal("0.50"), "ratio"),
    "abnormal_below_next_lowest_ratio": (Decimal("0.50"), "ratio"),
    "abnormal_below_ceiling_ratio": (Decimal("0.45"), "ratio"),
    "abnormal_explanation_default_hours": (24, "hours"),
    "separated_candidates_min": (3, "count"),
    "separated_candidates_max": (7, "count"),
    "expert_score_deviation_sd": (Decimal("2"), "ratio"),
    # the supervision room: warnings, credit grades, spot checks (ADR 16; china-rules.md §7)
    "warning_scan_market_days": (1095, "days"),
    "credit_c_window_days": (730, "days"),
    "credit_c_points": (10, "count"),
    "credit_d_window_days": (1095, "days"),
    "credit_a_clean_days": (1095, "days"),
    "credit_a_min_good_records": (3, "count"),
    "credit_weight_minor_penalty": (10, "count"),
    "credit_weight_repeated_complaints": (10, "count"),
    "credit_weight_confirmed_warning": (10, "count"),
    "credit_weight_late_contract": (5, "count"),
    "credit_weight_overdue_answer": (5, "count"),
    "credit_weight_late_publicity": (5, "count"),
    "credit_weight_overdue_refund": (5, "count"),
    "credit_weight_expert_deviation": (5, "count"),
    "credit_weight_expert_low_rating": (5, "count"),
    "credit_expert_low_rating_max": (60, "count"),
    "credit_expert_good_rating_min": (85, "count"),
    "spotcheck_weight_base": (10, "count"),
    "spotcheck_weight_review_hit": (10, "count"),
    "spotcheck_weight_warning": (20, "count"),
    "spotcheck_counted_max": (5, "count"),
    "spotcheck_weight_credit_c": (10, "count"),
    "spotcheck_weight_credit_d": (30, "count"),
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "jurisdiction.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_rule_book_has_exactly_the_statutory_keys_with_their_values_and_units() -> None:
    book = RuleBook.default()
    assert {rule.key: (rule.value, rule.unit) for rule in book} == EXPECTED_DEFAULTS


@pytest.mark.parametrize("key", sorted(EXPECTED_DEFAULTS))
def test_every_default_rule_has_a_citation_titles_and_a_known_certainty(key: str) -> None:
    rule = RuleBook.default()[key]
    assert rule.citation.strip()
    assert rule.citation_text == rule.citation
    assert rule.title_zh.strip()
    assert rule.title_en.strip()
    assert rule.certainty in ("verified", "secondary", "unverified", "platform")


def test_day_and_count_rules_are_integers_and_ratios_and_caps_are_decimals() -> None:
    for rule in RuleBook.default():
        if rule.unit in ("days", "working_days", "count", "years", "hours"):
            assert type(rule.value) is int, rule.key
        else:
            assert isinstance(rule.value, Decimal), rule.key


def test_rule_book_accessors_return_the_value_in_its_type() -> None:
    book = RuleBook.default()
    assert book.days("issue_to_deadline_min_days") == 20
    assert book.count("invited_min_invitees") == 3
    assert book.decimal("bid_deposit_max_ratio") == Decimal("0.02")
    assert book.decimal("doc_sale_min_days") == Decimal(5)
    assert book.jurisdiction == "全国（默认）"


def test_unknown_rule_lookup_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        RuleBook.default()["no_such_rule"]


def test_jurisdiction_file_overrides_value_and_citation(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[jurisdiction]
name = "南京市"

[rules.tender_plan_lead_days]
value = 45
citation = "某市发改委文件〔2025〕1号"
certainty = "secondary"

[rules.bid_deposit_max_ratio]
value = 0.015
citation = "某市财政局文件〔2025〕2号"
""",
    )
    book = RuleBook.from_file(path)
    assert book.jurisdiction == "南京市"
    lead = book["tender_plan_lead_days"]
    assert (lead.value, lead.citation, lead.certainty) == (45, "某市发改委文件〔2025〕1号", "secondary")
    assert book.days("tender_plan_lead_days") == 45
    ratio = book["bid_deposit_max_ratio"]
    assert ratio.value == Decimal("0.015")
    assert isinstance(ratio.value, Decimal)
    assert ratio.certainty == "verified"
    # The rest are the national defaults, titles and units included.
    assert book["doc_sale_min_days"] == RuleBook.default()["doc_sale_min_days"]
    assert lead.title_zh == RuleBook.default()["tender_plan_lead_days"].title_zh


def test_jurisdiction_without_a_name_is_named_after_the_file(tmp_path: Path) -> None:
    book = RuleBook.from_file(write(tmp_path, '[rules.doc_sale_min_days]\nvalue = 7\ncitation = "某文件"\n'))
    assert book.jurisdiction == "jurisdiction"
    assert book.days("doc_sale_min_days") == 7


def test_overriding_leaves_the_default_rule_book_unchanged() -> None:
    base = RuleBook.default()
    changed = base.overridden({"doc_sale_min_days": {"value": 9, "citation": "某文件"}}, "某地")
    assert changed.days("doc_sale_min_days") == 9
    assert base.days("doc_sale_min_days") == 5
    assert RuleBook.default().days("doc_sale_min_days") == 5


@pytest.mark.parametrize(
    "body",
    [
        "[rules.tender_plan_lead_days]\nvalue = 45\n",
        '[rules.tender_plan_lead_days]\ncitation = "某文件"\n',
    ],
    ids=["value-without-citation", "citation-without-value"],
)
def test_override_without_both_value_and_citation_is_refused(tmp_path: Path, body: str) -> None:
    with pytest.raises(DomainError) as refused:
        RuleBook.from_file(write(tmp_path, body))
    assert refused.value.code == "rule_override_incomplete"


def test_override_of_an_unknown_rule_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DomainError) as refused:
        RuleBook.from_file(write(tmp_path, '[rules.lunch_break_days]\nvalue = 1\ncitation = "某文件"\n'))
    assert refused.value.code == "rule_unknown"


@pytest.mark.parametrize(
    "body",
    [
        '[rules.doc_sale_min_days]\nvalue = -1\ncitation = "某文件"\n',
        '[rules.bid_deposit_max_ratio]\nvalue = -0.01\ncitation = "某文件"\n',
    ],
)
def test_override_with_a_negative_value_is_refused(tmp_path: Path, body: str) -> None:
    with pytest.raises(DomainError) as refused:
        RuleBook.from_file(write(tmp_path, body))
    assert refused.value.code == "rule_override_negative"


def test_override_to_zero_is_allowed() -> None:
    book = RuleBook.default().overridden({"objection_answer_days": {"value": 0, "citation": "某文件"}}, "某地")
    assert book.days("objection_answer_days") == 0


@pytest.mark.parametrize("citation", ["", "   "])
def test_override_with_a_blank_citation_is_refused(citation: str) -> None:
    with pytest.raises(DomainError) as refused:
        RuleBook.default().overridden({"doc_sale_min_days": {"value": 3, "citation": citation}}, "某地")
    assert refused.value.code == "rule_override_incomplete"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("doc_sale_min_days", 7.5),
        ("doc_sale_min_days", True),
        ("doc_sale_min_days", "seven"),
        ("doc_sale_min_days", None),
        ("bid_deposit_max_ratio", "two per cent"),
        ("bid_deposit_max_ratio", "NaN"),
        ("bid_deposit_max_ratio", [0.02]),
    ],
    ids=["fraction", "boolean", "text", "none", "ratio-text", "ratio-nan", "ratio-list"],
)
def test_an_override_of_the_wrong_kind_of_value_is_refused(key: str, value: object) -> None:
    with pytest.raises(DomainError) as refused:
        RuleBook.default().overridden({key: {"value": value, "citation": "某文件"}}, "某地")
    assert refused.value.code == "rule_override_invalid" and key in refused.value.message_en


def test_an_override_of_the_right_kind_is_read_exactly() -> None:
    book = RuleBook.default().overridden(
        {
            "doc_sale_min_days": {"value": " 9 ", "citation": "某文件"},
            "bid_deposit_max_ratio": {"value": "0.015", "citation": "某文件"},
        },
        "某地",
    )
    assert (book.decimal("bid_deposit_max_ratio"), book.days("doc_sale_min_days")) == (Decimal("0.015"), 9)


@pytest.mark.parametrize(
    ("written", "read"),
    [("0.6667", (2, 3)), ("0.66667", (2, 3)), ("0.3333", (1, 3)), ("0.015", (3, 200)), ("0.0150", (3, 200)),
     ("0.75", (3, 4)), ("0.7", (7, 10)), ("0.6666", (3333, 5000)), ("1", (1, 1))],
)  # fmt: skip
def test_an_overridden_ratio_is_read_exactly_unless_it_is_the_rounding_of_a_simple_fraction(
    written: str, read: tuple[int, int]
) -> None:
    from fractions import Fraction

    book = RuleBook.default().overridden(
        {"committee_expert_ratio_min": {"value": written, "citation": "某市评标委员会组建办法"}}, "某市"
    )
    assert book.fraction("committee_expert_ratio_min") == Fraction(*read)


def test_ratios_written_as_four_place_decimals_are_read_as_the_thirds_they_stand_for() -> None:
    from fractions import Fraction

    book = RuleBook.default()
    assert book.fraction("committee_expert_ratio_min") == Fraction(2, 3)
    assert book.fraction("committee_extension_fraction") == Fraction(1, 3)
    assert book.fraction("bid_deposit_max_ratio") == Fraction(1, 50)

"""The credit model (china-rules.md §7): D for a running ban or a serious penalty, C for minor bad
records weighing enough, A for good records and no bad one in three years, B otherwise."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from sunbid.kernel.rules import RuleBook
from sunbid.supervision.credit_model import CreditFact, FactKind, Grade, SubjectType, grade, rules_digest

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
RULES = RuleBook.default()


def fact(kind: FactKind, days_ago: int, *, until_days: int | None = None, score: int | None = None,
         subject: SubjectType = SubjectType.ORGANISATION, ref: str = "") -> CreditFact:  # fmt: skip
    at = NOW - timedelta(days=days_ago)
    until = NOW + timedelta(days=until_days) if until_days is not None else None
    return CreditFact(subject, "org_1", kind, at, ref or f"{kind}-{days_ago}", until=until, score=score,
                      sanction_on=at.date())  # fmt: skip


def test_a_subject_without_records_is_b() -> None:
    assessed = grade([], RULES, NOW)
    assert assessed.grade is Grade.B and assessed.points == 0 and assessed.reasons == ()


def test_a_bidding_ban_still_running_is_d_and_one_that_ended_is_not() -> None:
    assert grade([fact(FactKind.BIDDING_BAN, 400, until_days=10)], RULES, NOW).grade is Grade.D
    assert grade([fact(FactKind.BIDDING_BAN, 400, until_days=-1)], RULES, NOW).grade is Grade.B


def test_a_collusion_penalty_is_d_for_three_years_and_then_no_longer() -> None:
    recent = grade([fact(FactKind.PENALTY_SERIOUS, 1094)], RULES, NOW)
    assert recent.grade is Grade.D and recent.reasons[0].effect == "D"
    assert grade([fact(FactKind.PENALTY_SERIOUS, 1096)], RULES, NOW).grade is Grade.B


def test_minor_records_make_c_once_they_weigh_the_threshold() -> None:
    one_late = [fact(FactKind.LATE_CONTRACT, 30)]
    assert grade(one_late, RULES, NOW).grade is Grade.B, "5 points are below the 10 that make C"
    two_late = [fact(FactKind.LATE_CONTRACT, 30), fact(FactKind.OVERDUE_REFUND, 60)]
    assessed = grade(two_late, RULES, NOW)
    assert assessed.grade is Grade.C and assessed.points == 10
    assert {r.kind for r in assessed.reasons} == {FactKind.LATE_CONTRACT, FactKind.OVERDUE_REFUND}


@pytest.mark.parametrize("kind", [FactKind.REPEATED_COMPLAINTS, FactKind.CONFIRMED_WARNING, FactKind.MINOR_PENALTY])
def test_repeated_unfounded_complaints_confirmed_warnings_and_minor_penalties_each_make_c(kind: FactKind) -> None:
    assert grade([fact(kind, 100)], RULES, NOW).grade is Grade.C


def test_bad_records_older_than_the_window_do_not_count_towards_c() -> None:
    assert grade([fact(FactKind.CONFIRMED_WARNING, 731)], RULES, NOW).grade is Grade.B


def test_a_weight_of_zero_leaves_a_kind_out() -> None:
    rules = RULES.overridden({"credit_weight_confirmed_warning": {"value": 0, "citation": "某市信用办法"}}, "某市")
    assert grade([fact(FactKind.CONFIRMED_WARNING, 100)], rules, NOW).grade is Grade.B


def test_three_good_records_and_no_bad_one_make_a() -> None:
    good = [fact(FactKind.COMPLETED_CONTRACT, d) for d in (10, 200, 900)]
    assessed = grade(good, RULES, NOW)
    assert assessed.grade is Grade.A and assessed.good_records == 3
    assert grade(good[:2], RULES, NOW).grade is Grade.B, "two good records are not enough"


def test_any_bad_record_in_three_years_keeps_a_subject_from_a() -> None:
    good = [fact(FactKind.COMPLETED_CONTRACT, d) for d in (10, 200, 900)]
    assert grade([*good, fact(FactKind.LATE_CONTRACT, 1000)], RULES, NOW).grade is Grade.B
    assert grade([*good, fact(FactKind.LATE_CONTRACT, 1100)], RULES, NOW).grade is Grade.A


def test_an_experts_deviations_and_poor_ratings_make_c_and_good_ratings_a() -> None:
    expert = SubjectType.EXPERT
    poor = [fact(FactKind.EXPERT_DEVIATION, 20, subject=expert), fact(FactKind.EXPERT_RATING, 40, score=55,
                                                                       subject=expert)]  # fmt: skip
    assert grade(poor, RULES, NOW).grade is Grade.C
    good = [fact(FactKind.EXPERT_RATING, d, score=90, subject=expert) for d in (5, 50, 500)]
    assert grade(good, RULES, NOW).grade is Grade.A
    middling = [fact(FactKind.EXPERT_RATING, d, score=75, subject=expert) for d in (5, 50, 500)]
    assert grade(middling, RULES, NOW).grade is Grade.B


def test_an_experts_sanction_is_d_while_it_bars_the_expert() -> None:
    sanction = [fact(FactKind.EXPERT_SANCTION, 3000, subject=SubjectType.EXPERT)]
    assert grade(sanction, RULES, NOW).grade is Grade.D, "bar years 0: for good"
    rules = RULES.overridden({"expert_sanction_bar_years": {"value": 5, "citation": "某市专家管理办法"}}, "某市")
    assert grade(sanction, rules, NOW).grade is Grade.B


def test_records_after_now_are_not_read() -> None:
    assert grade([fact(FactKind.PENALTY_SERIOUS, -3)], RULES, NOW).grade is Grade.B


def test_the_rules_digest_changes_with_a_weight() -> None:
    rules = RULES.overridden({"credit_c_points": {"value": 20, "citation": "某市信用办法"}}, "某市")
    assert rules_digest(rules) != rules_digest(RULES) and rules_digest(RULES) == rules_digest(RuleBook.default())


def test_reasons_carry_their_record_and_weight() -> None:
    assessed = grade([fact(FactKind.CONFIRMED_WARNING, 3, ref="wrn_7")], RULES, NOW)
    (reason,) = assessed.reasons_json()
    assert reason["ref"] == "wrn_7" and reason["points"] == 10 and reason["effect"] == "C"
    assert (
        reason["title_zh"] == "经查实的预警"
        and date.fromisoformat(reason["at"][:10]) == (NOW - timedelta(days=3)).date()
    )


def test_the_reasons_digest_is_of_their_canonical_json_so_anyone_can_recompute_it() -> None:
    import hashlib
    import json

    facts = [fact(FactKind.CONFIRMED_WARNING, 3, ref="wrn_7"), fact(FactKind.MINOR_PENALTY, 30, ref="pen_1")]
    assessed = grade(facts, RULES, NOW)
    # what a reader of the published reasons does: sorted keys, no spaces, UTF-8 as is
    published = json.loads(json.dumps(assessed.reasons_json(), ensure_ascii=True))
    recomputed = json.dumps(published, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert assessed.reasons_sha256() == hashlib.sha256(recomputed.encode("utf-8")).hexdigest()
    assert grade(facts[:1], RULES, NOW).reasons_sha256() != assessed.reasons_sha256()

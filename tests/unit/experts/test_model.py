"""The pool's entry conditions, the exclusions, the committee's composition and extensions: each
rule from both sides."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from sunbid.experts.model import (
    Committee,
    CommitteeMember,
    CommitteeStatus,
    Declaration,
    DeclarationKind,
    DrawContext,
    Employment,
    Exclusion,
    Expert,
    ExpertAction,
    ExpertFields,
    ExpertStatus,
    MemberKind,
    MemberStatus,
    Sanction,
    SanctionKind,
    Specialty,
    TitleLevel,
    check_composition,
    check_entry,
    exclusions,
    extension_due,
    specialty_matches,
    years_before,
    years_between,
)
from sunbid.kernel.errors import Conflict, DomainError, RuleViolation
from sunbid.kernel.rules import RuleBook

RULES = RuleBook.default()
TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 1, tzinfo=UTC)
BIDDER, OTHER, TENDERER, SUPERVISING = "91320100MA0000001X", "91320100MA0000002X", "91320100MA0000003X", "11320100"


def fields(**changes: object) -> ExpertFields:
    base = ExpertFields(
        name="周工",
        specialties=("A01.02",),
        title_level=TitleLevel.SENIOR,
        practice_since=date(2010, 1, 1),
        birth_date=date(1970, 5, 1),
        region="320100",
        home_pool="南京市综合评标专家库",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def refused(code: str, f: ExpertFields) -> DomainError:
    with pytest.raises(DomainError) as info:
        check_entry(RULES, f, TODAY)
    assert info.value.code == code
    return info.value


# ---------------------------------------------------------------------------- entry conditions
def test_an_expert_meeting_every_entry_condition_is_admitted() -> None:
    check_entry(RULES, fields(), TODAY)
    check_entry(RULES, fields(title_level=TitleLevel.EQUIVALENT, title_basis="省级工法主要完成人"), TODAY)


def test_fewer_than_eight_years_of_practice_are_refused_and_exactly_eight_admitted() -> None:
    error = refused("expert_practice_too_short", fields(practice_since=date(2018, 3, 3)))
    assert isinstance(error, RuleViolation) and error.rule == "expert_min_years"
    check_entry(RULES, fields(practice_since=date(2018, 3, 2)), TODAY)


def test_a_title_below_senior_is_refused_unless_the_jurisdiction_drops_the_requirement() -> None:
    refused("expert_title_too_low", fields(title_level=TitleLevel.OTHER))
    lenient = RULES.overridden({"expert_senior_title_required": {"value": 0, "citation": "某地办法"}}, "某地")
    check_entry(lenient, fields(title_level=TitleLevel.OTHER), TODAY)


def test_an_equivalent_level_needs_its_basis() -> None:
    refused("expert_equivalent_basis_required", fields(title_level=TitleLevel.EQUIVALENT))


def test_an_expert_at_the_age_limit_is_refused_and_one_a_day_younger_admitted() -> None:
    refused("expert_too_old", fields(birth_date=date(1956, 3, 2), practice_since=date(1980, 1, 1)))
    check_entry(RULES, fields(birth_date=date(1956, 3, 3), practice_since=date(1980, 1, 1)), TODAY)


@pytest.mark.parametrize(
    ("code", "changes"),
    [
        ("expert_specialty_required", {"specialties": ()}),
        ("specialty_code_invalid", {"specialties": ("A1",)}),
        ("specialty_code_invalid", {"specialties": ("A01.2",)}),
        ("region_code_invalid", {"region": "3201"}),
        ("expert_incomplete", {"name": " "}),
        ("expert_dates_invalid", {"practice_since": date(2027, 1, 1)}),
        ("expert_dates_invalid", {"practice_since": date(1960, 1, 1)}),
    ],
)
def test_bad_fields_are_refused(code: str, changes: dict[str, object]) -> None:
    refused(code, fields(**changes))


def test_full_years_count_birthdays_exactly() -> None:
    assert years_between(date(2000, 3, 2), date(2026, 3, 1)) == 25
    assert years_between(date(2000, 3, 2), date(2026, 3, 2)) == 26
    assert years_before(date(2028, 2, 29), 70) == date(1958, 2, 28)
    assert years_before(TODAY, 70) == date(1956, 3, 2)


def test_a_specialty_requirement_is_served_by_the_code_and_the_codes_below_it() -> None:
    assert specialty_matches("A01", "A01") and specialty_matches("A01", "A01.02")
    assert not specialty_matches("A01", "A011") and not specialty_matches("A01.02", "A01")


# ---------------------------------------------------------------------------- the pool's state machine
def test_a_suspended_expert_can_be_reinstated_and_an_exited_one_cannot() -> None:
    expert = make_expert()
    expert.apply(ExpertAction.SUSPEND, "年度考核不合格", NOW)
    assert expert.status is ExpertStatus.SUSPENDED
    expert.apply(ExpertAction.REINSTATE, "整改完成", NOW)
    expert.apply(ExpertAction.EXIT, "清退", NOW)
    with pytest.raises(Conflict) as info:
        expert.apply(ExpertAction.REINSTATE, "x", NOW)
    assert info.value.code == "expert_transition_not_allowed"


# ---------------------------------------------------------------------------- exclusions
def make_expert(**changes: object) -> Expert:
    expert = Expert(
        id="exp_1",
        name="周工",
        title_level=TitleLevel.SENIOR,
        practice_since=date(2010, 1, 1),
        birth_date=date(1970, 5, 1),
        region="320100",
        home_pool="南京市综合评标专家库",
        created_at=NOW,
        user_id="usr_1",
    )
    expert.specialties = [Specialty("exp_1", "A01")]
    for name, value in changes.items():
        setattr(expert, name, value)
    return expert


CONTEXT = DrawContext.build(
    RULES,
    on=TODAY,
    bidder_codes=frozenset({BIDDER}),
    tenderer_codes=frozenset({TENDERER}),
    supervising_codes=frozenset({SUPERVISING}),
    supervising_names=frozenset({"南京市住房和城乡建设局"}),
    project_ids=frozenset({"tnd_1", "pln_1"}),
    committee_expert_ids=frozenset({"exp_on_committee"}),
)


def job(code: str, start: date, end: date | None = None, name: str = "某单位") -> Employment:
    return Employment("emp_1", "exp_1", code, name, start, end)


def declared(kind: DeclarationKind, *, code: str | None = None, subject: str | None = None) -> Declaration:
    return Declaration("dcl_1", "exp_1", kind, "申报", NOW, org_credit_code=code, subject_id=subject)


Changes = Callable[[], dict[str, object]]

#: Each reason, the changes that make an expert excluded for it, and the nearest changes that do
#: not. Made when the test runs: entities built before the storage maps the classes (as when the
#: unit tests share a process with the integration tests) could not go into a mapped expert.
CASES: list[tuple[Exclusion, Changes, Changes]] = [
    (Exclusion.NOT_ACTIVE, lambda: {"status": ExpertStatus.SUSPENDED}, lambda: {"status": ExpertStatus.ACTIVE}),
    (Exclusion.OVER_AGE_LIMIT, lambda: {"birth_date": date(1956, 3, 2)}, lambda: {"birth_date": date(1956, 3, 3)}),
    (
        Exclusion.SANCTIONED,
        lambda: {
            "sanctions": [
                Sanction("s", "exp_1", SanctionKind.ADMINISTRATIVE, "住建局", "1号", date(2015, 1, 1), "", NOW, None)
            ]
        },
        lambda: {
            "sanctions": [
                Sanction(
                    "s",
                    "exp_1",
                    SanctionKind.ADMINISTRATIVE,
                    "住建局",
                    "1号",
                    date(2015, 1, 1),
                    "",
                    NOW,
                    None,
                    cleared_at=NOW,
                )
            ]
        },
    ),
    (
        Exclusion.EMPLOYER_IS_BIDDER,
        lambda: {"employments": [job(BIDDER, date(2020, 1, 1))]},
        lambda: {"employments": [job(OTHER, date(2020, 1, 1))]},
    ),
    (
        Exclusion.RECENT_EMPLOYER_WAS_BIDDER,
        lambda: {"employments": [job(BIDDER, date(2010, 1, 1), date(2023, 3, 3))]},
        lambda: {"employments": [job(BIDDER, date(2010, 1, 1), date(2023, 3, 2))]},
    ),
    (
        Exclusion.CLOSE_RELATIVE_AT_BIDDER,
        lambda: {"declarations": [declared(DeclarationKind.CLOSE_RELATIVE, code=BIDDER)]},
        lambda: {"declarations": [declared(DeclarationKind.CLOSE_RELATIVE, code=OTHER)]},
    ),
    (
        Exclusion.ECONOMIC_INTEREST_IN_BIDDER,
        lambda: {"declarations": [declared(DeclarationKind.ECONOMIC_INTEREST, code=BIDDER)]},
        lambda: {"declarations": [replace(declared(DeclarationKind.ECONOMIC_INTEREST, code=BIDDER), ended_at=NOW)]},
    ),
    (
        Exclusion.TENDERER_OR_AGENCY_STAFF,
        lambda: {"employments": [job(TENDERER, date(2020, 1, 1))]},
        lambda: {"employments": [job(TENDERER, date(2012, 1, 1), date(2019, 1, 1))]},
    ),
    (
        Exclusion.SUPERVISING_DEPARTMENT_STAFF,
        lambda: {"employments": [job(OTHER, date(2020, 1, 1), name="南京市 住房和城乡建设局")]},
        lambda: {"employments": [job(OTHER, date(2020, 1, 1), name="南京市交通运输局")]},
    ),
    (
        Exclusion.EARLIER_WORK_ON_PROJECT,
        lambda: {"declarations": [declared(DeclarationKind.EARLIER_WORK, subject="pln_1")]},
        lambda: {"declarations": [declared(DeclarationKind.EARLIER_WORK, subject="pln_2")]},
    ),
    (Exclusion.ALREADY_ON_COMMITTEE, lambda: {"id": "exp_on_committee"}, lambda: {"id": "exp_1"}),
]


@pytest.mark.parametrize(("reason", "excluded", "eligible"), CASES, ids=[str(c[0]) for c in CASES])
def test_each_exclusion_applies_to_its_case_and_not_to_the_nearest_case_it_does_not_cover(
    reason: Exclusion, excluded: Changes, eligible: Changes
) -> None:
    assert exclusions(make_expert(**excluded()), CONTEXT) == [reason]
    assert exclusions(make_expert(**eligible()), CONTEXT) == []


def test_a_sanction_bars_for_good_by_default_and_for_the_set_years_where_a_jurisdiction_limits_it() -> None:
    old = Sanction("s", "exp_1", SanctionKind.CRIMINAL, "法院", "刑1号", date(2015, 1, 1), "", NOW, None)
    assert exclusions(make_expert(sanctions=[old]), CONTEXT) == [Exclusion.SANCTIONED]
    limited = replace(CONTEXT, sanction_bar_years=5)
    assert exclusions(make_expert(sanctions=[old]), limited) == []
    assert exclusions(make_expert(sanctions=[replace(old, decided_on=date(2022, 1, 1))]), limited) == [
        Exclusion.SANCTIONED
    ]


def test_local_exclusions_can_be_switched_off_by_the_jurisdiction() -> None:
    off = RULES.overridden(
        {
            "exclude_tenderer_agency_staff": {"value": 0, "citation": "某地办法"},
            "exclude_earlier_work": {"value": 0, "citation": "某地办法"},
            "expert_recent_employer_years": {"value": 0, "citation": "某地办法"},
        },
        "某地",
    )
    context = DrawContext.build(
        off,
        on=TODAY,
        bidder_codes=frozenset({BIDDER}),
        tenderer_codes=frozenset({TENDERER}),
        supervising_codes=frozenset(),
        supervising_names=frozenset(),
        project_ids=frozenset({"pln_1"}),
    )
    expert = make_expert(
        employments=[job(TENDERER, date(2020, 1, 1)), job(BIDDER, date(2010, 1, 1), date(2025, 1, 1))],
        declarations=[declared(DeclarationKind.EARLIER_WORK, subject="pln_1")],
    )
    assert exclusions(expert, context) == []
    assert exclusions(expert, CONTEXT) == [
        Exclusion.RECENT_EMPLOYER_WAS_BIDDER,
        Exclusion.TENDERER_OR_AGENCY_STAFF,
        Exclusion.EARLIER_WORK_ON_PROJECT,
    ]


# ---------------------------------------------------------------------------- composition
@pytest.mark.parametrize(
    ("size", "experts", "code"),
    [
        (3, 3, "committee_too_small"),
        (4, 4, "committee_too_small"),
        (6, 6, "committee_size_even"),
        (7, 4, "committee_too_few_experts"),
        (9, 5, "committee_too_few_experts"),
    ],
)
def test_a_committee_too_small_even_or_with_too_few_experts_is_refused(size: int, experts: int, code: str) -> None:
    with pytest.raises(RuleViolation) as info:
        check_composition(RULES, size, experts)
    assert info.value.code == code


@pytest.mark.parametrize(("size", "experts"), [(5, 4), (5, 5), (7, 5), (9, 6), (11, 8)])
def test_five_or_more_odd_with_two_thirds_experts_is_allowed(size: int, experts: int) -> None:
    check_composition(RULES, size, experts)


@pytest.mark.parametrize(
    ("active", "asking", "due"), [(5, 1, False), (5, 2, True), (7, 2, False), (7, 3, True), (9, 3, False), (9, 4, True)]
)
def test_the_time_is_extended_only_when_more_than_a_third_ask(active: int, asking: int, due: bool) -> None:
    assert extension_due(RULES, active, asking) is due


def test_member_of_finds_active_members_only() -> None:
    def member(n: int, status: MemberStatus) -> CommitteeMember:
        return CommitteeMember(f"m{n}", "c", n, MemberKind.EXPERT, f"u{n}", f"e{n}", "专家", "A01", "库", status, NOW)

    committee = Committee("c", "t", "s", CommitteeStatus.DRAWN, 5, NOW)
    committee.members = [
        member(1, MemberStatus.ACTIVE),
        member(0, MemberStatus.RESERVE),
        member(2, MemberStatus.REPLACED),
    ]
    assert committee.member_of("u1") is committee.members[0]
    assert committee.member_of("u0") is None and committee.member_of("u2") is None
    assert [m.id for m in committee.reserves()] == ["m0"]

"""The tender state machine, the time-driven actions and document versions."""

from __future__ import annotations

import copy
import itertools
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from sunbid.kernel.errors import Conflict, RuleViolation
from sunbid.tendering.model import (
    TRANSITIONS,
    Category,
    DocumentKind,
    DueAction,
    Method,
    Objection,
    ObjectionStatus,
    Section,
    Tender,
    TenderAction,
    TenderDocument,
    TenderStatus,
    due_actions,
)

from .builders import ANNOUNCE_AT, DEADLINE, DOC_SALE_END, T0, TENDERER_ORG

S, A = TenderStatus, TenderAction

#: The state machine as the law and the product brief describe it.
EXPECTED_TRANSITIONS = {
    (S.DRAFT, A.EDIT): S.DRAFT,
    (S.DRAFT, A.UPLOAD_DOCUMENT): S.DRAFT,
    (S.DRAFT, A.ANNOUNCE): S.ANNOUNCED,
    (S.DRAFT, A.CANCEL): S.CANCELLED,
    (S.DRAFT, A.SET_SEALING): S.DRAFT,
    (S.DRAFT, A.SET_EVALUATION_SCHEME): S.DRAFT,
    (S.ANNOUNCED, A.SUBMIT_BID): S.ANNOUNCED,
    (S.ANNOUNCED, A.WITHDRAW_BID): S.ANNOUNCED,
    (S.ANNOUNCED, A.UPLOAD_DOCUMENT): S.ANNOUNCED,
    (S.ANNOUNCED, A.CLARIFY): S.ANNOUNCED,
    (S.ANNOUNCED, A.RAISE_OBJECTION): S.SUSPENDED,
    (S.ANNOUNCED, A.CLOSE_BIDDING): S.BIDDING_CLOSED,
    (S.ANNOUNCED, A.TERMINATE): S.TERMINATED,
    (S.SUSPENDED, A.RAISE_OBJECTION): S.SUSPENDED,
    (S.SUSPENDED, A.ANSWER_OBJECTION): S.SUSPENDED,
    (S.SUSPENDED, A.RESUME): S.ANNOUNCED,
    (S.SUSPENDED, A.TERMINATE): S.TERMINATED,
    (S.BIDDING_CLOSED, A.TERMINATE): S.TERMINATED,
    (S.BIDDING_CLOSED, A.START_OPENING): S.OPENING,
    (S.BIDDING_CLOSED, A.FAIL): S.FAILED,
    (S.OPENING, A.DECRYPT_BID): S.OPENING,
    (S.OPENING, A.SUBMIT_SHARE): S.OPENING,
    (S.OPENING, A.OBJECT_AT_OPENING): S.OPENING,
    (S.OPENING, A.ANSWER_OPENING_OBJECTION): S.OPENING,
    (S.OPENING, A.CONCLUDE_OPENING): S.OPENED,
    (S.OPENING, A.TERMINATE): S.TERMINATED,
    (S.OPENED, A.TERMINATE): S.TERMINATED,
    (S.FAILED, A.RETENDER): S.FAILED,
}

ALLOWED = sorted(EXPECTED_TRANSITIONS.items())
REFUSED = sorted(pair for pair in itertools.product(S, A) if pair not in EXPECTED_TRANSITIONS)


def make_tender(status: TenderStatus = S.ANNOUNCED, **changes: object) -> Tender:
    tender = Tender(
        id="tnd_1",
        code="ZB20250303000001",
        plan_id="pln_1",
        tenderer_org_id=TENDERER_ORG,
        agency_org_id=None,
        title="某工程施工",
        category=Category.WORKS,
        sector="房屋建筑",
        method=Method.OPEN,
        content="施工",
        scale="2万平方米",
        fund_source="财政资金",
        qualification_requirements="二级资质",
        consortium_accepted=False,
        doc_issue_start=ANNOUNCE_AT,
        doc_sale_end=DOC_SALE_END,
        bid_deadline=DEADLINE,
        opening_place="线上",
        submission_method="在线",
        tenderer_contact="张先生",
        agency_contact="",
        supervising_department="住建局",
        supervising_contact="025-1",
        objection_channel="平台",
        platform_url="https://sunbid.example",
        credit_commitment="承诺",
        bid_validity_days=90,
        created_at=T0,
        status=status,
    )
    for name, value in changes.items():
        setattr(tender, name, value)
    return tender


def objection(ident: str, raised_at: datetime, **changes: object) -> Objection:
    obj = Objection(
        id=ident,
        tender_id="tnd_1",
        objector_org_id="org_bidder_1",
        objector_user_id="usr_bidder_1",
        text="异议",
        raised_at=raised_at,
        answer_due=raised_at + timedelta(days=3),
    )
    for name, value in changes.items():
        setattr(obj, name, value)
    return obj


def doc(version: int, title: str = "招标文件", kind: DocumentKind = DocumentKind.TENDER_DOCUMENT) -> TenderDocument:
    return TenderDocument(
        id=f"doc_{version}",
        tender_id="tnd_1",
        kind=kind,
        title=title,
        filename=f"{title}.pdf",
        media_type="application/pdf",
        sha256=f"{version:064x}",
        size=100,
        version=version,
        uploaded_at=T0,
        uploaded_by="usr_tenderer",
    )


# ---------------------------------------------------------------------------- transitions
def test_the_transition_table_is_exactly_the_expected_state_machine() -> None:
    assert TRANSITIONS == EXPECTED_TRANSITIONS


@pytest.mark.parametrize(("pair", "target"), ALLOWED, ids=[f"{s}-{a}" for (s, a), _ in ALLOWED])
def test_listed_transition_leads_to_its_target_state(
    pair: tuple[TenderStatus, TenderAction], target: TenderStatus
) -> None:
    state, action = pair
    tender = make_tender(state)
    assert tender.next_state(action) is target
    assert tender.status is state  # next_state only asks
    tender.apply(action)
    assert tender.status is target


@pytest.mark.parametrize(("state", "action"), REFUSED, ids=[f"{s}-{a}" for s, a in REFUSED])
def test_transition_not_in_the_table_is_refused(state: TenderStatus, action: TenderAction) -> None:
    tender = make_tender(state)
    with pytest.raises(Conflict) as refused:
        tender.apply(action)
    assert tender.status is state
    assert refused.value.details["action"] == str(action)
    if state is S.SUSPENDED:
        assert isinstance(refused.value, RuleViolation)
        assert refused.value.code == "tender_suspended"
        assert refused.value.rule == "objection_answer_days"
    else:
        assert refused.value.code == "transition_not_allowed"
        assert refused.value.details["state"] == str(state)


@pytest.mark.parametrize("state", [S.CANCELLED, S.TERMINATED])
def test_cancelled_and_terminated_tenders_are_final(state: TenderStatus) -> None:
    assert not [action for (s, action) in TRANSITIONS if s is state]


def test_every_state_but_draft_is_reachable_from_draft() -> None:
    reached, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        state = frontier.pop()
        for (s, _), target in TRANSITIONS.items():
            if s is state and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(S)


# ---------------------------------------------------------------------------- due actions
def test_nothing_is_due_before_the_deadline() -> None:
    assert due_actions(make_tender(S.ANNOUNCED), DEADLINE - timedelta(microseconds=1)) == []


@pytest.mark.parametrize("late", [timedelta(0), timedelta(seconds=1), timedelta(days=40)])
def test_bidding_closes_and_the_opening_starts_at_and_after_the_deadline_when_announced(late: timedelta) -> None:
    assert due_actions(make_tender(S.ANNOUNCED), DEADLINE + late) == [
        (DueAction.CLOSE_BIDDING, "tnd_1"),
        (DueAction.OPEN_BIDS, "tnd_1"),
    ]


def test_a_closed_tender_is_opened_at_once() -> None:
    assert due_actions(make_tender(S.BIDDING_CLOSED), DEADLINE) == [(DueAction.OPEN_BIDS, "tnd_1")]


def test_the_decryption_window_ends_once_then_the_custodians_window() -> None:
    until = DEADLINE + timedelta(hours=1)
    tender = make_tender(S.OPENING, decrypt_until=until)
    assert due_actions(tender, until - timedelta(microseconds=1)) == []
    assert due_actions(tender, until) == [(DueAction.END_DECRYPTION, "tnd_1")]
    tender.decryption_ended_at, tender.custodian_until = until, until + timedelta(hours=1)
    assert due_actions(tender, until + timedelta(minutes=30)) == []
    assert due_actions(tender, until + timedelta(hours=1)) == [(DueAction.END_CUSTODIANS, "tnd_1")]
    tender.custodians_ended_at = until + timedelta(hours=1)
    assert due_actions(tender, until + timedelta(days=1)) == []


@pytest.mark.parametrize("state", [S.DRAFT, S.SUSPENDED, S.CANCELLED, S.TERMINATED, S.OPENED, S.FAILED])
def test_bidding_does_not_close_at_the_deadline_unless_announced(state: TenderStatus) -> None:
    assert due_actions(make_tender(state), DEADLINE + timedelta(days=1)) == []


def test_overdue_pending_objection_is_flagged() -> None:
    raised = ANNOUNCE_AT + timedelta(days=1)
    tender = make_tender(S.SUSPENDED, objections=[objection("obj_1", raised)])
    due = raised + timedelta(days=3)
    assert due_actions(tender, due) == []  # due exactly now: not yet overdue
    assert due_actions(tender, due + timedelta(microseconds=1)) == [(DueAction.FLAG_OVERDUE_OBJECTION, "obj_1")]


def test_overdue_objection_is_flagged_only_once() -> None:
    raised = ANNOUNCE_AT + timedelta(days=1)
    flagged = objection("obj_1", raised, overdue_flagged_at=raised + timedelta(days=4))
    tender = make_tender(S.SUSPENDED, objections=[flagged])
    assert due_actions(tender, raised + timedelta(days=10)) == []


def test_answered_objection_is_never_overdue() -> None:
    raised = ANNOUNCE_AT + timedelta(days=1)
    answered = objection("obj_1", raised, status=ObjectionStatus.ANSWERED, answer="已答复", answered_at=raised)
    assert due_actions(make_tender(S.ANNOUNCED, objections=[answered]), raised + timedelta(days=10)) == []


def test_each_overdue_objection_is_flagged_and_a_suspended_tender_does_not_close() -> None:
    raised = ANNOUNCE_AT + timedelta(days=1)
    tender = make_tender(
        S.SUSPENDED,
        objections=[
            objection("obj_1", raised),
            objection("obj_2", raised + timedelta(days=1)),
            objection("obj_3", DEADLINE),
        ],
    )
    assert due_actions(tender, DEADLINE + timedelta(days=1)) == [
        (DueAction.FLAG_OVERDUE_OBJECTION, "obj_1"),
        (DueAction.FLAG_OVERDUE_OBJECTION, "obj_2"),
    ]


def test_due_actions_is_pure_and_repeatable() -> None:
    raised = ANNOUNCE_AT + timedelta(days=1)
    tender = make_tender(S.SUSPENDED, objections=[objection("obj_1", raised)])
    before = copy.deepcopy(tender)
    now = DEADLINE + timedelta(days=1)
    first = due_actions(tender, now)
    assert due_actions(tender, now) == first
    assert tender == before


# ---------------------------------------------------------------------------- documents and prices
def test_current_documents_are_the_latest_version_of_each_kind_and_title() -> None:
    tender = make_tender(
        documents=[
            doc(3, "招标文件"),
            doc(1, "招标文件"),
            doc(2, "工程量清单"),
            doc(4, "信用承诺书", DocumentKind.CREDIT_COMMITMENT),
            doc(5, "工程量清单"),
            doc(6, "招标文件", DocumentKind.MODIFICATION),
        ]
    )
    current = tender.current_documents()
    assert [(d.kind, d.title, d.version) for d in current] == [
        (DocumentKind.CREDIT_COMMITMENT, "信用承诺书", 4),
        (DocumentKind.MODIFICATION, "招标文件", 6),
        (DocumentKind.TENDER_DOCUMENT, "工程量清单", 5),
        (DocumentKind.TENDER_DOCUMENT, "招标文件", 3),
    ]


def test_a_tender_without_documents_has_no_current_documents() -> None:
    assert make_tender().current_documents() == []


def test_tender_prices_are_the_sums_of_its_sections() -> None:
    def sec(n: int, est: str, cap: str) -> Section:
        return Section(f"sec_{n}", "tnd_1", n, f"ZB{n:03d}", f"{n}标段", "施工", Decimal(est), Decimal(cap), Decimal(0))

    tender = make_tender(sections=[sec(1, "1000000.00", "950000.00"), sec(2, "250000.50", "240000.25")])
    assert tender.estimated_price == Decimal("1250000.50")
    assert tender.max_bid_price == Decimal("1190000.25")
    assert make_tender().estimated_price == Decimal("0.00")


def test_pending_objections_are_those_not_answered() -> None:
    raised = ANNOUNCE_AT
    answered = objection("obj_1", raised, status=ObjectionStatus.ANSWERED)
    pending = objection("obj_2", raised)
    assert make_tender(objections=[answered, pending]).pending_objections() == [pending]

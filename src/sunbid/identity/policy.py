"""The access policy: every object-level decision is made here, and only here.

``authorize(actor, action, resource)`` raises :class:`Unauthenticated` or :class:`Forbidden`.
``scope(actor, kind)`` says which rows a listing may show. Entry points and use cases call
these; nothing else decides who may see or do what.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from sunbid.kernel.context import Actor, Role
from sunbid.kernel.errors import Forbidden, Unauthenticated
from sunbid.kernel.query import Scope

OVERSIGHT = frozenset({Role.SUPERVISOR, Role.AUDITOR})


class Action(StrEnum):
    ORG_CREATE = "org.create"
    ORG_LIST = "org.list"
    USER_CREATE = "user.create"
    USER_LIST = "user.list"
    TOKEN_MANAGE = "token.manage"  # noqa: S105 - an action name
    PLAN_CREATE = "plan.create"
    PLAN_READ = "plan.read"
    PLAN_MANAGE = "plan.manage"
    TENDER_CREATE = "tender.create"
    TENDER_READ = "tender.read"
    TENDER_MANAGE = "tender.manage"
    DOCUMENT_READ = "document.read"
    OBJECTION_RAISE = "objection.raise"
    OBJECTION_READ = "objection.read"
    EVENTS_READ_ALL = "events.read_all"
    CLOCK_ADVANCE = "clock.advance"
    SCHEDULER_RUN = "scheduler.run"
    BID_SUBMIT = "bid.submit"
    BID_READ = "bid.read"
    BID_EVIDENCE_READ = "bid.evidence_read"
    OPENING_READ = "opening.read"
    OPENING_OBJECT = "opening.object"
    CUSTODIAN_ACT = "custodian.act"
    DEPOSIT_BANK = "deposit.bank"
    DEPOSIT_GUARANTEE = "deposit.guarantee"
    DEPOSIT_READ = "deposit.read"
    CREDIT_GRADE_SET = "credit_grade.set"
    ORG_RELATION_MANAGE = "org_relation.manage"
    EXPERT_MANAGE = "expert.manage"
    EXPERT_EXIT = "expert.exit"
    EXPERT_READ = "expert.read"
    EXPERT_LIST = "expert.list"
    EXPERT_DECLARE = "expert.declare"
    EXPERT_RATE = "expert.rate"
    EXPERT_FLAG = "expert.flag"
    COMMITTEE_REQUEST = "committee.request"
    DRAW_CONTRIBUTE = "draw.contribute"
    DRAW_AUDIT = "draw.audit"
    DRAW_RECORD_READ = "draw.record_read"
    COMMITTEE_READ = "committee.read"
    COMMITTEE_MEMBERS_READ = "committee.members_read"
    COMMITTEE_MANAGE = "committee.manage"
    COMMITTEE_SIT = "committee.sit"
    VENUE_MANAGE = "venue.manage"
    RECORDING_ANCHOR = "recording.anchor"
    RECORDING_READ = "recording.read"
    REGISTRY_MANAGE = "registry.manage"
    REGISTRY_READ = "registry.read"
    EVALUATION_MANAGE = "evaluation.manage"
    EVALUATION_SIT = "evaluation.sit"
    EVALUATION_OVERSEE = "evaluation.oversee"
    EVALUATION_FOLLOW = "evaluation.follow"
    EXPLANATION_ANSWER = "explanation.answer"
    PUBLICITY_OBJECT = "publicity.object"
    PUBLICITY_READ = "publicity.read"
    NOTICE_READ = "notice.read"
    COMPLAINT_FILE = "complaint.file"
    COMPLAINT_ENTER = "complaint.enter"
    COMPLAINT_HANDLE = "complaint.handle"
    COMPLAINT_READ = "complaint.read"
    WARNING_READ = "warning.read"
    WARNING_ACT = "warning.act"
    RISK_READ = "risk.read"
    RISK_CATALOGUE = "risk.catalogue"
    CREDIT_READ = "credit.read"
    CREDIT_LIST = "credit.list"
    CREDIT_MANAGE = "credit.manage"
    PENALTY_RECORD = "penalty.record"
    PENALTY_READ = "penalty.read"
    SPOT_CHECK_MANAGE = "spot_check.manage"
    SPOT_CHECK_READ = "spot_check.read"


def _logged_in(actor: Actor) -> bool:
    return not actor.is_public


def _logged_in_rule(actor: Actor, _res: Any) -> bool:
    return _logged_in(actor)


def _role(*roles: Role) -> Callable[[Actor, Any], bool]:
    return lambda actor, _res: actor.role in roles


def _owns_plan(actor: Actor, plan: Any) -> bool:
    return actor.role is Role.TENDERER and actor.org_id == plan.tenderer_org_id


def _manages_tender(actor: Actor, tender: Any) -> bool:
    if actor.org_id is None:
        return False
    if actor.role is Role.TENDERER:
        return bool(actor.org_id == tender.tenderer_org_id)
    if actor.role is Role.AGENCY:
        return bool(actor.org_id == tender.agency_org_id)
    return False


def _plan_read(actor: Actor, plan: Any) -> bool:
    return plan.status != "draft" or _owns_plan(actor, plan) or actor.role in OVERSIGHT


def _tender_read(actor: Actor, tender: Any) -> bool:
    return tender.status not in ("draft", "cancelled") or _manages_tender(actor, tender) or actor.role in OVERSIGHT


def _document_read(actor: Actor, res: Any) -> bool:
    """Published documents: anyone logged in (电子办法 §18: no 报名 beyond login); drafts: managers."""
    tender, document = res
    if _manages_tender(actor, tender) or actor.role in OVERSIGHT:
        return True
    return _logged_in(actor) and document.published_at is not None


def _objection_raise(actor: Actor, tender: Any) -> bool:
    return (
        actor.role is Role.BIDDER
        and actor.org_id is not None
        and actor.org_id not in (tender.tenderer_org_id, tender.agency_org_id)
    )


def _objection_read(actor: Actor, res: Any) -> bool:
    tender, objection = res
    return (
        _manages_tender(actor, tender)
        or actor.role in OVERSIGHT
        or (actor.org_id is not None and actor.org_id == objection.objector_org_id)
    )


#: Tender states in which bids exist for others to see: the deadline has passed (法 第二十二条).
_AFTER_DEADLINE = ("bidding_closed", "opening", "opened", "failed", "terminated")


def _bid_submit(actor: Actor, tender: Any) -> bool:
    """Bidders, but not the tenderer or its agency (条例 第十三条, 第三十四条); in an invited
    tender only the invitees (法 第十七条)."""
    if actor.role is not Role.BIDDER or actor.org_id is None:
        return False
    if actor.org_id in (tender.tenderer_org_id, tender.agency_org_id):
        return False
    return tender.method != "invited" or actor.org_id in tender.invitee_org_ids


def _in_bid(actor: Actor, bid: Any) -> bool:
    return actor.org_id is not None and (actor.org_id == bid.bidder_org_id or actor.org_id in bid.member_org_ids)


def _bid_read(actor: Actor, res: Any) -> bool:
    """Before the deadline, a bid is seen by its own bidder only: not by the tenderer, the agency,
    administrators or supervisors (法 第二十二条, 电子办法 第二十一条). After it, also by the
    tender's managers and oversight."""
    tender, bid = res
    if _in_bid(actor, bid):
        return True
    return tender.status in _AFTER_DEADLINE and (_manages_tender(actor, tender) or actor.role in OVERSIGHT)


def _evidence_read(actor: Actor, tender: Any) -> bool:
    """Submission evidence (条例 第四十条 signals): supervisors and auditors, after the deadline."""
    return actor.role in OVERSIGHT and tender.status in _AFTER_DEADLINE


def _opening_read(actor: Actor, res: Any) -> bool:
    """The concluded record is public (电子办法 第三十二条); during the opening, the tender's
    managers, oversight and the bidders whose bids are in it."""
    tender, bidder_org_ids = res
    if tender.status == "opened":
        return True
    if tender.status not in ("opening", "failed", "terminated"):
        return False
    return _manages_tender(actor, tender) or actor.role in OVERSIGHT or actor.org_id in bidder_org_ids


def _opening_object(actor: Actor, res: Any) -> bool:
    tender, bidder_org_ids = res
    return actor.role is Role.BIDDER and actor.org_id in bidder_org_ids and tender.status == "opening"


def _custodian(actor: Actor, custodian_user_ids: Any) -> bool:
    return actor.user_id is not None and actor.user_id in custodian_user_ids


def _deposit_read(actor: Actor, res: Any) -> bool:
    """Like bids: the bidder's own at any time; the bank interface records them; managers and
    oversight only after the deadline."""
    tender, deposit = res
    if actor.org_id is not None and actor.org_id == deposit.bidder_org_id:
        return True
    return tender.status in _AFTER_DEADLINE and (
        _manages_tender(actor, tender) or actor.role in OVERSIGHT or actor.role is Role.ADMINISTRATOR
    )


# ---------------------------------------------------------------------------- experts and committees
#: A committee's evaluation has started: the list is no longer secret from the tender's managers
#: and the members (法 第三十七条 keeps it from everyone else until the result is fixed).
_STARTED = ("sitting", "dissolved")


def _pool_manager(actor: Actor, _res: Any) -> bool:
    """Supervisors manage the expert pool (评标专家库); the platform's administrators may too."""
    return actor.role in (Role.SUPERVISOR, Role.ADMINISTRATOR)


def _expert_read(actor: Actor, expert: Any) -> bool:
    """An expert's record: pool managers, auditors, and the expert itself."""
    if actor.role in (*OVERSIGHT, Role.ADMINISTRATOR):
        return True
    return actor.role is Role.EXPERT and expert is not None and expert.user_id == actor.user_id


def _expert_declare(actor: Actor, expert: Any) -> bool:
    """An expert keeps its own declarations (评标规定 第十二条: members declare their conflicts)."""
    return actor.role is Role.EXPERT and expert is not None and expert.user_id == actor.user_id


def _sits_on(actor: Actor, committee: Any, *statuses: str) -> bool:
    return actor.user_id is not None and any(
        m.user_id == actor.user_id and m.status in statuses for m in committee.members
    )


def _committee_read(actor: Actor, res: Any) -> bool:
    """Whether a committee exists and its state: the tender's managers, oversight, and the people
    drawn into it. Bidders and the public learn nothing of it (法 第三十七条)."""
    tender, committee = res
    return (
        _manages_tender(actor, tender)
        or actor.role in OVERSIGHT
        or _sits_on(actor, committee, "active", "reserve", "replaced")
    )


def _committee_members_read(actor: Actor, res: Any) -> bool:
    """Who was drawn: supervisors and auditors see the draw; the tender's managers and the active
    members only once the evaluation has started."""
    tender, committee = res
    if actor.role in OVERSIGHT:
        return True
    return committee.status in _STARTED and (_manages_tender(actor, tender) or _sits_on(actor, committee, "active"))


def _draw_record_read(actor: Actor, res: Any) -> bool:
    """The data to re-run a draw (the revealed seed, the candidates, the walk): once the
    evaluation has started, the tender's managers, oversight and the active members; once the
    committee is dissolved, anyone (the record names experts by their pool ids only)."""
    tender, committee = res
    if committee.status == "dissolved":
        return True
    return committee.status in _STARTED and (
        _manages_tender(actor, tender) or actor.role in OVERSIGHT or _sits_on(actor, committee, "active")
    )


def _committee_sit(actor: Actor, committee: Any) -> bool:
    """Check in, ask for more time: an active member, logged in as itself."""
    return _sits_on(actor, committee, "active")


def _expert_rate(actor: Actor, tender: Any) -> bool:
    """一标一评 by the tenderer (or its agency) and by the supervisor."""
    return _manages_tender(actor, tender) or actor.role is Role.SUPERVISOR


def _expert_flag(actor: Actor, tender: Any) -> bool:
    """The evaluation room flags deviating scores, in the name of the tender's manager, a
    supervisor or the platform itself."""
    return actor.user_id == "system" or _manages_tender(actor, tender) or actor.role is Role.SUPERVISOR


def _sits(actor: Actor, committee: Any) -> bool:
    """An active member of the evaluation committee (a replaced member no longer sits)."""
    return actor.user_id is not None and committee is not None and committee.member_of(actor.user_id) is not None


def _oversees(actor: Actor, _res: Any) -> bool:
    return actor.role in OVERSIGHT


def _follows(actor: Actor, res: Any) -> bool:
    """What the tender's managers see of an evaluation: its progress while the committee
    sits, and the report and results once the report is theirs (法 第四十条)."""
    tender, _evaluation = res
    return _manages_tender(actor, tender) or actor.role in OVERSIGHT


def _answers_explanation(actor: Actor, explanation: Any) -> bool:
    return actor.role is Role.BIDDER and actor.org_id is not None and actor.org_id == explanation.bidder_org_id


def _objects_to_result(actor: Actor, bidder_org_ids: Any) -> bool:
    """投标人或者其他利害关系人 (条例 第五十四条): the bidders of the section."""
    return actor.role is Role.BIDDER and actor.org_id is not None and actor.org_id in bidder_org_ids


def _publicity_read(actor: Actor, evaluation: Any) -> bool:
    return evaluation.publicity is not None or actor.role in OVERSIGHT


def _notice_read(actor: Actor, res: Any) -> bool:
    tender, notice = res
    return (
        _manages_tender(actor, tender)
        or actor.role in OVERSIGHT
        or (actor.org_id is not None and actor.org_id == notice.bidder_org_id)
    )


def _complaint_read(actor: Actor, res: Any) -> bool:
    """The complainant, the tender's managers (the party complained of) and oversight."""
    tender, complaint = res
    return (
        actor.role in OVERSIGHT
        or _manages_tender(actor, tender)
        or (actor.org_id is not None and actor.org_id == complaint.complainant_org_id)
    )


def _credit_read(actor: Actor, res: Any) -> bool:
    """A credit grade and its reasons: oversight, and the graded organisation's own users or the
    graded expert itself (so that it knows why, and can object)."""
    subject_type, subject_id, expert_user_id = res
    if actor.role in OVERSIGHT:
        return True
    if subject_type == "organisation":
        return actor.org_id is not None and actor.org_id == subject_id
    return actor.role is Role.EXPERT and expert_user_id is not None and actor.user_id == expert_user_id


_RULES: dict[Action, Callable[[Actor, Any], bool]] = {
    Action.ORG_CREATE: _role(Role.ADMINISTRATOR),
    Action.ORG_LIST: _role(Role.ADMINISTRATOR, Role.SUPERVISOR, Role.AUDITOR),
    Action.USER_CREATE: _role(Role.ADMINISTRATOR),
    Action.USER_LIST: _role(Role.ADMINISTRATOR),
    Action.TOKEN_MANAGE: lambda actor, token: token is None or token.user_id == actor.user_id,
    Action.PLAN_CREATE: lambda actor, _r: actor.role is Role.TENDERER and actor.org_id is not None,
    Action.PLAN_READ: _plan_read,
    Action.PLAN_MANAGE: _owns_plan,
    Action.TENDER_CREATE: _owns_plan,
    Action.TENDER_READ: _tender_read,
    Action.TENDER_MANAGE: _manages_tender,
    Action.DOCUMENT_READ: _document_read,
    Action.OBJECTION_RAISE: _objection_raise,
    Action.OBJECTION_READ: _objection_read,
    Action.EVENTS_READ_ALL: _role(Role.SUPERVISOR, Role.AUDITOR),
    Action.CLOCK_ADVANCE: _role(Role.ADMINISTRATOR),
    Action.SCHEDULER_RUN: _role(Role.ADMINISTRATOR),
    Action.BID_SUBMIT: _bid_submit,
    Action.BID_READ: _bid_read,
    Action.BID_EVIDENCE_READ: _evidence_read,
    Action.OPENING_READ: _opening_read,
    Action.OPENING_OBJECT: _opening_object,
    Action.CUSTODIAN_ACT: _custodian,
    Action.DEPOSIT_BANK: _role(Role.ADMINISTRATOR),
    Action.DEPOSIT_GUARANTEE: lambda actor, _r: actor.role is Role.BIDDER and actor.org_id is not None,
    Action.DEPOSIT_READ: _deposit_read,
    Action.CREDIT_GRADE_SET: _role(Role.SUPERVISOR),
    Action.ORG_RELATION_MANAGE: _role(Role.ADMINISTRATOR, Role.SUPERVISOR),
    Action.EXPERT_MANAGE: _pool_manager,
    Action.EXPERT_EXIT: _role(Role.SUPERVISOR),
    Action.EXPERT_READ: _expert_read,
    Action.EXPERT_LIST: _role(Role.SUPERVISOR, Role.AUDITOR, Role.ADMINISTRATOR),
    Action.EXPERT_DECLARE: _expert_declare,
    Action.EXPERT_RATE: _expert_rate,
    Action.EXPERT_FLAG: _expert_flag,
    Action.COMMITTEE_REQUEST: _manages_tender,
    Action.DRAW_CONTRIBUTE: _role(Role.SUPERVISOR),
    Action.DRAW_AUDIT: _role(Role.SUPERVISOR, Role.AUDITOR),
    Action.DRAW_RECORD_READ: _draw_record_read,
    Action.COMMITTEE_READ: _committee_read,
    Action.COMMITTEE_MEMBERS_READ: _committee_members_read,
    Action.COMMITTEE_MANAGE: _manages_tender,
    Action.COMMITTEE_SIT: _committee_sit,
    Action.VENUE_MANAGE: _role(Role.ADMINISTRATOR),
    Action.RECORDING_ANCHOR: _role(Role.ADMINISTRATOR),
    Action.RECORDING_READ: _role(Role.SUPERVISOR, Role.AUDITOR, Role.ADMINISTRATOR),
    Action.REGISTRY_MANAGE: _role(Role.ADMINISTRATOR, Role.SUPERVISOR),
    Action.REGISTRY_READ: _logged_in_rule,
    Action.EVALUATION_MANAGE: _manages_tender,
    Action.EVALUATION_SIT: _sits,
    Action.EVALUATION_OVERSEE: _oversees,
    Action.EVALUATION_FOLLOW: _follows,
    Action.EXPLANATION_ANSWER: _answers_explanation,
    Action.PUBLICITY_OBJECT: _objects_to_result,
    Action.PUBLICITY_READ: _publicity_read,
    Action.NOTICE_READ: _notice_read,
    Action.COMPLAINT_FILE: lambda actor, _r: actor.role is Role.BIDDER and actor.org_id is not None,
    Action.COMPLAINT_ENTER: _role(Role.SUPERVISOR),
    Action.COMPLAINT_HANDLE: _role(Role.SUPERVISOR),
    Action.COMPLAINT_READ: _complaint_read,
    # Warnings are investigations: oversight reads them, supervisors work them, nobody else
    # (the tender's managers and the bidders) learns of them.
    Action.WARNING_READ: _oversees,
    Action.WARNING_ACT: _role(Role.SUPERVISOR),
    Action.RISK_READ: _oversees,
    Action.RISK_CATALOGUE: lambda _actor, _res: True,
    Action.CREDIT_READ: _credit_read,
    Action.CREDIT_LIST: _oversees,
    Action.CREDIT_MANAGE: _role(Role.SUPERVISOR),
    Action.PENALTY_RECORD: _role(Role.SUPERVISOR),
    Action.PENALTY_READ: lambda _actor, _res: True,  # 双公示: penalties are published
    Action.SPOT_CHECK_MANAGE: _role(Role.SUPERVISOR),
    Action.SPOT_CHECK_READ: _oversees,
}

#: Actions the public may attempt without logging in (reads of public objects).
_PUBLIC_ACTIONS = frozenset(
    {
        Action.PLAN_READ,
        Action.TENDER_READ,
        Action.OPENING_READ,
        Action.DRAW_RECORD_READ,
        Action.PUBLICITY_READ,
        Action.RISK_CATALOGUE,
        Action.PENALTY_READ,
    }
)


def allowed(actor: Actor, action: Action, resource: Any = None) -> bool:
    if actor.is_public and action not in _PUBLIC_ACTIONS:
        return False
    return _RULES[action](actor, resource)


def authorize(actor: Actor, action: Action, resource: Any = None) -> None:
    if allowed(actor, action, resource):
        return
    if actor.is_public:
        raise Unauthenticated("login_required", "请先登录", "Log in first", action=str(action))
    raise Forbidden("forbidden", "无权执行此操作", "You are not allowed to do this", action=str(action))


def authorize_read(actor: Actor, action: Action, resource: Any, not_found: Exception) -> None:
    """For reads, a refusal of an object the caller may not know exists is a 'not found'."""
    if not allowed(actor, action, resource):
        raise not_found


def scope(actor: Actor) -> Scope:
    """Rows a listing of plans or tenders may show besides the public ones."""
    if actor.role in OVERSIGHT:
        return Scope(everything=True)
    if actor.role in (Role.TENDERER, Role.AGENCY) and actor.org_id is not None:
        return Scope(org_ids=frozenset({actor.org_id}))
    return Scope()

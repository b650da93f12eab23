"""What the evaluation use cases share: loading the aggregate with its tender, section and
committee, and the checks that the caller may act on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sunbid.evaluation.model import Evaluation
from sunbid.evaluation.ports import EvaluationUnitOfWork
from sunbid.evaluation.scheme import EvaluationScheme
from sunbid.experts.model import Committee, CommitteeMember
from sunbid.identity.policy import Action, allowed, authorize
from sunbid.kernel.context import Context
from sunbid.kernel.errors import Conflict, Forbidden, NotFound, Unauthenticated
from sunbid.tendering.bid_model import Bid
from sunbid.tendering.model import Section, Tender


@dataclass
class Loaded:
    evaluation: Evaluation
    tender: Tender
    section: Section
    committee: Committee | None

    @property
    def scheme(self) -> EvaluationScheme:
        return EvaluationScheme.from_json(self.evaluation.scheme)


def evaluation_not_found(evaluation_id: str) -> NotFound:
    return NotFound("evaluation_not_found", f"未找到评标：{evaluation_id}", f"No evaluation {evaluation_id}")


def load(uow: EvaluationUnitOfWork, evaluation_id: str, *, for_update: bool = False) -> Loaded:
    evaluation = uow.evaluations.get(evaluation_id, for_update=for_update)
    if evaluation is None:
        raise evaluation_not_found(evaluation_id)
    tender = uow.tenders.get(evaluation.tender_id, for_update=for_update)
    assert tender is not None
    section = next(s for s in tender.sections if s.id == evaluation.section_id)
    return Loaded(evaluation, tender, section, uow.committees.get(evaluation.committee_id))


def member(ctx: Context, loaded: Loaded) -> CommitteeMember:
    """The caller's active seat on the committee, or a refusal (a scorer outside the committee)."""
    if ctx.actor.is_public:
        raise Unauthenticated("login_required", "请先登录", "Log in first")
    committee = loaded.committee
    seat = committee.member_of(ctx.actor.user_id) if committee and ctx.actor.user_id else None
    if seat is None:
        raise Forbidden(
            "not_a_committee_member",
            "只有评标委员会的在任成员可以评审（被更换的成员不再参加）",
            "Only sitting members of the evaluation committee may evaluate (a replaced member no longer does)",
        )
    return seat


def manager(ctx: Context, loaded: Loaded) -> None:
    authorize(ctx.actor, Action.EVALUATION_MANAGE, loaded.tender)


def sees_everything(ctx: Context, loaded: Loaded) -> bool:
    """Members while they sit, and oversight, see the evaluation's working details."""
    return allowed(ctx.actor, Action.EVALUATION_OVERSEE) or allowed(ctx.actor, Action.EVALUATION_SIT, loaded.committee)


def bids_of(uow: EvaluationUnitOfWork, loaded: Loaded) -> dict[str, Bid]:
    return {b.id: b for b in uow.bids.for_tender(loaded.tender.id) if b.section_id == loaded.section.id}


def price_of(bid: Bid) -> str | None:
    form = bid.form or {}
    price = form.get("price")
    return str(price) if price is not None else None


def org_names(uow: EvaluationUnitOfWork, org_ids: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for org_id in dict.fromkeys(org_ids):
        org = uow.organisations.get(org_id)
        if org is not None:
            out[org_id] = {"id": org.id, "name": org.name, "credit_code": org.credit_code}
    return out


def refuse(code: str, zh: str, en: str, **details: Any) -> Conflict:
    return Conflict(code, zh, en, **details)


def logged_in(ctx: Context) -> None:
    if ctx.actor.is_public:
        raise Unauthenticated("login_required", "请先登录", "Log in first")

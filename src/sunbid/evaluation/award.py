"""After the report: the tenderer's review (复核), candidate publicity and its objections, the
award decision (定标: ranked, or 评定分离), the notices, the contract and its performance.

Everything here is the tenderer's (or its agency's) act, recorded in the ledger; the public
sees the publicity, the result, the notices' facts and the contract's key terms (M2, M14).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sunbid.evaluation.common import Loaded, bids_of, load, logged_in, manager, org_names, price_of, refuse
from sunbid.evaluation.model import (
    RANK_ONE_EXCEPTIONS,
    REJECTION_GROUNDS,
    AwardNotice,
    DueAction,
    Evaluation,
    EvaluationAction,
    EvaluationStatus,
    ExplanationStatus,
    NoticeKind,
    ObjectionStatus,
    PerformanceKind,
    PerformanceRecord,
    PublicityObjection,
    due_actions,
)
from sunbid.evaluation.ports import EvaluationUnitOfWork
from sunbid.evaluation.scheme import AwardMode, DecisionMethod
from sunbid.experts import service as experts
from sunbid.identity.model import PerformanceRecord as OrgPerformance
from sunbid.identity.policy import Action, allowed, authorize
from sunbid.kernel.context import Context
from sunbid.kernel.errors import Conflict, DomainError, RuleViolation, not_found
from sunbid.kernel.events import event_from
from sunbid.kernel.ids import new_id
from sunbid.kernel.money import ratio_of
from sunbid.kernel.rules import LAW, REGS
from sunbid.tendering.bid_model import DepositStatus
from sunbid.tendering.bid_service import make_refundable
from sunbid.tendering.signing import PlatformSigner


def _emit(
    uow: EvaluationUnitOfWork, ctx: Context, name: str, evaluation: Evaluation, *, public: bool, **data: Any
) -> None:
    uow.emit(
        event_from(
            ctx,
            name,
            "evaluation",
            evaluation.id,
            public=public,
            tender_id=evaluation.tender_id,
            section_id=evaluation.section_id,
            **data,
        )
    )


# ---------------------------------------------------------------------------- review (复核)
def request_correction(uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str, reason: str) -> Evaluation:
    """The tenderer found a problem in the report (1117号 (十四)): the report goes back to the
    committee, which corrects it and signs a new version. The superseded version is kept."""
    if not reason.strip():
        raise DomainError("correction_reason_required", "复核须说明理由", "A request for correction needs its reasons")
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        manager(ctx, loaded)
        evaluation = loaded.evaluation
        evaluation.apply(EvaluationAction.REQUEST_CORRECTION)
        now = ctx.clock.now()
        report = evaluation.current_report()
        if report is not None:
            report.superseded_at = now
        evaluation.corrections_requested = [
            *evaluation.corrections_requested,
            {
                "report_version": report.version if report else None,
                "reason": reason,
                "requested_by": ctx.actor.user_id,
                "requested_at": now.isoformat(),
            },
        ]
        evaluation.reported_at = None
        _emit(
            uow,
            ctx,
            "EvaluationCorrectionRequested",
            evaluation,
            public=False,
            reason=reason,
            report_version=report.version if report else None,
        )
        uow.commit()
    return evaluation


# ---------------------------------------------------------------------------- publicity
def _candidate_rows(uow: EvaluationUnitOfWork, loaded: Loaded) -> list[dict[str, Any]]:
    """The statutory fields of each candidate (《招标公告和公示信息发布管理办法》; 条例 第五十四条)."""
    evaluation = loaded.evaluation
    bids = bids_of(uow, loaded)
    results = evaluation.results or {}
    per_bid = {r["bid_id"]: r for r in results.get("bids", [])}
    names = org_names(uow, [bids[c["bid_id"]].bidder_org_id for c in evaluation.candidates])
    rows = []
    for candidate in evaluation.candidates:
        bid = bids[candidate["bid_id"]]
        form = bid.form or {}
        manager_ = form.get("project_manager") or {}
        row = per_bid.get(bid.id, {})
        rows.append(
            {
                "rank": candidate.get("rank"),
                "bid_id": bid.id,
                "bidder": names.get(bid.bidder_org_id),
                "consortium": [{"name": m.get("name"), "share": m.get("share")} for m in bid.consortium],
                "price": row.get("price", price_of(bid)),
                "quality": form.get("quality"),
                "duration_days": form.get("duration_days"),
                "project_manager": {
                    "name": manager_.get("name"),
                    "certificate": manager_.get("certificate"),
                    "certificate_no": manager_.get("certificate_no"),
                },
                "qualifications": form.get("qualifications"),
                "score": row.get("total"),
                "scores_by_part": row.get("by_part"),
            }
        )
    return rows


def _rejections(uow: EvaluationUnitOfWork, loaded: Loaded) -> list[dict[str, Any]]:
    """The bids rejected and why (1117号 (五): reasons disclosed)."""
    bids = bids_of(uow, loaded)
    rejected = loaded.evaluation.rejected()
    names = org_names(uow, [bids[b].bidder_org_id for b in rejected if b in bids])
    out = []
    for bid_id, motion in rejected.items():
        zh, en, article = REJECTION_GROUNDS[motion.ground or "not_responsive"]
        out.append(
            {
                "bidder": names.get(bids[bid_id].bidder_org_id),
                "ground": motion.ground,
                "ground_zh": zh,
                "ground_en": en,
                "article": f"{REGS}{article}",
                "reason": motion.reason,
            }
        )
    return out


def publish_candidates(
    uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str, *, end: datetime, signer: PlatformSigner
) -> Evaluation:
    """中标候选人公示: at least 3 days (条例 第五十四条), with every statutory field, the scores,
    the rejected bids with their reasons and the channel for objections."""
    if end.tzinfo is None:
        raise DomainError("time_zone_required", "公示截止时间须带时区", "The end of the publicity needs a time zone")
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        manager(ctx, loaded)
        evaluation, tender = loaded.evaluation, loaded.tender
        evaluation.next_state(EvaluationAction.PUBLISH_CANDIDATES)
        now = ctx.clock.now()
        minimum = ctx.rules.days("candidate_publicity_min_days")
        if end < now + timedelta(days=minimum):
            rule = ctx.rules["candidate_publicity_min_days"]
            raise RuleViolation(
                "publicity_too_short",
                f"中标候选人公示期不得少于{minimum}日（{rule.citation}）",
                f"The candidates must be public for at least {minimum} days ({rule.citation})",
                rule="candidate_publicity_min_days",
                earliest_end=(now + timedelta(days=minimum)).isoformat(),
            )
        report = evaluation.current_report()
        assert report is not None
        scheme = loaded.scheme
        body = {
            "kind": "candidate_publicity",
            "tender": {"id": tender.id, "code": tender.code, "title": tender.title},
            "section": {"id": loaded.section.id, "code": loaded.section.code, "name": loaded.section.name},
            "award_mode": str(scheme.award.mode),
            "ranked": scheme.award.mode is AwardMode.RANKED,
            "candidates": _candidate_rows(uow, loaded),
            "rejected": _rejections(uow, loaded),
            "method": str(scheme.method),
            "report_digest": report.digest,
            "start": now.isoformat(),
            "end": end.isoformat(),
            "objection_channel": tender.objection_channel,
            "supervising_department": tender.supervising_department,
            "supervising_contact": tender.supervising_contact,
            "published_by": ctx.actor.user_id,
        }
        evaluation.publicity = {"body": body, "signature": signer.sign(body, now)}
        evaluation.publicity_start, evaluation.publicity_end = now, end
        evaluation.apply(EvaluationAction.PUBLISH_CANDIDATES)
        _emit(
            uow,
            ctx,
            "CandidatesPublished",
            evaluation,
            public=True,
            end=end.isoformat(),
            candidates=[c["bid_id"] for c in evaluation.candidates],
            report_digest=report.digest,
        )
        # The report is final: the committee is dissolved (its record stays; 评标规定 第四十二条),
        # in the same transaction.
        experts.dissolve_within(uow, ctx, evaluation.committee_id)
        uow.commit()
    return evaluation


def raise_objection(uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str, text: str) -> PublicityObjection:
    """异议 against the evaluation result, during the publicity only (条例 第五十四条); the tenderer
    answers within 3 days and no award is made meanwhile."""
    if not text.strip():
        raise DomainError("objection_text_required", "异议内容不能为空", "An objection needs text")
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        evaluation = loaded.evaluation
        bidders = {o for b in bids_of(uow, loaded).values() if b.standing for o in b.member_org_ids}
        authorize(ctx.actor, Action.PUBLICITY_OBJECT, bidders)
        now = ctx.clock.now()
        if evaluation.status is not EvaluationStatus.PUBLICITY or (
            evaluation.publicity_end is not None and now >= evaluation.publicity_end
        ):
            raise RuleViolation(
                "objection_outside_publicity",
                f"对评标结果有异议的，应当在中标候选人公示期间提出（{REGS}第五十四条）",
                f"Objections to the evaluation result are raised during the candidate publicity ({REGS}第五十四条)",
                rule="candidate_publicity_min_days",
            )
        evaluation.apply(EvaluationAction.OBJECT)
        assert ctx.actor.org_id is not None and ctx.actor.user_id is not None
        objection = PublicityObjection(
            id=new_id("pob", now),
            evaluation_id=evaluation.id,
            objector_org_id=ctx.actor.org_id,
            objector_user_id=ctx.actor.user_id,
            text=text,
            raised_at=now,
            answer_due=now + timedelta(days=ctx.rules.days("objection_answer_days")),
        )
        evaluation.objections.append(objection)
        _emit(
            uow,
            ctx,
            "EvaluationObjectionRaised",
            evaluation,
            public=True,
            objection_id=objection.id,
            answer_due=objection.answer_due.isoformat(),
        )
        uow.commit()
    return objection


def answer_objection(
    uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str, objection_id: str, answer: str
) -> PublicityObjection:
    if not answer.strip():
        raise DomainError("answer_text_required", "答复内容不能为空", "An answer needs text")
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        manager(ctx, loaded)
        evaluation = loaded.evaluation
        objection = next((o for o in evaluation.objections if o.id == objection_id), None)
        if objection is None:
            raise not_found("objection", objection_id)
        if objection.status is ObjectionStatus.ANSWERED:
            raise refuse("objection_already_answered", "该异议已答复", "The objection is already answered")
        evaluation.next_state(EvaluationAction.ANSWER_OBJECTION)
        now = ctx.clock.now()
        objection.status, objection.answer, objection.answered_at = ObjectionStatus.ANSWERED, answer, now
        objection.answered_by = ctx.actor.user_id
        _emit(
            uow,
            ctx,
            "EvaluationObjectionAnswered",
            evaluation,
            public=True,
            objection_id=objection.id,
            late=now > objection.answer_due,
        )
        uow.commit()
    return objection


# ---------------------------------------------------------------------------- the decision (定标)
def _money(value: Any, what: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(f"{what}_invalid", f"{what} 不是有效金额", f"{what} is not a valid amount") from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise DomainError(f"{what}_invalid", f"{what} 不是有效金额", f"{what} is not a valid amount")
    return amount


def _evaluated_prices(evaluation: Evaluation) -> dict[str, Decimal]:
    return {
        r["bid_id"]: Decimal(str(r.get("evaluated_price") or r["price"]))
        for r in (evaluation.results or {}).get("bids", [])
        if r.get("price") is not None
    }


def _check_votes(
    method: DecisionMethod,
    winner: str,
    candidates: list[str],
    participants: list[dict[str, Any]],
    votes: list[dict[str, Any]],
    rules: Any,
) -> dict[str, Any]:
    minimum = rules.count("decision_committee_min_size")
    names = [str(p.get("name", "")).strip() for p in participants]
    if len(participants) < minimum or any(not n for n in names) or len(set(names)) != len(names):
        rule = rules["decision_committee_min_size"]
        raise RuleViolation(
            "decision_participants_invalid",
            f"定标委员会至少{minimum}名成员，须逐一载明且不得重复（{rule.citation}）",
            f"The award committee has at least {minimum} named, distinct participants ({rule.citation})",
            rule="decision_committee_min_size",
        )
    by_name: dict[str, str] = {}
    for vote in votes:
        who, choice, reason = str(vote.get("participant", "")), str(vote.get("bid_id", "")), str(vote.get("reason", ""))
        if who not in names or who in by_name:
            raise DomainError(
                "decision_vote_invalid",
                f"投票人“{who}”不是定标委员会成员或重复投票",
                f"{who!r} is not on the award committee or voted twice",
            )
        if choice not in candidates:
            raise DomainError(
                "decision_vote_invalid", "只能投给定标候选人", "A vote must go to one of the candidates", bid_id=choice
            )
        if not reason.strip():
            raise DomainError("decision_vote_reason_required", "每一票须载明理由", "Every vote states its reasons")
        by_name[who] = choice
    if len(by_name) != len(names):
        raise DomainError("decision_votes_missing", "定标委员会成员均须投票", "Every participant votes")
    tally = {c: sum(1 for v in by_name.values() if v == c) for c in candidates}
    needed = len(names) // 2 + 1 if method is DecisionMethod.COMMITTEE_MAJORITY else -(-2 * len(names) // 3)
    if tally.get(winner, 0) < needed:
        raise RuleViolation(
            "decision_not_carried",
            f"定标须获得定标委员会{'过半数' if method is DecisionMethod.COMMITTEE_MAJORITY else '三分之二以上'}成员同意",
            "The winner needs "
            + ("a majority" if method is DecisionMethod.COMMITTEE_MAJORITY else "two thirds")
            + " of the award committee's votes",
            rule="decision_committee_min_size",
            tally=tally,
            needed=needed,
        )
    return tally


def decide(
    uow: EvaluationUnitOfWork,
    ctx: Context,
    evaluation_id: str,
    *,
    winner_bid_id: str,
    reasons: str,
    exceptions: dict[str, dict[str, str]] | None = None,
    participants: list[dict[str, Any]] | None = None,
    votes: list[dict[str, Any]] | None = None,
    criteria_reasons: dict[str, str] | None = None,
    signer: PlatformSigner,
) -> Evaluation:
    """定标 after the publicity, with no objection unanswered (条例 第五十四条).

    Ranked: the winner is a candidate; for a state-funded project it is the first-ranked one
    unless each candidate ranked above it falls under an exception of 条例 第五十五条.
    评定分离: the method the tender documents declared, with its participants, votes and
    reasons recorded (a lottery is never a method, 16号令 第八条)."""
    if not reasons.strip():
        raise DomainError("decision_reasons_required", "定标须载明理由", "The award decision states its reasons")
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        manager(ctx, loaded)
        evaluation = loaded.evaluation
        if evaluation.status is EvaluationStatus.PUBLICITY:
            raise RuleViolation(
                "publicity_not_ended",
                f"中标候选人公示期满后方可确定中标人（{REGS}第五十四条）",
                f"The winner is decided only after the candidate publicity ends ({REGS}第五十四条)",
                rule="candidate_publicity_min_days",
                publicity_end=evaluation.publicity_end.isoformat() if evaluation.publicity_end else None,
            )
        evaluation.next_state(EvaluationAction.DECIDE)
        if evaluation.pending_objections():
            raise RuleViolation(
                "objection_pending",
                f"对评标结果的异议答复前，应当暂停招标投标活动（{REGS}第五十四条）",
                f"No award while an objection to the result is unanswered ({REGS}第五十四条)",
                rule="objection_answer_days",
            )
        scheme = loaded.scheme
        candidates = [c["bid_id"] for c in evaluation.candidates]
        if winner_bid_id not in candidates:
            raise refuse(
                "winner_not_a_candidate", "中标人须从中标候选人中确定", "The winner must be one of the candidates"
            )
        record: dict[str, Any] = {
            "mode": str(scheme.award.mode),
            "winner_bid_id": winner_bid_id,
            "reasons": reasons,
            "decided_by": ctx.actor.user_id,
        }
        if scheme.award.mode is AwardMode.RANKED:
            ranked = sorted(evaluation.candidates, key=lambda c: c["rank"])
            above = [
                c["bid_id"]
                for c in ranked
                if c["rank"] < next(r["rank"] for r in ranked if r["bid_id"] == winner_bid_id)
            ]
            given = exceptions or {}
            if scheme.award.state_funded and above:
                missing = [b for b in above if b not in given or given[b].get("code") not in RANK_ONE_EXCEPTIONS]
                if missing or any(not str(given[b].get("evidence", "")).strip() for b in above):
                    raise Conflict(
                        "rank_one_required",
                        f"国有资金占控股或者主导地位的项目，招标人应当确定排名第一的中标候选人为中标人，"
                        f"除非其放弃中标、因不可抗力不能履行合同、不按要求提交履约保证金或者被查实存在影响中标结果的违法行为（{REGS}第五十五条）",
                        "In a state-funded project the first-ranked candidate wins unless it gave up, cannot perform by "
                        "force majeure, did not furnish the performance security, or was found to have broken the law "
                        f"({REGS}第五十五条); each candidate passed over needs one of these, with evidence",
                        article=f"{REGS}第五十五条",
                        passed_over=missing or above,
                        exceptions=sorted(RANK_ONE_EXCEPTIONS),
                    )
            record["passed_over"] = [{"bid_id": b, **given.get(b, {})} for b in above]
        else:
            method = scheme.award.decision_method
            assert method is not None
            record["method"] = str(method)
            if method in (DecisionMethod.COMMITTEE_MAJORITY, DecisionMethod.COMMITTEE_TWO_THIRDS):
                record["participants"] = participants or []
                record["votes"] = votes or []
                record["tally"] = _check_votes(
                    method, winner_bid_id, candidates, participants or [], votes or [], ctx.rules
                )
            elif method is DecisionMethod.PRICE_FIRST:
                prices = _evaluated_prices(evaluation)
                lowest = min(candidates, key=lambda b: (prices.get(b, Decimal("Infinity")), b))
                if winner_bid_id != lowest:
                    raise refuse(
                        "decision_not_price_first",
                        "招标文件载明价格优先定标，中标人应为候选人中评审价最低者",
                        "The tender documents declared price first: the winner is the candidate with the lowest evaluated price",
                        lowest_bid_id=lowest,
                    )
            else:
                given_reasons = criteria_reasons or {}
                missing = [c for c in scheme.award.value_criteria if not str(given_reasons.get(c, "")).strip()]
                if missing:
                    raise DomainError(
                        "decision_criteria_reasons_missing",
                        "择优定标须就招标文件公布的每项择优标准说明理由",
                        "A value-for-money decision gives reasons on every criterion the tender documents published",
                        missing=missing,
                    )
                record["criteria_reasons"] = given_reasons
                record["participants"] = participants or []
        now = ctx.clock.now()
        bids = bids_of(uow, loaded)
        winner = bids[winner_bid_id]
        names = org_names(uow, [winner.bidder_org_id])
        form = winner.form or {}
        price = next(
            (r.get("price") for r in (evaluation.results or {}).get("bids", []) if r["bid_id"] == winner_bid_id), None
        )
        notice = {
            "kind": "award_result",
            "tender": {"id": loaded.tender.id, "code": loaded.tender.code, "title": loaded.tender.title},
            "section": {"id": loaded.section.id, "code": loaded.section.code, "name": loaded.section.name},
            "winner": names.get(winner.bidder_org_id),
            "consortium": [{"name": m.get("name"), "share": m.get("share")} for m in winner.consortium],
            "price": price or price_of(winner),
            "duration_days": form.get("duration_days"),
            "quality": form.get("quality"),
            "project_manager": form.get("project_manager"),
            "decided_at": now.isoformat(),
            "objection_channel": loaded.tender.objection_channel,
        }
        record["decided_at"] = now.isoformat()
        evaluation.decision = record
        evaluation.result_notice = {"body": notice, "signature": signer.sign(notice, now)}
        evaluation.winner_bid_id, evaluation.decided_at = winner_bid_id, now
        evaluation.apply(EvaluationAction.DECIDE)
        _emit(
            uow,
            ctx,
            "AwardDecided",
            evaluation,
            public=True,
            winner_bid_id=winner_bid_id,
            mode=record["mode"],
            method=record.get("method"),
            tally=record.get("tally"),
            passed_over=[p["bid_id"] for p in record.get("passed_over", [])],
        )
        uow.commit()
    return evaluation


def fail(uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str, reason: str) -> Evaluation:
    """依法重新招标 from the decision (e.g. every candidate gave up, 条例 第五十五条): the section
    fails and its deposits become refundable; the tender may be tendered again."""
    if not reason.strip():
        raise DomainError("fail_reason_required", "须说明重新招标的理由", "Re-tendering needs its reasons")
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        manager(ctx, loaded)
        _fail(uow, ctx, loaded, reason)
        uow.commit()
    return loaded.evaluation


def _fail(uow: EvaluationUnitOfWork, ctx: Context, loaded: Loaded, reason: str) -> None:
    evaluation = loaded.evaluation
    evaluation.apply(EvaluationAction.FAIL)
    now = ctx.clock.now()
    evaluation.failed_at, evaluation.failed_reason = now, reason
    loaded.section.failed = True
    deposits = [d for d in uow.deposits.for_tender(loaded.tender.id) if d.section_id == loaded.section.id]
    make_refundable(ctx.rules, deposits, "deposit_refund_after_failure_days", "section_failed", now)
    _emit(uow, ctx, "EvaluationFailed", evaluation, public=True, reason=reason)


# ---------------------------------------------------------------------------- notices
def issue_notices(uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str, signer: PlatformSigner) -> Evaluation:
    """中标通知书 to the winner and 中标结果通知书 to every other bidder, at the same moment
    (法 第四十五条), each signed by the platform."""
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        manager(ctx, loaded)
        evaluation = loaded.evaluation
        evaluation.apply(EvaluationAction.NOTIFY)
        now = ctx.clock.now()
        bids = bids_of(uow, loaded)
        names = org_names(uow, [b.bidder_org_id for b in bids.values()])
        assert evaluation.result_notice is not None and evaluation.winner_bid_id is not None
        result = evaluation.result_notice["body"]
        for bid in sorted(bids.values(), key=lambda b: b.id):
            if not bid.standing:
                continue
            kind = NoticeKind.AWARD if bid.id == evaluation.winner_bid_id else NoticeKind.RESULT
            body = {
                "kind": str(kind),
                "to": names.get(bid.bidder_org_id),
                "bid_id": bid.id,
                "tender": result["tender"],
                "section": result["section"],
                "winner": result["winner"],
                "price": result["price"],
                "issued_at": now.isoformat(),
                "contract_within_days": ctx.rules.days("contract_sign_days_after_award"),
                "legal_basis": f"{LAW}第四十五条",
            }
            evaluation.notices.append(
                AwardNotice(
                    new_id("ntc", now),
                    evaluation.id,
                    bid.id,
                    bid.bidder_org_id,
                    kind,
                    body,
                    signer.sign(body, now),
                    now,
                )
            )
        evaluation.awarded_at = now
        _emit(
            uow,
            ctx,
            "AwardNoticesIssued",
            evaluation,
            public=True,
            winner_bid_id=evaluation.winner_bid_id,
            notices=len(evaluation.notices),
        )
        uow.commit()
    return evaluation


def visible_notices(uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str) -> list[AwardNotice]:
    logged_in(ctx)
    with uow:
        loaded = load(uow, evaluation_id)
        return [n for n in loaded.evaluation.notices if allowed(ctx.actor, Action.NOTICE_READ, (loaded.tender, n))]


# ---------------------------------------------------------------------------- the contract
CONTRACT_FIELDS = ("price", "duration_days", "quality", "subject", "signed_on")


def sign_contract(
    uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str, terms: dict[str, Any], document_sha256: str | None
) -> Evaluation:
    """The written contract (法 第四十六条), checked against the tender documents and the winning
    bid: the subject, the price, the quality and the period must be theirs, and the
    performance security at most 10% of the price (条例 第五十七条、第五十八条). Then every
    deposit of the section is refundable within 5 days (条例 第五十七条)."""
    missing = [f for f in CONTRACT_FIELDS if terms.get(f) in (None, "")]
    if missing:
        raise DomainError(
            "contract_terms_missing",
            "合同须载明标的、价款、质量、履行期限和签订日期",
            "The contract states its subject, price, quality, period and signing date",
            missing=missing,
        )
    price = _money(terms["price"], "contract_price")
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        manager(ctx, loaded)
        evaluation = loaded.evaluation
        evaluation.next_state(EvaluationAction.SIGN_CONTRACT)
        assert evaluation.winner_bid_id is not None
        winner = bids_of(uow, loaded)[evaluation.winner_bid_id]
        form = winner.form or {}
        won = next(r for r in (evaluation.results or {}).get("bids", []) if r["bid_id"] == winner.id)
        departures: list[dict[str, Any]] = []
        if price != Decimal(str(won["price"])):
            departures.append({"term": "price", "contract": str(price), "bid": str(won["price"])})
        try:
            duration = int(terms["duration_days"])
        except (TypeError, ValueError):
            raise DomainError(
                "contract_duration_invalid", "履行期限须为天数", "The period is a number of days"
            ) from None
        if form.get("duration_days") is not None and duration > int(form["duration_days"]):
            departures.append({"term": "duration_days", "contract": duration, "bid": form["duration_days"]})
        if form.get("quality") is not None and str(terms["quality"]).strip() != str(form["quality"]).strip():
            departures.append({"term": "quality", "contract": terms["quality"], "bid": form["quality"]})
        if "".join(str(terms["subject"]).split()) not in "".join((loaded.section.scope + loaded.section.name).split()):
            departures.append({"term": "subject", "contract": terms["subject"], "tender": loaded.section.scope})
        if departures:
            raise Conflict(
                "contract_departs_from_bid",
                f"合同的标的、价款、质量、履行期限等主要条款应当与招标文件和中标人的投标文件的内容一致（{REGS}第五十七条）",
                f"The contract's subject, price, quality and period must be those of the tender documents and the "
                f"winning bid ({REGS}第五十七条)",
                article=f"{REGS}第五十七条",
                departures=departures,
            )
        security = terms.get("performance_security")
        if security not in (None, ""):
            cap = ratio_of(price, ctx.rules.decimal("perf_security_max_ratio"))
            if _money(security, "performance_security") > cap:
                rule = ctx.rules["perf_security_max_ratio"]
                share = f"{float(rule.value) * 100:g}%"
                raise RuleViolation(
                    "performance_security_too_high",
                    f"履约保证金不得超过中标合同金额的{share}（{cap} 元，{rule.citation}）",
                    f"The performance security is at most {share} of the contract price ({cap} yuan, {rule.citation})",
                    rule="perf_security_max_ratio",
                    cap=str(cap),
                )
        now = ctx.clock.now()
        evaluation.apply(EvaluationAction.SIGN_CONTRACT)
        due = (evaluation.awarded_at or now) + timedelta(days=ctx.rules.days("contract_sign_days_after_award"))
        evaluation.contract = {
            **{k: str(v) for k, v in terms.items()},
            "price": str(price),
            "document_sha256": document_sha256,
            "recorded_at": now.isoformat(),
            "late": now > due,
            "winner_bid_id": winner.id,
        }
        evaluation.contract_signed_at = now
        deposits = [
            d
            for d in uow.deposits.for_tender(loaded.tender.id)
            if d.section_id == loaded.section.id and d.status is DepositStatus.HELD
        ]
        make_refundable(ctx.rules, deposits, "deposit_refund_after_contract_days", "contract_signed", now)
        _emit(
            uow,
            ctx,
            "ContractSigned",
            evaluation,
            public=True,
            price=str(price),
            duration_days=duration,
            document_sha256=document_sha256,
            late=now > due,
            refunds_due=len(deposits),
        )
        uow.commit()
    return evaluation


def record_performance(
    uow: EvaluationUnitOfWork,
    ctx: Context,
    evaluation_id: str,
    *,
    kind: PerformanceKind,
    description: str,
    occurred_on: datetime,
    amount: Decimal | None = None,
    document_sha256: str | None = None,
) -> PerformanceRecord:
    """履约: milestones, changes (with the amount of a price change), payments and the
    completion, recorded and published (M14). Completion closes the evaluation and adds the
    contract to the winner's performance record in the registry (M22)."""
    if not description.strip():
        raise DomainError("performance_description_required", "须说明履约情况", "Describe what happened")
    if occurred_on.tzinfo is None:
        raise DomainError("time_zone_required", "日期须带时区", "The date needs a time zone")
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        manager(ctx, loaded)
        evaluation = loaded.evaluation
        action = (
            EvaluationAction.COMPLETE if kind is PerformanceKind.COMPLETION else EvaluationAction.RECORD_PERFORMANCE
        )
        evaluation.next_state(action)
        now = ctx.clock.now()
        if occurred_on > now:
            raise DomainError("performance_in_future", "不能记录尚未发生的履约情况", "This has not happened yet")
        record = PerformanceRecord(
            new_id("prf", now),
            evaluation.id,
            kind,
            description,
            occurred_on,
            amount,
            now,
            ctx.actor.user_id,
            document_sha256,
        )
        evaluation.performance.append(record)
        evaluation.apply(action)
        if kind is PerformanceKind.COMPLETION:
            evaluation.completed_at = now
            assert evaluation.winner_bid_id is not None and evaluation.contract is not None
            winner = bids_of(uow, loaded)[evaluation.winner_bid_id]
            changes = sum(
                (r.amount or Decimal(0) for r in evaluation.performance if r.kind is PerformanceKind.CHANGE), Decimal(0)
            )
            final = Decimal(evaluation.contract["price"]) + changes
            for org_id in winner.member_org_ids:
                uow.performances.add(
                    OrgPerformance(
                        new_id("opf", now),
                        org_id,
                        f"{loaded.tender.title} {loaded.section.name}",
                        str(loaded.tender.category),
                        loaded.tender.sector,
                        final,
                        occurred_on,
                        "platform",
                        now,
                        ctx.actor.user_id,
                        evaluation.id,
                    )
                )
        _emit(
            uow,
            ctx,
            "PerformanceRecorded",
            evaluation,
            public=True,
            kind=str(kind),
            description=description,
            occurred_on=occurred_on.isoformat(),
            amount=None if amount is None else str(amount),
            document_sha256=document_sha256,
        )
        uow.commit()
    return record


# ---------------------------------------------------------------------------- suspension (条例 第六十二条)
def suspend(uow: EvaluationUnitOfWork, ctx: Context, evaluation: Evaluation, order: dict[str, Any]) -> None:
    """Suspend on the supervising department's order (the caller holds the unit of work)."""
    if evaluation.status is not EvaluationStatus.SUSPENDED:
        evaluation.suspended_from = evaluation.status
    evaluation.apply(EvaluationAction.SUSPEND)
    evaluation.suspension = order
    _emit(uow, ctx, "EvaluationSuspended", evaluation, public=True, **order)


def resume(uow: EvaluationUnitOfWork, ctx: Context, evaluation: Evaluation, reason: str) -> None:
    if evaluation.status is not EvaluationStatus.SUSPENDED or evaluation.suspended_from is None:
        return
    evaluation.status, evaluation.suspended_from, evaluation.suspension = evaluation.suspended_from, None, None
    _emit(uow, ctx, "EvaluationResumed", evaluation, public=True, reason=reason)


# ---------------------------------------------------------------------------- time
def _publicity_due(rules: Any, evaluation: Evaluation) -> datetime | None:
    if evaluation.reported_at is None:
        return None
    return evaluation.reported_at + timedelta(days=rules.days("candidate_publicity_start_within_days"))


def _contract_due(rules: Any, evaluation: Evaluation) -> datetime | None:
    if evaluation.awarded_at is None:
        return None
    return evaluation.awarded_at + timedelta(days=rules.days("contract_sign_days_after_award"))


def run_due(uow: EvaluationUnitOfWork, ctx: Context) -> list[tuple[str, str]]:
    """The scheduler's pass over evaluations: publicity ends, explanations expire, late
    answers, publications and contracts are flagged. Idempotent."""
    done: list[tuple[str, str]] = []
    now = ctx.clock.now()
    with uow:  # only the evaluations whose columns say something may be due are read
        ids = uow.evaluations.due_ids(
            now,
            reported_before=now - timedelta(days=ctx.rules.days("candidate_publicity_start_within_days")),
            awarded_before=now - timedelta(days=ctx.rules.days("contract_sign_days_after_award")),
        )

    def due(evaluation: Evaluation, now: datetime) -> list[tuple[DueAction, str]]:
        return due_actions(
            evaluation,
            now,
            publicity_due=_publicity_due(ctx.rules, evaluation),
            contract_due=_contract_due(ctx.rules, evaluation),
        )

    for evaluation_id in ids:
        with uow:  # read first, and lock only an evaluation that still has something due
            if not due(load(uow, evaluation_id).evaluation, ctx.clock.now()):
                continue
        with uow:
            evaluation = load(uow, evaluation_id, for_update=True).evaluation
            now = ctx.clock.now()
            for action, subject in due(evaluation, now):
                if action is DueAction.END_PUBLICITY:
                    evaluation.apply(EvaluationAction.END_PUBLICITY)
                    _emit(uow, ctx, "PublicityEnded", evaluation, public=True)
                elif action is DueAction.EXPIRE_EXPLANATION:
                    explanation = next(e for e in evaluation.explanations if e.id == subject)
                    explanation.status = ExplanationStatus.EXPIRED
                    _emit(
                        uow,
                        ctx,
                        "ExplanationExpired",
                        evaluation,
                        public=False,
                        explanation_id=subject,
                        bid_id=explanation.bid_id,
                    )
                elif action is DueAction.FLAG_OVERDUE_OBJECTION:
                    objection = next(o for o in evaluation.objections if o.id == subject)
                    objection.overdue_flagged_at = now
                    _emit(uow, ctx, "EvaluationObjectionAnswerOverdue", evaluation, public=False, objection_id=subject)
                elif action is DueAction.FLAG_PUBLICITY_LATE:
                    evaluation.publicity_overdue_flagged_at = now
                    _emit(uow, ctx, "CandidatePublicityOverdue", evaluation, public=False)
                elif action is DueAction.FLAG_CONTRACT_LATE:
                    evaluation.contract_overdue_flagged_at = now
                    _emit(uow, ctx, "ContractOverdue", evaluation, public=False)
                done.append((str(action), subject))
            uow.commit()
    return done


__all__ = [
    "answer_objection",
    "decide",
    "fail",
    "issue_notices",
    "publish_candidates",
    "raise_objection",
    "record_performance",
    "request_correction",
    "resume",
    "run_due",
    "sign_contract",
    "suspend",
    "visible_notices",
]

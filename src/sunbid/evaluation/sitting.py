"""The committee at work (M8-M11): the evaluation starts with the bids opened, the technical
part is scored under codes (暗标) and locked, then the commercial, credit and price parts are
unmasked; abnormally low prices are explained in writing; the committee rejects bids by
majority with their statutory grounds; its conclusion becomes the report every member signs.

The platform computes what is objective (arithmetic corrections, registry scores, price
scores, abnormal-price flags, totals, ranking) from the scheme the tender documents declared;
the members give the subjective scores and decide the questions the law leaves to them.
"""

from __future__ import annotations

import hashlib
import secrets
import tempfile
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from sunbid.crypto import canonicalize, envelope
from sunbid.evaluation import abnormal, anonymity, arithmetic, methods
from sunbid.evaluation.common import (
    Loaded,
    bids_of,
    evaluation_not_found,
    load,
    logged_in,
    member,
    org_names,
    refuse,
    sees_everything,
)
from sunbid.evaluation.model import (
    REJECTION_GROUNDS,
    Evaluation,
    EvaluationAction,
    EvaluationStatus,
    Explanation,
    ExplanationStatus,
    Motion,
    MotionKind,
    MotionStatus,
    Report,
    ReportSignature,
    Score,
    Vote,
)
from sunbid.evaluation.ports import EvaluationUnitOfWork
from sunbid.evaluation.scheme import EvaluationScheme, FactorKind, Method, Part, PriceFormulaKind
from sunbid.experts import service as experts
from sunbid.experts.model import CommitteeStatus
from sunbid.identity.policy import Action, allowed, authorize
from sunbid.kernel.context import SYSTEM as SYSTEM_ACTOR
from sunbid.kernel.context import Context
from sunbid.kernel.errors import Conflict, DomainError, Forbidden, NotFound, RuleViolation, not_found
from sunbid.kernel.events import event_from
from sunbid.kernel.ids import new_id
from sunbid.kernel.ports import BlobStore
from sunbid.tendering.bid_model import Bid, BidStatus
from sunbid.tendering.bid_service import make_refundable
from sunbid.tendering.model import TenderStatus
from sunbid.tendering.signing import SignatureCheck

SYSTEM = "system"
_SITTING = (EvaluationStatus.TECHNICAL, EvaluationStatus.COMMERCIAL, EvaluationStatus.CORRECTING)


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


# ---------------------------------------------------------------------------- the bid files
def read_files(blobs: BlobStore, bid: Bid, wanted: set[int]) -> dict[int, IO[bytes]]:
    """The plaintext of the bid's files at ``wanted`` indexes, decrypted again from the stored
    envelope with the content key the opening recorded. Each file goes to a temporary file
    (in memory up to 8 MiB), so a large bid is never held whole."""
    assert bid.content_key is not None and bid.current is not None
    out: dict[int, IO[bytes]] = {i: tempfile.SpooledTemporaryFile(8 << 20) for i in wanted}  # noqa: SIM115

    def on_file(index: int, _entry: dict[str, Any], data: bytes) -> None:
        if index in out:
            out[index].write(data)

    with blobs.open(bid.current.blob_sha256) as handle:
        envelope.open_envelope(
            handle, bytes.fromhex(bid.content_key), on_file=on_file, trusted_header=bid.current.header.encode("utf-8")
        )
    for f in out.values():
        f.seek(0)
    return out


# ---------------------------------------------------------------------------- starting
def _identifiers(uow: EvaluationUnitOfWork, bid: Bid) -> anonymity.BidderIdentifiers:
    orgs = [uow.organisations.get(o) for o in bid.member_org_ids]
    names = tuple(o.name for o in orgs if o is not None)
    codes = tuple(o.credit_code for o in orgs if o is not None)
    people = tuple(o.legal_representative for o in orgs if o is not None and o.legal_representative)
    base = anonymity.BidderIdentifiers(bid.id, names=names, credit_codes=codes, people=people)
    return anonymity.with_form(base, bid.form)


def _scan_technical(
    uow: EvaluationUnitOfWork, scheme: EvaluationScheme, bids: list[Bid], codes: dict[str, str]
) -> dict[str, Any]:
    """暗标 check: the text and metadata of every technical file, scanned for what identifies
    any bidder of the section. Findings are warnings for the committee, by code."""
    everyone = [_identifiers(uow, b) for b in bids]
    findings: dict[str, Any] = {}
    for bid in bids:
        entries = {i: f for i, f in enumerate(bid.files or []) if f.get("part") in scheme.anonymity.technical_parts}
        if not entries:
            continue
        files = read_files(uow.blobs, bid, set(entries))
        scans = []
        for index, handle in files.items():
            with handle:
                scan = anonymity.scan_file(
                    str(entries[index].get("name", "")),
                    handle.read(),
                    everyone,
                    media_type=entries[index].get("media_type"),
                    manifest_entry=entries[index],
                )
            if not scan.clean:  # something identifying, or a file that could not be read
                scans.append(
                    {
                        **scan.as_json(),
                        "name": anonymity.anonymous_name(codes[bid.id], index, str(entries[index].get("name", ""))),
                    }
                )
        if scans:
            findings[codes[bid.id]] = scans
    return findings


def _facts(uow: EvaluationUnitOfWork, bid: Bid) -> dict[str, Any]:
    """What the registry knows of the bidder (all members of a consortium) for objective
    scoring, with what the bid form declares: certificates and first-of-a-kind equipment."""
    orgs = bid.member_org_ids
    grades = [uow.organisations.get(o) for o in orgs]
    order = "ABCD"
    known = [g.credit_grade for g in grades if g is not None and g.credit_grade in tuple(order)]
    grade = max(known, key=order.index) if len(known) == len(orgs) else None  # a consortium: its weakest
    form = bid.form or {}
    return {
        "credit_grade": grade,
        "qualifications": [
            {
                "kind": q.kind,
                "grade": q.grade,
                "number": q.certificate_no,
                "valid_until": q.valid_until.date().isoformat(),
            }
            for q in uow.qualifications.of_orgs(orgs)
        ],
        "projects": [
            {
                "name": p.project_name,
                "amount": str(p.amount),
                "signed_on": p.completed_at.date().isoformat(),
                "classification": p.sector,
            }
            for p in uow.performances.of_orgs(orgs)
        ],
        "certificates": [c for c in form.get("certificates", []) if isinstance(c, dict)],
        "first_of_a_kind": [c for c in form.get("first_of_a_kind", []) if isinstance(c, dict)],
        "small_or_micro": bool(form.get("small_or_micro")),
    }


def _registry(facts: dict[str, Any]) -> methods.RegistryFacts:
    def day(text: Any) -> date | None:
        return date.fromisoformat(str(text)) if text else None

    try:
        return methods.RegistryFacts(
            credit_grade=facts.get("credit_grade"),
            qualifications=tuple(
                methods.Qualification(q["kind"], q["grade"], q.get("number", ""), day(q.get("valid_until")))
                for q in facts.get("qualifications", [])
            ),
            projects=tuple(
                methods.PastProject(
                    p["name"], Decimal(p["amount"]), date.fromisoformat(p["signed_on"]), p.get("classification", "")
                )
                for p in facts.get("projects", [])
            ),
            certificates=tuple(
                methods.Certificate(str(c["kind"]), str(c.get("number", "")), day(c.get("valid_until")))
                for c in facts.get("certificates", [])
                if c.get("kind")
            ),
            first_of_a_kind=tuple(
                methods.FirstOfAKind(
                    str(c.get("equipment", "")),
                    str(c.get("certificate", "")),
                    str(c.get("classification", "")),
                    day(c.get("valid_until")),
                )
                for c in facts.get("first_of_a_kind", [])
                if c.get("certificate")
            ),
        )
    except (KeyError, ValueError, ArithmeticError):
        raise DomainError(
            "bid_declarations_invalid",
            "投标文件中的证书或首台套声明格式不正确",
            "The certificates or first-of-a-kind declarations in the bid form are malformed",
        ) from None


def _system_rejection(evaluation: Evaluation, bid_id: str, ground: str, reason: str, now: datetime) -> None:
    """A rejection the statute makes on facts the platform holds (invalid at the opening, a
    price above the ceiling, a form that cannot be read): carried without a vote, shown to
    the committee with its ground."""
    evaluation.motions.append(
        Motion(
            new_id("mot", now),
            evaluation.id,
            MotionKind.REJECT_BID,
            bid_id,
            ground,
            reason,
            SYSTEM,
            now,
            status=MotionStatus.CARRIED,
            decided_at=now,
        )
    )


def start(
    uow: EvaluationUnitOfWork, ctx: Context, tender_id: str, section_id: str, *, seed: bytes | None = None
) -> Evaluation:
    """Start the evaluation of a section once the opening is concluded and its committee sits.

    The bids opened are corrected arithmetically; those the statute makes invalid, priced
    above the ceiling or whose form cannot be read are rejected on those grounds; the
    registry facts for objective scores are fixed; K is drawn where the formula uses it;
    technical parts get their 暗标 codes and are scanned for identifying content."""
    with uow:
        tender = uow.tenders.get(tender_id, for_update=True)
        if tender is None:
            raise not_found("tender", tender_id)
        authorize(ctx.actor, Action.EVALUATION_MANAGE, tender)
        section = next((s for s in tender.sections if s.id == section_id), None)
        if section is None:
            raise not_found("section", section_id)
        if tender.status is not TenderStatus.OPENED or section.failed:
            raise refuse(
                "evaluation_not_ready",
                "开标结束且本标段开标有效后方可评标",
                "Evaluation starts once the opening is concluded for a section that was opened",
                status=str(tender.status),
            )
        if uow.evaluations.for_section(section_id) is not None:
            raise refuse("evaluation_exists", "本标段已开始评标", "This section's evaluation has already started")
        if tender.evaluation_scheme is None:
            raise refuse(
                "evaluation_scheme_missing",
                "招标文件未载明评标办法，不能评标",
                "The tender documents declare no evaluation scheme",
            )
        scheme = EvaluationScheme.from_json(tender.evaluation_scheme)
        committee = uow.committees.for_section(section_id)
        if committee is None or committee.status is not CommitteeStatus.SITTING:
            raise refuse(
                "committee_not_sitting",
                "评标委员会尚未组建完成并开始评标",
                "The evaluation committee is not sitting yet",
            )
        now = ctx.clock.now()
        bids = sorted(
            (
                b
                for b in uow.bids.for_tender(tender_id)
                if b.section_id == section_id and b.status is BidStatus.DECRYPTED
            ),
            key=lambda b: b.id,
        )
        seed = seed or secrets.token_bytes(32)
        codes = anonymity.assign_codes([b.id for b in bids], hashlib.sha256(b"sunbid-codes/1" + seed).digest())
        evaluation = Evaluation(
            id=new_id("evl", now),
            tender_id=tender_id,
            section_id=section_id,
            committee_id=committee.id,
            scheme=scheme.as_json(),
            started_at=now,
            started_by=ctx.actor.user_id,
            bid_ids=[b.id for b in bids],
            codes=codes,
            code_seed_digest=hashlib.sha256(seed).hexdigest(),
        )
        corrections: dict[str, Any] = {}
        for bid in bids:
            try:
                corrected = arithmetic.correct_price(bid.form or {})
            except DomainError as exc:
                corrections[bid.id] = {"error": exc.code, "message_zh": exc.message_zh, "message_en": exc.message_en}
                _system_rejection(evaluation, bid.id, "not_responsive", f"投标函无法读取：{exc.message_zh}", now)
                continue
            corrections[bid.id] = corrected.as_json()
            if bid.invalid_grounds:
                ground = (
                    "no_consortium_agreement"
                    if any(g.get("code") == "consortium_agreement_missing" for g in bid.invalid_grounds)
                    else "invalid_by_statute"
                )
                codes_ = ", ".join(str(g.get("code")) for g in bid.invalid_grounds)
                _system_rejection(evaluation, bid.id, ground, f"开标时认定无效：{codes_}", now)
            elif corrected.price > section.max_bid_price:
                _system_rejection(
                    evaluation,
                    bid.id,
                    "below_cost_or_above_ceiling",
                    f"修正后报价 {corrected.price} 元高于最高投标限价 {section.max_bid_price} 元",
                    now,
                )
        evaluation.corrections = corrections
        evaluation.facts = {b.id: _facts(uow, b) for b in bids}
        formula = scheme.price_formula
        if formula is not None and formula.kind is PriceFormulaKind.AVERAGE_DISCOUNT:
            k_seed = secrets.token_bytes(32)
            evaluation.k_value = str(methods.draw_k(formula, k_seed))
            evaluation.k_draw = {
                "seed": k_seed.hex(),
                "choices": [str(c) for c in formula.k_choices],
                "algorithm": "sha256(seed || counter_be64) mod n, rejection sampling",
            }
        if scheme.anonymity.anonymised:
            evaluation.anonymity_findings = _scan_technical(uow, scheme, bids, codes)
        if not scheme.anonymity.anonymised or not _technical_factors(scheme):
            evaluation.status = EvaluationStatus.COMMERCIAL
            evaluation.technical_locked_at = now
            _flag_abnormal(evaluation, scheme, section.max_bid_price, ctx, now, {b.id: b.bidder_org_id for b in bids})
        uow.evaluations.add(evaluation)
        _emit(
            uow,
            ctx,
            "SectionEvaluationStarted",
            evaluation,
            public=True,
            committee_id=committee.id,
            bids=len(bids),
            anonymised=scheme.anonymity.anonymised,
            code_seed_digest=evaluation.code_seed_digest,
            k=evaluation.k_value,
            k_seed=(evaluation.k_draw or {}).get("seed"),
            rejected_by_statute=sorted(evaluation.rejected()),
        )
        uow.commit()
    return evaluation


def _technical_factors(scheme: EvaluationScheme) -> list[str]:
    return [f.id for f in scheme.factors if f.kind is FactorKind.SUBJECTIVE and f.part is Part.TECHNICAL]


# ---------------------------------------------------------------------------- abnormally low prices
def _corrected(evaluation: Evaluation, bid_id: str) -> Decimal | None:
    c = evaluation.corrections.get(bid_id) or {}
    return Decimal(c["price"]) if "price" in c else None


def _flag_abnormal(
    evaluation: Evaluation,
    scheme: EvaluationScheme,
    ceiling: Decimal,
    ctx: Context,
    now: datetime,
    bidders: dict[str, str],
) -> None:
    """The declared abnormal-price rules over the valid bids' corrected prices; the committee
    must then ask each flagged bidder for a written explanation (评标规定 第二十一条), which the
    platform sends on its behalf with the declared deadline. A flag never rejects by itself."""
    if not scheme.abnormal_rules:
        evaluation.results = {**(evaluation.results or {}), "abnormal": None}
        return
    prices = {b: p for b in evaluation.valid_bid_ids() if (p := _corrected(evaluation, b)) is not None}
    report = abnormal.detect_for_scheme(scheme, prices, ceiling)
    evaluation.results = {**(evaluation.results or {}), "abnormal": report.as_json()}
    due = abnormal.explanation_due(scheme, ctx.rules, now)
    for bid_id in report.flagged:
        evaluation.explanations.append(
            Explanation(
                id=new_id("exp", now),
                evaluation_id=evaluation.id,
                bid_id=bid_id,
                bidder_org_id=bidders[bid_id],
                question="您的投标报价明显低于其他投标报价或招标控制价，可能低于成本。请在规定时间内书面说明报价的合理性并提交相关证明材料。",
                triggers=[t.as_json() for t in report.checks[bid_id].triggers],
                requested_by="committee",
                requested_at=now,
                due_at=due,
            )
        )


def _locked(uow: EvaluationUnitOfWork, loaded: Loaded, ctx: Context) -> None:
    """Move from the technical part to the rest: every member has scored every technical
    factor of every valid bid; the codes are unmasked."""
    evaluation = loaded.evaluation
    scheme = loaded.scheme
    missing = _missing_scores(loaded, _technical_factors(scheme))
    if missing:
        raise Conflict(
            "scores_incomplete",
            "技术部分尚有评委未完成评分，不能锁定",
            "Some members have not scored the technical part",
            missing=missing[:50],
            count=len(missing),
        )
    now = ctx.clock.now()
    evaluation.apply(EvaluationAction.LOCK_TECHNICAL)
    evaluation.technical_locked_at = now
    bidders = {b.id: b.bidder_org_id for b in bids_of(uow, loaded).values()}
    _flag_abnormal(evaluation, scheme, loaded.section.max_bid_price, ctx, now, bidders)


def lock_technical(uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str) -> Evaluation:
    """Lock the technical scores (暗标: before the commercial, credit and price parts are unmasked)."""
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        member(ctx, loaded)
        _locked(uow, loaded, ctx)
        evaluation = loaded.evaluation
        _emit(
            uow,
            ctx,
            "TechnicalScoresLocked",
            evaluation,
            public=True,
            codes={c: b for b, c in evaluation.codes.items()},
            abnormal=[e.bid_id for e in evaluation.explanations if e.requested_by == "committee"],
        )
        uow.commit()
    return evaluation


# ---------------------------------------------------------------------------- scores
def _active_ids(loaded: Loaded) -> list[str]:
    assert loaded.committee is not None
    return [m.id for m in loaded.committee.active_members()]


def _missing_scores(loaded: Loaded, factor_ids: list[str]) -> list[dict[str, str]]:
    evaluation = loaded.evaluation
    have = {(s.member_id, s.bid_id, s.factor_id) for s in evaluation.scores}
    return [
        {"member_id": m, "bid": evaluation.code_of(b), "factor_id": f}
        for m in _active_ids(loaded)
        for b in evaluation.valid_bid_ids()
        for f in factor_ids
        if (m, b, f) not in have
    ]


def _bid_ref(evaluation: Evaluation, ref: str) -> str:
    """A bid named by its id, or by its code while the technical part is anonymous."""
    if ref in evaluation.bid_ids and not (evaluation.status is EvaluationStatus.TECHNICAL and evaluation.codes):
        return ref
    by_code = {c: b for b, c in evaluation.codes.items()}
    if ref in by_code:
        return by_code[ref]
    raise NotFound("bid_not_in_evaluation", f"本次评标中没有投标 {ref}", f"No bid {ref} in this evaluation")


def score(
    uow: EvaluationUnitOfWork,
    ctx: Context,
    evaluation_id: str,
    *,
    bid: str,
    factor_id: str,
    points: Decimal,
    comment: str = "",
) -> Score:
    """A member's score of one subjective factor of one bid. Technical factors are scored while
    the technical part is open (by code when it is anonymous); the others after it is locked.
    A score may be changed until its part is locked or the committee concludes; each change
    is recorded in the ledger with the member, so every score stays traceable."""
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        seat = member(ctx, loaded)
        evaluation, scheme = loaded.evaluation, loaded.scheme
        evaluation.next_state(EvaluationAction.SCORE)
        bid_id = _bid_ref(evaluation, bid)
        if bid_id in evaluation.rejected():
            raise refuse("bid_rejected", "该投标已被否决，不再评分", "This bid was rejected and is not scored")
        factor = scheme.factor(factor_id)
        methods.check_member_score(scheme, factor_id, points)
        technical = factor.part is Part.TECHNICAL
        if evaluation.status is EvaluationStatus.TECHNICAL and not technical:
            raise refuse(
                "part_not_open",
                "技术部分锁定前不能评审商务、信用或价格部分",
                "The other parts are scored only after the technical part is locked",
            )
        if evaluation.status is EvaluationStatus.COMMERCIAL and technical and scheme.anonymity.anonymised:
            raise refuse("scores_locked", "技术部分评分已锁定，不能修改", "The technical scores are locked")
        now = ctx.clock.now()
        existing = next(
            (s for s in evaluation.scores if (s.member_id, s.bid_id, s.factor_id) == (seat.id, bid_id, factor_id)), None
        )
        if existing is None:
            existing = Score(new_id("scr", now), evaluation.id, seat.id, bid_id, factor_id, points, comment, now)
            evaluation.scores.append(existing)
        else:
            existing.points, existing.comment, existing.scored_at = points, comment, now
            existing.revision += 1
        _emit(
            uow,
            ctx,
            "ScoreGiven",
            evaluation,
            public=False,
            member_id=seat.id,
            expert_id=seat.expert_id,
            bid_id=bid_id,
            code=evaluation.codes.get(bid_id),
            factor_id=factor_id,
            points=str(points),
            revision=existing.revision,
            correcting=evaluation.status is EvaluationStatus.CORRECTING,
        )
        uow.commit()
    return existing


# ---------------------------------------------------------------------------- motions
def _decide(motion: Motion, active: int, now: datetime) -> MotionStatus:
    agree = sum(1 for v in motion.votes if v.agree)
    against = len(motion.votes) - agree
    if agree * 2 > active:
        motion.status, motion.decided_at = MotionStatus.CARRIED, now
    elif against * 2 >= active:
        motion.status, motion.decided_at = MotionStatus.DEFEATED, now
    return motion.status


def _after_carried(uow: EvaluationUnitOfWork, ctx: Context, loaded: Loaded, motion: Motion) -> None:
    evaluation = loaded.evaluation
    if motion.kind is MotionKind.REJECT_ALL or (
        motion.kind is MotionKind.REJECT_BID and not evaluation.valid_bid_ids()
    ):
        reason = "否决全部投标" if motion.kind is MotionKind.REJECT_ALL else "所有投标均被否决"
        evaluation.apply(EvaluationAction.FAIL)
        now = ctx.clock.now()
        evaluation.failed_at, evaluation.failed_reason = now, reason
        loaded.section.failed = True
        deposits = [d for d in uow.deposits.for_tender(loaded.tender.id) if d.section_id == loaded.section.id]
        make_refundable(ctx.rules, deposits, "deposit_refund_after_failure_days", "section_failed", now)
        _emit(
            uow,
            ctx,
            "EvaluationFailed",
            evaluation,
            public=True,
            reason=reason,
            basis="《评标委员会和评标方法暂行规定》第二十七条",
        )


def propose(
    uow: EvaluationUnitOfWork,
    ctx: Context,
    evaluation_id: str,
    *,
    kind: MotionKind,
    reason: str,
    bid: str | None = None,
    ground: str | None = None,
    payload: dict[str, Any] | None = None,
) -> Motion:
    """A member puts a question to the committee; the proposer's vote counts for it."""
    if not reason.strip():
        raise DomainError("motion_reason_required", "须说明理由", "A motion states its reasons")
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        seat = member(ctx, loaded)
        evaluation, scheme = loaded.evaluation, loaded.scheme
        evaluation.next_state(EvaluationAction.MOTION)
        bid_id = _bid_ref(evaluation, bid) if bid is not None else None
        payload = dict(payload or {})
        if kind is not MotionKind.REJECT_ALL and bid_id is None:
            raise DomainError("motion_bid_required", "须指明投标", "Name the bid")
        if bid_id is not None and bid_id in evaluation.rejected():
            raise refuse("bid_rejected", "该投标已被否决", "This bid was already rejected")
        if evaluation.open_motion(kind, bid_id) is not None:
            raise refuse("motion_open", "同一事项已有待表决的动议", "The same question is already open")
        if kind is MotionKind.REJECT_BID:
            if ground not in REJECTION_GROUNDS or ground == "invalid_by_statute":
                raise DomainError(
                    "rejection_ground_invalid",
                    "否决须依据《招标投标法实施条例》第五十一条所列情形之一",
                    "A rejection rests on one of the grounds of 条例 第五十一条",
                    grounds=sorted(g for g in REJECTION_GROUNDS if g != "invalid_by_statute"),
                )
            pending = [
                e for e in evaluation.explanations if e.bid_id == bid_id and e.status is ExplanationStatus.PENDING
            ]
            if ground == "below_cost_or_above_ceiling" and pending:
                raise RuleViolation(
                    "explanation_first",
                    "报价可能低于成本的，评标委员会应当先要求投标人作出书面说明并提供证明材料，不得直接否决",
                    "Where a price may be below cost the committee asks for a written explanation first and does not "
                    "reject directly (评标规定 第二十一条; 1117号 (五))",
                    rule="abnormal_explanation_default_hours",
                    due_at=pending[0].due_at.isoformat(),
                )
        elif kind is MotionKind.ACCEPT_EXPLANATION:
            answered = [
                e for e in evaluation.explanations if e.bid_id == bid_id and e.status is ExplanationStatus.ANSWERED
            ]
            if not answered:
                raise refuse(
                    "explanation_not_answered",
                    "该投标人尚未提交书面说明",
                    "The bidder has not given a written explanation",
                )
        elif kind is MotionKind.ADJUST_PRICE:
            if scheme.method is not Method.LOWEST_EVALUATED_PRICE and not scheme.price_adjustments:
                raise refuse(
                    "adjustment_not_declared",
                    "招标文件未规定价格调整",
                    "The tender documents declare no price adjustment",
                )
            declared = {a.id for a in scheme.price_adjustments}
            if payload.get("adjustment_id") not in declared:
                raise DomainError(
                    "adjustment_unknown",
                    "招标文件未声明该价格调整项",
                    "The tender documents declare no such adjustment",
                    declared=sorted(declared),
                )
            try:
                units = Decimal(str(payload.get("quantity", "1")))
            except ArithmeticError:
                raise DomainError("adjustment_invalid", "调整数量无效", "The quantity is invalid") from None
            if not units.is_finite() or units < 0:
                raise DomainError("adjustment_invalid", "调整数量无效", "The quantity is invalid")
            payload = {"adjustment_id": payload["adjustment_id"], "quantity": str(units)}
        elif kind is MotionKind.REJECT_ALL:
            minimum = ctx.rules.count("min_bidders")
            if len(evaluation.valid_bid_ids()) >= minimum:
                raise RuleViolation(
                    "competition_sufficient",
                    f"有效投标不少于{minimum}个，不能以缺乏竞争为由否决全部投标（评标规定 第二十七条）",
                    f"With at least {minimum} valid bids all bids cannot be rejected for lack of competition",
                    rule="min_bidders",
                )
        elif kind is MotionKind.BREAK_TIE:
            order = [str(b) for b in payload.get("order", [])]
            tied = sorted((evaluation.results or {}).get("tie_at_cutoff", []))
            if not tied or sorted(_bid_ref(evaluation, b) for b in order) != tied:
                raise DomainError(
                    "tie_order_invalid", "须对并列的全部投标确定先后顺序", "Order exactly the tied bids", tied=tied
                )
            payload = {"order": [_bid_ref(evaluation, b) for b in order]}
        now = ctx.clock.now()
        motion = Motion(new_id("mot", now), evaluation.id, kind, bid_id, ground, reason, seat.id, now, payload)
        motion.votes.append(Vote(new_id("vot", now), motion.id, seat.id, True, reason, now))
        evaluation.motions.append(motion)
        _decide(motion, len(_active_ids(loaded)), now)
        _emit(
            uow,
            ctx,
            "MotionProposed",
            evaluation,
            public=False,
            motion_id=motion.id,
            kind=str(kind),
            bid_id=bid_id,
            ground=ground,
            member_id=seat.id,
            status=str(motion.status),
        )
        if motion.status is MotionStatus.CARRIED:
            _after_carried(uow, ctx, loaded, motion)
        uow.commit()
    return motion


def vote(
    uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str, motion_id: str, *, agree: bool, reason: str = ""
) -> Motion:
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        seat = member(ctx, loaded)
        evaluation = loaded.evaluation
        evaluation.next_state(EvaluationAction.MOTION)
        motion = next((m for m in evaluation.motions if m.id == motion_id), None)
        if motion is None:
            raise NotFound("motion_not_found", f"未找到动议：{motion_id}", f"No motion {motion_id}")
        if motion.status is not MotionStatus.OPEN:
            raise refuse("motion_decided", "该事项已表决完毕", "This question is already decided")
        if any(v.member_id == seat.id for v in motion.votes):
            raise refuse("already_voted", "每位评委对同一事项只能表决一次", "Each member votes once on a question")
        if not agree and not reason.strip():
            raise DomainError("vote_reason_required", "不同意的须说明理由", "A vote against states its reasons")
        now = ctx.clock.now()
        motion.votes.append(Vote(new_id("vot", now), motion.id, seat.id, agree, reason, now))
        decided = _decide(motion, len(_active_ids(loaded)), now)
        _emit(
            uow,
            ctx,
            "MotionVoted",
            evaluation,
            public=False,
            motion_id=motion.id,
            member_id=seat.id,
            agree=agree,
            status=str(decided),
        )
        if decided is MotionStatus.CARRIED:
            _after_carried(uow, ctx, loaded, motion)
        uow.commit()
    return motion


# ---------------------------------------------------------------------------- explanations
def request_explanation(
    uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str, *, bid: str, question: str
) -> Explanation:
    """The committee asks a bidder to clarify an unclear point in writing (条例 第五十二条): it may
    not hint at or accept any change of substance, and takes no clarification it did not ask."""
    if not question.strip():
        raise DomainError("question_required", "须载明需要澄清的问题", "State what is to be clarified")
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        seat = member(ctx, loaded)
        evaluation = loaded.evaluation
        evaluation.next_state(EvaluationAction.REQUEST_EXPLANATION)
        bid_id = _bid_ref(evaluation, bid)
        now = ctx.clock.now()
        bidder = bids_of(uow, loaded)[bid_id].bidder_org_id
        explanation = Explanation(
            new_id("exp", now),
            evaluation.id,
            bid_id,
            bidder,
            question,
            [],
            seat.id,
            now,
            abnormal.explanation_due(loaded.scheme, ctx.rules, now),
        )
        evaluation.explanations.append(explanation)
        _emit(
            uow,
            ctx,
            "ExplanationRequested",
            evaluation,
            public=False,
            explanation_id=explanation.id,
            bid_id=bid_id,
            member_id=seat.id,
            due_at=explanation.due_at.isoformat(),
        )
        uow.commit()
    return explanation


def answer_explanation(
    uow: EvaluationUnitOfWork,
    ctx: Context,
    evaluation_id: str,
    explanation_id: str,
    *,
    answer: str,
    evidence_sha256: str | None = None,
) -> Explanation:
    """The bidder's written explanation, with evidence, before the deadline."""
    if not answer.strip():
        raise DomainError("answer_text_required", "书面说明不能为空", "The written explanation needs text")
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        evaluation = loaded.evaluation
        explanation = next((e for e in evaluation.explanations if e.id == explanation_id), None)
        if explanation is None or not allowed(ctx.actor, Action.EXPLANATION_ANSWER, explanation):
            raise NotFound("explanation_not_found", f"未找到澄清要求：{explanation_id}", f"No request {explanation_id}")
        evaluation.next_state(EvaluationAction.EXPLAIN)
        now = ctx.clock.now()
        if explanation.status is not ExplanationStatus.PENDING or now >= explanation.due_at:
            raise refuse(
                "explanation_closed",
                "澄清期限已过或已作出说明",
                "The explanation is past its deadline or already given",
                due_at=explanation.due_at.isoformat(),
            )
        explanation.status, explanation.answer, explanation.answered_at = ExplanationStatus.ANSWERED, answer, now
        explanation.evidence_sha256 = evidence_sha256
        _emit(
            uow,
            ctx,
            "ExplanationGiven",
            evaluation,
            public=False,
            explanation_id=explanation.id,
            bid_id=explanation.bid_id,
            evidence_sha256=evidence_sha256,
        )
        uow.commit()
    return explanation


def explanations_for(uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str) -> list[Explanation]:
    """A bidder's own requests; members and oversight see all."""
    logged_in(ctx)
    with uow:
        loaded = load(uow, evaluation_id)
        if sees_everything(ctx, loaded):
            return list(loaded.evaluation.explanations)
        return [e for e in loaded.evaluation.explanations if allowed(ctx.actor, Action.EXPLANATION_ANSWER, e)]


# ---------------------------------------------------------------------------- the conclusion
def _member_scores(loaded: Loaded) -> dict[str, dict[str, dict[str, Decimal]]]:
    """Scores of the sitting members only: a replaced member's conclusions are void (条例 第四十八条)."""
    active = set(_active_ids(loaded))
    out: dict[str, dict[str, dict[str, Decimal]]] = {}
    valid = set(loaded.evaluation.valid_bid_ids())
    for s in loaded.evaluation.scores:
        if s.member_id in active and s.bid_id in valid:
            out.setdefault(s.member_id, {}).setdefault(s.bid_id, {})[s.factor_id] = s.points
    return out


def _pricings(evaluation: Evaluation) -> list[methods.BidPricing]:
    adjustments: dict[str, list[methods.AppliedAdjustment]] = {}
    for m in evaluation.motions:
        if m.kind is MotionKind.ADJUST_PRICE and m.status is MotionStatus.CARRIED and m.bid_id:
            adjustments.setdefault(m.bid_id, []).append(
                methods.AppliedAdjustment(m.payload["adjustment_id"], Decimal(m.payload["quantity"]), m.reason)
            )
    out = []
    for bid_id in evaluation.valid_bid_ids():
        c = evaluation.corrections[bid_id]
        stated = Decimal(c["stated_price"])
        price = Decimal(c["price"])
        out.append(
            methods.BidPricing(
                bid_id,
                price,
                stated if stated != price else None,
                bool(evaluation.facts.get(bid_id, {}).get("small_or_micro")),
                tuple(adjustments.get(bid_id, ())),
            )
        )
    return out


def _unresolved(loaded: Loaded) -> list[dict[str, Any]]:
    """What must be settled before the committee can conclude."""
    evaluation, scheme = loaded.evaluation, loaded.scheme
    problems: list[dict[str, Any]] = []
    rejected = evaluation.rejected()
    for m in evaluation.motions:
        if m.status is MotionStatus.OPEN:
            problems.append({"code": "motion_open", "motion_id": m.id})
    accepted = {
        m.bid_id
        for m in evaluation.motions
        if m.kind is MotionKind.ACCEPT_EXPLANATION and m.status is MotionStatus.CARRIED
    }
    for e in evaluation.explanations:
        if e.requested_by == "committee" and e.bid_id not in rejected and e.bid_id not in accepted:
            problems.append({"code": "abnormal_price_undecided", "bid_id": e.bid_id, "explanation": str(e.status)})
        elif e.status is ExplanationStatus.PENDING and e.bid_id not in rejected:
            problems.append({"code": "explanation_pending", "bid_id": e.bid_id})
    if scheme.track_record is not None:
        as_of = (loaded.tender.announced_at or loaded.tender.created_at).date()
        for bid_id in evaluation.valid_bid_ids():
            check = methods.check_track_record(scheme.track_record, _registry(evaluation.facts[bid_id]), as_of)
            if not check.met:
                problems.append({"code": "track_record_unmet", "bid_id": bid_id})
    subjective = [f.id for f in scheme.factors if f.kind is FactorKind.SUBJECTIVE]
    missing = _missing_scores(loaded, subjective)
    if missing:
        problems.append({"code": "scores_incomplete", "count": len(missing), "missing": missing[:20]})
    return problems


def _results(loaded: Loaded, ctx: Context) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    evaluation, scheme = loaded.evaluation, loaded.scheme
    pricings = _pricings(evaluation)
    as_of = (loaded.tender.announced_at or loaded.tender.created_at).date()
    out: dict[str, Any] = {"method": str(scheme.method), "abnormal": (evaluation.results or {}).get("abnormal")}
    rows: dict[str, dict[str, Any]] = {}
    if scheme.method is Method.LOWEST_EVALUATED_PRICE:
        lowest = methods.evaluate_lowest_price(scheme, pricings, ctx.rules)
        ranking, candidates, table = lowest.ranking, lowest.candidates, lowest.table.as_json()
        for b, p in lowest.prices.items():
            rows[b] = {"price": str(p.price), "evaluated_price": str(p.evaluated), "total": None, "by_part": None}
        out["prices"] = [p.as_json() for p in lowest.prices.values()]
    else:
        k = Decimal(evaluation.k_value) if evaluation.k_value else None
        whole = methods.evaluate_comprehensive(
            scheme,
            pricings,
            committee=_active_ids(loaded),
            member_scores=_member_scores(loaded),
            registry={b: _registry(evaluation.facts[b]) for b in evaluation.valid_bid_ids()},
            as_of=as_of,
            rules=ctx.rules,
            k=k,
        )
        ranking, candidates, table = whole.ranking, whole.candidates, whole.table.as_json()
        for b, t in whole.totals.items():
            rows[b] = {
                "price": str(whole.prices[b].price),
                "evaluated_price": str(whole.prices[b].evaluated),
                "total": str(t.total),
                "by_part": {str(k_): str(v) for k_, v in t.parts.items()},
            }
        out["price_scoring"] = whole.price_scoring.as_json()
        out["subjective"] = [a.as_json() for by_f in whole.subjective.values() for a in by_f.values()]
        out["objective"] = [o.as_json() for by_f in whole.objective.values() for o in by_f.values()]
        out["totals"] = [t.as_json() for t in whole.totals.values()]
    out["ranking"] = ranking.as_json()
    out["table"] = table
    out["candidate_list"] = candidates.as_json()
    ordered_ids = list(candidates.bid_ids)
    if candidates.tie_at_cutoff:
        tie = next(
            (
                m
                for m in reversed(evaluation.motions)
                if m.kind is MotionKind.BREAK_TIE and m.status is MotionStatus.CARRIED
            ),
            None,
        )
        if tie is None or sorted(tie.payload["order"]) != sorted(candidates.tie_at_cutoff):
            out["tie_at_cutoff"] = sorted(candidates.tie_at_cutoff)
            return out, [], sorted(candidates.tie_at_cutoff)
        head = [b for b in ordered_ids if b not in candidates.tie_at_cutoff]
        ordered_ids = (head + list(tie.payload["order"]))[: scheme.candidate_count(ctx.rules)]
    out["bids"] = [{"bid_id": b, **rows[b]} for b in evaluation.valid_bid_ids()]
    ranked = candidates.ranked
    chosen = [{"bid_id": b, "rank": (i + 1) if ranked else None} for i, b in enumerate(ordered_ids)]
    return out, chosen, []


def _deviations(loaded: Loaded, ctx: Context) -> list[dict[str, Any]]:
    scores = methods.subjective_totals(_member_scores(loaded))
    if len(scores) < 3:
        return []
    found = methods.deviating_members(scores, methods.DeviationThreshold.from_rules(ctx.rules))
    return [d.as_json() for d in found]


def _report_body(
    uow: EvaluationUnitOfWork,
    loaded: Loaded,
    results: dict[str, Any],
    candidates: list[dict[str, Any]],
    deviations: list[dict[str, Any]],
    now: datetime,
    version: int,
) -> dict[str, Any]:
    """评标报告 with the contents of 评标规定 第四十二条."""
    evaluation, tender, section = loaded.evaluation, loaded.tender, loaded.section
    bids = bids_of(uow, loaded)
    names = org_names(uow, [o for b in bids.values() for o in b.member_org_ids])
    assert loaded.committee is not None

    def bidder(bid_id: str) -> Any:
        return names.get(bids[bid_id].bidder_org_id)

    rejected = evaluation.rejected()
    return {
        "kind": "evaluation_report",
        "version": version,
        "created_at": now.isoformat(),
        "basic": {
            "tender": {"id": tender.id, "code": tender.code, "title": tender.title, "category": str(tender.category)},
            "section": {
                "id": section.id,
                "code": section.code,
                "name": section.name,
                "max_bid_price": str(section.max_bid_price),
            },
            "evaluation_id": evaluation.id,
            "started_at": evaluation.started_at.isoformat(),
        },
        "committee": [
            {
                "member_id": m.id,
                "name": m.name,
                "kind": str(m.kind),
                "status": str(m.status),
                "specialty": m.specialty,
                "expert_id": m.expert_id,
                "replaced_reason": m.replaced_reason,
            }
            for m in loaded.committee.members
            if str(m.status) != "reserve"
        ],
        "opening_record_digest": hashlib.sha256(canonicalize(tender.opening_record)).hexdigest()
        if tender.opening_record
        else None,
        "bids": [
            {
                "bid_id": b,
                "bidder": bidder(b),
                "code": evaluation.codes.get(b),
                "stated_price": (evaluation.corrections.get(b) or {}).get("stated_price"),
                "corrections": (evaluation.corrections.get(b) or {}).get("corrections", []),
                "valid": b not in rejected,
            }
            for b in evaluation.bid_ids
        ],
        "rejections": [
            {
                "bid_id": b,
                "bidder": bidder(b),
                "ground": m.ground,
                "ground_zh": REJECTION_GROUNDS[m.ground or "not_responsive"][0],
                "article": "《招标投标法实施条例》" + REJECTION_GROUNDS[m.ground or "not_responsive"][2],
                "reason": m.reason,
                "by": m.proposed_by,
                "votes": [{"member_id": v.member_id, "agree": v.agree, "reason": v.reason} for v in m.votes],
            }
            for b, m in rejected.items()
        ],
        "method": {"scheme": evaluation.scheme, "k": evaluation.k_value, "k_draw": evaluation.k_draw},
        "results": results,
        "candidates": [{**c, "bidder": bidder(c["bid_id"])} for c in candidates],
        "explanations": [
            {
                "bid_id": e.bid_id,
                "bidder": bidder(e.bid_id),
                "question": e.question,
                "triggers": e.triggers,
                "requested_at": e.requested_at.isoformat(),
                "status": str(e.status),
                "answer": e.answer,
                "evidence_sha256": e.evidence_sha256,
            }
            for e in evaluation.explanations
        ],
        "anonymity_findings": evaluation.anonymity_findings,
        "member_deviations": deviations,
        "corrections_requested": evaluation.corrections_requested,
        "to_settle_before_contract": [],
    }


def conclude(uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str) -> Report:
    """The committee's conclusion: every score given, every question decided, every abnormal
    price explained and decided. The platform computes the results and the candidates and
    writes the report, which every sitting member then signs."""
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        member(ctx, loaded)
        evaluation = loaded.evaluation
        evaluation.next_state(EvaluationAction.CONCLUDE)
        problems = _unresolved(loaded)
        if problems:
            raise Conflict(
                "evaluation_unresolved",
                "尚有未完成的评审事项，不能结束评标",
                "The evaluation has unsettled points",
                problems=problems,
            )
        results, candidates, tie = _results(loaded, ctx)
        if tie:
            evaluation.results = {**(evaluation.results or {}), "tie_at_cutoff": tie}
            uow.commit()
            raise Conflict(
                "tie_at_cutoff",
                "候选人名次存在并列，须由评标委员会表决确定先后顺序（不得抽签）",
                "Bids are tied across the last candidate place: the committee votes on their order (never by lot)",
                tied=tie,
            )
        now = ctx.clock.now()
        deviations = _deviations(loaded, ctx)
        if deviations and loaded.committee is not None:
            platform = Context(actor=SYSTEM_ACTOR, clock=ctx.clock, rules=ctx.rules, address=ctx.address)
            seats = {m.id: m for m in loaded.committee.members}
            for member_id in dict.fromkeys(d["member_id"] for d in deviations):
                if seats[member_id].expert_id is not None:
                    details = {
                        "evaluation_id": evaluation.id,
                        "deviations": [d for d in deviations if d["member_id"] == member_id],
                    }
                    experts.record_deviation(uow, platform, seats[member_id], details)
        version = max((r.version for r in evaluation.reports), default=0) + 1
        body = _report_body(uow, loaded, results, candidates, deviations, now, version)
        report = Report(
            new_id("rpt", now), evaluation.id, version, body, hashlib.sha256(canonicalize(body)).hexdigest(), now
        )
        evaluation.reports.append(report)
        evaluation.results = results
        evaluation.candidates = candidates
        evaluation.concluded_at = now
        evaluation.apply(EvaluationAction.CONCLUDE)
        _emit(
            uow,
            ctx,
            "EvaluationConcluded",
            evaluation,
            public=False,
            report_id=report.id,
            version=version,
            digest=report.digest,
            candidates=[c["bid_id"] for c in candidates],
            deviations=len(deviations),
        )
        uow.commit()
    return report


# ---------------------------------------------------------------------------- signatures
def signing_statement(evaluation_id: str, report_digest: str, member_id: str, dissent: str | None) -> dict[str, Any]:
    """What a member signs: the report's digest, its seat, and its dissent if any."""
    return {"evaluation_id": evaluation_id, "report_digest": report_digest, "member_id": member_id, "dissent": dissent}


def sign_report(
    uow: EvaluationUnitOfWork,
    ctx: Context,
    evaluation_id: str,
    *,
    signature: dict[str, Any] | None,
    dissent: str | None,
    check: SignatureCheck,
    refuse_to_sign: bool = False,
) -> Report:
    """A member signs the report with its own certificate (the name in it must be the member's),
    writing its dissent if it disagrees; or refuses to sign, which without a written reason
    counts as agreement (条例 第五十三条). The report is complete when every sitting member has
    done one or the other."""
    dissent = (dissent or "").strip() or None
    with uow:
        loaded = load(uow, evaluation_id, for_update=True)
        seat = member(ctx, loaded)
        evaluation = loaded.evaluation
        evaluation.next_state(EvaluationAction.SIGN)
        report = evaluation.current_report()
        assert report is not None
        if any(s.member_id == seat.id for s in report.signatures):
            raise refuse(
                "already_signed", "您已签署本版本评标报告", "You have already signed this version of the report"
            )
        now = ctx.clock.now()
        subject = None
        if not refuse_to_sign:
            if signature is None:
                raise DomainError(
                    "signature_required", "须以本人数字证书签署评标报告", "Sign the report with your own certificate"
                )
            statement = signing_statement(evaluation.id, report.digest, seat.id, dissent)
            signer = check.verify(statement, signature, now)
            if signer.common_name != seat.name:
                raise Forbidden(
                    "signer_not_member",
                    f"签名证书（{signer.common_name}）不是评委 {seat.name} 本人的",
                    f"The certificate ({signer.common_name}) is not member {seat.name}'s own",
                    member=seat.name,
                )
            subject = signer.subject
        report.signatures.append(
            ReportSignature(
                new_id("rsg", now),
                report.id,
                seat.id,
                now,
                dissent,
                signature if not refuse_to_sign else None,
                subject,
                refuse_to_sign,
            )
        )
        _emit(
            uow,
            ctx,
            "ReportSigned",
            evaluation,
            public=False,
            report_id=report.id,
            digest=report.digest,
            member_id=seat.id,
            dissent=dissent is not None,
            refused=refuse_to_sign,
        )
        signed = {s.member_id for s in report.signatures}
        if set(_active_ids(loaded)) <= signed:
            evaluation.apply(EvaluationAction.COMPLETE_REPORT)
            report.completed_at = evaluation.reported_at = now
            _emit(
                uow,
                ctx,
                "EvaluationReported",
                evaluation,
                public=True,
                report_id=report.id,
                version=report.version,
                digest=report.digest,
                dissents=sum(1 for s in report.signatures if s.dissent),
            )
        uow.commit()
    return report


# ---------------------------------------------------------------------------- reading
def _bid_row(evaluation: Evaluation, bid: Bid, names: dict[str, Any], *, masked: bool) -> dict[str, Any]:
    rejected = evaluation.rejected()
    if masked:
        return {
            "code": evaluation.codes.get(bid.id),
            "valid": bid.id not in rejected,
            "files": [
                {
                    "index": i,
                    "name": anonymity.anonymous_name(evaluation.codes.get(bid.id, "X"), i, str(f.get("name", ""))),
                    "size": f.get("size"),
                }
                for i, f in enumerate(bid.files or [])
                if f.get("part") in EvaluationScheme.from_json(evaluation.scheme).anonymity.technical_parts
            ],
        }
    return {
        "bid_id": bid.id,
        "code": evaluation.codes.get(bid.id),
        "bidder": names.get(bid.bidder_org_id),
        "consortium": bid.consortium,
        "form": bid.form,
        "files": [
            {"index": i, **{k: f.get(k) for k in ("name", "part", "size", "sha256")}}
            for i, f in enumerate(bid.files or [])
        ],
        "correction": evaluation.corrections.get(bid.id),
        "facts": evaluation.facts.get(bid.id),
        "valid": bid.id not in rejected,
        "rejection": None
        if bid.id not in rejected
        else {"ground": rejected[bid.id].ground, "reason": rejected[bid.id].reason},
    }


def _own_bids(uow: EvaluationUnitOfWork, ctx: Context, loaded: Loaded) -> list[dict[str, Any]]:
    """A bidder's own bids in the section: once the report is complete, whether each is valid and,
    if rejected, on what ground and why (1117号 (五): the reasons are told to the bidder)."""
    org = ctx.actor.org_id
    if org is None or ctx.actor.role is None or str(ctx.actor.role) != "bidder":
        return []
    evaluation = loaded.evaluation
    mine = [b for b in bids_of(uow, loaded).values() if org in b.member_org_ids and b.id in evaluation.bid_ids]
    if not mine:
        return []
    reported = evaluation.reported_at is not None or evaluation.status not in (*_SITTING, EvaluationStatus.SIGNING)
    rejected = evaluation.rejected()
    out: list[dict[str, Any]] = []
    for bid in mine:
        row: dict[str, Any] = {"bid_id": bid.id, "status": "under_evaluation" if not reported else "evaluated"}
        if reported:
            motion = rejected.get(bid.id)
            row["valid"] = motion is None
            if motion is not None:
                zh, en, article = REJECTION_GROUNDS[motion.ground or "not_responsive"]
                row["rejection"] = {"ground": motion.ground, "ground_zh": zh, "ground_en": en,
                                    "article": "《招标投标法实施条例》" + article, "reason": motion.reason}  # fmt: skip
        out.append(row)
    return out


def view(uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str) -> dict[str, Any]:
    """The evaluation as the caller may see it: members and oversight see the working details
    (the technical part by code until it is locked); the tender's managers follow its progress
    and read the report once it is theirs; the public reads what has been published."""
    with uow:
        loaded = load(uow, evaluation_id)
        evaluation = loaded.evaluation
        base: dict[str, Any] = {
            "id": evaluation.id,
            "tender_id": evaluation.tender_id,
            "section_id": evaluation.section_id,
            "status": str(evaluation.status),
            "started_at": evaluation.started_at,
            "publicity": evaluation.publicity,
            "publicity_end": evaluation.publicity_end,
            "result": evaluation.result_notice,
            "contract": None
            if evaluation.contract is None
            else {
                k: evaluation.contract.get(k)
                for k in ("price", "duration_days", "quality", "subject", "signed_on", "late")
            },
            "performance": [
                {"kind": str(p.kind), "description": p.description, "occurred_on": p.occurred_on, "amount": p.amount}
                for p in evaluation.performance
            ],
        }
        inside = sees_everything(ctx, loaded)
        follows = allowed(ctx.actor, Action.EVALUATION_FOLLOW, (loaded.tender, evaluation))
        if not inside and not follows:
            own = _own_bids(uow, ctx, loaded)
            if own:
                base["my_bids"] = own
            elif not allowed(ctx.actor, Action.PUBLICITY_READ, evaluation) and evaluation.status not in (
                EvaluationStatus.COMPLETED,
                EvaluationStatus.CONTRACTED,
                EvaluationStatus.AWARDED,
                EvaluationStatus.DECIDED,
            ):
                raise evaluation_not_found(evaluation_id)
            return base
        reported = evaluation.reported_at is not None or evaluation.status not in (*_SITTING, EvaluationStatus.SIGNING)
        base["progress"] = {
            "technical_locked_at": evaluation.technical_locked_at,
            "concluded_at": evaluation.concluded_at,
            "reported_at": evaluation.reported_at,
            "scores": len(evaluation.scores),
            "corrections_requested": evaluation.corrections_requested,
        }
        if inside or reported:
            bids = bids_of(uow, loaded)
            names = org_names(uow, [b.bidder_org_id for b in bids.values()])
            masked = (
                evaluation.status is EvaluationStatus.TECHNICAL
                and bool(evaluation.codes)
                and not allowed(ctx.actor, Action.EVALUATION_OVERSEE)
            )
            base["bids"] = [_bid_row(evaluation, bids[b], names, masked=masked) for b in evaluation.bid_ids]
            base["results"] = evaluation.results if not masked else None
            base["candidates"] = evaluation.candidates
            base["motions"] = [
                {
                    "id": m.id,
                    "kind": str(m.kind),
                    "bid": evaluation.code_of(m.bid_id) if masked and m.bid_id else m.bid_id,
                    "ground": m.ground,
                    "reason": m.reason,
                    "status": str(m.status),
                    "proposed_by": m.proposed_by,
                    "votes": [{"member_id": v.member_id, "agree": v.agree, "reason": v.reason} for v in m.votes],
                }
                for m in evaluation.motions
            ]
            base["anonymity_findings"] = evaluation.anonymity_findings
            report = evaluation.current_report()
            base["report"] = (
                None
                if report is None
                else {
                    "id": report.id,
                    "version": report.version,
                    "digest": report.digest,
                    "body": report.body,
                    "completed_at": report.completed_at,
                    "signatures": [
                        {
                            "member_id": s.member_id,
                            "signed_at": s.signed_at,
                            "dissent": s.dissent,
                            "refused": s.refused,
                            "signer_subject": s.signer_subject,
                        }
                        for s in report.signatures
                    ],
                }
            )
            base["decision"] = evaluation.decision
            base["objections"] = [
                {
                    "id": o.id,
                    "objector_org_id": o.objector_org_id,
                    "text": o.text,
                    "raised_at": o.raised_at,
                    "answer_due": o.answer_due,
                    "status": str(o.status),
                    "answer": o.answer,
                }
                for o in evaluation.objections
            ]
        if inside and loaded.committee is not None:
            seat = loaded.committee.member_of(ctx.actor.user_id) if ctx.actor.user_id else None
            base["me"] = None if seat is None else {"member_id": seat.id, "name": seat.name}
            if seat is not None:
                base["my_scores"] = [
                    {
                        "bid": evaluation.code_of(s.bid_id) if masked else s.bid_id,
                        "factor_id": s.factor_id,
                        "points": s.points,
                        "comment": s.comment,
                        "revision": s.revision,
                    }
                    for s in evaluation.scores
                    if s.member_id == seat.id
                ]
        return base


def bid_file(
    uow: EvaluationUnitOfWork, ctx: Context, evaluation_id: str, bid: str, index: int
) -> tuple[str, IO[bytes]]:
    """One file of a bid, decrypted for the committee: while the technical part is anonymous,
    only technical files and only by code, under an anonymous name."""
    with uow:
        loaded = load(uow, evaluation_id)
        evaluation = loaded.evaluation
        oversight = allowed(ctx.actor, Action.EVALUATION_OVERSEE)
        if not oversight:
            member(ctx, loaded)
            if evaluation.status not in (*_SITTING, EvaluationStatus.SIGNING):
                raise refuse("evaluation_not_sitting", "评标已结束", "The evaluation is over")
        masked = evaluation.status is EvaluationStatus.TECHNICAL and bool(evaluation.codes) and not oversight
        bid_id = (
            _bid_ref(evaluation, bid) if masked else (bid if bid in evaluation.bid_ids else _bid_ref(evaluation, bid))
        )
        the_bid = bids_of(uow, loaded)[bid_id]
        files = the_bid.files or []
        if not 0 <= index < len(files):
            raise NotFound("file_not_found", "没有该文件", "No such file")
        entry = files[index]
        scheme = loaded.scheme
        if masked and entry.get("part") not in scheme.anonymity.technical_parts:
            raise Forbidden(
                "part_masked", "技术部分锁定前只能查看技术部分", "Only the technical part is open before it is locked"
            )
        name = (
            anonymity.anonymous_name(evaluation.codes[bid_id], index, str(entry.get("name", "")))
            if masked
            else str(entry.get("name", ""))
        )
        handle = read_files(uow.blobs, the_bid, {index})[index]
        uow.emit(
            event_from(
                ctx,
                "BidFileRead",
                "evaluation",
                evaluation.id,
                public=False,
                bid_id=bid_id,
                index=index,
                sha256=entry.get("sha256"),
            )
        )
        uow.commit()
    return name, handle


def iter_chunks(handle: IO[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(size):
            yield chunk


__all__ = [
    "answer_explanation",
    "bid_file",
    "conclude",
    "explanations_for",
    "lock_technical",
    "propose",
    "request_explanation",
    "score",
    "sign_report",
    "signing_statement",
    "start",
    "view",
    "vote",
]

"""Risk- and credit-weighted random spot checks of tender documents (招标文件随机抽查, seed task 57).

:func:`commit_spot_check` fixes the population (announced tenders, filtered), each tender's weight
(:mod:`sunbid.supervision.spot_model`) and a secret seed, and writes their digests to the public
ledger. :func:`draw_spot_check` reveals the seed, with the supervisor's contribution, draws the
sample and opens a review task per sampled tender; :func:`record_review` records each outcome.
:func:`spot_check_record` gives everything needed to re-run the draw; :func:`check_record` re-runs
it and compares the commitment with the ledger entry it quotes.

The record holds every candidate's weight, which reflects warnings (investigations the tender's
managers and bidders must not learn of), so it is for oversight; the ledger holds the commitment
and, after the draw, the seed and the sample, for everyone.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sunbid.experts.drawing import SEED_BYTES, digest, sha256_hex
from sunbid.identity.policy import Action, authorize
from sunbid.kernel.context import Context
from sunbid.kernel.errors import Conflict, DomainError, NotFound
from sunbid.kernel.events import event_from
from sunbid.kernel.ids import new_id
from sunbid.kernel.query import Page, page_of
from sunbid.supervision.ports import OversightUnitOfWork, RiskScanner
from sunbid.supervision.spot_model import (
    ALGORITHM,
    RECORD_FORMAT,
    REQUEST_FORMAT,
    ReviewOutcome,
    SpotCheck,
    SpotCheckReview,
    SpotCheckStatus,
    Verification,
    WeightFactors,
    candidates_document,
    draw,
    key_of,
    verify,
    weight,
    weight_rules,
)
from sunbid.supervision.warning_model import WARNED, required, text_digest

CONTRIBUTION_BYTES = range(16, 65)


def _not_found(spot_check_id: str) -> NotFound:
    return NotFound("spot_check_not_found", f"未找到随机抽查：{spot_check_id}", f"No spot check {spot_check_id}")


def _aware(value: datetime | None, name: str) -> None:
    if value is not None and value.tzinfo is None:
        raise DomainError("time_zone_required", f"{name} 须带时区", f"{name} needs a time zone")


def commit_spot_check(
    uow: OversightUnitOfWork,
    ctx: Context,
    scanner: RiskScanner,
    *,
    size: int,
    category: str | None = None,
    announced_from: datetime | None = None,
    announced_to: datetime | None = None,
    note: str = "",
) -> SpotCheck:
    """Fix the candidates, their weights and a secret seed, and commit their digests to the ledger."""
    authorize(ctx.actor, Action.SPOT_CHECK_MANAGE)
    if size < 1:
        raise DomainError("spot_check_size_invalid", "抽查数量至少为1", "A spot check draws at least one tender")
    _aware(announced_from, "announced_from")
    _aware(announced_to, "announced_to")
    if announced_from is not None and announced_to is not None and announced_from > announced_to:
        raise DomainError("period_invalid", "起始时间不能晚于截止时间", "The period starts before it ends")
    with uow:
        population = uow.spot_checks.population(
            category=category, announced_from=announced_from, announced_to=announced_to
        )
    if not population:
        raise Conflict(
            "spot_check_population_empty",
            "没有符合条件的已发布招标项目",
            "No announced tender matches: there is nothing to draw from",
        )
    ids = [p.tender_id for p in population]
    reviewed = scanner.review(ids)  # the fair-competition review of their documents, read-only
    now = ctx.clock.now()
    with uow:
        standing = uow.warnings.standing_counts(ids)
        grades: dict[str, str | None] = {}
        for org_id in {o for p in population for o in (p.tenderer_org_id, p.agency_org_id) if o}:
            org = uow.graded_organisations.get(org_id)
            grades[org_id] = org.credit_grade if org is not None else None
        factors: dict[str, WeightFactors] = {}
        for p in population:
            hits = sum(1 for f in reviewed.get(p.tender_id, ()) if str(f.severity) in WARNED)
            factors[p.tender_id] = WeightFactors(
                review_hits=hits,
                warnings=standing.get(p.tender_id, 0),
                tenderer_grade=grades.get(p.tenderer_org_id),
                agency_grade=grades.get(p.agency_org_id) if p.agency_org_id else None,
            )
        weights = {tender_id: weight(ctx.rules, f) for tender_id, f in factors.items()}
        drawable = sum(1 for w in weights.values() if w > 0)
        if size > drawable:
            raise Conflict(
                "spot_check_sample_too_large",
                f"抽查数量（{size}）超过可抽取的项目数（{drawable}）",
                f"The sample ({size}) is larger than the tenders that can be drawn ({drawable})",
                population=drawable,
            )
        request = {
            "format": REQUEST_FORMAT,
            "size": size,
            "category": category,
            "announced_from": announced_from.isoformat() if announced_from else None,
            "announced_to": announced_to.isoformat() if announced_to else None,
            "weights": weight_rules(ctx.rules),
            "requested_at": now.isoformat(),
            "requested_by": ctx.actor.user_id,
        }
        candidates = candidates_document(weights)
        seed = secrets.token_bytes(SEED_BYTES)
        spot = SpotCheck(
            id=new_id("spc", now),
            requested_by=ctx.actor.user_id or "",
            requested_at=now,
            size=size,
            request=request,
            candidates=candidates,
            factors={tender_id: f.as_json() for tender_id, f in sorted(factors.items())},
            seed=seed.hex(),
            seed_sha256=sha256_hex(seed),
            request_sha256=digest(request),
            candidates_sha256=digest(candidates),
            note=note.strip(),
        )
        uow.spot_checks.add(spot)
        uow.emit(
            event_from(
                ctx,
                "SpotCheckCommitted",
                "spot_check",
                spot.id,
                public=True,
                algorithm=ALGORITHM,
                size=size,
                population=len(population),
                seed_sha256=spot.seed_sha256,
                request_sha256=spot.request_sha256,
                candidates_sha256=spot.candidates_sha256,
            )
        )
        uow.commit()
    return spot


def draw_spot_check(
    uow: OversightUnitOfWork, ctx: Context, spot_check_id: str, contribution: bytes | None = None
) -> SpotCheck:
    """Reveal the seed, draw the sample with the supervisor's contribution, open the review tasks."""
    authorize(ctx.actor, Action.SPOT_CHECK_MANAGE)
    if contribution is not None and len(contribution) not in CONTRIBUTION_BYTES:
        raise DomainError(
            "contribution_size_invalid",
            f"随机数贡献须为 {CONTRIBUTION_BYTES.start} 至 {CONTRIBUTION_BYTES.stop - 1} 字节",
            f"A contribution has {CONTRIBUTION_BYTES.start} to {CONTRIBUTION_BYTES.stop - 1} bytes",
        )
    with uow:
        spot = uow.spot_checks.get(spot_check_id, for_update=True)
        if spot is None:
            raise _not_found(spot_check_id)
        if spot.status is not SpotCheckStatus.COMMITTED:
            raise Conflict("spot_check_drawn", "该随机抽查已抽取", "This spot check has been drawn")
        pairs = [(str(c["id"]), int(c["weight"])) for c in spot.candidates["tenders"]]
        extra = contribution or b""
        sample = draw(pairs, spot.size, key_of(bytes.fromhex(spot.seed), extra))
        now = ctx.clock.now()
        weights = dict(pairs)
        spot.contribution = extra.hex() if contribution else None
        spot.sample, spot.drawn_at, spot.drawn_by = sample, now, ctx.actor.user_id
        spot.status = SpotCheckStatus.DRAWN
        spot.reviews.extend(
            SpotCheckReview(
                id=new_id("spr", now),
                spot_check_id=spot.id,
                tender_id=tender_id,
                position=n,
                weight=weights[tender_id],
            )
            for n, tender_id in enumerate(sample, start=1)
        )
        uow.emit(
            event_from(
                ctx,
                "SpotCheckDrawn",
                "spot_check",
                spot.id,
                public=True,
                algorithm=ALGORITHM,
                seed=spot.seed,
                contribution=spot.contribution,
                contribution_sha256=sha256_hex(extra) if contribution else None,
                sample=sample,
                result_sha256=digest({"seed": spot.seed, "contribution": spot.contribution, "sample": sample}),
            )
        )
        uow.commit()
    return spot


def record_review(
    uow: OversightUnitOfWork, ctx: Context, spot_check_id: str, tender_id: str, outcome: ReviewOutcome, findings: str
) -> SpotCheckReview:
    """The outcome of one sampled tender's review (核查结果); the spot check completes with the last."""
    authorize(ctx.actor, Action.SPOT_CHECK_MANAGE)
    text = required(findings, "review_findings_required", "须记录核查情况", "A review records what it found")
    with uow:
        spot = uow.spot_checks.get(spot_check_id, for_update=True)
        if spot is None:
            raise _not_found(spot_check_id)
        if spot.status is SpotCheckStatus.COMMITTED:
            raise Conflict("spot_check_not_drawn", "随机抽查尚未抽取", "The spot check has not been drawn yet")
        review = spot.review_of(tender_id)
        if review is None:
            raise NotFound(
                "review_not_found", "该项目不在本次抽查的样本中", "This tender is not in the spot check's sample"
            )
        if review.done:
            raise Conflict("review_recorded", "该项目的核查结果已记录", "This tender's review outcome is recorded")
        now = ctx.clock.now()
        review.outcome, review.findings, review.reviewed_by, review.reviewed_at = outcome, text, ctx.actor.user_id, now
        if all(r.done for r in spot.reviews):
            spot.status, spot.completed_at = SpotCheckStatus.COMPLETED, now
        uow.emit(
            event_from(
                ctx,
                "SpotCheckReviewed",
                "spot_check",
                spot.id,
                public=True,
                tender_id=tender_id,
                outcome=str(outcome),
                findings_sha256=text_digest(text),
                completed=spot.status is SpotCheckStatus.COMPLETED,
            )
        )
        uow.commit()
    return review


def get_spot_check(uow: OversightUnitOfWork, ctx: Context, spot_check_id: str) -> SpotCheck:
    authorize(ctx.actor, Action.SPOT_CHECK_READ)
    with uow:
        spot = uow.spot_checks.get(spot_check_id)
        if spot is None:
            raise _not_found(spot_check_id)
        return spot


def list_spot_checks(uow: OversightUnitOfWork, ctx: Context, after: str | None, limit: int) -> Page[SpotCheck]:
    authorize(ctx.actor, Action.SPOT_CHECK_READ)
    with uow:
        rows = uow.spot_checks.page(after=after, limit=limit)
    return page_of(rows, limit, lambda s: s.id)


def spot_check_record(uow: OversightUnitOfWork, ctx: Context, spot_check_id: str) -> dict[str, Any]:
    """Everything needed to re-run a drawn spot check (``sunbid-spotcheck-record/1``), with the
    ledger entry that committed it."""
    authorize(ctx.actor, Action.SPOT_CHECK_READ)
    with uow:
        spot = uow.spot_checks.get(spot_check_id)
        if spot is None:
            raise _not_found(spot_check_id)
        if spot.status is SpotCheckStatus.COMMITTED:
            raise Conflict("spot_check_not_drawn", "抽取前不公开种子", "The seed is revealed when the sample is drawn")
        seq = uow.ledger_positions([spot.id]).get(spot.id)
        return {
            "format": RECORD_FORMAT,
            "algorithm": ALGORITHM,
            "spot_check_id": spot.id,
            "request": spot.request,
            "candidates": spot.candidates,
            "seed": spot.seed,
            "contribution": spot.contribution,
            "contribution_sha256": sha256_hex(bytes.fromhex(spot.contribution)) if spot.contribution else None,
            "committed": {
                "seed_sha256": spot.seed_sha256,
                "request_sha256": spot.request_sha256,
                "candidates_sha256": spot.candidates_sha256,
            },
            "sample": list(spot.sample),
            "ledger": {"seq": seq, "entry": uow.ledger_entry(seq) if seq is not None else None},
        }


def check_record(record: Mapping[str, Any]) -> Verification:
    """Re-run a record, and check its commitment against the ledger entry it quotes."""
    result = verify(record)
    ledger = record.get("ledger") or {}
    entry = ledger.get("entry")
    if not entry:
        result.problems.append("the record quotes no ledger entry")
    else:
        body = json.loads(entry)
        data = body.get("data", {})
        committed = record.get("committed") or {}
        if body.get("name") != "SpotCheckCommitted" or body.get("subject_id") != record.get("spot_check_id"):
            result.problems.append("the quoted ledger entry is not the spot check's commitment")
        elif any(data.get(k) != committed.get(k) for k in ("seed_sha256", "request_sha256", "candidates_sha256")):
            result.problems.append("the committed digests differ from those in the ledger")
    result.ok = not result.problems
    return result

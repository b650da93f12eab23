"""Warnings (预警): raised from the risk engine's findings, worked through by supervisors (M18).

**Raising.** After a tender's opening is concluded and after each award is decided, the scheduler
scans the tender's market (:func:`scan_due`): a watermark row per (tender, step) records the scan
in the same transaction as the warnings it raised, so each step is scanned once, a second
scheduler waits on the tender's row and finds it done, and a crash before the commit leaves the
step due for the next pass. The flags of the tender (its own, and the market's findings about its
bidders, tenderer or agency) of medium or high severity become warnings, unless a warning with the
same fingerprint exists.

**Working.** Each step is a supervisor's and goes to the ledger as a non-public entry (warnings
are investigations: the tender's managers and the bidders see nothing of them). Free texts go to
the ledger as digests; the warning keeps them in its history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sunbid.identity.policy import Action, authorize
from sunbid.kernel.context import Context, Role
from sunbid.kernel.errors import Conflict, DomainError, Forbidden, NotFound, not_found
from sunbid.kernel.events import event_from
from sunbid.kernel.ids import new_id
from sunbid.kernel.query import Page, page_of
from sunbid.risk.indicators import SEVERITY_RANK, Flag
from sunbid.supervision.ports import OversightUnitOfWork, RiskScanner, ScanTrigger, TenderScan, WarningFilter
from sunbid.supervision.warning_model import (
    ASSIGNEE_ONLY,
    SCAN_ATTEMPTS,
    WARNED,
    Authority,
    CloseOutcome,
    EarlyWarning,
    FeedbackOutcome,
    HistoryEntry,
    Referral,
    ScanEvent,
    ScanMark,
    ScanStatus,
    WarningAction,
    WarningSeverity,
    evidence_digest,
    fingerprint,
    finite,
    required,
    text_digest,
)

#: Subject types whose ids are organisations.
_ORG_SUBJECTS = ("bidder", "bidders", "buyer", "organisation", "organisations")
#: Subject types about the tender itself: the tender's managers answer for them.
_TENDER_SUBJECTS = ("tender", "process", "section", "document")
#: Subject types about committee members (their ids in the evidence's ``expert_id`` or
#: ``expert_ids``); with a bidder, the bidder is in the evidence's ``bidders``.
_EXPERT_SUBJECTS = ("expert", "experts", "expert_bidder")
#: Scans per scheduler pass: a backlog (a new installation over old data) is worked off over passes.
SCANS_PER_PASS = 50


def _warning_not_found(warning_id: str) -> NotFound:
    return NotFound("warning_not_found", f"未找到预警：{warning_id}", f"No warning {warning_id}")


# ---------------------------------------------------------------------------- which flags, which warnings
def tender_flags(scan: TenderScan, tenderer_org_id: str, agency_org_id: str | None) -> list[Flag]:
    """The flags of a scan that concern its tender: found in it, or the market's findings (a ring, a
    habitual loser, a buyer) about one of its bidders or managers."""
    parties = set(scan.bid_orgs.values()) | {tenderer_org_id} | ({agency_org_id} if agency_org_id else set())
    out = []
    for flag in scan.flags:
        if flag.tender_id == scan.tender_id or (flag.tender_id is None and parties & _named_orgs(flag)):
            out.append(flag)
    return out


def _named_orgs(flag: Flag) -> set[str]:
    """The organisations a market-wide flag is about: its subjects, or the bidders its evidence
    names (an expert and a bidder, say)."""
    if flag.subject_type in _ORG_SUBJECTS:
        return set(flag.subject_ids)
    named = flag.evidence.get("bidders")
    return {str(o) for o in named} if isinstance(named, list) else set()


def _org_ids(flag: Flag, bid_orgs: Mapping[str, str], managers: Sequence[str]) -> list[str]:
    if flag.subject_type in _ORG_SUBJECTS or flag.subject_type in _EXPERT_SUBJECTS:
        return sorted(_named_orgs(flag))
    if flag.subject_type == "bids":
        return sorted({bid_orgs[b] for b in flag.subject_ids if b in bid_orgs} | _named_orgs(flag))
    if flag.subject_type in _TENDER_SUBJECTS:
        return sorted(set(managers))
    return []


def _warning_of(
    flag: Flag, scan_tender: str, bid_orgs: Mapping[str, str], managers: Sequence[str], source: str, now: datetime
) -> EarlyWarning:
    return EarlyWarning(
        id=new_id("wrn", now),
        fingerprint=fingerprint(flag.indicator, flag.tender_id, flag.section_id, flag.subject_ids),
        flag_id=flag.flag_id,
        indicator=flag.indicator,
        severity=WarningSeverity(str(flag.severity)),
        title_zh=flag.title_zh,
        title_en=flag.title_en,
        subject_type=flag.subject_type,
        subject_ids=sorted(flag.subject_ids),
        tender_id=flag.tender_id or scan_tender,
        section_id=flag.section_id,
        bid_ids=sorted(flag.subject_ids) if flag.subject_type == "bids" else [],
        org_ids=_org_ids(flag, bid_orgs, managers),
        evidence=finite(dict(flag.evidence)),
        basis=flag.basis,
        value=finite(flag.value),
        threshold=finite(flag.threshold),
        source=source,
        raised_at=now,
    )


def _history(
    warning: EarlyWarning,
    ctx: Context,
    action: str,
    before: str | None,
    note: str = "",
    **details: Any,
) -> None:
    now = ctx.clock.now()
    warning.history.append(
        HistoryEntry(
            id=new_id("wrh", now),
            warning_id=warning.id,
            number=len(warning.history) + 1,
            at=now,
            actor_id=ctx.actor.user_id,
            action=action,
            from_status=before,
            to_status=str(warning.status),
            note=note,
            details=details,
        )
    )


def _emit(uow: OversightUnitOfWork, ctx: Context, name: str, warning: EarlyWarning, **data: Any) -> None:
    uow.emit(
        event_from(
            ctx,
            name,
            "warning",
            warning.id,
            public=False,
            tender_id=warning.tender_id,
            status=str(warning.status),
            **data,
        )
    )


def raise_warnings(
    uow: OversightUnitOfWork,
    ctx: Context,
    flags: Iterable[Flag],
    *,
    scan_tender: str,
    bid_orgs: Mapping[str, str],
    managers: Sequence[str],
    source: str,
) -> list[EarlyWarning]:
    """New warnings for the medium and high flags whose fingerprint is not yet warned (inside a unit
    of work; the caller commits)."""
    now = ctx.clock.now()
    candidates = [
        _warning_of(f, scan_tender, bid_orgs, managers, source, now) for f in flags if str(f.severity) in WARNED
    ]
    unique = {w.fingerprint: w for w in candidates}
    known = {w.fingerprint for w in uow.warnings.by_fingerprints(sorted(unique))}
    raised = []
    for fp in sorted(unique):
        if fp in known:
            continue
        warning = unique[fp]
        _history(warning, ctx, "raise", None, source=source)
        uow.warnings.add(warning)
        _emit(
            uow,
            ctx,
            "WarningRaised",
            warning,
            fingerprint=warning.fingerprint,
            indicator=warning.indicator,
            severity=str(warning.severity),
            section_id=warning.section_id,
            subject_type=warning.subject_type,
            subject_ids=warning.subject_ids,
            org_ids=warning.org_ids,
            evidence_sha256=evidence_digest(warning.evidence),
            basis=warning.basis,
            source=source,
        )
        raised.append(warning)
    return raised


# ---------------------------------------------------------------------------- the scheduler's scans
def scan_due(
    uow: OversightUnitOfWork, ctx: Context, scanner: RiskScanner, *, limit: int = SCANS_PER_PASS
) -> list[tuple[str, str]]:
    """Scan the market of every tender whose opening was concluded or whose award was decided and
    that was not yet scanned for that step, and raise warnings; idempotent."""
    with uow:
        due = uow.scan_marks.due(limit=limit, max_attempts=SCAN_ATTEMPTS)
    done: list[tuple[str, str]] = []
    for trigger in due:
        scan: TenderScan | None = None
        failure: DomainError | None = None
        try:
            scan = scanner.scan_tender(trigger.tender_id)
        except DomainError as exc:  # the engine could not compute it: recorded, tried again later
            failure = exc
        if _record_scan(uow, ctx, trigger, scan, failure):
            done.append(("risk_scan" if failure is None else "risk_scan_failed", _label(trigger)))
    return done


def _label(trigger: ScanTrigger) -> str:
    if trigger.event == ScanEvent.OPENING:
        return f"{trigger.tender_id}:opening"
    return f"{trigger.tender_id}:award:{trigger.ref}"


def _record_scan(
    uow: OversightUnitOfWork,
    ctx: Context,
    trigger: ScanTrigger,
    scan: TenderScan | None,
    failure: DomainError | None,
) -> bool:
    """Write the scan's warnings and its watermark in one transaction; False if another pass did."""
    event = ScanEvent(trigger.event)
    with uow:
        tender = uow.tenders.get(trigger.tender_id, for_update=True)  # serialises concurrent passes
        assert tender is not None
        mark = uow.scan_marks.get(trigger.tender_id, str(event), trigger.ref)
        if mark is not None and (mark.status is ScanStatus.DONE or mark.attempts >= SCAN_ATTEMPTS):
            return False
        now = ctx.clock.now()
        if mark is None:
            mark = ScanMark(trigger.tender_id, event, trigger.ref, trigger.happened_at, ScanStatus.FAILED, 0, now)
            uow.scan_marks.add(mark)
        mark.attempts += 1
        mark.scanned_at = now
        if failure is not None or scan is None:
            mark.status = ScanStatus.FAILED
            mark.error = failure.code if failure is not None else "risk_scan_failed"
            uow.emit(
                event_from(
                    ctx,
                    "TenderRiskScanFailed",
                    "tender",
                    tender.id,
                    public=False,
                    event=str(event),
                    ref=trigger.ref,
                    attempt=mark.attempts,
                    error=mark.error,
                    will_retry=mark.attempts < SCAN_ATTEMPTS,
                )
            )
            uow.commit()
            return True
        managers = [tender.tenderer_org_id, *([tender.agency_org_id] if tender.agency_org_id else [])]
        flags = tender_flags(scan, tender.tenderer_org_id, tender.agency_org_id)
        raised = raise_warnings(
            uow, ctx, flags, scan_tender=tender.id, bid_orgs=scan.bid_orgs, managers=managers, source=str(event)
        )
        mark.status, mark.error = ScanStatus.DONE, None
        mark.flags, mark.warnings = len(flags), len(raised)
        by_severity: dict[str, int] = {}
        for flag in flags:
            by_severity[str(flag.severity)] = by_severity.get(str(flag.severity), 0) + 1
        uow.emit(
            event_from(
                ctx,
                "TenderRiskScanned",
                "tender",
                tender.id,
                public=False,
                event=str(event),
                ref=trigger.ref,
                flags_by_severity=dict(sorted(by_severity.items())),
                warnings=[w.id for w in raised],
                market={k: v for k, v in scan.market.items() if isinstance(v, int | str) and not isinstance(v, bool)},
            )
        )
        uow.commit()
        return True


# ---------------------------------------------------------------------------- reading
def indicators_of_tender(
    uow: OversightUnitOfWork, ctx: Context, scanner: RiskScanner, tender_id: str
) -> tuple[list[Flag], dict[str, str], list[ScanMark]]:
    """Every flag of one tender, every severity, computed now; with the warning each flag's
    fingerprint already has, and the automatic scans made of it. Oversight only."""
    authorize(ctx.actor, Action.RISK_READ)
    with uow:
        tender = uow.tenders.get(tender_id)
        if tender is None:
            raise not_found("tender", tender_id)
        tenderer, agency = tender.tenderer_org_id, tender.agency_org_id
    scan = scanner.scan_tender(tender_id)
    flags = tender_flags(scan, tenderer, agency)
    with uow:
        prints = {fingerprint(f.indicator, f.tender_id, f.section_id, f.subject_ids): f.flag_id for f in flags}
        warned = {prints[w.fingerprint]: w.id for w in uow.warnings.by_fingerprints(sorted(prints))}
        marks = uow.scan_marks.for_tender(tender_id)
    flags.sort(key=lambda f: (SEVERITY_RANK.get(str(f.severity), len(SEVERITY_RANK)), f.indicator, f.flag_id))
    return flags, warned, marks


def list_warnings(
    uow: OversightUnitOfWork, ctx: Context, where: WarningFilter, after: str | None, limit: int
) -> Page[EarlyWarning]:
    authorize(ctx.actor, Action.WARNING_READ)
    with uow:
        rows = uow.warnings.page(after=after, limit=limit, where=where)
    return page_of(rows, limit, lambda w: w.id)


def get_warning(uow: OversightUnitOfWork, ctx: Context, warning_id: str) -> EarlyWarning:
    authorize(ctx.actor, Action.WARNING_READ)
    with uow:
        warning = uow.warnings.get(warning_id)
        if warning is None:
            raise _warning_not_found(warning_id)
        return warning


# ---------------------------------------------------------------------------- the workflow
def _acting(uow: OversightUnitOfWork, ctx: Context, warning_id: str, action: WarningAction) -> EarlyWarning:
    """The warning, locked, for a supervisor's step; the assignee's steps are the assignee's.

    Anyone else is refused before the warning is looked up, so a refusal says nothing about
    whether it exists."""
    authorize(ctx.actor, Action.WARNING_ACT)
    warning = uow.warnings.get(warning_id, for_update=True)
    if warning is None:
        raise _warning_not_found(warning_id)
    if action in ASSIGNEE_ONLY and warning.assignee_id is not None and warning.assignee_id != ctx.actor.user_id:
        raise Forbidden(
            "not_the_assignee",
            "只有该预警的承办人可以办理此步骤",
            "Only the supervisor the warning is assigned to may take this step",
            assignee_id=warning.assignee_id,
        )
    return warning


def assign(uow: OversightUnitOfWork, ctx: Context, warning_id: str, assignee_id: str, note: str = "") -> EarlyWarning:
    """Assign (or reassign) a warning to a supervisor (分派)."""
    with uow:
        warning = _acting(uow, ctx, warning_id, WarningAction.ASSIGN)
        user = uow.staff.get(assignee_id)
        if user is None or user.role is not Role.SUPERVISOR or not user.active:
            raise DomainError(
                "assignee_not_a_supervisor",
                "预警只能分派给在职的行政监督人员",
                "A warning is assigned to an active supervisor",
                assignee_id=assignee_id,
            )
        previous = warning.assignee_id
        before, _after = warning.apply(WarningAction.ASSIGN)
        warning.assignee_id, warning.assigned_at = assignee_id, ctx.clock.now()
        _history(warning, ctx, str(WarningAction.ASSIGN), str(before), note.strip(), assignee_id=assignee_id,
                 previous_assignee_id=previous)  # fmt: skip
        _emit(uow, ctx, "WarningAssigned", warning, assignee_id=assignee_id, previous_assignee_id=previous)
        uow.commit()
    return warning


def acknowledge(uow: OversightUnitOfWork, ctx: Context, warning_id: str, note: str = "") -> EarlyWarning:
    """The assignee takes the warning on (签收)."""
    with uow:
        warning = _acting(uow, ctx, warning_id, WarningAction.ACKNOWLEDGE)
        before, _after = warning.apply(WarningAction.ACKNOWLEDGE)
        warning.acknowledged_at = ctx.clock.now()
        _history(warning, ctx, str(WarningAction.ACKNOWLEDGE), str(before), note.strip())
        _emit(uow, ctx, "WarningAcknowledged", warning)
        uow.commit()
    return warning


def investigate(uow: OversightUnitOfWork, ctx: Context, warning_id: str, notes: str) -> EarlyWarning:
    """Start the investigation, or add to its notes (核查)."""
    text = required(
        notes, "investigation_notes_required", "核查须记录核查情况", "An investigation step records its notes"
    )
    with uow:
        warning = _acting(uow, ctx, warning_id, WarningAction.INVESTIGATE)
        before, _after = warning.apply(WarningAction.INVESTIGATE)
        _history(warning, ctx, str(WarningAction.INVESTIGATE), str(before), text)
        _emit(uow, ctx, "WarningInvestigated", warning, notes_sha256=text_digest(text))
        uow.commit()
    return warning


def dismiss(uow: OversightUnitOfWork, ctx: Context, warning_id: str, reason: str) -> EarlyWarning:
    """Dismiss a warning the investigation found to be no finding (排除), with the reason."""
    text = required(reason, "dismissal_reason_required", "排除预警须说明理由", "A dismissal states its reason")
    with uow:
        warning = _acting(uow, ctx, warning_id, WarningAction.DISMISS)
        before, _after = warning.apply(WarningAction.DISMISS)
        warning.dismissed_reason, warning.ended_at = text, ctx.clock.now()
        _history(warning, ctx, str(WarningAction.DISMISS), str(before), text)
        _emit(uow, ctx, "WarningDismissed", warning, reason_sha256=text_digest(text))
        uow.commit()
    return warning


def refer(
    uow: OversightUnitOfWork,
    ctx: Context,
    warning_id: str,
    *,
    authority: Authority | None,
    authority_name: str,
    number: str,
    note: str = "",
) -> Referral:
    """Refer the warning to another authority (移送), with the referral's number (移送文号)."""
    if authority is None:
        raise DomainError(
            "referral_authority_required", "移送须写明接收机关", "A referral names the authority it goes to"
        )
    name = required(
        authority_name, "referral_authority_required", "移送须写明接收机关的名称", "A referral names the authority"
    )
    ref_number = required(
        number, "referral_number_required", "移送须有移送文号", "A referral has its number (移送文号)"
    )
    with uow:
        warning = _acting(uow, ctx, warning_id, WarningAction.REFER)
        before, _after = warning.apply(WarningAction.REFER)
        now = ctx.clock.now()
        referral = Referral(
            id=new_id("wrf", now),
            warning_id=warning.id,
            authority=authority,
            authority_name=name,
            number=ref_number,
            referred_at=now,
            referred_by=ctx.actor.user_id or "",
            note=note.strip(),
        )
        warning.referrals.append(referral)
        _history(warning, ctx, str(WarningAction.REFER), str(before), note.strip(), referral_id=referral.id,
                 authority=str(authority), authority_name=name, number=ref_number)  # fmt: skip
        _emit(uow, ctx, "WarningReferred", warning, referral_id=referral.id, authority=str(authority),
              authority_name=name, number=ref_number)  # fmt: skip
        uow.commit()
    return referral


def record_feedback(
    uow: OversightUnitOfWork,
    ctx: Context,
    warning_id: str,
    referral_id: str,
    *,
    received_at: datetime,
    outcome: FeedbackOutcome,
    text: str,
) -> Referral:
    """The feedback an authority sent on a referral (反馈): when it came and what it says."""
    if received_at.tzinfo is None:
        raise DomainError("time_zone_required", "时间须带时区", "The time needs a time zone")
    body = required(text, "feedback_text_required", "须记录反馈内容", "The feedback's content is recorded")
    with uow:
        warning = _acting(uow, ctx, warning_id, WarningAction.FEEDBACK)
        referral = next((r for r in warning.referrals if r.id == referral_id), None)
        if referral is None:
            raise NotFound("referral_not_found", f"未找到移送记录：{referral_id}", f"No referral {referral_id}")
        if not referral.awaiting_feedback:
            raise Conflict("feedback_recorded", "该移送的反馈已记录", "The feedback on this referral is recorded")
        if received_at < referral.referred_at or received_at > ctx.clock.now():
            raise DomainError(
                "feedback_time_invalid",
                "反馈时间须在移送之后、不晚于现在",
                "Feedback is received after the referral and not later than now",
            )
        before, _after = warning.apply(WarningAction.FEEDBACK)
        referral.feedback_received_at, referral.feedback_outcome = received_at, outcome
        referral.feedback_text, referral.feedback_recorded_by = body, ctx.actor.user_id
        _history(warning, ctx, str(WarningAction.FEEDBACK), str(before), body, referral_id=referral.id,
                 outcome=str(outcome), received_at=received_at.isoformat())  # fmt: skip
        _emit(uow, ctx, "WarningReferralFeedback", warning, referral_id=referral.id, outcome=str(outcome),
              received_at=received_at.isoformat(), text_sha256=text_digest(body))  # fmt: skip
        uow.commit()
    return referral


def close(
    uow: OversightUnitOfWork, ctx: Context, warning_id: str, *, outcome: CloseOutcome, reason: str
) -> EarlyWarning:
    """Close the warning with the investigation's outcome (办结). A confirmed warning counts in the
    credit of the organisations it names. Refused while a referral awaits its feedback."""
    text = required(
        reason, "closure_reason_required", "办结须说明核查结论和依据", "Closing states the finding and its basis"
    )
    with uow:
        warning = _acting(uow, ctx, warning_id, WarningAction.CLOSE)
        pending = warning.pending_referrals()
        if pending:
            raise Conflict(
                "referral_feedback_pending",
                "移送的机关尚未反馈，不能办结",
                "A referral still awaits the authority's feedback: record it before closing",
                referrals=[r.id for r in pending],
            )
        before, _after = warning.apply(WarningAction.CLOSE)
        warning.closed_outcome, warning.closed_reason, warning.ended_at = outcome, text, ctx.clock.now()
        _history(warning, ctx, str(WarningAction.CLOSE), str(before), text, outcome=str(outcome))
        _emit(uow, ctx, "WarningClosed", warning, outcome=str(outcome), org_ids=warning.org_ids,
              reason_sha256=text_digest(text))  # fmt: skip
        uow.commit()
    return warning

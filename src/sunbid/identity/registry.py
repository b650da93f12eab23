"""The registry of market entities (M22): qualification certificates (资质) and completed
contracts (业绩) of organisations, which objective evaluation scores read. Supervisors and
administrators record them from certificates; contracts completed on this platform add
themselves (``source = "platform"``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sunbid.identity.model import PerformanceRecord, Qualification
from sunbid.identity.policy import Action, authorize
from sunbid.identity.ports import IdentityUnitOfWork
from sunbid.kernel.context import Context
from sunbid.kernel.errors import DomainError, not_found
from sunbid.kernel.events import event_from
from sunbid.kernel.ids import new_id


class Qualifications(Protocol):
    def add(self, q: Qualification) -> None: ...
    def of_orgs(self, org_ids: list[str]) -> Sequence[Qualification]: ...


class Performances(Protocol):
    def add(self, p: PerformanceRecord) -> None: ...
    def of_orgs(self, org_ids: list[str]) -> Sequence[PerformanceRecord]: ...


class RegistryUnitOfWork(IdentityUnitOfWork, Protocol):
    @property
    def qualifications(self) -> Qualifications: ...
    @property
    def performances(self) -> Performances: ...


def _aware(value: datetime, what: str) -> None:
    if value.tzinfo is None:
        raise DomainError("time_zone_required", f"{what}须带时区", f"{what} needs a time zone")


def add_qualification(
    uow: RegistryUnitOfWork,
    ctx: Context,
    org_id: str,
    *,
    kind: str,
    grade: str,
    certificate_no: str,
    issuer: str,
    valid_until: datetime,
) -> Qualification:
    authorize(ctx.actor, Action.REGISTRY_MANAGE)
    _aware(valid_until, "有效期")
    with uow:
        if uow.organisations.get(org_id) is None:
            raise not_found("organisation", org_id)
        now = ctx.clock.now()
        q = Qualification(
            new_id("qlf", now), org_id, kind, grade, certificate_no, issuer, valid_until, now, ctx.actor.user_id
        )
        uow.qualifications.add(q)
        uow.emit(
            event_from(
                ctx,
                "QualificationRecorded",
                "organisation",
                org_id,
                public=True,
                kind=kind,
                grade=grade,
                certificate_no=certificate_no,
                valid_until=valid_until.isoformat(),
            )
        )
        uow.commit()
    return q


def add_performance(
    uow: RegistryUnitOfWork,
    ctx: Context,
    org_id: str,
    *,
    project_name: str,
    category: str,
    sector: str,
    amount: Decimal,
    completed_at: datetime,
) -> PerformanceRecord:
    authorize(ctx.actor, Action.REGISTRY_MANAGE)
    _aware(completed_at, "完成时间")
    if amount <= 0:
        raise DomainError("amount_not_positive", "合同金额须大于零", "The contract amount must be above 0")
    with uow:
        if uow.organisations.get(org_id) is None:
            raise not_found("organisation", org_id)
        now = ctx.clock.now()
        if completed_at > now:
            raise DomainError("performance_in_future", "不能登记尚未完成的业绩", "This contract is not completed yet")
        p = PerformanceRecord(
            new_id("opf", now),
            org_id,
            project_name,
            category,
            sector,
            amount,
            completed_at,
            "registry",
            now,
            ctx.actor.user_id,
        )
        uow.performances.add(p)
        uow.emit(
            event_from(
                ctx,
                "PerformanceRecordAdded",
                "organisation",
                org_id,
                public=True,
                project_name=project_name,
                amount=str(amount),
                completed_at=completed_at.isoformat(),
            )
        )
        uow.commit()
    return p


def qualifications(uow: RegistryUnitOfWork, ctx: Context, org_id: str) -> list[Qualification]:
    authorize(ctx.actor, Action.REGISTRY_READ)
    with uow:
        if uow.organisations.get(org_id) is None:
            raise not_found("organisation", org_id)
        return list(uow.qualifications.of_orgs([org_id]))


def performances(uow: RegistryUnitOfWork, ctx: Context, org_id: str) -> list[PerformanceRecord]:
    authorize(ctx.actor, Action.REGISTRY_READ)
    with uow:
        if uow.organisations.get(org_id) is None:
            raise not_found("organisation", org_id)
        return list(uow.performances.of_orgs([org_id]))

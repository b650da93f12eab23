"""The storage the tendering use cases need."""

from __future__ import annotations

from typing import Protocol

from sunbid.kernel.ports import BlobStore, Transaction
from sunbid.kernel.query import Scope
from sunbid.tendering.model import PlanStatus, Tender, TenderPlan, TenderStatus


class PlanRepository(Protocol):
    def add(self, plan: TenderPlan) -> None: ...
    def get(self, plan_id: str, *, for_update: bool = False) -> TenderPlan | None: ...
    def page(
        self, scope: Scope, *, after: str | None, limit: int, status: PlanStatus | None = None
    ) -> list[TenderPlan]: ...


class TenderRepository(Protocol):
    def add(self, tender: Tender) -> None: ...
    def get(self, tender_id: str, *, for_update: bool = False) -> Tender | None: ...
    def page(
        self, scope: Scope, *, after: str | None, limit: int, status: TenderStatus | None = None
    ) -> list[Tender]: ...
    def active_ids(self) -> list[str]: ...


class OrganisationLookup(Protocol):
    def get(self, org_id: str, *, for_update: bool = False) -> HasCreditCode | None: ...


class HasCreditCode(Protocol):
    @property
    def credit_code(self) -> str: ...


class TenderingUnitOfWork(Transaction, Protocol):
    @property
    def organisations(self) -> OrganisationLookup: ...
    @property
    def plans(self) -> PlanRepository: ...
    @property
    def tenders(self) -> TenderRepository: ...
    @property
    def blobs(self) -> BlobStore: ...

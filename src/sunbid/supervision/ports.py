"""The storage the complaint use cases need."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sunbid.evaluation.ports import EvaluationUnitOfWork
from sunbid.supervision.model import Complaint


class ComplaintRepository(Protocol):
    def add(self, complaint: Complaint) -> None: ...
    def get(self, complaint_id: str, *, for_update: bool = False) -> Complaint | None: ...
    def for_tender(self, tender_id: str) -> list[Complaint]: ...
    def of_complainant(self, org_id: str, since: datetime) -> list[Complaint]: ...
    def open_ids(self) -> list[str]: ...


class SupervisionUnitOfWork(EvaluationUnitOfWork, Protocol):
    @property
    def complaints(self) -> ComplaintRepository: ...

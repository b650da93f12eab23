"""SQLAlchemy repositories for the rooms' aggregates."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession

from sunbid.identity.model import ApiToken, Organisation, Session, User
from sunbid.kernel.query import Scope
from sunbid.storage import tables as t
from sunbid.tendering.model import PlanStatus, Tender, TenderPlan, TenderStatus

T = TypeVar("T")
EVERYONE = Scope()


class SqlRepository(Generic[T]):
    model: type[T]
    table: sa.Table

    def __init__(self, session: OrmSession) -> None:
        self.session = session

    def add(self, obj: T) -> None:
        self.session.add(obj)

    def get(self, ident: str, *, for_update: bool = False) -> T | None:
        if for_update:
            stmt = sa.select(self.model).where(self.table.c.id == ident).with_for_update()
            return self.session.scalars(stmt).first()
        return self.session.get(self.model, ident)

    def _page(self, stmt: sa.Select[Any], after: str | None, limit: int) -> list[T]:
        """Newest first; ``after`` is the id of the last row of the previous page."""
        if after is not None:
            stmt = stmt.where(self.table.c.id < after)
        stmt = stmt.order_by(self.table.c.id.desc()).limit(limit + 1)
        return list(self.session.scalars(stmt))


class _AllRows(SqlRepository[T]):
    def page(self, *, after: str | None, limit: int) -> list[T]:
        return self._page(sa.select(self.model), after, limit)


class OrganisationRepository(_AllRows[Organisation]):
    model, table = Organisation, t.organisations

    def by_credit_code(self, code: str) -> Organisation | None:
        return self.session.scalars(sa.select(Organisation).where(t.organisations.c.credit_code == code)).first()


class UserRepository(_AllRows[User]):
    model, table = User, t.users

    def by_username(self, username: str) -> User | None:
        return self.session.scalars(sa.select(User).where(t.users.c.username == username)).first()


class SessionRepository(SqlRepository[Session]):
    model, table = Session, t.sessions

    def by_token_hash(self, token_hash: str) -> Session | None:
        return self.session.scalars(sa.select(Session).where(t.sessions.c.token_hash == token_hash)).first()


class ApiTokenRepository(SqlRepository[ApiToken]):
    model, table = ApiToken, t.api_tokens

    def by_token_hash(self, token_hash: str) -> ApiToken | None:
        return self.session.scalars(sa.select(ApiToken).where(t.api_tokens.c.token_hash == token_hash)).first()

    def for_user(self, user_id: str) -> list[ApiToken]:
        stmt = sa.select(ApiToken).where(t.api_tokens.c.user_id == user_id).order_by(t.api_tokens.c.id)
        return list(self.session.scalars(stmt))


def _scoped(
    table: sa.Table, scope: Scope, public_statuses: tuple[str, ...], org_columns: tuple[str, ...]
) -> sa.ColumnElement[bool]:
    if scope.everything:
        return sa.true()
    conditions: list[sa.ColumnElement[bool]] = [table.c.status.in_(public_statuses)]
    if scope.org_ids:
        conditions += [table.c[col].in_(sorted(scope.org_ids)) for col in org_columns]
    return sa.or_(*conditions)


class PlanRepository(SqlRepository[TenderPlan]):
    model, table = TenderPlan, t.tender_plans
    PUBLIC = (PlanStatus.PUBLISHED.value, PlanStatus.WITHDRAWN.value)

    def page(
        self,
        scope: Scope = EVERYONE,
        *,
        after: str | None,
        limit: int,
        status: PlanStatus | None = None,
    ) -> list[TenderPlan]:
        stmt = sa.select(TenderPlan).where(_scoped(self.table, scope, self.PUBLIC, ("tenderer_org_id",)))
        if status is not None:
            stmt = stmt.where(self.table.c.status == status.value)
        return self._page(stmt, after, limit)


class TenderRepository(SqlRepository[Tender]):
    model, table = Tender, t.tenders
    PUBLIC = tuple(s.value for s in TenderStatus if s not in (TenderStatus.DRAFT, TenderStatus.CANCELLED))

    def page(
        self,
        scope: Scope = EVERYONE,
        *,
        after: str | None,
        limit: int,
        status: TenderStatus | None = None,
    ) -> list[Tender]:
        stmt = sa.select(Tender).where(_scoped(self.table, scope, self.PUBLIC, ("tenderer_org_id", "agency_org_id")))
        if status is not None:
            stmt = stmt.where(self.table.c.status == status.value)
        return self._page(stmt, after, limit)

    def active_ids(self) -> list[str]:
        active = (TenderStatus.ANNOUNCED.value, TenderStatus.SUSPENDED.value)
        stmt = sa.select(self.table.c.id).where(self.table.c.status.in_(active)).order_by(self.table.c.id)
        return list(self.session.scalars(stmt))

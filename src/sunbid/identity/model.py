"""Organisations, users, sessions and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sunbid.kernel.context import Actor, Role


@dataclass
class Organisation:
    id: str
    name: str
    credit_code: str  # 统一社会信用代码
    address: str
    created_at: datetime
    legal_representative: str = ""  # 法定代表人（单位负责人）
    credit_grade: str | None = None  # 信用等级 A-D, set by a supervisor from the credit records


class RelationKind(StrEnum):
    CONTROLS = "controls"  # 控股
    MANAGES = "manages"  # 管理关系


@dataclass
class OrganisationRelation:
    """A control or management relationship between market entities (条例 第三十四条)."""

    id: str
    parent_org_id: str
    child_org_id: str
    kind: RelationKind
    source: str  # where it is recorded, e.g. the business registry
    recorded_at: datetime
    recorded_by: str | None


@dataclass
class User:
    id: str
    username: str
    display_name: str
    password_hash: str
    role: Role
    org_id: str | None
    created_at: datetime
    active: bool = True

    def as_actor(self) -> Actor:
        return Actor(user_id=self.id, role=self.role, org_id=self.org_id)


@dataclass
class Session:
    """A login session for a person (web cookie or bearer token)."""

    id: str
    user_id: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    address: str | None = None
    revoked_at: datetime | None = None

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


@dataclass
class ApiToken:
    """A long-lived token for a machine acting for a user (bid tools, data exchange)."""

    id: str
    user_id: str
    name: str
    token_hash: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass
class Qualification:
    """资质: a qualification certificate of a market entity in the registry (M22)."""

    id: str
    org_id: str
    kind: str  # e.g. 建筑工程施工总承包
    grade: str  # e.g. 特级, 一级, 二级
    certificate_no: str
    issuer: str
    valid_until: datetime
    recorded_at: datetime
    recorded_by: str | None


@dataclass
class PerformanceRecord:
    """业绩: a completed contract of a market entity, from the registry or from this platform's
    own award and completion records (M22, M14)."""

    id: str
    org_id: str
    project_name: str
    category: str  # works, goods, services
    sector: str
    amount: Decimal
    completed_at: datetime
    source: str  # "registry" (recorded by staff from certificates) or "platform" (a contract here)
    recorded_at: datetime
    recorded_by: str | None
    evaluation_id: str | None = None

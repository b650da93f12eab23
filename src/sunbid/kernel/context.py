"""Who is acting, when, and from where: passed to every use case."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sunbid.kernel.clock import Clock
from sunbid.kernel.rules import RuleBook


class Role(StrEnum):
    TENDERER = "tenderer"  # 招标人
    AGENCY = "agency"  # 招标代理机构
    BIDDER = "bidder"  # 投标人
    EXPERT = "expert"  # 评标专家
    SUPERVISOR = "supervisor"  # 行政监督部门
    AUDITOR = "auditor"  # 审计
    ADMINISTRATOR = "administrator"  # 平台管理员


@dataclass(frozen=True)
class Actor:
    """An authenticated user, or the public (``user_id`` None, ``role`` None)."""

    user_id: str | None
    role: Role | None
    org_id: str | None

    @property
    def is_public(self) -> bool:
        return self.user_id is None


PUBLIC = Actor(user_id=None, role=None, org_id=None)
SYSTEM = Actor(user_id="system", role=None, org_id=None)


@dataclass(frozen=True)
class Context:
    actor: Actor
    clock: Clock
    rules: RuleBook = field(default_factory=RuleBook.default)
    address: str | None = None

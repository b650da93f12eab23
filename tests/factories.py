"""Build a small world of organisations, users and tenders through the real use cases."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sunbid.bootstrap import Platform
from sunbid.demo.seed import plan_fields, standard_scheme, tender_fields
from sunbid.evaluation import declare as evaluation_scheme
from sunbid.identity import service as identity
from sunbid.identity.credit_code import complete_credit_code
from sunbid.kernel.clock import CHINA, FixedClock
from sunbid.kernel.context import Actor, Context, Role
from sunbid.tendering import service as tendering
from sunbid.tendering.model import DocumentKind

PASSWORD = "correct horse battery"
STANDARD_SCHEME = standard_scheme()
ADMIN = Actor(user_id="system", role=Role.ADMINISTRATOR, org_id=None)
_codes = itertools.count(1)

#: username -> (role, organisation key or None)
PEOPLE: dict[str, tuple[Role, str | None]] = {
    "admin": (Role.ADMINISTRATOR, None),
    "tenderer": (Role.TENDERER, "T"),
    "agency": (Role.AGENCY, "A"),
    "bidder": (Role.BIDDER, "B"),
    "bidder2": (Role.BIDDER, "B2"),
    "expert": (Role.EXPERT, None),
    "supervisor": (Role.SUPERVISOR, "S"),
    "auditor": (Role.AUDITOR, None),
    "other_tenderer": (Role.TENDERER, "OT"),
}


def credit_code() -> str:
    return complete_credit_code(f"91320100MA{next(_codes):07d}")


@dataclass
class World:
    platform: Platform
    clock: FixedClock
    orgs: dict[str, str] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def ctx(self, who: str) -> Context:
        return Context(actor=self.actors[who], clock=self.clock, rules=self.platform.rules, address="127.0.0.1")

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who in self.tokens else {}

    def uow(self) -> Any:
        return self.platform.uow()

    # ------------------------------------------------------------------ objects
    def published_plan(self, who: str = "tenderer", days_ago: int = 31, price: str = "12500000.00") -> str:
        """A plan published ``days_ago`` days before the clock's now (the clock is put back after)."""
        now = self.clock.now()
        self.clock.set(now - timedelta(days=days_ago))
        plan = tendering.create_plan(
            self.uow(),
            self.ctx(who),
            plan_fields("测试项目", price, (self.clock.now() + timedelta(days=30)).astimezone(CHINA).date()),
        )
        tendering.publish_plan(self.uow(), self.ctx(who), plan.id)
        self.clock.set(now)
        return plan.id

    def draft_plan(self, who: str = "tenderer") -> str:
        plan = tendering.create_plan(
            self.uow(),
            self.ctx(who),
            plan_fields("草稿项目", "1000000.00", (self.clock.now() + timedelta(days=60)).date()),
        )
        return plan.id

    def draft_tender(
        self,
        plan_id: str | None = None,
        *,
        agency: bool = True,
        with_document: bool = True,
        issue_start: datetime | None = None,
        scheme: dict[str, Any] | None = STANDARD_SCHEME,
        **overrides: Any,
    ) -> str:
        plan_id = plan_id or self.published_plan()
        fields = tender_fields(
            "测试标",
            issue_start or self.clock.now() + timedelta(hours=1),
            "12000000.00",
            agency_org_id=self.orgs["A"] if agency else None,
        )
        if overrides:
            from dataclasses import replace

            fields = replace(fields, **overrides)
        tender = tendering.create_tender(self.uow(), self.ctx("tenderer"), plan_id, fields)
        if with_document:
            self.add_document(tender.id)
        if scheme is not None:
            evaluation_scheme.set_scheme(self.uow(), self.ctx("tenderer"), tender.id, scheme)
        return tender.id

    def add_document(self, tender_id: str, content: bytes = b"tender documents v1", who: str = "tenderer") -> str:
        blob = self.platform.blobs.put_file(io.BytesIO(content))
        doc = tendering.add_document(
            self.uow(),
            self.ctx(who),
            tender_id,
            kind=DocumentKind.TENDER_DOCUMENT,
            title="招标文件",
            filename="tender.txt",
            media_type="text/plain",
            blob=blob,
        )
        return doc.id

    def announced_tender(self, **kwargs: Any) -> str:
        tender_id = self.draft_tender(**kwargs)
        tendering.announce_tender(self.uow(), self.ctx("tenderer"), tender_id)
        return tender_id

    def suspended_tender(self) -> tuple[str, str]:
        tender_id = self.announced_tender()
        objection = tendering.raise_objection(self.uow(), self.ctx("bidder"), tender_id, "资格条件设置不合理")
        return tender_id, objection.id


def make_world(platform: Platform, clock: FixedClock, *, tokens: bool = True) -> World:
    world = World(platform, clock)
    sys = Context(actor=ADMIN, clock=clock, rules=platform.rules)
    for key in sorted({org for _role, org in PEOPLE.values() if org}):
        org = identity.create_organisation(
            platform.uow(), sys, identity.NewOrganisation(f"单位{key}", credit_code(), "南京市")
        )
        world.orgs[key] = org.id
    for username, (role, org) in PEOPLE.items():
        user = identity.create_user(
            platform.uow(), sys, identity.NewUser(username, username, PASSWORD, role, world.orgs[org] if org else None)
        )
        world.actors[username] = user.as_actor()
        if tokens:
            token, _ = identity.create_api_token(platform.uow(), world.ctx(username), "tests")
            world.tokens[username] = token
    return world


def money(value: str) -> Decimal:
    return Decimal(value)

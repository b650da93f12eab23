"""An expert pool, venues and a tender past its deadline, made through the real use cases."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sunbid.experts import service as experts
from sunbid.experts.model import Committee, Draw, ExpertFields, Requirement, TitleLevel
from sunbid.identity import service as identity
from sunbid.kernel.context import Context, Role
from sunbid.tendering import service as tendering
from tests.bidding import Bidding
from tests.factories import ADMIN, PASSWORD, World

LOCAL = "南京市综合评标专家库"
REMOTE = "苏州市综合评标专家库"
_numbers = itertools.count(1)


def expert_fields(name: str, specialty: str = "A01", pool: str = LOCAL, **changes: Any) -> ExpertFields:
    base = ExpertFields(
        name=name,
        specialties=(specialty,),
        title_level=TitleLevel.SENIOR,
        practice_since=date(2010, 1, 1),
        birth_date=date(1970, 5, 1),
        region="320100",
        home_pool=pool,
    )
    return replace(base, **changes)


@dataclass
class Pool:
    world: World
    bidding: Bidding
    venue: str = ""
    second_venue: str = ""
    users: dict[str, str] = field(default_factory=dict)  # expert id -> username

    def __post_init__(self) -> None:
        admin = self.world.ctx("admin")
        self.venue = experts.register_venue(
            self.world.uow(), admin, experts.VenueFields("第一评标室", "南京市公共资源交易中心 5 楼", "320100", 20)
        ).id
        self.second_venue = experts.register_venue(
            self.world.uow(), admin, experts.VenueFields("苏州分中心评标室", "苏州市公共资源交易中心", "320500", 10)
        ).id

    # ------------------------------------------------------------------ people
    def user(self, role: Role = Role.EXPERT, org: str | None = None) -> str:
        username = f"{role.value}{next(_numbers)}"
        sys = Context(actor=ADMIN, clock=self.world.clock, rules=self.world.platform.rules)
        made = identity.create_user(
            self.world.uow(),
            sys,
            identity.NewUser(username, f"用户{username}", PASSWORD, role, self.world.orgs[org] if org else None),
        )
        self.world.actors[username] = made.as_actor()
        if self.world.tokens:
            token, _ = identity.create_api_token(self.world.uow(), self.world.ctx(username), "tests")
            self.world.tokens[username] = token
        return username

    def expert(
        self,
        specialty: str = "A01",
        pool: str = LOCAL,
        *,
        employments: tuple[experts.EmploymentFields, ...] = (),
        linked: bool = True,
        **changes: Any,
    ) -> str:
        username = self.user() if linked else None
        made = experts.register_expert(
            self.world.uow(),
            self.world.ctx("supervisor"),
            expert_fields(f"专家{next(_numbers)}", specialty, pool, **changes),
            employments,
            self.world.actors[username].user_id if username else None,
        )
        if username:
            self.users[made.id] = username
        return made.id

    def many(self, n: int, specialty: str = "A01", pool: str = LOCAL) -> list[str]:
        return [self.expert(specialty, pool) for _ in range(n)]

    def as_expert(self, expert_id: str) -> Context:
        return self.world.ctx(self.users[expert_id])

    def org_code(self, key: str) -> str:
        return (
            str(self.bidding.org(key).credit_code)
            if key in self.world.orgs
            else str(self.bidding.org_of(key).credit_code)
        )

    # ------------------------------------------------------------------ the tender
    def opened(self) -> str:
        """A tender with three bids whose deadline has passed: its opening has started."""
        b, w = self.bidding, self.world
        b.bidder("bidder3")
        tender_id = w.announced_tender()
        w.clock.advance(timedelta(days=1))
        for who in ("bidder", "bidder2", "bidder3"):
            b.bid(who, tender_id)
        b.deadline(tender_id)
        return tender_id

    def section(self, tender_id: str) -> str:
        return self.bidding.section_of(tender_id)

    def plan_of(self, tender_id: str) -> str:
        return tendering.get_tender(self.world.uow(), self.world.ctx("tenderer"), tender_id).plan_id

    def fields(self, **changes: Any) -> experts.CommitteeRequestFields:
        base = experts.CommitteeRequestFields(
            size=5,
            requirements=(Requirement("A01", 5, 1),),
            local_pool=LOCAL,
            main_venue_id=self.venue,
            starts_at=self.world.clock.now() + timedelta(hours=2),
            evaluation_hours=8,
        )
        return replace(base, **changes)

    def request(self, tender_id: str, who: str = "tenderer", **changes: Any) -> Draw:
        return experts.request_committee(
            self.world.uow(), self.world.ctx(who), tender_id, self.section(tender_id), self.fields(**changes)
        )

    def drawn(self, tender_id: str, **changes: Any) -> Committee:
        draw = self.request(tender_id, **changes)
        return experts.perform_draw(self.world.uow(), self.world.ctx("tenderer"), draw.id)

    def committee(self, committee_id: str, who: str = "supervisor") -> Committee:
        return experts.get_committee(self.world.uow(), self.world.ctx(who), committee_id)[0]

    def username_of(self, user_id: str | None) -> str:
        return next(name for name, actor in self.world.actors.items() if actor.user_id == user_id)

    def check_in_all(self, committee_id: str) -> None:
        committee = self.committee(committee_id)
        main = next(s.venue_id for s in committee.sittings if s.main)
        secondary = [s.venue_id for s in committee.sittings if not s.main]
        for member in committee.active_members():
            if member.checked_in_at is None:
                venue = secondary[0] if member.remote and secondary else main
                experts.check_in(self.world.uow(), self.ctx_of(member.user_id), committee_id, venue)

    def ctx_of(self, user_id: str | None) -> Context:
        return self.world.ctx(self.username_of(user_id))

    def started(self, tender_id: str, **changes: Any) -> Committee:
        committee = self.drawn(tender_id, **changes)
        self.check_in_all(committee.id)
        return experts.start_evaluation(self.world.uow(), self.world.ctx("tenderer"), committee.id)


def make_pool(world: World, directory: Path) -> Pool:
    return Pool(world, Bidding(world, directory))

"""Evaluations for the tests: an opened tender with real sealed bids, a committee drawn blind
from a real pool, members who sign with real certificates, all through the use cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sunbid.client.bids import KeyPair
from sunbid.crypto import envelope, sign_json
from sunbid.crypto.x509 import person_name
from sunbid.evaluation import award, sitting
from sunbid.evaluation.model import Evaluation, MotionStatus
from sunbid.experts.model import Committee, CommitteeMember, Requirement
from sunbid.kernel.context import Context
from sunbid.tendering import opening_service as opening
from sunbid.tendering.bid_model import Bid
from tests.bidding import PASS
from tests.experts import Pool, make_pool
from tests.factories import World

#: A construction plan that names nobody (暗标), and one that gives its author away.
CLEAN_PLAN = "第一章 施工部署\n本工程分三个阶段组织施工，设质量、安全、进度三个控制点。\n" * 40


def plan_naming(company: str) -> str:
    return CLEAN_PLAN + f"本方案由{company}技术部编制。\n"


@dataclass
class Evaluating:
    pool: Pool
    keys: dict[str, KeyPair] = field(default_factory=dict)  # member name -> signing pair
    bids: dict[str, str] = field(default_factory=dict)  # username -> bid id

    @property
    def world(self) -> World:
        return self.pool.world

    def opened(
        self,
        prices: dict[str, str],
        *,
        scheme: dict[str, Any] | None = None,
        plans: dict[str, str] | None = None,
        forms: dict[str, dict[str, Any]] | None = None,
        **tender: Any,
    ) -> str:
        """A tender whose opening is concluded, with one decrypted bid per bidder at ``prices``."""
        b, w = self.pool.bidding, self.world
        for who in prices:
            b.bidder(who)
        if scheme is not None:
            tender["scheme"] = scheme
        tender_id = w.announced_tender(**tender)
        w.clock.advance(timedelta(days=1))
        for who, price in prices.items():
            text = (plans or {}).get(who, CLEAN_PLAN)
            files = [
                envelope.BidFile("投标函.pdf", data=f"%PDF-1.7 投标报价 {price} 元".encode(), author=who),
                envelope.BidFile("施工组织设计.txt", part="technical", data=text.encode()),
            ]
            form = {"price": price, "duration_days": 540, "quality": "合格",
                    "project_manager": {"name": f"{who}项目经理", "certificate": "一级注册建造师",
                                        "certificate_no": f"苏132{len(who):06d}"}}  # fmt: skip
            form.update((forms or {}).get(who, {}))
            self.bids[who] = b.submit(who, tender_id, b.seal(who, tender_id, price=price, files=files, form=form))[0].id
        b.deadline(tender_id)
        for who, bid_id in self.bids.items():
            if who in prices:
                b.decrypt(who, bid_id)
        opening.conclude(w.uow(), w.ctx("tenderer"), tender_id, w.platform.identity())
        return tender_id

    def committee(self, tender_id: str, size: int = 5) -> Committee:
        self.pool.many(size + 3)
        return self.pool.started(tender_id, size=size, requirements=(Requirement("A01", size, 2),))

    def start(self, tender_id: str, size: int = 5) -> Evaluation:
        self.committee(tender_id, size)
        section = self.pool.section(tender_id)
        return sitting.start(self.world.uow(), self.world.ctx("tenderer"), tender_id, section)

    # ------------------------------------------------------------------ members
    def members(self, evaluation: Evaluation) -> list[CommitteeMember]:
        committee = self.pool.committee(evaluation.committee_id)
        return list(committee.active_members())

    def members_of(self, committee_id: str) -> list[CommitteeMember]:
        return list(self.pool.committee(committee_id).active_members())

    def ctx(self, member: CommitteeMember) -> Context:
        return self.pool.ctx_of(member.user_id)

    def key_of(self, member: CommitteeMember) -> KeyPair:
        if member.name not in self.keys:
            ca = self.pool.bidding.cas["gm"]
            issued = ca.issue(PASS, subject=person_name(member.name), now=self.world.clock.now() - timedelta(days=1))
            assert issued.private_key is not None
            self.keys[member.name] = KeyPair(issued.private_key, issued.certificate)
        return self.keys[member.name]

    def view(self, evaluation_id: str, who: str = "supervisor") -> dict[str, Any]:
        return sitting.view(self.world.uow(), self.world.ctx(who), evaluation_id)

    def code(self, evaluation_id: str, username: str) -> str:
        return str(self.view(evaluation_id)["bids"][self._index(evaluation_id, username)]["code"])

    def _index(self, evaluation_id: str, username: str) -> int:
        rows = self.view(evaluation_id)["bids"]
        return next(i for i, r in enumerate(rows) if r["bid_id"] == self.bids[username])

    # ------------------------------------------------------------------ the committee's work
    def score(self, evaluation: Evaluation, points: dict[str, str], factor: str = "plan") -> None:
        """Every member gives each bid (by username) ``points`` on ``factor`` (by code while anonymous)."""
        codes = {who: self.code(evaluation.id, who) for who in points}
        for m in self.members(evaluation):
            for who, p in points.items():
                sitting.score(self.world.uow(), self.ctx(m), evaluation.id, bid=codes[who], factor_id=factor,
                              points=Decimal(p))  # fmt: skip

    def vote_all(self, evaluation: Evaluation, motion_id: str, agree: bool = True) -> None:
        for m in self.members(evaluation):
            motion = next(mo for mo in self.get(evaluation.id).motions if mo.id == motion_id)
            if motion.status is not MotionStatus.OPEN:
                return
            if m.id not in {v.member_id for v in motion.votes}:
                sitting.vote(self.world.uow(), self.ctx(m), evaluation.id, motion_id, agree=agree,
                             reason="" if agree else "理由不足")  # fmt: skip

    def get(self, evaluation_id: str) -> Evaluation:
        with self.world.uow() as uow:
            found = uow.evaluations.get(evaluation_id)
            assert found is not None
            return found

    def sign_all(
        self, evaluation_id: str, dissent: dict[int, str] | None = None, refuse: set[int] = frozenset()
    ) -> None:  # type: ignore[assignment]
        evaluation = self.get(evaluation_id)
        report = evaluation.current_report()
        assert report is not None
        for i, m in enumerate(self.members(evaluation)):
            text = (dissent or {}).get(i)
            if i in refuse:
                sitting.sign_report(self.world.uow(), self.ctx(m), evaluation_id, signature=None, dissent=text,
                                    check=self.world.platform.signature_check(), refuse_to_sign=True)  # fmt: skip
                continue
            pair = self.key_of(m)
            statement = sitting.signing_statement(evaluation_id, report.digest, m.id, text)
            signature = sign_json(statement, pair.key, pair.certificate, signed_at=self.world.clock.now())
            sitting.sign_report(self.world.uow(), self.ctx(m), evaluation_id, signature=dict(signature), dissent=text,
                                check=self.world.platform.signature_check())  # fmt: skip

    def publish(self, evaluation_id: str, days: int = 3) -> None:
        award.publish_candidates(self.world.uow(), self.world.ctx("tenderer"), evaluation_id,
                                 end=self.world.clock.now() + timedelta(days=days),
                                 signer=self.world.platform.identity())  # fmt: skip

    def run_due(self) -> list[tuple[str, str]]:
        from sunbid.kernel.context import SYSTEM

        return award.run_due(
            self.world.uow(), Context(actor=SYSTEM, clock=self.world.clock, rules=self.world.platform.rules)
        )

    def bid(self, username: str) -> Bid:
        with self.world.uow() as uow:
            found = uow.bids.get(self.bids[username])
            assert found is not None
            return found


def make_evaluating(world: World, directory: Path) -> Evaluating:
    return Evaluating(make_pool(world, directory))

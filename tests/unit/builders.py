"""A small world for the tendering use cases: organisations, actors, a clock and valid commands.

The timeline: the plan is published at ``T0``; the announcement may be published 30 days
later, at ``ANNOUNCE_AT``, which is also when the documents start being issued. Their sale
ends 5 days later and bids are due 25 days after the announcement, at ``DEADLINE``.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sunbid.demo.seed import standard_scheme
from sunbid.evaluation import declare as evaluation_scheme
from sunbid.identity.credit_code import complete_credit_code
from sunbid.identity.model import Organisation
from sunbid.kernel.clock import FixedClock
from sunbid.kernel.context import Actor, Context, Role
from sunbid.kernel.rules import RuleBook
from sunbid.tendering import service as tendering
from sunbid.tendering.model import Category, DocumentKind, Method, Tender, TenderDocument, TenderPlan
from sunbid.tendering.service import PlanFields, SectionFields, TenderFields

from .fakes import FakeUnitOfWork

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)

T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
ANNOUNCE_AT = T0 + 30 * DAY
DOC_SALE_END = ANNOUNCE_AT + 5 * DAY
DEADLINE = ANNOUNCE_AT + 25 * DAY

TENDERER_ORG = "org_tenderer"
AGENCY_ORG = "org_agency"
OTHER_TENDERER_ORG = "org_other_tenderer"
BIDDER_ORGS = ("org_bidder_1", "org_bidder_2", "org_bidder_3", "org_bidder_4")

TENDERER = Actor(user_id="usr_tenderer", role=Role.TENDERER, org_id=TENDERER_ORG)
AGENCY = Actor(user_id="usr_agency", role=Role.AGENCY, org_id=AGENCY_ORG)
OTHER_TENDERER = Actor(user_id="usr_other_tenderer", role=Role.TENDERER, org_id=OTHER_TENDERER_ORG)
BIDDER = Actor(user_id="usr_bidder_1", role=Role.BIDDER, org_id=BIDDER_ORGS[0])
BIDDER_2 = Actor(user_id="usr_bidder_2", role=Role.BIDDER, org_id=BIDDER_ORGS[1])
SUPERVISOR = Actor(user_id="usr_supervisor", role=Role.SUPERVISOR, org_id=None)


def credit_code(n: int) -> str:
    """A valid unified social credit code, different for each ``n``."""
    return complete_credit_code(f"91320100MA{n:07d}")


def plan_fields(**changes: Any) -> PlanFields:
    base = PlanFields(
        project_name="南京市某区实验学校新建工程",
        approval_document="关于某区实验学校新建工程可行性研究报告的批复",
        approval_number="宁发改投资字〔2025〕12号",
        scope="施工总承包",
        estimated_price=Decimal("1000000.00"),
        fund_source="财政资金",
        planned_announcement_date=ANNOUNCE_AT.date(),
    )
    return dataclasses.replace(base, **changes)


def section(**changes: Any) -> SectionFields:
    base = SectionFields(
        name="一标段",
        scope="土建及安装",
        estimated_price=Decimal("1000000.00"),
        max_bid_price=Decimal("950000.00"),
        bid_deposit=Decimal("20000.00"),  # exactly 2%
    )
    return dataclasses.replace(base, **changes)


def tender_fields(**changes: Any) -> TenderFields:
    base = TenderFields(
        title="某区实验学校新建工程施工总承包",
        category=Category.WORKS,
        sector="房屋建筑",
        method=Method.OPEN,
        content="教学楼、综合楼及室外配套工程施工",
        scale="总建筑面积约2.1万平方米",
        fund_source="财政资金",
        qualification_requirements="建筑工程施工总承包二级及以上资质",
        consortium_accepted=False,
        doc_issue_start=ANNOUNCE_AT,
        doc_sale_end=DOC_SALE_END,
        bid_deadline=DEADLINE,
        opening_place="南京市公共资源交易中心（线上开标）",
        submission_method="通过本平台在线递交加密投标文件",
        tenderer_contact="张先生 025-00000000",
        supervising_department="南京市某区住房和城乡建设局",
        supervising_contact="025-11111111",
        objection_channel="通过本平台异议模块提出",
        platform_url="https://sunbid.example/tenders",
        credit_commitment="本招标人承诺依法依规开展招标活动",
        bid_validity_days=90,
        sections=(section(),),
    )
    return dataclasses.replace(base, **changes)


class World:
    """A fake unit of work seeded with organisations, a fixed clock, and shortcuts to a tender's life."""

    def __init__(self, rules: RuleBook | None = None) -> None:
        self.clock = FixedClock(T0)
        self.rules = rules or RuleBook.default()
        self.uow = FakeUnitOfWork()
        for n, org_id in enumerate((TENDERER_ORG, AGENCY_ORG, OTHER_TENDERER_ORG, *BIDDER_ORGS), start=1):
            self.uow.organisations.add(
                Organisation(id=org_id, name=f"单位{n}", credit_code=credit_code(n), address="南京市", created_at=T0)
            )

    # ------------------------------------------------------------------ time and actors
    def ctx(self, actor: Actor = TENDERER) -> Context:
        return Context(actor=actor, clock=self.clock, rules=self.rules, address="192.0.2.10")

    def at(self, when: datetime) -> World:
        self.clock.set(when)
        return self

    # ------------------------------------------------------------------ reading back
    def plan(self, plan_id: str) -> TenderPlan:
        plan = self.uow.plans.get(plan_id)
        assert plan is not None
        return plan

    def tender(self, tender_id: str) -> Tender:
        tender = self.uow.tenders.get(tender_id)
        assert tender is not None
        return tender

    # ------------------------------------------------------------------ shortcuts
    def draft_plan(self, actor: Actor = TENDERER, **changes: Any) -> TenderPlan:
        return tendering.create_plan(self.uow, self.ctx(actor), plan_fields(**changes))

    def published_plan(self, actor: Actor = TENDERER, **changes: Any) -> TenderPlan:
        plan = self.draft_plan(actor, **changes)
        return tendering.publish_plan(self.uow, self.ctx(actor), plan.id)

    def upload(
        self,
        tender_id: str,
        actor: Actor = TENDERER,
        *,
        kind: DocumentKind = DocumentKind.TENDER_DOCUMENT,
        title: str = "招标文件",
        data: bytes = b"%PDF-1.7 tender document",
    ) -> TenderDocument:
        blob = self.uow.blobs.add(data)
        return tendering.add_document(
            self.uow,
            self.ctx(actor),
            tender_id,
            kind=kind,
            title=title,
            filename=f"{title}.pdf",
            media_type="application/pdf",
            blob=blob,
        )

    def draft_tender(self, *, with_document: bool = True, with_scheme: bool = True, **changes: Any) -> Tender:
        """A draft tender under a plan published at T0, by default with its tender document."""
        saved = self.clock.now()
        self.at(T0)
        plan = self.published_plan()
        tender = tendering.create_tender(self.uow, self.ctx(), plan.id, tender_fields(**changes))
        if with_document:
            self.upload(tender.id)
        if with_scheme:
            evaluation_scheme.set_scheme(self.uow, self.ctx(), tender.id, standard_scheme())
        self.at(saved)
        return self.tender(tender.id)

    def announced_tender(self, **changes: Any) -> Tender:
        """A tender announced at ANNOUNCE_AT; the clock is left there."""
        tender = self.draft_tender(**changes)
        self.at(ANNOUNCE_AT)
        return tendering.announce_tender(self.uow, self.ctx(), tender.id)

    def suspended_tender(self, objection_at: datetime | None = None) -> tuple[Tender, str]:
        """An announced tender with one pending objection raised at ``objection_at``; returns its id."""
        tender = self.announced_tender()
        self.at(objection_at or ANNOUNCE_AT + DAY)
        objection = tendering.raise_objection(self.uow, self.ctx(BIDDER), tender.id, "评分标准含有倾向性条款")
        return self.tender(tender.id), objection.id

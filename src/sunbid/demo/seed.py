"""Demo organisations, users and tenders in several states, made through the use cases.

Time is simulated: the data is made with a clock that starts in the past and moves
forward, so plans have really been public for 30 days before their announcements.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sunbid.bootstrap import Platform
from sunbid.crypto import Certificate, PrivateKey, load_private_key, sign_json
from sunbid.crypto.ca import LocalCA, write_issued
from sunbid.crypto.x509 import organisation_name, person_name
from sunbid.evaluation import declare as evaluation_scheme
from sunbid.experts import service as experts
from sunbid.experts.model import ExpertFields, TitleLevel
from sunbid.identity import service as identity
from sunbid.identity.credit_code import complete_credit_code
from sunbid.identity.passwords import hash_password
from sunbid.kernel.clock import FixedClock
from sunbid.kernel.context import SYSTEM, Actor, Context, Role
from sunbid.tendering import opening_service
from sunbid.tendering import service as tendering
from sunbid.tendering.model import Category, DocumentKind, Method

DEMO_PASSWORD = "sunbid-demo-2026"  # noqa: S105 - published demo credential
ADMIN = Actor(user_id="system", role=Role.ADMINISTRATOR, org_id=None)

#: username -> (name, credit code template, address, legal representative). Each organisation has
#: its own representative: bidders under one head are related and their bids invalid (条例 第三十四条).
ORGS = {
    "tenderer": ("南京市城市建设投资有限公司", "91320100MA1XXXX01", "南京市建邺区江东中路 1 号", "周建华"),
    "agency": ("江苏阳光招标代理有限公司", "91320100MA1XXXX02", "南京市鼓楼区中山北路 8 号", "李明"),
    "bidder1": ("南京第一建筑工程有限公司", "91320100MA1XXXX03", "南京市秦淮区中华路 10 号", "张国强"),
    "bidder2": ("江苏恒信建设集团有限公司", "91320100MA1XXXX04", "南京市江宁区天元路 20 号", "陈志刚"),
    "bidder3": ("苏州路桥工程有限公司", "91320500MA1XXXX05", "苏州市姑苏区人民路 30 号", "刘海峰"),
    "bidder4": ("安徽华东市政工程有限公司", "91340100MA1XXXX06", "合肥市蜀山区长江西路 40 号", "赵立军"),
    "supervisor": ("南京市住房和城乡建设局", "11320100MB1XXXX07", "南京市玄武区北京东路 41 号", "吴卫东"),
}

USERS = [
    ("admin", "平台管理员", Role.ADMINISTRATOR, None),
    ("tenderer", "城建投资 王经理", Role.TENDERER, "tenderer"),
    ("agency", "阳光代理 李工", Role.AGENCY, "agency"),
    ("bidder1", "第一建筑 张经理", Role.BIDDER, "bidder1"),
    ("bidder2", "恒信建设 陈经理", Role.BIDDER, "bidder2"),
    ("bidder3", "苏州路桥 刘经理", Role.BIDDER, "bidder3"),
    ("bidder4", "华东市政 赵经理", Role.BIDDER, "bidder4"),
    ("expert", "评标专家 周工", Role.EXPERT, None),
    ("supervisor", "住建局 监督员", Role.SUPERVISOR, "supervisor"),
    ("auditor", "审计局 审计员", Role.AUDITOR, None),
]


def demo_credit_code(template: str) -> str:
    """The demo codes are made valid by computing their GB 32100 check character."""
    return complete_credit_code(template.replace("X", "0")[:17])


def plan_fields(name: str, price: str, planned: date) -> tendering.PlanFields:
    return tendering.PlanFields(
        project_name=name,
        approval_document=f"关于{name}可行性研究报告的批复",
        approval_number="宁发改投字〔2026〕88号",
        scope="施工总承包",
        estimated_price=Decimal(price),
        fund_source="财政资金",
        planned_announcement_date=planned,
    )


def tender_fields(
    title: str,
    issue_start: datetime,
    price: str = "12000000.00",
    *,
    agency_org_id: str | None = None,
    public_url: str = "http://127.0.0.1:8000",
) -> tendering.TenderFields:
    estimated = Decimal(price)
    return tendering.TenderFields(
        title=title,
        category=Category.WORKS,
        sector="房屋建筑",
        method=Method.OPEN,
        content=f"{title}施工总承包，包括土建、安装及室外配套工程",
        scale="建筑面积约 2.3 万平方米",
        fund_source="财政资金",
        qualification_requirements="建筑工程施工总承包二级及以上资质，具备有效的安全生产许可证",
        consortium_accepted=False,
        doc_issue_start=issue_start,
        doc_sale_end=issue_start + timedelta(days=7),
        bid_deadline=issue_start + timedelta(days=21),
        opening_place="南京市公共资源交易中心 线上开标大厅",
        submission_method="通过本平台在线递交加密电子投标文件",
        tenderer_contact="王经理 025-8000 0001",
        supervising_department="南京市住房和城乡建设局",
        supervising_contact="025-8000 0007",
        objection_channel="本平台“异议”栏目在线提交；电话 025-8000 0002",
        platform_url=f"{public_url}/api/v1/tenders（登录后下载招标文件）",
        credit_commitment="本单位承诺：所提供信息真实有效，依法依规组织招标，不设置不合理条件，接受社会监督。",
        bid_validity_days=90,
        agency_org_id=agency_org_id,
        agency_contact="李工 025-8000 0003" if agency_org_id else "",
        sections=(
            tendering.SectionFields(
                name="第一标段",
                scope="主体及安装工程",
                estimated_price=estimated,
                max_bid_price=(estimated * Decimal("0.98")).quantize(Decimal("0.01")),
                bid_deposit=(estimated * Decimal("0.01")).quantize(Decimal("0.01")),
            ),
        ),
    )


CERTIFIED = ("tenderer", "agency", "bidder1", "bidder2", "bidder3", "bidder4")


def certificates_dir(platform: Platform) -> Path:
    """Where the demo's organisations keep their certificates and (encrypted) keys."""
    return platform.settings.trust_dir.parent / "demo-certificates"


def demo_ca(platform: Platform, now: datetime) -> LocalCA:
    """The demo's certificate authority (SM2), made on first use; its key is encrypted with the
    demo password."""
    ca_dir = platform.settings.trust_dir.parent / "demo-ca"
    if (ca_dir / "ca.json").exists():
        return LocalCA.open(ca_dir)
    return LocalCA.init(
        ca_dir,
        suite="gm",
        common_name="sunbid 演示 CA",
        organisation="sunbid 演示",
        passphrase=DEMO_PASSWORD.encode(),
        now=now,
        iterations=10_000,
    )


def issue_demo_certificates(platform: Platform, names: dict[str, tuple[str, str]], now: datetime) -> None:
    """A demo CA, trusted by the platform, issues each organisation a signing certificate, and
    each bidder an encryption certificate too.

    The keys are encrypted with the demo password; the CA's root goes into the trust directory.
    """
    ca = demo_ca(platform, now)
    out = certificates_dir(platform)
    for username in CERTIFIED:
        name, code = names[username]
        issued = ca.issue(DEMO_PASSWORD.encode(), subject=organisation_name(name, code), now=now, days=730)
        write_issued(issued, out, key_passphrase=DEMO_PASSWORD.encode(), stem=username)
        if username.startswith("bidder"):  # bidders also hold an encryption certificate (双证书)
            sealed = ca.issue(
                DEMO_PASSWORD.encode(), subject=organisation_name(name, code), now=now, days=730, usage="encrypt"
            )
            write_issued(sealed, out, key_passphrase=DEMO_PASSWORD.encode(), stem=f"{username}-enc")
    platform.settings.trust_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(ca.directory / "ca-cert.pem", platform.settings.trust_dir / "sunbid-demo-ca.pem")
    platform.reload_trust()


def issue_person_certificate(platform: Platform, username: str, name: str, now: datetime) -> Certificate:
    """The demo CA issues a person, an evaluation expert say, a signing certificate in its own
    name (the common name is the person's name, as a report signature requires), kept under the
    demo's certificate folder as ``{username}-cert.pem`` and ``{username}-key.pem`` (the key
    encrypted with the demo password) for :func:`demo_signer`."""
    issued = demo_ca(platform, now).issue(DEMO_PASSWORD.encode(), subject=person_name(name), now=now, days=730)
    write_issued(issued, certificates_dir(platform), key_passphrase=DEMO_PASSWORD.encode(), stem=username)
    return issued.certificate


def standard_scheme(*, anonymised: bool = True, award: dict[str, Any] | None = None) -> dict[str, Any]:
    """A 综合评估法 scheme of the usual shape for works (评标规定 第三十四条至第三十七条): price
    60 points by the lowest-price benchmark, the construction plan 30 points scored by the
    experts (暗标 when ``anonymised``), credit 5 and similar contracts 5 from the registry;
    abnormally low below half the others' mean or 45% of the ceiling; three ranked candidates
    unless ``award`` says otherwise."""
    return {
        "method": "comprehensive",
        "total_points": "100",
        "factors": [
            {"id": "price", "name": "投标报价", "kind": "price", "part": "price", "max_points": "60"},
            {"id": "plan", "name": "施工组织设计", "kind": "subjective", "part": "technical", "max_points": "30",
             "guidance": "施工方案、进度计划、质量和安全措施的完整性与可行性"},
            {"id": "credit", "name": "信用等级", "kind": "objective", "part": "credit", "max_points": "5",
             "criterion": {"type": "credit_grade", "points": [["A", "5"], ["B", "3"], ["C", "1"]]}},
            {"id": "performance", "name": "类似工程业绩", "kind": "objective", "part": "commercial", "max_points": "5",
             "criterion": {"type": "past_performance", "points_each": "1", "cap": "5", "min_amount": "1000000",
                           "within_years": 5}},
        ],
        "price_formula": {"kind": "lowest_price_benchmark"},
        "aggregation": {"kind": "trimmed_mean", "trim_min_scorers": 5},
        "rounding": {"places": 2, "mode": "ROUND_HALF_UP"},
        "abnormal_rules": [{"kind": "below_mean_of_others", "ratio": "0.50"}, {"kind": "below_ceiling", "ratio": "0.45"}],
        "abnormal_explanation_hours": 24,
        "award": award or {"mode": "ranked", "candidate_count": 3, "state_funded": True},
        "anonymity": {"anonymised": anonymised, "technical_parts": ["technical"]},
        "tie_breaks": [{"kind": "lower_price"}, {"kind": "higher_part", "target": "technical"}],
    }  # fmt: skip


def demo_signer(platform: Platform, username: str) -> tuple[PrivateKey, Certificate]:
    """The key and certificate of ``username`` (``bidder1-enc`` for a bidder's encryption pair)."""
    out = certificates_dir(platform)
    key = load_private_key((out / f"{username}-key.pem").read_bytes(), DEMO_PASSWORD.encode())
    return key, Certificate.from_pem((out / f"{username}-cert.pem").read_bytes())


def signed_announcement(platform: Platform, ctx: Context, tender_id: str, username: str) -> None:
    """Announce with the organisation's own signature (电子招标投标办法 第四十条)."""
    key, certificate = demo_signer(platform, username)
    tender = tendering.get_tender(platform.uow(), ctx, tender_id)
    signature = sign_json(tendering.announcement(tender), key, certificate, signed_at=ctx.clock.now())
    tendering.announce_tender(platform.uow(), ctx, tender_id, signature=signature, check=platform.signature_check())


#: The demo pool: (code, name) of the specialties, and the two home pools.
SPECIALTIES = (
    ("A01.01", "房屋建筑工程（土建）"),
    ("A01.02", "房屋建筑工程（安装）"),
    ("A02", "市政公用工程"),
    ("A03", "水利水电工程"),
    ("B01", "工程造价"),
    ("B02", "招标采购管理"),
)
LOCAL_POOL, REMOTE_POOL = "南京市综合评标专家库", "苏州市综合评标专家库"
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = ("建国", "志强", "海燕", "文博", "晓东", "立新", "春华", "国平", "明远", "丽娟", "振宇", "雪梅")


def seed_experts(
    platform: Platform, clock: FixedClock, supervisor: Context, *, count: int = 60, password_hash: str | None = None
) -> list[str]:
    """A pool of ``count`` experts with platform accounts, three in four in the local pool; the demo
    user ``expert`` is the first. Two venues: the main evaluation room and a remote one.

    The accounts' password is the demo password; ``password_hash``, its hash made once, spares
    hashing it again for every account."""
    sys = Context(actor=ADMIN, clock=clock, rules=platform.rules)
    made = []
    for n in range(count):
        username = "expert" if n == 0 else f"expert{n:02d}"
        with platform.uow() as uow:
            user = uow.users.by_username(username)
        if user is None:
            name = _SURNAMES[n % len(_SURNAMES)] + _GIVEN[n % len(_GIVEN)]
            user = identity.create_user(
                platform.uow(),
                sys,
                identity.NewUser(
                    username, f"评标专家 {name}", DEMO_PASSWORD, Role.EXPERT, None, password_hash=password_hash
                ),
            )
        codes = (SPECIALTIES[n % len(SPECIALTIES)][0], SPECIALTIES[(n // 4) % len(SPECIALTIES)][0])
        fields = ExpertFields(
            name=user.display_name.removeprefix("评标专家 "),
            specialties=tuple(sorted(set(codes))),
            title_level=TitleLevel.PROFESSOR if n % 4 == 0 else TitleLevel.SENIOR,
            practice_since=date(1995 + n % 15, 1 + n % 12, 1),
            birth_date=date(1962 + n % 24, 1 + (n * 7) % 12, 1 + n % 28),
            region="320500" if n % 4 == 3 else "320100",
            home_pool=REMOTE_POOL if n % 4 == 3 else LOCAL_POOL,
        )
        jobs = (
            experts.EmploymentFields(
                demo_credit_code(f"91320100MC1{n:06d}"), f"江苏省第{n + 1}建筑设计研究院", date(2012, 1, 1)
            ),
        )
        made.append(experts.register_expert(platform.uow(), supervisor, fields, jobs, user.id).id)
    admin = Context(actor=ADMIN, clock=clock, rules=platform.rules)
    experts.register_venue(
        platform.uow(), admin, experts.VenueFields("第一评标室", "南京市公共资源交易中心 5 楼", "320100", 30)
    )
    experts.register_venue(
        platform.uow(), admin, experts.VenueFields("苏州分中心远程评标室", "苏州市公共资源交易中心 3 楼", "320500", 12)
    )
    return made


def is_seeded(platform: Platform) -> bool:
    with platform.uow() as uow:
        return uow.users.by_username("admin") is not None


def seed(platform: Platform, *, log: Callable[[str], None] | None = None) -> bool:
    """Create the demo data unless it is there. Returns whether anything was made."""
    say = log or (lambda _m: None)
    if is_seeded(platform):
        return False
    real_now = platform.clock.now()
    clock = FixedClock(real_now - timedelta(days=40))
    # Every demo account starts with the published demo password: one argon2id hash serves them all.
    shared = hash_password(DEMO_PASSWORD)
    sys = Context(actor=ADMIN, clock=clock, rules=platform.rules)
    org_ids: dict[str, str] = {}
    for key, (name, code, address, head) in ORGS.items():
        org = identity.create_organisation(
            platform.uow(),
            sys,
            identity.NewOrganisation(name, demo_credit_code(code), address, legal_representative=head),
        )
        org_ids[key] = org.id
    actors: dict[str, Actor] = {}
    for username, display, role, org_key in USERS:
        user = identity.create_user(
            platform.uow(),
            sys,
            identity.NewUser(
                username, display, DEMO_PASSWORD, role, org_ids[org_key] if org_key else None, password_hash=shared
            ),
        )
        actors[username] = user.as_actor()
    say(f"{len(ORGS)} organisations and {len(USERS)} users (password {DEMO_PASSWORD})")
    pool = seed_experts(
        platform,
        clock,
        Context(actor=actors["supervisor"], clock=clock, rules=platform.rules, address="127.0.0.1"),
        password_hash=shared,
    )
    say(
        f"an expert pool of {len(pool)} experts in two pools ({LOCAL_POOL}, {REMOTE_POOL}), "
        "the demo user expert among them; two evaluation venues"
    )
    names = {
        username: (ORGS[org_key][0], demo_credit_code(ORGS[org_key][1]))
        for username, _d, _r, org_key in USERS
        if org_key
    }
    issue_demo_certificates(platform, names, clock.now())
    say(
        f"a demo CA issued SM2 certificates to {len(CERTIFIED)} organisations, and encryption certificates "
        f"to the bidders ({certificates_dir(platform)})"
    )

    def as_(who: str) -> Context:
        return Context(actor=actors[who], clock=clock, rules=platform.rules, address="127.0.0.1")

    # Plans published 40 days ago, announced 35 days later: now open for bids (with a clarification).
    planned = (clock.now() + timedelta(days=35)).date()
    plan = tendering.create_plan(
        platform.uow(), as_("tenderer"), plan_fields("南京市江北新区第一中学新建工程", "12500000.00", planned)
    )
    tendering.publish_plan(platform.uow(), as_("tenderer"), plan.id)
    plan2 = tendering.create_plan(
        platform.uow(), as_("tenderer"), plan_fields("南京市河西片区道路综合整治工程", "8000000.00", planned)
    )
    tendering.publish_plan(platform.uow(), as_("tenderer"), plan2.id)
    plan3 = tendering.create_plan(
        platform.uow(), as_("tenderer"), plan_fields("南京市城南污水处理厂提标改造工程", "30000000.00", planned)
    )
    tendering.publish_plan(platform.uow(), as_("tenderer"), plan3.id)
    clock.advance(timedelta(days=35))
    start = (clock.now() + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)

    def tender(plan_id: str, title: str, price: str, agency: bool = False) -> str:
        t = tendering.create_tender(
            platform.uow(),
            as_("tenderer"),
            plan_id,
            tender_fields(
                title,
                start,
                price,
                agency_org_id=org_ids["agency"] if agency else None,
                public_url=platform.settings.public_url,
            ),
        )
        content = (
            f"{title} 招标文件（演示）\n第一章 招标公告\n第二章 投标人须知\n第三章 评标办法（综合评估法）\n".encode()
        )
        blob = platform.blobs.put_file(io.BytesIO(content))
        tendering.add_document(
            platform.uow(),
            as_("tenderer"),
            t.id,
            kind=DocumentKind.TENDER_DOCUMENT,
            title="招标文件",
            filename=f"{title}-招标文件.txt",
            media_type="text/plain; charset=utf-8",
            blob=blob,
        )
        evaluation_scheme.set_scheme(platform.uow(), as_("tenderer"), t.id, standard_scheme())
        return t.id

    open_id = tender(plan.id, "南京市江北新区第一中学新建工程施工", "12000000.00", agency=True)
    signed_announcement(platform, as_("agency"), open_id, "agency")
    suspended_id = tender(plan2.id, "南京市河西片区道路综合整治工程施工", "7800000.00")
    signed_announcement(platform, as_("tenderer"), suspended_id, "tenderer")
    closed_id = tender(plan3.id, "南京市城南污水处理厂提标改造工程施工", "29000000.00")
    signed_announcement(platform, as_("tenderer"), closed_id, "tenderer")
    clock.advance(timedelta(days=3))
    tendering.clarify(
        platform.uow(),
        as_("agency"),
        open_id,
        text="第三章评标办法第2.2条中“类似工程业绩”指近五年完成的学校类房屋建筑工程。",
        affects_bid_preparation=True,
    )
    tendering.raise_objection(
        platform.uow(),
        as_("bidder2"),
        suspended_id,
        "招标文件要求“近三年获得省级优质工程奖”，属于以特定地区奖项作为加分条件，请予修改。",
    )
    tendering.terminate_tender(platform.uow(), as_("tenderer"), closed_id, "项目建设方案调整，经批准终止本次招标。")
    draft = tender(plan.id, "南京市江北新区第一中学室外配套工程施工", "500000.00")
    tendering.cancel_tender(platform.uow(), as_("tenderer"), draft, "并入主体工程招标。")
    tendering.create_plan(
        platform.uow(),
        as_("tenderer"),
        plan_fields("南京市鼓楼区老旧小区改造工程", "6000000.00", (real_now + timedelta(days=40)).date()),
    )
    opening_service.run_due(platform.uow(), Context(actor=SYSTEM, clock=clock, rules=platform.rules))
    say("3 published plans and 1 draft; tenders announced, suspended by an objection, terminated and cancelled")
    return True

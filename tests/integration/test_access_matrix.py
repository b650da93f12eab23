"""Every endpoint, called by every role, gets the answer the access policy says.

The table below is the specification. A route that is added to the API without a row
here fails ``test_every_endpoint_is_in_the_matrix``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sunbid.demo.seed import standard_scheme
from sunbid.tendering import service as tendering
from tests.factories import PASSWORD, World, credit_code
from tests.integration import matrix_bids as mb
from tests.integration import matrix_evaluations as mev
from tests.integration import matrix_experts as me
from tests.integration import matrix_supervision as ms

ROLES = ("public", "admin", "tenderer", "agency", "bidder", "expert", "supervisor", "auditor", "other_tenderer")
EVERYONE = dict.fromkeys(ROLES, 200)
LOGGED_IN = {r: (401 if r == "public" else 200) for r in ROLES}


def only(allowed: dict[str, int], *, hidden: bool = False, visible_to: tuple[str, ...] = ()) -> dict[str, int]:
    """``allowed`` roles get their code; the public 401 (404 if hidden); others 403 (404 if hidden,
    unless in ``visible_to``, who see the object and so get 403)."""
    out = {}
    for role in ROLES:
        if role in allowed:
            out[role] = allowed[role]
        elif hidden and role not in visible_to:
            out[role] = 404
        else:
            out[role] = 401 if role == "public" else 403
    return out


@dataclass
class Case:
    method: str
    path: str  # template with {names} filled by setup
    expect: dict[str, int]
    setup: Callable[[World, str], dict[str, str]] = lambda _w, _r: {}
    body: Callable[[World, str], Any] = lambda _w, _r: None
    content: bytes | None = None
    params: dict[str, str] = field(default_factory=dict)
    #: A body or raw content made from the setup's ids (a sealed bid, a key, a share).
    body_with: Callable[[World, str, dict[str, str]], Any] | None = None
    content_with: Callable[[World, str, dict[str, str]], bytes] | None = None


def plan_body(_w: World, _r: str) -> dict[str, Any]:
    return {
        "project_name": "新项目",
        "approval_document": "批复",
        "approval_number": "宁发改〔2026〕1号",
        "scope": "施工",
        "estimated_price": "1000000.00",
        "fund_source": "财政资金",
        "planned_announcement_date": "2026-06-01",
    }


def tender_body(w: World, _r: str) -> dict[str, Any]:
    start = w.clock.now() + timedelta(hours=1)
    return {
        "title": "新标",
        "category": "works",
        "sector": "房屋建筑",
        "method": "open",
        "content": "施工",
        "scale": "1 万平方米",
        "fund_source": "财政资金",
        "qualification_requirements": "二级资质",
        "consortium_accepted": False,
        "doc_issue_start": start.isoformat(),
        "doc_sale_end": (start + timedelta(days=6)).isoformat(),
        "bid_deadline": (start + timedelta(days=21)).isoformat(),
        "opening_place": "线上",
        "submission_method": "在线",
        "tenderer_contact": "王 025",
        "supervising_department": "住建局",
        "supervising_contact": "025",
        "objection_channel": "平台",
        "platform_url": "http://x",
        "credit_commitment": "承诺",
        "bid_validity_days": 90,
        "agency_org_id": w.orgs["A"],
        "agency_contact": "李 025",
        "sections": [
            {
                "name": "一标段",
                "scope": "全部",
                "estimated_price": "1000000.00",
                "max_bid_price": "990000.00",
                "bid_deposit": "10000.00",
            }
        ],
    }


def token_of_tenderer(w: World, _r: str) -> dict[str, str]:
    from sunbid.identity import service as identity

    _token, record = identity.create_api_token(w.uow(), w.ctx("tenderer"), "to revoke")
    return {"token_id": record.id}


def announced_doc(w: World, _r: str) -> dict[str, str]:
    tender_id = w.announced_tender()
    doc = tendering.get_tender(w.uow(), w.ctx("tenderer"), tender_id).documents[0]
    return {"tender_id": tender_id, "document_id": doc.id}


def suspended(w: World, _r: str) -> dict[str, str]:
    tender_id, objection_id = w.suspended_tender()
    return {"tender_id": tender_id, "objection_id": objection_id}


def registration(_w: World, role: str) -> dict[str, Any]:
    return {
        "organisation": {"name": f"新单位{role}", "credit_code": credit_code(), "address": "南京"},
        "username": f"new_{role}",
        "display_name": "新用户",
        "password": PASSWORD,
        "role": "bidder",
    }


def signed(w: World) -> dict[str, str]:
    return {"size": str(w.platform.sign_tree_head().size)}


def cosignature(w: World) -> dict[str, str]:
    import base64

    from sunbid.crypto import get_suite

    key = get_suite("intl").generate_signing_key()
    head = w.platform.sign_tree_head()
    return {
        "witness": "监督员",
        "suite": "intl",
        "public_key": base64.b64encode(key.public_key().to_der()).decode(),
        "signature": base64.b64encode(key.sign(head.data())).decode(),
    }


MANAGERS = {"tenderer": 200, "agency": 200}
#: Who follows an evaluation: its managers, the committee (the world's expert sits on it) and oversight.
FOLLOWERS = {"tenderer": 200, "agency": 200, "expert": 200, "supervisor": 200, "auditor": 200}
OVERSEERS = ("tenderer", "agency", "supervisor", "auditor")
OVERSIGHT = {"supervisor": 200, "auditor": 200}
SUPERVISOR = {"supervisor": 200}

CASES: list[Case] = [
    Case("GET", "/api/v1/health", EVERYONE),
    Case(
        "POST",
        "/api/v1/auth/login",
        {r: (401 if r == "public" else 200) for r in ROLES},
        body=lambda _w, r: {"username": r if r != "public" else "nobody", "password": PASSWORD},
    ),
    Case("POST", "/api/v1/auth/logout", {r: (401 if r == "public" else 204) for r in ROLES}),
    Case("GET", "/api/v1/auth/me", LOGGED_IN),
    Case(
        "POST",
        "/api/v1/auth/tokens",
        {r: (401 if r == "public" else 201) for r in ROLES},
        body=lambda _w, _r: {"name": "bid tool"},
    ),
    Case("GET", "/api/v1/auth/tokens", LOGGED_IN),
    Case(
        "DELETE",
        "/api/v1/auth/tokens/{token_id}",
        only({"tenderer": 200}, hidden=True) | {"public": 401},
        setup=token_of_tenderer,
    ),
    Case("POST", "/api/v1/registrations", dict.fromkeys(ROLES, 201), body=registration),
    Case(
        "POST",
        "/api/v1/organisations",
        only({"admin": 201}),
        body=lambda _w, _r: {"name": "新单位", "credit_code": credit_code(), "address": "南京"},
    ),
    Case("GET", "/api/v1/organisations", only({"admin": 200, "supervisor": 200, "auditor": 200})),
    Case("GET", "/api/v1/organisations/{org_id}", EVERYONE, setup=lambda w, _r: {"org_id": w.orgs["T"]}),
    Case(
        "POST",
        "/api/v1/users",
        only({"admin": 201}),
        body=lambda w, r: {
            "username": f"u_{r}",
            "display_name": "新",
            "password": PASSWORD,
            "role": "bidder",
            "org_id": w.orgs["B"],
        },
    ),
    Case("GET", "/api/v1/users", only({"admin": 200})),
    Case(
        "GET",
        "/api/v1/users/{user_id}",
        only({"tenderer": 200, "admin": 200}, hidden=True) | {"public": 401},
        setup=lambda w, _r: {"user_id": w.actors["tenderer"].user_id or ""},
    ),
    Case("POST", "/api/v1/plans", only({"tenderer": 201, "other_tenderer": 201}), body=plan_body),
    Case("GET", "/api/v1/plans", EVERYONE),
    Case(
        "GET",
        "/api/v1/plans/{plan_id}",
        only({"tenderer": 200, "supervisor": 200, "auditor": 200}, hidden=True),
        setup=lambda w, _r: {"plan_id": w.draft_plan()},
    ),
    Case(
        "PUT",
        "/api/v1/plans/{plan_id}",
        only({"tenderer": 200}, hidden=True, visible_to=("supervisor", "auditor")),
        setup=lambda w, _r: {"plan_id": w.draft_plan()},
        body=plan_body,
    ),
    Case(
        "POST",
        "/api/v1/plans/{plan_id}/publish",
        only({"tenderer": 200}, hidden=True, visible_to=("supervisor", "auditor")),
        setup=lambda w, _r: {"plan_id": w.draft_plan()},
    ),
    Case(
        "POST",
        "/api/v1/plans/{plan_id}/amendments",
        only({"tenderer": 201}),
        setup=lambda w, _r: {"plan_id": w.published_plan(days_ago=1)},
        body=lambda w, r: plan_body(w, r) | {"planned_announcement_date": "2026-12-01", "reason": "调整计划"},
    ),
    Case(
        "POST",
        "/api/v1/plans/{plan_id}/withdraw",
        only({"tenderer": 200}),
        setup=lambda w, _r: {"plan_id": w.published_plan(days_ago=1)},
        body=lambda _w, _r: {"reason": "取消"},
    ),
    Case(
        "POST",
        "/api/v1/tenders",
        only({"tenderer": 201}),
        body=lambda w, r: tender_body(w, r) | {"plan_id": w.published_plan()},
    ),
    Case("GET", "/api/v1/tenders", EVERYONE),
    Case(
        "GET",
        "/api/v1/tenders/{tender_id}",
        only(dict.fromkeys(OVERSEERS, 200), hidden=True),
        setup=lambda w, _r: {"tender_id": w.draft_tender()},
    ),
    Case(
        "PUT",
        "/api/v1/tenders/{tender_id}",
        only(MANAGERS, hidden=True, visible_to=("supervisor", "auditor")),
        setup=lambda w, _r: {"tender_id": w.draft_tender()},
        body=tender_body,
    ),
    Case(
        "POST",
        "/api/v1/tenders/{tender_id}/announce",
        only(MANAGERS, hidden=True, visible_to=("supervisor", "auditor")),
        setup=lambda w, _r: {"tender_id": w.draft_tender()},
    ),
    Case(
        "GET",
        "/api/v1/tenders/{tender_id}/announcement",
        only(dict.fromkeys(OVERSEERS, 200), hidden=True),
        setup=lambda w, _r: {"tender_id": w.draft_tender()},
    ),
    Case(
        "POST",
        "/api/v1/tenders/{tender_id}/documents",
        only({"tenderer": 201, "agency": 201}, hidden=True, visible_to=("supervisor", "auditor")),
        setup=lambda w, _r: {"tender_id": w.draft_tender(with_document=False)},
        content=b"%PDF-1.7 documents",
        params={"title": "招标文件", "filename": "a.pdf"},
    ),
    Case("GET", "/api/v1/tenders/{tender_id}/documents", LOGGED_IN, setup=announced_doc),
    Case("GET", "/api/v1/tenders/{tender_id}/documents/{document_id}/content", LOGGED_IN, setup=announced_doc),
    Case(
        "POST",
        "/api/v1/tenders/{tender_id}/clarifications",
        only({"tenderer": 201, "agency": 201}),
        setup=lambda w, _r: {"tender_id": w.announced_tender()},
        body=lambda _w, _r: {"text": "澄清内容"},
    ),
    Case(
        "GET",
        "/api/v1/tenders/{tender_id}/clarifications",
        EVERYONE,
        setup=lambda w, _r: {"tender_id": w.announced_tender()},
    ),
    Case(
        "POST",
        "/api/v1/tenders/{tender_id}/objections",
        only({"bidder": 201}),
        setup=lambda w, _r: {"tender_id": w.announced_tender()},
        body=lambda _w, _r: {"text": "异议内容"},
    ),
    Case("GET", "/api/v1/tenders/{tender_id}/objections", LOGGED_IN, setup=suspended),
    Case(
        "POST",
        "/api/v1/tenders/{tender_id}/objections/{objection_id}/answer",
        only(MANAGERS),
        setup=suspended,
        body=lambda _w, _r: {"answer": "已修改"},
    ),
    Case(
        "POST",
        "/api/v1/tenders/{tender_id}/cancel",
        only(MANAGERS, hidden=True, visible_to=("supervisor", "auditor")),
        setup=lambda w, _r: {"tender_id": w.draft_tender()},
        body=lambda _w, _r: {"reason": "取消"},
    ),
    Case(
        "POST",
        "/api/v1/tenders/{tender_id}/terminate",
        only(MANAGERS),
        setup=lambda w, _r: {"tender_id": w.announced_tender()},
        body=lambda _w, _r: {"reason": "终止"},
    ),
    Case("GET", "/api/v1/events", EVERYONE),
    Case("GET", "/api/v1/ledger/tree-head", EVERYONE, setup=lambda w, _r: signed(w)),
    Case("POST", "/api/v1/ledger/tree-heads", only({"admin": 201})),
    Case("GET", "/api/v1/ledger/tree-heads/{size}", EVERYONE, setup=lambda w, _r: signed(w)),
    Case(
        "POST",
        "/api/v1/ledger/tree-heads/{size}/cosignatures",
        only({"supervisor": 201, "auditor": 201}),
        setup=lambda w, _r: signed(w),
        body=lambda w, _r: cosignature(w),
    ),
    Case("GET", "/api/v1/ledger/entries", EVERYONE),
    Case("GET", "/api/v1/ledger/export", EVERYONE),
    Case("GET", "/api/v1/ledger/proofs/inclusion", EVERYONE, setup=lambda w, _r: signed(w), params={"seq": "0"}),
    Case("GET", "/api/v1/ledger/proofs/consistency", EVERYONE, params={"first": "1", "second": "1"}),
    Case("GET", "/api/v1/rules", EVERYONE),
    Case("GET", "/api/v1/admin/clock", EVERYONE),
    Case("POST", "/api/v1/admin/clock/advance", only({"admin": 200}), body=lambda _w, _r: {"days": 0}),
    Case("POST", "/api/v1/admin/scheduler/run", only({"admin": 200})),
    # ------------------------------------------------------------------ sealed bids, deposits, the opening
    Case("GET", "/api/v1/tenders/{tender_id}/sealing", EVERYONE, setup=mb.announced),
    Case(
        "PUT",
        "/api/v1/tenders/{tender_id}/sealing",
        only(MANAGERS, hidden=True, visible_to=("supervisor", "auditor")),
        setup=lambda w, _r: {"tender_id": w.draft_tender()},
        body=lambda _w, _r: {"suites": ["gm", "intl"], "decrypt_window_minutes": 30},
    ),
    Case(
        "POST",
        "/api/v1/tenders/{tender_id}/sections/{section_id}/bids",
        only({"bidder": 201}),
        setup=mb.announced,
        content_with=mb.sealed_for_bidder,
    ),
    Case("GET", "/api/v1/tenders/{tender_id}/bids", LOGGED_IN, setup=mb.with_bid),
    Case("GET", "/api/v1/bids/{bid_id}", only({"bidder": 200}, hidden=True), setup=mb.with_bid),
    Case("POST", "/api/v1/bids/{bid_id}/withdraw", only({"bidder": 200}, hidden=True), setup=mb.with_bid),
    Case(
        "GET",
        "/api/v1/bids/{bid_id}/submissions/{submission_id}/receipt",
        only({"bidder": 200}, hidden=True),
        setup=mb.with_bid,
    ),
    Case(
        "POST",
        "/api/v1/bids/{bid_id}/decryption",
        only({"bidder": 200}, hidden=True, visible_to=OVERSEERS),
        setup=mb.at_opening,
        body_with=mb.content_key,
    ),
    Case(
        "GET",
        "/api/v1/tenders/{tender_id}/opening/custodian-tasks",
        only({"supervisor": 200, "auditor": 200}),
        setup=mb.at_custodians,
    ),
    Case(
        "POST",
        "/api/v1/bids/{bid_id}/shares",
        only({"supervisor": 200, "auditor": 200}),
        setup=mb.at_custodians,
        body_with=mb.share,
    ),
    Case(
        "GET",
        "/api/v1/tenders/{tender_id}/opening",
        only(dict.fromkeys((*OVERSEERS, "bidder"), 200)),
        setup=mb.at_opening,
    ),
    Case(
        "POST",
        "/api/v1/tenders/{tender_id}/opening/objections",
        only({"bidder": 201}),
        setup=mb.at_results,
        body=lambda _w, _r: {"text": "报价宣读有误"},
    ),
    Case(
        "POST",
        "/api/v1/tenders/{tender_id}/opening/objections/{objection_id}/answer",
        only(MANAGERS),
        setup=mb.with_opening_objection,
        body=lambda _w, _r: {"text": "经核对无误"},
    ),
    Case("POST", "/api/v1/tenders/{tender_id}/opening/conclude", only(MANAGERS), setup=mb.at_results),
    Case("GET", "/api/v1/tenders/{tender_id}/evidence", only({"supervisor": 200, "auditor": 200}), setup=mb.at_opening),
    Case("POST", "/api/v1/tenders/{tender_id}/retender", only({"tenderer": 201, "agency": 201}), setup=mb.failed),
    Case(
        "POST",
        "/api/v1/tenders/{tender_id}/sections/{section_id}/deposits/transfers",
        only({"admin": 201}),
        setup=mb.announced,
        body=mb.transfer_body,
    ),
    Case(
        "POST",
        "/api/v1/tenders/{tender_id}/sections/{section_id}/deposits/guarantees",
        only({"bidder": 201}),
        setup=mb.announced,
        body_with=mb.guarantee_body,
    ),
    Case("GET", "/api/v1/tenders/{tender_id}/deposits", LOGGED_IN, setup=mb.refundable_deposit),
    Case(
        "POST",
        "/api/v1/deposits/{deposit_id}/refund",
        only({"admin": 200}),
        setup=mb.refundable_deposit,
        body=lambda _w, _r: {"reference": "RF-1"},
    ),
    Case(
        "POST",
        "/api/v1/deposits/{deposit_id}/retain",
        only(MANAGERS),
        setup=mb.revoked_deposit,
        body=lambda _w, _r: {"text": "投标人未解密"},
    ),
    Case("GET", "/api/v1/platform/certificate", EVERYONE),
    Case(
        "PUT",
        "/api/v1/organisations/{org_id}/credit-grade",
        only({"supervisor": 200}),
        setup=mb.org,
        body=lambda _w, _r: {"grade": "A", "reason": "信用评价结果"},
    ),
    Case(
        "POST",
        "/api/v1/organisations/{org_id}/relations",
        only({"admin": 201, "supervisor": 201}),
        setup=mb.org,
        body=mb.relation_body,
    ),
    Case("GET", "/api/v1/organisations/{org_id}/relations", EVERYONE, setup=mb.org),
    # ------------------------------------------------------------------ experts, draws, committees, venues
    Case("POST", "/api/v1/experts", only({"admin": 201, "supervisor": 201}), body=me.expert_body),
    Case("GET", "/api/v1/experts", only({"admin": 200, "supervisor": 200, "auditor": 200})),
    Case("GET", "/api/v1/experts/me", only({"expert": 200}), setup=me.once(lambda w, _r: {"id": me.own_expert(w)})),
    Case("GET", "/api/v1/experts/me/seats", LOGGED_IN, setup=me.once(me.drawn)),
    Case(
        "POST",
        "/api/v1/experts/me/declarations",
        only({"expert": 201}),
        setup=me.once(lambda w, _r: {"id": me.own_expert(w)}),
        body=me.declaration_body,
    ),
    Case(
        "POST",
        "/api/v1/experts/me/declarations/{declaration_id}/end",
        only({"expert": 200}),
        setup=me.once(me.own_declaration),
    ),
    Case(
        "GET",
        "/api/v1/experts/{expert_id}",
        only({"admin": 200, "supervisor": 200, "auditor": 200}, hidden=True),
        setup=me.once(me.other_expert),
    ),
    Case(
        "PUT",
        "/api/v1/experts/{expert_id}",
        only({"admin": 200, "supervisor": 200}),
        setup=me.once(me.other_expert),
        body=me.expert_body,
    ),
    Case(
        "POST",
        "/api/v1/experts/{expert_id}/link",
        only({"admin": 200, "supervisor": 200}),
        setup=me.fresh_for(("admin", "supervisor"), me.linkable),
        body_with=lambda _w, _r, ids: {"user_id": ids["user_id"]},
    ),
    Case(
        "POST",
        "/api/v1/experts/{expert_id}/suspend",
        only({"admin": 200, "supervisor": 200}),
        setup=me.fresh_for(("admin", "supervisor"), me.other_expert),
        body=lambda _w, _r: {"reason": "年度考核不合格"},
    ),
    Case(
        "POST",
        "/api/v1/experts/{expert_id}/reinstate",
        only({"admin": 200, "supervisor": 200}),
        setup=me.fresh_for(("admin", "supervisor"), me.suspended_expert),
        body=lambda _w, _r: {"reason": "考核合格"},
    ),
    Case(
        "POST",
        "/api/v1/experts/{expert_id}/exit",
        only({"supervisor": 200}),
        setup=me.once(me.other_expert),
        body=lambda _w, _r: {"reason": "清退出库"},
    ),
    Case(
        "POST",
        "/api/v1/experts/{expert_id}/sanctions",
        only({"admin": 201, "supervisor": 201}),
        setup=me.once(me.other_expert),
        body=me.sanction_body,
    ),
    Case(
        "POST",
        "/api/v1/experts/{expert_id}/sanctions/{sanction_id}/clear",
        only({"admin": 200, "supervisor": 200}),
        setup=me.fresh_for(("admin", "supervisor"), me.sanctioned_expert),
        body=lambda _w, _r: {"reason": "行政复议决定撤销"},
    ),
    Case(
        "POST",
        "/api/v1/tenders/{tender_id}/sections/{section_id}/committee-requests",
        only(MANAGERS | {"tenderer": 201, "agency": 201}),
        setup=me.fresh_for(("tenderer", "agency"), me.opened),
        body_with=me.request_body,
    ),
    Case(
        "GET",
        "/api/v1/tenders/{tender_id}/draws",
        only(dict.fromkeys(OVERSEERS, 200)),
        setup=me.once(me.committed),
    ),
    Case(
        "GET", "/api/v1/draws/{draw_id}", only(dict.fromkeys(OVERSEERS, 200), hidden=True), setup=me.once(me.committed)
    ),
    Case(
        "POST",
        "/api/v1/draws/{draw_id}/contribution",
        only({"supervisor": 200}),
        setup=me.once(me.committed),
        body=lambda _w, _r: {"contribution": "5a" * 32},
    ),
    Case(
        "POST",
        "/api/v1/draws/{draw_id}/perform",
        only(MANAGERS, hidden=True, visible_to=("supervisor", "auditor")),
        setup=me.fresh_for(("tenderer", "agency"), me.committed_now),
    ),
    Case(
        "POST",
        "/api/v1/draws/{draw_id}/cancel",
        only(MANAGERS, hidden=True, visible_to=("supervisor", "auditor")),
        setup=me.fresh_for(("tenderer", "agency"), me.committed_now),
        body=lambda _w, _r: {"reason": "评标时间调整，重新申请"},
    ),
    Case("GET", "/api/v1/tenders/{tender_id}/committees", EVERYONE, setup=me.once(me.drawn)),
    Case(
        "GET",
        "/api/v1/committees/{committee_id}",
        only(dict.fromkeys((*OVERSEERS, "expert"), 200), hidden=True),
        setup=me.once(me.drawn),
    ),
    Case(
        "POST",
        "/api/v1/committees/{committee_id}/check-in",
        only({"expert": 200}, hidden=True, visible_to=OVERSEERS),
        setup=me.once(me.drawn),
        body_with=lambda _w, _r, ids: {"venue_id": ids["venue_id"]},
    ),
    Case(
        "POST",
        "/api/v1/committees/{committee_id}/start",
        only(MANAGERS, hidden=True, visible_to=("supervisor", "auditor", "expert")),
        setup=me.fresh_for(("tenderer", "agency"), me.checked_in),
    ),
    Case(
        "POST",
        "/api/v1/committees/{committee_id}/extension-requests",
        only({"expert": 201}, hidden=True, visible_to=OVERSEERS),
        setup=me.once(me.started),
        body=lambda _w, _r: {"hours": 2, "reason": "技术标资料较多"},
    ),
    Case(
        "POST",
        "/api/v1/committees/{committee_id}/members/{member_id}/replace",
        only(MANAGERS, hidden=True, visible_to=("supervisor", "auditor", "expert")),
        setup=me.fresh_for(("tenderer", "agency"), me.started),
        body=lambda _w, _r: {"reason": "recusal", "details": "与投标人存在利害关系"},
    ),
    Case(
        "GET",
        "/api/v1/committees/{committee_id}/draw-record",
        only(dict.fromkeys((*OVERSEERS, "expert"), 200), hidden=True),
        setup=me.once(me.started),
    ),
    Case(
        "GET",
        "/api/v1/committees/{committee_id}/verification",
        only(dict.fromkeys((*OVERSEERS, "expert"), 200), hidden=True),
        setup=me.once(me.started),
    ),
    Case(
        "POST",
        "/api/v1/committees/{committee_id}/members/{member_id}/ratings",
        only({"tenderer": 201, "agency": 201, "supervisor": 201}, hidden=True, visible_to=("auditor", "expert")),
        setup=me.fresh_for(("tenderer", "agency"), me.dissolved),
        body=lambda _w, _r: {"score": 90, "comment": "评审认真"},
    ),
    Case(
        "POST",
        "/api/v1/venues",
        only({"admin": 201}),
        body=lambda _w, _r: {"name": "第二评标室", "address": "6 楼", "region": "320100", "capacity": 12},
    ),
    Case("GET", "/api/v1/venues", EVERYONE),
    Case(
        "POST",
        "/api/v1/venues/{venue_id}/recordings",
        only({"admin": 201}),
        setup=me.once(me.venue),
        content=b"RIFF....WAVEfmt recording",
        params=me.RECORDING_PARAMS,
    ),
    Case(
        "GET",
        "/api/v1/venues/{venue_id}/recordings",
        only({"admin": 200, "supervisor": 200, "auditor": 200}),
        setup=me.once(me.recording),
    ),
    Case(
        "GET",
        "/api/v1/recordings/{recording_id}/content",
        only({"admin": 200, "supervisor": 200, "auditor": 200}),
        setup=me.once(me.recording),
    ),
    # ------------------------------------------------------------------ evaluation and award
    Case(
        "PUT",
        "/api/v1/tenders/{tender_id}/evaluation-scheme",
        only(MANAGERS, hidden=True, visible_to=("supervisor", "auditor")),
        setup=me.once(lambda w, _r: {"tender_id": w.draft_tender()}),
        body=lambda _w, _r: standard_scheme(),
    ),
    Case("GET", "/api/v1/tenders/{tender_id}/evaluation-scheme", EVERYONE, setup=me.once(mb.announced)),
    Case(
        "POST",
        "/api/v1/tenders/{tender_id}/evaluations",
        only({"tenderer": 201, "agency": 201}),
        setup=me.fresh_for(("tenderer", "agency"), mev.committee_sitting),
        body_with=lambda _w, _r, ids: {"section_id": ids["section_id"]},
    ),
    Case(
        "GET",
        "/api/v1/evaluations/{evaluation_id}",
        only({**FOLLOWERS, "bidder": 200}, hidden=True),
        setup=me.once(mev.technical),
    ),
    Case(
        "GET",
        "/api/v1/evaluations/{evaluation_id}/bids/{bid}/files/{index}",
        only({"expert": 200, "supervisor": 200, "auditor": 200}),
        setup=me.once(mev.technical_file),
    ),
    Case(
        "PUT",
        "/api/v1/evaluations/{evaluation_id}/scores",
        only({"expert": 200}),
        setup=me.once(mev.technical),
        body_with=mev.score_body,
    ),
    Case(
        "POST", "/api/v1/evaluations/{evaluation_id}/technical-lock", only({"expert": 200}), setup=me.once(mev.scored)
    ),
    Case(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/motions",
        only({"expert": 201}),
        setup=me.once(mev.commercial),
        body_with=lambda _w, _r, ids: {
            "kind": "reject_bid",
            "bid": ids["bid_bidder3"],
            "ground": "not_responsive",
            "reason": "工期不响应",
        },
    ),
    Case(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/motions/{motion_id}/votes",
        only({"expert": 200}),
        setup=me.once(mev.with_motion),
        body=lambda _w, _r: {"agree": True},
    ),
    Case(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/explanations",
        only({"expert": 201}),
        setup=me.once(mev.commercial),
        body_with=lambda _w, _r, ids: {"bid": ids["bid_bidder2"], "question": "请说明工期安排"},
    ),
    Case("GET", "/api/v1/evaluations/{evaluation_id}/explanations", LOGGED_IN, setup=me.once(mev.with_explanation)),
    Case(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/explanations/{explanation_id}/answer",
        only({"bidder": 200}, hidden=True),
        setup=me.once(mev.with_explanation),
        body=lambda _w, _r: {"answer": "自有设备，材料已锁价"},
    ),
    Case(
        "POST", "/api/v1/evaluations/{evaluation_id}/conclusion", only({"expert": 201}), setup=me.once(mev.commercial)
    ),
    Case(
        "GET", "/api/v1/evaluations/{evaluation_id}/report/statement", only({"expert": 200}), setup=me.once(mev.signing)
    ),
    Case(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/report/signatures",
        only({"expert": 200}),
        setup=me.once(mev.signing),
        body_with=mev.signature_body,
    ),
    Case(
        "GET",
        "/api/v1/evaluations/{evaluation_id}/report.pdf",
        only(FOLLOWERS, hidden=True),
        setup=me.once(mev.reported),
    ),
    Case(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/corrections",
        only(MANAGERS),
        setup=me.fresh_for(("tenderer", "agency"), mev.reported),
        body=lambda _w, _r: {"reason": "计算有误"},
    ),
    Case(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/publicity",
        only(MANAGERS),
        setup=me.fresh_for(("tenderer", "agency"), mev.reported),
        body=lambda w, _r: {"end": (w.clock.now() + timedelta(days=3)).isoformat()},
    ),
    Case(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/objections",
        only({"bidder": 201}),
        setup=me.once(mev.in_publicity),
        body=lambda _w, _r: {"text": "评分有误"},
    ),
    Case(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/objections/{objection_id}/answer",
        only(MANAGERS),
        setup=me.fresh_for(("tenderer", "agency"), mev.with_publicity_objection),
        body=lambda _w, _r: {"answer": "评分无误"},
    ),
    Case(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/decision",
        only(MANAGERS),
        setup=me.fresh_for(("tenderer", "agency"), mev.at_decision),
        body_with=lambda _w, _r, ids: {"winner_bid_id": ids["winner"], "reasons": "排名第一"},
    ),
    Case(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/failure",
        only(MANAGERS),
        setup=me.fresh_for(("tenderer", "agency"), mev.at_decision),
        body=lambda _w, _r: {"reason": "中标候选人均放弃中标"},
    ),
    Case(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/notices",
        only({"tenderer": 201, "agency": 201}),
        setup=me.fresh_for(("tenderer", "agency"), mev.decided),
    ),
    Case("GET", "/api/v1/evaluations/{evaluation_id}/notices", LOGGED_IN, setup=me.once(mev.awarded)),
    Case(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/contract",
        only(MANAGERS),
        setup=me.fresh_for(("tenderer", "agency"), mev.awarded),
        body_with=mev.contract_body,
    ),
    Case(
        "POST",
        "/api/v1/evaluations/{evaluation_id}/performance",
        only({"tenderer": 201, "agency": 201}),
        setup=me.once(mev.contracted),
        body=lambda w, _r: {
            "kind": "milestone",
            "description": "主体结构封顶",
            "occurred_on": w.clock.now().isoformat(),
        },
    ),
    # ------------------------------------------------------------------ complaints and the registry
    Case(
        "POST",
        "/api/v1/complaints",
        only({"bidder": 201}),
        setup=me.once(lambda w, _r: {"tender_id": w.announced_tender()}),
        body_with=mev.complaint_body,
    ),
    Case(
        "POST",
        "/api/v1/complaints/entered",
        only({"supervisor": 201}),
        setup=me.once(lambda w, _r: {"tender_id": w.announced_tender()}),
        body_with=mev.entered_body,
    ),
    Case(
        "GET",
        "/api/v1/complaints/{complaint_id}",
        only({**MANAGERS, "bidder": 200, "supervisor": 200, "auditor": 200}, hidden=True),
        setup=me.once(mev.complained),
    ),
    Case("GET", "/api/v1/tenders/{tender_id}/complaints", LOGGED_IN, setup=me.once(mev.complained)),
    Case(
        "POST",
        "/api/v1/complaints/{complaint_id}/acceptance",
        only({"supervisor": 200}),
        setup=me.once(mev.complained),
        body=lambda _w, _r: {"suspend": False},
    ),
    Case(
        "POST",
        "/api/v1/complaints/{complaint_id}/refusal",
        only({"supervisor": 200}),
        setup=me.once(mev.complained),
        body=lambda _w, _r: {"reason": "不属于受理范围"},
    ),
    Case(
        "POST",
        "/api/v1/complaints/{complaint_id}/decision",
        only({"supervisor": 200}),
        setup=me.once(mev.accepted_complaint),
        body=lambda _w, _r: {"upheld": False, "decision": "投诉缺乏事实依据"},
    ),
    Case(
        "POST",
        "/api/v1/complaints/{complaint_id}/withdrawal",
        only({"bidder": 200}, hidden=True),
        setup=me.once(mev.complained),
    ),
    Case(
        "POST",
        "/api/v1/organisations/{org_id}/qualifications",
        only({"admin": 201, "supervisor": 201}),
        setup=mb.org,
        body=mev.qualification_body,
    ),
    Case("GET", "/api/v1/organisations/{org_id}/qualifications", LOGGED_IN, setup=mb.org),
    Case(
        "POST",
        "/api/v1/organisations/{org_id}/performances",
        only({"admin": 201, "supervisor": 201}),
        setup=mb.org,
        body=mev.performance_record_body,
    ),
    Case("GET", "/api/v1/organisations/{org_id}/performances", LOGGED_IN, setup=mb.org),
    # ------------------------------------------------------------------ risk indicators and warnings (M16-M18)
    Case("GET", "/api/v1/risk/indicators", EVERYONE),
    Case("GET", "/api/v1/tenders/{tender_id}/risk", only(OVERSIGHT), setup=me.once(ms.announced)),
    Case("GET", "/api/v1/warnings", only(OVERSIGHT), setup=me.once(ms.warned)),
    Case("GET", "/api/v1/warnings/{warning_id}", only(OVERSIGHT), setup=me.once(ms.warned)),
    Case(
        "POST",
        "/api/v1/warnings/{warning_id}/assignment",
        only(SUPERVISOR),
        setup=me.once(ms.warned),
        body=ms.assign_body,
    ),
    Case(
        "POST",
        "/api/v1/warnings/{warning_id}/acknowledgement",
        only(SUPERVISOR),
        setup=me.fresh_for(("supervisor",), ms.assigned),
        body=lambda _w, _r: {"note": "已签收"},
    ),
    Case(
        "POST",
        "/api/v1/warnings/{warning_id}/investigation",
        only(SUPERVISOR),
        setup=me.fresh_for(("supervisor",), ms.acknowledged),
        body=lambda _w, _r: {"notes": "调阅招标文件"},
    ),
    Case(
        "POST",
        "/api/v1/warnings/{warning_id}/dismissal",
        only(SUPERVISOR),
        setup=me.fresh_for(("supervisor",), ms.investigating),
        body=lambda _w, _r: {"reason": "该条款为国家强制性规定"},
    ),
    Case(
        "POST",
        "/api/v1/warnings/{warning_id}/referrals",
        only({"supervisor": 201}),
        setup=me.fresh_for(("supervisor",), ms.investigating),
        body=ms.referral_body,
    ),
    Case(
        "POST",
        "/api/v1/warnings/{warning_id}/referrals/{referral_id}/feedback",
        only(SUPERVISOR),
        setup=me.fresh_for(("supervisor",), ms.referred),
        body=ms.feedback_body,
    ),
    Case(
        "POST",
        "/api/v1/warnings/{warning_id}/closure",
        only(SUPERVISOR),
        setup=me.fresh_for(("supervisor",), ms.investigating),
        body=lambda _w, _r: {"outcome": "confirmed", "reason": "已责令改正"},
    ),
    # ------------------------------------------------------------------ credit grades and penalties
    Case("GET", "/api/v1/credit-grades", only(OVERSIGHT), setup=me.once(ms.graded)),
    Case("POST", "/api/v1/credit-grades/recompute", only(SUPERVISOR)),
    Case(
        "GET",
        "/api/v1/credit-grades/{subject_type}/{subject_id}",
        only({**OVERSIGHT, "bidder": 200}),
        setup=me.once(ms.graded),
    ),
    Case(
        "POST",
        "/api/v1/credit-grades/{subject_type}/{subject_id}/override",
        only(SUPERVISOR),
        setup=me.once(ms.graded),
        body=lambda _w, _r: {"grade": "A", "reason": "省级信用评价结果"},
    ),
    Case(
        "POST",
        "/api/v1/organisations/{org_id}/penalties",
        only({"supervisor": 201}),
        setup=mb.org,
        body=ms.penalty_body,
    ),
    Case("GET", "/api/v1/organisations/{org_id}/penalties", EVERYONE, setup=me.once(ms.penalised)),
    Case(
        "POST",
        "/api/v1/penalties/{penalty_id}/revocation",
        only(SUPERVISOR),
        setup=me.fresh_for(("supervisor",), ms.penalised),
        body=lambda _w, _r: {"reason": "行政复议撤销"},
    ),
    # ------------------------------------------------------------------ spot checks (seed task 57)
    Case(
        "POST",
        "/api/v1/spot-checks",
        only({"supervisor": 201}),
        setup=me.once(ms.announced),
        body=lambda _w, _r: {"size": 1},
    ),
    Case("GET", "/api/v1/spot-checks", only(OVERSIGHT), setup=me.once(ms.committed)),
    Case("GET", "/api/v1/spot-checks/{spot_check_id}", only(OVERSIGHT), setup=me.once(ms.committed)),
    Case(
        "POST",
        "/api/v1/spot-checks/{spot_check_id}/draw",
        only(SUPERVISOR),
        setup=me.fresh_for(("supervisor",), ms.committed),
        body=lambda _w, _r: {"contribution": "ab" * 16},
    ),
    Case("GET", "/api/v1/spot-checks/{spot_check_id}/record", only(OVERSIGHT), setup=me.once(ms.drawn)),
    Case(
        "POST",
        "/api/v1/spot-checks/{spot_check_id}/reviews/{tender_id}",
        only(SUPERVISOR),
        setup=me.fresh_for(("supervisor",), ms.drawn),
        body=lambda _w, _r: {"outcome": "compliant", "findings": "未发现排斥限制条款"},
    ),
]


def test_every_endpoint_is_in_the_matrix(api: TestClient) -> None:
    spec = api.get("/api/v1/openapi.json").json()
    routes = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    covered = {(c.method, c.path) for c in CASES}
    assert routes - covered == set(), "endpoints without an access-matrix row"
    assert covered - routes == set(), "matrix rows for endpoints that do not exist"


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_endpoint_answers_every_role_as_the_policy_says(api: TestClient, world: World, case: Case) -> None:
    answers = {}
    for role in ROLES:
        ids = case.setup(world, role)
        path = case.path.format(**ids)
        headers = world.headers(role)
        kwargs: dict[str, Any] = {"headers": headers, "params": case.params}
        content = case.content_with(world, role, ids) if case.content_with else case.content
        if content is not None:
            kwargs["content"] = content
            headers["Content-Type"] = "application/octet-stream"
        elif (body := case.body_with(world, role, ids) if case.body_with else case.body(world, role)) is not None:
            kwargs["json"] = body
        response = api.request(case.method, path, **kwargs)
        answers[role] = response.status_code
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json"), response.text
            assert response.json()["code"], response.text
    assert answers == case.expect

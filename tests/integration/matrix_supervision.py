"""Access-matrix rows' setups for warnings, risk indicators, credit grades, penalties and spot
checks (see test_access_matrix.py).

A warning is raised here from the fair-competition review of an announced tender whose documents
demand a local branch: it needs no bids. States build on each other; read-only states are shared.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sunbid.kernel.calendar import china_date
from sunbid.supervision import credit_service as credit
from sunbid.supervision import spot_service as spot
from sunbid.supervision import warning_service as warnings
from sunbid.supervision.credit_model import PenaltyKind
from sunbid.supervision.warning_model import Authority
from sunbid.tendering import service as tendering
from tests.factories import World
from tests.markets import LOCAL_BRANCH_DOCUMENT

Setup = Callable[[World, str], dict[str, str]]


def _supervisor(w: World) -> str:
    user_id = w.actors["supervisor"].user_id
    assert user_id is not None
    return user_id


def announced(w: World, _r: str = "") -> dict[str, str]:
    tender_id = w.draft_tender(with_document=False)
    w.add_document(tender_id, LOCAL_BRANCH_DOCUMENT.encode("utf-8"))
    tendering.announce_tender(w.uow(), w.ctx("tenderer"), tender_id)
    return {"tender_id": tender_id}


def warned(w: World, r: str = "") -> dict[str, str]:
    """An open warning: the local-branch clause of an announced tender's documents."""
    tender_id = announced(w, r)["tender_id"]
    flags = w.platform.scanner().review([tender_id])[tender_id]
    with w.uow() as uow:
        made = warnings.raise_warnings(uow, w.ctx("supervisor"), flags, scan_tender=tender_id, bid_orgs={},
                                       managers=[w.orgs["T"], w.orgs["A"]], source="manual")  # fmt: skip
        uow.commit()
    return {"tender_id": tender_id, "warning_id": made[0].id}


def assigned(w: World, r: str = "") -> dict[str, str]:
    ids = warned(w, r)
    warnings.assign(w.uow(), w.ctx("supervisor"), ids["warning_id"], _supervisor(w))
    return ids


def acknowledged(w: World, r: str = "") -> dict[str, str]:
    ids = assigned(w, r)
    warnings.acknowledge(w.uow(), w.ctx("supervisor"), ids["warning_id"])
    return ids


def investigating(w: World, r: str = "") -> dict[str, str]:
    ids = acknowledged(w, r)
    warnings.investigate(w.uow(), w.ctx("supervisor"), ids["warning_id"], "调阅招标文件")
    return ids


def referred(w: World, r: str = "") -> dict[str, str]:
    ids = investigating(w, r)
    referral = warnings.refer(w.uow(), w.ctx("supervisor"), ids["warning_id"], authority=Authority.MARKET_REGULATION,
                              authority_name="南京市市场监督管理局", number="宁监移〔2026〕9号")  # fmt: skip
    return ids | {"referral_id": referral.id}


def assign_body(w: World, _r: str) -> dict[str, Any]:
    return {"assignee_id": _supervisor(w), "note": "请核查"}


def referral_body(_w: World, _r: str) -> dict[str, Any]:
    return {
        "authority": "public_security",
        "authority_name": "南京市公安局经济犯罪侦查支队",
        "number": "宁监移〔2026〕1号",
    }


def feedback_body(w: World, _r: str) -> dict[str, Any]:
    return {"received_at": w.clock.now().isoformat(), "outcome": "no_case", "text": "未发现违法行为"}


# ---------------------------------------------------------------------------- credit
def graded(w: World, _r: str = "") -> dict[str, str]:
    """The grades computed; the subject is the world's bidder's organisation."""
    credit.recompute(w.uow(), w.ctx("supervisor"))
    return {"subject_type": "organisation", "subject_id": w.orgs["B"]}


def penalty_body(w: World, _r: str) -> dict[str, Any]:
    return {
        "kind": "other",
        "authority": "南京市住房和城乡建设局",
        "decision_number": "宁建罚〔2026〕3号",
        "decided_on": (china_date(w.clock.now()) - timedelta(days=2)).isoformat(),
        "details": "未按规定提交资料，警告",
    }


def penalised(w: World, _r: str = "") -> dict[str, str]:
    made = credit.record_penalty(
        w.uow(), w.ctx("supervisor"), w.orgs["B2"], kind=PenaltyKind.OTHER, authority="南京市住房和城乡建设局",
        decision_number="宁建罚〔2026〕4号", decided_on=china_date(w.clock.now()) - timedelta(days=2), details="警告",
    )  # fmt: skip
    return {"org_id": w.orgs["B2"], "penalty_id": made.id}


# ---------------------------------------------------------------------------- spot checks
def committed(w: World, r: str = "") -> dict[str, str]:
    announced(w, r)
    made = spot.commit_spot_check(w.uow(), w.ctx("supervisor"), w.platform.scanner(), size=1)
    return {"spot_check_id": made.id}


def drawn(w: World, r: str = "") -> dict[str, str]:
    ids = committed(w, r)
    made = spot.draw_spot_check(w.uow(), w.ctx("supervisor"), ids["spot_check_id"])
    return ids | {"tender_id": made.sample[0]}

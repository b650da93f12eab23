"""Risk- and credit-weighted random spot checks of tender documents (招标文件随机抽查, seed task 57)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from sunbid.api import idempotency
from sunbid.api.deps import Ctx, Idem, Plat, Uow
from sunbid.api.routers.organisations import Cursor, Limit
from sunbid.api.schemas_supervision import DrawIn, ReviewIn, ReviewOut, SpotCheckIn, SpotCheckOut, SpotCheckPageOut
from sunbid.kernel.query import decode_cursor
from sunbid.supervision import spot_service as spot

router = APIRouter(tags=["supervision"])


@router.post("/spot-checks", response_model=SpotCheckOut, status_code=201)
def commit(body: SpotCheckIn, request: Request, ctx: Ctx, uow: Uow, p: Plat, idem: Idem) -> object:
    """Fix the announced tenders to draw from, each one's risk- and credit-weighted chance and a
    secret seed, and commit their digests to the ledger."""
    return idempotency.created(
        p,
        ctx,
        idem,
        request,
        lambda: SpotCheckOut.of(
            spot.commit_spot_check(
                uow,
                ctx,
                p.scanner(),
                size=body.size,
                category=body.category.value if body.category else None,
                announced_from=body.announced_from,
                announced_to=body.announced_to,
                note=body.note,
            )
        ),
    )


@router.get("/spot-checks", response_model=SpotCheckPageOut)
def list_spot_checks(ctx: Ctx, uow: Uow, cursor: Cursor = None, limit: Limit = 50) -> SpotCheckPageOut:
    page = spot.list_spot_checks(uow, ctx, decode_cursor(cursor), limit)
    return SpotCheckPageOut(items=[SpotCheckOut.of(s) for s in page.items], next_cursor=page.next_cursor)


@router.get("/spot-checks/{spot_check_id}", response_model=SpotCheckOut)
def get_spot_check(spot_check_id: str, ctx: Ctx, uow: Uow) -> SpotCheckOut:
    return SpotCheckOut.of(spot.get_spot_check(uow, ctx, spot_check_id))


@router.post("/spot-checks/{spot_check_id}/draw", response_model=SpotCheckOut)
def draw(spot_check_id: str, body: DrawIn, ctx: Ctx, uow: Uow) -> SpotCheckOut:
    """Reveal the seed and draw the sample, with the supervisor's random contribution."""
    contribution = bytes.fromhex(body.contribution) if body.contribution else None
    return SpotCheckOut.of(spot.draw_spot_check(uow, ctx, spot_check_id, contribution))


@router.get("/spot-checks/{spot_check_id}/record")
def record(spot_check_id: str, ctx: Ctx, uow: Uow) -> dict[str, Any]:
    """Everything needed to re-run the draw (``sunbid-spotcheck-record/1``, ``sunbid spot-check verify``)."""
    return spot.spot_check_record(uow, ctx, spot_check_id)


@router.post("/spot-checks/{spot_check_id}/reviews/{tender_id}", response_model=ReviewOut)
def review(spot_check_id: str, tender_id: str, body: ReviewIn, ctx: Ctx, uow: Uow) -> object:
    """The outcome of one sampled tender's review (核查结果)."""
    return spot.record_review(uow, ctx, spot_check_id, tender_id, body.outcome, body.findings)

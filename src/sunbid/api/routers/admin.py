"""Operator actions: the accelerated clock (demos and tests only) and a scheduler pass."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter

from sunbid.api.deps import Ctx, Plat
from sunbid.api.schemas import ClockAdvanceIn, ClockOut, SchedulerOut
from sunbid.identity.policy import Action, authorize
from sunbid.kernel.clock import AcceleratedClock, FixedClock
from sunbid.kernel.errors import Conflict

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/clock", response_model=ClockOut)
def clock(p: Plat) -> ClockOut:
    return ClockOut(now=p.clock.now(), kind=type(p.clock).__name__)


@router.post("/clock/advance", response_model=ClockOut)
def advance_clock(body: ClockAdvanceIn, ctx: Ctx, p: Plat) -> ClockOut:
    """Move an accelerated clock forward. Refused on the system clock, i.e. in production."""
    authorize(ctx.actor, Action.CLOCK_ADVANCE)
    if not isinstance(p.clock, AcceleratedClock | FixedClock):
        raise Conflict(
            "clock_not_adjustable",
            "系统时钟不可调整（仅演示和测试环境的加速时钟可调）",
            "The system clock cannot be moved; only the accelerated clock of demos and tests can",
        )
    p.clock.advance(timedelta(days=body.days, hours=body.hours))
    return ClockOut(now=p.clock.now(), kind=type(p.clock).__name__)


@router.post("/scheduler/run", response_model=SchedulerOut)
def run_scheduler(ctx: Ctx, p: Plat) -> SchedulerOut:
    """One pass of the scheduler's time-driven transitions (idempotent)."""
    authorize(ctx.actor, Action.SCHEDULER_RUN)
    applied = [list(a) for a in p.run_due(ctx)]
    p.sign_tree_head()
    return SchedulerOut(applied=applied)

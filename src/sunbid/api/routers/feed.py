"""The public change feed and the statutory rule table."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from sunbid.api.deps import Ctx, Plat
from sunbid.api.schemas import EventOut, EventPageOut, RuleOut, RulesOut
from sunbid.identity.policy import Action, allowed
from sunbid.storage.feed import read_events

router = APIRouter(tags=["disclosure"])


@router.get("/events", response_model=EventPageOut)
def events(
    ctx: Ctx,
    p: Plat,
    after: Annotated[int | None, Query(ge=0, description="The last seq already read")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    subject_id: Annotated[str | None, Query(max_length=40)] = None,
) -> EventPageOut:
    """Every public event in commit order; supervisors and auditors also see the non-public ones."""
    rows = read_events(
        p.engine,
        after=after,
        limit=limit,
        subject_id=subject_id,
        include_private=allowed(ctx.actor, Action.EVENTS_READ_ALL),
    )
    return EventPageOut(items=[EventOut(**r) for r in rows], next_cursor=rows[-1]["seq"] if rows else None)


@router.get("/rules", response_model=RulesOut)
def rules(p: Plat) -> RulesOut:
    """The statutory rule table in force, each number with the article it comes from."""
    return RulesOut(
        jurisdiction=p.rules.jurisdiction,
        rules=[
            RuleOut(
                key=r.key,
                value=str(r.value),
                unit=r.unit,
                title_zh=r.title_zh,
                title_en=r.title_en,
                citation=r.citation,
                certainty=r.certainty,
            )
            for r in p.rules
        ],
    )

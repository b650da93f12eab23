"""The evaluation scheme (评标办法) a tender declares in its documents before the announcement
(法 第十九条: the tender documents include the evaluation standards; 评标规定 第十七条: the
committee evaluates by them and by nothing else)."""

from __future__ import annotations

from typing import Any

from sunbid.evaluation.scheme import EvaluationScheme, validate
from sunbid.identity.policy import Action, authorize
from sunbid.kernel.context import Context
from sunbid.kernel.events import event_from
from sunbid.tendering.model import TenderAction
from sunbid.tendering.ports import TenderingUnitOfWork
from sunbid.tendering.service import readable_tender


def set_scheme(uow: TenderingUnitOfWork, ctx: Context, tender_id: str, raw: Any) -> EvaluationScheme:
    """Declare the scheme of a draft tender; it is checked against the statutory rules first
    (lowest evaluated price only with general technical standards, weights summing to the
    total, the technical weight for survey and design, no lottery among the award methods)."""
    scheme = EvaluationScheme.from_json(raw)
    with uow:
        tender = readable_tender(uow, ctx, tender_id, for_update=True)
        authorize(ctx.actor, Action.TENDER_MANAGE, tender)
        tender.next_state(TenderAction.SET_EVALUATION_SCHEME)
        validate(scheme, str(tender.category), tender.sector, ctx.rules)
        tender.evaluation_scheme = scheme.as_json()
        uow.emit(
            event_from(
                ctx,
                "EvaluationSchemeDeclared",
                "tender",
                tender.id,
                public=False,
                method=str(scheme.method),
                award_mode=str(scheme.award.mode),
                anonymised=scheme.anonymity.anonymised,
                factors=[{"id": f.id, "part": str(f.part), "max_points": str(f.max_points)} for f in scheme.factors],
            )
        )
        uow.commit()
    return scheme


def get_scheme(uow: TenderingUnitOfWork, ctx: Context, tender_id: str) -> dict[str, Any] | None:
    with uow:
        return readable_tender(uow, ctx, tender_id).evaluation_scheme

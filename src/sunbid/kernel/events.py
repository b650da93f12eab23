"""Domain events: facts that happened, recorded in the same transaction as the change.

An event holds public facts and hashes, never secrets. ``public`` says whether the change
feed shows it to everyone, or only to supervisors and auditors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sunbid.kernel.context import Context


@dataclass(frozen=True)
class DomainEvent:
    name: str  # past tense, e.g. "TenderAnnounced"
    subject_type: str  # "tender", "plan", "organisation", ...
    subject_id: str
    occurred_at: datetime
    actor_id: str | None
    public: bool
    data: dict[str, Any] = field(default_factory=dict)
    address: str | None = None  # network address of the caller (电子招标投标办法 §49)


def event_from(
    ctx: Context, name: str, subject_type: str, subject_id: str, /, *, public: bool, **data: Any
) -> DomainEvent:
    """An event stamped with the context's actor, clock and network address."""
    return DomainEvent(
        name=name,
        subject_type=subject_type,
        subject_id=subject_id,
        occurred_at=ctx.clock.now(),
        actor_id=ctx.actor.user_id,
        public=public,
        data=data,
        address=ctx.address,
    )

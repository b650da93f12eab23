"""What a ledger entry says, and its canonical bytes (the Merkle leaf data).

An entry is a domain event with its position: who, what, when, from which address, and
the event's data, which holds public facts and hashes of files, never secrets. The leaf
data is the entry as canonical JSON: keys sorted, no insignificant whitespace, UTF-8, and
no floating-point numbers. For these values that is exactly RFC 8785 (JCS).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sunbid.kernel.events import DomainEvent

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@dataclass(frozen=True)
class Entry:
    seq: int  # the leaf index, from 0, without gaps
    name: str
    subject_type: str
    subject_id: str
    occurred_at: datetime
    actor_id: str | None
    address: str | None
    public: bool
    data: dict[str, Any]

    @classmethod
    def of(cls, seq: int, event: DomainEvent) -> Entry:
        return cls(
            seq,
            event.name,
            event.subject_type,
            event.subject_id,
            event.occurred_at.astimezone(UTC),
            event.actor_id,
            event.address,
            event.public,
            dict(event.data),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "name": self.name,
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "occurred_at": self.occurred_at.astimezone(UTC).strftime(TIME_FORMAT),
            "actor_id": self.actor_id,
            "address": self.address,
            "public": self.public,
            "data": self.data,
        }

    def canonical(self) -> bytes:
        refuse_floats(self.data)  # the other fields are typed
        return canonical_json(self.as_json(), checked=True)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Entry:
        return cls(
            seq=int(body["seq"]),
            name=str(body["name"]),
            subject_type=str(body["subject_type"]),
            subject_id=str(body["subject_id"]),
            occurred_at=datetime.strptime(body["occurred_at"], TIME_FORMAT).replace(tzinfo=UTC),
            actor_id=body["actor_id"],
            address=body["address"],
            public=bool(body["public"]),
            data=dict(body["data"]),
        )


def canonical_json(value: Any, *, checked: bool = False) -> bytes:
    if not checked:
        refuse_floats(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")


def refuse_floats(value: Any) -> None:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return
    if isinstance(value, float):
        raise TypeError("ledger entries hold no floating-point numbers: record amounts as strings")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError("ledger entry keys are strings")
            refuse_floats(v)
    elif isinstance(value, list | tuple):
        for v in value:
            refuse_floats(v)

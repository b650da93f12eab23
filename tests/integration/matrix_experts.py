"""Access-matrix rows for the expert pool, draws, committees, venues and ratings (see
test_access_matrix.py).

The world's ``expert`` user is linked to an expert record, and every committee made here draws
it: its specialty is fresh for each committee and held by exactly as many experts as there are
seats. Setups that only read are made once per world and shared by the roles; a setup for a
change that several roles may make is made afresh for each of them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sunbid.experts import service as experts
from sunbid.experts.model import DeclarationKind, Requirement, SanctionKind
from sunbid.kernel.context import Role
from tests.conftest import START
from tests.experts import LOCAL, Pool
from tests.factories import World
from tests.integration import matrix_bids as mb

Setup = Callable[[World, str], dict[str, str]]
_codes = itertools.count(10)


def pool(w: World) -> Pool:
    made: Pool | None = getattr(w, "_pool", None)
    if made is None:
        made = Pool(w, mb.helper(w))
        user_id = w.actors["expert"].user_id
        record = experts.register_expert(w.uow(), w.ctx("supervisor"), _fields("周工", "Z99"), (), user_id)
        made.users[record.id] = "expert"
        object.__setattr__(w, "_pool", made)
        object.__setattr__(w, "_own_expert", record.id)
    return made


def _fields(name: str, specialty: str) -> experts.ExpertFields:
    from tests.experts import expert_fields

    return expert_fields(name, specialty)


def own_expert(w: World) -> str:
    pool(w)
    return str(w._own_expert)  # type: ignore[attr-defined]


def once(setup: Setup) -> Setup:
    """The same objects for every role (the route only reads, or only one role may change them)."""

    def shared(w: World, r: str) -> dict[str, str]:
        cache: dict[str, dict[str, str]] = w.__dict__.setdefault("_matrix_cache", {})
        if setup.__name__ not in cache:
            cache[setup.__name__] = setup(w, r)
        return cache[setup.__name__]

    shared.__name__ = setup.__name__
    return shared


def fresh_for(roles: tuple[str, ...], setup: Setup) -> Setup:
    """New objects for each role allowed to change them; shared ones for the others."""
    shared = once(setup)
    return lambda w, r: setup(w, r) if r in roles else shared(w, r)


# ---------------------------------------------------------------------------- the pool
def expert_body(_w: World, _r: str) -> dict[str, Any]:
    return {
        "name": "新专家",
        "specialties": ["A01.02"],
        "title_level": "senior",
        "practice_since": "2010-01-01",
        "birth_date": "1970-05-01",
        "region": "320100",
        "home_pool": LOCAL,
    }


def other_expert(w: World, _r: str) -> dict[str, str]:
    return {"expert_id": pool(w).expert(linked=False)}


def linkable(w: World, _r: str) -> dict[str, str]:
    p = pool(w)
    return {"expert_id": p.expert(linked=False), "user_id": w.actors[p.user(Role.EXPERT)].user_id or ""}


def suspended_expert(w: World, _r: str) -> dict[str, str]:
    ids = other_expert(w, _r)
    experts.suspend_expert(w.uow(), w.ctx("supervisor"), ids["expert_id"], "暂停")
    return ids


def sanctioned_expert(w: World, _r: str) -> dict[str, str]:
    ids = other_expert(w, _r)
    made = experts.record_sanction(w.uow(), w.ctx("supervisor"), ids["expert_id"], sanction_fields())
    return ids | {"sanction_id": made.id}


def sanction_fields() -> experts.SanctionFields:
    return experts.SanctionFields(
        SanctionKind.ADMINISTRATIVE, "南京市住建局", "宁建罚〔2025〕1号", date(2025, 1, 2), "x"
    )


def sanction_body(_w: World, _r: str) -> dict[str, Any]:
    return {
        "kind": "administrative",
        "authority": "南京市住建局",
        "decision_number": "宁建罚〔2025〕2号",
        "decided_on": "2025-01-02",
    }


def own_declaration(w: World, _r: str) -> dict[str, str]:
    own_expert(w)
    made = experts.declare(w.uow(), w.ctx("expert"), experts.DeclarationFields(DeclarationKind.OTHER, "曾任该单位顾问"))
    return {"declaration_id": made.id}


def declaration_body(w: World, _r: str) -> dict[str, Any]:
    return {"kind": "economic_interest", "details": "持有股份", "org_credit_code": mb.helper(w).org("B").credit_code}


# ---------------------------------------------------------------------------- draws and committees
def _committee_ready(w: World, tender_id: str | None = None) -> tuple[Pool, str, str]:
    """An opened tender (a new one by default) and a fresh specialty held by the world's expert
    and four others."""
    p = pool(w)
    tender_id = tender_id or p.opened()
    n = next(_codes)  # a fresh code per committee: letter and two digits (A01-style), never reused
    specialty = f"{'YXWVUTSRQP'[n // 100 % 10]}{n % 100:02d}"
    own = experts.get_expert(w.uow(), w.ctx("supervisor"), own_expert(w))
    fields = _fields(own.name, own.specialty_codes[0])
    experts.update_expert(
        w.uow(),
        w.ctx("supervisor"),
        own.id,
        experts.ExpertFields(
            fields.name,
            (*own.specialty_codes, specialty),
            fields.title_level,
            fields.practice_since,
            fields.birth_date,
            fields.region,
            fields.home_pool,
        ),
        (),
    )
    p.many(4, specialty)
    return p, tender_id, specialty


def opened(w: World, _r: str) -> dict[str, str]:
    p, tender_id, specialty = _committee_ready(w)
    w.__dict__["_specialty"] = specialty
    return {"tender_id": tender_id, "section_id": p.section(tender_id), "specialty": specialty}


def request_body(w: World, _r: str, ids: dict[str, str]) -> dict[str, Any]:
    return {
        "size": 5,
        "requirements": [{"specialty": ids["specialty"], "seats": 5, "reserves": 0}],
        "local_pool": LOCAL,
        "main_venue_id": pool(w).venue,
        "starts_at": (w.clock.now() + timedelta(hours=2)).isoformat(),
        "evaluation_hours": 8,
    }


def _request(w: World, **changes: Any) -> tuple[Pool, dict[str, str], str]:
    p, tender_id, specialty = _committee_ready(w)
    draw = p.request(tender_id, requirements=(Requirement(specialty, 5, 0),), **changes)
    return p, {"tender_id": tender_id, "section_id": p.section(tender_id), "draw_id": draw.id}, specialty


def committed(w: World, _r: str) -> dict[str, str]:
    return _request(w, await_contribution=True)[1]


def committed_now(w: World, _r: str) -> dict[str, str]:
    return _request(w)[1]


def drawn(w: World, _r: str) -> dict[str, str]:
    p, ids, specialty = _request(w)
    committee = experts.perform_draw(w.uow(), w.ctx("tenderer"), ids["draw_id"])
    member = next(m for m in committee.members if m.user_id == w.actors["expert"].user_id)
    p.expert(specialty)  # a candidate left for a replacement draw
    return ids | {"committee_id": committee.id, "member_id": member.id, "venue_id": p.venue}


def checked_in(w: World, r: str) -> dict[str, str]:
    ids = drawn(w, r)
    pool(w).check_in_all(ids["committee_id"])
    return ids


def started(w: World, r: str) -> dict[str, str]:
    ids = checked_in(w, r)
    experts.start_evaluation(w.uow(), w.ctx("tenderer"), ids["committee_id"])
    return ids


def dissolved(w: World, r: str) -> dict[str, str]:
    ids = started(w, r)
    experts.dissolve(w.uow(), w.ctx("tenderer"), ids["committee_id"])
    return ids


# ---------------------------------------------------------------------------- venues
def venue(w: World, _r: str) -> dict[str, str]:
    return {"venue_id": pool(w).venue}


def recording(w: World, _r: str) -> dict[str, str]:
    import io

    p = pool(w)
    blob = w.platform.blobs.put_file(io.BytesIO(b"RIFF....WAVEfmt audio"))
    made = experts.anchor_recording(
        w.uow(),
        w.ctx("admin"),
        p.venue,
        experts.RecordingFields(
            experts.RecordingKind.AUDIO, "a.wav", "audio/wav", w.clock.now() - timedelta(hours=1), w.clock.now()
        ),
        blob,
    )
    return {"venue_id": p.venue, "recording_id": made.id}


#: Query parameters of a recording's upload (the worlds' clocks start at START).
RECORDING_PARAMS = {
    "kind": "audio",
    "filename": "评标室.wav",
    "recorded_from": (START - timedelta(hours=1)).isoformat(),
    "recorded_to": START.isoformat(),
}

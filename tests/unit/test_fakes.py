"""The in-memory unit of work behaves like the database where the use cases can tell."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sunbid.identity.model import Organisation
from sunbid.kernel.clock import FixedClock
from sunbid.kernel.context import SYSTEM, Context
from sunbid.kernel.events import DomainEvent, event_from
from sunbid.kernel.query import Scope

from .builders import T0, credit_code
from .fakes import DuplicateKey, FakeUnitOfWork


def org(ident: str = "org_1") -> Organisation:
    return Organisation(id=ident, name="甲", credit_code=credit_code(1), address="南京", created_at=T0)


def event(name: str = "Something") -> DomainEvent:
    return event_from(Context(actor=SYSTEM, clock=FixedClock(T0)), name, "organisation", "org_1", public=True)


def test_committed_changes_and_events_are_kept() -> None:
    uow = FakeUnitOfWork()
    with uow:
        uow.organisations.add(org())
        uow.emit(event())
        uow.commit()
    assert uow.committed
    assert uow.organisations.get("org_1") is not None
    assert uow.event_names() == ["Something"]


def test_an_error_rolls_back_changes_and_events() -> None:
    uow = FakeUnitOfWork()
    with uow:
        uow.organisations.add(org())
        uow.commit()
    kept = uow.organisations.get("org_1")
    assert kept is not None

    def fail() -> None:
        with uow:
            uow.organisations.add(org("org_2"))
            kept.name = "改"
            uow.emit(event("Lost"))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    assert uow.organisations.get("org_2") is None
    assert uow.organisations.rows["org_1"].name == "甲"
    assert uow.event_names() == []
    assert uow.rollbacks == 1


def test_changes_left_uncommitted_are_lost_but_reads_keep_their_objects() -> None:
    uow = FakeUnitOfWork()
    with uow:
        uow.organisations.add(org())
        uow.commit()
    with uow:
        read = uow.organisations.get("org_1")
    assert uow.organisations.get("org_1") is read
    with uow:
        uow.organisations.add(org("org_2"))
    assert uow.organisations.get("org_2") is None
    assert not uow.events


def test_adding_the_same_id_twice_is_a_duplicate_key() -> None:
    uow = FakeUnitOfWork()
    uow.organisations.add(org())
    with pytest.raises(DuplicateKey):
        uow.organisations.add(replace(org(), name="乙"))


def test_blob_store_knows_only_what_was_added() -> None:
    uow = FakeUnitOfWork()
    ref = uow.blobs.add(b"hello")
    assert uow.blobs.exists(ref.sha256)
    assert not uow.blobs.exists("0" * 64)
    assert uow.blobs.open(ref.sha256).read() == b"hello"
    assert b"".join(uow.blobs.iter_chunks(ref.sha256)) == b"hello"
    assert ref.size == 5


def test_plan_listing_scope_shows_public_rows_and_the_scoped_orgs() -> None:
    from .builders import World

    world = World()
    draft = world.draft_plan()
    assert world.uow.plans.page(Scope(), after=None, limit=10) == []
    assert world.uow.plans.page(Scope(org_ids=frozenset({draft.tenderer_org_id})), after=None, limit=10) == [draft]
    assert world.uow.plans.page(Scope(everything=True), after=None, limit=10) == [draft]

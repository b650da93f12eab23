"""The demo data holds an expert pool a committee can be drawn from."""

from __future__ import annotations

from sunbid.bootstrap import Platform
from sunbid.demo.seed import LOCAL_POOL, REMOTE_POOL, SPECIALTIES, seed
from sunbid.experts import service as experts
from sunbid.kernel.context import Context


def test_the_demo_pool_fills_a_committee_in_every_specialty_and_the_demo_expert_is_in_it(platform: Platform) -> None:
    assert seed(platform)
    with platform.uow() as uow:
        demo = uow.users.by_username("expert")
        assert demo is not None
        mine = uow.experts.by_user(demo.id)
        assert mine is not None and mine.home_pool == LOCAL_POOL
        for code, _name in SPECIALTIES:
            local = uow.experts.candidates(code, pools=[LOCAL_POOL], except_pool=None)
            remote = uow.experts.candidates(code, pools=None, except_pool=LOCAL_POOL)
            assert len(local) >= 8, code  # five seats and three reserves
            assert remote, code
            assert {e.home_pool for e in uow.experts.snapshots(remote)} == {REMOTE_POOL}
    ctx = Context(actor=demo.as_actor(), clock=platform.clock, rules=platform.rules)
    assert experts.my_expert(platform.uow(), ctx).id == mine.id
    assert len(experts.list_venues(platform.uow(), ctx)) == 2

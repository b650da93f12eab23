"""Fixtures of the integration tests: a world of organisations and users on the real databases,
and evaluations in it. A module that needs another world defines its own ``world``."""

from __future__ import annotations

from pathlib import Path

import pytest

from sunbid.bootstrap import Platform
from sunbid.kernel.clock import FixedClock
from tests.evaluating import Evaluating, make_evaluating
from tests.experts import Pool, make_pool
from tests.factories import World, make_world


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    return make_world(platform, clock)


@pytest.fixture
def ev(world: World, tmp_path: Path) -> Evaluating:
    return make_evaluating(world, tmp_path)


@pytest.fixture
def pool(world: World, tmp_path: Path) -> Pool:
    return make_pool(world, tmp_path / "pki")

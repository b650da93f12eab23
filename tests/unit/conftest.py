"""Fixtures for the unit tests: no database, no network, no real time."""

from __future__ import annotations

import pytest

from .builders import World


@pytest.fixture
def world() -> World:
    return World()

"""Ids are prefixed, URL-safe and sort by creation time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sunbid.kernel.ids import new_id

AT = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
CROCKFORD = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def test_new_id_is_the_prefix_an_underscore_and_26_crockford_base32_characters() -> None:
    ident = new_id("tnd", AT)
    prefix, _, body = ident.partition("_")
    assert prefix == "tnd"
    assert len(ident) == len("tnd_") + 26
    assert CROCKFORD.match(body)


def test_new_ids_made_at_the_same_moment_differ() -> None:
    ids = {new_id("obj", AT) for _ in range(200)}
    assert len(ids) == 200


def test_ids_made_at_the_same_moment_share_the_time_part() -> None:
    assert new_id("x", AT)[:12] == new_id("x", AT)[:12]


def test_ids_made_at_increasing_times_sort_in_time_order() -> None:
    steps = [timedelta(milliseconds=1), timedelta(seconds=1), timedelta(days=1), timedelta(days=3650)]
    times = [AT]
    for step in steps:
        times.append(times[-1] + step)
    ids = [new_id("pln", t) for t in times]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_ids_sort_by_time_even_when_the_random_part_would_not() -> None:
    earlier = [new_id("doc", AT) for _ in range(50)]
    later = [new_id("doc", AT + timedelta(milliseconds=1)) for _ in range(50)]
    assert max(earlier) < min(later)

"""The blind draw's algorithm (sunbid-draw/1): deterministic, uniform, lazy, and verifiable."""

from __future__ import annotations

import copy
import hashlib
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from sunbid.experts import drawing
from sunbid.experts.drawing import EXCLUDED, RESERVE, SEAT, Line, Stream

SEED = bytes(range(32))
IDS = [f"exp_{i:04d}" for i in range(40)]


def nobody_excluded(ids: Sequence[str]) -> Mapping[str, Sequence[str]]:
    return dict.fromkeys(ids, ())


def reference_order(candidates: list[str], key: bytes, line: int) -> list[str]:
    """An independent reading of the documented algorithm: a whole Fisher-Yates shuffle over a
    list, the byte stream built in one go."""
    stream = b"".join(hashlib.sha256(key + line.to_bytes(4, "big") + c.to_bytes(8, "big")).digest() for c in range(400))
    position = 0

    def uniform(n: int) -> int:
        nonlocal position
        limit = 2**64 - (2**64 % n)
        while True:
            u = int.from_bytes(stream[position : position + 8], "big")
            position += 8
            if u < limit:
                return u % n

    order = list(candidates)
    for k in range(len(order)):
        j = k + uniform(len(order) - k)
        order[k], order[j] = order[j], order[k]
    return order


def test_the_lazy_shuffle_agrees_with_a_plain_reading_of_the_documented_algorithm() -> None:
    key = drawing.key_of(SEED, b"supervisor")
    for line in (1, 2, 7):
        assert list(drawing.permutation(IDS, Stream(key, line))) == reference_order(IDS, key, line)


def test_the_key_is_the_hash_of_the_algorithm_name_the_seed_and_the_contribution() -> None:
    assert drawing.key_of(SEED, b"x") == hashlib.sha256(b"sunbid-draw/1" + SEED + b"x").digest()
    assert drawing.key_of(SEED) != drawing.key_of(SEED, b"x")
    with pytest.raises(ValueError):
        drawing.key_of(SEED[:31])


def test_the_shuffle_yields_every_candidate_exactly_once() -> None:
    order = list(drawing.permutation(IDS, Stream(drawing.key_of(SEED), 1)))
    assert sorted(order) == IDS
    assert order != IDS


def test_every_order_of_three_candidates_is_about_equally_likely() -> None:
    counts = Counter(
        tuple(drawing.permutation(["a", "b", "c"], Stream(drawing.key_of(n.to_bytes(32, "big")), 1)))
        for n in range(6000)
    )
    assert len(counts) == 6
    assert all(850 < c < 1150 for c in counts.values()), counts


def test_uniform_refuses_an_empty_range() -> None:
    with pytest.raises(ValueError):
        Stream(SEED, 1).uniform(0)


def test_the_same_seed_and_candidates_give_the_same_committee_and_another_seed_another() -> None:
    lines = [Line(3, 1), Line(2, 1)]
    first = drawing.run(lines, [IDS, IDS], drawing.key_of(SEED), nobody_excluded)
    again = drawing.run(lines, [IDS, IDS], drawing.key_of(SEED), nobody_excluded)
    other = drawing.run(lines, [IDS, IDS], drawing.key_of(bytes(32)), nobody_excluded)
    assert [r.as_json() for r in first] == [r.as_json() for r in again]
    assert [r.seats for r in first] != [r.seats for r in other]
    assert all(r.filled for r in first)
    assert (len(first[0].seats), len(first[0].reserves)) == (3, 1)


def test_an_excluded_candidate_is_never_drawn_and_its_reasons_are_recorded() -> None:
    banned = set(IDS[::2])

    def decide(ids: Sequence[str]) -> Mapping[str, Sequence[str]]:
        return {i: (("employer_is_bidder",) if i in banned else ()) for i in ids}

    [result] = drawing.run([Line(5, 2)], [IDS], drawing.key_of(SEED), decide)
    assert not banned & set(result.seats + result.reserves)
    skipped = [s for s in result.steps if s.outcome == EXCLUDED]
    assert skipped and all(s.reasons == ("employer_is_bidder",) and s.expert_id in banned for s in skipped)
    walked = [s.expert_id for s in result.steps]
    assert walked == list(itertools.islice(drawing.permutation(IDS, Stream(drawing.key_of(SEED), 1)), len(walked)))


def test_an_expert_drawn_on_an_earlier_line_is_skipped_on_a_later_one() -> None:
    results = drawing.run([Line(8, 2), Line(8, 2)], [IDS[:20], IDS[:20]], drawing.key_of(SEED), nobody_excluded)
    first = set(results[0].seats + results[0].reserves)
    assert not first & set(results[1].seats + results[1].reserves)
    assert any(s.outcome == drawing.DRAWN_EARLIER for s in results[1].steps)


def test_a_line_that_runs_out_of_eligible_candidates_is_not_filled() -> None:
    [result] = drawing.run(
        [Line(3, 1)], [IDS[:5]], drawing.key_of(SEED), lambda ids: dict.fromkeys(ids, ("sanctioned",))
    )
    assert not result.filled
    assert (result.seats, result.excluded, result.candidates) == ([], 5, 5)


def test_decisions_are_asked_in_batches_and_never_twice() -> None:
    asked: list[list[str]] = []

    def decide(ids: Sequence[str]) -> Mapping[str, Sequence[str]]:
        asked.append(list(ids))
        return {i: ("not_active",) if i < "exp_0030" else () for i in ids}

    drawing.run([Line(4, 1)], [IDS], drawing.key_of(SEED), decide, batch=8)
    flat = [i for batch in asked for i in batch]
    assert len(flat) == len(set(flat))
    assert all(len(b) <= 8 for b in asked)


# ---------------------------------------------------------------------------- verification
def record(contribution: bytes = b"") -> dict[str, Any]:
    request = {"format": drawing.REQUEST_FORMAT, "lines": [{"line": 1, "seats": 3, "reserves": 1}]}
    candidates = {"format": drawing.CANDIDATES_FORMAT, "lines": [{"line": 1, "ids": IDS}]}
    first_two = itertools.islice(drawing.permutation(IDS, Stream(drawing.key_of(SEED, contribution), 1)), 2)
    banned = set(first_two)  # the walk meets them first, so the record has exclusions
    results = drawing.run(
        [Line(3, 1)],
        [IDS],
        drawing.key_of(SEED, contribution),
        lambda ids: {i: (("close_relative_at_bidder",) if i in banned else ()) for i in ids},
    )
    return {
        "format": drawing.RECORD_FORMAT,
        "draws": [
            {
                "algorithm": drawing.ALGORITHM,
                "request": request,
                "candidates": candidates,
                "seed": SEED.hex(),
                "contribution": contribution.hex() or None,
                "contribution_sha256": drawing.sha256_hex(contribution) if contribution else None,
                "committed": {
                    "seed_sha256": drawing.sha256_hex(SEED),
                    "request_sha256": drawing.digest(request),
                    "candidates_sha256": drawing.digest(candidates),
                },
                "walk": [r.as_json() for r in results],
            }
        ],
    }


def test_a_record_re_runs_to_the_same_committee() -> None:
    for contribution in (b"", b"posted by the supervisor"):
        result = drawing.verify(record(contribution))
        assert result.ok, result.problems
        walk = record(contribution)["draws"][0]["walk"][0]
        assert result.members == walk["seats"] + walk["reserves"]


def test_a_changed_seed_does_not_verify() -> None:
    changed = record()
    changed["draws"][0]["seed"] = bytes(32).hex()
    problems = drawing.verify(changed).problems
    assert "draw 1: the revealed seed does not match the committed seed digest" in problems
    assert any("recorded walk" in p for p in problems)


def test_a_changed_seed_with_its_digest_changed_too_still_does_not_give_the_recorded_walk() -> None:
    changed = record()
    changed["draws"][0]["seed"] = bytes(32).hex()
    changed["draws"][0]["committed"]["seed_sha256"] = drawing.sha256_hex(bytes(32))
    assert not drawing.verify(changed).ok


def test_a_changed_candidate_list_does_not_verify() -> None:
    changed = record()
    ids = changed["draws"][0]["candidates"]["lines"][0]["ids"]
    ids.remove(IDS[5])
    result = drawing.verify(changed)
    assert not result.ok
    assert "draw 1: the candidate list does not match the committed candidate digest" in result.problems


def test_a_walk_that_hides_an_exclusion_or_swaps_a_member_does_not_verify() -> None:
    base = record()
    walk = base["draws"][0]["walk"][0]
    hidden = copy.deepcopy(base)
    hidden["draws"][0]["walk"][0]["steps"] = [s for s in walk["steps"] if s["outcome"] != EXCLUDED]
    swapped = copy.deepcopy(base)
    swapped["draws"][0]["walk"][0]["seats"][0] = next(i for i in IDS if i not in walk["seats"] + walk["reserves"])
    unexplained = copy.deepcopy(base)
    for step in unexplained["draws"][0]["walk"][0]["steps"]:
        step.pop("reasons", None)
    assert [s["outcome"] for s in walk["steps"]].count(SEAT) == 3
    assert [s["outcome"] for s in walk["steps"]].count(RESERVE) == 1
    for bad in (hidden, swapped, unexplained):
        assert not drawing.verify(bad).ok


def test_a_contribution_that_is_not_the_posted_one_does_not_verify() -> None:
    changed = record(b"posted by the supervisor")
    changed["draws"][0]["contribution"] = b"something else".hex()
    assert not drawing.verify(changed).ok


def test_a_document_that_is_not_a_draw_record_is_refused() -> None:
    assert drawing.verify({"format": "other"}).problems == ["not a sunbid-draw-record/1 document"]
    assert not drawing.verify({"format": drawing.RECORD_FORMAT, "draws": []}).ok
    broken = record()
    del broken["draws"][0]["walk"]
    assert any("incomplete" in p for p in drawing.verify(broken).problems)


@pytest.mark.parametrize(
    "document",
    [
        {"format": drawing.CANDIDATES_FORMAT, "lines": [{"line": 1, "ids": IDS, "remote": False, "specialty": "A01"}]},
        {"b": [1, -2, 2**53, None, True, False, []], "a": {"z": "x", "A": "~ !#$%&'()*+,-./:;<=>?@[]^_`{|}"}},
        {"zh": "南京市综合评标专家库"},  # not plain ASCII: the general path
        {"escaped": 'a "quoted" \\ back\nslash'},
        {"float": 1.5},  # a number that is not an integer: the general path
    ],
)
def test_canonical_json_is_rfc_8785_on_both_paths(document: Any) -> None:
    from sunbid.crypto.jcs import canonicalize

    assert drawing.canonical(document) == canonicalize(document)


def test_canonical_json_refuses_what_rfc_8785_cannot_represent_exactly() -> None:
    from sunbid.kernel.errors import DomainError

    with pytest.raises(DomainError) as info:
        drawing.canonical({"ids": ["exp_1"], "big": 2**60})
    assert info.value.code == "json_not_canonicalisable"

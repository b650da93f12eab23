"""The spot check's weights and its verifiable weighted draw (sunbid-spotcheck/1)."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import pytest

from sunbid.experts.drawing import digest, sha256_hex
from sunbid.kernel.rules import RuleBook
from sunbid.supervision.spot_model import (
    ALGORITHM,
    RECORD_FORMAT,
    WeightFactors,
    candidates_document,
    draw,
    key_of,
    verify,
    weight,
)

RULES = RuleBook.default()
SEED = bytes(range(32))


def test_a_plain_tender_weighs_the_base_and_risk_and_weak_credit_add_to_it() -> None:
    assert weight(RULES, WeightFactors(0, 0, "B", None)) == 10
    assert weight(RULES, WeightFactors(2, 1, "C", "D")) == 10 + 2 * 10 + 20 + 10 + 30
    assert weight(RULES, WeightFactors(0, 0, "A", "A")) == 10, "good credit adds nothing"


def test_review_hits_and_warnings_count_up_to_the_cap() -> None:
    assert weight(RULES, WeightFactors(50, 50, None, None)) == 10 + 5 * 10 + 5 * 20


def test_the_draw_is_deterministic_for_a_key_and_changes_with_it() -> None:
    pairs = [(f"tnd_{i:02d}", 10) for i in range(20)]
    a = draw(pairs, 5, key_of(SEED))
    assert a == draw(pairs, 5, key_of(SEED)) and len(set(a)) == 5
    assert a != draw(pairs, 5, key_of(SEED, b"a supervisor's contribution"))


def test_a_tender_of_weight_zero_is_never_drawn_and_too_large_a_sample_is_refused() -> None:
    pairs = [("a", 0), ("b", 5), ("c", 5)]
    assert sorted(draw(pairs, 2, key_of(SEED))) == ["b", "c"]
    with pytest.raises(ValueError, match="cannot draw 3"):
        draw(pairs, 3, key_of(SEED))


def test_a_heavier_tender_is_drawn_more_often_in_proportion_to_its_weight() -> None:
    pairs = [("heavy", 30), ("light1", 10), ("light2", 10), ("light3", 10)]
    firsts = Counter(draw(pairs, 1, key_of(hashlib.sha256(i.to_bytes(4, "big")).digest()))[0] for i in range(6000))
    assert abs(firsts["heavy"] / 6000 - 0.5) < 0.03
    assert all(abs(firsts[f"light{i}"] / 6000 - 1 / 6) < 0.03 for i in (1, 2, 3))


def record(contribution: bytes = b"") -> dict[str, Any]:
    weights = {"tnd_a": 10, "tnd_b": 40, "tnd_c": 10, "tnd_d": 70}
    candidates = candidates_document(weights)
    request = {"format": "sunbid-spotcheck-request/1", "size": 2}
    pairs = [(c["id"], c["weight"]) for c in candidates["tenders"]]
    return {
        "format": RECORD_FORMAT,
        "algorithm": ALGORITHM,
        "request": request,
        "candidates": candidates,
        "seed": SEED.hex(),
        "contribution": contribution.hex() or None,
        "contribution_sha256": sha256_hex(contribution) if contribution else None,
        "committed": {
            "seed_sha256": sha256_hex(SEED),
            "request_sha256": digest(request),
            "candidates_sha256": digest(candidates),
        },
        "sample": draw(pairs, 2, key_of(SEED, contribution)),
    }


def test_a_record_re_runs_to_its_sample() -> None:
    for contribution in (b"", b"0123456789abcdef"):
        result = verify(record(contribution))
        assert result.ok, result.problems
        assert result.sample == record(contribution)["sample"]


def test_a_changed_seed_does_not_verify() -> None:
    changed = record() | {"seed": bytes(32).hex()}
    result = verify(changed)
    assert not result.ok and "the revealed seed does not match the committed seed digest" in result.problems


def test_a_changed_weight_or_sample_does_not_verify() -> None:
    r = record()
    r["candidates"]["tenders"][0]["weight"] = 500
    assert "the candidate list does not match the committed candidate digest" in verify(r).problems
    r = record()
    r["sample"] = list(reversed(r["sample"]))
    assert "the recorded sample is not the one the seed and candidates give" in verify(r).problems


def test_a_record_of_another_kind_is_refused() -> None:
    assert not verify({"format": "sunbid-draw-record/1"}).ok
    assert not verify({"format": RECORD_FORMAT, "algorithm": ALGORITHM}).ok

"""招标文件随机抽查: risk- and credit-weighted random spot checks of tender documents (seed task 57).

A supervisor draws a sample of announced tenders whose documents the department then reviews.
Each tender's chance grows with its risk and with its managers' weak credit (Nanjing plan items
49 and 57): its **weight** is an integer, every term from the rule table::

    weight = spotcheck_weight_base
           + spotcheck_weight_review_hit × min(review hits, spotcheck_counted_max)
           + spotcheck_weight_warning    × min(warnings,    spotcheck_counted_max)
           + credit term of the tenderer + credit term of the agency

where a review hit is a medium or high finding of the fair-competition review of its documents,
a warning is one not dismissed, and the credit term is ``spotcheck_weight_credit_c`` for grade C
and ``spotcheck_weight_credit_d`` for D (0 otherwise).

The draw is verifiable as the expert draw is (``sunbid-spotcheck/1``):

1. The platform fixes the request (size, filters, the weights' rules) and the candidate list
   (every tender's id and weight, sorted by id), picks a secret 32-byte ``seed`` and writes the
   SHA-256 of the seed, of the request and of the candidates (RFC 8785 canonical JSON) to the
   ledger. Nobody can change the list or the seed afterwards.
2. When the supervisor draws, it may add a ``contribution`` (bytes the platform could not know
   when it committed). ``key = SHA-256(b"sunbid-spotcheck/1" || seed || contribution)``.
3. The byte stream is ``SHA-256(key || uint32_be(1) || uint64_be(c))`` for ``c = 0, 1, …``
   (:class:`sunbid.experts.drawing.Stream`), read 8 bytes at a time with rejection sampling.
4. For each place ``k = 1 … size``: ``r = uniform(W)`` where ``W`` is the sum of the weights of
   the candidates not yet drawn; the drawn tender is the first candidate, in id order, whose
   running sum of weights exceeds ``r``; it leaves the list. A tender of weight ``w`` is thus
   drawn first with probability ``w / W`` (weighted sampling without replacement).
5. The seed is revealed with the sample; anyone holding the record re-runs it
   (:func:`verify`, ``sunbid spot-check verify``) and a changed seed, list or weight does not
   verify.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sunbid.experts.drawing import SEED_BYTES, Stream, digest, sha256_hex
from sunbid.kernel.rules import RuleBook

ALGORITHM = "sunbid-spotcheck/1"
REQUEST_FORMAT = "sunbid-spotcheck-request/1"
CANDIDATES_FORMAT = "sunbid-spotcheck-candidates/1"
RECORD_FORMAT = "sunbid-spotcheck-record/1"

#: The rules a weight is made of; the request document holds their values.
WEIGHT_RULES = (
    "spotcheck_weight_base",
    "spotcheck_weight_review_hit",
    "spotcheck_weight_warning",
    "spotcheck_counted_max",
    "spotcheck_weight_credit_c",
    "spotcheck_weight_credit_d",
)


class SpotCheckStatus(StrEnum):
    COMMITTED = "committed"  # 候选名单与种子摘要已上链，待抽取
    DRAWN = "drawn"  # 已抽取，待核查
    COMPLETED = "completed"  # 抽中项目均已核查


class ReviewOutcome(StrEnum):
    COMPLIANT = "compliant"  # 未发现问题
    RECTIFICATION_ORDERED = "rectification_ordered"  # 发现问题，责令改正
    REFERRED = "referred"  # 发现问题，移交处理（另立预警或移送）


@dataclass(frozen=True)
class WeightFactors:
    """What one tender's weight is made of, for the supervisor's reading."""

    review_hits: int
    warnings: int
    tenderer_grade: str | None
    agency_grade: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "review_hits": self.review_hits,
            "warnings": self.warnings,
            "tenderer_grade": self.tenderer_grade,
            "agency_grade": self.agency_grade,
        }


def _credit_term(rules: RuleBook, grade: str | None) -> int:
    if grade == "C":
        return rules.count("spotcheck_weight_credit_c")
    if grade == "D":
        return rules.count("spotcheck_weight_credit_d")
    return 0


def weight(rules: RuleBook, factors: WeightFactors) -> int:
    cap = rules.count("spotcheck_counted_max")
    return (
        rules.count("spotcheck_weight_base")
        + rules.count("spotcheck_weight_review_hit") * min(factors.review_hits, cap)
        + rules.count("spotcheck_weight_warning") * min(factors.warnings, cap)
        + _credit_term(rules, factors.tenderer_grade)
        + _credit_term(rules, factors.agency_grade)
    )


def weight_rules(rules: RuleBook) -> dict[str, int]:
    return {key: rules.count(key) for key in WEIGHT_RULES}


def candidates_document(weights: Mapping[str, int]) -> dict[str, Any]:
    return {
        "format": CANDIDATES_FORMAT,
        "tenders": [{"id": tender_id, "weight": int(weights[tender_id])} for tender_id in sorted(weights)],
    }


def key_of(seed: bytes, contribution: bytes = b"") -> bytes:
    if len(seed) != SEED_BYTES:
        raise ValueError(f"a spot-check seed has {SEED_BYTES} bytes, not {len(seed)}")
    return hashlib.sha256(ALGORITHM.encode() + seed + contribution).digest()


def draw(candidates: Sequence[tuple[str, int]], size: int, key: bytes) -> list[str]:
    """Weighted sampling without replacement, as the module docstring specifies.

    ``candidates`` are (id, weight) pairs in id order; weights are non-negative integers and at
    least ``size`` of them are positive.
    """
    remaining = [(tender_id, w) for tender_id, w in candidates if w > 0]
    if size > len(remaining):
        raise ValueError(f"cannot draw {size} from {len(remaining)} candidates of positive weight")
    stream = Stream(key, 1)
    drawn: list[str] = []
    total = sum(w for _id, w in remaining)
    for _ in range(size):
        r = stream.uniform(total)
        running = 0
        for index, (tender_id, w) in enumerate(remaining):
            running += w
            if running > r:
                drawn.append(tender_id)
                total -= w
                del remaining[index]
                break
    return drawn


@dataclass
class Verification:
    ok: bool
    problems: list[str]
    sample: list[str] = field(default_factory=list)


def verify(record: Mapping[str, Any]) -> Verification:
    """Re-run a spot check's draw from its record and compare it with the committed digests and
    the recorded sample."""
    if record.get("format") != RECORD_FORMAT:
        return Verification(False, [f"not a {RECORD_FORMAT} document"])
    if record.get("algorithm") != ALGORITHM:
        return Verification(False, [f"unknown algorithm {record.get('algorithm')!r}"])
    problems: list[str] = []
    try:
        request, candidates, committed = record["request"], record["candidates"], record["committed"]
        seed = bytes.fromhex(str(record["seed"]))
        contribution = bytes.fromhex(str(record.get("contribution") or ""))
        pairs = [(str(c["id"]), int(c["weight"])) for c in candidates["tenders"]]
        size = int(request["size"])
    except (KeyError, TypeError, ValueError) as exc:
        return Verification(False, [f"the record is incomplete ({exc})"])
    if sha256_hex(seed) != committed.get("seed_sha256"):
        problems.append("the revealed seed does not match the committed seed digest")
    if digest(request) != committed.get("request_sha256"):
        problems.append("the request does not match the committed request digest")
    if digest(candidates) != committed.get("candidates_sha256"):
        problems.append("the candidate list does not match the committed candidate digest")
    if record.get("contribution") and sha256_hex(contribution) != record.get("contribution_sha256"):
        problems.append("the contribution does not match its digest")
    ids = [i for i, _w in pairs]
    if ids != sorted(set(ids)):
        problems.append("the candidates are not sorted and unique")
    if any(w < 0 for _i, w in pairs):
        problems.append("a candidate has a negative weight")
    if len(seed) != SEED_BYTES:
        return Verification(False, [*problems, f"the seed has {len(seed)} bytes, not {SEED_BYTES}"])
    try:
        sample = draw(pairs, size, key_of(seed, contribution))
    except ValueError as exc:
        return Verification(False, [*problems, str(exc)])
    if sample != list(record.get("sample") or []):
        problems.append("the recorded sample is not the one the seed and candidates give")
    return Verification(not problems, problems, sample)


@dataclass
class SpotCheckReview:
    """The review task of one sampled tender, and its outcome."""

    id: str
    spot_check_id: str
    tender_id: str
    position: int  # 1-based, in draw order
    weight: int
    outcome: ReviewOutcome | None = None
    findings: str | None = None
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None

    @property
    def done(self) -> bool:
        return self.outcome is not None


@dataclass
class SpotCheck:
    """One draw of tenders for review, from its commitment to the last review."""

    id: str
    requested_by: str
    requested_at: datetime
    size: int
    request: dict[str, Any]
    candidates: dict[str, Any]
    factors: dict[str, Any]  # tender id -> WeightFactors.as_json()
    seed: str  # hex; secret until drawn
    seed_sha256: str
    request_sha256: str
    candidates_sha256: str
    status: SpotCheckStatus = SpotCheckStatus.COMMITTED
    note: str = ""
    contribution: str | None = None
    drawn_at: datetime | None = None
    drawn_by: str | None = None
    sample: list[str] = field(default_factory=list)
    completed_at: datetime | None = None
    reviews: list[SpotCheckReview] = field(default_factory=list)

    def review_of(self, tender_id: str) -> SpotCheckReview | None:
        return next((r for r in self.reviews if r.tender_id == tender_id), None)

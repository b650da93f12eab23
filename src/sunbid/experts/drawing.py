"""The verifiable blind draw (盲抽, 条例 第四十六条): a pure, documented, deterministic algorithm.

Anyone holding a draw's record can run it again and get the same committee. The algorithm,
``sunbid-draw/1`` (ADR 12 and docs/experts.md give it in prose):

1. Before drawing, the platform picks a random 32-byte ``seed`` and writes to the ledger the
   SHA-256 of the seed, of the request document and of the candidate document (all documents
   are hashed in their RFC 8785 canonical JSON). A supervisor may then post a ``contribution``
   (bytes the operator could not know when it committed), so the operator cannot grind seeds.
2. ``key = SHA-256(b"sunbid-draw/1" || seed || contribution)`` (an absent contribution is empty).
3. Each requirement line ``L`` (1, 2, … in the request's order) has its own byte stream, the
   concatenation of ``SHA-256(key || uint32_be(L) || uint64_be(c))`` for ``c = 0, 1, 2, …``.
4. ``uniform(n)`` reads 8 bytes of the line's stream as a big-endian integer ``u`` and returns
   ``u mod n`` if ``u < 2**64 - (2**64 mod n)``; otherwise it reads 8 more (rejection sampling,
   so every value is exactly equally likely).
5. The line's candidates are the sorted ids of the active experts holding its specialty in its
   allowed pools, as committed. They are permuted by a lazy Fisher-Yates shuffle: at step
   ``k`` (0, 1, …), ``j = k + uniform(m - k)``, positions ``k`` and ``j`` swap, and the
   candidate now at ``k`` comes next. Only the steps actually walked are computed.
6. Each candidate in that order is skipped if it already holds a seat or a reserve place in
   this draw (``drawn_earlier``), or excluded if the platform finds a reason (each reason is
   recorded); otherwise it takes the next seat of the line, then the next reserve place. The
   walk stops when the line's seats and reserves are filled, or fails when the candidates run
   out.

The exclusion decisions come from the platform's records (employments, declarations,
sanctions), which a verifier may not hold: the record lists every skipped candidate with its
reasons, so a verifier replays the walk with those decisions and checks that the order, the
seats and the reserves follow from the committed seed and candidates, and a supervisor can
audit each reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sunbid.crypto.jcs import canonicalize

ALGORITHM = "sunbid-draw/1"
RECORD_FORMAT = "sunbid-draw-record/1"
REQUEST_FORMAT = "sunbid-draw-request/1"
CANDIDATES_FORMAT = "sunbid-draw-candidates/1"
SEED_BYTES = 32
_U64 = 1 << 64

SEAT, RESERVE, EXCLUDED, DRAWN_EARLIER = "seat", "reserve", "excluded", "drawn_earlier"

#: Decides, for a batch of candidate ids, the reasons each one is excluded (empty: eligible).
Decide = Callable[[Sequence[str]], Mapping[str, Sequence[str]]]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


#: Printable ASCII but the two characters JSON escapes: written as they are by RFC 8785 and ``json``.
_PLAIN = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")
_SAFE_INTEGER = 2**53


def _plain(document: Any) -> bool:
    """Only objects, arrays, booleans, null, safe integers and plain ASCII strings."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if not _PLAIN.fullmatch(value):
                return False
        elif value is None or isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if abs(value) > _SAFE_INTEGER:
                return False
        elif isinstance(value, list | tuple):
            stack.extend(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str) or not _PLAIN.fullmatch(key):
                    return False
                stack.append(item)
        else:
            return False
    return True


def canonical(document: Any) -> bytes:
    """The document's RFC 8785 canonical JSON. A document of plain ASCII strings and integers (a
    candidate list: thousands of ids) is written by the ``json`` module, which gives exactly the
    same bytes for it (keys sorted, no whitespace, no escapes) many times faster; anything else
    by :func:`sunbid.crypto.jcs.canonicalize`."""
    if _plain(document):
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return canonicalize(document)


def digest(document: Any) -> str:
    """SHA-256 (hex) of a document's RFC 8785 canonical JSON."""
    return sha256_hex(canonical(document))


def key_of(seed: bytes, contribution: bytes = b"") -> bytes:
    if len(seed) != SEED_BYTES:
        raise ValueError(f"a draw seed has {SEED_BYTES} bytes, not {len(seed)}")
    return hashlib.sha256(ALGORITHM.encode() + seed + contribution).digest()


class Stream:
    """The counter-mode hash DRBG of one requirement line."""

    def __init__(self, key: bytes, line: int) -> None:
        self._prefix = key + line.to_bytes(4, "big")
        self._counter = 0
        self._buffer = b""

    def read(self, n: int) -> bytes:
        while len(self._buffer) < n:
            self._buffer += hashlib.sha256(self._prefix + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    def uniform(self, n: int) -> int:
        """An integer in ``[0, n)``, every value equally likely (rejection sampling)."""
        if n <= 0:
            raise ValueError("uniform() needs a positive bound")
        limit = _U64 - (_U64 % n)
        while True:
            u = int.from_bytes(self.read(8), "big")
            if u < limit:
                return u % n


def permutation(candidates: Sequence[str], stream: Stream) -> Iterator[str]:
    """The candidates in the order of a Fisher-Yates shuffle, computed one step at a time."""
    m = len(candidates)
    moved: dict[int, int] = {}  # position -> index of the candidate now there (absent: itself)
    for k in range(m):
        j = k + stream.uniform(m - k)
        at_j = moved.get(j, j)
        moved[j] = moved.get(k, k)
        moved.pop(k, None)
        yield candidates[at_j]


@dataclass(frozen=True)
class Line:
    """One requirement line of a draw: how many seats and reserve places to fill from it."""

    seats: int
    reserves: int


@dataclass(frozen=True)
class Step:
    expert_id: str
    outcome: str  # seat, reserve, excluded, drawn_earlier
    reasons: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"expert": self.expert_id, "outcome": self.outcome}
        if self.reasons:
            out["reasons"] = list(self.reasons)
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Step:
        return cls(str(d["expert"]), str(d["outcome"]), tuple(str(r) for r in d.get("reasons", ())))


@dataclass
class LineResult:
    line: int  # 1-based
    candidates: int
    needed: int
    seats: list[str] = field(default_factory=list)
    reserves: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def filled(self) -> bool:
        return len(self.seats) + len(self.reserves) == self.needed

    @property
    def excluded(self) -> int:
        return sum(1 for s in self.steps if s.outcome == EXCLUDED)

    def as_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "seats": list(self.seats),
            "reserves": list(self.reserves),
            "steps": [s.as_json() for s in self.steps],
        }


def _ahead(open_places: int, batch: int) -> int:
    return min(batch, max(4, 2 * open_places))


def _take(order: Iterator[str], n: int) -> list[str]:
    return [expert for _, expert in zip(range(n), order, strict=False)]


def run(
    lines: Sequence[Line],
    candidates: Sequence[Sequence[str]],
    key: bytes,
    decide: Decide,
    *,
    batch: int = 32,
) -> list[LineResult]:
    """Walk each line's permutation and fill its seats, then its reserves.

    ``decide`` is asked about candidates ahead of the walk: first about the head of every line
    at once (twice as many as its places, at least 4, at most ``batch``), then, if a line needs
    more, about its next candidates. The order does not depend on the answers, so asking ahead
    changes nothing but the number of reads. A line that runs out of candidates comes back with
    ``filled`` false.
    """
    if len(lines) != len(candidates):
        raise ValueError("one candidate list per requirement line")
    orders = [permutation(ids, Stream(key, n)) for n, ids in enumerate(candidates, start=1)]
    heads = [_take(order, _ahead(line.seats + line.reserves, batch)) for line, order in zip(lines, orders, strict=True)]
    known: dict[str, tuple[str, ...]] = {}
    first = list(dict.fromkeys(expert for head in heads for expert in head))
    if first:
        known.update({expert: tuple(why) for expert, why in decide(first).items()})
    taken: set[str] = set()
    results: list[LineResult] = []
    for number, (line, ids, head, order) in enumerate(zip(lines, candidates, heads, orders, strict=True), start=1):
        result = LineResult(number, len(ids), line.seats + line.reserves)
        pending = head
        while not result.filled:
            if not pending:
                pending = _take(order, _ahead(result.needed - len(result.seats) - len(result.reserves), batch))
                if not pending:
                    break
            fresh = [e for e in pending if e not in taken and e not in known]
            if fresh:
                known.update({expert: tuple(why) for expert, why in decide(fresh).items()})
            for expert in pending:
                if result.filled:
                    break
                if expert in taken:
                    result.steps.append(Step(expert, DRAWN_EARLIER))
                elif why := known.get(expert, ()):
                    result.steps.append(Step(expert, EXCLUDED, why))
                elif len(result.seats) < line.seats:
                    result.seats.append(expert)
                    result.steps.append(Step(expert, SEAT))
                    taken.add(expert)
                else:
                    result.reserves.append(expert)
                    result.steps.append(Step(expert, RESERVE))
                    taken.add(expert)
            pending = []
        results.append(result)
    return results


# ---------------------------------------------------------------------------- verification
@dataclass
class Verification:
    ok: bool
    problems: list[str]
    draws: int = 0
    members: list[str] = field(default_factory=list)  # expert ids seated or reserved, in draw order


def lines_of(request: Mapping[str, Any]) -> list[Line]:
    return [Line(int(r["seats"]), int(r["reserves"])) for r in request["lines"]]


def check_draw(draw: Mapping[str, Any]) -> list[str]:
    """Everything one draw of a record must satisfy; an empty list if it holds."""
    problems: list[str] = []
    request, candidates = draw["request"], draw["candidates"]
    committed = draw["committed"]
    try:
        seed = bytes.fromhex(str(draw["seed"]))
        contribution = bytes.fromhex(str(draw.get("contribution") or ""))
    except ValueError:
        return ["the seed or the contribution is not hexadecimal"]
    if sha256_hex(seed) != committed["seed_sha256"]:
        problems.append("the revealed seed does not match the committed seed digest")
    if digest(request) != committed["request_sha256"]:
        problems.append("the request does not match the committed request digest")
    if digest(candidates) != committed["candidates_sha256"]:
        problems.append("the candidate list does not match the committed candidate digest")
    if draw.get("contribution") and sha256_hex(contribution) != draw.get("contribution_sha256"):
        problems.append("the contribution does not match its digest")
    lines = lines_of(request)
    lists = [list(map(str, c["ids"])) for c in candidates["lines"]]
    if len(lists) != len(lines):
        return [*problems, "the candidate list does not have one list per requirement line"]
    for number, ids in enumerate(lists, start=1):
        if ids != sorted(set(ids)):
            problems.append(f"line {number}: the candidates are not sorted and unique")
    recorded = {int(w["line"]): [Step.from_json(s) for s in w["steps"]] for w in draw["walk"]}
    decisions: dict[str, tuple[str, ...]] = {}
    for steps in recorded.values():
        for step in steps:
            if step.outcome == EXCLUDED:
                if not step.reasons:
                    problems.append(f"{step.expert_id} was skipped without a reason")
                decisions[step.expert_id] = step.reasons
    if len(seed) != SEED_BYTES:
        return [*problems, f"the seed has {len(seed)} bytes, not {SEED_BYTES}"]
    replay = run(lines, lists, key_of(seed, contribution), lambda ids: {i: decisions.get(i, ()) for i in ids})
    for result in replay:
        if not result.filled:
            problems.append(f"line {result.line}: the replay runs out of candidates")
        if result.steps != recorded.get(result.line, []):
            problems.append(f"line {result.line}: the recorded walk is not the one the seed and candidates give")
        stated = next((w for w in draw["walk"] if int(w["line"]) == result.line), None)
        if stated is None or (list(stated["seats"]), list(stated["reserves"])) != (result.seats, result.reserves):
            problems.append(f"line {result.line}: the recorded seats and reserves are not the replay's")
    return problems


def verify(record: Mapping[str, Any]) -> Verification:
    """Re-run every draw of a committee's record (``sunbid-draw-record/1``)."""
    if record.get("format") != RECORD_FORMAT:
        return Verification(False, [f"not a {RECORD_FORMAT} document"])
    problems: list[str] = []
    members: list[str] = []
    draws = record.get("draws") or []
    for n, draw in enumerate(draws, start=1):
        if draw.get("algorithm") != ALGORITHM:
            problems.append(f"draw {n}: unknown algorithm {draw.get('algorithm')!r}")
            continue
        try:
            problems += [f"draw {n}: {p}" for p in check_draw(draw)]
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"draw {n}: the record is incomplete ({exc})")
            continue
        for w in draw["walk"]:
            members += [*w["seats"], *w["reserves"]]
    if not draws:
        problems.append("the record holds no draw")
    return Verification(not problems, problems, len(draws), members)

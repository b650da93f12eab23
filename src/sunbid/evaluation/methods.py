"""Scoring by the declared scheme: evaluated prices, price scores, the committee's subjective
scores, objective scores from registry data, totals, ranking, candidates and the comparison
tables (标价比较表, 综合评估比较表); and the experts whose scores deviate from the committee.

Every function is pure and exact: Decimal for money and points (divisions at 34 significant
digits, then rounded once as the scheme declares), dates for windows. Each result carries its
evidence, so the report can show how every number came about.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from sunbid.evaluation.arithmetic import CorrectedPrice
from sunbid.evaluation.scheme import (
    AdjustmentBasis,
    Aggregation,
    AwardMode,
    CreditGradeCriterion,
    EvaluationScheme,
    Factor,
    FactorKind,
    GreenCriterion,
    Method,
    Part,
    PastPerformanceCriterion,
    PriceFormula,
    PriceFormulaKind,
    QualificationCriterion,
    TieBreak,
    TieBreakKind,
    TrackRecordRequirement,
)
from sunbid.kernel.errors import Conflict, DomainError, Forbidden
from sunbid.kernel.money import FEN
from sunbid.kernel.rules import RuleBook

_EXACT = Context(prec=34)
_HUNDRED = Decimal(100)
FIRST_OF_A_KIND_BASIS = (
    "《关于支持首台（套）重大技术装备平等参与企业招标投标活动的指导意见》（工信部联重装〔2023〕127号）"
)


def _div(a: Decimal, b: Decimal) -> Decimal:
    return _EXACT.divide(a, b)


def _fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Qualification:
    """A qualification certificate (资质) held by the bidder, from the registry."""

    kind: str  # e.g. 建筑工程施工总承包
    grade: str  # e.g. 一级
    number: str = ""
    valid_until: date | None = None


@dataclass(frozen=True)
class PastProject:
    """A contract the bidder performed (业绩), from the registry."""

    name: str
    amount: Decimal
    signed_on: date
    classification: str = ""  # the project's classification code (e.g. 标段分类代码)


@dataclass(frozen=True)
class Certificate:
    """A certificate the bidder holds (green product, environmental management, …)."""

    kind: str
    number: str = ""
    valid_until: date | None = None


@dataclass(frozen=True)
class FirstOfAKind:
    """首台（套）重大技术装备 the bidder offers, recognised in a catalogue or certified."""

    equipment: str
    certificate: str
    classification: str = ""
    valid_until: date | None = None


@dataclass(frozen=True)
class RegistryFacts:
    """What the registry of market entities knows of one bidder, for objective scoring. For a
    consortium the caller combines its members' facts (法 第三十一条: the lower grade of the
    members of the same speciality)."""

    credit_grade: str | None = None
    qualifications: tuple[Qualification, ...] = ()
    projects: tuple[PastProject, ...] = ()
    certificates: tuple[Certificate, ...] = ()
    first_of_a_kind: tuple[FirstOfAKind, ...] = ()


@dataclass(frozen=True)
class AppliedAdjustment:
    """A declared price adjustment the committee applies to one bid, ``quantity`` units of it."""

    adjustment_id: str
    quantity: Decimal = Decimal(1)
    note: str = ""


@dataclass(frozen=True)
class BidPricing:
    """One valid bid's price as evaluation starts: after the arithmetic corrections."""

    bid_id: str
    price: Decimal  # the corrected price
    stated_price: Decimal | None = None  # the price read at the opening, when it differs
    small_or_micro: bool = False  # declared small or micro enterprise (中小企业声明函)
    adjustments: tuple[AppliedAdjustment, ...] = ()

    @classmethod
    def from_correction(
        cls,
        bid_id: str,
        corrected: CorrectedPrice,
        *,
        small_or_micro: bool = False,
        adjustments: tuple[AppliedAdjustment, ...] = (),
    ) -> BidPricing:
        """The pricing of a bid whose form went through ``arithmetic.correct_price``."""
        stated = corrected.stated_price if corrected.corrected else None
        return cls(bid_id, corrected.price, stated, small_or_micro, adjustments)


# ---------------------------------------------------------------------------- evaluated prices
@dataclass(frozen=True)
class PriceLine:
    """One adjustment between the price and the evaluated price (signed, in yuan)."""

    key: str  # the adjustment's id, or "sme_deduction"
    name: str
    amount: Decimal

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "amount": str(self.amount)}


SME_DEDUCTION = "sme_deduction"


@dataclass(frozen=True)
class EvaluatedPrice:
    """评审价: the corrected price plus the commercial-deviation adjustments, less the SME deduction."""

    bid_id: str
    stated_price: Decimal | None
    price: Decimal
    lines: tuple[PriceLine, ...]
    evaluated: Decimal

    def as_json(self) -> dict[str, Any]:
        return {
            "bid_id": self.bid_id,
            "stated_price": None if self.stated_price is None else str(self.stated_price),
            "price": str(self.price),
            "lines": [line.as_json() for line in self.lines],
            "evaluated": str(self.evaluated),
        }


def evaluated_price(scheme: EvaluationScheme, bid: BidPricing) -> EvaluatedPrice:
    """The bid's evaluated price. Adjustments are ``value × quantity`` yuan, or ``value ×
    quantity × price``; the SME deduction is ``price × d`` for a declared small or micro
    enterprise (each rounded to the fen, half up)."""
    if bid.price <= 0:
        raise DomainError(
            "price_not_positive", f"投标 {bid.bid_id} 的报价须大于零", f"Bid {bid.bid_id}: the price must be above 0"
        )
    declared = {a.id: a for a in scheme.price_adjustments}
    lines: list[PriceLine] = []
    seen: set[str] = set()
    for applied in bid.adjustments:
        adjustment = declared.get(applied.adjustment_id)
        if adjustment is None:
            raise DomainError(
                "adjustment_unknown",
                f"招标文件未声明价格调整项 {applied.adjustment_id}",
                f"The tender documents declare no price adjustment {applied.adjustment_id!r}",
                bid_id=bid.bid_id,
            )
        if applied.adjustment_id in seen or not applied.quantity.is_finite() or applied.quantity < 0:
            raise DomainError(
                "adjustment_invalid",
                f"价格调整项 {applied.adjustment_id} 重复或数量无效",
                f"Price adjustment {applied.adjustment_id!r} is repeated or has an invalid quantity",
                bid_id=bid.bid_id,
            )
        seen.add(applied.adjustment_id)
        if adjustment.basis is AdjustmentBasis.RATIO:
            amount = _fen(bid.price * adjustment.value * applied.quantity)
        else:
            amount = _fen(adjustment.value * applied.quantity)
        lines.append(PriceLine(adjustment.id, adjustment.name, amount))
    if bid.small_or_micro and scheme.sme_deduction is not None:
        lines.append(PriceLine(SME_DEDUCTION, "小微企业价格扣除", -_fen(bid.price * scheme.sme_deduction)))
    evaluated = bid.price + sum((line.amount for line in lines), Decimal("0.00"))
    if evaluated <= 0:
        raise DomainError(
            "evaluated_price_not_positive",
            f"投标 {bid.bid_id} 调整后的评审价不大于零",
            f"Bid {bid.bid_id}: the adjusted evaluated price is not above 0",
            bid_id=bid.bid_id,
        )
    return EvaluatedPrice(bid.bid_id, bid.stated_price, bid.price, tuple(lines), evaluated)


def evaluated_prices(scheme: EvaluationScheme, bids: Sequence[BidPricing]) -> dict[str, EvaluatedPrice]:
    ids = [b.bid_id for b in bids]
    if not bids:
        raise Conflict("no_valid_bids", "没有有效投标", "There are no valid bids to evaluate")
    if len(set(ids)) != len(ids):
        raise DomainError("bid_repeated", "同一投标出现多次", "A bid appears more than once")
    return {b.bid_id: evaluated_price(scheme, b) for b in bids}


# ---------------------------------------------------------------------------- price scores
@dataclass(frozen=True)
class PriceBenchmark:
    """评标基准价 and how it was made."""

    formula: PriceFormulaKind
    benchmark: Decimal
    used: tuple[str, ...]  # bids whose evaluated prices made it
    dropped: tuple[str, ...] = ()  # the highest and lowest, when trimmed
    mean: Decimal | None = None  # average_discount: the (trimmed) mean, at the fen
    k: Decimal | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "formula": str(self.formula),
            "benchmark": str(self.benchmark),
            "used": list(self.used),
            "dropped": list(self.dropped),
            "mean": None if self.mean is None else str(self.mean),
            "k": None if self.k is None else str(self.k),
        }


@dataclass(frozen=True)
class PriceScore:
    bid_id: str
    evaluated_price: Decimal
    deviation_percent: Decimal | None  # average_discount only: (price − benchmark) / benchmark × 100
    points: Decimal

    def as_json(self) -> dict[str, Any]:
        return {
            "bid_id": self.bid_id,
            "evaluated_price": str(self.evaluated_price),
            "deviation_percent": None if self.deviation_percent is None else str(self.deviation_percent),
            "points": str(self.points),
        }


@dataclass(frozen=True)
class PriceScoring:
    factor_id: str
    benchmark: PriceBenchmark
    scores: dict[str, PriceScore]

    def as_json(self) -> dict[str, Any]:
        return {
            "factor_id": self.factor_id,
            "benchmark": self.benchmark.as_json(),
            "scores": [s.as_json() for s in self.scores.values()],
        }


def draw_k(formula: PriceFormula, seed: bytes) -> Decimal:
    """K for an average-discount formula, drawn from the declared choices by a public seed
    (reproducible: anyone holding the seed gets the same K). Uniform by rejection sampling
    over SHA-256 of the seed and a counter."""
    if formula.kind is not PriceFormulaKind.AVERAGE_DISCOUNT or not formula.k_choices:
        raise DomainError("k_not_applicable", "该价格分公式不使用K值", "This price formula takes no K")
    if len(seed) < 16:
        raise DomainError("seed_too_short", "随机种子至少16字节", "The seed needs at least 16 bytes")
    choices = sorted(formula.k_choices)
    n = len(choices)
    limit = (1 << 256) - (1 << 256) % n
    counter = 0
    while True:
        value = int.from_bytes(hashlib.sha256(seed + counter.to_bytes(8, "big")).digest(), "big")
        if value < limit:
            return choices[value % n]
        counter += 1


def score_prices(
    scheme: EvaluationScheme, prices: Mapping[str, EvaluatedPrice], k: Decimal | None = None
) -> PriceScoring:
    """Price scores of the valid bids by the scheme's formula."""
    factor, formula = scheme.price_factor, scheme.price_formula
    if factor is None or formula is None:
        raise DomainError("scheme_has_no_price_score", "该评标办法没有价格分", "This scheme has no price score")
    if not prices:
        raise Conflict("no_valid_bids", "没有有效投标", "There are no valid bids to evaluate")
    for p in prices.values():
        if not p.evaluated.is_finite() or p.evaluated <= 0:
            raise DomainError(
                "evaluated_price_not_positive",
                f"投标 {p.bid_id} 的评审价须大于零",
                f"Bid {p.bid_id}: the evaluated price must be above 0",
                bid_id=p.bid_id,
            )
    ordered = sorted(prices.values(), key=lambda p: (p.evaluated, p.bid_id))
    scores: dict[str, PriceScore] = {}
    if formula.kind is PriceFormulaKind.LOWEST_PRICE_BENCHMARK:
        if k is not None:
            raise DomainError("k_not_applicable", "该价格分公式不使用K值", "This price formula takes no K")
        base = ordered[0].evaluated
        benchmark = PriceBenchmark(formula.kind, base, tuple(p.bid_id for p in ordered))
        for p in ordered:
            points = scheme.rounding.apply(_div(base, p.evaluated) * factor.max_points)
            scores[p.bid_id] = PriceScore(p.bid_id, p.evaluated, None, points)
        return PriceScoring(factor.id, benchmark, scores)
    if k is None or k not in formula.k_choices:
        raise DomainError(
            "k_not_declared",
            f"K值 {k} 不在招标文件公布的取值范围内",
            f"K {k} is not among the values the tender documents declare",
            choices=[str(c) for c in formula.k_choices],
        )
    used, dropped = ordered, []
    if formula.trim_min_count is not None and len(ordered) >= formula.trim_min_count:
        used, dropped = ordered[1:-1], [ordered[0], ordered[-1]]
    mean = _div(sum((p.evaluated for p in used), Decimal(0)), Decimal(len(used)))
    base = _fen(mean * (1 - k))
    if base <= 0:
        raise DomainError(
            "benchmark_not_positive", "评标基准价不大于零，K值不可用", "The benchmark is not above 0: K cannot be used"
        )
    benchmark = PriceBenchmark(
        formula.kind,
        base,
        tuple(p.bid_id for p in used),
        tuple(p.bid_id for p in dropped),
        _fen(mean),
        k,
    )
    for p in ordered:
        deviation = _div(p.evaluated - base, base) * _HUNDRED
        if formula.deviation_places is not None:
            deviation = deviation.quantize(Decimal(1).scaleb(-formula.deviation_places), rounding=ROUND_HALF_UP)
        rate = formula.points_per_percent_above if deviation > 0 else formula.points_per_percent_below
        raw = max(Decimal(0), factor.max_points - rate * abs(deviation))
        scores[p.bid_id] = PriceScore(p.bid_id, p.evaluated, deviation, scheme.rounding.apply(raw))
    return PriceScoring(factor.id, benchmark, scores)


# ---------------------------------------------------------------------------- subjective scores
MemberScores = Mapping[str, Mapping[str, Mapping[str, Decimal]]]  # member -> bid -> factor -> points


@dataclass(frozen=True)
class AggregatedScore:
    """The committee's score of one bid on one subjective factor, and how it was made."""

    bid_id: str
    factor_id: str
    points: Decimal
    scorers: int
    used: tuple[str, ...]
    dropped: tuple[str, ...]  # the member with the highest and the one with the lowest score, when trimmed
    scores: tuple[tuple[str, Decimal], ...]  # every member's score

    def as_json(self) -> dict[str, Any]:
        return {
            "bid_id": self.bid_id,
            "factor_id": self.factor_id,
            "points": str(self.points),
            "scorers": self.scorers,
            "used": list(self.used),
            "dropped": list(self.dropped),
            "scores": {m: str(s) for m, s in self.scores},
        }


def check_member_score(scheme: EvaluationScheme, factor_id: str, points: Decimal) -> Decimal:
    """A member's score on a subjective factor: between 0 and the factor's points, with no more
    places than the scheme keeps. Returns it; raises ``score_invalid`` otherwise."""
    factor = scheme.factor(factor_id)
    if factor.kind is not FactorKind.SUBJECTIVE:
        raise DomainError(
            "score_not_subjective",
            f"评分因素 {factor_id} 不由评委打分",
            f"Factor {factor_id} is not scored by the members",
            factor_id=factor_id,
        )
    if (
        not isinstance(points, Decimal)
        or not points.is_finite()
        or points < 0
        or points > factor.max_points
        or points != scheme.rounding.apply(points)
    ):
        raise DomainError(
            "score_invalid",
            f"评分因素 {factor_id} 的分值须在0至{factor.max_points}之间，最多{scheme.rounding.places}位小数",
            f"Scores on {factor_id} lie between 0 and {factor.max_points} with at most {scheme.rounding.places} places",
            factor_id=factor_id,
            points=str(points),
        )
    return points


def aggregate_subjective(
    scheme: EvaluationScheme, committee: Sequence[str], bid_ids: Sequence[str], scores: MemberScores
) -> dict[str, dict[str, AggregatedScore]]:
    """Every subjective factor of every bid, aggregated over the committee as declared.

    Every member of ``committee`` must have scored every subjective factor of every bid; a
    score from anyone else is refused (``scorer_not_in_committee``)."""
    members = list(committee)
    if not members or len(set(members)) != len(members):
        raise DomainError(
            "committee_invalid", "评标委员会名单为空或重复", "The committee is empty or names someone twice"
        )
    outsiders = sorted(set(scores) - set(members))
    if outsiders:
        raise Forbidden(
            "scorer_not_in_committee",
            f"非评标委员会成员不得评分：{', '.join(outsiders)}",
            f"Only committee members score: {', '.join(outsiders)} are not members",
            members=outsiders,
        )
    subjective = scheme.factors_of(FactorKind.SUBJECTIVE)
    known_bids, known_factors = set(bid_ids), {f.id for f in subjective}
    for member, by_bid in scores.items():
        for bid_id, by_factor in by_bid.items():
            if bid_id not in known_bids:
                raise DomainError(
                    "score_unknown_bid",
                    f"评分针对未知投标 {bid_id}",
                    f"A score names an unknown bid {bid_id}",
                    member=member,
                )
            for factor_id, points in by_factor.items():
                if factor_id not in known_factors:
                    raise DomainError(
                        "score_unknown_factor",
                        f"{factor_id} 不是主观评分因素",
                        f"{factor_id} is not a subjective factor",
                        member=member,
                    )
                check_member_score(scheme, factor_id, points)
    trim = (
        scheme.aggregation.kind is Aggregation.TRIMMED_MEAN
        and scheme.aggregation.trim_min_scorers is not None
        and len(members) >= scheme.aggregation.trim_min_scorers
    )
    out: dict[str, dict[str, AggregatedScore]] = {}
    for bid_id in bid_ids:
        out[bid_id] = {}
        for factor in subjective:
            given: list[tuple[str, Decimal]] = []
            for member in members:
                score = scores.get(member, {}).get(bid_id, {}).get(factor.id)
                if score is None:
                    raise Conflict(
                        "score_missing",
                        f"评委 {member} 尚未对投标 {bid_id} 的 {factor.name} 评分",
                        f"Member {member} has not scored bid {bid_id} on {factor.id}",
                        member=member,
                        bid_id=bid_id,
                        factor_id=factor.id,
                    )
                given.append((member, score))
            ordered = sorted(given, key=lambda ms: (ms[1], ms[0]))
            used, dropped = ordered, []
            if trim:
                used, dropped = ordered[1:-1], [ordered[-1], ordered[0]]
            mean = _div(sum((s for _, s in used), Decimal(0)), Decimal(len(used)))
            out[bid_id][factor.id] = AggregatedScore(
                bid_id,
                factor.id,
                scheme.rounding.apply(mean),
                len(given),
                tuple(m for m, _ in used),
                tuple(m for m, _ in dropped),
                tuple(given),
            )
    return out


# ---------------------------------------------------------------------------- objective scores
@dataclass(frozen=True)
class ObjectiveEvidence:
    """One registry fact considered, whether it counted, and why (a stable reason code)."""

    item: str  # credit_grade, qualification, project, first_of_a_kind, certificate
    subject: str
    points: Decimal
    counted: bool
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "subject": self.subject,
            "points": str(self.points),
            "counted": self.counted,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ObjectiveScore:
    bid_id: str
    factor_id: str
    points: Decimal
    evidence: tuple[ObjectiveEvidence, ...]
    similar_amount: Decimal = Decimal("0.00")  # past performance: the counted projects' total amount

    def as_json(self) -> dict[str, Any]:
        return {
            "bid_id": self.bid_id,
            "factor_id": self.factor_id,
            "points": str(self.points),
            "evidence": [e.as_json() for e in self.evidence],
            "similar_amount": str(self.similar_amount),
        }


def window_start(as_of: date, within_years: int | None, since: date | None) -> date:
    """The first day a project counts from: ``since``, or the same day ``within_years`` before
    ``as_of`` (29 February falls back to the 28th)."""
    if since is not None:
        return since
    assert within_years is not None
    year = max(as_of.year - within_years, date.min.year)
    try:
        return as_of.replace(year=year)
    except ValueError:
        return as_of.replace(year=year, day=28)


def _valid(valid_until: date | None, as_of: date) -> bool:
    return valid_until is None or valid_until >= as_of


def _similar(classification: str, classifications: tuple[str, ...]) -> bool:
    return not classifications or any(classification.startswith(c) for c in classifications if c)


def _projects(
    projects: Sequence[PastProject],
    start: date,
    as_of: date,
    min_amount: Decimal,
    classifications: tuple[str, ...],
) -> tuple[list[PastProject], list[tuple[PastProject, str]]]:
    counted: list[PastProject] = []
    excluded: list[tuple[PastProject, str]] = []
    for p in sorted(projects, key=lambda p: (p.signed_on, p.name)):
        if not start <= p.signed_on <= as_of:
            excluded.append((p, "outside_window"))
        elif p.amount < min_amount:
            excluded.append((p, "below_min_amount"))
        elif not _similar(p.classification, classifications):
            excluded.append((p, "not_similar"))
        else:
            counted.append(p)
    return counted, excluded


def _first_of_a_kind(
    facts: RegistryFacts, classifications: tuple[str, ...], as_of: date
) -> tuple[FirstOfAKind | None, list[ObjectiveEvidence]]:
    found: FirstOfAKind | None = None
    evidence = []
    for f in facts.first_of_a_kind:
        subject = f"{f.equipment}（{f.certificate}）"
        if not _valid(f.valid_until, as_of):
            evidence.append(ObjectiveEvidence("first_of_a_kind", subject, Decimal(0), False, "expired"))
        elif not _similar(f.classification, classifications):
            evidence.append(ObjectiveEvidence("first_of_a_kind", subject, Decimal(0), False, "not_similar"))
        elif found is None:
            found = f
        else:
            evidence.append(ObjectiveEvidence("first_of_a_kind", subject, Decimal(0), False, "already_counted"))
    return found, evidence


def _score_past_performance(
    c: PastPerformanceCriterion, facts: RegistryFacts, as_of: date
) -> tuple[Decimal, list[ObjectiveEvidence], Decimal]:
    counted, excluded = _projects(
        facts.projects, window_start(as_of, c.within_years, c.since), as_of, c.min_amount, c.classifications
    )
    evidence = [
        ObjectiveEvidence(
            "project", f"{p.name}（{p.amount}元，{p.signed_on.isoformat()}）", c.points_each, True, "counted"
        )
        for p in counted
    ]
    evidence += [
        ObjectiveEvidence("project", f"{p.name}（{p.amount}元，{p.signed_on.isoformat()}）", Decimal(0), False, reason)
        for p, reason in excluded
    ]
    units = len(counted)
    equipment, foak_evidence = _first_of_a_kind(facts, c.classifications, as_of)
    if equipment is not None and units < c.first_of_a_kind_counts_as:
        credit = c.first_of_a_kind_counts_as - units
        evidence.append(
            ObjectiveEvidence(
                "first_of_a_kind",
                f"{equipment.equipment}（{equipment.certificate}）",
                c.points_each * credit,
                True,
                "first_of_a_kind_counts_as_track_record",
            )
        )
        units = c.first_of_a_kind_counts_as
    elif equipment is not None:
        evidence.append(
            ObjectiveEvidence(
                "first_of_a_kind", f"{equipment.equipment}（{equipment.certificate}）", Decimal(0), False, "not_needed"
            )
        )
    evidence += foak_evidence
    amount = sum((p.amount for p in counted), Decimal("0.00"))
    return min(c.cap, c.points_each * units), evidence, amount


def _score_qualification(
    c: QualificationCriterion, facts: RegistryFacts, as_of: date
) -> tuple[Decimal, list[ObjectiveEvidence]]:
    rank = {g: i for i, g in enumerate(c.grades)}
    best: int | None = None
    evidence = []
    for q in facts.qualifications:
        if q.kind != c.kind:
            continue
        subject = f"{q.kind}{q.grade}（{q.number}）" if q.number else f"{q.kind}{q.grade}"
        if q.grade not in rank:
            evidence.append(ObjectiveEvidence("qualification", subject, Decimal(0), False, "grade_unknown"))
        elif not _valid(q.valid_until, as_of):
            evidence.append(ObjectiveEvidence("qualification", subject, Decimal(0), False, "expired"))
        else:
            evidence.append(ObjectiveEvidence("qualification", subject, Decimal(0), True, "held"))
            best = rank[q.grade] if best is None else min(best, rank[q.grade])
    points = Decimal(0)
    if best is not None:
        points = max((p for g, p in c.points if best <= rank[g]), default=Decimal(0))
    if best is None:
        evidence.append(ObjectiveEvidence("qualification", c.kind, Decimal(0), False, "not_held"))
    return points, evidence


def _score_green(c: GreenCriterion, facts: RegistryFacts, as_of: date) -> tuple[Decimal, list[ObjectiveEvidence]]:
    evidence = []
    total = Decimal(0)
    for kind, points in c.points:
        held = [x for x in facts.certificates if x.kind == kind]
        valid = [x for x in held if _valid(x.valid_until, as_of)]
        if valid:
            evidence.append(ObjectiveEvidence("certificate", f"{kind}（{valid[0].number}）", points, True, "held"))
            total += points
        elif held:
            evidence.append(ObjectiveEvidence("certificate", kind, Decimal(0), False, "expired"))
        else:
            evidence.append(ObjectiveEvidence("certificate", kind, Decimal(0), False, "not_held"))
    return min(total, c.cap), evidence


def score_objective(
    scheme: EvaluationScheme, bid_id: str, facts: RegistryFacts, as_of: date
) -> dict[str, ObjectiveScore]:
    """Every objective factor of one bid, from the registry facts valid on ``as_of`` (the date
    the tender documents take as the reference, e.g. the announcement)."""
    out: dict[str, ObjectiveScore] = {}
    for factor in scheme.factors_of(FactorKind.OBJECTIVE):
        c = factor.criterion
        amount = Decimal("0.00")
        if isinstance(c, CreditGradeCriterion):
            grade_points = c.points_for(facts.credit_grade)
            points = grade_points or Decimal(0)
            reason = (
                "graded"
                if grade_points is not None
                else ("no_grade" if facts.credit_grade is None else "grade_scores_nothing")
            )
            evidence = [
                ObjectiveEvidence("credit_grade", facts.credit_grade or "", points, grade_points is not None, reason)
            ]
        elif isinstance(c, QualificationCriterion):
            points, evidence = _score_qualification(c, facts, as_of)
        elif isinstance(c, PastPerformanceCriterion):
            points, evidence, amount = _score_past_performance(c, facts, as_of)
        elif isinstance(c, GreenCriterion):
            points, evidence = _score_green(c, facts, as_of)
        else:  # pragma: no cover - validate() refuses objective factors without a criterion
            raise DomainError("scheme_factor_invalid", "客观分缺少计分规则", "An objective factor lacks its criterion")
        out[factor.id] = ObjectiveScore(
            bid_id, factor.id, scheme.rounding.apply(min(points, factor.max_points)), tuple(evidence), amount
        )
    return out


@dataclass(frozen=True)
class TrackRecordCheck:
    """Whether a bidder meets the track-record requirement, and on what."""

    met: bool
    counted: tuple[PastProject, ...]
    first_of_a_kind: FirstOfAKind | None
    evidence: tuple[ObjectiveEvidence, ...]
    basis: str = ""  # the document that makes first-of-a-kind equipment count, when it did


def check_track_record(requirement: TrackRecordRequirement, facts: RegistryFacts, as_of: date) -> TrackRecordCheck:
    """业绩要求: met by ``min_count`` similar projects, or by first-of-a-kind equipment of a
    matching classification, which is treated as meeting it (工信部联重装〔2023〕127号)."""
    start = window_start(as_of, requirement.within_years, requirement.since)
    counted, excluded = _projects(facts.projects, start, as_of, requirement.min_amount, requirement.classifications)
    evidence = [ObjectiveEvidence("project", p.name, Decimal(0), True, "counted") for p in counted]
    evidence += [ObjectiveEvidence("project", p.name, Decimal(0), False, reason) for p, reason in excluded]
    if len(counted) >= requirement.min_count:
        return TrackRecordCheck(True, tuple(counted), None, tuple(evidence))
    equipment, foak_evidence = _first_of_a_kind(facts, requirement.classifications, as_of)
    evidence += foak_evidence
    if equipment is not None:
        evidence.append(
            ObjectiveEvidence(
                "first_of_a_kind",
                f"{equipment.equipment}（{equipment.certificate}）",
                Decimal(0),
                True,
                "first_of_a_kind_counts_as_track_record",
            )
        )
        return TrackRecordCheck(True, tuple(counted), equipment, tuple(evidence), FIRST_OF_A_KIND_BASIS)
    return TrackRecordCheck(False, tuple(counted), None, tuple(evidence))


# ---------------------------------------------------------------------------- totals
@dataclass(frozen=True)
class BidTotal:
    bid_id: str
    factor_points: dict[str, Decimal]
    parts: dict[Part, Decimal]
    total: Decimal

    def as_json(self) -> dict[str, Any]:
        return {
            "bid_id": self.bid_id,
            "factor_points": {k: str(v) for k, v in self.factor_points.items()},
            "parts": {str(k): str(v) for k, v in self.parts.items()},
            "total": str(self.total),
        }


def total_scores(
    scheme: EvaluationScheme,
    price: PriceScoring,
    subjective: Mapping[str, Mapping[str, AggregatedScore]],
    objective: Mapping[str, Mapping[str, ObjectiveScore]],
) -> dict[str, BidTotal]:
    """Each bid's factor scores, part subtotals and total (the sum of the rounded factor scores)."""
    out: dict[str, BidTotal] = {}
    for bid_id in price.scores:
        points: dict[str, Decimal] = {}
        for f in scheme.factors:
            value: Decimal | None
            if f.kind is FactorKind.PRICE:
                value = price.scores[bid_id].points
            elif f.kind is FactorKind.SUBJECTIVE:
                agg = subjective.get(bid_id, {}).get(f.id)
                value = None if agg is None else agg.points
            else:
                obj = objective.get(bid_id, {}).get(f.id)
                value = None if obj is None else obj.points
            if value is None:
                raise Conflict(
                    "score_factor_missing",
                    f"投标 {bid_id} 缺少评分因素 {f.name} 的得分",
                    f"Bid {bid_id} has no score on {f.id}",
                    bid_id=bid_id,
                    factor_id=f.id,
                )
            points[f.id] = value
        parts = {p: sum((points[f.id] for f in scheme.factors if f.part is p), Decimal(0)) for p in Part}
        out[bid_id] = BidTotal(bid_id, points, parts, sum(points.values(), Decimal(0)))
    return out


# ---------------------------------------------------------------------------- ranking
@dataclass(frozen=True)
class RankedBid:
    bid_id: str
    rank: int  # competition ranking: bids still tied after every tie-break share a rank
    decided_by: TieBreak | None  # the tie-break that placed it among bids equal on the main criterion
    tied_with: tuple[str, ...]  # bids it is still tied with: the committee decides, never a lottery

    def as_json(self) -> dict[str, Any]:
        return {
            "bid_id": self.bid_id,
            "rank": self.rank,
            "decided_by": None
            if self.decided_by is None
            else {"kind": str(self.decided_by.kind), "target": self.decided_by.target},
            "tied_with": list(self.tied_with),
        }


@dataclass(frozen=True)
class Ranking:
    method: Method
    entries: tuple[RankedBid, ...]

    @property
    def unresolved_ties(self) -> bool:
        return any(e.tied_with for e in self.entries)

    def rank_of(self, bid_id: str) -> int:
        return next(e.rank for e in self.entries if e.bid_id == bid_id)

    def as_json(self) -> dict[str, Any]:
        return {"method": str(self.method), "entries": [e.as_json() for e in self.entries]}


def _rank(
    method: Method,
    bid_ids: Sequence[str],
    primary: Callable[[str], Decimal],
    breaks: Sequence[tuple[TieBreak, Callable[[str], Decimal]]],
) -> Ranking:
    """Sort ascending by ``primary`` then by each tie-break key (keys are already oriented so that
    lower is better)."""
    keyed = {b: (primary(b), *(key(b) for _, key in breaks)) for b in bid_ids}
    ordered = sorted(bid_ids, key=lambda b: (keyed[b], b))
    entries = []
    for b in ordered:
        first = next(i for i, other in enumerate(ordered) if keyed[other] == keyed[b])
        tied = tuple(o for o in ordered if o != b and keyed[o] == keyed[b])
        decided: TieBreak | None = None
        same_primary = [o for o in ordered if o != b and keyed[o][0] == keyed[b][0] and keyed[o] != keyed[b]]
        if same_primary:
            depth = max(next(i for i in range(1, len(keyed[b])) if keyed[o][i] != keyed[b][i]) for o in same_primary)
            decided = breaks[depth - 1][0]
        entries.append(RankedBid(b, first + 1, decided, tied))
    return Ranking(method, tuple(entries))


def rank_lowest_price(scheme: EvaluationScheme, prices: Mapping[str, EvaluatedPrice]) -> Ranking:
    """经评审的最低投标价法: the lowest evaluated price first."""
    breaks = [(t, (lambda b: prices[b].price)) for t in scheme.tie_breaks if t.kind is TieBreakKind.LOWER_PRICE]
    return _rank(Method.LOWEST_EVALUATED_PRICE, list(prices), lambda b: prices[b].evaluated, breaks)


def rank_comprehensive(
    scheme: EvaluationScheme,
    totals: Mapping[str, BidTotal],
    prices: Mapping[str, EvaluatedPrice],
    objective: Mapping[str, Mapping[str, ObjectiveScore]] | None = None,
) -> Ranking:
    """综合评估法: the highest total first, then the declared tie-breaks."""
    objective = objective or {}

    def key_for(t: TieBreak) -> Callable[[str], Decimal]:
        if t.kind is TieBreakKind.LOWER_PRICE:
            return lambda b: prices[b].price
        if t.kind is TieBreakKind.LOWER_EVALUATED_PRICE:
            return lambda b: prices[b].evaluated
        if t.kind is TieBreakKind.HIGHER_PART:
            part = Part(str(t.target))
            return lambda b: -totals[b].parts[part]
        if t.kind is TieBreakKind.HIGHER_FACTOR:
            return lambda b: -totals[b].factor_points[str(t.target)]

        def similar(b: str) -> Decimal:
            score = objective.get(b, {}).get(str(t.target))
            if score is None:
                raise Conflict(
                    "score_factor_missing",
                    f"投标 {b} 缺少业绩因素 {t.target} 的得分",
                    f"Bid {b} has no score on {t.target}",
                )
            return -score.similar_amount

        return similar

    breaks = [(t, key_for(t)) for t in scheme.tie_breaks]
    return _rank(Method.COMPREHENSIVE, list(totals), lambda b: -totals[b].total, breaks)


# ---------------------------------------------------------------------------- candidates
@dataclass(frozen=True)
class CandidateList:
    """The committee's recommendation: ranked candidates (条例 第五十三条) or, under 评定分离,
    an unranked list. ``tie_at_cutoff`` names bids still tied across the last place: the
    committee must resolve it (by vote, never by lottery) before the list is final."""

    mode: AwardMode
    bid_ids: tuple[str, ...]
    ranked: bool
    tie_at_cutoff: tuple[str, ...] = ()
    state_funded: bool = False  # ranked: the tenderer must choose the first (条例 第五十五条)

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": str(self.mode),
            "bid_ids": list(self.bid_ids),
            "ranked": self.ranked,
            "tie_at_cutoff": list(self.tie_at_cutoff),
            "state_funded": self.state_funded,
        }


def recommend(scheme: EvaluationScheme, ranking: Ranking, rules: RuleBook) -> CandidateList:
    """The candidates: the best ``candidate_count`` bids of the ranking; unranked (sorted by id)
    under 评定分离."""
    count = scheme.candidate_count(rules)
    chosen = [e for e in ranking.entries if e.rank <= count]
    tie: tuple[str, ...] = ()
    if len(chosen) > count:
        last = chosen[-1].rank
        tie = tuple(e.bid_id for e in chosen if e.rank == last)
    ids = tuple(e.bid_id for e in chosen)
    if scheme.award.mode is AwardMode.SEPARATED:
        return CandidateList(AwardMode.SEPARATED, tuple(sorted(ids)), False, tie, scheme.award.state_funded)
    return CandidateList(AwardMode.RANKED, ids, True, tie, scheme.award.state_funded)


# ---------------------------------------------------------------------------- comparison tables
@dataclass(frozen=True)
class PriceComparisonRow:
    bid_id: str
    stated_price: Decimal | None
    price: Decimal
    lines: tuple[PriceLine, ...]
    evaluated_price: Decimal
    rank: int

    def as_json(self) -> dict[str, Any]:
        return {
            "bid_id": self.bid_id,
            "stated_price": None if self.stated_price is None else str(self.stated_price),
            "price": str(self.price),
            "lines": [line.as_json() for line in self.lines],
            "evaluated_price": str(self.evaluated_price),
            "rank": self.rank,
        }


@dataclass(frozen=True)
class PriceComparisonTable:
    """标价比较表 (评标规定 第三十三条): each bid's price, each adjustment and the evaluated price."""

    rows: tuple[PriceComparisonRow, ...]

    def as_json(self) -> dict[str, Any]:
        return {"title": "标价比较表", "rows": [r.as_json() for r in self.rows]}


@dataclass(frozen=True)
class ComprehensiveRow:
    bid_id: str
    stated_price: Decimal | None
    price: Decimal
    lines: tuple[PriceLine, ...]
    evaluated_price: Decimal
    factor_points: dict[str, Decimal]
    parts: dict[Part, Decimal]
    total: Decimal
    rank: int

    def as_json(self) -> dict[str, Any]:
        return {
            "bid_id": self.bid_id,
            "stated_price": None if self.stated_price is None else str(self.stated_price),
            "price": str(self.price),
            "lines": [line.as_json() for line in self.lines],
            "evaluated_price": str(self.evaluated_price),
            "factor_points": {k: str(v) for k, v in self.factor_points.items()},
            "parts": {str(k): str(v) for k, v in self.parts.items()},
            "total": str(self.total),
            "rank": self.rank,
        }


@dataclass(frozen=True)
class ComprehensiveTable:
    """综合评估比较表 (评标规定 第三十七条): price, corrections and adjustments, each factor's
    score and the final result."""

    factors: tuple[Factor, ...]
    benchmark: PriceBenchmark
    rows: tuple[ComprehensiveRow, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "title": "综合评估比较表",
            "factors": [
                {"id": f.id, "name": f.name, "part": str(f.part), "max_points": str(f.max_points)} for f in self.factors
            ],
            "benchmark": self.benchmark.as_json(),
            "rows": [r.as_json() for r in self.rows],
        }


def price_comparison_table(prices: Mapping[str, EvaluatedPrice], ranking: Ranking) -> PriceComparisonTable:
    rows = tuple(
        PriceComparisonRow(e.bid_id, p.stated_price, p.price, p.lines, p.evaluated, e.rank)
        for e in ranking.entries
        for p in (prices[e.bid_id],)
    )
    return PriceComparisonTable(rows)


def comprehensive_table(
    scheme: EvaluationScheme,
    prices: Mapping[str, EvaluatedPrice],
    price: PriceScoring,
    totals: Mapping[str, BidTotal],
    ranking: Ranking,
) -> ComprehensiveTable:
    rows = tuple(
        ComprehensiveRow(
            e.bid_id, p.stated_price, p.price, p.lines, p.evaluated, t.factor_points, t.parts, t.total, e.rank
        )
        for e in ranking.entries
        for p, t in ((prices[e.bid_id], totals[e.bid_id]),)
    )
    return ComprehensiveTable(scheme.factors, price.benchmark, rows)


# ---------------------------------------------------------------------------- whole evaluations
@dataclass(frozen=True)
class LowestPriceEvaluation:
    prices: dict[str, EvaluatedPrice]
    ranking: Ranking
    table: PriceComparisonTable
    candidates: CandidateList


def evaluate_lowest_price(
    scheme: EvaluationScheme, bids: Sequence[BidPricing], rules: RuleBook
) -> LowestPriceEvaluation:
    """经评审的最低投标价法 over the valid bids."""
    if scheme.method is not Method.LOWEST_EVALUATED_PRICE:
        raise DomainError(
            "method_mismatch", "该评标办法不是经评审的最低投标价法", "This scheme is not lowest evaluated price"
        )
    prices = evaluated_prices(scheme, bids)
    ranking = rank_lowest_price(scheme, prices)
    return LowestPriceEvaluation(
        prices, ranking, price_comparison_table(prices, ranking), recommend(scheme, ranking, rules)
    )


@dataclass(frozen=True)
class ComprehensiveEvaluation:
    prices: dict[str, EvaluatedPrice]
    price_scoring: PriceScoring
    subjective: dict[str, dict[str, AggregatedScore]]
    objective: dict[str, dict[str, ObjectiveScore]]
    totals: dict[str, BidTotal]
    ranking: Ranking
    table: ComprehensiveTable
    candidates: CandidateList


def evaluate_comprehensive(
    scheme: EvaluationScheme,
    bids: Sequence[BidPricing],
    *,
    committee: Sequence[str],
    member_scores: MemberScores,
    registry: Mapping[str, RegistryFacts],
    as_of: date,
    rules: RuleBook,
    k: Decimal | None = None,
) -> ComprehensiveEvaluation:
    """综合评估法 over the valid bids: price scores, the committee's subjective scores, objective
    scores from ``registry`` (facts by bid id; a bid without facts scores as having none)."""
    if scheme.method is not Method.COMPREHENSIVE:
        raise DomainError("method_mismatch", "该评标办法不是综合评估法", "This scheme is not comprehensive scoring")
    prices = evaluated_prices(scheme, bids)
    price = score_prices(scheme, prices, k)
    subjective = aggregate_subjective(scheme, committee, list(prices), member_scores)
    objective = {b: score_objective(scheme, b, registry.get(b, RegistryFacts()), as_of) for b in prices}
    totals = total_scores(scheme, price, subjective, objective)
    ranking = rank_comprehensive(scheme, totals, prices, objective)
    return ComprehensiveEvaluation(
        prices,
        price,
        subjective,
        objective,
        totals,
        ranking,
        comprehensive_table(scheme, prices, price, totals, ranking),
        recommend(scheme, ranking, rules),
    )


# ---------------------------------------------------------------------------- deviating members (M19)
@dataclass(frozen=True)
class DeviationThreshold:
    """When a member's score is flagged: more than ``points`` from the others' mean, or more than
    ``sd`` of the others' standard deviations (sample, n − 1) from it."""

    points: Decimal | None = None
    sd: Decimal | None = None

    @classmethod
    def from_rules(cls, rules: RuleBook, points: Decimal | None = None) -> DeviationThreshold:
        return cls(points=points, sd=rules.decimal("expert_score_deviation_sd"))


@dataclass(frozen=True)
class MemberDeviation:
    member_id: str
    bid_id: str
    score: Decimal
    others_mean: Decimal
    others_sd: Decimal | None  # None with fewer than two others
    difference: Decimal  # score − others' mean
    z: Decimal | None  # difference / others' sd, when that sd is above 0
    exceeded: tuple[str, ...]  # "points", "sd"

    def as_json(self) -> dict[str, Any]:
        return {
            "member_id": self.member_id,
            "bid_id": self.bid_id,
            "score": str(self.score),
            "others_mean": str(self.others_mean),
            "others_sd": None if self.others_sd is None else str(self.others_sd),
            "difference": str(self.difference),
            "z": None if self.z is None else str(self.z),
            "exceeded": list(self.exceeded),
        }


def subjective_totals(scores: MemberScores) -> dict[str, dict[str, Decimal]]:
    """Each member's subjective points per bid, summed over the factors."""
    return {m: {b: sum(f.values(), Decimal(0)) for b, f in by_bid.items()} for m, by_bid in scores.items()}


def deviating_members(
    scores: Mapping[str, Mapping[str, Decimal]], threshold: DeviationThreshold
) -> list[MemberDeviation]:
    """Members whose score of some bid (``scores[member][bid]``) lies too far from the other
    members' scores of that bid, with the figures. A spread measured in standard deviations
    applies only where the others disagree among themselves (sd above 0)."""
    if threshold.points is None and threshold.sd is None:
        raise DomainError("threshold_missing", "须给出偏离阈值", "Give a deviation threshold in points or deviations")
    if (threshold.points is not None and threshold.points < 0) or (threshold.sd is not None and threshold.sd <= 0):
        raise DomainError("threshold_invalid", "偏离阈值须为正", "Deviation thresholds must be positive")
    bids = sorted({b for by_bid in scores.values() for b in by_bid})
    found: list[MemberDeviation] = []
    for bid in bids:
        given = sorted((m, s[bid]) for m, s in scores.items() if bid in s)
        for member, score in given:
            others = [s for m, s in given if m != member]
            if not others:
                continue
            mean = _div(sum(others, Decimal(0)), Decimal(len(others)))
            sd: Decimal | None = None
            if len(others) >= 2:
                variance = _div(sum(((s - mean) ** 2 for s in others), Decimal(0)), Decimal(len(others) - 1))
                sd = variance.sqrt(_EXACT)
            difference = score - mean
            z = _div(difference, sd) if sd else None
            exceeded = []
            if threshold.points is not None and abs(difference) > threshold.points:
                exceeded.append("points")
            if threshold.sd is not None and z is not None and abs(z) > threshold.sd:
                exceeded.append("sd")
            if exceeded:
                found.append(MemberDeviation(member, bid, score, mean, sd, difference, z, tuple(exceeded)))
    return found


__all__ = [
    "AggregatedScore",
    "AppliedAdjustment",
    "BidPricing",
    "BidTotal",
    "CandidateList",
    "Certificate",
    "ComprehensiveEvaluation",
    "ComprehensiveTable",
    "DeviationThreshold",
    "EvaluatedPrice",
    "FirstOfAKind",
    "LowestPriceEvaluation",
    "MemberDeviation",
    "ObjectiveEvidence",
    "ObjectiveScore",
    "PastProject",
    "PriceBenchmark",
    "PriceComparisonTable",
    "PriceLine",
    "PriceScore",
    "PriceScoring",
    "Qualification",
    "RankedBid",
    "Ranking",
    "RegistryFacts",
    "TrackRecordCheck",
    "aggregate_subjective",
    "check_member_score",
    "check_track_record",
    "comprehensive_table",
    "deviating_members",
    "draw_k",
    "evaluate_comprehensive",
    "evaluate_lowest_price",
    "evaluated_price",
    "evaluated_prices",
    "price_comparison_table",
    "rank_comprehensive",
    "rank_lowest_price",
    "recommend",
    "score_objective",
    "score_prices",
    "subjective_totals",
    "total_scores",
    "window_start",
]

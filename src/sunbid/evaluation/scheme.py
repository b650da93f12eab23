"""The evaluation scheme (评标办法) a tender declares in its tender documents.

An :class:`EvaluationScheme` is a frozen value: the method, the factors and their points, the
price formula, how the committee's subjective scores are aggregated, the objective factors
scored from registry data, the SME price preference, the abnormally-low-price rules, the
award mode, the anonymised technical part and the tie-breaks. ``as_json``/``from_json`` give
its stored and published form; :func:`from_json` refuses anything it does not know.
:func:`validate` checks it against the statutory rules of the tender's jurisdiction.

Only what the tender documents declare lives here; the per-tender facts drawn later (the K
of an average-discount formula, the committee, the bids) are inputs to ``methods``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from sunbid.kernel.errors import DomainError, RuleViolation
from sunbid.kernel.money import MAX_YUAN
from sunbid.kernel.rules import RuleBook

EVAL_REGS = "《评标委员会和评标方法暂行规定》"
NANJING_PLAN = "南京市贯彻落实《国务院办公厅关于创新完善体制机制推动招标投标市场规范健康发展的意见》实施方案"
FAIR_COMPETITION = "《招标投标领域公平竞争审查规则》（2024年第16号令）"
FIRST_OF_A_KIND = "《关于支持首台（套）重大技术装备平等参与企业招标投标活动的指导意见》（工信部联重装〔2023〕127号）"


# ---------------------------------------------------------------------------- vocabularies
class Method(StrEnum):
    LOWEST_EVALUATED_PRICE = "lowest_evaluated_price"  # 经评审的最低投标价法（评标规定 第三十条至第三十三条）
    COMPREHENSIVE = "comprehensive"  # 综合评估法（评标规定 第三十四条至第三十七条）


class FactorKind(StrEnum):
    PRICE = "price"  # 价格分：由报价按公式计算
    SUBJECTIVE = "subjective"  # 主观分：每位评委打分，按约定汇总
    OBJECTIVE = "objective"  # 客观分：按登记的资格、业绩、信用等数据自动计算


class Part(StrEnum):
    TECHNICAL = "technical"  # 技术部分
    COMMERCIAL = "commercial"  # 商务部分
    CREDIT = "credit"  # 信用部分
    PRICE = "price"  # 价格部分


class PriceFormulaKind(StrEnum):
    LOWEST_PRICE_BENCHMARK = "lowest_price_benchmark"  # 低价优先：评标基准价 = 最低有效评审价
    AVERAGE_DISCOUNT = "average_discount"  # 平均值下浮：评标基准价 = 有效评审价平均值 × (1 − K)


class Aggregation(StrEnum):
    MEAN = "mean"  # 算术平均
    TRIMMED_MEAN = "trimmed_mean"  # 去掉一个最高分和一个最低分后平均


class AdjustmentBasis(StrEnum):
    RATIO = "ratio"  # 按报价的比例调整（每单位偏差）
    AMOUNT = "amount"  # 按固定金额调整（每单位偏差）


class AbnormalRuleKind(StrEnum):
    BELOW_MEAN_OF_OTHERS = "below_mean_of_others"  # 低于其他有效投标报价算术平均值的一定比例
    BELOW_MEAN_OF_ALL = "below_mean_of_all"  # 低于全部有效投标报价算术平均值（有效平均价）的一定比例
    BELOW_NEXT_LOWEST = "below_next_lowest"  # 低于报价次低者（紧邻的较高有效报价）的一定比例
    BELOW_CEILING = "below_ceiling"  # 低于最高投标限价的一定比例


class AwardMode(StrEnum):
    RANKED = "ranked"  # 推荐排序的中标候选人（条例 第五十三条）
    SEPARATED = "separated"  # 评定分离：推荐不排序的定标候选人，招标人按招标文件公布的方法定标


class DecisionMethod(StrEnum):
    """定标方法 under 评定分离, from a closed list. Lotteries are refused (16号令 第八条)."""

    COMMITTEE_MAJORITY = "committee_majority"  # 招标人定标委员会投票，简单多数
    COMMITTEE_TWO_THIRDS = "committee_two_thirds"  # 招标人定标委员会投票，三分之二多数
    PRICE_FIRST = "price_first"  # 候选人中价格优先
    VALUE_FOR_MONEY = "value_for_money"  # 按公布的择优标准综合比较


#: Words that name a lottery in any form: never a 定标 method nor a tie-break.
LOTTERY_WORDS = ("lottery", "draw", "random", "raffle", "抽签", "摇号", "抓阄", "随机", "抽取")


class TieBreakKind(StrEnum):
    LOWER_PRICE = "lower_price"  # 报价（修正后）低者优先
    LOWER_EVALUATED_PRICE = "lower_evaluated_price"  # 评审价低者优先
    HIGHER_PART = "higher_part"  # 某部分（如技术部分）得分高者优先
    HIGHER_FACTOR = "higher_factor"  # 某评分因素得分高者优先
    HIGHER_SIMILAR_AMOUNT = "higher_similar_amount"  # 计入的类似项目业绩累计金额高者优先


ROUNDING_MODES = {"ROUND_HALF_UP": ROUND_HALF_UP, "ROUND_HALF_EVEN": ROUND_HALF_EVEN, "ROUND_DOWN": ROUND_DOWN}

#: The bid file parts of the envelope manifest (docs/envelope.md).
BID_FILE_PARTS = ("commercial", "technical", "qualification", "consortium_agreement", "other")

CATEGORIES = ("works", "goods", "services")

#: The most decimal places a number in a scheme may have (ratios such as 0.005 need a few).
MAX_PLACES = 10


# ---------------------------------------------------------------------------- objective criteria
@dataclass(frozen=True)
class CreditGradeCriterion:
    """信用等级得分: points by the bidder's credit grade; no grade scores nothing."""

    points: tuple[tuple[str, Decimal], ...]  # (grade, points)

    def points_for(self, grade: str | None) -> Decimal | None:
        return next((p for g, p in self.points if g == grade), None)


@dataclass(frozen=True)
class QualificationCriterion:
    """资质得分: points for holding a qualification of ``kind`` at a grade at least as good as
    each listed minimum; ``grades`` runs from the best down (e.g. 特级, 一级, 二级)."""

    kind: str
    grades: tuple[str, ...]
    points: tuple[tuple[str, Decimal], ...]  # (minimum grade, points)


@dataclass(frozen=True)
class PastPerformanceCriterion:
    """业绩得分: points for each similar project (contract signed in the window, amount at
    least ``min_amount``, classification starting with one of ``classifications`` when any are
    declared), up to ``cap``. First-of-a-kind equipment (首台套) of a matching classification
    counts as ``first_of_a_kind_counts_as`` such projects (工信部联重装〔2023〕127号)."""

    points_each: Decimal
    cap: Decimal
    min_amount: Decimal = Decimal(0)
    within_years: int | None = None  # contracts signed in the last N years before the reference date
    since: date | None = None  # or since a fixed date (e.g. 2021-01-01)
    classifications: tuple[str, ...] = ()
    first_of_a_kind_counts_as: int = 1


@dataclass(frozen=True)
class GreenCriterion:
    """绿色评审因素: points for each declared certificate kind held and valid, up to ``cap``."""

    points: tuple[tuple[str, Decimal], ...]  # (certificate kind, points)
    cap: Decimal


ObjectiveCriterion = CreditGradeCriterion | QualificationCriterion | PastPerformanceCriterion | GreenCriterion


# ---------------------------------------------------------------------------- the scheme
@dataclass(frozen=True)
class Factor:
    """评分因素: one row of the scoring table."""

    id: str
    name: str  # 中文名称
    kind: FactorKind
    part: Part
    max_points: Decimal
    guidance: str = ""  # 评分标准
    criterion: ObjectiveCriterion | None = None  # objective factors only


@dataclass(frozen=True)
class PriceFormula:
    """价格分计算方法.

    - ``lowest_price_benchmark``: benchmark = the lowest valid evaluated price; score =
      benchmark / price × max points (《政府采购货物和服务招标投标管理办法》第五十五条).
    - ``average_discount``: benchmark = mean of the valid evaluated prices (dropping the
      highest and the lowest when there are at least ``trim_min_count``) × (1 − K), K drawn at
      the opening from ``k_choices``; deviation = (price − benchmark) / benchmark × 100; score =
      max − ``points_per_percent_above`` × deviation above the benchmark, max −
      ``points_per_percent_below`` × |deviation| below it, never below 0.
    """

    kind: PriceFormulaKind
    k_choices: tuple[Decimal, ...] = ()
    trim_min_count: int | None = None
    points_per_percent_above: Decimal = Decimal(0)
    points_per_percent_below: Decimal = Decimal(0)
    deviation_places: int | None = None  # round the deviation in percent to this many places; None: exact


@dataclass(frozen=True)
class AggregationRule:
    """How the members' subjective scores become one score per bid and factor."""

    kind: Aggregation = Aggregation.MEAN
    trim_min_scorers: int | None = None  # trimmed_mean: drop one highest and one lowest from this many scorers


@dataclass(frozen=True)
class Rounding:
    """Scores are rounded once, per factor and bid (e.g. 2 places, 四舍五入)."""

    places: int = 2
    mode: str = "ROUND_HALF_UP"

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.places)

    def apply(self, value: Decimal) -> Decimal:
        return value.quantize(self.quantum, rounding=ROUNDING_MODES[self.mode])


@dataclass(frozen=True)
class PriceAdjustment:
    """A declared price adjustment for a commercial deviation (商务偏差的价格调整), applied by
    the committee per unit of deviation: ``ratio`` × price or a fixed ``amount`` in yuan."""

    id: str
    name: str
    basis: AdjustmentBasis
    value: Decimal


@dataclass(frozen=True)
class TrackRecordRequirement:
    """业绩要求 (a qualification condition): at least ``min_count`` similar projects. First-of-a-kind
    equipment (首台套) of a matching classification meets it (工信部联重装〔2023〕127号)."""

    min_count: int
    min_amount: Decimal = Decimal(0)
    within_years: int | None = None
    since: date | None = None
    classifications: tuple[str, ...] = ()


@dataclass(frozen=True)
class AbnormalRule:
    """A declared trigger of the abnormally-low-price review (异常低价): the price is below
    ``ratio`` × the reference the kind names."""

    kind: AbnormalRuleKind
    ratio: Decimal


@dataclass(frozen=True)
class AwardRule:
    """中标候选人 and 定标."""

    mode: AwardMode = AwardMode.RANKED
    candidate_count: int | None = None  # ranked: the rule table's maximum when not declared; separated: required
    state_funded: bool = False  # 国有资金占控股或者主导地位（条例 第五十五条）
    decision_method: DecisionMethod | None = None  # separated only
    value_criteria: tuple[str, ...] = ()  # value_for_money only: the published 择优 criteria


@dataclass(frozen=True)
class AnonymityRule:
    """暗标: whether the technical part is reviewed under codes, and which file parts it is."""

    anonymised: bool = False
    technical_parts: tuple[str, ...] = ("technical",)


@dataclass(frozen=True)
class TieBreak:
    kind: TieBreakKind
    target: str | None = None  # the part (higher_part) or factor id (higher_factor, higher_similar_amount)


@dataclass(frozen=True)
class EvaluationScheme:
    """评标办法 as declared in the tender documents."""

    method: Method
    general_technical_standards: bool = False  # 具有通用技术、性能标准或者没有特殊要求（第三十条）
    total_points: Decimal = Decimal(100)
    factors: tuple[Factor, ...] = ()
    price_formula: PriceFormula | None = None
    aggregation: AggregationRule = field(default_factory=AggregationRule)
    rounding: Rounding = field(default_factory=Rounding)
    price_adjustments: tuple[PriceAdjustment, ...] = ()
    sme_deduction: Decimal | None = None  # 小微企业价格扣除比例
    track_record: TrackRecordRequirement | None = None
    abnormal_rules: tuple[AbnormalRule, ...] = ()
    abnormal_explanation_hours: int | None = None  # None: the rule table's default
    award: AwardRule = field(default_factory=AwardRule)
    anonymity: AnonymityRule = field(default_factory=AnonymityRule)
    tie_breaks: tuple[TieBreak, ...] = (TieBreak(TieBreakKind.LOWER_PRICE),)

    # ------------------------------------------------------------------ lookups
    def explanation_hours(self, rules: RuleBook) -> int:
        """Hours a bidder has for the written explanation of an abnormally low price."""
        if self.abnormal_explanation_hours is not None:
            return self.abnormal_explanation_hours
        return rules.count("abnormal_explanation_default_hours")

    def candidate_count(self, rules: RuleBook) -> int:
        """How many candidates the committee recommends."""
        if self.award.candidate_count is not None:
            return self.award.candidate_count
        return rules.count("max_candidates")

    def factor(self, factor_id: str) -> Factor:
        for f in self.factors:
            if f.id == factor_id:
                return f
        raise DomainError(
            "scheme_factor_unknown",
            f"评标办法中没有评分因素 {factor_id}",
            f"The scheme has no factor {factor_id!r}",
            factor_id=factor_id,
        )

    @property
    def price_factor(self) -> Factor | None:
        return next((f for f in self.factors if f.kind is FactorKind.PRICE), None)

    def factors_of(self, kind: FactorKind) -> tuple[Factor, ...]:
        return tuple(f for f in self.factors if f.kind is kind)

    def part_points(self, part: Part) -> Decimal:
        return sum((f.max_points for f in self.factors if f.part is part), Decimal(0))

    @property
    def technical_weight(self) -> Decimal:
        """The technical part's share of the total points (0 for lowest evaluated price)."""
        if not self.factors or self.total_points <= 0:
            return Decimal(0)
        return self.part_points(Part.TECHNICAL) / self.total_points

    # ------------------------------------------------------------------ JSON
    def as_json(self) -> dict[str, Any]:
        return {
            "method": str(self.method),
            "general_technical_standards": self.general_technical_standards,
            "total_points": str(self.total_points),
            "factors": [_factor_json(f) for f in self.factors],
            "price_formula": None if self.price_formula is None else _formula_json(self.price_formula),
            "aggregation": {"kind": str(self.aggregation.kind), "trim_min_scorers": self.aggregation.trim_min_scorers},
            "rounding": {"places": self.rounding.places, "mode": self.rounding.mode},
            "price_adjustments": [
                {"id": a.id, "name": a.name, "basis": str(a.basis), "value": str(a.value)}
                for a in self.price_adjustments
            ],
            "sme_deduction": None if self.sme_deduction is None else str(self.sme_deduction),
            "track_record": None if self.track_record is None else _track_record_json(self.track_record),
            "abnormal_rules": [{"kind": str(r.kind), "ratio": str(r.ratio)} for r in self.abnormal_rules],
            "abnormal_explanation_hours": self.abnormal_explanation_hours,
            "award": {
                "mode": str(self.award.mode),
                "candidate_count": self.award.candidate_count,
                "state_funded": self.award.state_funded,
                "decision_method": None if self.award.decision_method is None else str(self.award.decision_method),
                "value_criteria": list(self.award.value_criteria),
            },
            "anonymity": {
                "anonymised": self.anonymity.anonymised,
                "technical_parts": list(self.anonymity.technical_parts),
            },
            "tie_breaks": [{"kind": str(t.kind), "target": t.target} for t in self.tie_breaks],
        }

    @classmethod
    def from_json(cls, data: object) -> EvaluationScheme:
        return from_json(data)


def _pairs_json(pairs: tuple[tuple[str, Decimal], ...]) -> list[list[str]]:
    return [[k, str(v)] for k, v in pairs]


def _criterion_json(c: ObjectiveCriterion) -> dict[str, Any]:
    if isinstance(c, CreditGradeCriterion):
        return {"type": "credit_grade", "points": _pairs_json(c.points)}
    if isinstance(c, QualificationCriterion):
        return {"type": "qualification", "kind": c.kind, "grades": list(c.grades), "points": _pairs_json(c.points)}
    if isinstance(c, PastPerformanceCriterion):
        return {
            "type": "past_performance",
            "points_each": str(c.points_each),
            "cap": str(c.cap),
            "min_amount": str(c.min_amount),
            "within_years": c.within_years,
            "since": None if c.since is None else c.since.isoformat(),
            "classifications": list(c.classifications),
            "first_of_a_kind_counts_as": c.first_of_a_kind_counts_as,
        }
    return {"type": "green", "points": _pairs_json(c.points), "cap": str(c.cap)}


def _factor_json(f: Factor) -> dict[str, Any]:
    return {
        "id": f.id,
        "name": f.name,
        "kind": str(f.kind),
        "part": str(f.part),
        "max_points": str(f.max_points),
        "guidance": f.guidance,
        "criterion": None if f.criterion is None else _criterion_json(f.criterion),
    }


def _formula_json(p: PriceFormula) -> dict[str, Any]:
    return {
        "kind": str(p.kind),
        "k_choices": [str(k) for k in p.k_choices],
        "trim_min_count": p.trim_min_count,
        "points_per_percent_above": str(p.points_per_percent_above),
        "points_per_percent_below": str(p.points_per_percent_below),
        "deviation_places": p.deviation_places,
    }


def _track_record_json(t: TrackRecordRequirement) -> dict[str, Any]:
    return {
        "min_count": t.min_count,
        "min_amount": str(t.min_amount),
        "within_years": t.within_years,
        "since": None if t.since is None else t.since.isoformat(),
        "classifications": list(t.classifications),
    }


# ---------------------------------------------------------------------------- strict JSON reading
def _bad(path: str, zh: str, en: str, **details: Any) -> DomainError:
    return DomainError(
        "scheme_invalid",
        f"评标办法字段 {path} 无效：{zh}",
        f"Evaluation scheme field {path}: {en}",
        field=path,
        **details,
    )


def _obj(raw: object, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise _bad(path, "须为对象", "must be an object")
    unknown = sorted(str(k) for k in raw if k not in required and k not in optional)
    if unknown:
        raise _bad(path, f"未知字段 {', '.join(unknown)}", f"unknown fields {', '.join(unknown)}", unknown=unknown)
    missing = [k for k in required if k not in raw]
    if missing:
        raise _bad(path, f"缺少字段 {', '.join(missing)}", f"missing fields {', '.join(missing)}", missing=missing)
    return raw


def _str(raw: object, path: str) -> str:
    if not isinstance(raw, str):
        raise _bad(path, "须为文本", "must be text")
    return raw


def _bool(raw: object, path: str) -> bool:
    if not isinstance(raw, bool):
        raise _bad(path, "须为 true 或 false", "must be true or false")
    return raw


def _int(raw: object, path: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise _bad(path, "须为整数", "must be an integer")
    return raw


def _opt_int(raw: object, path: str) -> int | None:
    return None if raw is None else _int(raw, path)


def _dec(raw: object, path: str) -> Decimal:
    """Exact numbers only: text or integers, never floats."""
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise _bad(path, "须为数字文本或整数（不接受浮点数）", "must be a number as text or an integer (never a float)")
    try:
        value = Decimal(raw)
    except (InvalidOperation, ValueError):
        raise _bad(path, "不是数字", "is not a number") from None
    if not value.is_finite():
        raise _bad(path, "须为有限数", "must be finite")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if abs(value) > MAX_YUAN or exponent < -MAX_PLACES:
        raise _bad(
            path,
            f"数值超出范围（绝对值至多 {MAX_YUAN}，至多 {MAX_PLACES} 位小数）",
            f"is out of range (at most {MAX_YUAN} in size, {MAX_PLACES} places)",
        )
    return value


def _opt_dec(raw: object, path: str) -> Decimal | None:
    return None if raw is None else _dec(raw, path)


def _date(raw: object, path: str) -> date:
    try:
        return date.fromisoformat(_str(raw, path))
    except ValueError:
        raise _bad(path, "须为 YYYY-MM-DD 日期", "must be a YYYY-MM-DD date") from None


def _list(raw: object, path: str) -> list[Any]:
    if not isinstance(raw, list | tuple):
        raise _bad(path, "须为列表", "must be a list")
    return list(raw)


def _strs(raw: object, path: str) -> tuple[str, ...]:
    return tuple(_str(v, f"{path}[{i}]") for i, v in enumerate(_list(raw, path)))


def _pairs(raw: object, path: str) -> tuple[tuple[str, Decimal], ...]:
    """``[[key, points], …]`` or ``{key: points}``: keys kept in their declared order."""
    items: list[tuple[object, object]]
    if isinstance(raw, Mapping):
        items = list(raw.items())
    else:
        items = []
        for i, pair in enumerate(_list(raw, path)):
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise _bad(f"{path}[{i}]", "须为 [名称, 分值]", "must be [name, points]")
            items.append((pair[0], pair[1]))
    out = tuple((_str(k, f"{path}.key"), _dec(v, f"{path}.{k}")) for k, v in items)
    if len({k for k, _ in out}) != len(out):
        raise _bad(path, "名称重复", "has a name twice")
    return out


E = TypeVar("E", bound=StrEnum)


def _enum(cls: type[E], raw: object, path: str) -> E:
    value = _str(raw, path)
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise _bad(path, f"须为 {allowed} 之一", f"must be one of {allowed}", value=value) from None


def _is_lottery(value: object) -> bool:
    text = str(value).casefold()
    return any(word in text for word in LOTTERY_WORDS)


def lottery_refused(path: str, value: object) -> DomainError:
    return DomainError(
        "award_lottery_forbidden",
        f"不得以抽签、摇号、抓阄等随机方式确定中标候选人或中标人（{path}：{value}）",
        f"Candidates and winners may never be chosen by lottery, draw or any random method ({path}: {value})",
        field=path,
        value=str(value),
        article=f"{FAIR_COMPETITION}第八条；发改法规规〔2022〕1117号（二）",
    )


def _criterion(raw: object, path: str) -> ObjectiveCriterion:
    if not isinstance(raw, Mapping) or "type" not in raw:
        raise _bad(path, "须为带 type 的对象", "must be an object with a type")
    kind = raw["type"]
    if kind == "credit_grade":
        d = _obj(raw, path, ("type", "points"))
        return CreditGradeCriterion(_pairs(d["points"], f"{path}.points"))
    if kind == "qualification":
        d = _obj(raw, path, ("type", "kind", "grades", "points"))
        return QualificationCriterion(
            _str(d["kind"], f"{path}.kind"), _strs(d["grades"], f"{path}.grades"), _pairs(d["points"], f"{path}.points")
        )
    if kind == "past_performance":
        d = _obj(
            raw,
            path,
            ("type", "points_each", "cap"),
            ("min_amount", "within_years", "since", "classifications", "first_of_a_kind_counts_as"),
        )
        return PastPerformanceCriterion(
            points_each=_dec(d["points_each"], f"{path}.points_each"),
            cap=_dec(d["cap"], f"{path}.cap"),
            min_amount=_dec(d.get("min_amount", 0), f"{path}.min_amount"),
            within_years=_opt_int(d.get("within_years"), f"{path}.within_years"),
            since=None if d.get("since") is None else _date(d["since"], f"{path}.since"),
            classifications=_strs(d.get("classifications", []), f"{path}.classifications"),
            first_of_a_kind_counts_as=_int(d.get("first_of_a_kind_counts_as", 1), f"{path}.first_of_a_kind_counts_as"),
        )
    if kind == "green":
        d = _obj(raw, path, ("type", "points", "cap"))
        return GreenCriterion(_pairs(d["points"], f"{path}.points"), _dec(d["cap"], f"{path}.cap"))
    raise _bad(
        f"{path}.type",
        "须为 credit_grade、qualification、past_performance、green 之一",
        "must be one of credit_grade, qualification, past_performance, green",
        value=str(kind),
    )


def _factor(raw: object, path: str) -> Factor:
    d = _obj(raw, path, ("id", "name", "kind", "part", "max_points"), ("guidance", "criterion"))
    return Factor(
        id=_str(d["id"], f"{path}.id"),
        name=_str(d["name"], f"{path}.name"),
        kind=_enum(FactorKind, d["kind"], f"{path}.kind"),
        part=_enum(Part, d["part"], f"{path}.part"),
        max_points=_dec(d["max_points"], f"{path}.max_points"),
        guidance=_str(d.get("guidance", ""), f"{path}.guidance"),
        criterion=None if d.get("criterion") is None else _criterion(d["criterion"], f"{path}.criterion"),
    )


def _formula(raw: object, path: str) -> PriceFormula:
    d = _obj(
        raw,
        path,
        ("kind",),
        ("k_choices", "trim_min_count", "points_per_percent_above", "points_per_percent_below", "deviation_places"),
    )
    return PriceFormula(
        kind=_enum(PriceFormulaKind, d["kind"], f"{path}.kind"),
        k_choices=tuple(_dec(k, f"{path}.k_choices[{i}]") for i, k in enumerate(_list(d.get("k_choices", []), path))),
        trim_min_count=_opt_int(d.get("trim_min_count"), f"{path}.trim_min_count"),
        points_per_percent_above=_dec(d.get("points_per_percent_above", 0), f"{path}.points_per_percent_above"),
        points_per_percent_below=_dec(d.get("points_per_percent_below", 0), f"{path}.points_per_percent_below"),
        deviation_places=_opt_int(d.get("deviation_places"), f"{path}.deviation_places"),
    )


def _decision_method(raw: object, path: str) -> DecisionMethod | None:
    if raw is None:
        return None
    if _is_lottery(raw):
        raise lottery_refused(path, raw)
    return _enum(DecisionMethod, raw, path)


def _tie_break(raw: object, path: str) -> TieBreak:
    d = _obj(raw, path, ("kind",), ("target",))
    if _is_lottery(d["kind"]):
        raise lottery_refused(f"{path}.kind", d["kind"])
    target = d.get("target")
    return TieBreak(_enum(TieBreakKind, d["kind"], f"{path}.kind"), None if target is None else _str(target, path))


_SCHEME_KEYS = (
    "general_technical_standards",
    "total_points",
    "factors",
    "price_formula",
    "aggregation",
    "rounding",
    "price_adjustments",
    "sme_deduction",
    "track_record",
    "abnormal_rules",
    "abnormal_explanation_hours",
    "award",
    "anonymity",
    "tie_breaks",
)

T = TypeVar("T")


def _opt(d: Mapping[str, Any], key: str, parse: Callable[[object, str], T], default: T) -> T:
    return default if d.get(key) is None else parse(d[key], key)


def from_json(data: object) -> EvaluationScheme:
    """Read a scheme from its JSON form. Unknown fields, floats, wrong types and lotteries are
    refused with a ``scheme_invalid`` (or ``award_lottery_forbidden``) error naming the field."""
    d = _obj(data, "scheme", ("method",), _SCHEME_KEYS)
    defaults = EvaluationScheme(Method.COMPREHENSIVE)

    def aggregation(raw: object, path: str) -> AggregationRule:
        a = _obj(raw, path, ("kind",), ("trim_min_scorers",))
        return AggregationRule(
            _enum(Aggregation, a["kind"], f"{path}.kind"),
            _opt_int(a.get("trim_min_scorers"), f"{path}.trim_min_scorers"),
        )

    def rounding(raw: object, path: str) -> Rounding:
        r = _obj(raw, path, (), ("places", "mode"))
        mode = _str(r.get("mode", "ROUND_HALF_UP"), f"{path}.mode")
        if mode not in ROUNDING_MODES:
            raise _bad(
                f"{path}.mode", f"须为 {', '.join(ROUNDING_MODES)} 之一", f"must be one of {', '.join(ROUNDING_MODES)}"
            )
        return Rounding(_int(r.get("places", 2), f"{path}.places"), mode)

    def adjustments(raw: object, path: str) -> tuple[PriceAdjustment, ...]:
        out = []
        for i, item in enumerate(_list(raw, path)):
            p = f"{path}[{i}]"
            a = _obj(item, p, ("id", "name", "basis", "value"))
            out.append(
                PriceAdjustment(
                    _str(a["id"], f"{p}.id"),
                    _str(a["name"], f"{p}.name"),
                    _enum(AdjustmentBasis, a["basis"], f"{p}.basis"),
                    _dec(a["value"], f"{p}.value"),
                )
            )
        return tuple(out)

    def track_record(raw: object, path: str) -> TrackRecordRequirement:
        t = _obj(raw, path, ("min_count",), ("min_amount", "within_years", "since", "classifications"))
        return TrackRecordRequirement(
            min_count=_int(t["min_count"], f"{path}.min_count"),
            min_amount=_dec(t.get("min_amount", 0), f"{path}.min_amount"),
            within_years=_opt_int(t.get("within_years"), f"{path}.within_years"),
            since=None if t.get("since") is None else _date(t["since"], f"{path}.since"),
            classifications=_strs(t.get("classifications", []), f"{path}.classifications"),
        )

    def abnormal(raw: object, path: str) -> tuple[AbnormalRule, ...]:
        out = []
        for i, item in enumerate(_list(raw, path)):
            r = _obj(item, f"{path}[{i}]", ("kind", "ratio"))
            out.append(
                AbnormalRule(
                    _enum(AbnormalRuleKind, r["kind"], f"{path}[{i}].kind"), _dec(r["ratio"], f"{path}[{i}].ratio")
                )
            )
        return tuple(out)

    def award(raw: object, path: str) -> AwardRule:
        a = _obj(raw, path, ("mode",), ("candidate_count", "state_funded", "decision_method", "value_criteria"))
        return AwardRule(
            mode=_enum(AwardMode, a["mode"], f"{path}.mode"),
            candidate_count=_opt_int(a.get("candidate_count"), f"{path}.candidate_count"),
            state_funded=_bool(a.get("state_funded", False), f"{path}.state_funded"),
            decision_method=_decision_method(a.get("decision_method"), f"{path}.decision_method"),
            value_criteria=_strs(a.get("value_criteria", []), f"{path}.value_criteria"),
        )

    def anonymity(raw: object, path: str) -> AnonymityRule:
        a = _obj(raw, path, ("anonymised",), ("technical_parts",))
        return AnonymityRule(
            _bool(a["anonymised"], f"{path}.anonymised"),
            _strs(a.get("technical_parts", ["technical"]), f"{path}.technical_parts"),
        )

    return EvaluationScheme(
        method=_enum(Method, d["method"], "method"),
        general_technical_standards=_opt(d, "general_technical_standards", _bool, False),
        total_points=_opt(d, "total_points", _dec, defaults.total_points),
        factors=tuple(_factor(f, f"factors[{i}]") for i, f in enumerate(_list(d.get("factors", []), "factors"))),
        price_formula=_opt(d, "price_formula", _formula, None),
        aggregation=_opt(d, "aggregation", aggregation, defaults.aggregation),
        rounding=_opt(d, "rounding", rounding, defaults.rounding),
        price_adjustments=_opt(d, "price_adjustments", adjustments, ()),
        sme_deduction=_opt_dec(d.get("sme_deduction"), "sme_deduction"),
        track_record=_opt(d, "track_record", track_record, None),
        abnormal_rules=_opt(d, "abnormal_rules", abnormal, ()),
        abnormal_explanation_hours=_opt(d, "abnormal_explanation_hours", _int, None),
        award=_opt(d, "award", award, defaults.award),
        anonymity=_opt(d, "anonymity", anonymity, defaults.anonymity),
        tie_breaks=_opt(
            d,
            "tie_breaks",
            lambda raw, path: tuple(_tie_break(t, f"{path}[{i}]") for i, t in enumerate(_list(raw, path))),
            defaults.tie_breaks,
        ),
    )


# ---------------------------------------------------------------------------- validation
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
#: Sector words that make a services tender a survey or design tender (勘察设计, seed task 24).
SURVEY_DESIGN_WORDS = ("勘察", "设计", "survey", "design")


def is_survey_or_design(tender_category: str, sector: str) -> bool:
    """A survey or design service (勘察设计): a services tender whose sector (行业) names survey
    or design, e.g. 工程勘察, 建筑设计, 勘察设计."""
    text = sector.casefold()
    return tender_category == "services" and any(word in text for word in SURVEY_DESIGN_WORDS)


def default_abnormal_rules(rules: RuleBook) -> tuple[AbnormalRule, ...]:
    """The abnormally-low-price triggers the rule table proposes (a tender declares its own)."""
    return (
        AbnormalRule(AbnormalRuleKind.BELOW_MEAN_OF_OTHERS, rules.decimal("abnormal_below_mean_ratio")),
        AbnormalRule(AbnormalRuleKind.BELOW_NEXT_LOWEST, rules.decimal("abnormal_below_next_lowest_ratio")),
        AbnormalRule(AbnormalRuleKind.BELOW_CEILING, rules.decimal("abnormal_below_ceiling_ratio")),
    )


def _invalid(code: str, zh: str, en: str, **details: Any) -> DomainError:
    return DomainError(code, zh, en, **details)


def _check_window(path: str, within_years: int | None, since: date | None) -> None:
    if (within_years is None) == (since is None):
        raise _invalid(
            "scheme_criterion_invalid",
            f"{path}：须且只能声明“近N年”或“自某日起”之一",
            f"{path}: declare exactly one of within_years and since",
            field=path,
        )
    if within_years is not None and within_years < 1:
        raise _invalid(
            "scheme_criterion_invalid", f"{path}：年限须至少为1", f"{path}: within_years must be at least 1", field=path
        )


def _check_points(path: str, pairs: Sequence[tuple[str, Decimal]], cap: Decimal) -> None:
    if not pairs:
        raise _invalid("scheme_criterion_invalid", f"{path}：没有计分项", f"{path}: nothing scores", field=path)
    for key, points in pairs:
        if points < 0 or points > cap:
            raise _invalid(
                "scheme_criterion_invalid",
                f"{path}：“{key}”的分值 {points} 须在 0 至 {cap} 之间",
                f"{path}: the points for {key!r} ({points}) must lie between 0 and {cap}",
                field=path,
            )
    if all(points == 0 for _, points in pairs):
        raise _invalid("scheme_criterion_invalid", f"{path}：没有计分项", f"{path}: nothing scores", field=path)


def _validate_criterion(f: Factor) -> None:
    path = f"factors.{f.id}.criterion"
    c = f.criterion
    if isinstance(c, CreditGradeCriterion):
        _check_points(path, c.points, f.max_points)
    elif isinstance(c, QualificationCriterion):
        if not c.kind.strip() or not c.grades or len(set(c.grades)) != len(c.grades):
            raise _invalid(
                "scheme_criterion_invalid",
                f"{path}：须声明资质类别和不重复的等级序列",
                f"{path}: declare the qualification kind and distinct grades, best first",
                field=path,
            )
        unknown = [g for g, _ in c.points if g not in c.grades]
        if unknown:
            raise _invalid(
                "scheme_criterion_invalid",
                f"{path}：等级 {', '.join(unknown)} 不在等级序列中",
                f"{path}: grades {', '.join(unknown)} are not in the grade order",
                field=path,
            )
        _check_points(path, c.points, f.max_points)
    elif isinstance(c, PastPerformanceCriterion):
        _check_window(path, c.within_years, c.since)
        if not (0 < c.points_each <= c.cap <= f.max_points) or c.min_amount < 0 or c.first_of_a_kind_counts_as < 1:
            raise _invalid(
                "scheme_criterion_invalid",
                f"{path}：须 0 < 每项分值 ≤ 上限 ≤ 因素满分，金额门槛不为负，首台套视同项目数至少为1",
                f"{path}: need 0 < points_each <= cap <= max points, min_amount >= 0, first_of_a_kind_counts_as >= 1",
                field=path,
            )
    elif isinstance(c, GreenCriterion):
        if not (0 < c.cap <= f.max_points):
            raise _invalid(
                "scheme_criterion_invalid",
                f"{path}：上限须大于0且不超过因素满分",
                f"{path}: the cap must be above 0 and at most the factor's points",
                field=path,
            )
        _check_points(path, c.points, c.cap)


def _validate_factors(scheme: EvaluationScheme) -> None:
    if not scheme.factors:
        raise _invalid("scheme_no_factors", "综合评估法须声明评分因素", "Comprehensive scoring needs its factors")
    seen: set[str] = set()
    for f in scheme.factors:
        if not _ID.match(f.id) or f.id in seen:
            raise _invalid(
                "scheme_factor_id_invalid",
                f"评分因素编号 {f.id!r} 无效或重复",
                f"Factor id {f.id!r} is malformed or used twice",
                factor_id=f.id,
            )
        seen.add(f.id)
        if not f.name.strip():
            raise _invalid(
                "scheme_factor_invalid", f"评分因素 {f.id} 缺少名称", f"Factor {f.id} has no name", factor_id=f.id
            )
        if f.max_points <= 0 or f.max_points > scheme.total_points:
            raise _invalid(
                "scheme_factor_invalid",
                f"评分因素 {f.id} 的满分须大于0且不超过总分",
                f"Factor {f.id}: its points must be above 0 and at most the total",
                factor_id=f.id,
            )
        if (f.kind is FactorKind.PRICE) != (f.part is Part.PRICE):
            raise _invalid(
                "scheme_factor_invalid",
                f"评分因素 {f.id}：价格分必须且只能属于价格部分",
                f"Factor {f.id}: the price factor, and only it, belongs to the price part",
                factor_id=f.id,
            )
        if (f.kind is FactorKind.OBJECTIVE) != (f.criterion is not None):
            raise _invalid(
                "scheme_factor_invalid",
                f"评分因素 {f.id}：客观分须且只有客观分声明计分规则",
                f"Factor {f.id}: an objective factor, and only it, declares how registry data score",
                factor_id=f.id,
            )
        if f.criterion is not None:
            _validate_criterion(f)
    prices = scheme.factors_of(FactorKind.PRICE)
    if len(prices) != 1:
        raise _invalid(
            "scheme_price_factor_count",
            f"综合评估法须有且只有一个价格分，现有 {len(prices)} 个",
            f"Comprehensive scoring has exactly one price factor, not {len(prices)}",
            count=len(prices),
        )
    total = sum((f.max_points for f in scheme.factors), Decimal(0))
    if total != scheme.total_points:
        raise _invalid(
            "scheme_points_do_not_sum",
            f"各评分因素分值之和 {total} 不等于总分 {scheme.total_points}",
            f"The factors' points add up to {total}, not the declared total {scheme.total_points}",
            sum=str(total),
            total=str(scheme.total_points),
        )


def _validate_formula(scheme: EvaluationScheme) -> None:
    p = scheme.price_formula
    if p is None:
        raise _invalid(
            "scheme_price_formula_missing",
            "综合评估法须声明价格分计算方法",
            "Comprehensive scoring needs a price formula",
        )

    def bad(zh: str, en: str) -> DomainError:
        return _invalid("scheme_price_formula_invalid", f"价格分计算方法：{zh}", f"Price formula: {en}")

    if p.deviation_places is not None and not 0 <= p.deviation_places <= 6:
        raise bad("偏差率保留位数须在0至6之间", "deviation_places must lie between 0 and 6")
    if p.kind is PriceFormulaKind.LOWEST_PRICE_BENCHMARK:
        if p.k_choices or p.trim_min_count is not None or p.points_per_percent_above or p.points_per_percent_below:
            raise bad(
                "低价优先法不使用K值、去高去低或偏差扣分",
                "the lowest-price benchmark takes no K, trimming or deductions",
            )
        return
    if not p.k_choices or len(set(p.k_choices)) != len(p.k_choices) or any(not 0 <= k < 1 for k in p.k_choices):
        raise bad("须声明不重复的K值，每个 0 ≤ K < 1", "declare distinct K values, each 0 <= K < 1")
    if p.points_per_percent_above < 0 or p.points_per_percent_below < 0:
        raise bad("偏差扣分不能为负", "deductions per percent cannot be negative")
    if p.points_per_percent_above == 0 and p.points_per_percent_below == 0:
        raise bad("须声明偏差扣分", "declare the deductions per percent of deviation")
    if p.trim_min_count is not None and p.trim_min_count < 3:
        raise bad("去掉最高和最低报价至少需要3个有效报价", "dropping the highest and lowest needs at least 3 prices")


def _check_ratio_bounds(
    value: Decimal, rules: RuleBook, low_key: str, high_key: str, code: str, zh: str, en: str
) -> None:
    low, high = rules.decimal(low_key), rules.decimal(high_key)
    if value < low or value > high:
        raise RuleViolation(
            code,
            f"{zh} {value} 须在 {low} 至 {high} 之间（{rules[low_key].citation}）",
            f"{en} {value} must lie between {low} and {high} ({rules[low_key].citation})",
            rule=low_key if value < low else high_key,
            value=str(value),
            minimum=str(low),
            maximum=str(high),
        )


def validate(scheme: EvaluationScheme, tender_category: str, sector: str, rules: RuleBook) -> None:
    """Refuse a scheme that the statutory rules or plain arithmetic do not allow.

    Raises the first problem found as a :class:`DomainError` (malformed) or a
    :class:`RuleViolation` naming the rule-table entry (a statutory bound)."""
    if tender_category not in CATEGORIES:
        raise _invalid(
            "scheme_category_unknown",
            f"未知的招标项目类别 {tender_category}",
            f"Unknown tender category {tender_category!r}",
            category=tender_category,
        )
    if scheme.method is Method.LOWEST_EVALUATED_PRICE:
        if not scheme.general_technical_standards:
            raise _invalid(
                "lowest_price_not_applicable",
                "经评审的最低投标价法仅适用于具有通用技术、性能标准或者招标人对其技术、性能没有特殊要求的招标项目；"
                "招标文件未作此声明",
                "The lowest evaluated price method applies only to a subject with general technical and performance "
                "standards or no special technical requirements, and the tender documents do not declare that",
                article=f"{EVAL_REGS}第三十条；{NANJING_PLAN}第23项",
            )
        if scheme.factors or scheme.price_formula is not None:
            raise _invalid(
                "scheme_lowest_price_scores_nothing",
                "经评审的最低投标价法不打分，技术部分不折算为价格，不得声明评分因素或价格分公式",
                "The lowest evaluated price method scores no points and does not convert technical merit into "
                "price: declare no factors and no price formula",
                article=f"{EVAL_REGS}第三十二条",
            )
    else:
        if scheme.total_points <= 0:
            raise _invalid("scheme_total_invalid", "总分须大于0", "The total points must be above 0")
        _validate_factors(scheme)
        _validate_formula(scheme)
        if is_survey_or_design(tender_category, sector):
            minimum = rules.decimal("survey_design_technical_weight_min")
            if scheme.technical_weight < minimum:
                raise RuleViolation(
                    "technical_weight_too_low",
                    f"勘察设计项目技术部分权重须不低于 {minimum:%}，本办法为 {scheme.technical_weight:.4%}",
                    f"A survey or design tender weighs the technical part at least {minimum:%}; "
                    f"this scheme gives it {scheme.technical_weight:.4%}",
                    rule="survey_design_technical_weight_min",
                    weight=str(scheme.technical_weight),
                    minimum=str(minimum),
                )
    _validate_common(scheme, tender_category, rules)


def _validate_common(scheme: EvaluationScheme, tender_category: str, rules: RuleBook) -> None:
    agg = scheme.aggregation
    if agg.kind is Aggregation.TRIMMED_MEAN and (agg.trim_min_scorers is None or agg.trim_min_scorers < 3):
        raise _invalid(
            "scheme_aggregation_invalid",
            "去掉最高分和最低分须声明至少3名评委时适用",
            "A trimmed mean needs the number of scorers from which it applies, at least 3",
        )
    if agg.kind is Aggregation.MEAN and agg.trim_min_scorers is not None:
        raise _invalid("scheme_aggregation_invalid", "算术平均不去分", "A plain mean drops no score")
    if not 0 <= scheme.rounding.places <= 4 or scheme.rounding.mode not in ROUNDING_MODES:
        raise _invalid(
            "scheme_rounding_invalid",
            "分值保留0至4位小数，舍入方式须为已知方式",
            "Scores keep 0 to 4 places, rounded by a known mode",
        )
    ids = [a.id for a in scheme.price_adjustments]
    if len(set(ids)) != len(ids) or any(not _ID.match(i) for i in ids):
        raise _invalid(
            "scheme_adjustment_invalid", "价格调整项编号无效或重复", "Price adjustment ids are malformed or repeated"
        )
    for a in scheme.price_adjustments:
        if a.value == 0 or not a.name.strip():
            raise _invalid(
                "scheme_adjustment_invalid",
                f"价格调整项 {a.id} 须有名称和非零调整值",
                f"Price adjustment {a.id} needs a name and a value other than 0",
            )
    if scheme.sme_deduction is not None:
        group = "works" if tender_category == "works" else "goods_services"
        _check_ratio_bounds(
            scheme.sme_deduction,
            rules,
            f"sme_deduction_{group}_min",
            f"sme_deduction_{group}_max",
            "sme_deduction_out_of_bounds",
            "小微企业价格扣除比例",
            "The small and micro enterprise price deduction",
        )
    if scheme.track_record is not None:
        t = scheme.track_record
        _check_window("track_record", t.within_years, t.since)
        if t.min_count < 1 or t.min_amount < 0:
            raise _invalid(
                "scheme_criterion_invalid",
                "业绩要求至少1项，金额门槛不为负",
                "A track-record requirement asks for at least one project and a non-negative amount",
                field="track_record",
            )
    kinds = [r.kind for r in scheme.abnormal_rules]
    if len(set(kinds)) != len(kinds) or any(not 0 < r.ratio <= 1 for r in scheme.abnormal_rules):
        raise _invalid(
            "scheme_abnormal_invalid",
            "异常低价规则不得重复，比例须大于0且不超过1",
            "Abnormal-price rules are each declared once, with a ratio above 0 and at most 1",
        )
    if scheme.abnormal_explanation_hours is not None and scheme.abnormal_explanation_hours < 1:
        raise _invalid(
            "scheme_abnormal_invalid",
            "异常低价书面说明期限至少为1小时",
            "The time for a written explanation of a low price is at least one hour",
        )
    _validate_award(scheme, rules)
    _validate_anonymity(scheme)
    _validate_tie_breaks(scheme)


def _validate_award(scheme: EvaluationScheme, rules: RuleBook) -> None:
    award = scheme.award
    if award.mode is AwardMode.RANKED:
        maximum = rules.count("max_candidates")
        if award.candidate_count is not None and not 1 <= award.candidate_count <= maximum:
            raise RuleViolation(
                "too_many_candidates",
                f"排序推荐的中标候选人为1至{maximum}个（{rules['max_candidates'].citation}）",
                f"Ranked candidates number 1 to {maximum} ({rules['max_candidates'].citation})",
                rule="max_candidates",
                count=award.candidate_count,
            )
        if award.decision_method is not None or award.value_criteria:
            raise _invalid(
                "scheme_award_invalid",
                "排序推荐不声明评定分离的定标方法",
                "A ranked award declares no 评定分离 decision method",
            )
        return
    low, high = rules.count("separated_candidates_min"), rules.count("separated_candidates_max")
    if award.candidate_count is None:
        raise _invalid(
            "scheme_candidate_count_missing",
            "评定分离须声明推荐的定标候选人数",
            "评定分离 declares how many candidates the committee recommends",
        )
    if not low <= award.candidate_count <= high:
        raise RuleViolation(
            "separated_candidate_count_out_of_bounds",
            f"评定分离推荐的定标候选人数须为{low}至{high}个（{rules['separated_candidates_max'].citation}）",
            f"评定分离 recommends {low} to {high} candidates ({rules['separated_candidates_max'].citation})",
            rule="separated_candidates_min" if award.candidate_count < low else "separated_candidates_max",
            count=award.candidate_count,
        )
    if award.decision_method is None:
        raise _invalid(
            "scheme_decision_method_missing",
            "评定分离须在招标文件中公布定标方法",
            "评定分离 needs the decision method published in the tender documents",
            article=NANJING_PLAN + "第30项、第31项",
        )
    if award.decision_method is DecisionMethod.VALUE_FOR_MONEY:
        if not award.value_criteria or any(not c.strip() for c in award.value_criteria):
            raise _invalid(
                "scheme_value_criteria_missing",
                "择优定标须公布择优标准",
                "A value-for-money decision needs its published criteria",
            )
    elif award.value_criteria:
        raise _invalid(
            "scheme_award_invalid",
            "只有择优定标声明择优标准",
            "Only a value-for-money decision declares criteria",
        )


def _validate_anonymity(scheme: EvaluationScheme) -> None:
    a = scheme.anonymity
    if a.anonymised and not a.technical_parts:
        raise _invalid(
            "scheme_anonymity_invalid",
            "暗标须声明技术部分的文件类别",
            "An anonymised review names the technical file parts",
        )
    unknown = [p for p in a.technical_parts if p not in BID_FILE_PARTS]
    if unknown or len(set(a.technical_parts)) != len(a.technical_parts):
        raise _invalid(
            "scheme_anonymity_invalid",
            f"未知或重复的文件类别：{', '.join(unknown) or '重复'}",
            f"Unknown or repeated file parts: {', '.join(unknown) or 'repeated'}",
            allowed=list(BID_FILE_PARTS),
        )


def _validate_tie_breaks(scheme: EvaluationScheme) -> None:
    kinds = [(t.kind, t.target) for t in scheme.tie_breaks]
    if len(set(kinds)) != len(kinds):
        raise _invalid("scheme_tie_break_invalid", "同分处理规则重复", "A tie-break is declared twice")
    for t in scheme.tie_breaks:
        ok: bool
        if scheme.method is Method.LOWEST_EVALUATED_PRICE:
            ok = t.kind is TieBreakKind.LOWER_PRICE and t.target is None
        elif t.kind in (TieBreakKind.LOWER_PRICE, TieBreakKind.LOWER_EVALUATED_PRICE):
            ok = t.target is None
        elif t.kind is TieBreakKind.HIGHER_PART:
            ok = t.target in {str(p) for p in Part} and scheme.part_points(Part(t.target)) > 0
        elif t.kind is TieBreakKind.HIGHER_FACTOR:
            ok = any(f.id == t.target for f in scheme.factors)
        else:
            ok = any(f.id == t.target and isinstance(f.criterion, PastPerformanceCriterion) for f in scheme.factors)
        if not ok:
            raise _invalid(
                "scheme_tie_break_invalid",
                f"同分处理规则 {t.kind}（{t.target}）不适用于本评标办法",
                f"The tie-break {t.kind} ({t.target}) does not fit this scheme",
                kind=str(t.kind),
                target=t.target,
            )

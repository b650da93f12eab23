"""Abnormally low prices (异常低价): which valid bids trigger the review the tender declares.

The prices compared are the valid bids' prices **after the arithmetic corrections and before
any SME deduction or commercial-deviation adjustment**: the question is whether the money the
bidder would actually be paid can cover its cost (法 第三十三条), and a deduction is a
scoring preference, not a lower price (ADR 0013).

A trigger is never a rejection. It obliges the committee to ask the bidder for a written
explanation with evidence within the declared time; only a bidder that cannot reasonably
explain is rejected as pricing below cost (《评标委员会和评标方法暂行规定》第二十一条;
发改法规规〔2022〕1117号（五）; 《政府采购货物和服务招标投标管理办法》第六十条).

Comparisons are exact: ``price < ratio × mean`` is tested as ``price × n < ratio × sum``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import Any

from sunbid.evaluation.scheme import AbnormalRule, AbnormalRuleKind, EvaluationScheme
from sunbid.kernel.errors import DomainError
from sunbid.kernel.money import FEN
from sunbid.kernel.rules import RuleBook

BASIS = "《评标委员会和评标方法暂行规定》第二十一条；发改法规规〔2022〕1117号（五）；《政府采购货物和服务招标投标管理办法》第六十条"
_EXACT = Context(prec=34)


@dataclass(frozen=True)
class Trigger:
    """A rule a bid triggered, with the figures: ``price < ratio × reference``."""

    rule: AbnormalRuleKind
    ratio: Decimal
    reference: Decimal  # the mean, the next price or the ceiling (means at the fen, for display)
    threshold: Decimal  # ratio × reference, at the fen (display; the test itself is exact)
    price: Decimal
    share: Decimal  # price / reference, to 4 places
    reference_bids: tuple[str, ...]  # the bids whose prices made the reference (empty for the ceiling)

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": str(self.rule),
            "ratio": str(self.ratio),
            "reference": str(self.reference),
            "threshold": str(self.threshold),
            "price": str(self.price),
            "share": str(self.share),
            "reference_bids": list(self.reference_bids),
        }


@dataclass(frozen=True)
class BidCheck:
    bid_id: str
    price: Decimal
    triggers: tuple[Trigger, ...]
    not_applicable: tuple[tuple[AbnormalRuleKind, str], ...]  # (rule, reason): e.g. the highest bid has no next price

    @property
    def flagged(self) -> bool:
        return bool(self.triggers)

    def as_json(self) -> dict[str, Any]:
        return {
            "bid_id": self.bid_id,
            "price": str(self.price),
            "flagged": self.flagged,
            "triggers": [t.as_json() for t in self.triggers],
            "not_applicable": [{"rule": str(r), "reason": why} for r, why in self.not_applicable],
        }


@dataclass(frozen=True)
class AbnormalReport:
    rules: tuple[AbnormalRule, ...]
    checks: dict[str, BidCheck]
    basis: str = BASIS

    @property
    def flagged(self) -> tuple[str, ...]:
        return tuple(b for b, c in self.checks.items() if c.flagged)

    def as_json(self) -> dict[str, Any]:
        return {
            "rules": [{"kind": str(r.kind), "ratio": str(r.ratio)} for r in self.rules],
            "checks": [c.as_json() for c in self.checks.values()],
            "flagged": list(self.flagged),
            "basis": self.basis,
        }


def _share(price: Decimal, reference: Decimal) -> Decimal:
    return _EXACT.divide(price, reference).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def detect(
    rules: Sequence[AbnormalRule], prices: Mapping[str, Decimal], ceiling: Decimal | None = None
) -> AbnormalReport:
    """Check every valid bid's price against every declared rule.

    - ``below_mean_of_others``: below ``ratio`` × the mean of the other valid bids' prices;
    - ``below_mean_of_all``: below ``ratio`` × the mean of all valid prices, its own included
      (有效平均价);
    - ``below_next_lowest``: below ``ratio`` × the next price up: the lowest price among the
      other valid bids that is not below its own (for the lowest bid, the second-lowest);
    - ``below_ceiling``: below ``ratio`` × the maximum bid price (最高投标限价).
    """
    for bid_id, price in prices.items():
        if not isinstance(price, Decimal) or not price.is_finite() or price <= 0:
            raise DomainError(
                "price_not_positive",
                f"投标 {bid_id} 的报价须大于零",
                f"Bid {bid_id}: the price must be above 0",
                bid_id=bid_id,
            )
    if ceiling is not None and (not ceiling.is_finite() or ceiling <= 0):
        raise DomainError("ceiling_invalid", "最高投标限价须大于零", "The maximum bid price must be above 0")
    total = sum(prices.values(), Decimal(0))
    n = len(prices)
    checks: dict[str, BidCheck] = {}
    for bid_id in sorted(prices, key=lambda b: (prices[b], b)):
        price = prices[bid_id]
        triggers: list[Trigger] = []
        skipped: list[tuple[AbnormalRuleKind, str]] = []
        others = sorted((b for b in prices if b != bid_id), key=lambda b: (prices[b], b))
        for rule in rules:
            if rule.kind is AbnormalRuleKind.BELOW_MEAN_OF_OTHERS:
                if not others:
                    skipped.append((rule.kind, "no_other_bids"))
                    continue
                rest = total - price
                if price * len(others) < rule.ratio * rest:
                    mean = _EXACT.divide(rest, Decimal(len(others)))
                    triggers.append(
                        Trigger(
                            rule.kind,
                            rule.ratio,
                            _fen(mean),
                            _fen(rule.ratio * mean),
                            price,
                            _share(price, mean),
                            tuple(others),
                        )
                    )
            elif rule.kind is AbnormalRuleKind.BELOW_MEAN_OF_ALL:
                if price * n < rule.ratio * total:
                    mean = _EXACT.divide(total, Decimal(n))
                    triggers.append(
                        Trigger(
                            rule.kind,
                            rule.ratio,
                            _fen(mean),
                            _fen(rule.ratio * mean),
                            price,
                            _share(price, mean),
                            tuple(sorted(prices, key=lambda b: (prices[b], b))),
                        )
                    )
            elif rule.kind is AbnormalRuleKind.BELOW_NEXT_LOWEST:
                above = [b for b in others if prices[b] >= price]
                if not above:
                    skipped.append((rule.kind, "no_higher_bid"))
                    continue
                nxt = prices[above[0]]
                if price < rule.ratio * nxt:
                    triggers.append(
                        Trigger(
                            rule.kind, rule.ratio, nxt, _fen(rule.ratio * nxt), price, _share(price, nxt), (above[0],)
                        )
                    )
            else:
                if ceiling is None:
                    skipped.append((rule.kind, "no_ceiling"))
                    continue
                if price < rule.ratio * ceiling:
                    triggers.append(
                        Trigger(
                            rule.kind,
                            rule.ratio,
                            ceiling,
                            _fen(rule.ratio * ceiling),
                            price,
                            _share(price, ceiling),
                            (),
                        )
                    )
        checks[bid_id] = BidCheck(bid_id, price, tuple(triggers), tuple(skipped))
    return AbnormalReport(tuple(rules), checks)


def detect_for_scheme(
    scheme: EvaluationScheme, prices: Mapping[str, Decimal], ceiling: Decimal | None = None
) -> AbnormalReport:
    """The scheme's declared rules over the valid bids' corrected prices."""
    return detect(scheme.abnormal_rules, prices, ceiling)


def explanation_due(scheme: EvaluationScheme, rules: RuleBook, requested_at: datetime) -> datetime:
    """When the written explanation of a flagged price is due: the declared hours after the request."""
    try:
        return requested_at + timedelta(hours=scheme.explanation_hours(rules))
    except OverflowError:
        raise DomainError(
            "scheme_abnormal_invalid",
            "异常低价书面说明期限超出日历范围",
            "The time for the explanation runs past the calendar",
        ) from None

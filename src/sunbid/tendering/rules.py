"""Tendering's checks against the statutory rule table (pure functions)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sunbid.kernel.errors import DomainError, RuleViolation
from sunbid.kernel.money import ratio_of
from sunbid.kernel.rules import RuleBook
from sunbid.tendering.model import Category, Method, Tender

_DEPOSIT_CAP = {
    Category.WORKS: "bid_deposit_works_cap",
    Category.GOODS: "bid_deposit_goods_cap",
    Category.SERVICES: "bid_deposit_services_cap",
}


def _days(rules: RuleBook, key: str) -> timedelta:
    return timedelta(days=rules.days(key))


def check_date_order(doc_issue_start: datetime, doc_sale_end: datetime, bid_deadline: datetime) -> None:
    if not doc_issue_start < doc_sale_end <= bid_deadline:
        raise DomainError(
            "dates_out_of_order",
            "时间顺序有误：应为 招标文件发出开始 < 获取截止 ≤ 投标截止",
            "Dates out of order: documents issue start < sale end <= bid deadline",
            doc_issue_start=doc_issue_start.isoformat(),
            doc_sale_end=doc_sale_end.isoformat(),
            bid_deadline=bid_deadline.isoformat(),
        )


def check_periods(rules: RuleBook, doc_issue_start: datetime, doc_sale_end: datetime, bid_deadline: datetime) -> None:
    """条例 第十六条 (sale ≥ 5 days) and 法 第二十四条 (issue to deadline ≥ 20 days)."""
    check_date_order(doc_issue_start, doc_sale_end, bid_deadline)
    if doc_sale_end - doc_issue_start < _days(rules, "doc_sale_min_days"):
        rule = rules["doc_sale_min_days"]
        raise RuleViolation(
            "doc_sale_too_short",
            f"招标文件发售期不得少于{rule.value}日（{rule.citation}）",
            f"Tender documents must be on sale for at least {rule.value} days ({rule.citation})",
            rule=rule.key,
        )
    if bid_deadline - doc_issue_start < _days(rules, "issue_to_deadline_min_days"):
        rule = rules["issue_to_deadline_min_days"]
        raise RuleViolation(
            "deadline_too_soon",
            f"自招标文件开始发出之日起至投标截止之日止，最短不得少于{rule.value}日（{rule.citation}）",
            f"At least {rule.value} days must pass from the first issue of the tender documents to the bid "
            f"deadline ({rule.citation})",
            rule=rule.key,
            earliest_deadline=(doc_issue_start + _days(rules, rule.key)).isoformat(),
        )


def check_deposit(
    rules: RuleBook, category: Category, estimated_price: Decimal, deposit: Decimal, section: str
) -> None:
    """条例 第二十六条: at most 2% of the estimated price, and the category's cap."""
    ratio_rule = rules["bid_deposit_max_ratio"]
    cap_rule = rules[_DEPOSIT_CAP[category]]
    limit = min(ratio_of(estimated_price, rules.decimal(ratio_rule.key)), rules.decimal(cap_rule.key))
    if deposit > limit:
        raise RuleViolation(
            "deposit_over_cap",
            f"标段“{section}”的投标保证金 {deposit} 元超过上限 {limit} 元（{ratio_rule.citation}；{cap_rule.citation}）",
            f"The bid deposit {deposit} of section {section!r} exceeds the cap of {limit} yuan "
            f"({ratio_rule.citation}; {cap_rule.citation})",
            rule=ratio_rule.key,
            limit=str(limit),
            section=section,
        )


def check_terms(rules: RuleBook, tender: Tender) -> None:
    """Checks that hold for a draft as well as for an announcement."""
    check_date_order(tender.doc_issue_start, tender.doc_sale_end, tender.bid_deadline)
    if not tender.sections:
        raise DomainError("sections_missing", "招标项目至少应有一个标段", "A tender has at least one section")
    for section in tender.sections:
        if section.estimated_price <= 0 or section.max_bid_price <= 0:
            raise DomainError(
                "price_not_positive",
                f"标段“{section.name}”的估算价和最高投标限价必须大于零",
                f"Section {section.name!r} needs a positive estimated price and maximum bid price",
                section=section.name,
            )
        check_deposit(rules, tender.category, section.estimated_price, section.bid_deposit, section.name)
    if tender.bid_validity_days <= 0:
        raise DomainError("bid_validity_invalid", "投标有效期必须大于零天", "The bid validity must be positive")
    if tender.method is Method.INVITED:
        rule = rules["invited_min_invitees"]
        if len(set(tender.invitee_org_ids)) < rules.count(rule.key):
            raise RuleViolation(
                "too_few_invitees",
                f"邀请招标应当向{rule.value}个以上潜在投标人发出投标邀请书（{rule.citation}）",
                f"An invited tender invites at least {rule.value} bidders ({rule.citation})",
                rule=rule.key,
            )


def check_plan_lead(rules: RuleBook, plan_published_at: datetime | None, now: datetime) -> None:
    """宁发改法规字〔2022〕519号: the plan is public at least 30 days before the announcement."""
    rule = rules["tender_plan_lead_days"]
    if plan_published_at is None:
        raise RuleViolation(
            "plan_not_published",
            f"招标计划尚未公开，不能发布招标公告（{rule.citation}）",
            f"The tender plan is not public, so the announcement cannot be published ({rule.citation})",
            rule=rule.key,
        )
    earliest = plan_published_at + _days(rules, rule.key)
    if now < earliest:
        raise RuleViolation(
            "plan_not_public_long_enough",
            f"招标计划须公开满{rule.value}日后方可发布招标公告，最早可于 {earliest.isoformat()} 发布（{rule.citation}）",
            f"The tender plan must be public for {rule.value} days before the announcement; the earliest is "
            f"{earliest.isoformat()} ({rule.citation})",
            rule=rule.key,
            earliest=earliest.isoformat(),
        )

"""Domain errors: a stable code and a message in Chinese and in English."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal by the domain. Entry points map ``kind`` to HTTP status codes."""

    kind = "invalid"

    def __init__(self, code: str, message_zh: str, message_en: str, **details: Any) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.details = details


class NotFound(DomainError):
    kind = "not_found"


class Unauthenticated(DomainError):
    kind = "unauthenticated"


class Forbidden(DomainError):
    kind = "forbidden"


class Conflict(DomainError):
    """The request is well formed but the object's state or a statutory rule refuses it."""

    kind = "conflict"


class RuleViolation(Conflict):
    """A statutory rule refuses the request; ``rule`` names the rule table entry."""

    def __init__(self, code: str, message_zh: str, message_en: str, *, rule: str, **details: Any) -> None:
        super().__init__(code, message_zh, message_en, rule=rule, **details)
        self.rule = rule


def not_found(what: str, ident: str) -> NotFound:
    return NotFound(f"{what}_not_found", f"未找到{_ZH.get(what, what)}：{ident}", f"No {what} {ident}")


_ZH = {
    "plan": "招标计划",
    "tender": "招标项目",
    "organisation": "单位",
    "user": "用户",
    "document": "招标文件",
    "objection": "异议",
    "token": "令牌",
    "section": "标段",
    "clarification": "澄清",
    "expert": "评标专家",
    "committee": "评标委员会",
    "member": "评标委员会成员",
    "draw": "专家抽取申请",
    "venue": "评标场地",
    "declaration": "专家申报事项",
    "recording": "评标场所音视频文件",
    "sanction": "处罚记录",
}

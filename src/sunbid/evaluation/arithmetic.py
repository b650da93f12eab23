"""Amounts in Chinese capital numerals (大写金额) and the arithmetic corrections of a bid price.

**Capital amounts.** :func:`parse_capital` reads an amount such as
``壹仟陆佰捌拾元零叁角贰分`` into ``Decimal("1680.32")``; :func:`to_capital` writes one. The
reader is strict: every digit carries its unit (拾佰仟, 万, 亿, 元/圆, 角, 分), units fall from
left to right, and ``零`` stands only for a gap of at least one zero position between two
digits. Anything else (an unknown character, lower-case numerals, a unit out of order, a
superfluous or trailing ``零``, digits with no ``元``) is a :class:`DomainError`, never a guess.
What the reader accepts beyond the canonical form are only spellings whose value is beyond
doubt: ``圆`` for ``元``, ``正`` for ``整``, ``整`` left out or written after ``角``/``分``, a
leading ``拾`` for ``壹拾``, the ``人民币`` prefix, spaces, and a ``零`` left out where the
rules of the People's Bank of China allow it (at the 万 and 元 positions) or require it.

**Corrections** (《评标委员会和评标方法暂行规定》第十九条; 《政府采购货物和服务招标投标管理办法》
第五十九条, which also gives their order): :func:`correct_price` reads the bid form's
``price``, ``price_in_words`` and ``items`` and applies, in this order,

1. the amount in words prevails over the amount in figures;
2. on each line, the unit price prevails over the line total, unless the unit price has an
   obvious decimal-point error: ``unit_price × quantity == total × 10^k`` for a whole
   ``k ≠ 0``. Then the line total prevails and the unit price is corrected to
   ``total / quantity``;
3. the sum of the (corrected) line totals prevails over the total price.

The corrected price binds the bidder only once it confirms it in writing; a bidder that
refuses is rejected (第十九条). That step belongs to the stateful evaluation.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from enum import StrEnum
from typing import Any

from sunbid.kernel.errors import DomainError
from sunbid.kernel.money import FEN, MAX_YUAN, yuan

# ---------------------------------------------------------------------------- capital numerals
CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_DIGIT = {c: i for i, c in enumerate(CAPITAL_DIGITS) if i}
_ZERO = "零"
_SMALL_UNITS = {"拾": 1, "佰": 2, "仟": 3}
_SMALL_UNIT_OF = {1: "拾", 2: "佰", 3: "仟"}
_YUAN = ("元", "圆")
_WHOLE = ("整", "正")
_JIAO, _FEN = "角", "分"
_PREFIX = "人民币"
_ALLOWED = set(CAPITAL_DIGITS) | set(_SMALL_UNITS) | {"万", "亿", _JIAO, _FEN, *_YUAN, *_WHOLE}
#: Numerals that are not capitals: an amount in words must use the capital forms.
_NOT_CAPITAL = set("〇一二三四五六七八九十百千两貳參陸萬億圓")
_WHITESPACE = {" ", "\t", "\n", "\r", "\u3000", "\u00a0"}
#: The highest power of ten an amount may reach (``MAX_YUAN`` has 13 integer digits).
_MAX_EXPONENT = len(str(int(MAX_YUAN))) - 1


@dataclass(frozen=True)
class _Term:
    digit: int
    exponent: int  # 12 … 0 for the integer part, -1 for 角, -2 for 分
    bare_ten: bool = False  # a leading 拾 written without 壹


_Item = _Term | None  # None is a 零


def _invalid(text: str, reason_zh: str, reason_en: str) -> DomainError:
    return DomainError(
        "amount_in_words_invalid",
        f"大写金额“{text}”格式不正确：{reason_zh}",
        f"The amount in words {text!r} is malformed: {reason_en}",
        value=text,
        reason=reason_en,
    )


def parse_capital(text: str) -> Decimal:
    """The amount written in capital numerals, in yuan with two places.

    >>> parse_capital("壹仟陆佰捌拾元零叁角贰分")
    Decimal('1680.32')
    """
    if not isinstance(text, str):
        raise DomainError(
            "amount_in_words_invalid",
            "大写金额必须是文本",
            "An amount in words must be text",
            value=repr(text),
            reason="not text",
        )
    s = "".join(c for c in text if c not in _WHITESPACE)
    s = s.removeprefix(_PREFIX)
    if not s:
        raise _invalid(text, "为空", "it is empty")
    lower = sorted({c for c in s if c in _NOT_CAPITAL})
    if lower:
        raise _invalid(
            text,
            f"须用大写数字，不能用“{''.join(lower)}”",
            f"capital numerals are required, not {''.join(lower)!r}",
        )
    unknown = sorted({c for c in s if c not in _ALLOWED})
    if unknown:
        raise _invalid(text, f"含不允许的字符“{''.join(unknown)}”", f"it has characters {''.join(unknown)!r}")
    whole = sum(s.count(w) for w in _WHOLE)
    if whole > 1 or (whole == 1 and s[-1] not in _WHOLE):
        raise _invalid(text, "“整”只能写在末尾", "整 may only stand at the end")
    if whole:
        s = s[:-1]
    yuan_marks = sum(s.count(y) for y in _YUAN)
    if yuan_marks > 1:
        raise _invalid(text, "“元”出现多次", "元 appears more than once")
    if yuan_marks == 1:
        cut = next(i for i, c in enumerate(s) if c in _YUAN)
        integer, fraction = s[:cut], s[cut + 1 :]
        if not integer:
            raise _invalid(text, "“元”前没有金额", "there is no amount before 元")
    else:
        integer, fraction = "", s
        if not fraction or fraction[-1] not in (_JIAO, _FEN):
            raise _invalid(text, "缺少“元”", "元 is missing")
    items: list[_Item] = []
    if integer != _ZERO:
        items += _integer(text, integer)
    items += _fraction(text, fraction)
    return _value(text, items, zero_yuan=integer == _ZERO)


def _integer(text: str, s: str) -> list[_Item]:
    if s.count("亿") > 1:
        raise _invalid(text, "“亿”出现多次", "亿 appears more than once")
    if "亿" in s:
        high, low = s.split("亿")
        if not high:
            raise _invalid(text, "“亿”前没有数字", "there is no digit before 亿")
        return _wan(text, high, 8) + _wan(text, low, 0)
    return _wan(text, s, 0)


def _wan(text: str, s: str, offset: int) -> list[_Item]:
    if s.count("万") > 1:
        raise _invalid(text, "“万”出现多次", "万 appears more than once")
    if "万" in s:
        high, low = s.split("万")
        if not high:
            raise _invalid(text, "“万”前没有数字", "there is no digit before 万")
        return _section(text, high, offset + 4) + _section(text, low, offset)
    return _section(text, s, offset)


def _section(text: str, s: str, offset: int) -> list[_Item]:
    """Up to four positions (仟佰拾 and the units), ``offset`` the exponent of the units."""
    items: list[_Item] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == _ZERO:
            items.append(None)
            i += 1
        elif c in _DIGIT:
            if i + 1 < len(s) and s[i + 1] in _SMALL_UNITS:
                items.append(_Term(_DIGIT[c], offset + _SMALL_UNITS[s[i + 1]]))
                i += 2
            else:
                if i + 1 < len(s):
                    raise _invalid(text, f"数字“{c}”后缺少单位", f"the digit {c} has no unit")
                items.append(_Term(_DIGIT[c], offset))
                i += 1
        elif c == "拾" and i == 0:
            items.append(_Term(1, offset + 1, bare_ten=True))
            i += 1
        elif c in _SMALL_UNITS:
            raise _invalid(text, f"单位“{c}”前缺少数字", f"the unit {c} has no digit")
        else:
            raise _invalid(text, f"“{c}”的位置不对", f"{c} is out of place")
    return items


def _fraction(text: str, s: str) -> list[_Item]:
    """``[零][d角][d分]`` after 元."""
    items: list[_Item] = []
    i = 0
    if s.startswith(_ZERO):
        items.append(None)
        i = 1
    for unit, exponent in ((_JIAO, -1), (_FEN, -2)):
        if i + 1 < len(s) and s[i] in _DIGIT and s[i + 1] == unit:
            items.append(_Term(_DIGIT[s[i]], exponent))
            i += 2
    if i != len(s):
        raise _invalid(text, f"角分部分“{s[i:]}”无法识别", f"{s[i:]!r} is not [零][digit 角][digit 分]")
    return items


def _value(text: str, items: list[_Item], *, zero_yuan: bool) -> Decimal:
    terms = [t for t in items if t is not None]
    if not terms and not zero_yuan:
        raise _invalid(text, "没有金额数字", "it has no digits")
    for index, item in enumerate(items):
        if item is None:
            if index == 0 or index == len(items) - 1:
                raise _invalid(text, "“零”不能写在开头或末尾", "零 cannot open or close an amount")
            before, after = items[index - 1], items[index + 1]
            if before is None or after is None:
                raise _invalid(text, "“零”连写", "零 is repeated")
            if before.exponent - after.exponent < 2:
                raise _invalid(text, "多余的“零”（两数字之间没有空位）", "a 零 stands where no position is empty")
        elif item.bare_ten and index != 0:
            raise _invalid(text, "“拾”前须写“壹”", "拾 needs 壹 before it here")
    for before, after in itertools.pairwise(terms):
        if after.exponent >= before.exponent:
            raise _invalid(text, "数位顺序不对", "the units are out of order")
    if terms and terms[0].exponent > _MAX_EXPONENT:
        raise _invalid(text, "金额超出允许范围", "the amount is too large")
    value = sum((Decimal(t.digit).scaleb(t.exponent) for t in terms), Decimal(0))
    if value > MAX_YUAN:
        raise _invalid(text, "金额超出允许范围", "the amount is too large")
    return value.quantize(FEN)


def to_capital(amount: Decimal) -> str:
    """The amount in capital numerals, in the form of the People's Bank of China's rules for
    filling in bills (正确填写票据和结算凭证的基本规定): ``壹拾`` written out, one ``零`` for
    each run of zero positions between two digits (across 万, 亿 and 元 too), ``整`` after
    元 and nothing after 角 or 分.

    >>> to_capital(Decimal("16409.02"))
    '壹万陆仟肆佰零玖元零贰分'
    """
    value = yuan(amount)
    fen_total = int(value * 100)
    integer, cents = divmod(fen_total, 100)
    if fen_total == 0:
        return "零元整"
    digits: list[tuple[int, int]] = [(int(c), len(str(integer)) - 1 - i) for i, c in enumerate(str(integer))]
    if integer == 0:
        digits = []
    digits += [(cents // 10, -1), (cents % 10, -2)]
    out: list[str] = []
    started = zero_pending = False
    sections = {e: integer // 10**e % 10**4 for e in (0, 4, 8, 12)}
    for digit, exponent in digits:
        if digit:
            if zero_pending:
                out.append(_ZERO)
            out.append(CAPITAL_DIGITS[digit])
            if exponent > 0 and exponent % 4:
                out.append(_SMALL_UNIT_OF[exponent % 4])
            elif exponent == -1:
                out.append(_JIAO)
            elif exponent == -2:
                out.append(_FEN)
            started, zero_pending = True, False
        elif started:
            zero_pending = True
        if exponent == 12 and sections[12]:
            out.append("万")
        if exponent == 8 and (sections[8] or sections[12]):
            out.append("亿")
        if exponent == 4 and sections[4]:
            out.append("万")
        if exponent == 0 and integer:
            out.append("元")
    if cents == 0:
        out.append("整")
    return "".join(out)


# ---------------------------------------------------------------------------- corrections
ARTICLE = "《评标委员会和评标方法暂行规定》第十九条；《政府采购货物和服务招标投标管理办法》第五十九条"


class CorrectionRule(StrEnum):
    WORDS_OVER_FIGURES = "words_over_figures"  # 大写金额与小写金额不一致的，以大写金额为准
    DECIMAL_POINT_ERROR = "decimal_point_error"  # 单价金额小数点有明显错误的，以总价为准并修改单价
    UNIT_PRICE_OVER_LINE_TOTAL = "unit_price_over_line_total"  # 总价与单价计算结果不一致的，以单价为准
    UNIT_PRICES_OVER_TOTAL = "unit_prices_over_total"  # 总价与按单价汇总金额不一致的，以单价汇总为准


@dataclass(frozen=True)
class Correction:
    """One correction: which rule, which field of the form, what was stated, what it became."""

    rule: CorrectionRule
    field: str  # "price", "items[2].total", "items[2].unit_price"
    stated: Decimal
    corrected: Decimal
    article: str = ARTICLE

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": str(self.rule),
            "field": self.field,
            "stated": str(self.stated),
            "corrected": str(self.corrected),
            "article": self.article,
        }


@dataclass(frozen=True)
class PricedItem:
    """A line of the bid's price schedule (分项报价), as stated and as corrected."""

    index: int
    name: str
    quantity: Decimal
    unit: str
    stated_unit_price: Decimal
    stated_total: Decimal
    unit_price: Decimal
    total: Decimal

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "name": self.name,
            "quantity": str(self.quantity),
            "unit": self.unit,
            "stated_unit_price": str(self.stated_unit_price),
            "stated_total": str(self.stated_total),
            "unit_price": str(self.unit_price),
            "total": str(self.total),
        }


@dataclass(frozen=True)
class CorrectedPrice:
    """The bid price after the arithmetic corrections, with each correction and its rule."""

    stated_price: Decimal  # the price in figures
    words_price: Decimal | None  # the price in words, when the form gives it
    price: Decimal  # the corrected price
    items: tuple[PricedItem, ...]
    corrections: tuple[Correction, ...]

    @property
    def corrected(self) -> bool:
        return bool(self.corrections)

    def as_json(self) -> dict[str, Any]:
        return {
            "stated_price": str(self.stated_price),
            "words_price": None if self.words_price is None else str(self.words_price),
            "price": str(self.price),
            "items": [i.as_json() for i in self.items],
            "corrections": [c.as_json() for c in self.corrections],
        }


def _form_error(field: str, zh: str, en: str, **details: Any) -> DomainError:
    return DomainError(
        "bid_form_invalid", f"投标函字段 {field} 无效：{zh}", f"Bid form field {field}: {en}", field=field, **details
    )


def _money_field(field: str, raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise _form_error(field, "须为金额文本或整数", "must be an amount as text or an integer", value=repr(raw))
    try:
        return yuan(raw)
    except DomainError as exc:
        raise _form_error(field, exc.message_zh, exc.message_en, value=repr(raw)) from None


def _decimal_field(field: str, raw: object, *, positive: bool) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise _form_error(field, "须为数字文本或整数", "must be a number as text or an integer", value=repr(raw))
    try:
        value = Decimal(raw)
    except (InvalidOperation, ValueError):
        raise _form_error(field, "不是数字", "is not a number", value=repr(raw)) from None
    if not value.is_finite() or value < 0 or (positive and value == 0) or value > MAX_YUAN:
        raise _form_error(
            field,
            "须为正数" if positive else "须为非负数",
            "must be positive" if positive else "must not be negative",
            value=repr(raw),
        )
    return value


def _decimal_slip(product: Decimal, total: Decimal) -> int | None:
    """``k`` when ``product == total × 10^k`` for a whole ``k ≠ 0`` (an obvious decimal-point error)."""
    if product == 0 or total == 0:
        return None
    for k in range(-2 * _MAX_EXPONENT, 2 * _MAX_EXPONENT + 1):
        if k and product == total.scaleb(k):
            return k
    return None


def _items(raw: object) -> list[Mapping[str, Any]]:
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise _form_error("items", "须为列表", "must be a list")
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise _form_error(f"items[{index}]", "须为对象", "must be an object")
    return list(raw)


def correct_price(form: Mapping[str, Any]) -> CorrectedPrice:
    """Apply the arithmetic corrections to a decrypted bid form (``Bid.form``).

    The fields read: ``price`` (figures, required), ``price_in_words`` (optional) and
    ``items`` (optional list of ``{name, quantity, unit, unit_price, total}``, whose totals
    make up the price). A malformed field is a ``bid_form_invalid`` or
    ``amount_in_words_invalid`` error naming it.
    """
    if not isinstance(form, Mapping) or "price" not in form:
        raise _form_error("price", "缺少投标报价", "the bid price is missing")
    stated = _money_field("price", form["price"])
    corrections: list[Correction] = []
    price = stated
    words: Decimal | None = None
    if form.get("price_in_words") not in (None, ""):
        words = parse_capital(form["price_in_words"])
        if words != stated:
            corrections.append(Correction(CorrectionRule.WORDS_OVER_FIGURES, "price", stated, words))
            price = words
    items: list[PricedItem] = []
    raw_items = form.get("items")
    if raw_items is not None:
        for index, item in enumerate(_items(raw_items)):
            where = f"items[{index}]"
            for key in ("quantity", "unit_price", "total"):
                if key not in item:
                    raise _form_error(f"{where}.{key}", "缺少该字段", "is missing")
            name, unit = item.get("name", ""), item.get("unit", "")
            if not isinstance(name, str) or not isinstance(unit, str):
                raise _form_error(where, "名称和单位须为文本", "name and unit must be text")
            quantity = _decimal_field(f"{where}.quantity", item["quantity"], positive=True)
            unit_price = _decimal_field(f"{where}.unit_price", item["unit_price"], positive=False)
            total = _money_field(f"{where}.total", item["total"])
            with localcontext() as ctx:
                ctx.prec = 60
                product = unit_price * quantity
            new_unit_price, new_total = unit_price, total
            if product.quantize(FEN, rounding=ROUND_HALF_UP) != total:
                slip = _decimal_slip(product, total)
                if slip is not None:
                    new_unit_price = unit_price.scaleb(-slip)
                    corrections.append(
                        Correction(
                            CorrectionRule.DECIMAL_POINT_ERROR, f"{where}.unit_price", unit_price, new_unit_price
                        )
                    )
                else:
                    new_total = product.quantize(FEN, rounding=ROUND_HALF_UP)
                    if new_total > MAX_YUAN:
                        raise _form_error(
                            f"{where}.unit_price", "单价乘以数量超出金额范围", "unit price × quantity is too large"
                        )
                    corrections.append(
                        Correction(CorrectionRule.UNIT_PRICE_OVER_LINE_TOTAL, f"{where}.total", total, new_total)
                    )
            items.append(PricedItem(index, name, quantity, unit, unit_price, total, new_unit_price, new_total))
        if items:
            summed = sum((i.total for i in items), Decimal("0.00"))
            if summed > MAX_YUAN:
                raise _form_error("items", "分项合计超出金额范围", "the items add up to too much")
            if summed != price:
                corrections.append(Correction(CorrectionRule.UNIT_PRICES_OVER_TOTAL, "price", price, summed))
                price = summed
    return CorrectedPrice(stated, words, price, tuple(items), tuple(corrections))

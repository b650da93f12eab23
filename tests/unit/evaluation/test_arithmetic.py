"""Amounts in capital numerals (大写金额) and the arithmetic corrections of 评标规定 第十九条."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sunbid.evaluation.arithmetic import CorrectionRule, correct_price, parse_capital, to_capital
from sunbid.kernel.errors import DomainError
from sunbid.kernel.money import MAX_YUAN

# The People's Bank of China's examples (正确填写票据和结算凭证的基本规定), and ours.
PBOC = [
    ("1409.50", "壹仟肆佰零玖元伍角"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("0.00", "零元整"),
    ("0.53", "伍角叁分"),
    ("0.05", "伍分"),
    ("10.00", "壹拾元整"),
    ("11000000.00", "壹仟壹佰万元整"),
    ("100010000.00", "壹亿零壹万元整"),
    ("1005000.00", "壹佰万零伍仟元整"),
    ("1000000000005.00", "壹万亿零伍元整"),
    ("9999999999999.99", "玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
]


@pytest.mark.parametrize(("figures", "words"), PBOC)
def test_capital_amounts_are_written_and_read_in_the_banks_form(figures: str, words: str) -> None:
    assert to_capital(Decimal(figures)) == words
    assert parse_capital(words) == Decimal(figures)


@pytest.mark.parametrize(
    ("words", "figures"),
    [
        ("壹仟陆佰捌拾元叁角贰分", "1680.32"),  # the 零 after 元 may be left out when 元位 is 0
        ("壹拾万柒仟元零伍角叁分", "107000.53"),  # one 零, at 元
        ("壹拾万零柒仟元伍角叁分", "107000.53"),  # one 零, at 万
        ("壹拾万零柒仟元零伍角叁分", "107000.53"),  # both
        ("壹佰圆正", "100.00"),
        ("壹佰元", "100.00"),
        ("伍角整", "0.50"),
        ("壹佰元伍角叁分整", "100.53"),
        ("拾伍元整", "15.00"),  # a leading 拾 means 壹拾
        ("拾万元整", "100000.00"),
        ("人民币 壹佰万元整", "1000000.00"),
        ("壹\u3000仟 元 整", "1000.00"),
        ("零元", "0.00"),
        ("零元伍角", "0.50"),
        ("壹万贰仟亿元整", "1200000000000.00"),
        ("壹仟伍拾元", "1050.00"),  # a 零 left out inside a section: no doubt about the value
    ],
)
def test_spellings_whose_value_is_beyond_doubt_are_read(words: str, figures: str) -> None:
    assert parse_capital(words) == Decimal(figures)


@pytest.mark.parametrize(
    "words",
    [
        "",
        "人民币",
        "壹佰贰",  # no 元
        "伍",
        "一百元",  # lower-case numerals
        "壹佰萬元",  # traditional 萬
        "壹佰元$",
        "壹佰零元",  # trailing 零
        "零伍元",  # leading 零
        "壹元零伍角",  # a 零 where no position is empty
        "壹佰零贰拾元",
        "壹仟零零伍元",  # repeated 零
        "壹零元",  # a digit without its unit
        "壹佰拾伍元",  # 拾 without 壹 after the start
        "壹万拾伍元",
        "壹拾佰元",  # a unit with no digit
        "壹拾伍佰元",  # units out of order
        "伍拾壹拾元",
        "壹万万元",
        "壹亿亿元",
        "万元",
        "壹亿万元",
        "元整",
        "壹佰元整元",
        "壹佰元元",
        "整壹元",
        "壹元零角伍分",  # 零 takes no unit
        "叁分伍角",
        "壹拾万亿元",  # above the largest amount
        "壹佰元角",
    ],
)
def test_a_malformed_amount_in_words_is_refused_never_guessed(words: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_capital(words)
    assert refused.value.code == "amount_in_words_invalid"
    assert refused.value.message_zh and refused.value.message_en


def test_an_amount_in_words_that_is_not_text_is_refused() -> None:
    with pytest.raises(DomainError, match="amount_in_words_invalid"):
        parse_capital(100)  # type: ignore[arg-type]


def test_amounts_that_are_not_money_cannot_be_written() -> None:
    for bad in (Decimal("-1"), Decimal("0.001"), MAX_YUAN + 1):
        with pytest.raises(DomainError):
            to_capital(bad)


amounts = st.integers(min_value=0, max_value=int(MAX_YUAN * 100)).map(lambda fen: Decimal(fen).scaleb(-2))


@given(amounts)
@example(Decimal("0.00"))
@example(MAX_YUAN)
@example(Decimal("100000000.01"))
def test_every_amount_round_trips_through_words(amount: Decimal) -> None:
    assert parse_capital(to_capital(amount)) == amount


@given(amounts, st.data())
def test_every_permitted_variant_of_an_amount_reads_as_the_same_amount(amount: Decimal, data: st.DataObject) -> None:
    words = to_capital(amount)
    zeros = [i for i, c in enumerate(words) if c == "零" and words != "零元整"]
    dropped = set(data.draw(st.lists(st.sampled_from(zeros), unique=True)) if zeros else [])
    variant = "".join(c for i, c in enumerate(words) if i not in dropped)
    if data.draw(st.booleans()):
        variant = variant.replace("元", "圆")
    if data.draw(st.booleans()):
        variant = variant.replace("整", "正")
    if data.draw(st.booleans()) and variant.endswith(("整", "正")) and variant != "零元整":
        variant = variant[:-1]
    if data.draw(st.booleans()):
        variant = "人民币" + " ".join(variant)
    assert parse_capital(variant) == amount


def _skeleton(words: str) -> str:
    """The digits and units of an amount, without the optional marks."""
    s = "".join(words.split()).removeprefix("人民币").replace("圆", "元").replace("正", "整").rstrip("整")
    s = s.removeprefix("零元")
    if s.startswith("拾"):
        s = "壹" + s
    return s.replace("零", "") or "元"


@given(amounts, st.data())
def test_the_reader_never_returns_a_value_the_text_does_not_spell(amount: Decimal, data: st.DataObject) -> None:
    """Edit a canonical amount at random: either it is refused, or what was read spells the
    very digits and units of the text (a guess would not)."""
    words = list(to_capital(amount))
    alphabet = list("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")
    for _ in range(data.draw(st.integers(1, 3))):
        op = data.draw(st.sampled_from(["insert", "delete", "replace", "swap"]))
        i = data.draw(st.integers(0, max(0, len(words) - 1)))
        if op == "insert":
            words.insert(i, data.draw(st.sampled_from(alphabet)))
        elif op == "delete" and len(words) > 1:
            del words[i]
        elif op == "replace":
            words[i] = data.draw(st.sampled_from(alphabet))
        elif op == "swap" and i + 1 < len(words):
            words[i], words[i + 1] = words[i + 1], words[i]
    text = "".join(words)
    try:
        value = parse_capital(text)
    except DomainError as refused:
        code = refused.code
    else:
        assert _skeleton(text) == _skeleton(to_capital(value))
        return
    assert code == "amount_in_words_invalid"


# ---------------------------------------------------------------------------- corrections
def test_a_consistent_bid_form_needs_no_correction() -> None:
    result = correct_price(
        {
            "price": "11000000.00",
            "price_in_words": "壹仟壹佰万元整",
            "items": [
                {"name": "土建", "quantity": "2", "unit": "项", "unit_price": "5000000.00", "total": "10000000.00"},
                {"name": "安装", "quantity": "1", "unit": "项", "unit_price": "1000000", "total": "1000000.00"},
            ],
        }
    )
    assert result.price == Decimal("11000000.00")
    assert not result.corrected
    assert result.words_price == Decimal("11000000.00")


def test_the_amount_in_words_prevails_over_the_figures() -> None:
    result = correct_price({"price": "1100000.00", "price_in_words": "壹仟壹佰万元整"})
    assert result.price == Decimal("11000000.00")
    assert result.stated_price == Decimal("1100000.00")
    [c] = result.corrections
    assert c.rule is CorrectionRule.WORDS_OVER_FIGURES
    assert (c.field, c.stated, c.corrected) == ("price", Decimal("1100000.00"), Decimal("11000000.00"))
    assert "第十九条" in c.article


def test_the_unit_price_prevails_over_a_line_total_and_the_lines_over_the_price() -> None:
    result = correct_price(
        {
            "price": "1100.00",
            "items": [
                {"name": "水泥", "quantity": "10", "unit": "吨", "unit_price": "100.00", "total": "1100.00"},
            ],
        }
    )
    assert [c.rule for c in result.corrections] == [
        CorrectionRule.UNIT_PRICE_OVER_LINE_TOTAL,
        CorrectionRule.UNIT_PRICES_OVER_TOTAL,
    ]
    assert result.items[0].total == Decimal("1000.00")
    assert result.items[0].stated_total == Decimal("1100.00")
    assert result.price == Decimal("1000.00")


def test_a_unit_price_with_an_obvious_decimal_point_error_yields_to_the_line_total() -> None:
    result = correct_price(
        {
            "price": "37.50",
            "items": [{"name": "a", "quantity": "3", "unit": "个", "unit_price": "1.25", "total": "37.50"}],
        }
    )
    [c] = result.corrections
    assert c.rule is CorrectionRule.DECIMAL_POINT_ERROR
    assert c.field == "items[0].unit_price"
    assert result.items[0].unit_price == Decimal("12.5")
    assert result.price == Decimal("37.50")


def test_a_unit_price_slipped_the_other_way_is_a_decimal_point_error_too() -> None:
    result = correct_price(
        {"price": "300.00", "items": [{"name": "a", "quantity": "3", "unit_price": "1000", "total": "300.00"}]}
    )
    assert [c.rule for c in result.corrections] == [CorrectionRule.DECIMAL_POINT_ERROR]
    assert result.items[0].unit_price == Decimal("100")


def test_a_mismatch_that_is_not_a_power_of_ten_is_not_a_decimal_point_error() -> None:
    result = correct_price(
        {"price": "250.00", "items": [{"name": "a", "quantity": "2", "unit_price": "100", "total": "250.00"}]}
    )
    assert result.corrections[0].rule is CorrectionRule.UNIT_PRICE_OVER_LINE_TOTAL
    assert result.price == Decimal("200.00")


def test_a_product_with_more_places_than_fen_is_rounded_half_up_before_it_is_compared() -> None:
    consistent = correct_price(
        {"price": "4.17", "items": [{"name": "a", "quantity": "12.5", "unit_price": "0.3333", "total": "4.17"}]}
    )
    assert not consistent.corrected
    corrected = correct_price(
        {"price": "4.10", "items": [{"name": "a", "quantity": "12.5", "unit_price": "0.3333", "total": "4.10"}]}
    )
    assert corrected.items[0].total == Decimal("4.17")


def test_words_then_unit_prices_apply_in_order() -> None:
    result = correct_price(
        {
            "price": "100.00",
            "price_in_words": "壹佰壹拾元整",
            "items": [{"name": "a", "quantity": "3", "unit": "个", "unit_price": "40", "total": "110.00"}],
        }
    )
    assert [c.rule for c in result.corrections] == [
        CorrectionRule.WORDS_OVER_FIGURES,
        CorrectionRule.UNIT_PRICE_OVER_LINE_TOTAL,
        CorrectionRule.UNIT_PRICES_OVER_TOTAL,
    ]
    assert result.price == Decimal("120.00")
    assert result.as_json()["corrections"][2] == {
        "rule": "unit_prices_over_total",
        "field": "price",
        "stated": "110.00",
        "corrected": "120.00",
        "article": result.corrections[2].article,
    }


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({}, "price"),
        ({"price": 1.5}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "-1"}, "price"),
        ({"price": "1.001"}, "price"),
        ({"price": "10", "items": "x"}, "items"),
        ({"price": "10", "items": ["x"]}, "items[0]"),
        ({"price": "10", "items": [{"quantity": "1", "unit_price": "10"}]}, "items[0].total"),
        ({"price": "10", "items": [{"quantity": "0", "unit_price": "10", "total": "10"}]}, "items[0].quantity"),
        ({"price": "10", "items": [{"quantity": "1", "unit_price": 10.0, "total": "10"}]}, "items[0].unit_price"),
        ({"price": "10", "items": [{"quantity": "1", "unit_price": "NaN", "total": "10"}]}, "items[0].unit_price"),
        ({"price": "10", "items": [{"quantity": "1", "unit_price": "10", "total": "10", "name": 3}]}, "items[0]"),
    ],
)
def test_a_malformed_bid_form_is_refused_naming_the_field(form: dict[str, object], field: str) -> None:
    with pytest.raises(DomainError) as refused:
        correct_price(form)
    assert refused.value.code == "bid_form_invalid"
    assert refused.value.details["field"] == field


def test_a_malformed_amount_in_words_on_the_form_is_refused() -> None:
    with pytest.raises(DomainError, match="amount_in_words_invalid"):
        correct_price({"price": "100.00", "price_in_words": "壹佰零元"})


@given(
    st.lists(
        st.tuples(
            st.integers(1, 1000),
            st.integers(1, 10_000_000).map(lambda c: Decimal(c).scaleb(-2)),
            st.integers(-2, 2),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_after_correction_every_line_and_the_price_agree(lines: list[tuple[int, Decimal, int]]) -> None:
    """Whatever the errors (a line total off by a power of ten or by anything), the corrected
    lines satisfy unit price × quantity = total and add up to the price."""
    items = []
    for quantity, unit_price, slip in lines:
        total = (unit_price * quantity).scaleb(slip).quantize(Decimal("0.01"))
        if total == 0:
            total = Decimal("0.01")
        items.append({"name": "x", "quantity": str(quantity), "unit_price": str(unit_price), "total": str(total)})
    result = correct_price({"price": "1.00", "items": items})
    for item in result.items:
        assert (item.unit_price * item.quantity).quantize(Decimal("0.01")) == item.total
    assert result.price == sum((i.total for i in result.items), Decimal(0))

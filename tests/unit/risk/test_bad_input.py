"""Bad bids are skipped with a reason, never a crash and never a silent drop."""

from __future__ import annotations

import polars as pl
import pytest

from sunbid.kernel.errors import DomainError
from sunbid.risk.bids import SKIP_MESSAGES, SkipReason
from sunbid.risk.features import compute_features
from sunbid.risk.screens import compute_screens

BAD = pl.DataFrame(
    {
        "tender_id": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 7, 7, 7, None, None],
        "amount": [
            "100",
            "1,050.50",
            " 99.9 ",  # 1: valid text amounts
            "100",
            "abc",
            "101",  # 2: not a number
            "100",
            None,
            "101",  # 3: missing
            "100",
            "-5",
            "101",  # 4: negative
            "100",
            "inf",
            "101",  # 5: not finite
            "100",
            "101",  # 6: two bids
            "100",
            "0",
            "NaN",  # 7: zero and NaN: NaN (not finite) comes first
            "100",
            "100",  # no tender id
        ],
    }
)


def test_each_bad_tender_is_skipped_with_its_reason() -> None:
    result = compute_screens(BAD)
    assert result.tenders["tender_id"].to_list() == [1]
    reasons = dict(zip(result.skipped["tender_id"].to_list(), result.skipped["reason"].to_list(), strict=True))
    assert reasons == {
        "2": "amount_not_numeric",
        "3": "amount_missing",
        "4": "amount_not_positive",
        "5": "amount_not_finite",
        "6": "too_few_bids",
        "7": "amount_not_finite",
        None: "tender_id_missing",
    }


def test_skipped_rows_say_why_in_chinese_and_english() -> None:
    skipped = compute_screens(BAD).skipped
    row = skipped.filter(pl.col("reason") == "too_few_bids").row(0, named=True)
    assert row["message_zh"] == SKIP_MESSAGES[SkipReason.TOO_FEW_BIDS][0]
    assert "Fewer than 3 bids" in row["message_en"]
    assert skipped["message_zh"].null_count() == 0


def test_every_input_bid_is_in_a_scored_or_a_skipped_tender() -> None:
    result = compute_features(BAD)
    assert int(result.tenders["n_bids"].sum()) + int(result.skipped["bids"].sum()) == BAD.height


def test_text_amounts_with_thousands_separators_are_read() -> None:
    row = compute_screens(BAD).tenders.row(0, named=True)
    assert row["lowest"] == 99.9
    assert row["highest"] == 1050.5


def test_one_bid_tenders_are_skipped_not_dropped() -> None:
    bids = pl.DataFrame({"tender_id": ["a", "b", "b", "b"], "amount": [10.0, 1.0, 2.0, 3.0]})
    result = compute_screens(bids)
    assert result.tenders["tender_id"].to_list() == ["b"]
    assert result.skipped.row(0, named=True)["tender_id"] == "a"
    assert result.skipped.row(0, named=True)["bids"] == 1


def test_an_empty_table_gives_empty_results() -> None:
    result = compute_screens(pl.DataFrame(schema={"tender_id": pl.Int64, "amount": pl.Float64}))
    assert result.tenders.height == 0
    assert result.skipped.height == 0


def test_missing_columns_are_refused() -> None:
    with pytest.raises(DomainError) as refused:
        compute_screens(pl.DataFrame({"tender": [1], "amount": [1.0]}))
    assert refused.value.code == "risk_bids_columns_missing"
    assert "tender_id" in refused.value.message_zh


def test_an_amount_column_of_another_type_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        compute_screens(pl.DataFrame({"tender_id": [1], "amount": [True]}))
    assert refused.value.code == "risk_amount_type_unsupported"


def test_something_else_than_a_table_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        compute_screens([(1, 2.0)])  # type: ignore[arg-type]
    assert refused.value.code == "risk_bids_not_a_table"

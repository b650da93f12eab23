"""The statutory deemed-collusion signals (条例 第四十条, 第三十四条), each from both sides."""

from __future__ import annotations

import polars as pl
import pytest

from sunbid.kernel.errors import DomainError
from sunbid.risk.indicators import Flag
from sunbid.risk.signals import (
    CommonControl,
    IdenticalFile,
    RegularPriceProgression,
    SameAddress,
    SameDevice,
    SameFileAuthor,
    SameLegalRepresentative,
    statutory_signals,
)
from sunbid.risk.snapshot import Snapshot


def snap(evidence: list[tuple[str, str, str, str, str]], **tables: pl.DataFrame) -> Snapshot:
    """evidence rows: (bid, section, bidder, kind, value); one bid per bidder and section."""
    ev = pl.DataFrame(evidence, schema=["bid_id", "section_id", "bidder_org_id", "kind", "value"], orient="row")
    bids = ev.select("bid_id", "section_id", "bidder_org_id").unique().with_columns(pl.lit("t1").alias("tender_id"))
    return Snapshot.build(
        evidence=ev.with_columns(pl.lit("t1").alias("tender_id")), bids=tables.pop("bids", bids), **tables
    )


def test_two_bidders_with_the_same_network_card_in_one_section_are_flagged() -> None:
    s = snap(
        [("b1", "s1", "o1", "device_mac", "AA:BB:CC:00:11:22"), ("b2", "s1", "o2", "device_mac", " aa:bb:cc:00:11:22 ")]
    )
    [flag] = Flag.all(SameDevice().compute(s))
    assert flag.subject_ids == ("b1", "b2") and flag.evidence["bidders"] == ["o1", "o2"]
    assert flag.evidence["shared"] == [{"kind": "device_mac", "value": "aa:bb:cc:00:11:22"}]
    assert flag.section_id == "s1" and "第四十条第（一）项" in flag.basis


def test_the_same_device_in_different_sections_is_not_flagged() -> None:
    s = snap([("b1", "s1", "o1", "device_mac", "aa"), ("b2", "s2", "o2", "device_mac", "aa")])
    assert SameDevice().compute(s).height == 0


def test_different_devices_are_not_flagged() -> None:
    s = snap([("b1", "s1", "o1", "machine_id", "m1"), ("b2", "s1", "o2", "machine_id", "m2")])
    assert SameDevice().compute(s).height == 0


def test_placeholder_values_are_never_evidence() -> None:
    s = snap(
        [("b1", "s1", "o1", "device_mac", "00:00:00:00:00:00"), ("b2", "s1", "o2", "device_mac", "00:00:00:00:00:00")]
    )
    assert SameDevice().compute(s).height == 0


def test_an_address_shared_across_the_market_is_set_aside_and_counted() -> None:
    rows = [(f"b{i}", f"s{i % 3}", f"o{i}", "address", "10.0.0.1") for i in range(12)]
    rows += [("x1", "s9", "p1", "address", "10.9.9.9"), ("x2", "s9", "p2", "address", "10.9.9.9")]
    flags = Flag.all(SameAddress().compute(snap(rows)))
    assert [f.subject_ids for f in flags] == [("x1", "x2")]
    assert flags[0].evidence["common_values_set_aside"] == 3  # the centre's address, in three sections
    assert SameAddress(market_bidders=0).compute(snap(rows)).height == 4


def test_a_common_author_name_is_set_aside_but_a_rare_one_is_flagged() -> None:
    rows = [(f"b{i}", f"s{i}", f"o{i}", "file_author", "Administrator") for i in range(6)]
    rows += [(f"c{i}", "s0", f"o{i}", "file_author", "Administrator") for i in range(6, 8)]
    rows += [("d1", "s7", "q1", "file_author", "张工"), ("d2", "s7", "q2", "file_author", "张 工")]
    flags = Flag.all(SameFileAuthor().compute(snap(rows)))
    assert [f.subject_ids for f in flags] == [("d1", "d2")]


def test_a_file_identical_to_the_tenders_own_form_is_not_evidence() -> None:
    form = "ab" * 32
    rows = [("b1", "s1", "o1", "file_sha256", form), ("b2", "s1", "o2", "file_sha256", form)]
    rows += [("b1", "s1", "o1", "file_sha256", "cd" * 32), ("b2", "s1", "o2", "file_sha256", "CD" * 32)]
    docs = pl.DataFrame({"tender_id": ["t1"], "sha256": [form]})
    [flag] = Flag.all(IdenticalFile().compute(snap(rows, documents=docs)))
    assert flag.evidence["shared"] == [{"kind": "file_sha256", "value": "cd" * 32}]


def test_every_shared_evidence_kind_is_flagged_by_its_indicator() -> None:
    kinds = {
        "address": "SIG-ADDRESS",
        "hardware_id": "SIG-DEVICE",
        "signer_certificate": "SIG-CERTIFICATE",
        "encryption_certificate": "SIG-CERTIFICATE",
        "file_creator": "SIG-CREATOR",
        "project_manager": "SIG-MANAGER",
        "contact": "SIG-CONTACT",
        "payer_account": "SIG-DEPOSIT",
    }
    for kind, indicator in kinds.items():
        s = snap([("b1", "s1", "o1", kind, "v"), ("b2", "s1", "o2", kind, "v")])
        assert statutory_signals(s)["indicator"].to_list() == [indicator], kind


def bids(amounts: list[float], section: str = "s1") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "bid_id": [f"{section}-b{i}" for i in range(len(amounts))],
            "tender_id": "t1",
            "section_id": section,
            "bidder_org_id": [f"o{i}" for i in range(len(amounts))],
            "amount": [float(a) for a in amounts],
            "status": "decrypted",
        }
    )


def test_prices_with_a_constant_difference_are_flagged() -> None:
    flags = Flag.all(
        RegularPriceProgression().compute(
            Snapshot.build(bids=bids([1_030_000, 1_000_000, 1_020_000, 1_010_000, 987_654.32]))
        )
    )
    [flag] = flags
    assert flag.evidence["amounts"] == [1_000_000, 1_010_000, 1_020_000, 1_030_000]
    assert flag.evidence["differences"] == [10_000, 10_000, 10_000]


def test_prices_with_a_constant_ratio_are_flagged() -> None:
    base = 800_000.0
    amounts = [round(base * 1.02**k, 2) for k in range(3)] + [955_123.45]
    [flag] = Flag.all(RegularPriceProgression(relative_tolerance=1e-5).compute(Snapshot.build(bids=bids(amounts))))
    assert len(flag.subject_ids) == 3 and flag.evidence["ratios"] == [1.02, 1.02]


def test_irregular_prices_and_identical_prices_are_not_a_progression() -> None:
    s = Snapshot.build(
        bids=pl.concat([bids([1_000_000, 1_013_000, 1_019_500, 1_050_000]), bids([500, 500, 500], "s2")])
    )
    assert RegularPriceProgression().compute(s).height == 0


def test_a_progression_does_not_run_across_sections() -> None:
    s = Snapshot.build(bids=pl.concat([bids([100, 200]), bids([300, 1000], "s2")]))
    assert RegularPriceProgression().compute(s).height == 0


def test_bidders_with_the_same_legal_representative_in_one_section_are_flagged() -> None:
    orgs = pl.DataFrame({"org_id": ["o0", "o1", "o2"], "legal_representative": ["王 五", "王五", "赵六"]})
    s = Snapshot.build(bids=bids([1, 2, 3]), organisations=orgs)
    [flag] = Flag.all(SameLegalRepresentative().compute(s))
    assert flag.evidence["bidders"] == ["o0", "o1"] and "第三十四条" in flag.basis


def test_a_parent_and_its_subsidiary_and_two_sister_companies_are_flagged_but_strangers_are_not() -> None:
    rel = pl.DataFrame(
        {
            "parent_org_id": ["o0", "p", "p"],
            "child_org_id": ["o1", "o2", "o3"],
            "kind": ["controls", "controls", "manages"],
        }
    )
    s = Snapshot.build(bids=bids([1, 2, 3, 4, 5]), relations=rel)
    found = {tuple(f.evidence["bidders"]): f.evidence for f in Flag.all(CommonControl().compute(s))}
    assert set(found) == {("o0", "o1"), ("o2", "o3")}
    assert found[("o2", "o3")]["common_parents"] == ["p"]
    assert found[("o0", "o1")]["relations"] == ["controls"]


def test_thresholds_are_settable_and_bad_ones_are_refused() -> None:
    assert SameAddress(market_bidders=3)["market_bidders"] == 3
    with pytest.raises(DomainError) as unknown:
        SameAddress(nonsense=1)
    assert unknown.value.code == "risk_threshold_unknown"
    with pytest.raises(DomainError) as bad:
        RegularPriceProgression(min_bids=float("nan"))
    assert bad.value.code == "risk_threshold_invalid"


def test_a_snapshot_table_without_its_required_columns_is_refused() -> None:
    with pytest.raises(DomainError) as info:
        Snapshot.build(bids=pl.DataFrame({"bid_id": ["b"]}))
    assert info.value.code == "risk_snapshot_columns_missing"
    with pytest.raises(DomainError) as unknown:
        Snapshot.build(nonsense=pl.DataFrame())
    assert unknown.value.code == "risk_snapshot_table_unknown"


def test_a_snapshot_column_that_cannot_be_read_as_its_type_is_refused() -> None:
    row = {"bid_id": ["b"], "tender_id": ["t"], "section_id": ["s"], "bidder_org_id": ["o"]}
    with pytest.raises(DomainError) as info:
        Snapshot.build(bids=pl.DataFrame(row | {"submitted_at": ["not a time"]}))
    assert info.value.code == "risk_snapshot_types_invalid" and "bids" in info.value.message_en
    assert Snapshot.build(bids=pl.DataFrame(row | {"amount": ["120.5"]})).bids["amount"].to_list() == [120.5]

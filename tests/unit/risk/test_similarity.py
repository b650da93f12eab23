"""Abnormally similar bid documents: MinHash/LSH near-duplicates and shared unusual strings."""

from __future__ import annotations

import numpy as np
import polars as pl

from sunbid.risk.indicators import Flag
from sunbid.risk.similarity import SharedUnusualStrings, SimilarBidDocuments, minhash, shingles
from sunbid.risk.snapshot import Snapshot

RNG = np.random.default_rng(11)
HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 4000)]


def text(n: int) -> str:
    return "".join(RNG.choice(HAN, n))


TEMPLATE = "投标函：我方已仔细研究招标文件的全部内容。" + text(2000)  # the tenderer's forms every bid copies


def snapshot(texts: dict[str, str], *, same_bidder: bool = False, template: str | None = TEMPLATE) -> Snapshot:
    ids = list(texts)
    return Snapshot.build(
        bids=pl.DataFrame(
            {
                "bid_id": ids,
                "tender_id": "t",
                "section_id": "s",
                "bidder_org_id": ["o" if same_bidder else f"o{i}" for i in range(len(ids))],
            }
        ),
        bid_texts=pl.DataFrame({"bid_id": ids, "name": "技术标.txt", "text": list(texts.values())}),
        documents=pl.DataFrame({"tender_id": ["t"], "text": [template]}) if template else None,
    )


def test_minhash_estimates_jaccard_similarity() -> None:
    a, b = text(4000), text(4000)
    docs = pl.Series([a, a[:3000] + b[:1000], b])
    h, of, _ = shingles(docs, 5)
    sig = minhash(h, of, 3, 256)
    near = (sig[0] == sig[1]).mean()
    far = (sig[0] == sig[2]).mean()
    assert 0.5 < near < 0.75 and far < 0.05


def test_a_copied_technical_bid_with_a_few_changes_is_flagged() -> None:
    base = text(3000)
    s = snapshot({"b1": TEMPLATE + base, "b2": TEMPLATE + base[:2700] + text(300), "b3": TEMPLATE + text(3000)})
    [flag] = Flag.all(SimilarBidDocuments().compute(s))
    assert flag.subject_ids == ("b1", "b2") and flag.evidence["estimated_jaccard"] >= 0.6
    assert "第（四）项" in flag.basis


def test_bids_that_share_only_the_tenderers_template_are_not_flagged() -> None:
    s = snapshot({"b1": TEMPLATE + text(1500), "b2": TEMPLATE + text(1500)})
    assert SimilarBidDocuments().compute(s).height == 0
    # Without the tender's documents to remove, the template alone would make them look alike.
    alike = snapshot({"b1": TEMPLATE + text(100), "b2": TEMPLATE + text(100)}, template=None)
    assert SimilarBidDocuments().compute(alike).height == 1


def test_two_bids_sharing_the_same_odd_typos_are_flagged_with_the_strings() -> None:
    odd = "本工程混泥土浇筑采用先进工艺巳经完成验收合各"
    s = snapshot({"b1": TEMPLATE + text(2000) + odd, "b2": TEMPLATE + text(2000) + odd, "b3": TEMPLATE + text(2000)})
    [flag] = Flag.all(SharedUnusualStrings().compute(s))
    assert flag.subject_ids == ("b1", "b2") and flag.evidence["shared_strings"] == [odd]


def test_a_phrase_many_bids_use_is_not_an_unusual_string() -> None:
    common = "本工程混泥土浇筑采用先进工艺巳经完成验收合各"
    s = snapshot({f"b{i}": text(500) + common for i in range(4)})
    assert SharedUnusualStrings().compute(s).height == 0


def test_the_same_bidders_texts_are_not_compared_with_each_other() -> None:
    base = text(2000)
    s = snapshot({"b1": base, "b2": base}, same_bidder=True)
    assert SimilarBidDocuments().compute(s).height == 0 and SharedUnusualStrings().compute(s).height == 0

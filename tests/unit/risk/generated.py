"""Generated platform snapshots for the risk tests: a market with two rings and a tender
document that demands a local branch, and a clean control market of the same size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from sunbid.risk.snapshot import Snapshot

START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
CLEAN_DOCUMENT = """第二章 投标人须知
1. 投标人资格要求
1.1 投标人须为在中华人民共和国境内依法注册的法人或者其他组织，具有独立承担民事责任的能力。
1.2 招标人不得要求投标人在本地设立分支机构，不得限定投标人的所有制形式或者组织形式。
1.3 投标人须具有有效的安全生产许可证。
2. 投标保证金
2.1 投标保证金为人民币2万元，可以银行转账或者电子保函方式递交。
"""
BRANCH_CLAUSE = "1.4 投标人须在本市设立分支机构，并提供分支机构营业执照复印件。"


@dataclass
class GeneratedMarket:
    snapshot: Snapshot
    device_ring: list[str] = field(default_factory=list)  # bidder ids sharing a device and a deposit account
    rotation_ring: list[str] = field(default_factory=list)  # bidder ids rotating wins with cover bids
    branch_tender: str | None = None


def market(*, tenders: int = 36, bidders: int = 28, seed: int = 7, rings: bool = True) -> GeneratedMarket:
    """``tenders`` one-section tenders drawing 5-7 of ``bidders`` bidders each; with ``rings``, one ring
    of three shares a device and a deposit account, another of four rotates wins in ten tenders with
    cover bids just above the designated winner, and one tender document demands a local branch."""
    rng = np.random.default_rng(seed)
    pool = [f"org{i:03d}" for i in range(bidders)]
    device_ring = pool[:3] if rings else []
    rotation_ring = pool[3:7] if rings else []
    bid_rows: list[dict[str, object]] = []
    evidence: list[dict[str, object]] = []
    tender_rows: list[dict[str, object]] = []
    documents: list[dict[str, object]] = []
    sections: list[dict[str, object]] = []
    rotation_tenders = set(range(2, 2 + 10 * 3, 3)) if rings else set()
    device_tenders = set(range(1, tenders, 5)) if rings else set()
    turn = 0
    for t in range(tenders):
        tender_id, section_id = f"t{t:03d}", f"s{t:03d}"
        estimate = float(rng.lognormal(15, 0.8))
        deadline = START + timedelta(days=7 * t)
        tender_rows.append(
            {
                "tender_id": tender_id,
                "title": f"生成项目{t}",
                "category": "works",
                "sector": "房屋建筑",
                "method": "open",
                "status": "opened",
                "tenderer_org_id": f"buyer{t % 4}",
                "estimated_price": estimate,
                "currency": "CNY",
                "doc_issue_start": deadline - timedelta(days=25),
                "announced_at": deadline - timedelta(days=26),
                "bid_deadline": deadline,
                "opened_at": deadline,
                "deadline_moves": 0,
                "clarifications": 0,
                "qualification_requirements": "具有建筑工程施工总承包三级及以上资质",
            }
        )
        sections.append({"section_id": section_id, "tender_id": tender_id, "number": 1, "estimated_price": estimate})
        text = CLEAN_DOCUMENT
        if rings and t == 0:
            text = CLEAN_DOCUMENT + BRANCH_CLAUSE + "\n"
        documents.append(
            {"document_id": f"d{t:03d}", "tender_id": tender_id, "version": 1, "sha256": f"{t:064x}", "text": text}
        )
        others = [b for b in pool if b not in device_ring and b not in rotation_ring]
        if t in rotation_tenders:
            chosen = list(rotation_ring) + list(rng.choice(others, size=int(rng.integers(1, 3)), replace=False))
        else:
            chosen = list(rng.choice(others, size=int(rng.integers(5, 8)), replace=False))
            if t in device_tenders:
                chosen = chosen[:3] + device_ring
        designated = rotation_ring[turn % len(rotation_ring)] if t in rotation_tenders else None
        if designated:
            turn += 1
        for org in chosen:
            if designated and org == designated:
                amount = estimate * 0.90
            elif designated and org in rotation_ring:
                amount = estimate * (0.97 + 0.02 * rng.random())
            elif designated:
                amount = estimate * (0.95 + 0.05 * rng.random())  # outsiders above the designated winner
            else:
                amount = estimate * (1 - rng.normal(0.08, 0.04))
            bid_id = f"{tender_id}-{org}"
            bid_rows.append(
                {
                    "bid_id": bid_id,
                    "tender_id": tender_id,
                    "section_id": section_id,
                    "bidder_org_id": org,
                    "status": "decrypted",
                    "amount": round(amount, 2),
                    "invalid": False,
                    "project_manager": f"经理{org}",
                    "contact": f"联系人{org}",
                    "submitted_at": deadline - timedelta(hours=int(rng.integers(2, 200))),
                }
            )
            shared = org in device_ring
            values = {
                "device_mac": "3c:7c:3f:aa:01:02" if shared and org != device_ring[2] else f"mac-{org}",
                "machine_id": f"machine-{org}",
                "address": f"10.{int(org[3:])}.0.{t % 250}",
                "signer_certificate": f"sign-{org}",
                "encryption_certificate": f"enc-{org}",
                "file_author": f"作者{org}",
                "file_creator": "WPS Office 12.1" if int(org[3:]) % 2 else "Microsoft Word 16.0",
                "file_sha256": f"{bid_id}-file",
                "project_manager": f"经理{org}",
                "contact": f"联系人{org}",
                "payer_account": "6222020200112233445" if shared else f"acct-{org}",
            }
            evidence.extend(
                {
                    "bid_id": bid_id,
                    "tender_id": tender_id,
                    "section_id": section_id,
                    "bidder_org_id": org,
                    "kind": k,
                    "value": v,
                }
                for k, v in values.items()
            )
    organisations = pl.DataFrame(
        {"org_id": pool, "name": [f"单位{p}" for p in pool], "legal_representative": [f"法人{p}" for p in pool]}
    )
    snapshot = Snapshot.build(
        tenders=pl.DataFrame(tender_rows),
        sections=pl.DataFrame(sections),
        bids=pl.DataFrame(bid_rows),
        evidence=pl.DataFrame(evidence),
        organisations=organisations,
        documents=pl.DataFrame(documents),
    )
    return GeneratedMarket(snapshot, device_ring, rotation_ring, "t000" if rings else None)

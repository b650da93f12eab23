"""The risk engine over one tender's market, for the supervision room (its ``RiskScanner`` port).

:meth:`SqlRiskScanner.scan_tender` reads the snapshot of the tender's market, every tender of its
category whose bid deadline is at most ``warning_scan_market_days`` before the tender's own (the
segment the network indicators and the red flags' fences compare it with), with the texts of
the tender's own documents and opened bids only, and runs every indicator over it
(:func:`sunbid.risk.scan.scan_snapshot`). It returns the flags of the tender and the market's
findings that name no tender (rings, habitual losers …); the supervision room picks those about
the tender's parties. :meth:`SqlRiskScanner.review` runs the fair-competition review of some
tenders' documents, with the tenders of their categories as peers for the qualification
comparison.

Reading is read-only; the engine's failures come back as ``risk_scan_failed`` domain errors, so
the scheduler records them and goes on.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from sunbid.kernel.errors import DomainError, not_found
from sunbid.kernel.rules import RuleBook
from sunbid.risk.indicators import Flag
from sunbid.risk.model import CollusionModel
from sunbid.risk.review import review_documents
from sunbid.risk.scan import scan_snapshot
from sunbid.risk.snapshot import Snapshot
from sunbid.storage import tables as t
from sunbid.storage.blobs import DirectoryBlobStore
from sunbid.storage.risk_snapshot import MAX_TEXT_BYTES, _documents, _frame, _tenders, build_snapshot
from sunbid.supervision.ports import TenderScan

#: What the engine may raise on data it cannot compute, besides its own refusals.
_ENGINE_ERRORS = (pl.exceptions.PolarsError, ValueError, ArithmeticError, KeyError, TypeError, IndexError)


def _failed(tender_id: str, exc: BaseException) -> DomainError:
    return DomainError(
        "risk_scan_failed",
        f"风险扫描无法完成：{type(exc).__name__}",
        f"The risk scan could not be computed: {type(exc).__name__}: {exc}",
        tender_id=tender_id,
    )


class SqlRiskScanner:
    def __init__(
        self,
        engine: Engine,
        blobs: DirectoryBlobStore,
        rules: RuleBook,
        *,
        thresholds: Mapping[str, dict[str, float]] | None = None,
        max_text_bytes: int = MAX_TEXT_BYTES,
    ) -> None:
        self.engine, self.blobs, self.rules = engine, blobs, rules
        self.thresholds = dict(thresholds or {})
        self.max_text_bytes = max_text_bytes
        self._model: CollusionModel | None = None

    def model(self) -> CollusionModel:
        if self._model is None:
            self._model = CollusionModel.load()
        return self._model

    def market_of(self, tender_id: str) -> sa.Select[Any]:
        """The tenders a scan of ``tender_id`` reads: its category, deadlines from the window on."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.tenders.c.category, t.tenders.c.bid_deadline).where(t.tenders.c.id == tender_id)
            ).first()
        if row is None:
            raise not_found("tender", tender_id)
        since = row.bid_deadline - timedelta(days=self.rules.days("warning_scan_market_days"))
        return sa.select(t.tenders.c.id).where(t.tenders.c.category == row.category, t.tenders.c.bid_deadline >= since)

    def snapshot(self, tender_id: str) -> Snapshot:
        return build_snapshot(
            self.engine,
            self.blobs,
            documents=True,
            bid_texts=True,
            max_text_bytes=self.max_text_bytes,
            tenders=self.market_of(tender_id),
            texts_of=[tender_id],
        )

    def scan_tender(self, tender_id: str) -> TenderScan:
        started = time.perf_counter()
        try:
            snapshot = self.snapshot(tender_id)
            result = scan_snapshot(snapshot, thresholds=self.thresholds, model=self.model())
        except _ENGINE_ERRORS as exc:
            raise _failed(tender_id, exc) from exc
        mine = result.flags.filter((pl.col("tender_id") == tender_id) | pl.col("tender_id").is_null())
        bids = snapshot.bids.filter(pl.col("tender_id") == tender_id)
        return TenderScan(
            tender_id=tender_id,
            flags=Flag.all(mine),
            bid_orgs=dict(zip(bids["bid_id"].to_list(), bids["bidder_org_id"].to_list(), strict=True)),
            market={
                "tenders": snapshot.tenders.height,
                "bids": snapshot.bids.height,
                "flags": result.flags.height,
                "milliseconds": round((time.perf_counter() - started) * 1000),
            },
        )

    def review(self, tender_ids: Sequence[str]) -> Mapping[str, Sequence[Flag]]:
        wanted = sorted(set(tender_ids))
        if not wanted:
            return {}
        categories = sa.select(t.tenders.c.category).where(t.tenders.c.id.in_(wanted))
        peers = sa.select(t.tenders.c.id).where(t.tenders.c.category.in_(categories))
        with self.engine.connect() as conn:
            tenders = _tenders(conn, peers)
            own = sa.select(t.tenders.c.id).where(t.tenders.c.id.in_(wanted))
            documents = _documents(conn, self.blobs, self.max_text_bytes, own, wanted)
        try:
            snapshot = Snapshot.build(tenders=tenders, documents=_frame(documents, ["tender_id"]))
            flags = review_documents(snapshot.documents, snapshot.tenders, **self.thresholds)
        except _ENGINE_ERRORS as exc:
            raise _failed(",".join(wanted[:3]), exc) from exc
        out: dict[str, list[Flag]] = {tender_id: [] for tender_id in wanted}
        for flag in Flag.all(flags.filter(pl.col("tender_id").is_in(wanted))):
            if flag.tender_id is not None:
                out[flag.tender_id].append(flag)
        return out

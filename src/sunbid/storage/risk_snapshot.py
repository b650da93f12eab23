"""The risk engine's snapshot, read from the database (and, for texts, the blob store).

The risk room defines the tables (``sunbid.risk.snapshot``); this module fills them with one
query per table. It is a reader: one read-only transaction, nothing written. Money is read as
exact Decimal and handed on as Float64 yuan (analytics); times stay timezone-aware UTC.

Texts are optional and read only when asked:

* tender documents (``documents.text``): each text document of a tender (``text/*``, or any
  file that decodes as UTF-8), at most ``max_text_bytes``;
* bid texts (``bid_texts``): the text files inside each *opened* bid, decrypted again with the
  content key the opening recorded (电子招标投标办法 第三十条: after the opening the bid is
  readable by the tenderer; sealed bids are never touched, since their key is not known).

**Scope.** ``tenders``, a SELECT of tender ids, limits every table to those tenders (and the
organisations that bid in them or manage them): the scan of one tender's market after its
opening or award reads that market, not the whole platform. ``texts_of`` limits the texts read
(documents and bids) to some of them. **Awards** come from the evaluations' decisions (the
winning bid of each decided section), and a tender's ``awarded_at`` is its first decision.
**Scores** are the sitting members' points of every concluded evaluation, with each factor's
maximum from the scheme the tender declared; **sittings** are the committees' members.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from sunbid.kernel.errors import DomainError
from sunbid.risk.snapshot import EvidenceKind, Snapshot
from sunbid.storage import tables as t
from sunbid.storage.blobs import DirectoryBlobStore

MAX_TEXT_BYTES = 8 << 20
TEXT_SUFFIXES = (".txt", ".md", ".csv", ".htm", ".html", ".xml", ".json")
HARDWARE_KEYS = ("disk_serial", "cpu_id", "board_serial", "bios_uuid", "lock_id", "hardware_id")
Step = Callable[[str], None]
#: The steps :func:`build_snapshot` reports (bid texts included).
STEPS = 6


def _yuan(value: Any) -> float | None:
    return None if value is None else float(value)


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _person(value: Any) -> str | None:
    """A name given as a string or as {"name": …} in the bid form."""
    if isinstance(value, dict):
        value = value.get("name")
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _price(form: Any) -> tuple[float | None, str | None]:
    if not isinstance(form, dict) or form.get("price") is None:
        return None, None
    raw = str(form["price"])
    try:
        return float(raw.replace(",", "")), raw
    except ValueError:
        return None, raw


def _rows(conn: Connection, query: sa.Select[Any]) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(query)]


def _frame(rows: Iterable[dict[str, Any]], columns: list[str]) -> pl.DataFrame:
    data = list(rows)
    if not data:
        return pl.DataFrame({c: [] for c in columns})
    return pl.DataFrame(data, infer_schema_length=None)


def _decodable(data: bytes, media_type: str | None, name: str | None) -> str | None:
    looks_text = (media_type or "").startswith("text/") or (name or "").lower().endswith(TEXT_SUFFIXES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if not looks_text:
            return None
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            return None
    return text if looks_text or "\x00" not in text else None


#: A SELECT of tender ids that limits what a snapshot reads (None: every tender).
Scope = sa.Select[Any] | None


def _within(query: sa.Select[Any], column: sa.ColumnElement[Any], scope: Scope) -> sa.Select[Any]:
    return query if scope is None else query.where(column.in_(scope))


def _texts_for(column: sa.ColumnElement[Any], scope: Scope, texts_of: Collection[str] | None) -> Any:
    """The condition that limits texts: to ``texts_of`` when given, else to the scope."""
    if texts_of is not None:
        return column.in_(sorted(texts_of))
    return sa.true() if scope is None else column.in_(scope)


def build_snapshot(
    engine: Engine,
    blobs: DirectoryBlobStore | None = None,
    *,
    documents: bool = True,
    bid_texts: bool = False,
    max_text_bytes: int = MAX_TEXT_BYTES,
    step: Step | None = None,
    tenders: Scope = None,
    texts_of: Collection[str] | None = None,
) -> Snapshot:
    """Read the platform's data (or the tenders of ``tenders``) into the risk engine's snapshot."""
    say = step or (lambda _s: None)
    scope = tenders
    with engine.connect() as conn:
        say("tenders and sections")
        tender_rows = _tenders(conn, scope)
        sections = _frame(
            (
                {
                    "section_id": r["id"],
                    "tender_id": r["tender_id"],
                    "number": r["number"],
                    "estimated_price": _yuan(r["estimated_price"]),
                    "max_bid_price": _yuan(r["max_bid_price"]),
                    "bid_deposit": _yuan(r["bid_deposit"]),
                    "bids_at_deadline": r["bids_at_deadline"],
                    "failed": bool(r["failed"]),
                }
                for r in _rows(conn, _within(sa.select(t.sections), t.sections.c.tender_id, scope))
            ),
            ["section_id", "tender_id"],
        )
        say("bids and their evidence")
        bids, evidence, files = _bids(conn, scope)
        deposits = _deposits(conn, scope)
        evidence.extend(_deposit_evidence(deposits, bids))
        awards = _awards(conn, scope, bids)
        tender_rows = _awarded_at(tender_rows, awards)
        say("committees and their scores")
        orgs_of = {b["bid_id"]: b["bidder_org_id"] for b in bids}
        scores = _scores(conn, scope, orgs_of)
        sittings = _sittings(conn, scope)
        say("organisations")
        orgs = sa.select(t.organisations)
        rels = sa.select(t.organisation_relations)
        if scope is not None:
            parties = sa.union(
                sa.select(t.bids.c.bidder_org_id).where(t.bids.c.tender_id.in_(scope)),
                sa.select(t.tenders.c.tenderer_org_id).where(t.tenders.c.id.in_(scope)),
                sa.select(t.tenders.c.agency_org_id).where(t.tenders.c.id.in_(scope)),
            )
            orgs = orgs.where(t.organisations.c.id.in_(parties))
            rels = rels.where(
                t.organisation_relations.c.parent_org_id.in_(parties)
                | t.organisation_relations.c.child_org_id.in_(parties)
            )
        organisations = _frame(
            (
                {
                    "org_id": r["id"],
                    "name": r["name"],
                    "credit_code": r["credit_code"],
                    "legal_representative": r["legal_representative"],
                    "address": r["address"],
                }
                for r in _rows(conn, orgs)
            ),
            ["org_id"],
        )
        relations = _frame(
            (
                {"parent_org_id": r["parent_org_id"], "child_org_id": r["child_org_id"], "kind": str(r["kind"])}
                for r in _rows(conn, rels)
            ),
            ["parent_org_id", "child_org_id"],
        )
        say("tender documents")
        docs = _documents(conn, blobs if documents else None, max_text_bytes, scope, texts_of)
        texts: list[dict[str, Any]] = []
        if bid_texts:
            if blobs is None:
                raise DomainError(
                    "risk_snapshot_blobs_missing",
                    "读取投标文件文本需要文件存储",
                    "Reading bid texts needs the blob store",
                )
            say("texts of opened bids")
            texts = _bid_texts(conn, blobs, max_text_bytes, _texts_for(t.bids.c.tender_id, scope, texts_of))
    return Snapshot.build(
        tenders=tender_rows,
        sections=sections,
        bids=_frame(bids, ["bid_id", "tender_id", "section_id", "bidder_org_id"]),
        evidence=_frame(evidence, ["bid_id", "section_id", "bidder_org_id", "kind", "value"]),
        files=_frame(files, ["bid_id"]),
        deposits=_frame(deposits, ["section_id", "bidder_org_id"]),
        organisations=organisations,
        relations=relations,
        documents=_frame(docs, ["tender_id"]),
        bid_texts=_frame(texts, ["bid_id", "text"]),
        awards=_frame(awards, ["section_id", "bid_id"]),
        scores=_frame(scores, ["section_id", "bid_id", "expert_id", "criterion", "score"]),
        sittings=_frame(sittings, ["section_id", "expert_id"]),
    )


def _member_id(expert_id: str | None, user_id: str | None) -> str | None:
    """Who sat: the expert, or the user a tenderer's representative is."""
    return expert_id if expert_id is not None else user_id


def _scores(conn: Connection, scope: Scope, orgs_of: dict[str, str]) -> list[dict[str, Any]]:
    """The points each sitting member gave, once the evaluation is concluded (its report exists):
    scores still being given are not yet the committee's, and a replaced member's are void
    (条例 第四十八条)."""
    ev, sc, m = t.evaluations.c, t.evaluation_scores.c, t.committee_members.c
    concluded = _within(
        sa.select(ev.id, ev.tender_id, ev.section_id, ev.scheme).where(ev.concluded_at.is_not(None)),
        ev.tender_id,
        scope,
    )
    evaluations = {r["id"]: r for r in _rows(conn, concluded)}
    if not evaluations:
        return []
    maxima: dict[tuple[str, str], float | None] = {}
    for eid, r in evaluations.items():
        scheme = _json(r["scheme"]) or {}
        for f in scheme.get("factors") or []:
            if isinstance(f, dict) and f.get("id") is not None:
                try:
                    maxima[(eid, str(f["id"]))] = float(f["max_points"])
                except (KeyError, TypeError, ValueError):
                    maxima[(eid, str(f["id"]))] = None
    query = (
        sa.select(sc.evaluation_id, sc.bid_id, sc.factor_id, sc.points, m.kind, m.expert_id, m.user_id)
        .join(t.committee_members, t.committee_members.c.id == sc.member_id)
        .where(m.status == "active", sc.evaluation_id.in_(concluded.with_only_columns(ev.id)))
    )
    out = []
    for r in _rows(conn, query):
        e = evaluations[r["evaluation_id"]]
        out.append(
            {
                "tender_id": e["tender_id"],
                "section_id": e["section_id"],
                "bid_id": r["bid_id"],
                "bidder_org_id": orgs_of.get(r["bid_id"]),
                "expert_id": _member_id(r["expert_id"], r["user_id"]),
                "member_kind": str(r["kind"]),
                "criterion": r["factor_id"],
                "score": float(r["points"]),
                "max_score": maxima.get((r["evaluation_id"], r["factor_id"])),
            }
        )
    return out


def _sittings(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    """Who sat on each committee whose evaluation has started (reserves who never sat left out)."""
    c, m = t.committees.c, t.committee_members.c
    query = _within(
        sa.select(c.tender_id, c.section_id, c.started_at, m.kind, m.expert_id, m.user_id, m.status, m.remote)
        .join(t.committee_members, m.committee_id == c.id)
        .where(c.started_at.is_not(None), m.status != "reserve"),
        c.tender_id,
        scope,
    )
    return [
        {
            "tender_id": r["tender_id"],
            "section_id": r["section_id"],
            "expert_id": _member_id(r["expert_id"], r["user_id"]),
            "member_kind": str(r["kind"]),
            "status": str(r["status"]),
            "remote": bool(r["remote"]),
            "sat_at": r["started_at"],
        }
        for r in _rows(conn, query)
    ]


def _awards(conn: Connection, scope: Scope, bids: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The winning bid of every section whose award is decided (evaluation's decision)."""
    ev = t.evaluations
    query = _within(
        sa.select(ev.c.tender_id, ev.c.section_id, ev.c.winner_bid_id, ev.c.decided_at).where(
            ev.c.winner_bid_id.is_not(None), ev.c.decided_at.is_not(None)
        ),
        ev.c.tender_id,
        scope,
    )
    by_id = {b["bid_id"]: b for b in bids}
    out = []
    for r in _rows(conn, query):
        bid = by_id.get(r["winner_bid_id"])
        out.append(
            {
                "tender_id": r["tender_id"],
                "section_id": r["section_id"],
                "bid_id": r["winner_bid_id"],
                "bidder_org_id": bid["bidder_org_id"] if bid else None,
                "amount": bid["amount"] if bid else None,
                "awarded_at": r["decided_at"],
            }
        )
    return out


def _awarded_at(tenders: pl.DataFrame, awards: list[dict[str, Any]]) -> pl.DataFrame:
    """A tender's ``awarded_at``: the first award decided in any of its sections."""
    first: dict[str, Any] = {}
    for a in awards:
        if a["tender_id"] not in first or a["awarded_at"] < first[a["tender_id"]]:
            first[a["tender_id"]] = a["awarded_at"]
    if not first or tenders.height == 0:
        return tenders
    decided = pl.DataFrame(
        {"tender_id": list(first), "awarded_at": list(first.values())},
        schema={"tender_id": pl.String(), "awarded_at": pl.Datetime("us", "UTC")},
    )
    if "awarded_at" in tenders.columns:
        tenders = tenders.drop("awarded_at")
    return tenders.join(decided, on="tender_id", how="left")


def _tenders(conn: Connection, scope: Scope = None) -> pl.DataFrame:
    clar = t.clarifications
    moves = (
        sa.select(
            clar.c.tender_id,
            sa.func.count().label("clarifications"),
            sa.func.count(clar.c.new_bid_deadline).label("deadline_moves"),
        )
        .group_by(clar.c.tender_id)
        .subquery()
    )
    rows = _rows(
        conn,
        _within(
            sa.select(t.tenders, moves.c.clarifications, moves.c.deadline_moves).outerjoin(
                moves, moves.c.tender_id == t.tenders.c.id
            ),
            t.tenders.c.id,
            scope,
        ),
    )
    sums: dict[str, float] = {}
    prices = _within(sa.select(t.sections.c.tender_id, t.sections.c.estimated_price), t.sections.c.tender_id, scope)
    for r in _rows(conn, prices):
        sums[r["tender_id"]] = sums.get(r["tender_id"], 0.0) + (_yuan(r["estimated_price"]) or 0.0)
    return _frame(
        (
            {
                "tender_id": r["id"],
                "code": r["code"],
                "title": r["title"],
                "category": str(r["category"]),
                "sector": r["sector"],
                "method": str(r["method"]),
                "status": str(r["status"]),
                "tenderer_org_id": r["tenderer_org_id"],
                "agency_org_id": r["agency_org_id"],
                "currency": "CNY",
                "estimated_price": sums.get(r["id"]),
                "announced_at": r["announced_at"],
                "doc_issue_start": r["doc_issue_start"],
                "bid_deadline": r["bid_deadline"],
                "opened_at": r["opening_started_at"],
                "retender_of": r["retender_of"],
                "deadline_moves": r["deadline_moves"] or 0,
                "clarifications": r["clarifications"] or 0,
                "qualification_requirements": r["qualification_requirements"],
            }
            for r in rows
        ),
        ["tender_id"],
    )


def _bids(
    conn: Connection, scope: Scope = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    bids: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    places: dict[str, tuple[str, str, str]] = {}
    received: dict[str, Any] = {}
    for r in _rows(conn, _within(sa.select(t.bids), t.bids.c.tender_id, scope)):
        form = _json(r["form"])
        amount, raw = _price(form)
        manager = _person(form.get("project_manager")) if isinstance(form, dict) else None
        contact = _person(form.get("contact") or form.get("contact_person")) if isinstance(form, dict) else None
        grounds = _json(r["invalid_grounds"]) or []
        places[r["id"]] = (r["tender_id"], r["section_id"], r["bidder_org_id"])
        bids.append(
            {
                "bid_id": r["id"],
                "tender_id": r["tender_id"],
                "section_id": r["section_id"],
                "bidder_org_id": r["bidder_org_id"],
                "status": str(r["status"]),
                "amount": amount,
                "amount_text": raw,
                "invalid": bool(grounds),
                "project_manager": manager,
                "contact": contact,
            }
        )

        def add(kind: EvidenceKind, value: Any, bid_id: str = r["id"]) -> None:
            if value is None or str(value).strip() == "":
                return
            tender_id, section_id, org = places[bid_id]
            evidence.append(
                {
                    "bid_id": bid_id,
                    "tender_id": tender_id,
                    "section_id": section_id,
                    "bidder_org_id": org,
                    "kind": str(kind),
                    "value": str(value),
                }
            )

        add(EvidenceKind.PROJECT_MANAGER, manager)
        add(EvidenceKind.CONTACT, contact)
        for f in _json(r["files"]) or []:
            if not isinstance(f, dict):
                continue
            files.append(
                {
                    "bid_id": r["id"],
                    "name": f.get("name"),
                    "part": f.get("part"),
                    "sha256": f.get("sha256"),
                    "size": f.get("size") if isinstance(f.get("size"), int) else None,
                    "author": f.get("author"),
                    "creator": f.get("creator"),
                }
            )
            add(EvidenceKind.FILE_AUTHOR, f.get("author"))
            add(EvidenceKind.FILE_CREATOR, f.get("creator"))
            add(EvidenceKind.FILE_SHA256, f.get("sha256"))
    submissions = sa.select(t.bid_submissions)
    if scope is not None:
        submissions = submissions.where(
            t.bid_submissions.c.bid_id.in_(sa.select(t.bids.c.id).where(t.bids.c.tender_id.in_(scope)))
        )
    for s in _rows(conn, submissions):
        bid_id = s["bid_id"]
        if bid_id not in places:
            continue
        if str(s["status"]) == "current":
            received[bid_id] = s["received_at"]
        client = _json(s["client"]) or {}
        device = client.get("device") if isinstance(client, dict) else None
        device = device if isinstance(device, dict) else {}
        hardware = client.get("hardware") if isinstance(client, dict) else None

        def put(kind: EvidenceKind, value: Any, bid_id: str = bid_id) -> None:
            if value is None or str(value).strip() == "":
                return
            tender_id, section_id, org = places[bid_id]
            evidence.append(
                {
                    "bid_id": bid_id,
                    "tender_id": tender_id,
                    "section_id": section_id,
                    "bidder_org_id": org,
                    "kind": str(kind),
                    "value": str(value),
                }
            )

        put(EvidenceKind.ADDRESS, s["address"])
        put(EvidenceKind.DEVICE_MAC, device.get("mac"))
        put(EvidenceKind.MACHINE_ID, device.get("machine_id"))
        for key in HARDWARE_KEYS:
            put(EvidenceKind.HARDWARE_ID, device.get(key))
        if isinstance(hardware, dict):
            for key, value in sorted(hardware.items()):
                put(EvidenceKind.HARDWARE_ID, f"{key}:{value}")
        put(EvidenceKind.SIGNER_CERTIFICATE, s["signer_certificate_sha256"])
        put(EvidenceKind.ENCRYPTION_CERTIFICATE, s["encryption_certificate_sha256"])
    for b in bids:
        b["submitted_at"] = received.get(b["bid_id"])
    # One submission replacing another from the same machine repeats its facts: keep one.
    unique = {(e["bid_id"], e["kind"], e["value"]): e for e in evidence}
    return bids, list(unique.values()), files


def _deposits(conn: Connection, scope: Scope = None) -> list[dict[str, Any]]:
    return [
        {
            "tender_id": r["tender_id"],
            "section_id": r["section_id"],
            "bidder_org_id": r["bidder_org_id"],
            "kind": str(r["kind"]),
            "amount": _yuan(r["amount"]),
            "status": str(r["status"]),
            "payer_account_name": r["payer_account_name"],
            "payer_account_number": r["payer_account_number"],
            "payer_bank": r["payer_bank"],
        }
        for r in _rows(conn, _within(sa.select(t.deposits), t.deposits.c.tender_id, scope))
    ]


def _deposit_evidence(deposits: list[dict[str, Any]], bids: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A deposit secures the bid of its bidder in its section: the payer account is that bid's evidence."""
    bid_of = {(b["section_id"], b["bidder_org_id"]): b for b in bids}
    out = []
    for d in deposits:
        bid = bid_of.get((d["section_id"], d["bidder_org_id"]))
        account = (d["payer_account_number"] or "").strip()
        if bid is None or not account:
            continue
        out.append(
            {
                "bid_id": bid["bid_id"],
                "tender_id": bid["tender_id"],
                "section_id": bid["section_id"],
                "bidder_org_id": bid["bidder_org_id"],
                "kind": str(EvidenceKind.PAYER_ACCOUNT),
                "value": account,
            }
        )
    return out


def _documents(
    conn: Connection,
    blobs: DirectoryBlobStore | None,
    limit: int,
    scope: Scope = None,
    texts_of: Collection[str] | None = None,
) -> list[dict[str, Any]]:
    out = []
    docs = t.tender_documents
    query = _within(sa.select(docs).order_by(docs.c.tender_id, docs.c.version), docs.c.tender_id, scope)
    for r in _rows(conn, query):
        text = None
        wanted = texts_of is None or r["tender_id"] in texts_of
        if blobs is not None and wanted and r["size"] <= limit and blobs.exists(r["sha256"]):
            with blobs.open(r["sha256"]) as fh:
                text = _decodable(fh.read(limit + 1), r["media_type"], r["filename"])
        out.append(
            {
                "document_id": r["id"],
                "tender_id": r["tender_id"],
                "version": r["version"],
                "filename": r["filename"],
                "media_type": r["media_type"],
                "sha256": r["sha256"],
                "text": text,
            }
        )
    return out


def _bid_texts(conn: Connection, blobs: DirectoryBlobStore, limit: int, which: Any = None) -> list[dict[str, Any]]:
    from sunbid.crypto import envelope

    query = (
        sa.select(t.bids.c.id, t.bids.c.content_key, t.bid_submissions.c.blob_sha256, t.bid_submissions.c.header)
        .join(t.bid_submissions, t.bid_submissions.c.bid_id == t.bids.c.id)
        .where(
            t.bids.c.status == "decrypted",
            t.bids.c.content_key.is_not(None),
            t.bid_submissions.c.status == "current",
            sa.true() if which is None else which,
        )
    )
    out: list[dict[str, Any]] = []
    for r in _rows(conn, query):
        parts: dict[int, bytearray] = {}
        entries: dict[int, dict[str, Any]] = {}

        def keep(
            index: int,
            entry: dict[str, Any],
            data: bytes,
            parts: dict[int, bytearray] = parts,
            entries: dict[int, dict[str, Any]] = entries,
        ) -> None:
            buffer = parts.setdefault(index, bytearray())
            entries[index] = entry
            if len(buffer) < limit:
                buffer += data[: limit - len(buffer)]

        try:
            with blobs.open(r["blob_sha256"]) as fh:
                envelope.open_envelope(
                    fh, bytes.fromhex(r["content_key"]), on_file=keep, trusted_header=r["header"].encode("utf-8")
                )
        except (DomainError, ValueError, OSError):
            continue  # the opening recorded what happened to a bid that does not open
        for index, data in sorted(parts.items()):
            entry = entries[index]
            text = _decodable(bytes(data), entry.get("media_type"), entry.get("name"))
            if text:
                out.append({"bid_id": r["id"], "name": str(entry.get("name") or index), "text": text})
    return out

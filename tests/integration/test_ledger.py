"""The ledger on the real databases: appends with every change, proofs, and tampering caught.

Each tampering test edits the database behind the platform's back, as an operator with
direct access could: triggers are dropped or bypassed first. ``verify`` must catch it and
name the first entry affected.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sunbid.bootstrap import Platform
from sunbid.crypto import get_suite
from sunbid.kernel.clock import FixedClock
from sunbid.ledger import log, merkle
from sunbid.ledger.entries import Entry
from sunbid.ledger.keys import load_public
from sunbid.ledger.verify import verify
from sunbid.storage import ledger as store
from sunbid.storage.tables import ledger_checkpoints, ledger_entries, ledger_head
from sunbid.tendering import service as tendering
from tests.factories import World, make_world


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    return make_world(platform, clock, tokens=False)


@pytest.fixture
def history(world: World, platform: Platform) -> dict[str, Any]:
    """A log with activity and tree heads signed at three sizes; a witness holds the middle one."""
    world.announced_tender()
    first = platform.sign_tree_head()
    tender_id, _objection = world.suspended_tender()
    tendering.terminate_tender(world.uow(), world.ctx("tenderer"), tender_id, "终止")
    second = platform.sign_tree_head()
    world.announced_tender()
    third = platform.sign_tree_head()
    witness_key = get_suite("intl").generate_signing_key()
    cosig = log.Cosignature(
        "监督员",
        witness_key.public_key().key_id(),
        "intl",
        witness_key.public_key().to_der(),
        witness_key.sign(second.data()),
    )
    return {"heads": [first, second, third], "witnessed": second.with_cosignature(cosig)}


def records(platform: Platform) -> list[dict[str, Any]]:
    with platform.engine.connect() as conn:
        return list(store.export_records(conn))


def check(platform: Platform, witnessed: tuple[log.TreeHead, ...] = ()) -> Any:
    return verify(records(platform), load_public, witnessed=witnessed)


@pytest.fixture
def backdoor(platform: Platform) -> Iterator[Connection]:
    """A connection that edits the ledger's tables with their protection removed."""
    with platform.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            names = [r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'")]
            for name in names:
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
        else:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        yield conn


def forge(conn: Connection, entry: Entry) -> None:
    """Write a well-formed entry, with its correct leaf hash, straight into the table."""
    h = merkle.hash_function(store.head(conn).hash_alg)
    conn.execute(
        sa.insert(ledger_entries).values(
            seq=entry.seq,
            subject_id=entry.subject_id,
            public=entry.public,
            body=entry.canonical().decode(),
            leaf_hash=merkle.leaf_hash(h, entry.canonical()),
        )
    )


def store_levels(seq: int) -> int:
    """How many subtree hashes the row of leaf ``seq`` holds: one per trailing 1 bit."""
    return (~seq & (seq + 1)).bit_length() - 1


def entry_count(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(ledger_entries)).scalar_one())


# ---------------------------------------------------------------------------- appends
def test_every_change_is_in_the_ledger_in_the_same_transaction(world: World, platform: Platform) -> None:
    world.announced_tender()
    with platform.engine.connect() as conn:
        rows = list(store.entry_rows(conn))
        size = store.head(conn).size
    assert [r.seq for r in rows] == list(range(len(rows)))
    assert size == len(rows)
    names = [json.loads(r.body)["name"] for r in rows]
    assert {"OrganisationRegistered", "UserCreated", "PlanPublished", "TenderAnnounced"} <= set(names)
    announced = json.loads(rows[names.index("TenderAnnounced")].body)
    assert len(announced["data"]["announcement_sha256"]) == 64
    assert announced["address"] == "127.0.0.1"


def test_a_clean_log_verifies(history: dict[str, Any], platform: Platform) -> None:
    report = check(platform, (history["witnessed"],))
    assert report.ok, report.problem
    assert report.checked_heads == [h.size for h in history["heads"]]
    assert report.witnessed_heads == [history["witnessed"].size]
    assert report.root == history["heads"][-1].root


def test_the_ledger_refuses_update_and_delete(history: dict[str, Any], platform: Platform) -> None:
    for statement in (
        sa.update(ledger_entries).values(public=False),
        sa.delete(ledger_entries),
        sa.update(ledger_entries).values(nodes=None),
        sa.update(ledger_checkpoints).values(root=b"x"),
        sa.update(ledger_head).values(size=0),
        sa.delete(ledger_head),
    ):
        with pytest.raises(sa.exc.DatabaseError), platform.engine.begin() as conn:
            conn.execute(statement)
    assert check(platform).ok


# ---------------------------------------------------------------------------- tampering
def test_changing_a_field_of_an_old_event_is_caught(
    history: dict[str, Any], platform: Platform, backdoor: Connection
) -> None:
    row = backdoor.execute(sa.select(ledger_entries).where(ledger_entries.c.seq == 5)).one()
    body = json.loads(row.body)
    body["actor_id"] = "usr_SOMEONEELSE"
    backdoor.execute(
        sa.update(ledger_entries)
        .where(ledger_entries.c.seq == 5)
        .values(body=json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
    )
    backdoor.commit()
    report = check(platform)
    assert (report.ok, report.first_bad) == (False, 5)
    assert "altered" in (report.problem or "")


def test_changing_a_column_copied_from_the_body_is_caught(
    history: dict[str, Any], platform: Platform, backdoor: Connection
) -> None:
    backdoor.execute(
        sa.update(ledger_entries).where(ledger_entries.c.seq == 9).values(public=sa.not_(ledger_entries.c.public))
    )
    backdoor.commit()
    report = check(platform)
    assert (report.ok, report.first_bad) == (False, 9)


def test_deleting_an_event_is_caught(history: dict[str, Any], platform: Platform, backdoor: Connection) -> None:
    backdoor.execute(sa.delete(ledger_entries).where(ledger_entries.c.seq == 7))
    backdoor.commit()
    report = check(platform)
    assert (report.ok, report.first_bad) == (False, 7)
    assert "missing" in (report.problem or "")


def test_inserting_an_event_is_caught(history: dict[str, Any], platform: Platform, backdoor: Connection) -> None:
    n = entry_count(backdoor)
    for seq in range(n - 1, 11, -1):  # make room at 12, renumbering what follows
        backdoor.execute(sa.update(ledger_entries).where(ledger_entries.c.seq == seq).values(seq=seq + 1))
    forged = Entry.from_json(
        json.loads(backdoor.execute(sa.select(ledger_entries.c.body).where(ledger_entries.c.seq == 11)).scalar_one())
    )
    forged = Entry(
        12,
        "PlanPublished",
        forged.subject_type,
        forged.subject_id,
        forged.occurred_at,
        forged.actor_id,
        forged.address,
        True,
        {"forged": True},
    )
    forge(backdoor, forged)
    backdoor.commit()
    report = check(platform)
    assert (report.ok, report.first_bad) == (False, 12)


def test_appending_an_event_behind_the_platform_is_caught(
    history: dict[str, Any], platform: Platform, backdoor: Connection
) -> None:
    n = entry_count(backdoor)
    last = Entry.from_json(
        json.loads(backdoor.execute(sa.select(ledger_entries.c.body).where(ledger_entries.c.seq == n - 1)).scalar_one())
    )
    extra = Entry(n, "TenderAnnounced", last.subject_type, last.subject_id, last.occurred_at, None, None, True, {})
    forge(backdoor, extra)
    backdoor.commit()
    report = check(platform)
    assert (report.ok, report.first_bad) == (False, n)


def test_reordering_two_events_is_caught(history: dict[str, Any], platform: Platform, backdoor: Connection) -> None:
    a, b = (backdoor.execute(sa.select(ledger_entries).where(ledger_entries.c.seq == s)).one() for s in (3, 8))
    for target, source in ((3, b), (8, a)):
        backdoor.execute(
            sa.update(ledger_entries)
            .where(ledger_entries.c.seq == target)
            .values(
                subject_id=source.subject_id,
                public=source.public,
                body=source.body,
                leaf_hash=source.leaf_hash,
            )
        )
    backdoor.commit()
    report = check(platform)
    assert (report.ok, report.first_bad) == (False, 3)


def test_truncating_the_tail_is_caught(history: dict[str, Any], platform: Platform, backdoor: Connection) -> None:
    cut = history["heads"][1].size - 2
    backdoor.execute(sa.delete(ledger_entries).where(ledger_entries.c.seq >= cut))
    backdoor.execute(sa.update(ledger_head).values(size=cut))
    backdoor.commit()
    report = check(platform)
    assert (report.ok, report.first_bad) == (False, cut)
    assert "tail" in (report.problem or "")


def test_a_self_consistent_fork_passes_alone_but_a_witnessed_tree_head_catches_it(
    history: dict[str, Any], platform: Platform, backdoor: Connection
) -> None:
    """The operator rewrites entry 4, rebuilds every hash and re-signs the tree heads with its own key."""
    rows = list(backdoor.execute(sa.select(ledger_entries).order_by(ledger_entries.c.seq)))
    h = merkle.hash_function(store.head(backdoor).hash_alg)
    bodies = [r.body for r in rows]
    forged = json.loads(bodies[4])
    forged["data"] = {"rewritten": "yes"}
    bodies[4] = Entry.from_json(forged).canonical().decode()
    leaves = [merkle.leaf_hash(h, b.encode()) for b in bodies]
    backdoor.execute(sa.delete(ledger_checkpoints))
    nodes = merkle.build(h, leaves)
    for r, body, leaf in zip(rows, bodies, leaves, strict=True):
        above = b"".join(nodes[(level, r.seq >> level)] for level in range(1, store_levels(r.seq) + 1))
        backdoor.execute(
            sa.update(ledger_entries)
            .where(ledger_entries.c.seq == r.seq)
            .values(body=body, leaf_hash=leaf, nodes=above or None)
        )
    key = platform.log_key()
    fork = store.SqlLogStore(backdoor, platform.settings.ledger_hash)
    for head in history["heads"]:
        root = merkle.root(h, head.size, merkle.from_mapping(nodes))
        fork.add_tree_head(
            log.TreeHead(
                head.size,
                root,
                head.timestamp_ms,
                head.hash_alg,
                key.suite,
                key.key_id,
                key.public_der,
                key.sign(log.tree_head_data(head.timestamp_ms, head.size, root)),
            )
        )
    backdoor.commit()
    alone = check(platform)
    assert alone.ok, "a fork re-signed with the operator's key is self-consistent"
    report = check(platform, (history["witnessed"],))
    assert not report.ok
    assert report.first_bad == 0
    assert "witnessed" in (report.problem or "")
    assert f"between 0 and {history['witnessed'].size - 1}" in (report.problem or "")


def test_a_forged_witness_signature_is_refused(history: dict[str, Any], platform: Platform) -> None:
    held: log.TreeHead = history["witnessed"]
    bad = log.Cosignature(
        held.cosignatures[0].witness,
        held.cosignatures[0].witness_key_id,
        "intl",
        held.cosignatures[0].public_key,
        b"\x00" * 64,
    )
    forged = log.TreeHead(
        held.size,
        held.root,
        held.timestamp_ms,
        held.hash_alg,
        held.suite,
        held.key_id,
        held.public_key,
        held.signature,
        (bad,),
    )
    report = check(platform, (forged,))
    assert not report.ok
    assert "signature" in (report.problem or "")


# ---------------------------------------------------------------------------- proofs
def test_every_entry_has_an_inclusion_proof_that_verifies(history: dict[str, Any], platform: Platform) -> None:
    head = history["heads"][-1]
    with platform.engine.connect() as conn:
        s = store.SqlLogStore(conn)
        bodies = {r.seq: r.body for r in store.entry_rows(conn)}
        for seq in range(head.size):
            proof = log.inclusion_proof(s, seq, head)
            assert log.check_inclusion(proof, load_public, bodies[seq].encode()) == head
        tampered = log.inclusion_proof(s, 3, head)
    tampered["inclusion_path"][0] = "00" * 32
    with pytest.raises(Exception, match="does not verify"):
        log.check_inclusion(tampered, load_public)


def test_consistency_proofs_link_the_signed_tree_heads(history: dict[str, Any], platform: Platform) -> None:
    heads = history["heads"]
    h = merkle.hash_function(heads[0].hash_alg)
    with platform.engine.connect() as conn:
        s = store.SqlLogStore(conn)
        for older, newer in ((heads[0], heads[1]), (heads[1], heads[2]), (heads[0], heads[2])):
            proof = [bytes.fromhex(x) for x in log.consistency_proof(s, older.size, newer.size)["proof"]]
            assert merkle.verify_consistency(h, older.size, newer.size, older.root, newer.root, proof)


def test_signing_twice_at_the_same_size_keeps_one_tree_head(
    platform: Platform, world: World, clock: FixedClock
) -> None:
    first = platform.sign_tree_head()
    clock.advance(timedelta(minutes=1))
    assert platform.sign_tree_head() == first


def test_a_ledger_hashed_one_way_refuses_a_platform_configured_another(world: World, platform: Platform) -> None:
    from sunbid.kernel.errors import Conflict

    other = "sha256" if platform.settings.ledger_hash == "sm3" else "sm3"
    before = entry_count_now(platform)
    with pytest.raises(Conflict) as refused, platform.engine.begin() as conn:
        store.append(conn, [history_event(world)], other)
    assert refused.value.code == "ledger_hash_mismatch"
    assert entry_count_now(platform) == before


def history_event(world: World) -> Any:
    from sunbid.kernel.events import DomainEvent

    return DomainEvent("Test", "test", "x", world.clock.now(), None, True, {})


def entry_count_now(platform: Platform) -> int:
    with platform.engine.connect() as conn:
        return entry_count(conn)


def test_an_entry_with_a_float_is_refused_mid_batch_and_nothing_is_written(world: World, platform: Platform) -> None:
    """The third of three events holds a float: the rows already streamed to the database go
    back with the whole transaction, and the log's head does not move."""
    from sunbid.kernel.events import DomainEvent

    before = entry_count_now(platform)
    good = [DomainEvent("Test", "test", "x", world.clock.now(), None, True, {"n": n}) for n in range(2)]
    bad = DomainEvent("Test", "test", "x", world.clock.now(), None, True, {"amount": 1.5})
    with pytest.raises(TypeError, match="floating-point"), platform.engine.begin() as conn:
        store.append(conn, [*good, bad], platform.settings.ledger_hash)
    assert entry_count_now(platform) == before
    with platform.engine.connect() as conn:
        assert store.head(conn).size == before
    with platform.engine.begin() as conn:
        assert store.append(conn, good, platform.settings.ledger_hash) == [before, before + 1]
    assert check(platform).ok


# ---------------------------------------------------------------------------- refusals of proofs and exports
def _code(call: Any) -> str:
    from sunbid.kernel.errors import DomainError

    with pytest.raises(DomainError) as info:
        call()
    assert info.value.message_zh and info.value.message_en
    return str(info.value.code)


def test_proofs_that_are_malformed_altered_or_for_no_entry_are_refused(
    history: dict[str, Any], platform: Platform
) -> None:
    import base64

    head = history["heads"][-1]
    with platform.engine.connect() as conn:
        s = store.SqlLogStore(conn)
        proof = log.inclusion_proof(s, 2, head)
        assert _code(lambda: log.inclusion_proof(s, head.size, head)) == "ledger_entry_not_in_tree"
        assert _code(lambda: log.inclusion_proof(s, -1, head)) == "ledger_entry_not_in_tree"
        for first, second in ((0, head.size), (head.size, head.size - 1), (1, head.size + 1000)):
            assert _code(lambda a=first, b=second: log.consistency_proof(s, a, b)) == "consistency_range_invalid"
        assert log.consistency_proof(s, 1, head.size)["proof"] is not None
    assert log.check_inclusion(proof, load_public) == head
    assert _code(lambda: log.check_inclusion({k: v for k, v in proof.items() if k != "leaf_hash"}, load_public)) == (
        "proof_malformed"
    )
    assert _code(lambda: log.check_inclusion(proof | {"leaf_index": "two"}, load_public)) == "proof_malformed"
    assert _code(lambda: log.check_inclusion(proof | {"leaf_index": 3}, load_public)) == "proof_invalid"
    assert _code(lambda: log.check_inclusion(proof, load_public, b"another entry")) == "proof_leaf_mismatch"
    tree_head = proof["tree_head"]
    without_root = {k: v for k, v in tree_head.items() if k != "root"}
    assert _code(lambda: log.check_inclusion(proof | {"tree_head": without_root}, load_public)) == (
        "tree_head_malformed"
    )
    other = base64.b64encode(bytes(64)).decode()
    resigned = proof | {"tree_head": tree_head | {"signature": other}}
    assert _code(lambda: log.check_inclusion(resigned, load_public)) == "tree_head_signature_invalid"
    garbage_key = proof | {"tree_head": tree_head | {"public_key": base64.b64encode(b"not a key").decode()}}
    assert _code(lambda: log.check_inclusion(garbage_key, load_public)) == "tree_head_signature_invalid"
    assert _code(lambda: load_public("intl", b"not a key")) == "key_invalid"


def test_an_export_without_its_header_out_of_order_or_with_unknown_records_is_refused(
    history: dict[str, Any], platform: Platform
) -> None:
    exported = records(platform)
    assert verify(exported, load_public).ok
    header = [r for r in exported if r.get("type") == "header"]
    heads = [r for r in exported if r.get("type") == "checkpoint"]
    entries = [r for r in exported if r.get("type") == "entry"]
    assert header and heads and entries
    cases = {
        "ledger_header_missing": [*heads, *entries],
        "ledger_export_order": [*header, entries[0], *heads, *entries[1:]],
        "ledger_record_unknown": [*header, *heads, {"type": "comment", "text": "x"}, *entries],
    }
    for code, altered in cases.items():
        assert _code(lambda altered=altered: verify(altered, load_public)) == code


def test_the_latest_tree_head_is_not_found_before_one_is_signed(platform: Platform, world: World) -> None:
    from fastapi.testclient import TestClient

    from sunbid.api.app import create_app

    with TestClient(create_app(platform), raise_server_exceptions=False) as api:
        missing = api.get("/api/v1/ledger/tree-head")
        assert (missing.status_code, missing.json()["code"]) == (404, "tree_head_not_found")
        assert missing.json()["message_zh"] and missing.json()["message_en"]
        platform.sign_tree_head()
        assert api.get("/api/v1/ledger/tree-head").json()["size"] > 0

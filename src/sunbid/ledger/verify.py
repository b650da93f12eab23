"""Check a whole log, from the database, an export file or the API, and name the first bad entry.

The records are those of the export format (``docs/ledger.md``): a header, then the entries
in order (each with its leaf hash, and its canonical body unless it is redacted for this
reader), then the signed tree heads. Checks, in order of the log:

- entries are numbered 0, 1, 2, … without gaps or repeats;
- each body hashes to its leaf hash, and names its own position;
- the columns the database copies from a body agree with it;
- at every signed tree head, the rebuilt tree has that root, and the signatures hold;
- tree heads held outside (a witness's copy) match too: that is what catches a log replaced
  by a self-consistent fork, since its operator can re-sign the platform's own heads;
- the log is not shorter than any tree head, nor than its own head row.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sunbid.kernel.errors import DomainError
from sunbid.ledger import merkle
from sunbid.ledger.log import KeyLoader, TreeHead


@dataclass
class Report:
    size: int = 0
    root: bytes = b""
    ok: bool = True
    first_bad: int | None = None
    problem: str | None = None
    checked_heads: list[int] = field(default_factory=list)
    witnessed_heads: list[int] = field(default_factory=list)

    def fail(self, first_bad: int, problem: str) -> Report:
        if self.ok:
            self.ok, self.first_bad, self.problem = False, first_bad, problem
        return self

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "size": self.size,
            "root": self.root.hex(),
            "first_bad_entry": self.first_bad,
            "problem": self.problem,
            "checked_tree_heads": self.checked_heads,
            "witnessed_tree_heads": self.witnessed_heads,
        }


COPIED = ("name", "subject_type", "subject_id", "public")


def verify(
    records: Iterable[dict[str, Any]],
    load: KeyLoader,
    *,
    witnessed: Iterable[TreeHead] = (),
    progress: Callable[[int], None] | None = None,
) -> Report:
    report = Report()
    header: dict[str, Any] | None = None
    heads: dict[int, TreeHead] = {}
    outside = {h.size: h for h in witnessed}
    tree: merkle.CompactRange | None = None
    h: merkle.HashFn | None = None
    expected = 0
    declared_size: int | None = None
    entries_done = False
    last_good_witness = 0

    def check_head(size: int) -> None:
        nonlocal last_good_witness
        assert tree is not None
        if size not in heads and size not in outside:
            return
        root = tree.root()
        if size in heads:
            head = heads[size]
            try:
                head.verify(load)
            except DomainError as exc:
                report.fail(size - 1, exc.message_en)
                return
            if head.root != root:
                report.fail(
                    max(0, size - 1),
                    f"the entries before {size} do not rebuild the signed tree head "
                    f"for size {size}: an earlier entry was altered, inserted or removed",
                )
                return
            report.checked_heads.append(size)
        if size in outside:
            head = outside[size]
            try:
                head.verify(load)
            except DomainError as exc:
                report.fail(size - 1, f"witnessed tree head: {exc.message_en}")
                return
            if head.root != root:
                report.fail(
                    last_good_witness,
                    f"the log disagrees with the witnessed tree head for size {size}: "
                    f"it was replaced by a fork; the first altered entry lies between "
                    f"{last_good_witness} and {size - 1}",
                )
                return
            last_good_witness = size
            report.witnessed_heads.append(size)

    for rec in records:
        kind = rec.get("type")
        if kind == "header":
            header = rec
            h = merkle.hash_function(str(rec["hash_alg"]))
            tree = merkle.CompactRange(h)
            declared_size = rec.get("size")
            continue
        if kind == "checkpoint":
            if expected:
                raise DomainError(
                    "ledger_export_order",
                    "树头记录须在条目之前",
                    "Tree heads must come before the entries in a ledger export",
                )
            head = TreeHead.from_json(rec)
            heads[head.size] = head
            continue
        if kind != "entry":
            raise DomainError("ledger_record_unknown", "无法识别的账本记录", f"Unknown ledger record {kind!r}")
        if header is None or tree is None or h is None:
            raise DomainError("ledger_header_missing", "账本导出缺少头部", "The ledger export has no header line")
        if not report.ok:
            break
        seq = int(rec["seq"])
        if seq != expected:
            report.fail(
                expected,
                f"entry {expected} is missing"
                if seq > expected
                else f"entry {seq} appears again after {expected - 1}: entries were inserted or reordered",
            )
            break
        leaf = bytes.fromhex(rec["leaf_hash"])
        body = rec.get("body")
        if body is not None:
            if merkle.leaf_hash(h, body.encode("utf-8")) != leaf:
                report.fail(seq, f"entry {seq} was altered: its content does not match its leaf hash")
                break
            parsed = json.loads(body)
            claimed = parsed.get("seq")
            if claimed != seq:
                first = min(seq, claimed) if isinstance(claimed, int) and claimed >= 0 else seq
                report.fail(
                    first,
                    f"entry {seq} holds the content of entry {claimed}: entries were inserted, "
                    f"removed or moved from {first} on",
                )
                break
            changed = [col for col in COPIED if col in rec and rec[col] != parsed.get(col)]
            if changed:
                report.fail(seq, f"entry {seq}: the column {changed[0]!r} was changed behind the log's back")
                break
        tree.append(leaf)
        expected += 1
        if progress is not None and expected % 10_000 == 0:
            progress(expected)
        check_head(expected)
    if header is None or tree is None:
        raise DomainError("ledger_header_missing", "账本导出缺少头部", "The ledger export has no header line")
    entries_done = report.ok
    report.size, report.root = expected, tree.root()
    if entries_done:
        longest = max([*heads, *outside], default=0)
        if longest > expected:
            report.fail(
                expected,
                f"the log ends at entry {expected - 1} but a tree head was signed for size "
                f"{longest}: the tail was removed",
            )
        elif declared_size is not None and declared_size != expected:
            report.fail(
                min(expected, declared_size),
                f"the log head says {declared_size} entries but there are {expected}: entries were "
                f"{'added behind the platform' if expected > declared_size else 'removed'}",
            )
    return report

"""Sealed bids, deposits and the online opening (开标): entities and pure rules.

A :class:`Bid` is one bidder's (or one consortium's) bid in one section (标段). Each upload of
a sealed envelope is a :class:`BidSubmission`; a replacement makes the earlier one
``replaced``. The opening decrypts the current submission of every bid still standing at the
deadline. Nothing here touches a key before the deadline: the platform never has one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sunbid.kernel.rules import RuleBook


class BidStatus(StrEnum):
    SEALED = "sealed"  # submitted and standing, not yet opened
    WITHDRAWN = "withdrawn"  # 撤回 before the deadline (条例 第三十五条)
    DECRYPTED = "decrypted"  # opened at the opening
    REVOKED = "revoked"  # 撤销: not decrypted through the bidder (电子办法 第三十一条)
    DEEMED_WITHDRAWN = "deemed_withdrawn"  # 视为撤回: failed to decrypt for other causes (同上)


#: What a bid becomes at the end of the opening, when it was never decrypted.
UNOPENED_OUTCOMES = (BidStatus.REVOKED, BidStatus.DEEMED_WITHDRAWN)


class SubmissionStatus(StrEnum):
    CURRENT = "current"
    REPLACED = "replaced"
    WITHDRAWN = "withdrawn"


class OpenedBy(StrEnum):
    BIDDER = "bidder"  # remote decryption by the bidder (the statutory path)
    CUSTODIANS = "custodians"  # k of n custodians' shares (the fallback the tender documents set)


@dataclass
class BidSubmission:
    """One sealed envelope as received: ciphertext in the blob store, its digests, the bidder's
    signature, and what the platform observed (address, time, user)."""

    id: str
    bid_id: str
    number: int  # 1, 2, … per bid
    envelope_id: str
    blob_sha256: str
    size: int
    suite: str
    header: str  # the envelope header, canonical JSON, as received
    header_digest: str
    ciphertext_digest: str
    frames: int
    seal_statement: dict[str, Any]  # what the bidder signed (the envelope trailer)
    seal_signature: dict[str, Any]
    signer_subject: str
    signer_certificate_sha256: str
    encryption_certificate_sha256: str
    client: dict[str, Any]  # what the bid tool reports: device, hardware, software (条例 第四十条)
    address: str | None  # the client's network address as the platform saw it
    user_id: str
    received_at: datetime
    salt: str  # random: hides the statement's digest in the ledger until the opening
    status: SubmissionStatus = SubmissionStatus.CURRENT
    ledger_seq: int | None = None
    receipt: dict[str, Any] | None = None  # the signed receipt (回执)


@dataclass
class CustodianShare:
    """A custodian's share of one bid's content key, checked against the envelope's digest."""

    id: str
    bid_id: str
    index: int
    share: str  # hex, submitted after the deadline only
    user_id: str
    submitted_at: datetime


@dataclass
class Bid:
    """投标: one bidder's bid in one section; consortium bids name every member (联合体)."""

    id: str
    tender_id: str
    section_id: str
    bidder_org_id: str  # the bidder, or the consortium's lead member (牵头人)
    created_at: datetime
    status: BidStatus = BidStatus.SEALED
    consortium: list[dict[str, Any]] = field(default_factory=list)  # [{org_id, credit_code, name, share}]
    withdrawn_at: datetime | None = None
    # --- the opening
    content_key: str | None = None  # hex; known only after the deadline
    opened_by: OpenedBy | None = None
    opened_at: datetime | None = None
    decryption_attempts: int = 0
    form: dict[str, Any] | None = None  # the decrypted bid form: price and declared items
    files: list[dict[str, Any]] | None = None  # the decrypted manifest's files (names, sizes, digests, metadata)
    failure: str | None = None
    invalid_grounds: list[dict[str, Any]] = field(default_factory=list)
    submissions: list[BidSubmission] = field(default_factory=list)
    shares: list[CustodianShare] = field(default_factory=list)

    @property
    def current(self) -> BidSubmission | None:
        return next((s for s in self.submissions if s.status is SubmissionStatus.CURRENT), None)

    @property
    def member_org_ids(self) -> list[str]:
        """Every organisation in the bid: the bidder, or all the consortium's members."""
        if self.consortium:
            return [str(m["org_id"]) for m in self.consortium]
        return [self.bidder_org_id]

    @property
    def standing(self) -> bool:
        """In the opening: submitted and not withdrawn."""
        return self.status is not BidStatus.WITHDRAWN

    @property
    def resolved(self) -> bool:
        return self.status in (BidStatus.DECRYPTED, *UNOPENED_OUTCOMES)


@dataclass
class SealedStatement:
    """A fact recorded before the deadline that must not reveal who bids (法 第二十二条): the
    ledger holds only its digest (subject: this statement's own id), and the opening record
    discloses the statement, so anyone can then check the digest against the ledger."""

    id: str
    tender_id: str
    kind: str  # "submission", "withdrawal", "deposit"
    statement: dict[str, Any]  # includes a random salt
    digest: str  # hex, ``digest_alg`` of the RFC 8785 canonical statement
    digest_alg: str
    created_at: datetime


# ---------------------------------------------------------------------------- sealing terms
@dataclass(frozen=True)
class TenderCustodian:
    """开标密钥保管人: holds one share of every bid's content key (k of n open a bid)."""

    index: int
    user_id: str
    name: str
    certificates: dict[str, str]  # suite -> base64 DER of the encryption certificate
    fingerprints: dict[str, str]  # suite -> SHA-256 of that certificate

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "user_id": self.user_id,
            "name": self.name,
            "certificates": dict(self.certificates),
            "fingerprints": dict(self.fingerprints),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> TenderCustodian:
        return cls(int(d["index"]), str(d["user_id"]), str(d["name"]), dict(d["certificates"]), dict(d["fingerprints"]))


@dataclass(frozen=True)
class SealingTerms:
    """How bids must be sealed and opened, as the tender documents state it."""

    suites: tuple[str, ...] = ("gm",)
    chunk_size: int = 1 << 20
    decrypt_window_minutes: int = 60
    custodian_window_minutes: int = 60
    threshold: int | None = None
    custodians: tuple[TenderCustodian, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "suites": list(self.suites),
            "chunk_size": self.chunk_size,
            "decrypt_window_minutes": self.decrypt_window_minutes,
            "custodian_window_minutes": self.custodian_window_minutes,
            "threshold": self.threshold,
            "custodians": [c.as_json() for c in self.custodians],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any] | None) -> SealingTerms:
        if not d:
            return cls()
        return cls(
            suites=tuple(d["suites"]),
            chunk_size=int(d["chunk_size"]),
            decrypt_window_minutes=int(d["decrypt_window_minutes"]),
            custodian_window_minutes=int(d["custodian_window_minutes"]),
            threshold=d.get("threshold"),
            custodians=tuple(TenderCustodian.from_json(c) for c in d.get("custodians", [])),
        )


# ---------------------------------------------------------------------------- the opening
class OpeningPhase(StrEnum):
    DECRYPTION = "decryption"  # bidders decrypt their own bids online
    CUSTODIANS = "custodians"  # custodians open the bids their bidders did not
    RESULTS = "results"  # every bid resolved: the record is shown, objections may be raised
    CONCLUDED = "concluded"  # the record is signed and published


@dataclass
class OpeningObjection:
    """开标异议 (条例 第四十四条): raised during the opening, answered by the tenderer on the spot."""

    id: str
    tender_id: str
    objector_org_id: str
    objector_user_id: str
    text: str
    raised_at: datetime
    answer: str | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None


def phase(
    now: datetime,
    decrypt_until: datetime,
    custodian_until: datetime | None,
    bids: list[Bid],
    concluded: bool,
) -> OpeningPhase:
    """The opening's phase: a pure function of the time and the bids' states."""
    if concluded:
        return OpeningPhase.CONCLUDED
    standing = [b for b in bids if b.standing]
    if all(b.resolved for b in standing):
        return OpeningPhase.RESULTS
    if now < decrypt_until:
        return OpeningPhase.DECRYPTION
    if custodian_until is not None and now < custodian_until:
        return OpeningPhase.CUSTODIANS
    return OpeningPhase.RESULTS


def conflicts(
    bids: list[Bid], same_person: dict[str, str], controls: set[tuple[str, str]]
) -> dict[str, list[dict[str, Any]]]:
    """The grounds on which statute makes bids in one section invalid, by bid id.

    - 条例 第三十七条: an organisation in two bids of the same section (alone and in a
      consortium, or in two consortia) makes all those bids invalid.
    - 条例 第三十四条: organisations with the same legal representative (单位负责人, given as
      ``same_person``: org id -> normalised name) or in a control or management relationship
      (``controls``: (parent, child) pairs) may not bid in the same section: all those bids
      are invalid.
    """
    grounds: dict[str, list[dict[str, Any]]] = {}

    def flag(bid: Bid, code: str, article: str, **details: Any) -> None:
        entry = {"code": code, "article": article, **details}
        if entry not in grounds.setdefault(bid.id, []):
            grounds[bid.id].append(entry)

    standing = [b for b in bids if b.standing]
    by_org: dict[str, list[Bid]] = {}
    for bid in standing:
        for org in bid.member_org_ids:
            by_org.setdefault(org, []).append(bid)
    for org, together in by_org.items():
        if len(together) > 1:
            for bid in together:
                flag(bid, "member_in_two_bids", "《招标投标法实施条例》第三十七条", org_id=org)
    for a_index, a in enumerate(standing):
        for b in standing[a_index + 1 :]:
            for x in a.member_org_ids:
                for y in b.member_org_ids:
                    if x == y:
                        continue
                    name_x, name_y = same_person.get(x), same_person.get(y)
                    if name_x and name_x == name_y:
                        for bid in (a, b):
                            flag(
                                bid,
                                "same_legal_representative",
                                "《招标投标法实施条例》第三十四条",
                                org_ids=sorted((x, y)),
                            )
                    if (x, y) in controls or (y, x) in controls:
                        for bid in (a, b):
                            flag(
                                bid, "control_relationship", "《招标投标法实施条例》第三十四条", org_ids=sorted((x, y))
                            )
    return grounds


def consortium_agreement(files: list[dict[str, Any]]) -> bool:
    """Whether a consortium's bid carries its joint-bid agreement (联合体协议书, 条例 第五十一条):
    a non-empty file of the part ``consortium_agreement``."""
    return any(f.get("part") == "consortium_agreement" and int(f.get("size") or 0) > 0 for f in files)


# ---------------------------------------------------------------------------- deposits
class DepositKind(StrEnum):
    TRANSFER = "transfer"  # 银行转账 from the bidder's basic account (条例 第二十六条)
    GUARANTEE = "guarantee"  # 电子保函
    EXEMPT = "exempt"  # 信用免缴: the bidder's credit grade exempts it


class DepositStatus(StrEnum):
    HELD = "held"
    REFUND_DUE = "refund_due"
    REFUNDED = "refunded"  # or, for a guarantee, released (退还保函)
    RETAINED = "retained"  # kept by the tenderer (条例 第三十五条: a bid revoked after the deadline)


@dataclass
class Deposit:
    """投标保证金 of one bidder in one section."""

    id: str
    tender_id: str
    section_id: str
    bidder_org_id: str
    kind: DepositKind
    amount: Decimal
    recorded_at: datetime
    recorded_by: str | None
    status: DepositStatus = DepositStatus.HELD
    payer_account_name: str | None = None
    payer_account_number: str | None = None
    payer_bank: str | None = None
    reference: str | None = None  # the bank's transaction reference, or the guarantee number
    paid_at: datetime | None = None
    issuer_name: str | None = None
    issuer_credit_code: str | None = None
    valid_until: datetime | None = None
    guarantee: dict[str, Any] | None = None  # the issuer-signed guarantee document and its signature
    refund_due_at: datetime | None = None
    refund_reason: str | None = None
    refunded_at: datetime | None = None
    refund_overdue_flagged_at: datetime | None = None
    retained_reason: str | None = None


CREDIT_GRADES = ("A", "B", "C", "D")


def deposit_required(rules: RuleBook, section_deposit: Decimal, credit_grade: str | None) -> Decimal:
    """The deposit a bidder owes: the section's, times its credit grade's ratio in the rule table."""
    if credit_grade not in CREDIT_GRADES:
        return section_deposit
    ratio = rules.decimal(f"deposit_ratio_credit_{credit_grade.lower()}")
    return (section_deposit * ratio).quantize(Decimal("0.01"))


def refund_due(rules: RuleBook, key: str, moment: datetime) -> datetime:
    return moment + timedelta(days=rules.days(key))

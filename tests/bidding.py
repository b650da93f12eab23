"""Sealed bids for the tests: CAs the platform trusts, bidders with certificate pairs, and
envelopes sealed with the real crypto and submitted through the real use cases."""

from __future__ import annotations

import base64
import io
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sunbid.client.bids import BidderIdentity, KeyPair
from sunbid.crypto import envelope
from sunbid.crypto.ca import LocalCA
from sunbid.crypto.x509 import Certificate, organisation_name, person_name
from sunbid.identity import service as identity
from sunbid.kernel.context import Role
from sunbid.tendering import bid_service as bids
from sunbid.tendering import opening_service as opening
from sunbid.tendering import service as tendering
from sunbid.tendering.bid_model import Bid, BidSubmission
from tests.factories import ADMIN, PASSWORD, World, credit_code

PASS = b"ca passphrase"
FORM = {"price": "11000000.00", "duration_days": 540, "quality": "合格", "project_manager": {"name": "张工"}}


@dataclass
class Bidding:
    world: World
    directory: Path
    cas: dict[str, LocalCA] = field(default_factory=dict)
    identities: dict[str, BidderIdentity] = field(default_factory=dict)
    custodian_keys: dict[str, dict[str, KeyPair]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        platform, now = self.world.platform, self.world.clock.now() - timedelta(days=60)
        platform.settings.trust_dir.mkdir(parents=True, exist_ok=True)
        for suite in ("gm", "intl"):
            ca = LocalCA.init(
                self.directory / f"ca-{suite}",
                suite=suite,
                common_name=f"测试CA {suite}",
                organisation="测试",
                passphrase=PASS,
                now=now,
                iterations=1000,
            )
            shutil.copy(ca.directory / "ca-cert.pem", platform.settings.trust_dir / f"test-{suite}.pem")
            (platform.settings.trust_dir / f"test-{suite}.crl").write_bytes(ca.crl().to_pem())
            self.cas[suite] = ca
        platform.reload_trust()

    # ------------------------------------------------------------------ people
    def org(self, key: str) -> Any:
        return identity.get_organisation(self.world.uow(), self.world.ctx("admin"), self.world.orgs[key])

    def bidder(self, username: str, *, legal_representative: str = "") -> str:
        """A bidder organisation and user, made on demand (``bidder`` and ``bidder2`` exist)."""
        from sunbid.kernel.context import Context

        if username in self.world.actors:
            return username
        sys = Context(actor=ADMIN, clock=self.world.clock, rules=self.world.platform.rules)
        key = f"org_{username}"
        org = identity.create_organisation(
            self.world.platform.uow(),
            sys,
            identity.NewOrganisation(f"投标单位{username}", credit_code(), "南京市", legal_representative),
        )
        self.world.orgs[key] = org.id
        user = identity.create_user(
            self.world.platform.uow(), sys, identity.NewUser(username, username, PASSWORD, Role.BIDDER, org.id)
        )
        self.world.actors[username] = user.as_actor()
        token, _ = identity.create_api_token(self.world.uow(), self.world.ctx(username), "bid tool")
        self.world.tokens[username] = token
        return username

    def org_of(self, username: str) -> Any:
        org_id = self.world.actors[username].org_id
        assert org_id is not None
        return identity.get_organisation(self.world.uow(), self.world.ctx("admin"), org_id)

    def identity_of(self, username: str) -> BidderIdentity:
        if username not in self.identities:
            org = self.org_of(username)
            subject = organisation_name(org.name, org.credit_code)
            signing, encryption = {}, {}
            for suite, ca in self.cas.items():
                now = self.world.clock.now() - timedelta(days=30)
                sign = ca.issue(PASS, subject=subject, now=now, days=730)
                enc = ca.issue(PASS, subject=subject, now=now, days=730, usage="encrypt")
                assert sign.private_key is not None and enc.private_key is not None
                signing[suite] = KeyPair(sign.private_key, sign.certificate)
                encryption[suite] = KeyPair(enc.private_key, enc.certificate)
            self.identities[username] = BidderIdentity(signing, encryption)
        return self.identities[username]

    def custodian(self, username: str) -> dict[str, Certificate]:
        """Encryption certificates for an existing user who will hold opening shares."""
        if username not in self.custodian_keys:
            pairs = {}
            for suite, ca in self.cas.items():
                issued = ca.issue(
                    PASS,
                    subject=person_name(username),
                    now=self.world.clock.now() - timedelta(days=30),
                    usage="encrypt",
                )
                assert issued.private_key is not None
                pairs[suite] = KeyPair(issued.private_key, issued.certificate)
            self.custodian_keys[username] = pairs
        return {suite: p.certificate for suite, p in self.custodian_keys[username].items()}

    # ------------------------------------------------------------------ the tender
    def set_custodians(self, tender_id: str, names: list[str], k: int, suites: tuple[str, ...] = ("gm", "intl")) -> Any:
        return bids.set_sealing(
            self.world.uow(),
            self.world.ctx("tenderer"),
            tender_id,
            suites=suites,
            decrypt_window_minutes=60,
            custodian_window_minutes=60,
            threshold=k if names else None,
            custodians=[
                bids.CustodianIn(self.world.actors[n].user_id or "", {s: c.der for s, c in self.custodian(n).items()})
                for n in names
            ],
            check=self.world.platform.signature_check(),
        )

    def section_of(self, tender_id: str) -> str:
        return tendering.get_tender(self.world.uow(), self.world.ctx("tenderer"), tender_id).sections[0].id

    # ------------------------------------------------------------------ sealing and submitting
    def seal(
        self,
        username: str,
        tender_id: str,
        *,
        suite: str = "gm",
        price: str = "11000000.00",
        section_id: str | None = None,
        files: list[envelope.BidFile] | None = None,
        consortium: list[envelope.Member] = (),  # type: ignore[assignment]
        signer: str | None = None,
        **changes: Any,
    ) -> bytes:
        tender = tendering.get_tender(self.world.uow(), self.world.ctx("tenderer"), tender_id)
        terms = bids.terms_of(tender).as_json()
        org = self.org_of(username)
        who = self.identity_of(username)
        signing = self.identity_of(signer) if signer else who
        custodians = [
            envelope.Custodian(int(c["index"]), Certificate.from_der(base64.b64decode(c["certificates"][suite])))
            for c in terms["custodians"]
            if suite in c["certificates"]
        ]
        out = io.BytesIO()
        arguments: dict[str, Any] = {
            "suite_name": suite,
            "tender_id": tender.id,
            "section_id": section_id or tender.sections[0].id,
            "bidder": envelope.Party(org.credit_code, org.name),
            "form": FORM | {"price": price},
            "files": files
            if files is not None
            else [envelope.BidFile("投标函.pdf", data=f"%PDF-1.7 投标报价 {price} 元".encode(), author=username)],
            "encryption_certificate": who.encryption[suite].certificate,
            "signing_key": signing.signing[suite].key,
            "signing_certificate": signing.signing[suite].certificate,
            "now": self.world.clock.now(),
            "custodians": custodians,
            "threshold": terms["threshold"],
            "consortium": list(consortium),
            "client": {"tool": "tests", "device": {"mac": f"mac-{username}", "hostname": f"pc-{username}"}},
            "chunk_size": envelope.MIN_CHUNK,
        }
        arguments.update(changes)
        envelope.seal(out, **arguments)
        return out.getvalue()

    def received(self, data: bytes) -> bids.ReceivedEnvelope:
        scanner = envelope.Scanner()
        scanner.feed(data)
        blob = self.world.platform.blobs.put_file(io.BytesIO(data))
        return bids.ReceivedEnvelope(blob, scanner.finish(), "10.0.0.9")

    def submit(
        self, username: str, tender_id: str, data: bytes, section_id: str | None = None
    ) -> tuple[Bid, BidSubmission]:
        platform = self.world.platform
        return bids.submit_bid(
            platform.uow(),
            self.world.ctx(username),
            tender_id,
            section_id or self.section_of(tender_id),
            self.received(data),
            check=platform.signature_check(),
            signer=platform.identity(),
        )

    def bid(self, username: str, tender_id: str, **seal: Any) -> Bid:
        return self.submit(username, tender_id, self.seal(username, tender_id, **seal))[0]

    # ------------------------------------------------------------------ the opening
    def deadline(self, tender_id: str) -> None:
        tender = tendering.get_tender(self.world.uow(), self.world.ctx("tenderer"), tender_id)
        self.world.clock.set(tender.bid_deadline)
        self.run_due()

    def run_due(self) -> list[tuple[str, str]]:
        from sunbid.kernel.context import SYSTEM, Context

        return opening.run_due(
            self.world.platform.uow(), Context(actor=SYSTEM, clock=self.world.clock, rules=self.world.platform.rules)
        )

    def decrypt(self, username: str, bid_id: str, suite: str | None = None) -> Bid:
        bid, _tender = bids.get_bid(self.world.uow(), self.world.ctx(username), bid_id)
        current = bid.current
        assert current is not None
        header = envelope.parse_header(current.header.encode())
        key = envelope.unwrap_content_key(header, self.identity_of(username).encryption[suite or header.suite.name].key)
        return opening.decrypt_bid(self.world.uow(), self.world.ctx(username), bid_id, key)

    def share(self, custodian: str, tender_id: str) -> list[Bid]:
        done = []
        for task in opening.custodian_tasks(self.world.uow(), self.world.ctx(custodian), tender_id):
            header = envelope.parse_header(task["header"].encode())
            share = envelope.unwrap_share(header, task["index"], self.custodian_keys[custodian][header.suite.name].key)
            done.append(opening.submit_share(self.world.uow(), self.world.ctx(custodian), task["bid_id"], share))
        return done

    def after_windows(self, tender_id: str) -> None:
        tender = tendering.get_tender(self.world.uow(), self.world.ctx("tenderer"), tender_id)
        assert tender.decrypt_until is not None
        self.world.clock.set(tender.decrypt_until)
        self.run_due()


def price(value: str) -> Decimal:
    return Decimal(value)

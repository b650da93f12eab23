"""Announcements signed by the tenderer or its agency with a certificate from a recognised CA."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sunbid.bootstrap import Platform
from sunbid.crypto import sign_json
from sunbid.crypto.ca import LocalCA
from sunbid.crypto.x509 import organisation_name
from sunbid.identity import service as identity
from sunbid.kernel.clock import FixedClock
from sunbid.storage import ledger as store
from tests.factories import World
from tests.integration.snapshot import snapshot

PASS = b"ca passphrase"


def make_ca(directory: Path, clock: FixedClock, suite: str = "gm") -> LocalCA:
    return LocalCA.init(
        directory,
        suite=suite,
        common_name=f"测试CA {directory.name}",
        organisation="测试",
        passphrase=PASS,
        now=clock.now() - timedelta(days=1),
        iterations=1000,
    )


def trust(platform: Platform, ca: LocalCA) -> None:
    platform.settings.trust_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(ca.directory / "ca-cert.pem", platform.settings.trust_dir / f"{ca.directory.name}.pem")
    (platform.settings.trust_dir / f"{ca.directory.name}.crl").write_bytes(ca.crl().to_pem())
    platform.reload_trust()


@pytest.fixture
def ca(platform: Platform, clock: FixedClock, tmp_path: Path) -> LocalCA:
    authority = make_ca(tmp_path / "ca-one", clock)
    trust(platform, authority)
    return authority


def certificate_for(world: World, ca: LocalCA, org_key: str, **kwargs: Any) -> Any:
    org = identity.get_organisation(world.uow(), world.ctx("admin"), world.orgs[org_key])
    kwargs.setdefault("now", world.clock.now())
    return ca.issue(PASS, subject=organisation_name(org.name, org.credit_code), **kwargs)


def sign(api: TestClient, world: World, tender_id: str, issued: Any, *, tamper: bool = False) -> dict[str, Any]:
    document = api.get(f"/api/v1/tenders/{tender_id}/announcement", headers=world.headers("tenderer")).json()[
        "document"
    ]
    if tamper:
        document["bid_validity_days"] = 1
    return sign_json(document, issued.private_key, issued.certificate, signed_at=world.clock.now())


def announce(api: TestClient, world: World, tender_id: str, signature: dict[str, Any] | None) -> Any:
    body = {"signature": signature} if signature is not None else None
    return api.post(f"/api/v1/tenders/{tender_id}/announce", json=body, headers=world.headers("agency"))


def test_an_announcement_signed_by_the_tenderer_is_kept_and_recorded(
    api: TestClient, world: World, ca: LocalCA, platform: Platform
) -> None:
    tender_id = world.draft_tender()
    response = announce(api, world, tender_id, sign(api, world, tender_id, certificate_for(world, ca, "T")))
    assert response.status_code == 200, response.text
    assert "单位T" in (response.json()["announcement_signer"] or ""), response.json()
    public = api.get(f"/api/v1/tenders/{tender_id}/announcement").json()
    assert public["signature"]["suite"] == "gm"
    with platform.engine.connect() as conn:
        entry = next(e for e in map(store.entry_json, store.entry_rows(conn)) if e["name"] == "TenderAnnounced")
    assert "单位T" in entry["data"]["signer"]
    assert len(entry["data"]["signer_certificate_sha256"]) == 64


def test_the_agency_may_sign_too(api: TestClient, world: World, ca: LocalCA) -> None:
    tender_id = world.draft_tender()
    assert (
        announce(api, world, tender_id, sign(api, world, tender_id, certificate_for(world, ca, "A"))).status_code == 200
    )


def test_unsigned_announcements_pass_unless_signatures_are_required(
    api: TestClient, world: World, ca: LocalCA, platform: Platform
) -> None:
    assert announce(api, world, world.draft_tender(), None).status_code == 200
    platform.settings.require_signed_announcements = True
    platform.reload_trust()
    tender_id = world.draft_tender()
    before = snapshot(platform)
    response = announce(api, world, tender_id, None)
    assert (response.status_code, response.json()["code"]) == (422, "announcement_signature_required")
    assert snapshot(platform) == before


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("another organisation's certificate", "announcement_signer_mismatch"),
        ("a different document", "signature_invalid"),
        ("an untrusted CA", "certificate_issuer_unknown"),
        ("a revoked certificate", "certificate_revoked"),
        ("an expired certificate", "certificate_expired"),
    ],
)
def test_bad_signatures_are_refused_and_change_nothing(
    api: TestClient,
    world: World,
    ca: LocalCA,
    platform: Platform,
    clock: FixedClock,
    tmp_path: Path,
    case: str,
    code: str,
) -> None:
    tender_id = world.draft_tender()
    issued = certificate_for(world, ca, "T")
    tamper = False
    if case == "another organisation's certificate":
        issued = certificate_for(world, ca, "B")
    elif case == "a different document":
        tamper = True
    elif case == "an untrusted CA":
        issued = certificate_for(world, make_ca(tmp_path / "ca-rogue", clock), "T")
    elif case == "a revoked certificate":
        ca.revoke(PASS, format(issued.certificate.serial, "X"), now=clock.now())
        trust(platform, ca)
    elif case == "an expired certificate":
        issued = certificate_for(world, ca, "T", days=1, now=clock.now() - timedelta(days=3))
    signature = sign(api, world, tender_id, issued, tamper=tamper)
    before = snapshot(platform)
    response = announce(api, world, tender_id, signature)
    assert response.status_code in (409, 422), response.text
    assert response.json()["code"] == code, response.json()
    assert snapshot(platform) == before


def test_a_signature_without_trusted_cas_cannot_be_checked(world: World, platform: Platform) -> None:
    from sunbid.kernel.errors import DomainError
    from sunbid.tendering import service as tendering

    tender_id = world.draft_tender()
    with pytest.raises(DomainError) as refused:
        tendering.announce_tender(world.uow(), world.ctx("tenderer"), tender_id, signature={"format": "x"}, check=None)
    assert refused.value.code == "signatures_not_configured"
    assert tendering.get_tender(world.uow(), world.ctx("tenderer"), tender_id).status == "draft"

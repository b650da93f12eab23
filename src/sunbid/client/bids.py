"""The bidder's tool: seal a bid on the bidder's own machine, submit it, decrypt it at the
opening; and the custodian's tool: open, with a share, a bid its bidder could not.

Keys never leave this process: the content key is made, used and forgotten in
:func:`seal`; at the opening it is unwrapped here with the bidder's own encryption key and
only then sent to the platform. Everything streams: a 200 MB bid is read and sent in 1 MiB
pieces.

Use it as a library::

    with BidClient("https://platform", token) as client:
        terms = client.sealing(tender_id)
        sealed = seal(out_path, terms, tender_id=..., section_id=..., bidder=..., form=...,
                      files=[...], signing=KeyPair(key, cert), encryption_certificate=enc_cert,
                      suite="gm")
        receipt = client.submit(tender_id, section_id, out_path)

or through ``sunbid bid seal|submit|decrypt|withdraw`` and ``sunbid custodian open``.
"""

from __future__ import annotations

import base64
import json
import os
import platform as host
import socket
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx2

from sunbid import __version__
from sunbid.crypto import Certificate, PrivateKey, envelope, load_private_key
from sunbid.crypto.x509 import load_certificates
from sunbid.kernel.errors import DomainError

CHUNK = 1 << 20


@dataclass(frozen=True)
class KeyPair:
    key: PrivateKey
    certificate: Certificate

    @classmethod
    def load(cls, key_path: Path, certificate_path: Path, passphrase: bytes | None) -> KeyPair:
        return cls(
            load_private_key(Path(key_path).read_bytes(), passphrase),
            load_certificates(Path(certificate_path).read_bytes())[0],
        )


@dataclass(frozen=True)
class BidderIdentity:
    """A bidder's certificates, as its CA issued them in pairs: one to sign, one to receive
    wrapped keys, per suite."""

    signing: Mapping[str, KeyPair]
    encryption: Mapping[str, KeyPair]


def device_report() -> dict[str, Any]:
    """What the bid tool reports of the machine it runs on (电子招标投标 submission evidence,
    条例 第四十条): the network card's address, the machine id, the host name, the system."""
    machine_id = None
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            machine_id = Path(path).read_text().strip() or None
            break
        except OSError:
            continue
    node = uuid.getnode()
    return {
        "tool": "sunbid-client",
        "version": __version__,
        "device": {
            "mac": ":".join(f"{(node >> s) & 0xFF:02x}" for s in range(40, -1, -8)),
            "machine_id": machine_id,
            "hostname": socket.gethostname(),
            "os": f"{host.system()} {host.release()}",
        },
    }


def seal(
    out: Path,
    terms: Mapping[str, Any],
    *,
    tender_id: str,
    section_id: str,
    bidder: envelope.Party,
    form: Mapping[str, Any],
    files: Sequence[envelope.BidFile],
    signing: KeyPair,
    encryption_certificate: Certificate,
    suite: str,
    consortium: Sequence[envelope.Member] = (),
    client: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> envelope.Sealed:
    """Seal a bid into ``out`` as the tender's sealing terms require (``GET /tenders/{id}/sealing``)."""
    if suite not in terms["suites"]:
        raise DomainError(
            "suite_not_accepted",
            f"本项目只接受 {'、'.join(terms['suites'])} 密码套件",
            f"This tender accepts the {', '.join(terms['suites'])} suite only",
        )
    custodians = [
        envelope.Custodian(int(c["index"]), Certificate.from_der(base64.b64decode(c["certificates"][suite])))
        for c in terms["custodians"]
    ]
    tmp = out.with_name(out.name + ".part")
    try:
        with tmp.open("wb") as fh:
            sealed = envelope.seal(
                fh,
                suite_name=suite,
                tender_id=tender_id,
                section_id=section_id,
                bidder=bidder,
                form=form,
                files=files,
                encryption_certificate=encryption_certificate,
                signing_key=signing.key,
                signing_certificate=signing.certificate,
                now=now or datetime.now(UTC),
                custodians=custodians,
                threshold=terms.get("threshold"),
                consortium=consortium,
                client=client if client is not None else device_report(),
                chunk_size=int(terms.get("chunk_size", envelope.DEFAULT_CHUNK)),
            )
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return sealed


class ApiError(Exception):
    """A refusal from the platform: its problem document."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('code')}: {problem.get('message_en') or problem}")
        self.status, self.problem = status, problem
        self.code = str(problem.get("code", ""))


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            yield block


class BidClient:
    """The platform's API, as a bidder's or custodian's tool uses it."""

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 600) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx2.Client(base_url=base_url.rstrip("/") + "/api/v1", headers=headers, timeout=timeout)

    def __enter__(self) -> BidClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.http.close()

    def _json(self, response: Any) -> Any:
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"code": "http_error", "message_en": response.text[:500]}
            raise ApiError(response.status_code, problem)
        return response.json()

    def sealing(self, tender_id: str) -> dict[str, Any]:
        data: dict[str, Any] = self._json(self.http.get(f"/tenders/{tender_id}/sealing"))
        return data

    def submit(self, tender_id: str, section_id: str, path: Path, *, idempotency_key: str | None = None) -> Any:
        """Stream a sealed envelope to the platform; the answer holds the signed receipt."""
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(Path(path).stat().st_size)}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        response = self.http.post(
            f"/tenders/{tender_id}/sections/{section_id}/bids", content=_file_chunks(Path(path)), headers=headers
        )
        return self._json(response)

    def bid(self, bid_id: str) -> Any:
        return self._json(self.http.get(f"/bids/{bid_id}"))

    def bids(self, tender_id: str) -> Any:
        return self._json(self.http.get(f"/tenders/{tender_id}/bids"))

    def withdraw(self, bid_id: str) -> Any:
        return self._json(self.http.post(f"/bids/{bid_id}/withdraw"))

    def opening(self, tender_id: str) -> Any:
        return self._json(self.http.get(f"/tenders/{tender_id}/opening"))

    def decrypt(self, bid_id: str, encryption_keys: Mapping[str, PrivateKey]) -> Any:
        """Remote decryption: unwrap the content key here, with the bidder's own key, and send it."""
        bid = self.bid(bid_id)
        current = next(s for s in bid["submissions"] if s["status"] == "current")
        header = envelope.parse_header(current["header"].encode("utf-8"))
        key = envelope.unwrap_content_key(header, encryption_keys[header.suite.name])
        return self._json(
            self.http.post(f"/bids/{bid_id}/decryption", json={"content_key": base64.b64encode(key).decode()})
        )

    def custodian_open(self, tender_id: str, encryption_keys: Mapping[str, PrivateKey]) -> list[Any]:
        """A custodian's share of every bid waiting for it, unwrapped here and sent."""
        done = []
        for task in self._json(self.http.get(f"/tenders/{tender_id}/opening/custodian-tasks")):
            header = envelope.parse_header(task["header"].encode("utf-8"))
            share = envelope.unwrap_share(header, int(task["index"]), encryption_keys[header.suite.name])
            done.append(
                self._json(
                    self.http.post(f"/bids/{task['bid_id']}/shares", json={"share": base64.b64encode(share).decode()})
                )
            )
        return done

    def platform_root(self) -> Certificate:
        data = self._json(self.http.get("/platform/certificate"))
        return load_certificates(data["root"].encode())[0]


def write_json(path: Path, value: Any) -> None:
    Path(path).write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def verify_receipt(
    receipt: Mapping[str, Any], root: Certificate, proof: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Check a receipt (回执) without trusting the platform's word for anything but its
    signature: the platform's signature (against ``root``), the statement's digest, the ledger
    entry that carries it, and, with an inclusion proof of that entry, that the entry is in a
    signed tree head. Returns what was checked; raises ``receipt_invalid`` otherwise."""
    from sunbid.crypto import canonicalize, get_suite, verify_json
    from sunbid.crypto.signatures import parse_time
    from sunbid.crypto.trust import TrustStore
    from sunbid.ledger.keys import load_public
    from sunbid.ledger.log import check_inclusion

    def invalid(reason: str) -> DomainError:
        return DomainError("receipt_invalid", f"回执无效：{reason}", f"The receipt does not hold: {reason}")

    try:
        document, signature = receipt["receipt"], receipt["signature"]
        signed_at = parse_time(signature["signed_at"])
        verified = verify_json(document, signature, TrustStore([root]), signed_at)
        statement, digest = document["statement"], document["statement_digest"]
        suite = get_suite("gm" if document["digest_alg"] == "sm3" else "intl")
        entry = json.loads(document["ledger_entry"])
    except (KeyError, TypeError, ValueError) as exc:
        raise invalid(f"it is malformed ({exc})") from None
    if suite.hash(canonicalize(statement)).hex() != digest:
        raise invalid("the statement does not match its digest")
    if entry.get("seq") != document["ledger_seq"] or entry.get("data", {}).get("statement_digest") != digest:
        raise invalid("the ledger entry does not carry the statement's digest")
    if entry.get("subject_id") != statement.get("statement_id"):
        raise invalid("the ledger entry is about another statement")
    checked: dict[str, Any] = {"signed_by": str(verified.signer.subject)}
    if proof is not None:
        if int(proof.get("leaf_index", -1)) != document["ledger_seq"]:
            raise invalid("the proof is for another entry")
        head = check_inclusion(dict(proof), load_public, leaf_data=document["ledger_entry"].encode("utf-8"))
        checked["tree_size"], checked["tree_root"] = head.size, head.root.hex()
    checked["received_at"] = statement.get("received_at")
    checked["ledger_seq"] = document["ledger_seq"]
    return checked

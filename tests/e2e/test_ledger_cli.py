"""`sunbid ledger` against a live platform: verify, prove, check a proof, witness, export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from typer.testing import CliRunner

from sunbid.api.app import create_app
from sunbid.api.serving import ServerThread
from sunbid.bootstrap import Platform
from sunbid.cli.main import app
from sunbid.kernel.clock import FixedClock
from tests.factories import World, make_world

pytestmark = pytest.mark.e2e
runner = CliRunner()


@pytest.fixture
def server(platform: Platform) -> Iterator[str]:
    with ServerThread(create_app(platform)) as url:
        yield url


@pytest.fixture
def world(platform: Platform, clock: FixedClock) -> World:
    return make_world(platform, clock)


def sunbid(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_a_witness_holds_the_log_and_anyone_can_verify_and_prove(
    server: str, world: World, platform: Platform, tmp_path: Path
) -> None:
    world.announced_tender()
    admin = {"Authorization": f"Bearer {world.tokens['admin']}"}
    with httpx2.Client(base_url=f"{server}/api/v1") as client:
        assert client.post("/ledger/tree-heads", headers=admin).status_code == 201

        code, out = sunbid("ledger", "witness-key", str(tmp_path / "witness.pem"), "--suite", "gm")
        assert code == 0, out
        witness = [
            "ledger",
            "witness",
            "--url",
            server,
            "--key",
            str(tmp_path / "witness.pem"),
            "--state",
            str(tmp_path / "held.json"),
            "--name",
            "市住建局监督科",
            "--token",
            world.tokens["supervisor"],
        ]
        code, out = sunbid(*witness)
        assert code == 0, out
        held = json.loads((tmp_path / "held.json").read_text())
        assert held["cosignatures"][0]["witness"] == "市住建局监督科"
        assert client.get("/ledger/tree-head").json()["cosignatures"][0]["witness"] == "市住建局监督科"

        world.suspended_tender()
        assert client.post("/ledger/tree-heads", headers=admin).status_code == 201
        code, out = sunbid(*witness)  # checks the consistency proof from the held head to the new one
        assert code == 0, out
        assert json.loads((tmp_path / "held.json").read_text())["size"] > held["size"]

        code, out = sunbid("ledger", "verify", "--url", server, "--witness", str(tmp_path / "held.json"))
        assert code == 0, out
        assert "the log holds" in out

        code, out = sunbid("ledger", "prove", "5", "--url", server)
        assert code == 0, out
        (tmp_path / "proof.json").write_text(out[out.index("{") :])
        body = next(
            e["body"]
            for e in client.get(
                "/ledger/entries", params={"limit": 10}, headers={"Authorization": f"Bearer {world.tokens['auditor']}"}
            ).json()["items"]
            if e["seq"] == 5
        )
        (tmp_path / "entry.json").write_text(body)
        code, out = sunbid(
            "ledger", "check-proof", str(tmp_path / "proof.json"), "--entry", str(tmp_path / "entry.json")
        )
        assert code == 0, out
        (tmp_path / "entry.json").write_text(body.replace('"seq":5', '"seq":6'))
        code, out = sunbid(
            "ledger", "check-proof", str(tmp_path / "proof.json"), "--entry", str(tmp_path / "entry.json")
        )
        assert code == 1
        assert "proof_leaf_mismatch" in out


def test_export_then_verify_a_file_and_catch_an_edit(world: World, platform: Platform, tmp_path: Path) -> None:
    world.announced_tender()
    platform.sign_tree_head()
    env = {"SUNBID_DATABASE_URL": platform.settings.database_url}
    code, out = sunbid("ledger", "export", str(tmp_path / "log.jsonl"), env=env)
    assert code == 0, out
    code, out = sunbid("ledger", "verify", "--file", str(tmp_path / "log.jsonl"), "--json")
    assert code == 0, out
    assert json.loads(out)["ok"] is True
    lines = (tmp_path / "log.jsonl").read_text().splitlines()
    target = next(i for i, line in enumerate(lines) if '"seq": 3,' in line)
    lines[target] = lines[target].replace("OrganisationRegistered", "OrganisationDeleted")
    (tmp_path / "log.jsonl").write_text("\n".join(lines) + "\n")
    code, out = sunbid("ledger", "verify", "--file", str(tmp_path / "log.jsonl"), "--json")
    assert code == 1
    assert json.loads(out)["first_bad_entry"] == 3


def test_the_public_sees_leaf_hashes_but_not_private_bodies(server: str, world: World) -> None:
    world.suspended_tender()
    with httpx2.Client(base_url=f"{server}/api/v1") as client:
        public = client.get("/ledger/entries", params={"limit": 1000}).json()["items"]
        full = client.get(
            "/ledger/entries", params={"limit": 1000}, headers={"Authorization": f"Bearer {world.tokens['supervisor']}"}
        ).json()["items"]
    hidden = [e for e in public if e["body"] is None]
    assert hidden, "user and objection events are not public"
    assert all(e["body"] is not None for e in full)
    assert [e["leaf_hash"] for e in public] == [e["leaf_hash"] for e in full]


def test_a_cosignature_that_does_not_match_the_tree_head_is_refused(
    server: str, world: World, platform: Platform
) -> None:
    import base64

    from sunbid.crypto import get_suite

    head = platform.sign_tree_head()
    key = get_suite("gm").generate_signing_key()
    forged = {
        "witness": "冒名者",
        "suite": "gm",
        "public_key": base64.b64encode(key.public_key().to_der()).decode(),
        "signature": base64.b64encode(key.sign(b"another tree head")).decode(),
    }
    auth = {"Authorization": f"Bearer {world.tokens['supervisor']}"}
    with httpx2.Client(base_url=f"{server}/api/v1") as client:
        response = client.post(f"/ledger/tree-heads/{head.size}/cosignatures", json=forged, headers=auth)
        assert (response.status_code, response.json()["code"]) == (422, "cosignature_invalid")
        assert client.get("/ledger/tree-head").json()["cosignatures"] == []
        forged["signature"] = "not base64!"
        response = client.post(f"/ledger/tree-heads/{head.size}/cosignatures", json=forged, headers=auth)
        assert response.json()["code"] == "cosignature_invalid"

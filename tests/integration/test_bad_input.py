"""Bad input gets a problem+json answer with a stable code, never a 500, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from sunbid.bootstrap import Platform
from tests.factories import PASSWORD, World, credit_code
from tests.integration.snapshot import snapshot
from tests.integration.test_access_matrix import plan_body, tender_body


def refused(
    api: TestClient, platform: Platform, method: str, path: str, status: int, code: str, **kwargs: Any
) -> dict[str, Any]:
    before = snapshot(platform)
    response = api.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    assert body["message_zh"] and body["message_en"]
    assert body["status"] == status
    assert snapshot(platform) == before, "a refused request changed the database"
    return body


def test_malformed_json_is_refused_with_400(api: TestClient, platform: Platform, world: World) -> None:
    refused(
        api,
        platform,
        "POST",
        "/api/v1/plans",
        400,
        "json_malformed",
        content=b'{"project_name": ',
        headers=world.headers("tenderer") | {"Content-Type": "application/json"},
    )


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("estimated_price", 1250000.5, "money_invalid"),
        ("estimated_price", "-1.00", "money_negative"),
        ("estimated_price", "12.345", "money_too_precise"),
        ("estimated_price", "1e9", "money_invalid"),
        ("estimated_price", "99999999999999999.00", "money_invalid"),
        ("project_name", 42, "string_type"),
        ("project_name", "", "string_too_short"),
        ("planned_announcement_date", "tomorrow", "date_from_datetime_parsing"),
        ("surprise", "unknown field", "extra_forbidden"),
    ],
)
def test_invalid_plan_fields_are_refused_with_their_codes(
    api: TestClient, platform: Platform, world: World, field: str, value: Any, error: str
) -> None:
    body = refused(
        api,
        platform,
        "POST",
        "/api/v1/plans",
        422,
        "request_invalid",
        json=plan_body(world, "tenderer") | {field: value},
        headers=world.headers("tenderer"),
    )
    assert [e["code"] for e in body["errors"]] == [error]
    assert body["errors"][0]["location"][-1] == field


def test_missing_fields_are_listed(api: TestClient, platform: Platform, world: World) -> None:
    body = refused(
        api, platform, "POST", "/api/v1/plans", 422, "request_invalid", json={}, headers=world.headers("tenderer")
    )
    assert {e["location"][-1] for e in body["errors"]} == set(plan_body(world, "tenderer"))


def test_naive_datetimes_are_refused(api: TestClient, platform: Platform, world: World) -> None:
    body = tender_body(world, "tenderer") | {"plan_id": world.published_plan(), "bid_deadline": "2026-04-01T09:00:00"}
    problem = refused(
        api, platform, "POST", "/api/v1/tenders", 422, "request_invalid", json=body, headers=world.headers("tenderer")
    )
    assert problem["errors"][0]["code"] == "timezone_aware"


def test_dates_out_of_order_are_refused(api: TestClient, platform: Platform, world: World) -> None:
    body = tender_body(world, "tenderer")
    body |= {
        "plan_id": world.published_plan(),
        "doc_sale_end": body["bid_deadline"],
        "bid_deadline": body["doc_issue_start"],
    }
    refused(
        api,
        platform,
        "POST",
        "/api/v1/tenders",
        422,
        "dates_out_of_order",
        json=body,
        headers=world.headers("tenderer"),
    )


def test_deposit_above_two_percent_is_refused_citing_the_regulation(
    api: TestClient, platform: Platform, world: World
) -> None:
    body = tender_body(world, "tenderer") | {"plan_id": world.published_plan()}
    body["sections"][0]["bid_deposit"] = "20000.01"
    problem = refused(
        api, platform, "POST", "/api/v1/tenders", 409, "deposit_over_cap", json=body, headers=world.headers("tenderer")
    )
    assert "第二十六条" in problem["message_zh"]
    assert problem["details"]["limit"] == "20000.00"


def test_exactly_two_percent_deposit_is_accepted(api: TestClient, world: World) -> None:
    body = tender_body(world, "tenderer") | {"plan_id": world.published_plan()}
    body["sections"][0]["bid_deposit"] = "20000.00"
    response = api.post("/api/v1/tenders", json=body, headers=world.headers("tenderer"))
    assert response.status_code == 201, response.text
    assert response.json()["sections"][0]["bid_deposit"] == "20000.00"


def test_invalid_credit_code_is_refused(api: TestClient, platform: Platform) -> None:
    good = credit_code()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    body = {
        "organisation": {"name": "某公司", "credit_code": bad, "address": "南京"},
        "username": "someone",
        "display_name": "某人",
        "password": PASSWORD,
        "role": "bidder",
    }
    refused(api, platform, "POST", "/api/v1/registrations", 422, "credit_code_invalid", json=body)
    body["organisation"]["credit_code"] = good
    assert api.post("/api/v1/registrations", json=body).status_code == 201


def test_missing_login_is_401_and_wrong_role_is_403(api: TestClient, platform: Platform, world: World) -> None:
    refused(api, platform, "POST", "/api/v1/plans", 401, "login_required", json=plan_body(world, "x"))
    refused(
        api,
        platform,
        "POST",
        "/api/v1/plans",
        403,
        "forbidden",
        json=plan_body(world, "x"),
        headers=world.headers("bidder"),
    )
    refused(
        api,
        platform,
        "GET",
        "/api/v1/auth/me",
        401,
        "token_invalid",
        headers={"Authorization": "Bearer sbt_not-a-real-token"},
    )
    refused(
        api,
        platform,
        "GET",
        "/api/v1/auth/me",
        401,
        "auth_scheme_unsupported",
        headers={"Authorization": "Basic dXNlcjpwYXNz"},
    )


def test_another_organisations_draft_is_not_found(api: TestClient, platform: Platform, world: World) -> None:
    plan_id = world.draft_plan("tenderer")
    refused(
        api,
        platform,
        "PUT",
        f"/api/v1/plans/{plan_id}",
        404,
        "plan_not_found",
        json=plan_body(world, "x"),
        headers=world.headers("other_tenderer"),
    )


def test_oversized_body_is_refused_with_413(api: TestClient, platform: Platform, world: World) -> None:
    body = plan_body(world, "x") | {"scope": "很长" * 40000}
    refused(api, platform, "POST", "/api/v1/plans", 413, "body_too_large", json=body, headers=world.headers("tenderer"))


def test_oversized_upload_is_refused_and_leaves_no_file(api: TestClient, platform: Platform, world: World) -> None:
    tender_id = world.draft_tender(with_document=False)
    refused(
        api,
        platform,
        "POST",
        f"/api/v1/tenders/{tender_id}/documents",
        413,
        "body_too_large",
        content=b"x" * ((4 << 20) + 1),
        params={"title": "t", "filename": "f.pdf"},
        headers=world.headers("tenderer") | {"Content-Type": "application/octet-stream"},
    )
    assert list((platform.blobs.root / "tmp").iterdir()) == []


def test_upload_by_a_stranger_is_refused_before_any_byte_is_stored(
    api: TestClient, platform: Platform, world: World
) -> None:
    tender_id = world.draft_tender(with_document=False)
    refused(
        api,
        platform,
        "POST",
        f"/api/v1/tenders/{tender_id}/documents",
        404,
        "tender_not_found",
        content=b"spam" * 1000,
        params={"title": "t", "filename": "f.pdf"},
        headers=world.headers("bidder") | {"Content-Type": "application/octet-stream"},
    )
    assert [p for p in platform.blobs.root.rglob("*") if p.is_file()] == []


def test_unknown_objects_and_routes_are_404_problems(api: TestClient, platform: Platform, world: World) -> None:
    refused(api, platform, "GET", "/api/v1/tenders/tnd_nope", 404, "tender_not_found")
    refused(api, platform, "GET", "/api/v1/no-such-thing", 404, "not_found")
    refused(api, platform, "DELETE", "/api/v1/plans", 405, "method_not_allowed")


def test_bad_cursor_is_refused(api: TestClient, platform: Platform) -> None:
    refused(api, platform, "GET", "/api/v1/tenders", 422, "cursor_invalid", params={"cursor": "%%%"})


def test_cursor_pagination_walks_every_row_once(api: TestClient, world: World) -> None:
    made = {world.published_plan(days_ago=1) for _ in range(7)}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = api.get("/api/v1/plans", params=params).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert set(seen) == made
    assert len(seen) == len(made)


def test_idempotency_key_replays_instead_of_creating_twice(api: TestClient, platform: Platform, world: World) -> None:
    headers = world.headers("tenderer") | {"Idempotency-Key": "plan-001"}
    first = api.post("/api/v1/plans", json=plan_body(world, "x"), headers=headers)
    before = snapshot(platform)
    again = api.post("/api/v1/plans", json=plan_body(world, "x"), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert snapshot(platform) == before
    refused(
        api,
        platform,
        "POST",
        "/api/v1/plans",
        422,
        "idempotency_key_reused",
        json=plan_body(world, "x") | {"project_name": "另一个项目"},
        headers=headers,
    )


def test_a_retry_while_the_first_request_is_still_running_is_told_to_retry_and_creates_nothing(
    platform: Platform, world: World
) -> None:
    """Two requests with one key at once: the second finds the key claimed and is answered
    idempotency_in_progress (409) without running; once the first has answered, a retry
    replays its answer."""
    from sunbid.api import idempotency
    from sunbid.api.deps import IdempotencyKey
    from sunbid.kernel.errors import DomainError

    ctx, key = world.ctx("bidder"), IdempotencyKey("bid-0001", "ab" * 32)
    seen: list[DomainError] = []

    def never() -> dict[str, int]:
        raise AssertionError("a duplicate request ran its use case")

    def first() -> dict[str, int]:
        before = snapshot(platform)
        with pytest.raises(DomainError) as info:
            idempotency.run(platform, ctx, key, "POST", "/api/v1/tenders/t/bids", 201, never)
        assert snapshot(platform) == before
        seen.append(info.value)
        return {"bid": 1}

    answer = idempotency.run(platform, ctx, key, "POST", "/api/v1/tenders/t/bids", 201, first)
    [busy] = seen
    assert (busy.code, busy.kind) == ("idempotency_in_progress", "conflict")  # 409
    assert busy.message_zh and busy.message_en
    assert (answer.status_code, answer.body) == (201, b'{"bid":1}')
    replay = idempotency.run(platform, ctx, key, "POST", "/api/v1/tenders/t/bids", 201, never)
    assert (replay.status_code, replay.body, replay.headers["Idempotent-Replayed"]) == (201, b'{"bid":1}', "true")


def test_a_refused_request_releases_its_idempotency_key(api: TestClient, world: World) -> None:
    headers = world.headers("tenderer") | {"Idempotency-Key": "k-2"}
    body = plan_body(world, "x") | {"estimated_price": "0.00"}
    assert api.post("/api/v1/plans", json=body, headers=headers).json()["code"] == "price_not_positive"
    fixed = api.post("/api/v1/plans", json=body | {"estimated_price": "10.00"}, headers=headers)
    assert fixed.status_code == 201


def test_the_clock_cannot_be_moved_on_the_system_clock(world: World, database_url: str, tmp_path: Any) -> None:
    from sunbid.api.app import create_app
    from sunbid.bootstrap import build
    from sunbid.config import Settings

    platform = build(Settings(database_url=database_url, blob_dir=tmp_path / "b2", ledger_key_file=tmp_path / "k.pem"))
    with TestClient(create_app(platform), raise_server_exceptions=False) as client:
        response = client.post("/api/v1/admin/clock/advance", json={"days": 1}, headers=world.headers("admin"))
    platform.engine.dispose()
    assert response.status_code == 409
    assert response.json()["code"] == "clock_not_adjustable"


def test_rules_endpoint_cites_every_number(api: TestClient) -> None:
    rules = api.get("/api/v1/rules").json()["rules"]
    by_key = {r["key"]: r for r in rules}
    assert by_key["issue_to_deadline_min_days"]["value"] == "20"
    assert "第二十四条" in by_key["issue_to_deadline_min_days"]["citation"]
    assert "519号" in by_key["tender_plan_lead_days"]["citation"]
    assert all(r["citation"] for r in rules)


def test_change_feed_hides_private_events_from_the_public(api: TestClient, world: World) -> None:
    world.suspended_tender()
    public = api.get("/api/v1/events", params={"limit": 500}).json()["items"]
    full = api.get("/api/v1/events", params={"limit": 500}, headers=world.headers("supervisor")).json()["items"]
    assert "TenderSuspended" in {e["name"] for e in public}
    assert "ObjectionRaised" not in {e["name"] for e in public}
    assert "ObjectionRaised" in {e["name"] for e in full}
    seqs = [e["seq"] for e in full]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == len(seqs)
    later = api.get("/api/v1/events", params={"after": seqs[-2]}, headers=world.headers("supervisor")).json()
    assert [e["seq"] for e in later["items"]] == seqs[-1:]


def test_api_times_are_utc_and_money_strings(api: TestClient, world: World) -> None:
    tender_id = world.announced_tender()
    tender = api.get(f"/api/v1/tenders/{tender_id}").json()
    assert tender["bid_deadline"].endswith("Z") or tender["bid_deadline"].endswith("+00:00")
    assert tender["estimated_price"] == "12000000.00"
    assert tender["sections"][0]["max_bid_price"] == "11760000.00"


# ---------------------------------------------------------------------------- sealed bids over HTTP
@pytest.fixture
def bidding(world: World, tmp_path: Any) -> Any:
    from tests.bidding import Bidding

    return Bidding(world, tmp_path / "pki")


def _bid_url(bidding: Any, world: World) -> tuple[str, str]:
    tender_id = world.announced_tender()
    return tender_id, f"/api/v1/tenders/{tender_id}/sections/{bidding.section_of(tender_id)}/bids"


@pytest.mark.parametrize(
    "body",
    [
        b"%PDF-1.7 an unencrypted bid with the price in the clear",
        b"SUNBID-ENVELOPE/1\n\x00\x00\x00\x05{}{}{",
        b"",
    ],
    ids=["plain-pdf", "broken-header", "empty"],
)
def test_a_body_that_is_not_a_sealed_envelope_is_refused_and_stores_nothing(
    api: TestClient, platform: Platform, world: World, bidding: Any, body: bytes
) -> None:
    _tender_id, url = _bid_url(bidding, world)
    blobs_before = sorted(p.name for p in platform.blobs.root.rglob("*") if p.is_file())
    refused(
        api,
        platform,
        "POST",
        url,
        422,
        "envelope_malformed",
        content=body,
        headers=world.headers("bidder") | {"Content-Type": "application/octet-stream"},
    )
    assert sorted(p.name for p in platform.blobs.root.rglob("*") if p.is_file()) == blobs_before


def test_a_truncated_envelope_over_http_is_refused(
    api: TestClient, platform: Platform, world: World, bidding: Any
) -> None:
    tender_id, url = _bid_url(bidding, world)
    data = bidding.seal("bidder", tender_id)
    refused(
        api,
        platform,
        "POST",
        url,
        422,
        "envelope_malformed",
        content=data[:-10],
        headers=world.headers("bidder") | {"Content-Type": "application/octet-stream"},
    )


def test_a_bid_sent_as_json_is_refused(api: TestClient, platform: Platform, world: World, bidding: Any) -> None:
    _tender_id, url = _bid_url(bidding, world)
    refused(
        api,
        platform,
        "POST",
        url,
        422,
        "content_type_octet_stream",
        json={"price": "1"},
        headers=world.headers("bidder"),
    )


def test_a_bid_larger_than_the_limit_is_refused_before_it_is_read(
    api: TestClient, platform: Platform, world: World, bidding: Any
) -> None:
    _tender_id, url = _bid_url(bidding, world)
    refused(
        api,
        platform,
        "POST",
        url,
        413,
        "body_too_large",
        content=b"x",
        headers=world.headers("bidder")
        | {"Content-Type": "application/octet-stream", "Content-Length": str(platform.settings.max_bid_bytes + 1)},
    )


def test_a_content_key_that_is_not_base64_is_refused(api: TestClient, platform: Platform, world: World) -> None:
    refused(
        api,
        platform,
        "POST",
        "/api/v1/bids/bid_unknown/decryption",
        422,
        "request_invalid",
        json={"content_key": "not base64!"},
        headers=world.headers("bidder"),
    )


def test_sealing_terms_with_an_impossible_threshold_are_refused(
    api: TestClient, platform: Platform, world: World
) -> None:
    tender_id = world.draft_tender()
    refused(
        api,
        platform,
        "PUT",
        f"/api/v1/tenders/{tender_id}/sealing",
        422,
        "threshold_without_custodians",
        json={"threshold": 2},
        headers=world.headers("tenderer"),
    )
    refused(
        api,
        platform,
        "PUT",
        f"/api/v1/tenders/{tender_id}/sealing",
        422,
        "window_invalid",
        json={"decrypt_window_minutes": 1},
        headers=world.headers("tenderer"),
    )

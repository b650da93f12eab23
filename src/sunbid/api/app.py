"""The FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from sunbid import __version__
from sunbid.api import problems
from sunbid.api.limits import BodyLimit
from sunbid.api.routers import (
    admin,
    auth,
    bids,
    complaints,
    credit,
    evaluations,
    experts,
    feed,
    ledger,
    organisations,
    plans,
    risk_warnings,
    spot_checks,
    tenders,
)
from sunbid.api.schemas import Problem
from sunbid.bootstrap import Platform, build

API_PREFIX = "/api/v1"

DESCRIPTION = """阳光招标 sunbid: full-process electronic tendering.

Errors are `application/problem+json` with a stable `code` and messages in Chinese and English.
Lists are paged with `cursor`. Creating POSTs accept an `Idempotency-Key` header.
Authenticate with `Authorization: Bearer <token>` (from `/auth/login` or `/auth/tokens`)."""


def create_app(platform: Platform | None = None) -> FastAPI:
    platform = platform or build()
    app = FastAPI(
        title="sunbid",
        version=__version__,
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.platform = platform
    problems.install(app)
    error_responses = {
        code: {"model": Problem, "description": desc}
        for code, desc in (
            (401, "Not logged in"),
            (403, "Not allowed"),
            (404, "Not found"),
            (409, "Refused by the tender's state or a rule"),
            (413, "Body too large"),
            (422, "Invalid request"),
        )
    }
    for module in (
        auth,
        organisations,
        plans,
        tenders,
        bids,
        experts,
        evaluations,
        complaints,
        risk_warnings,
        credit,
        spot_checks,
        feed,
        ledger,
        admin,
    ):
        app.include_router(module.router, prefix=API_PREFIX, responses=error_responses)  # type: ignore[arg-type]

    @app.get(f"{API_PREFIX}/health", tags=["admin"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.add_middleware(
        BodyLimit,
        json_limit=platform.settings.max_json_bytes,
        upload_limit=platform.settings.max_upload_bytes,
        bid_limit=platform.settings.max_bid_bytes,
    )
    return app


def openapi_document() -> str:
    """The OpenAPI spec as committed in ``docs/api/openapi.json`` (no database needed)."""
    import json
    import tempfile
    from pathlib import Path

    from sunbid.config import Settings

    with tempfile.TemporaryDirectory() as tmp:
        platform = build(Settings(database_url="sqlite:///:memory:", blob_dir=Path(tmp)))
        spec = create_app(platform).openapi()
        platform.engine.dispose()
    return json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=True) + "\n"

"""Errors as ``application/problem+json`` (RFC 9457), each with a stable ``code``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sunbid.kernel.errors import DomainError

log = logging.getLogger("sunbid.api")

STATUS = {"invalid": 422, "not_found": 404, "unauthenticated": 401, "forbidden": 403, "conflict": 409, "too_large": 413}

PROBLEM_SCHEMA: dict[str, Any] = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def problem(status: int, code: str, message_en: str, message_zh: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"urn:sunbid:problem:{code}",
        "title": message_en,
        "status": status,
        "code": code,
        "detail": message_en,
        "message_en": message_en,
        "message_zh": message_zh,
        **extra,
    }
    headers = {"WWW-Authenticate": 'Bearer realm="sunbid"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def from_domain(exc: DomainError) -> JSONResponse:
    extra: dict[str, Any] = {}
    if exc.details:
        extra["details"] = dict(exc.details)
    return problem(STATUS.get(exc.kind, 422), exc.code, exc.message_en, exc.message_zh, **extra)


_HTTP = {
    404: ("not_found", "No such resource", "资源不存在"),
    405: ("method_not_allowed", "Method not allowed", "不支持该请求方法"),
    413: ("body_too_large", "The request body is too large", "请求体过大"),
    415: ("unsupported_media_type", "Unsupported media type", "不支持的内容类型"),
}


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_req: Request, exc: DomainError) -> JSONResponse:
        return from_domain(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "code": e.get("type", "invalid"),
                "location": [str(p) for p in e.get("loc", ())],
                "message": e.get("msg", ""),
            }
            for e in exc.errors()
        ]
        if any(e["code"] == "json_invalid" for e in errors):
            return problem(
                400, "json_malformed", "The request body is not valid JSON", "请求体不是合法的 JSON", errors=errors
            )
        fields = ", ".join(".".join(e["location"][1:]) or e["location"][0] for e in errors[:5]) if errors else ""
        return problem(
            422,
            "request_invalid",
            f"The request is not valid: {fields}",
            f"请求内容不符合要求：{fields}",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, en, zh = _HTTP.get(exc.status_code, ("http_error", str(exc.detail), str(exc.detail)))
        return problem(exc.status_code, code, en, zh)

    @app.exception_handler(IntegrityError)
    async def _integrity(_req: Request, exc: IntegrityError) -> JSONResponse:
        # A uniqueness race the use case could not see (two requests at once): nothing was written.
        log.warning("integrity error: %s", exc.orig)
        return problem(
            409,
            "conflict_concurrent_change",
            "The same record was changed or created at the same time by another request; nothing was changed, retry",
            "另一请求同时创建或修改了同一记录，本次操作未生效，请重试",
        )

    @app.exception_handler(Exception)
    async def _crash(_req: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return problem(
            500, "internal_error", "An internal error occurred; nothing was changed", "服务器内部错误，本次操作未生效"
        )

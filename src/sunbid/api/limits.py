"""An ASGI middleware that refuses oversized request bodies before they are read whole."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The one upload that may be larger than a document: a sealed bid.
BID_PATH = re.compile(r"^/api/v1/tenders/[^/]+/sections/[^/]+/bids$")


class BodyLimit:
    """JSON bodies up to ``json_limit``; raw uploads (``application/octet-stream``) up to
    ``upload_limit``, and sealed bids up to ``bid_limit``."""

    def __init__(self, app: ASGIApp, json_limit: int, upload_limit: int, bid_limit: int | None = None) -> None:
        self.app, self.json_limit, self.upload_limit = app, json_limit, upload_limit
        self.bid_limit = bid_limit or upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        ctype = headers.get(b"content-type", b"").split(b";")[0].strip()
        limit = self.json_limit
        if ctype == b"application/octet-stream":
            limit = self.bid_limit if BID_PATH.match(scope.get("path", "")) else self.upload_limit
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _BodyTooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLarge:
            await _too_large(send, limit)


class _BodyTooLarge(StarletteHTTPException):
    """An HTTP 413, so that FastAPI's body parsing passes it on instead of calling it a 400."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


async def _too_large(send: Send, limit: int) -> None:
    body: dict[str, Any] = {
        "type": "urn:sunbid:problem:body_too_large",
        "title": "The request body is too large",
        "status": 413,
        "code": "body_too_large",
        "detail": f"The request body is larger than {limit} bytes",
        "message_en": f"The request body is larger than {limit} bytes",
        "message_zh": f"请求体超过 {limit} 字节上限",
        "details": {"limit": limit},
    }
    data = json.dumps(body, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(data)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": data})

"""The guided tour's driver: each step is one call to the HTTP API, printed with who made it,
what came back and, for a refusal, the stable code and the Chinese and English messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx2
from rich.console import Console
from rich.markup import escape

from sunbid.demo.seed import DEMO_PASSWORD


class Walk:
    def __init__(self, client: httpx2.Client, console: Console) -> None:
        self.client, self.console, self.failures, self.n = client, console, 0, 0
        self.tokens: dict[str, str] = {}

    def call(self, who: str | None, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        headers = kwargs.pop("headers", {})
        if who:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    def step(self, title: str, who: str | None, method: str, path: str, expect: int | str = 200, **kwargs: Any) -> Any:
        """``expect`` is a success status, or the error code a refusal must carry. Returns the
        answer's JSON (an object, or a list for the endpoints that list)."""
        self.n += 1
        response = self.call(who, method, path, **kwargs)
        body: Any = response.json() if response.content else {}
        code = body.get("code") if isinstance(body, dict) else None
        ok = response.status_code == expect if isinstance(expect, int) else code == expect
        actor = f"[cyan]{who or 'public'}[/]"
        if ok and response.is_success:
            self.console.print(f"[green]✔[/] {self.n:2d}. {title}  ({actor}: {method} {path} → {response.status_code})")
        elif ok:
            self.console.print(
                f"[yellow]✘[/] {self.n:2d}. {title}  ({actor}: {method} {path} → "
                f"{response.status_code} [bold]{body['code']}[/])\n"
                f"        {body['message_zh']}\n        {body['message_en']}"
            )
        else:
            self.fail(f"{self.n:2d}. {title}: expected {expect}, got {response.status_code} {body}")
        return body

    def batch(
        self, title: str, who: str, method: str, path: str, payloads: Sequence[dict[str, Any]], expect: int = 200
    ) -> list[dict[str, Any]]:
        """One step made of several calls of the same kind (a member's score of each bid, say):
        every call is checked, and the step is printed once."""
        self.n += 1
        bodies: list[dict[str, Any]] = []
        statuses: set[int] = set()
        for payload in payloads:
            response = self.call(who, method, path, json=payload)
            body: dict[str, Any] = response.json() if response.content else {}
            if response.status_code != expect:
                self.fail(f"{self.n:2d}. {title}: expected {expect}, got {response.status_code} {body}")
                return bodies
            bodies.append(body)
            statuses.add(response.status_code)
        status = "/".join(map(str, sorted(statuses)))
        self.console.print(
            f"[green]✔[/] {self.n:2d}. {title}  ([cyan]{who}[/]: {method} {path} ×{len(payloads)} → {status})"
        )
        return bodies

    def login(self, who: str, tool: str = "bid tool") -> None:
        """Log in with the demo password, then get an API token for ``who``'s tool: sessions last
        12 hours, and the demo's clock runs for weeks."""
        self.tokens[who] = self.step(
            f"{who} logs in", None, "POST", "/auth/login", json={"username": who, "password": DEMO_PASSWORD}
        )["token"]
        self.tokens[who] = self.step(
            f"{who}'s {tool} gets an API token", who, "POST", "/auth/tokens", 201, json={"name": f"demo {tool}"}
        )["token"]
        self.client.cookies.clear()

    def fail(self, message: str) -> None:
        """Something did not behave as the rules require: the tour goes on and ends in failure."""
        self.failures += 1
        self.console.print(f"[red]!![/] {escape(message)}")

    def note(self, text: str) -> None:
        self.console.print(f"   {text}")

    def clock(self, days: int = 0, hours: int = 0) -> datetime:
        body = self.call("admin", "POST", "/admin/clock/advance", json={"days": days, "hours": hours}).json()
        now = datetime.fromisoformat(body["now"])
        self.console.print(f"   ⏩ clock moved forward {days} d {hours} h → [bold]{now:%Y-%m-%d %H:%M} UTC[/]")
        return now

    def now(self) -> datetime:
        return datetime.fromisoformat(self.call(None, "GET", "/admin/clock").json()["now"])

"""Run the API on a real socket in a background thread (the demo, end-to-end tests, benchmarks)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType

import uvicorn
from fastapi import FastAPI

from sunbid.config import Settings


class ServerThread:
    """``with ServerThread(app) as url:`` serves ``app`` over HTTP on 127.0.0.1 and a free port."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1") -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, 0))
        self._socket = sock
        self.port = sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the API server did not start")
            time.sleep(0.01)
        return self.url

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that gives a child process these settings (``SUNBID_*`` variables)."""
    env = dict(os.environ)
    for name, value in settings.model_dump().items():
        if value is not None:
            env[f"SUNBID_{name.upper()}"] = str(value)
    env.update(extra)
    return env


class ServerProcess:
    """``sunbid serve`` in a process of its own, on 127.0.0.1 and a free port, for tests and
    benchmarks that must not share the interpreter (or that kill the server on purpose)."""

    def __init__(
        self,
        env: dict[str, str],
        port: int | None = None,
        command: Callable[[int], list[str]] | None = None,
        cwd: str | None = None,
        start_seconds: float = 60,
    ) -> None:
        """``command(port)`` is the command line; by default ``sunbid serve --port PORT``, run in
        ``cwd`` (default: this process's), given ``start_seconds`` to answer its health check."""
        if port is None:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = int(s.getsockname()[1])
        self.port, self.url = port, f"http://127.0.0.1:{port}"
        self.args = (
            command(port) if command else [sys.executable, "-m", "sunbid.cli.main", "serve", "--port", str(port)]
        )
        self.env, self.cwd, self.start_seconds = env, cwd, start_seconds
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        import httpx2

        # the command line is the caller's own (tests and benchmarks), never a request's
        self.process = subprocess.Popen(  # noqa: S603
            self.args, env=self.env, cwd=self.cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + self.start_seconds
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx2.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx2.TransportError:
                time.sleep(0.1)
        self.process.kill()
        self.process.wait()
        raise RuntimeError(f"the server process did not start (exit code {self.process.returncode})")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to tidy up."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

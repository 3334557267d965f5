"""Real processes for the stress tests: `wsc serve` started, SIGKILLed and restarted on the
test's database, and a small HTTP client that tells a lost answer (the server died while
the request was on its way) apart from an answer."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
WSC = ROOT / ".venv" / "bin" / "wsc"
SECRET = "stress-tests-secret"  # fixed: tokens stay valid across restarts
USERS_PASSWORD = "demo1234"


class Lost(Exception):
    """No answer: the connection was refused, reset or closed before a full response."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wsc_env(db_url: str) -> dict:
    """The environment of every `wsc` process of a test: its database, the real clock, no
    in-process scheduler (the tests start schedulers themselves)."""
    return {**os.environ, "WSC_DATABASE_URL": db_url, "WSC_SIMULATED_CLOCK": "0",
            "WSC_RUN_SCHEDULER": "0", "WSC_SECRET_KEY": SECRET}


class Server:
    """`wsc serve` on a free loopback port; `kill()` is SIGKILL, `start()` starts it again
    on the same port and returns once it answers /api/v1/health."""

    def __init__(self, db_url: str, log_path: Path, threads: int = 8):
        self.env = wsc_env(db_url)
        self.port = free_port()
        self.threads = threads
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def base(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115 (the child keeps it)
        self.process = subprocess.Popen(
            [str(WSC), "serve", "--port", str(self.port), "--threads", str(self.threads)],
            env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        while True:
            try:
                status, _ = request(self.base, "GET", "/api/v1/health", timeout=2)
                if status == 200:
                    return
            except Lost:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"wsc serve exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"wsc serve did not answer in {timeout} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no handler runs, open transactions die with their connections."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def request(base: str, method: str, path: str, token: str | None = None,
            body: dict | None = None, timeout: float = 60) -> tuple[int, dict | None]:
    """(status, JSON body) of one request on a new connection, or `Lost`."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    host, port = base.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers=headers)
        response = connection.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as error:
        raise Lost(f"{method} {path}: {type(error).__name__}: {error}") from error
    finally:
        connection.close()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, {"raw": raw.decode(errors="replace")}


def log_in(base: str, username: str) -> tuple[str, int]:
    """(bearer token, user id) of a demo user."""
    status, body = request(base, "POST", "/api/v1/auth/token",
                           body={"username": username, "password": USERS_PASSWORD})
    assert status == 200, body
    token = body["access_token"]
    status, me = request(base, "GET", "/api/v1/me", token)
    assert status == 200, me
    return token, me["id"]


def verify_audit(db_url: str) -> str:
    """`wsc verify-audit` over every chain; its output (it fails the test if a chain is
    broken)."""
    done = subprocess.run([str(WSC), "verify-audit"], env=wsc_env(db_url), cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout

"""Real processes for the stress tests: `wsc serve` and `wsc web` on the test's database,
SIGKILLed and restarted, and a small HTTP client that tells a lost answer (the server died
while the request was on its way) apart from an answer."""

from __future__ import annotations

import http.client
import json
import os
import random
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

    def command(self) -> list[str]:
        return [str(WSC), "serve", "--port", str(self.port), "--threads", str(self.threads)]

    def start(self, timeout: float = 60) -> None:
        self._launch()
        self.starts += 1
        self._wait_ready(timeout)

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
                self.process.kill()
                self.process.wait(15)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _launch(self) -> None:
        with open(self.log_path, "a", encoding="utf-8") as log:
            self.process = subprocess.Popen(self.command(), env=self.env, cwd=ROOT,
                                            stdout=log, stderr=subprocess.STDOUT)

    def _wait_ready(self, timeout: float, ready=lambda: True) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                status, _ = request(self.base, "GET", "/api/v1/health", timeout=2)
                if status == 200 and ready():
                    return
            except Lost:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command()[1]} exited with {self.process.returncode}:"
                                   f"\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.command()[1]} not ready in {timeout} s:\n"
                                   f"{self.log_tail()}")
            time.sleep(0.05)


class GunicornServer(Server):
    """`wsc web` (gunicorn, the production server) on a free loopback port. `kill()`
    SIGKILLs one of its worker processes, as the kernel's OOM killer would; `start()` starts
    the master the first time, and after a kill waits for the master to have replaced the
    worker."""

    def __init__(self, db_url: str, log_path: Path, workers: int = 2, threads: int = 4):
        super().__init__(db_url, log_path, threads)
        self.workers = workers

    def command(self) -> list[str]:
        return [str(WSC), "web", "--bind", self.base, "--workers", str(self.workers),
                "--threads", str(self.threads)]

    def start(self, timeout: float = 60) -> None:
        if self.process is None:
            self._launch()
        self.starts += 1
        self._wait_ready(timeout, lambda: len(self.worker_pids()) == self.workers)

    def kill(self) -> None:
        victim = random.choice(self.worker_pids())
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while victim in self.worker_pids():  # until the master has reaped it
            assert time.monotonic() < deadline, f"worker {victim} still there after SIGKILL"
            time.sleep(0.01)

    def worker_pids(self) -> list[int]:
        """The master's child processes (from /proc)."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended while we looked
                continue
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                children.append(int(stat.parent.name))
        return children


def start_scheduler(db_url: str, log_path, name: str) -> subprocess.Popen:
    """`wsc scheduler --until-empty`; its database sessions carry `name` (PGAPPNAME)."""
    with open(log_path, "a", encoding="utf-8") as log:
        return subprocess.Popen([str(WSC), "scheduler", "--until-empty"],
                                env={**wsc_env(db_url), "PGAPPNAME": name}, cwd=ROOT,
                                stdout=log, stderr=subprocess.STDOUT)


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

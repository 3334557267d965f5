"""The documented multi-node set-up (README, "Deployment and scaling"), run on this machine:
a new PostgreSQL database, `wsc migrate`, `wsc load-demo`, `wsc load-processes`, `wsc web`
processes and `wsc scheduler` processes, each a real process on loopback. Used by
tests/test_multi_node.py and benchmarks/http_throughput.py."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
WSC = ROOT / ".venv" / "bin" / "wsc"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Deployment:
    """One deployment on a database of its own, created on the server of `server_url` and
    dropped by `close()`, which also stops every process it started."""

    def __init__(self, server_url: str, log_dir: Path):
        self.log_dir = log_dir
        self._admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        self.name = f"wsc_nodes_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{self.name}"')
        self.url = make_url(server_url).set(database=self.name).render_as_string(
            hide_password=False)
        self.env = {**os.environ, "WSC_DATABASE_URL": self.url, "WSC_SIMULATED_CLOCK": "0",
                    "WSC_SECRET_KEY": f"multi-node-{uuid.uuid4().hex}"}
        self.processes: list[subprocess.Popen] = []
        self.ports: list[int] = []

    def _execute(self, sql: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(sql))

    def wsc(self, *args: str) -> str:
        """Run a `wsc` command to its end; its output, or AssertionError with it."""
        done = subprocess.run([str(WSC), *args], env=self.env, cwd=ROOT, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"wsc {' '.join(args)}:\n{done.stdout}{done.stderr}"
        return done.stdout

    def set_up(self) -> None:
        self.wsc("migrate")
        self.wsc("load-demo")
        self.wsc("load-processes")

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "w")  # noqa: SIM115 - the process writes it
        process = subprocess.Popen([str(WSC), *args], env=self.env, cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.processes.append(process)
        return process

    def start_web(self, workers: int = 2, threads: int = 4) -> str:
        """A `wsc web` master with its workers; its base URL once it answers."""
        port = free_port()
        self._start(f"web-{port}", "web", "--bind", f"127.0.0.1:{port}",
                    "--workers", str(workers), "--threads", str(threads))
        self.ports.append(port)
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base)
        return base

    def start_scheduler(self, number: int) -> subprocess.Popen:
        return self._start(f"scheduler-{number}", "scheduler")

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text()

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self._admin.dispose()


def wait_healthy(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(f"{base}/api/v1/health", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{base} did not answer within {timeout} s")
        time.sleep(0.2)


def token(base: str, username: str, password: str = "demo1234") -> dict:
    """The Authorization header of a demo user (a token from one node is good on all)."""
    response = requests.post(f"{base}/api/v1/auth/token", timeout=30,
                             json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}

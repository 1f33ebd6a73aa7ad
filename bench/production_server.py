"""`planround serve --production` on loopback for the benchmark and the load test, stopped by its pid."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from bench import data

START_TIMEOUT = 60


def free_port() -> int:
    """Return a port free on loopback now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(url: str, out_dir: Path, workers: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start `planround serve --production` on loopback; return the process and the API's base URL."""
    port = free_port()
    env = {**os.environ, "PLANROUND_DATABASE_URL": url, "PLANROUND_SECRET_KEY": data.SECRET,
           "PLANROUND_INSTANCE_DIR": str(out_dir / "instance")}
    log_file = open(out_dir / "server.log", "w")  # noqa: SIM115 (closed with the process)
    command = [sys.executable, "-c", "from planround.server.cli import main; main()", "serve", "--production",
               "--bind", f"127.0.0.1:{port}", "--proxies", "0", *(["--workers", str(workers)] if workers else [])]
    process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        wait_until_answering(process, f"{base}/openapi.json")
    except RuntimeError as error:
        stop(process)
        raise RuntimeError(f"{error}; see {out_dir / 'server.log'}") from None
    except BaseException:
        stop(process)
        raise
    return process, base


def wait_until_answering(process: subprocess.Popen, url: str, timeout: float = START_TIMEOUT) -> None:
    """Wait until every worker has booted and `url` answers 200; raise if the server exits or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url, timeout=10).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or a worker still booting
            time.sleep(0.2)
    if process.poll() is not None:
        raise RuntimeError(f"the server exited with {process.returncode}")
    raise RuntimeError(f"the server did not answer within {timeout:g} s")


def stop(process: subprocess.Popen) -> None:
    """Stop the server we started: TERM to its pid (gunicorn's master stops its workers), KILL if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

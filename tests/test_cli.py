"""The installed `opencxm` command: Django's commands through it, and `serve` answering over real HTTP."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

OPENCXM = str(Path(sys.executable).parent / "opencxm")


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env["OPENCXM_DATA_DIR"] = str(tmp_path / "data")
    return env


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_django_commands_run_through_opencxm(tmp_path):
    result = subprocess.run([OPENCXM, "check"], env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert (tmp_path / "data" / "secret_key").exists()


def test_worker_is_the_task_database_worker_with_the_scheduler(tmp_path):
    result = subprocess.run([OPENCXM, "worker", "--help"], env=_env(tmp_path), capture_output=True, text=True)
    assert result.returncode == 0
    assert "--queue-name" in result.stdout and "--no-scheduler" in result.stdout


@pytest.mark.timeout_sensitive
def test_serve_answers_http_with_static_files(tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [OPENCXM, "serve", "--port", str(port)], env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        with urllib.request.urlopen(f"{base}/static/vendor/htmx/htmx.min.js", timeout=5) as response:
            assert response.status == 200
            assert b"htmx" in response.read(2000)
        with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as response:
            assert response.status == 200
            assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        workers = _children(server.pid)
        assert any(" worker " in command for command in workers.values())  # the task worker with the scheduler
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (tmp_path / "data" / "opencxm.sqlite3").exists()
    time.sleep(0.5)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers), "the worker outlived the server"


def _children(pid: int) -> dict[int, str]:
    """Child processes of `pid` with their command lines (Linux /proc)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
    return children

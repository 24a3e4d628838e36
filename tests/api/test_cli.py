"""``dispatch serve``: no unauthenticated server on a non-loopback address without being told."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import optimizer
from api.cli import database_location, is_loopback, main
from api.settings import get_settings
from tests.api.test_server import ROOT, _free_port


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.10", False),
        ("example.org", False),
    ],
)
def test_is_loopback(host: str, expected: bool):
    """Loopback is 127.0.0.0/8, ::1 and localhost; the wildcard and names are not."""
    assert is_loopback(host) is expected


def test_bug_14_serve_refuses_an_open_host_without_keys(monkeypatch, capsys):
    """--host 0.0.0.0 with no API key exits 2 with a sentence naming the risk and the way out."""
    for name in ("DISPATCH_READ_API_KEYS", "DISPATCH_WRITE_API_KEYS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        assert main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "no API key is configured" in err
    assert "--allow-unauthenticated" in err


def test_bug_14_allow_unauthenticated_serves_with_a_warning(tmp_path: Path):
    """With --allow-unauthenticated the real server starts, warns on stderr and answers."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_")}
    env |= {
        "DISPATCH_DATABASE_URL": f"sqlite:///{tmp_path}/s.db",
        "DISPATCH_RUN_JOBS": "false",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        sys.executable,
        "-m",
        "api.cli",
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        str(port),
        "--allow-unauthenticated",
        "--log-level",
        "warning",
    ]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert process.poll() is None, log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert "WARNING: dispatch serve: --host 0.0.0.0 accepts connections" in log.read_text()
    assert f"jobs stored in SQLite file {tmp_path}/s.db" in log.read_text()


def test_serve_on_a_taken_port_fails_before_migrating_with_one_line(monkeypatch, tmp_path, capsys):
    """Another server holds the port: exit 2, one line naming it, no database created."""
    db = tmp_path / "never.db"
    monkeypatch.setenv("DISPATCH_DATABASE_URL", f"sqlite:///{db}")
    get_settings.cache_clear()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        try:
            assert main(["serve", "--port", str(port)]) == 2
        finally:
            get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err == (
        f"dispatch serve: port {port} on 127.0.0.1 is already in use (another server?); "
        "choose another with --port.\n"
    )
    assert not db.exists()


def test_version(capsys):
    """dispatch --version prints the installed package's version and exits 0."""
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"dispatch (field-dispatch) {optimizer.__version__}\n"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///jobs/d.db", f"SQLite file {Path('jobs/d.db').resolve()}"),
        ("sqlite:///:memory:", "SQLite in memory (jobs are lost at exit)"),
        (
            "postgresql+psycopg://u:secret@db:5432/dispatch",
            "postgresql+psycopg database at db:5432/dispatch",
        ),
    ],
)
def test_database_location_names_the_file_and_hides_credentials(url, expected):
    assert database_location(url) == expected
    assert "secret" not in database_location(url)

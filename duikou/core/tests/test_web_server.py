"""The production web process for real: `duikou web` (gunicorn) on a free port, SQLite in a temporary folder."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - 127.0.0.1 only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_duikou_web_serves_probes_pages_and_hashed_static_files(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUIKOU_")}
    env |= {
        "DUIKOU_VAR_DIR": str(tmp_path),
        "DUIKOU_PII_KEY": "00112233445566778899aabbccddeeff",
        "DUIKOU_WEB_WORKERS": "1",
        "DUIKOU_WEB_THREADS": "2",
        "PYTHONPATH": str(ROOT),
    }
    duikou = [sys.executable, "-m", "duikou"]
    for step in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(duikou + step, cwd=ROOT, env=env, check=True, timeout=300)
    base = f"http://127.0.0.1:{_free_port()}"
    out = (tmp_path / "access.log").open("w")
    server = subprocess.Popen([*duikou, "web", base.removeprefix("http://")], cwd=ROOT, env=env, stdout=out)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, headers, body = _get(f"{base}/healthz", {"X-Request-ID": "probe-0123456789"})
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "duikou web did not start"
                time.sleep(0.5)
        assert status == 200 and json.loads(body) == {"status": "ok"}
        assert headers["Server"] == "gunicorn" and headers["X-Request-ID"] == "probe-0123456789"

        status, _, body = _get(f"{base}/readyz")
        assert status == 200, body

        status, _, page = _get(f"{base}/accounts/login/")
        assert status == 200
        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
        hashed = manifest["duikou/duikou.css"]
        assert f"/static/{hashed}" in page.decode()
        status, headers, _ = _get(f"{base}/static/{hashed}", {"Accept-Encoding": "br, gzip"})
        assert status == 200 and headers["Content-Encoding"] in ("br", "gzip")
        assert "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]
    finally:
        server.terminate()
        server.wait(timeout=60)
        out.close()
    access = [json.loads(line) for line in (tmp_path / "access.log").read_text().splitlines()]
    assert any(line["request_id"] == "probe-0123456789" and line["path"] == "/healthz" for line in access)

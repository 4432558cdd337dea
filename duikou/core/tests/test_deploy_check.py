"""`duikou check --deploy` is clean with production settings (docs/deploy.md's environment file)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    # the browser tests' modules set DJANGO_ALLOW_ASYNC_UNSAFE when collected: a deployment never has it
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUIKOU_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {
        "DUIKOU_VAR_DIR": str(tmp_path),
        "DUIKOU_SECRET_KEY": "k7Qz-9vX2mB4nR8tY1wE6uI3oP5aS0dF7gH2jK4lZ9xC1vB8nM3qW6eR5tY0uI2o",
        "DUIKOU_DEBUG": "no",
        "DUIKOU_HTTPS": "yes",
        "DUIKOU_TRUSTED_PROXY": "yes",
        "DUIKOU_ALLOWED_HOSTS": "duikou.example.gov.cn,127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "duikou", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout

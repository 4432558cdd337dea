"""A withdrawal is visible at once on every web process: two server processes, each with its own cache (Django's
in-memory cache is per process), serve a pairing's public page from their caches; a withdrawal made in a third
process (this test) raises the generation in the database, and both answer without the item on their next request.

No module-level ``django_db`` mark: the servers read what this test commits (``committed_db``)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.db import connection

from duikou import testing
from duikou.culture import services as culture_services
from duikou.culture import testing as ct
from duikou.projects import testing as pt
from duikou.projects.models import Project
from duikou.publication import services

ROOT = Path(__file__).resolve().parents[3]

# a web process as the tests' own: static files by their plain names (no collectstatic, see duikou/conftest.py)
SERVER = """
import django
django.setup()
from wsgiref.simple_server import WSGIRequestHandler, make_server
from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.test import override_settings

connections["default"].settings_dict["CONN_MAX_AGE"] = 0  # no connection outlives a request: the test drops its db

override_settings(
    STORAGES={
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
).enable()

class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass

server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
print(server.server_port, flush=True)
server.serve_forever()
"""


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgresql://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _server(settings) -> tuple[subprocess.Popen, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUIKOU_")} | {
        "DJANGO_SETTINGS_MODULE": "duikou.settings",
        "DUIKOU_DATABASE_URL": _database_url(),  # the test database, where this test's rows are committed
        "DUIKOU_VAR_DIR": str(settings.VAR_DIR),
        "DUIKOU_PUBLIC_CACHE_SECONDS": "3600",  # nothing expires during the test: only the generation renews
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    port = process.stdout.readline().strip()
    assert port.isdigit(), process.stderr.read()
    return process, f"http://127.0.0.1:{port}"


def _page(base: str, path: str) -> str:
    response = requests.get(base + path, timeout=30)
    assert response.status_code == 200, response.text[:300]
    return response.text


def test_a_withdrawal_is_visible_at_once_on_every_process(committed_db, settings):
    pairing = testing.pairing("信阳市", "苏州市")
    approver = testing.user("two_process_approver", "信阳市人民政府", "approver")
    project = pt.project(pairing, "两进程公开项目")
    services.publish(user=approver, item=project, secrecy_confirmed=True)
    editor = testing.user("two_process_editor", "信阳市人民政府", "editor")
    resource = ct.publish(ct.resource(editor, "两进程旧址"), editor, approver)
    servers = [_server(settings) for _ in range(2)]
    try:
        path = f"/public/pairings/{pairing.pk}/"
        assert all("两进程公开项目" in _page(base, path) for _process, base in servers)
        Project.objects.filter(pk=project.pk).update(name="两进程改名项目")  # no decision: the caches stand
        time.sleep(0.2)
        assert all("两进程公开项目" in _page(base, path) for _process, base in servers)
        services.withdraw(user=approver, item=Project.objects.get(pk=project.pk), reason="两进程撤回")
        pages = [_page(base, path) for _process, base in servers]
        assert all("两进程公开项目" not in p and "两进程改名项目" not in p for p in pages)
        # a red-culture resource taken down: gone from its page and the catalogue on both processes
        resource_path = f"/public/culture/resources/{resource.pk}/"
        assert all("两进程旧址" in _page(base, resource_path) for _process, base in servers)
        assert all("两进程旧址" in _page(base, "/public/culture/") for _process, base in servers)
        culture_services.step(approver, resource, "takedown", version=resource.version, note="两进程下架")
        assert [requests.get(base + resource_path, timeout=30).status_code for _p, base in servers] == [404, 404]
        assert all("两进程旧址" not in _page(base, "/public/culture/") for _process, base in servers)
    finally:
        for process, _base in servers:
            process.terminate()
            process.wait(timeout=10)
            process.stdout.close()
            process.stderr.close()

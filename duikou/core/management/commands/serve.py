import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand

from duikou.core.static import stale_sources


class Command(BaseCommand):
    help = (
        "启动内置 Web 服务（含静态文件）和一个后台任务 worker（子进程，含定时任务），适合单机与演示；"
        "生产环境请用 `duikou web` 与 `duikou worker`（见 docs/deploy.md）"
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务 worker（已另行启动时）")

    def handle(self, *args, addrport, no_worker=False, **options):
        # The static files are served as in production (WhiteNoise, hashed names): collected first when they changed.
        if stale_sources():
            self.stdout.write("收集静态文件（压缩需要约半分钟）…")
            call_command("collectstatic", interactive=False, verbosity=0)
        worker = None
        if not no_worker:
            # the queue is a table of the same database: no broker, the worker is a child that ends with the server
            worker = subprocess.Popen([sys.executable, "-m", "duikou", "worker", "--verbosity", "0"])
        try:
            call_command("runserver", addrport, use_reloader=False, use_static_handler=False)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()

import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "启动内置 Web 服务（含静态文件）和一个后台任务 worker（子进程，含定时任务），适合单机与演示；"
        "生产环境请置于反向代理之后，并另行启动 duikou worker"
    )

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="不启动后台任务 worker（已另行启动时）")

    def handle(self, *args, addrport, no_worker=False, **options):
        worker = None
        if not no_worker:
            # the queue is a table of the same database: no broker, the worker is a child that ends with the server
            worker = subprocess.Popen([sys.executable, "-m", "duikou", "worker", "--verbosity", "0"])
        try:
            call_command("runserver", addrport, use_reloader=False, insecure_serving=True, use_static_handler=True)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()

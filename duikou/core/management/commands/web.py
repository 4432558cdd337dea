import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from duikou.core.static import manifest_path, stale_sources


class Command(BaseCommand):
    help = (
        "启动生产 Web 服务（gunicorn，多进程多线程；配置见 duikou/gunicorn_conf.py 与 DUIKOU_WEB_*），"
        "启动前须已执行 `duikou migrate` 与 `duikou collectstatic --noinput`"
    )

    def add_arguments(self, parser):
        parser.add_argument("bind", nargs="?", help="监听地址，如 127.0.0.1:8000（默认 DUIKOU_WEB_BIND）")
        parser.add_argument("--workers", type=int, help="进程数（默认 DUIKOU_WEB_WORKERS，0 为 CPU 核数 × 2 + 1）")

    def handle(self, *args, bind, workers, **options):
        if not manifest_path().exists():
            raise CommandError(
                f"静态文件尚未收集（{settings.STATIC_ROOT} 下没有 {manifest_path().name}）："
                "请先运行 `duikou collectstatic --noinput`"
            )
        stale = stale_sources()
        if stale:
            raise CommandError(
                f"静态文件比程序旧（{len(stale)} 个有改动，如 {stale[0]}）："
                "升级后请先运行 `duikou collectstatic --noinput`"
            )
        argv = [sys.executable, "-m", "gunicorn", "--config", "python:duikou.gunicorn_conf"]
        if bind:
            argv += ["--bind", bind]
        if workers:
            argv += ["--workers", str(workers)]
        sys.stdout.flush()
        sys.stderr.flush()
        # gunicorn takes this process's place: the service manager's signals (TERM: finish the requests under way
        # and stop; HUP: reload) reach its master directly.
        os.execv(sys.executable, argv)

import logging
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from duikou.indicators import analytics

log = logging.getLogger("duikou.analytics")


class Command(BaseCommand):
    help = (
        "保持指标分析库与数据库同步并发布只读副本（DUIKOU_ANALYTICS_MODE=published 时每台机器运行一个）；"
        "--once 只同步一次"
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="同步并发布一次后退出")
        parser.add_argument(
            "--interval", type=int, default=None, help="同步间隔（秒），默认 DUIKOU_ANALYTICS_SYNC_SECONDS"
        )

    def handle(self, *args, once=False, interval=None, **options):
        interval = interval or settings.DUIKOU_ANALYTICS_SYNC_SECONDS
        stop = threading.Event()
        if not once:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
        while True:
            try:
                if analytics.sync():
                    log.info("analytics store published")
            except Exception:
                if once:
                    raise
                log.exception("analytics sync failed; retrying in %s s", interval)
            if once or stop.wait(interval):
                break
            close_old_connections()  # a long-lived loop: do not keep a connection the database has dropped
        if once:
            latest = analytics.latest()
            where = analytics.published_dir()
            self.stdout.write(self.style.SUCCESS(f"分析库已发布：截至 {latest['checked']}（{where}）"))

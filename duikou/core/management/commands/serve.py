from django.core.management import call_command
from django.core.management.base import BaseCommand

from duikou.core.static import stale_sources


class Command(BaseCommand):
    help = "启动内置 Web 服务（含静态文件），适合单机与演示；生产环境请用 `duikou web`（见 docs/deploy.md）"

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        # The static files are served as in production (WhiteNoise, hashed names): collected first when they changed.
        if stale_sources():
            self.stdout.write("收集静态文件（压缩需要约半分钟）…")
            call_command("collectstatic", interactive=False, verbosity=0)
        call_command("runserver", addrport, use_reloader=False, use_static_handler=False)

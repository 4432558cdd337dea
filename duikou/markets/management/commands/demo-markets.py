from django.core.management.base import BaseCommand, CommandError

from duikou.geo.models import Region
from duikou.markets import demo


class Command(BaseCommand):
    help = "载入对接平台的演示数据（产销对接、劳务协作；均标明为演示，身份证号为合成号码）；可重复执行"

    def handle(self, *args, **options):
        if not Region.objects.filter(code="411526").exists():
            raise CommandError("缺少行政区划和结对关系，请先执行 duikou seed")
        parts = []
        # produce demo
        counts = demo.load_demo_produce()
        parts.append("产销对接 " + "、".join(f"{k} {v}" for k, v in counts.items()))
        # labour demo
        counts = demo.load_demo_labour()
        parts.append(f"劳务协作：新增用工岗位 {counts['postings']} 个、求职者 {counts['seekers']} 人")
        self.stdout.write(self.style.WARNING("演示数据（仅供演示）：" + "；".join(parts)))

from django.core.management.base import BaseCommand, CommandError

from duikou.pairings.models import Pairing
from duikou.projects.demo import load_demo_projects


class Command(BaseCommand):
    help = "载入演示用的重大项目和合作活动（信阳—苏州、三明—上海、六安—上海；标明为演示数据）；可重复执行"

    def handle(self, *args, **options):
        try:
            counts = load_demo_projects()
        except Pairing.DoesNotExist as exc:
            raise CommandError("缺少国家确定的结对关系，请先执行 duikou seed") from exc
        self.stdout.write(
            self.style.WARNING(
                f"演示数据（仅供演示）：新增重大项目 {counts['projects']} 个、合作活动 {counts['activities']} 条"
            )
        )

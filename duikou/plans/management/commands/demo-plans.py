from django.core.management.base import BaseCommand, CommandError

from duikou.plans.demo import demo_user, load_demo_plans


class Command(BaseCommand):
    help = "载入演示方案（信阳—苏州、三明—上海、六安—上海；标题注明“演示数据”）；可重复执行"

    def handle(self, *args, **options):
        user = demo_user()
        if user is None:
            raise CommandError("请先执行 duikou demo 创建演示用户")
        self.stdout.write(f"演示方案：新增 {load_demo_plans(user)} 份")

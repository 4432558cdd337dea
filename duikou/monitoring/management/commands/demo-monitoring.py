from django.core.management.base import BaseCommand

from duikou.monitoring import demo


class Command(BaseCommand):
    help = (
        "为潢川县春申街道西关社区创建县、乡镇、村三级演示账号（村里两名干部）和一个小的演示户档案及几个处于不同步骤的"
        "案件，以便用不同的人走完识别纳入程序；每次执行都会重置这些账号的密码"
    )

    def handle(self, *args, **options):
        rows = demo.demo_front_line()
        self.stdout.write(
            self.style.WARNING("== 返贫监测演示账号（仅供演示）/ MONITORING DEMO ACCOUNTS — DEMO ONLY ==")
        )
        for user, password, note in rows:
            self.stdout.write(f"  {user.username:<16} {password:<16} {note}")

from django.core.management.base import BaseCommand

from duikou.accounts.services import create_demo_users


class Command(BaseCommand):
    help = "创建每个角色一个演示用户并打印其密码（仅供演示，每次执行都会重置密码）"

    def handle(self, *args, **options):
        rows = create_demo_users()
        self.stdout.write(self.style.WARNING("== 演示账号（仅供演示，请勿用于生产）/ DEMO ACCOUNTS — DEMO ONLY =="))
        for username, password, org, role in rows:
            self.stdout.write(f"  {username:<16} {password:<16} {role}（{org}）")

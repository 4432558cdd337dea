from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from duikou.accounts.services import reset_admin

from ._admin import add_password_arguments, ask_password


class Command(BaseCommand):
    help = (
        "为三员账号之一设置新密码、移除其验证器并解除登录锁定（三员账号不能在页面上由他人重置）；"
        "下次登录时须重新绑定验证器"
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        add_password_arguments(parser)

    def handle(self, *args, username, **options):
        password, generated = ask_password(options, self.stdout)
        try:
            user = reset_admin(username=username, password=password)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"已重置 {user.get_role_display()} {user.username}：密码、验证器、登录锁定")
        )
        if generated:
            self.stdout.write(f"密码（只显示这一次）：{password}")

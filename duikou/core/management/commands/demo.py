from django.core.management.base import BaseCommand

from duikou.accounts.queries import has_authenticator
from duikou.accounts.rules import needs_two_factor
from duikou.accounts.services import create_demo_users


class Command(BaseCommand):
    help = "创建每个角色一个演示用户并打印其密码（仅供演示，每次执行都会重置密码）"

    def handle(self, *args, **options):
        rows = create_demo_users()
        self.stdout.write(self.style.WARNING("== 演示账号（仅供演示，请勿用于生产）/ DEMO ACCOUNTS — DEMO ONLY =="))
        asks = False
        for user, password in rows:
            note = ""
            if needs_two_factor(user):
                asks = True
                note = "  * 已绑定验证器" if has_authenticator(user) else "  * 首次登录须绑定验证器"
            self.stdout.write(
                f"  {user.username:<16} {password:<16} {user.get_role_display()}（{user.organisation}）{note}"
            )
        if asks:
            self.stdout.write(
                "  * 审核员和三员登录须双因素验证：首次登录时用手机验证器应用（TOTP，如 Microsoft Authenticator、"
                "Google Authenticator、FreeOTP）扫码绑定，以后每次登录输入其 6 位动态码。"
                " / Approvers and administrators sign in with a second factor: the first sign-in asks to enrol an"
                " authenticator app."
            )

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from duikou.accounts.models import Organisation
from duikou.accounts.rules import ADMINISTRATORS
from duikou.accounts.services import create_admin

from ._admin import add_password_arguments, ask_password


class Command(BaseCommand):
    help = (
        "安装时创建三员账号之一（系统管理员、安全管理员、安全审计员）。三员账号只能在命令行创建，"
        "任何页面或 API 都不能创建三员账号或变更其角色"
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, choices=sorted(ADMINISTRATORS))
        parser.add_argument("--username", required=True)
        parser.add_argument("--organisation", required=True, help="所属机构的名称，如 国家发展改革委（振兴司）")
        add_password_arguments(parser)

    def handle(self, *args, role, username, organisation, **options):
        org = Organisation.objects.filter(name=organisation).first()
        if org is None:
            raise CommandError(f"没有名为「{organisation}」的机构（先执行 duikou seed；名称须与机构列表一致）")
        password, generated = ask_password(options, self.stdout)
        try:
            user = create_admin(username=username, role=role, organisation=org, password=password)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"已创建 {user.get_role_display()} {user.username}（{org.name}）"))
        if generated:
            self.stdout.write(f"密码（只显示这一次）：{password}")
        self.stdout.write("首次登录时须用手机验证器应用（TOTP）绑定双因素验证。")

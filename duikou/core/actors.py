"""Who acts: a signed-in user, or the platform operator at the command line; and how a command names who acts."""

from django.core.management.base import CommandError

from duikou.accounts.models import User


class Operator:
    """The platform operator at the command line (imports, exports, demo data): the whole country is in scope
    and the audit history records the change as made by the system. Never used for a web request."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    is_anonymous = False
    role = ""
    organisation = None
    pk = None
    username = "operator"

    def __str__(self) -> str:
        return "系统（命令行）"


def audit_actor(user):
    """The user the audit history names for a change by ``user``: none (the system) for the operator."""
    return None if isinstance(user, Operator) else user


def acting_user(username: str | None):
    """The user a command acts as: the named active user (their scope applies and the audit history names them),
    or the platform operator when none is named. An unknown or disabled name stops the command."""
    if not username:
        return Operator()
    user = User.objects.filter(username=username, is_active=True).select_related("organisation").first()
    if user is None:
        raise CommandError(f"用户「{username}」不存在或已停用")
    return user


def add_user_argument(parser) -> None:
    """The ``--user`` option of a command that may act as a named user or as the platform operator."""
    parser.add_argument(
        "--user",
        help="以该用户的身份和权限范围执行（审计记录记在其名下）；不指定时以平台运维身份执行，范围为全国，审计记为系统",
    )

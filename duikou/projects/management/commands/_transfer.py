"""Shared by the import and export commands: the acting user and a tqdm bar fed by the service's progress."""

from contextlib import contextmanager

from django.core.management.base import CommandError
from tqdm import tqdm

from duikou.accounts.models import User
from duikou.core.actors import Operator


def acting_user(username: str | None):
    """The named user (their scope applies and the audit history names them), or the platform operator."""
    if not username:
        return Operator()
    user = User.objects.filter(username=username, is_active=True).select_related("organisation").first()
    if user is None:
        raise CommandError(f"用户「{username}」不存在或已停用")
    return user


@contextmanager
def progress_bar(description: str, verbosity: int):
    bar = tqdm(total=0, unit="行", desc=description, disable=verbosity == 0)

    def progress(done: int, total: int | None = None, message: str = "") -> None:
        if total is not None and total != bar.total:
            bar.total = total
        if message:
            bar.set_postfix_str(message, refresh=False)
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        bar.close()


def add_user_argument(parser) -> None:
    parser.add_argument(
        "--user",
        help="以该用户的身份和权限范围执行（审计记录记在其名下）；不指定时以平台运维身份执行，范围为全国，审计记为系统",
    )

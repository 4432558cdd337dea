"""What ``create-admin`` and ``reset-admin`` share: the password, typed twice or generated and shown once."""

import getpass
import sys

from django.core.management.base import CommandError

from duikou.accounts.services import random_password


def add_password_arguments(parser) -> None:
    parser.add_argument(
        "--generate-password",
        action="store_true",
        help="生成随机密码并显示一次（不加此项则提示输入两次）",
    )


def ask_password(options, stdout) -> tuple[str, bool]:
    """The password to set and whether it was generated (then the caller shows it once)."""
    if options["generate_password"]:
        return random_password(), True
    if not sys.stdin.isatty():
        raise CommandError("没有终端可输入密码：请在终端中执行，或加 --generate-password 生成随机密码")
    first = getpass.getpass("密码：")
    if first != getpass.getpass("再次输入密码："):
        raise CommandError("两次输入的密码不一致，未做任何改动")
    return first, False

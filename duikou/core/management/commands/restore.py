import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from duikou.core.backup import BackupError, backup_key, restore_backup
from duikou.core.commands import reraised
from duikou.core.progress import progress_bar

FAILED = "恢复失败，未写入任何数据："


class Command(BaseCommand):
    help = (
        "从 duikou backup 生成的归档恢复数据库和上传文件：先解密并验证整个归档和全部校验和，只写入已迁移"
        "（duikou migrate）的空数据库，全部表在一个事务中写入"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="备份归档（.tar.gz.enc、.tar.enc；不加密的 .tar.gz、.tar）")
        parser.add_argument("--yes", "-y", action="store_true", help="不询问，直接恢复")
        parser.add_argument("--key-file", type=Path, help="备份密钥文件（默认为 DUIKOU_BACKUP_KEY_FILE）")
        parser.add_argument(
            "--unencrypted",
            action="store_true",
            help="恢复不加密的归档（无法验证其来源与完整性，只用于自己用 --unencrypted 生成的归档）",
        )

    def handle(self, *args, path, yes, key_file, unencrypted, **options):
        if unencrypted and key_file:
            raise CommandError("--unencrypted 与 --key-file 不能同时使用")
        with reraised(BackupError, FAILED):
            key = None if unencrypted else backup_key(key_file)
        if not yes:
            target = f"{connection.vendor} 数据库 {connection.settings_dict['NAME']}"
            try:
                answer = input(f"将把 {path} 恢复到 {target}（须为空库），继续吗？[y/N] ")
            except EOFError:
                answer = ""
            if answer.strip().lower() not in ("y", "yes", "是"):
                self.stdout.write("已取消，未写入任何数据")
                return
        with reraised(BackupError, FAILED), progress_bar("恢复", options["verbosity"]) as progress:
            manifest = restore_backup(path=path, key=key, progress=progress)
        tables = [t for t in manifest["tables"] if t["load"]]
        created = timezone.localtime(datetime.datetime.fromisoformat(manifest["created"]))
        checked = "归档已解密并验证，" if manifest["encryption"] else ""
        self.stdout.write(self.style.SUCCESS(f"已从 {path} 恢复，{checked}校验和与行数均已核对"))
        self.stdout.write(
            f"  {len(tables)} 张表共 {manifest['total_rows']:,} 行，上传文件 {manifest['media_files']} 个；"
            f"备份时间 {created:%Y-%m-%d %H:%M:%S}，来源数据库 {manifest['database']['vendor']}"
        )

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from tqdm import tqdm

from duikou.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "从 duikou backup 生成的归档恢复数据库和上传文件：先校验全部校验和，只写入已迁移（duikou migrate）"
        "的空数据库，全部表在一个事务中写入"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="备份归档（.tar.gz 或 .tar）")
        parser.add_argument("--yes", "-y", action="store_true", help="不询问，直接恢复")

    def handle(self, *args, path, yes, **options):
        if not yes:
            target = f"{connection.vendor} 数据库 {connection.settings_dict['NAME']}"
            try:
                answer = input(f"将把 {path} 恢复到 {target}（须为空库），继续吗？[y/N] ")
            except EOFError:
                answer = ""
            if answer.strip().lower() not in ("y", "yes", "是"):
                self.stdout.write("已取消，未写入任何数据")
                return
        bar = tqdm(total=0, unit="行", desc="恢复", disable=options["verbosity"] == 0)

        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        try:
            manifest = restore_backup(path=path, progress=progress)
        except BackupError as exc:
            raise CommandError(f"恢复失败，未写入任何数据：{exc}") from exc
        finally:
            bar.close()
        tables = [t for t in manifest["tables"] if t["load"]]
        created = timezone.localtime(datetime.datetime.fromisoformat(manifest["created"]))
        self.stdout.write(self.style.SUCCESS(f"已从 {path} 恢复，校验和与行数均已核对"))
        self.stdout.write(
            f"  {len(tables)} 张表共 {manifest['total_rows']:,} 行，上传文件 {manifest['media_files']} 个；"
            f"备份时间 {created:%Y-%m-%d %H:%M:%S}，来源数据库 {manifest['database']['vendor']}"
        )

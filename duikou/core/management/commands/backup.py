from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from tqdm import tqdm

from duikou.core.backup import BackupError, create_backup, default_backup_path


class Command(BaseCommand):
    help = "备份数据库的全部表和上传文件到一个带校验和的归档（.tar.gz 或 .tar），读取在一个只读事务中完成"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            help="归档路径，以 .tar.gz 或 .tar 结尾（默认 var/backups/duikou-年月日-时分秒.tar.gz）；不覆盖已有文件",
        )

    def handle(self, *args, output, **options):
        path = output or default_backup_path()
        bar = tqdm(total=0, unit="行", desc="备份", disable=options["verbosity"] == 0)

        def progress(done, total):
            bar.total = total
            bar.update(done - bar.n)

        try:
            manifest = create_backup(path=path, progress=progress)
        except BackupError as exc:
            raise CommandError(f"备份失败，未生成归档：{exc}") from exc
        finally:
            bar.close()
        tables = [t for t in manifest["tables"] if t["load"]]
        self.stdout.write(self.style.SUCCESS(f"备份已写入 {path}"))
        self.stdout.write(
            f"  大小 {filesizeformat(path.stat().st_size)}，{len(tables)} 张表共 {manifest['total_rows']:,} 行，"
            f"上传文件 {manifest['media_files']} 个；数据库 {manifest['database']['vendor']}"
        )

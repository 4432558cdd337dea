from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from duikou.core.backup import BackupError, backup_key, create_backup, default_backup_path, short
from duikou.core.commands import reraised
from duikou.core.progress import progress_bar


class Command(BaseCommand):
    help = "备份数据库的全部表和上传文件到一个加密（SM4-GCM，备份密钥）并带校验和的归档，读取在一个只读事务中完成"

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            help="归档路径，以 .tar.gz.enc 或 .tar.enc 结尾，不加密时以 .tar.gz 或 .tar 结尾"
            "（默认 var/backups/duikou-年月日-时分秒.tar.gz.enc）；不覆盖已有文件",
        )
        parser.add_argument(
            "--key-file", type=Path, help="备份密钥文件（默认为 DUIKOU_BACKUP_KEY_FILE；duikou backup-key 生成）"
        )
        parser.add_argument(
            "--unencrypted",
            action="store_true",
            help="写不加密的归档（仅供迁移或查看；其中有密码散列、令牌摘要等全部数据，须像数据库一样保管）",
        )

    def handle(self, *args, output, key_file, unencrypted, **options):
        if unencrypted and key_file:
            raise CommandError("--unencrypted 与 --key-file 不能同时使用")
        path = output or default_backup_path(encrypted=not unencrypted)
        with reraised(BackupError, "备份失败，未生成归档："):
            key = None if unencrypted else backup_key(key_file)
            with progress_bar("备份", options["verbosity"]) as progress:
                manifest = create_backup(path=path, key=key, progress=progress)
        tables = [t for t in manifest["tables"] if t["load"]]
        self.stdout.write(self.style.SUCCESS(f"备份已写入 {path}"))
        self.stdout.write(
            f"  大小 {filesizeformat(path.stat().st_size)}，{len(tables)} 张表共 {manifest['total_rows']:,} 行，"
            f"上传文件 {manifest['media_files']} 个；数据库 {manifest['database']['vendor']}"
        )
        if manifest["encryption"]:
            self.stdout.write(f"  已加密（SM4-GCM），备份密钥指纹 {short(manifest['encryption']['key_fingerprint'])}")
        else:
            self.stdout.write(self.style.WARNING("  未加密：归档中有全部数据，请像数据库本身一样限制访问"))
        for name, fingerprint in manifest["data_keys"].items():
            if fingerprint:
                self.stdout.write(f"  恢复时须配置同一把 {name}（指纹 {short(fingerprint)}）")
            else:
                self.stdout.write(f"  尚未生成 {name}，备份中没有按它加密的数据")
